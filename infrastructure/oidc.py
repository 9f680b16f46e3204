"""Single sign-on with OpenID Connect (Core 1.0): the relying party's half, for a council's
provider (Microsoft Entra ID, Keycloak, Okta, Google and others).

Configured by CASELEDGER_OIDC_* (``OidcSettings.from_env``): the issuer URL, the client id and
secret the provider issued for caseledger, and how people's groups map to roles. Not configured
(no issuer) means no single sign-on: built-in accounts only.

The flow is the authorization code flow with PKCE (S256), a ``state`` and a ``nonce``, kept for
the few minutes of the round trip in a signed cookie (``SignInFlow``): the provider sends the
person back with a code, which is exchanged at the token endpoint with ``client_secret_basic``
for an ID token; the ID token is verified against the provider's published keys (its signature
with an asymmetric algorithm, ``iss``, ``aud``/``azp``, ``exp``/``iat`` with a minute's leeway
and the ``nonce``), and ``iss`` + ``sub`` identify the person from then on.

Tokens are checked against the wall clock, not the application's clock: the provider stamps them
with the world's time. Nothing here logs or repeats a token, a code or a claim's value.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from application.identity import parse_grant
from application.principals import Grant
from domain.errors import InvalidInput

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
# Secrets people leave in configuration files by mistake; a real client secret is long and random.
PLACEHOLDER_SECRETS = frozenset({"changeme", "change-me", "change_me", "secret", "password", "todo",
                                 "placeholder", "example", "client-secret", "client_secret", "xxx"})
MIN_SECRET_LENGTH = 16
# Only asymmetric signatures: a symmetric one would be keyed with our own client secret, and
# "none" is no signature at all.
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384",
                      "ES512", "EdDSA")
LEEWAY_SECONDS = 60  # clocks of two organisations' servers
FLOW_SECONDS = 600  # a person has ten minutes to sign in at the provider and come back
METADATA_SECONDS = 3600  # discovery and keys are fetched again after an hour (keys rotate)
CLAIM_NAME = re.compile(r"^[A-Za-z0-9_.:/-]{1,200}$")


class OidcFailure(Exception):
    """The sign-in cannot be completed. ``reason`` is a stable word for logs; the message is
    plain English for the person and names no token, code or claim value."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class ProviderUnavailable(OidcFailure):
    """The provider could not be reached or answered with something other than it should."""


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class OidcSettings:
    """CASELEDGER_OIDC_*: see ``from_env``."""

    issuer: str
    client_id: str
    client_secret: str = field(repr=False)
    redirect_url: str | None = None
    groups_claim: str = "groups"
    role_map: Mapping[str, tuple[Grant, ...]] = field(default_factory=dict)
    provision: bool = False
    scopes: str = "openid email profile"
    trust_email: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> OidcSettings | None:
        """The single sign-on settings, or None when CASELEDGER_OIDC_ISSUER is not set.

        - CASELEDGER_OIDC_ISSUER: the provider's issuer URL, exactly as its discovery document
          states it (Entra ID: ``https://login.microsoftonline.com/<tenant>/v2.0``); https, or
          http on this machine's loopback address for testing
        - CASELEDGER_OIDC_CLIENT_ID, CASELEDGER_OIDC_CLIENT_SECRET: caseledger's registration
        - CASELEDGER_OIDC_REDIRECT_URL: the callback's public URL, when a proxy in front of the
          server makes it differ from the address requests arrive at (the default)
        - CASELEDGER_OIDC_GROUPS_CLAIM: the claim that lists the person's groups (``groups``)
        - CASELEDGER_OIDC_ROLE_MAP: JSON, each group to a list of grants, e.g.
          ``{"csp-coordinators": ["coordinator:cumberland"]}``; without it roles are assigned
          locally, by an administrator
        - CASELEDGER_OIDC_PROVISION: 1 to create an account at the first sign-in of a person
          not known yet, 0 (the default) to refuse them
        - CASELEDGER_OIDC_SCOPES: the scopes asked for (``openid email profile``; some
          providers release groups only with a ``groups`` scope)
        - CASELEDGER_OIDC_TRUST_EMAIL: 1 when the provider's ``email`` claim is always the
          organisation's verified address (a single-tenant Entra ID): an existing account is
          then matched by email as well; 0 (the default) matches by email only when the token
          says ``email_verified``
        """
        names = sorted(k for k in env if k.startswith("CASELEDGER_OIDC_") and env[k] != "")
        issuer = env.get("CASELEDGER_OIDC_ISSUER", "")
        if not issuer:
            if names:
                raise InvalidInput(f"{names[0]} is set but CASELEDGER_OIDC_ISSUER is not: set the "
                                   "provider's issuer URL, or unset the single sign-on settings.")
            return None
        _check_url("CASELEDGER_OIDC_ISSUER", issuer, query_allowed=False)
        client_id = env.get("CASELEDGER_OIDC_CLIENT_ID", "")
        if not client_id or not re.fullmatch(r"[\x21-\x7e]{1,255}", client_id):
            raise InvalidInput("CASELEDGER_OIDC_CLIENT_ID must be the client id the provider issued "
                               "(printable characters, no spaces).")
        secret = env.get("CASELEDGER_OIDC_CLIENT_SECRET", "")
        _check_secret(secret)
        redirect_url = env.get("CASELEDGER_OIDC_REDIRECT_URL") or None
        if redirect_url:
            _check_url("CASELEDGER_OIDC_REDIRECT_URL", redirect_url, query_allowed=False)
        groups_claim = env.get("CASELEDGER_OIDC_GROUPS_CLAIM") or "groups"
        if not CLAIM_NAME.match(groups_claim):
            raise InvalidInput(f"CASELEDGER_OIDC_GROUPS_CLAIM={groups_claim!r} is not a claim name.")
        scopes = " ".join((env.get("CASELEDGER_OIDC_SCOPES") or "openid email profile").split())
        if "openid" not in scopes.split(" ") or not re.fullmatch(r"[\x21\x23-\x5b\x5d-\x7e ]+", scopes):
            raise InvalidInput("CASELEDGER_OIDC_SCOPES must be scope names separated by spaces, "
                               "including openid.")
        return cls(issuer=issuer, client_id=client_id, client_secret=secret, redirect_url=redirect_url,
                   groups_claim=groups_claim, role_map=_role_map(env.get("CASELEDGER_OIDC_ROLE_MAP")),
                   provision=_flag(env, "CASELEDGER_OIDC_PROVISION"), scopes=scopes,
                   trust_email=_flag(env, "CASELEDGER_OIDC_TRUST_EMAIL"))

    def grants_for(self, groups: Sequence[str]) -> list[Grant] | None:
        """The grants the person's groups map to, or None when roles are assigned locally (no
        role map). With a map, a person in no mapped group gets no mapped grants: leaving a
        group takes its roles away at the next sign-in."""
        if not self.role_map:
            return None
        granted: dict[Grant, None] = {}
        for group in groups:
            granted.update(dict.fromkeys(self.role_map.get(group, ())))
        return list(granted)


