"""The web application: server-rendered pages in the GOV.UK Design System's style, on the same
application layer and access policy as the API, working without JavaScript."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from interfaces.web.assets import mount_assets
from interfaces.web.render import render
from interfaces.web.session import SignInNeeded, sign_in_redirect


def install_pages(app: FastAPI) -> None:
    """The pages, their files and their error pages, on the API's app."""
    from interfaces.web import (
        accessibility,
        admin,
        agency,
        audit,
        board,
        cases,
        commands,
        home,
        session,
        subject,
    )

    mount_assets(app)
    app.state.error_page = error_page
    app.add_exception_handler(SignInNeeded, _sign_in_needed)  # type: ignore[arg-type]
    for module in (session, home, accessibility, cases, commands, agency, audit, board, admin,
                   subject):
        app.include_router(module.router)


def error_page(request: Request, status: int, title: str, detail: str,
               headers: Mapping[str, str]) -> Response:
    """An error as a page: the sign-in page for 401, else the status, its title and the detail
    (the domain's message: never personal data)."""
    if status == 401:
        return sign_in_redirect(SignInNeeded(request.url.path, ended=False))
    return render(request, "error.html", title=title, viewer=getattr(request.state, "viewer", None),
                  status=status, headers=headers, detail=detail, status_code=status)


async def _sign_in_needed(request: Request, needed: SignInNeeded) -> RedirectResponse:
    return sign_in_redirect(needed)
