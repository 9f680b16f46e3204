"""Who is calling: the principal behind an API token or a browser session.

- ``Authorization: Bearer cl_…``: an API token (systems). A bearer header that is not a live
  token is refused, even when a session cookie comes with it.
- The ``caseledger_session`` cookie: a browser session. A browser sends cookies with requests
  other sites make it send, so for a method that changes something (anything but GET, HEAD,
  OPTIONS) the session's CSRF token must come too, in the ``X-CSRF-Token`` header; a web page
  posting a form puts it in a ``csrf_token`` field, which its route reads (``form_csrf``) before
  asking for the principal. SameSite=Lax on the cookie is a second line of defence, not the first.

Without credentials, or with an unknown, expired or revoked token or session, or a disabled
account, the answer is 401 with ``WWW-Authenticate: Bearer``; a session without its CSRF token is
403. The principal is kept on ``request.state.principal`` for the request's log line.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from fastapi import Request

from application.environment import whole_number
from application.identity import AccountService, IdentityPolicy
from application.principals import Principal
from infrastructure.accounts import SqlAccountStore
from interfaces.http.problems import ApiProblem

SESSION_COOKIE = "caseledger_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

UNAUTHENTICATED = "Sign in, or send an API token as 'Authorization: Bearer …'."
NOT_VALID = ("The API token or session is not valid: it is unknown, expired or revoked, or the "
             "account is disabled. Sign in again, or ask an administrator for a new token.")


def accounts(request: Request) -> AccountService:
    """The server's one account service (it keeps the in-process lock-out of unknown usernames),
    built from the services on first use."""
    state = request.app.state
    built: AccountService | None = getattr(state, "accounts", None)
    if built is None:
        services = state.services
        built = AccountService(SqlAccountStore(services.engine), services.clock,
                               identity_policy(services.settings.environment))
        state.accounts = built
    return built


def current_principal(request: Request) -> Principal:
    """The signed-in principal, or 401 (with ``WWW-Authenticate``); 403 for a session's
    change without its CSRF token."""
    service = accounts(request)
    authorization = request.headers.get("authorization")
    if authorization is not None:
        scheme, _, token = authorization.partition(" ")
        principal = service.principal_for_token(token.strip()) if scheme.lower() == "bearer" else None
        if principal is None:
            raise _unauthenticated(NOT_VALID)
        request.state.principal = principal
        return principal
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise _unauthenticated(UNAUTHENTICATED)
    found = service.principal_for_session(cookie)
    if found is None:
        raise _unauthenticated(NOT_VALID)
    principal, csrf = found
    if request.method not in SAFE_METHODS:
        given = request.headers.get(CSRF_HEADER) or getattr(request.state, "csrf_form_token", None) or ""
        if not hmac.compare_digest(given.encode(), csrf.encode()):
            raise ApiProblem(403, f"A change made with a session needs its CSRF token in the {CSRF_HEADER} "
                             "header (given when signing in).", kind="csrf")
    request.state.principal = principal
    return principal


async def form_csrf(request: Request) -> None:
    """For a web page's form post: take the ``csrf_token`` field for ``current_principal``.
    Depend on this before ``current_principal`` in such a route."""
    form = await request.form()
    value = form.get("csrf_token")
    if isinstance(value, str):
        request.state.csrf_form_token = value


def _unauthenticated(detail: str) -> ApiProblem:
    return ApiProblem(401, detail, kind="unauthenticated", headers={"WWW-Authenticate": "Bearer"})


def identity_policy(environment: Mapping[str, str]) -> IdentityPolicy:
    """CASELEDGER_LOCKOUT_AFTER (failed sign-ins, default 5), CASELEDGER_LOCKOUT_MINUTES (15),
    CASELEDGER_SESSION_IDLE_MINUTES (30), CASELEDGER_SESSION_MAX_HOURS (12)."""
    return IdentityPolicy(
        lock_after=whole_number(environment, "CASELEDGER_LOCKOUT_AFTER", 5, 1, 100),
        lock_minutes=whole_number(environment, "CASELEDGER_LOCKOUT_MINUTES", 15, 1, 24 * 60),
        session_idle_minutes=whole_number(environment, "CASELEDGER_SESSION_IDLE_MINUTES", 30, 1, 24 * 60),
        session_max_hours=whole_number(environment, "CASELEDGER_SESSION_MAX_HOURS", 12, 1, 24 * 30),
    )
