"""Single sign-on in the browser: ``/auth/oidc/login`` sends the person to the council's OpenID
provider, ``/auth/oidc/callback`` takes them back and signs them in (``infrastructure/oidc.py``).

- ``GET /auth/oidc/login[?next=/path]``: 303 to the provider's authorization endpoint, with a
  fresh ``state``, ``nonce`` and PKCE challenge kept in a short-lived signed cookie (HttpOnly,
  SameSite=Lax: the provider's redirect back is a top-level navigation from another site).
- ``GET /auth/oidc/callback``: checks the cookie and ``state``, exchanges the code, verifies the
  ID token, finds the account by the provider's issuer and subject (or verified email),
  provisions it when allowed, takes its roles from the mapped groups (or those assigned
  locally), starts a session with the same cookie as the password sign-in, and 303s to ``next``
  (a path on this server only) or ``/``.

Refusals are problems: 401 when the sign-in itself failed (the provider refused, the state or
token did not check out: start again), 403 when it succeeded but the person may not use
caseledger (no account and no provisioning, a disabled account), 503 when the provider cannot be
reached. The flow cookie is cleared whatever the outcome. With no CASELEDGER_OIDC_ISSUER the
routes answer 404. The log says why a sign-in was refused with a fixed word, never a token, a
code, a claim or the provider's own text.
"""

from __future__ import annotations

import re
from typing import Annotated

import structlog
from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse

from application.identity import SignInFailed
from domain.errors import InvalidInput
from infrastructure.oidc import (
    FLOW_SECONDS,
    OidcClient,
    OidcFailure,
    OidcSettings,
    ProviderUnavailable,
    SignInFlow,
)
from interfaces.http.auth import accounts
from interfaces.http.identity import secure_cookies, set_session_cookie
from interfaces.http.problems import ApiProblem, problem

log = structlog.get_logger("caseledger.http.oidc")

router = APIRouter(prefix="/auth/oidc", include_in_schema=False)

FLOW_COOKIE = "caseledger_oidc_flow"
FLOW_COOKIE_PATH = "/auth/oidc/"
# A path on this server: one leading slash (not "//host" or "/\host"), printable, no scheme.
SAFE_NEXT = re.compile(r"^/(?![/\\])[\x21-\x7e]{0,1999}$")
# The error codes of RFC 6749 s.4.1.2.1 and OpenID Connect Core s.3.1.2.6: the only part of a
# provider's refusal repeated to the person (its description is the provider's own free text).
PROVIDER_ERRORS = frozenset({
    "access_denied", "invalid_request", "unauthorized_client", "unsupported_response_type",
    "invalid_scope", "server_error", "temporarily_unavailable", "interaction_required",
    "login_required", "account_selection_required", "consent_required",
})
FORBIDDEN_REASONS = frozenset({"groups-overage"})


def oidc_client(request: Request) -> OidcClient:
    """The server's relying party, built from its settings on first use; 404 when single
    sign-on is not configured."""
    state = request.app.state
    client: OidcClient | None = getattr(state, "oidc_client", None)
    if client is None:
        try:
            settings = OidcSettings.from_env(state.settings.environment)
        except InvalidInput as bad:
            log.error("single sign-on settings are not valid", problem=bad.message)
            raise ApiProblem(503, "Single sign-on is not set up correctly on this server; an "
                             "administrator must check its settings.", kind="sso-misconfigured") from None
        if settings is None:
            raise ApiProblem(404, "Single sign-on is not set up on this server.", kind="not-found")
        client = OidcClient(settings)
        state.oidc_client = client
    return client


Relying = Annotated[OidcClient, Depends(oidc_client)]


@router.get("/login")
def login(request: Request, oidc: Relying, next: str | None = None) -> Response:
    """Off to the provider to sign in."""
    redirect_uri = oidc.settings.redirect_url or str(request.url_for("oidc_callback"))
    flow = SignInFlow.start(redirect_uri, next if next and SAFE_NEXT.match(next) else "/", oidc.now())
    try:
        target = oidc.authorization_url(flow)
    except OidcFailure as failure:
        return _refused(request, failure)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(FLOW_COOKIE, flow.seal(oidc.flow_key), max_age=FLOW_SECONDS,
                        path=FLOW_COOKIE_PATH, httponly=True, samesite="lax", secure=_secure(request))
    return response


@router.get("/callback", name="oidc_callback")
def callback(request: Request, oidc: Relying) -> Response:
    """Back from the provider: sign the person in, or say plainly why not."""
    params = request.query_params
    try:
        flow = SignInFlow.unseal(request.cookies.get(FLOW_COOKIE), oidc.flow_key, oidc.now())
        flow.check_state(params.get("state"))
        oidc.check_response_issuer(params.get("iss"))
        if "error" in params:
            code = params["error"] if params["error"] in PROVIDER_ERRORS else "an error"
            raise OidcFailure("provider-refused", f"The sign-in service did not sign you in ({code}).")
        identity = oidc.verify(oidc.exchange(params.get("code") or "", flow), flow.nonce)
    except OidcFailure as failure:
        return _refused(request, failure)
    service = accounts(request)
    settings = oidc.settings
    trusted_email = identity.email if (identity.email_verified or settings.trust_email) else None
    try:
        principal = service.sign_in_oidc(
            identity.issuer, identity.subject, email=trusted_email,
            display_name=identity.display_name, grants=settings.grants_for(identity.groups),
            provision=settings.provision)
        session = service.start_session(principal.account_id)
    except SignInFailed as refused:
        log.warning("single sign-on refused", reason="account-refused",
                    request_id=getattr(request.state, "request_id", None))
        return _clear_flow(request, problem(request, 403, refused.message, kind="sign-in-refused"))
    request.state.principal = principal
    response = RedirectResponse(flow.next, status_code=303)
    set_session_cookie(request, response, session.token)  # as the password sign-in sets it
    return _clear_flow(request, response)


def _secure(request: Request) -> bool:
    """Secure cookies unless CASELEDGER_INSECURE_COOKIES=1 (plain-http development), the rule
    of the password sign-in."""
    return secure_cookies(request.app.state.settings.environment)


def _refused(request: Request, failure: OidcFailure) -> Response:
    log.warning("single sign-on refused", reason=failure.reason,
                request_id=getattr(request.state, "request_id", None))
    status = 403 if failure.reason in FORBIDDEN_REASONS else 401
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    if isinstance(failure, ProviderUnavailable):
        status, headers = 503, {"Retry-After": "60"}
    answer = problem(request, status, failure.message, kind="sign-in-refused", headers=headers)
    return _clear_flow(request, answer)


def _clear_flow(request: Request, response: Response) -> Response:
    response.delete_cookie(FLOW_COOKIE, path=FLOW_COOKIE_PATH, httponly=True, samesite="lax",
                           secure=_secure(request))
    return response
