"""The accessibility statement: public (no sign-in), as the Public Sector Bodies Accessibility
Regulations 2018 expect of a service a council runs."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from interfaces.http.auth import SESSION_COOKIE, accounts
from interfaces.web.render import Viewer, render

router = APIRouter(include_in_schema=False)


@router.get("/accessibility")
def accessibility_statement(request: Request) -> HTMLResponse:
    cookie = request.cookies.get(SESSION_COOKIE)
    found = accounts(request).principal_for_session(cookie) if cookie else None
    return render(request, "accessibility.html", title="Accessibility statement",
                  viewer=Viewer(*found) if found else None)