def _check_url(name: str, value: str, *, query_allowed: bool) -> None:
    parts = urlsplit(value)
    loopback = parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS
    if parts.scheme != "https" and not loopback:
        raise InvalidInput(f"{name} must be an https URL (http only on this machine's loopback "
                           "address, for testing).")
    if not parts.hostname or parts.fragment or (parts.query and not query_allowed) \
            or parts.username or parts.password:
        raise InvalidInput(f"{name} must be a plain URL: a host and a path, no query, fragment "
                           "or credentials.")


def _check_secret(secret: str) -> None:
    if not secret:
        raise InvalidInput("CASELEDGER_OIDC_CLIENT_SECRET is not set: give the client secret the "
                           "provider issued for caseledger.")
    if secret.strip().lower() in PLACEHOLDER_SECRETS or len(set(secret)) < 4:
        raise InvalidInput("CASELEDGER_OIDC_CLIENT_SECRET is a placeholder, not a secret: give the "
                           "client secret the provider issued for caseledger.")
    if len(secret) < MIN_SECRET_LENGTH:
        raise InvalidInput(f"CASELEDGER_OIDC_CLIENT_SECRET is too short to be a provider's client "
                           f"secret (at least {MIN_SECRET_LENGTH} characters).")


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name) or "0"
    if raw not in ("0", "1"):
        raise InvalidInput(f"{name}={raw!r}: use 1 (yes) or 0 (no).")
    return raw == "1"


