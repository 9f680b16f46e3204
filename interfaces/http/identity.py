"""Signing in and out with a built-in account, and who one is.

- ``POST /api/v1/session`` (username, password, one-time code): sets the ``caseledger_session``
  cookie (HttpOnly, SameSite=Lax, Secure unless ``CASELEDGER_INSECURE_COOKIES=1`` for plain-http
  development) and returns the CSRF token that changes made with the session must carry.
  Every failure is the same 401 (which part was wrong is not said); a locked account is 429 with
  ``Retry-After``.
- Sign-in attempts are also limited per client address: ``CASELEDGER_SIGNIN_PER_MINUTE`` (default
  10) in any 60 seconds, counted in this process (a sliding window; with several workers each
  counts its own, and the per-account lock-out, which is in the database, still holds). Behind a
  reverse proxy the address is the proxy's unless uvicorn is told to trust its forwarded headers.
- ``DELETE /api/v1/session``: signs out (the session ends on the server, the cookie is cleared).
- ``GET /api/v1/me``: the username, display name, kind and grants of whoever is calling.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from application.identity import Session, SignInFailed, format_grant
from application.principals import Principal
from domain.errors import InvalidInput
from interfaces.http.auth import SESSION_COOKIE, accounts, current_principal
from interfaces.http.problems import ApiProblem

router = APIRouter(prefix="/api/v1", tags=["identity"])

WINDOW = timedelta(seconds=60)


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    totp: str = Field(min_length=1, max_length=10, description="The code from the authenticator app.")


class SignedIn(BaseModel):
    username: str
    csrf_token: str = Field(description="Send as the X-CSRF-Token header with every change.")
    expires: datetime = Field(description="When the session ends if unused (each use extends it).")


class GrantOut(BaseModel):
    grant: str
    role: str
    partnership: str | None
    hub: str | None
    agency: str | None
    county: str | None


class Me(BaseModel):
    username: str
    display_name: str | None
    kind: str
    grants: list[GrantOut]


class SignInRateLimit:
    """At most ``per_minute`` sign-in attempts from one address in any 60 seconds."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._attempts: dict[str, deque[datetime]] = {}
        self._lock = threading.Lock()

    def admit(self, address: str, now: datetime) -> int | None:
        """None if the attempt may go ahead (and count it); else the seconds to wait."""
        with self._lock:
            attempts = self._attempts.setdefault(address, deque())
            while attempts and now - attempts[0] >= WINDOW:
                attempts.popleft()
            if len(attempts) >= self.per_minute:
                return max(1, int((attempts[0] + WINDOW - now).total_seconds()) + 1)
            attempts.append(now)
            if len(self._attempts) > 10_000:  # bounded: forget addresses with nothing recent
                for quiet in [a for a, q in self._attempts.items() if not q or now - q[-1] >= WINDOW]:
                    del self._attempts[quiet]
            return None


def _rate_limit(request: Request) -> SignInRateLimit:
    state = request.app.state
    limit: SignInRateLimit | None = getattr(state, "sign_in_rate_limit", None)
    if limit is None:
        environment = state.services.settings.environment
        limit = SignInRateLimit(_per_minute(environment))
        state.sign_in_rate_limit = limit
    return limit


def _per_minute(environment: Mapping[str, str]) -> int:
    raw = environment.get("CASELEDGER_SIGNIN_PER_MINUTE", "").strip()
    if not raw:
        return 10
    if not raw.isdigit() or not 1 <= int(raw) <= 10_000:
        raise InvalidInput(f"CASELEDGER_SIGNIN_PER_MINUTE={raw!r}: use a whole number from 1 to 10000.")
    return int(raw)


def secure_cookies(environment: Mapping[str, str]) -> bool:
    raw = environment.get("CASELEDGER_INSECURE_COOKIES", "").strip().lower()
    if raw not in ("", "0", "1", "true", "false", "yes", "no"):
        raise InvalidInput(f"CASELEDGER_INSECURE_COOKIES={raw!r}: use 1 (plain-http development only) or 0.")
    return raw not in ("1", "true", "yes")


def password_sign_in(request: Request, username: str, password: str, totp: str) -> tuple[Principal, Session]:
    """Check a sign-in (rate-limited per address) and start a session: the API's and the sign-in
    page's one way in. 401 for any wrong part (which one is not said), 429 when locked out or
    when the address tried too often."""
    service = accounts(request)
    address = request.client.host if request.client else "unknown"
    wait = _rate_limit(request).admit(address, service.clock.now())
    if wait is not None:
        raise ApiProblem(429, "Too many sign-in attempts from this address: wait a minute and try again.",
                         kind="too-many-attempts", headers={"Retry-After": str(wait)})
    try:
        principal = service.verify_sign_in(username, password, totp)
        session = service.start_session(principal.account_id)
    except SignInFailed as failed:
        if failed.locked_until is not None:
            wait = max(1, int((failed.locked_until - service.clock.now()).total_seconds()))
            raise ApiProblem(429, failed.message, kind="locked",
                             headers={"Retry-After": str(wait)}) from None
        raise ApiProblem(401, failed.message, kind="sign-in-failed",
                         headers={"WWW-Authenticate": "Bearer"}) from None
    request.state.principal = principal
    return principal, session


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", path="/",
                        secure=secure_cookies(request.app.state.services.settings.environment))


def end_browser_session(request: Request, response: Response) -> None:
    """End the session on the server (an API token's request has none to end) and clear the cookie."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie and "authorization" not in request.headers:
        accounts(request).end_session(cookie)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                           secure=secure_cookies(request.app.state.services.settings.environment))


@router.post("/session", status_code=201, response_model=SignedIn,
             summary="Sign in with a username, password and one-time code",
             responses={401: {"description": "Not signed in"}, 429: {"description": "Too many attempts"}})
def sign_in(body: SignIn, request: Request, response: Response) -> SignedIn:
    principal, session = password_sign_in(request, body.username, body.password, body.totp)
    set_session_cookie(request, response, session.token)
    response.headers["Location"] = "/api/v1/session"
    return SignedIn(username=principal.username, csrf_token=session.csrf, expires=session.expires)


@router.delete("/session", status_code=204, summary="Sign out",
               responses={401: {"description": "Not signed in"}, 403: {"description": "No CSRF token"}})
def sign_out(request: Request, principal: Annotated[Principal, Depends(current_principal)]) -> Response:
    response = Response(status_code=204)
    end_browser_session(request, response)
    return response


@router.get("/me", response_model=Me, summary="Who is signed in, with their roles and scopes",
            responses={401: {"description": "Not signed in"}})
def me(request: Request, principal: Annotated[Principal, Depends(current_principal)]) -> Me:
    account = accounts(request).store.account_by_id(principal.account_id)
    return Me(username=principal.username, display_name=account.display_name if account else None,
              kind=str(principal.kind),
              grants=[GrantOut(grant=format_grant(g), role=str(g.role), partnership=g.partnership,
                               hub=g.hub, agency=g.agency, county=g.county) for g in principal.grants])
