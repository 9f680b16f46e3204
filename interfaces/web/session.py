"""Signing in to the pages, and who is signed in.

The pages use the same accounts, second factor, lock-out and session cookie as the API
(``interfaces/http/identity.py``); single sign-on is the same ``/auth/oidc/login``. A page asked
for without a live session redirects to the sign-in page (saying so when a session has ended),
and back afterwards. Every form that changes something carries the session's CSRF token in a
hidden ``csrf_token`` field, checked by ``posted_form`` before anything else is read.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from infrastructure.oidc import OidcSettings
from interfaces.http.auth import SESSION_COOKIE, accounts
from interfaces.http.identity import (
    end_browser_session,
    password_sign_in,
    secure_cookies,
    set_session_cookie,
)
from interfaces.http.oidc import SAFE_NEXT
from interfaces.http.problems import ApiProblem
from interfaces.web.render import Viewer, render

router = APIRouter(include_in_schema=False)

FORM_EXPIRED = ("This form has expired or did not come from caseledger: go back, reload the page "
                "and try again.")


SIGN_IN_COOKIE = "caseledger_sign_in"
SIGN_IN_FORM_SECONDS = 60 * 60
SIGN_IN_FORM_EXPIRED = "The sign-in form had expired: enter your details again."
MISSING = {"username": "Enter your username", "password": "Enter your password",
           "code": "Enter the code from your authenticator app"}


class SignInNeeded(Exception):
    """No live session: the page redirects to the sign-in page."""

    def __init__(self, next_path: str, ended: bool) -> None:
        super().__init__("sign in needed")
        self.next_path, self.ended = next_path, ended


def signed_in_viewer(request: Request) -> Viewer | None:
    """The person signed in, if anyone is (their session is kept alive): for a page anyone may
    read, which still says who is signed in. API tokens are for systems, not pages: only the
    session cookie is read."""
    cookie = request.cookies.get(SESSION_COOKIE)
    found = accounts(request).principal_for_session(cookie) if cookie else None
    if found is None:
        return None
    principal, csrf = found
    request.state.principal = principal
    seen = Viewer(principal, csrf)
    request.state.viewer = seen
    return seen


def viewer(request: Request) -> Viewer:
    """The person signed in, or a redirect to the sign-in page (saying so when their session
    has ended)."""
    seen = signed_in_viewer(request)
    if seen is None:
        raise SignInNeeded(request.url.path, ended=bool(request.cookies.get(SESSION_COOKIE)))
    return seen


SignedIn = Annotated[Viewer, Depends(viewer)]


async def posted_form(request: Request, who: SignedIn) -> FormData:
    """The posted form, once its CSRF token matches the session's (403 page otherwise)."""
    form = await request.form()
    given = form.get("csrf_token")
    if not isinstance(given, str) or not hmac.compare_digest(given.encode(), who.csrf.encode()):
        raise ApiProblem(403, FORM_EXPIRED, kind="csrf")
    return form


PostedForm = Annotated[FormData, Depends(posted_form)]


def sign_in_redirect(needed: SignInNeeded) -> RedirectResponse:
    target = f"/sign-in?next={quote(needed.next_path, safe='/')}"
    return RedirectResponse(target + ("&ended=1" if needed.ended else ""), status_code=303)


def _safe_next(value: object) -> str:
    return value if isinstance(value, str) and SAFE_NEXT.match(value) else "/"


def _single_sign_on(request: Request) -> bool:
    return OidcSettings.from_env(request.app.state.services.settings.environment) is not None


async def _posted(request: Request) -> FormData:
    return await request.form()


@router.get("/sign-in")
def sign_in_page(request: Request, next: str = "/", ended: bool = False,
                 signed_out: bool = False) -> Response:
    return _sign_in_form(request, errors=[], next_path=_safe_next(next), ended=ended,
                         signed_out=signed_out)


@router.post("/sign-in")
def sign_in(request: Request, form: Annotated[FormData, Depends(_posted)]) -> Response:
    """A sync route: checking a password (Argon2id) runs in a worker thread, not the event loop."""
    username, password, code = (str(form.get(n) or "") for n in ("username", "password", "code"))
    next_path = _safe_next(form.get("next"))
    if not _form_token_matches(request, form.get("form_token")):
        return _sign_in_form(request, errors=[("username", SIGN_IN_FORM_EXPIRED)],
                             next_path=next_path, username=username, status=400)
    given = {"username": username, "password": password, "code": code}
    errors = [(name, message) for name, message in MISSING.items() if not given[name].strip()]
    status, headers = 400, {}
    if not errors:
        try:
            _, session = password_sign_in(request, username, password, code.strip())
        except ApiProblem as refused:
            errors = [("username", refused.detail)]
            status, headers = refused.status, refused.headers
        else:
            response = RedirectResponse(next_path, status_code=303)
            set_session_cookie(request, response, session.token)
            response.delete_cookie(SIGN_IN_COOKIE, path="/sign-in")
            return response
    return _sign_in_form(request, errors=errors, next_path=next_path, username=username,
                         status=status, headers=headers)


def _sign_in_form(request: Request, *, errors: list[tuple[str, str]], next_path: str,
                  username: str = "", ended: bool = False, signed_out: bool = False,
                  status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """The sign-in page with a fresh form token, also set as a cookie only the sign-in page
    receives: a sign-in posted from another site has neither (login CSRF)."""
    token = secrets.token_urlsafe(24)
    response = render(request, "sign_in.html", title="Sign in", viewer=None, errors=errors,
                      next=next_path, ended=ended, signed_out=signed_out, username=username[:64],
                      single_sign_on=_single_sign_on(request), form_token=token, status=status,
                      headers=headers)
    response.set_cookie(SIGN_IN_COOKIE, token, max_age=SIGN_IN_FORM_SECONDS, path="/sign-in",
                        httponly=True, samesite="strict",
                        secure=secure_cookies(request.app.state.services.settings.environment))
    return response


def _form_token_matches(request: Request, given: object) -> bool:
    expected = request.cookies.get(SIGN_IN_COOKIE) or ""
    return (isinstance(given, str) and bool(expected)
            and hmac.compare_digest(given.encode(), expected.encode()))


@router.post("/sign-out")
def sign_out(request: Request, form: PostedForm) -> Response:
    response = RedirectResponse("/sign-in?signed_out=1", status_code=303)
    end_browser_session(request, response)
    return response