def _role_map(raw: str | None) -> dict[str, tuple[Grant, ...]]:
    if not raw:
        return {}
    example = '{"csp-coordinators": ["coordinator:cumberland"]}'
    try:
        loaded = json.loads(raw)
    except ValueError:
        raise InvalidInput(f"CASELEDGER_OIDC_ROLE_MAP is not JSON; write it like {example}.") from None
    if not isinstance(loaded, dict):
        raise InvalidInput(f"CASELEDGER_OIDC_ROLE_MAP must be a JSON object like {example}.")
    mapped: dict[str, tuple[Grant, ...]] = {}
    for group, grants in loaded.items():
        if not group or not isinstance(grants, list) or not all(isinstance(g, str) for g in grants):
            raise InvalidInput(f"CASELEDGER_OIDC_ROLE_MAP: each group must map to a list of grants "
                               f"written as text, like {example}.")
        try:
            mapped[group] = tuple(dict.fromkeys(parse_grant(g) for g in grants))
        except InvalidInput as bad:
            raise InvalidInput(f"CASELEDGER_OIDC_ROLE_MAP, group {group!r}: {bad.message}") from None
    return mapped


# --------------------------------------------------------------------------- the flow


@dataclass(frozen=True)
class SignInFlow:
    """What the callback must find again: the ``state`` that ties the answer to this browser,
    the ``nonce`` the ID token must carry, the PKCE verifier and where to go afterwards.

    Carried by the browser in a cookie signed with a key derived from the client secret (no
    server-side store, so any worker can finish the flow); it expires after ``FLOW_SECONDS``
    and the callback clears it. The provider's code is single-use, so a replayed callback
    fails at the token endpoint."""

    state: str
    nonce: str
    verifier: str
    redirect_uri: str
    next: str
    expires: int

    @classmethod
    def start(cls, redirect_uri: str, next_path: str, now: float) -> SignInFlow:
        return cls(state=secrets.token_urlsafe(32), nonce=secrets.token_urlsafe(32),
                   verifier=secrets.token_urlsafe(48), redirect_uri=redirect_uri, next=next_path,
                   expires=int(now) + FLOW_SECONDS)

    @property
    def challenge(self) -> str:
        return _b64(hashlib.sha256(self.verifier.encode("ascii")).digest())

    def seal(self, key: bytes) -> str:
        payload = _b64(json.dumps([self.state, self.nonce, self.verifier, self.redirect_uri,
                                   self.next, self.expires], separators=(",", ":")).encode())
        return f"{payload}.{_b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())}"

    @classmethod
    def unseal(cls, sealed: str | None, key: bytes, now: float) -> SignInFlow:
        again = "The sign-in could not be matched to this browser, or took too long: start again."
        payload, _, signature = (sealed or "").partition(".")
        expected = _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())
        if not payload or not hmac.compare_digest(signature.encode(), expected.encode()):
            raise OidcFailure("bad-flow-cookie", again)
        state, nonce, verifier, redirect_uri, next_path, expires = json.loads(_unb64(payload))
        flow = cls(state, nonce, verifier, redirect_uri, next_path, int(expires))
        if flow.expires < now:
            raise OidcFailure("flow-expired", again)
        return flow

    def check_state(self, returned: str | None) -> None:
        if not hmac.compare_digest((returned or "").encode(), self.state.encode()):
            raise OidcFailure("bad-state", "The sign-in could not be matched to this browser: "
                                            "start again.")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class SignedInIdentity:
    """Who the provider says signed in: ``issuer`` + ``subject`` identify them; the rest is
    personal data, for matching and the account's display only."""

    issuer: str
    subject: str
    email: str | None
    email_verified: bool
    display_name: str
    groups: tuple[str, ...]


class OidcClient:
    """The relying party for one provider: discovery, the authorization URL, the code exchange
    and ID token verification. Thread-safe; one per server process."""

    def __init__(self, settings: OidcSettings, *, http: httpx.Client | None = None,
                 now: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self._http = http or httpx.Client(timeout=10, follow_redirects=False)
        self._now = now
        self._lock = threading.Lock()
        self._metadata: tuple[float, Mapping[str, Any]] | None = None
        self._keys: tuple[float, KeySet] | None = None
        self.flow_key = hmac.new(settings.client_secret.encode(), b"caseledger sign-in flow",
                                 hashlib.sha256).digest()

    def close(self) -> None:
        self._http.close()

    def now(self) -> float:
        return self._now()

    # ----------------------------------------------------------------- provider metadata

    def metadata(self) -> Mapping[str, Any]:
        """The provider's discovery document, fetched at first use and after an hour."""
        with self._lock:
            if self._metadata and self._metadata[0] > self._now():
                return self._metadata[1]
        url = self.settings.issuer.rstrip("/") + "/.well-known/openid-configuration"
        document = self._get_json(url)
        if document.get("issuer") != self.settings.issuer:
            raise ProviderUnavailable("issuer-mismatch", "The sign-in service's configuration names "
                                      "another issuer than CASELEDGER_OIDC_ISSUER.")
        for endpoint in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(document.get(endpoint), str):
                raise ProviderUnavailable("bad-discovery", "The sign-in service's configuration "
                                          f"has no {endpoint}.")
        with self._lock:
            self._metadata = (self._now() + METADATA_SECONDS, document)
        return document

    def _key_set(self, refresh: bool = False) -> KeySet:
        with self._lock:
            if not refresh and self._keys and self._keys[0] > self._now():
                return self._keys[1]
        document = self._get_json(str(self.metadata()["jwks_uri"]))
        try:
            keys = KeySet.import_key_set({"keys": [k for k in document.get("keys", [])
                                                   if isinstance(k, dict) and k.get("use", "sig") == "sig"]})
        except (JoseError, ValueError, TypeError):
            raise ProviderUnavailable("bad-jwks", "The sign-in service's published keys could not "
                                      "be read.") from None
        with self._lock:
            self._keys = (self._now() + METADATA_SECONDS, keys)
        return keys

    def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = self._http.get(url, headers={"Accept": "application/json"})
            response.raise_for_status()
            document = response.json()
        except (httpx.HTTPError, ValueError):
            raise ProviderUnavailable("provider-unreachable", "The sign-in service could not be "
                                      "reached; try again in a few minutes.") from None
        if not isinstance(document, dict):
            raise ProviderUnavailable("bad-discovery", "The sign-in service answered with something "
                                      "other than its configuration.")
        return document

    # ----------------------------------------------------------------- the flow

    def authorization_url(self, flow: SignInFlow) -> str:
        query = urlencode({
            "response_type": "code", "client_id": self.settings.client_id,
            "redirect_uri": flow.redirect_uri, "scope": self.settings.scopes,
            "state": flow.state, "nonce": flow.nonce,
            "code_challenge": flow.challenge, "code_challenge_method": "S256",
        })
        endpoint = str(self.metadata()["authorization_endpoint"])
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"

    def check_response_issuer(self, returned: str | None) -> None:
        """RFC 9207: the provider names itself in its answer, so an answer from another provider
        (a mix-up attack) is refused."""
        required = self.metadata().get("authorization_response_iss_parameter_supported") is True
        if (returned is None and required) or (returned is not None and returned != self.settings.issuer):
            raise OidcFailure("issuer-mismatch", "The answer did not come from the configured "
                                                  "sign-in service: start again.")

    def exchange(self, code: str, flow: SignInFlow) -> str:
        """The ID token for an authorization code (client_secret_basic, PKCE verifier)."""
        # RFC 6749 s.2.3.1: the id and secret are form-encoded before the Basic encoding.
        basic = base64.b64encode(f"{quote(self.settings.client_id, safe='')}:"
                                 f"{quote(self.settings.client_secret, safe='')}".encode()).decode()
        try:
            response = self._http.post(
                str(self.metadata()["token_endpoint"]),
                data={"grant_type": "authorization_code", "code": code,
                      "redirect_uri": flow.redirect_uri, "code_verifier": flow.verifier},
                headers={"Authorization": f"Basic {basic}", "Accept": "application/json"})
        except httpx.HTTPError:
            raise ProviderUnavailable("provider-unreachable", "The sign-in service could not be "
                                      "reached; try again in a few minutes.") from None
        if response.status_code != 200:
            raise OidcFailure("code-refused", "The sign-in service refused to complete the sign-in: "
                                               "start again.")
        try:
            id_token = response.json().get("id_token")
        except (ValueError, AttributeError):
            id_token = None
        if not isinstance(id_token, str):
            raise OidcFailure("no-id-token", "The sign-in service did not say who signed in.")
        return id_token

    def verify(self, id_token: str, nonce: str) -> SignedInIdentity:
        """The identity in an ID token, once its signature, issuer, audience, times and nonce
        check out (OpenID Connect Core 1.0 s.3.1.3.7)."""
        claims = self._verified_claims(id_token, nonce)
        groups_claim = self.settings.groups_claim
        groups = claims.get(groups_claim, [])
        if groups_claim not in claims and groups_claim in (claims.get("_claim_names") or {}):
            # Entra ID leaves out a person's groups when they are in too many (group overage).
            raise OidcFailure("groups-overage", "The sign-in service did not list your groups (you "
                               "are in too many): ask your administrator to send only the groups "
                               "assigned to caseledger.")
        if isinstance(groups, str):
            groups = [groups]
        if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
            raise OidcFailure("bad-groups", "The sign-in service's list of your groups could not be "
                                             "read.")
        email = claims.get("email") if isinstance(claims.get("email"), str) else None
        name = next((claims[k] for k in ("name", "preferred_username", "email")
                     if isinstance(claims.get(k), str) and claims[k].strip()), claims["sub"])
        return SignedInIdentity(issuer=claims["iss"], subject=claims["sub"], email=email,
                                email_verified=claims.get("email_verified") is True,
                                display_name=str(name).strip(), groups=tuple(groups))

    def _verified_claims(self, id_token: str, nonce: str) -> dict[str, Any]:
        unverified = OidcFailure("bad-id-token", "The sign-in service's answer could not be "
                                                  "verified: start again.")
        allowed = self.metadata().get("id_token_signing_alg_values_supported") or ["RS256"]
        algorithms = [a for a in SIGNING_ALGORITHMS if a in allowed]
        try:
            try:
                token = jwt.decode(id_token, self._key_set(), algorithms=algorithms)
            except JoseError:
                # The provider may have rotated its keys since we fetched them: fetch once more.
                token = jwt.decode(id_token, self._key_set(refresh=True), algorithms=algorithms)
            registry = jwt.JWTClaimsRegistry(
                now=int(self._now()), leeway=LEEWAY_SECONDS,
                iss={"essential": True, "value": self.settings.issuer},
                aud={"essential": True, "value": self.settings.client_id},
                sub={"essential": True}, exp={"essential": True}, iat={"essential": True},
                nonce={"essential": True, "value": nonce})
            registry.validate(token.claims)
        except (JoseError, ValueError, TypeError):
            raise unverified from None
        claims = dict(token.claims)
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        azp = claims.get("azp")
        if (len(audiences) > 1 and azp is None) or (azp is not None and azp != self.settings.client_id):
            raise unverified
        if not isinstance(claims["sub"], str) or not claims["sub"]:
            raise unverified
        return claims
