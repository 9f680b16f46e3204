"""Single sign-on against a real OpenID provider: panva's certified ``oidc-provider``
(``tests/oidc/provider.mjs``) run with the machine's Node.js on a loopback port, and the API
served by uvicorn. The tests play the browser: they follow each redirect by hand, post the
provider's sign-in form and carry the cookies, so every hop (discovery, the authorization
request with PKCE, the code exchange, the signed ID token and its keys) is real.

The provider starts after the API server, since its client's redirect URI names the server's
port; its own port is chosen first, for the server's CASELEDGER_OIDC_ISSUER.
"""

from __future__ import annotations

import json
import re
import select
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest

from application.identity import AccountService
from application.principals import Grant, Role
from infrastructure.accounts import SqlAccountStore
from infrastructure.oidc import OidcClient, OidcFailure, OidcSettings, SignInFlow
from tests.e2e.http_support import Server, free_port, live_server

ROOT = Path(__file__).resolve().parents[2]
PROVIDER_DIR = ROOT / "tests" / "oidc"
SECRET = "s3cret-from-the-provider-0f9a8b7c"
OTHER_SECRET = "another-apps-secret-1e2d3c4b5a69"
ROLE_MAP = {"csp-coordinators": ["coordinator:cumberland"],
            "allerdale-officers": ["hub-officer:cumberland/allerdale"]}
# The provider's people: a password each, an email and their groups there.
PEOPLE = [
    {"sub": "entra-0001", "username": "ada", "email": "ada@council.test", "name": "Ada Example",
     "groups": ["csp-coordinators", "staff"]},
    {"sub": "entra-0002", "username": "bob", "email": "bob@council.test", "name": "Bob Example",
     "groups": ["csp-coordinators"]},
    {"sub": "entra-0003", "username": "carl", "email": "carl@council.test", "name": "Carl Example",
     "groups": ["csp-coordinators"]},
    {"sub": "entra-0004", "username": "dana", "email": "dana@council.test", "name": "Dana Example",
     "groups": ["allerdale-officers"]},
]
PASSWORD = "provider password"


def node() -> str:
    """Node.js with the provider installed (``scripts/oidc.sh ensure``), or the test skips."""
    found = shutil.which("node")
    if found is None:
        pytest.skip("Node.js is not installed, so the OpenID provider cannot run (apt-get install nodejs npm)")
    ready = subprocess.run(["bash", str(ROOT / "scripts" / "oidc.sh"), "check"], capture_output=True)
    if ready.returncode != 0:
        subprocess.run(["bash", str(ROOT / "scripts" / "oidc.sh"), "ensure"], capture_output=True)
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        pytest.skip("the OpenID provider is not installed and could not be (run: bash scripts/oidc.sh ensure)")
    return found


@contextmanager
def provider(port: int, clients: list[dict[str, Any]],
             people: list[dict[str, Any]] | None = None) -> Iterator[str]:
    """The provider on ``port`` with these clients and people (``PEOPLE``), and a signing key
    of its own; yields its issuer URL."""
    config = {"port": port, "clients": clients,
              "accounts": [{**p, "password": PASSWORD} for p in (PEOPLE if people is None else people)]}
    with tempfile.TemporaryFile("w+") as errors:
        process = subprocess.Popen([node(), "provider.mjs", json.dumps(config)], cwd=PROVIDER_DIR,
                                   stdout=subprocess.PIPE, stderr=errors, text=True)
        try:
            assert process.stdout is not None
            # Waits for the ready line (or the process ending), not for a fixed time.
            readable, _, _ = select.select([process.stdout], [], [], 60)
            line = process.stdout.readline() if readable else ""
            if not line.startswith("ready "):
                errors.seek(0)
                raise RuntimeError(f"the OpenID provider did not start: {errors.read()[-2000:]}")
            yield line.split()[1]
        finally:
            process.terminate()
            process.wait(timeout=10)


def client(client_id: str, secret: str, redirect_uri: str) -> dict[str, Any]:
    return {"client_id": client_id, "client_secret": secret, "redirect_uris": [redirect_uri]}


def oidc_env(issuer: str, *, provision: bool) -> dict[str, str]:
    return {"CASELEDGER_OIDC_ISSUER": issuer, "CASELEDGER_OIDC_CLIENT_ID": "caseledger",
            "CASELEDGER_OIDC_CLIENT_SECRET": SECRET, "CASELEDGER_OIDC_SCOPES": "openid email profile groups",
            "CASELEDGER_OIDC_ROLE_MAP": json.dumps(ROLE_MAP),
            "CASELEDGER_OIDC_PROVISION": "1" if provision else "0",
            # the test talks plain http on loopback; browsers would refuse Secure cookies on it
            "CASELEDGER_INSECURE_COOKIES": "1"}


def to_provider_answer(browser: httpx.Client, start: str, issuer: str, username: str,
                       password: str = PASSWORD) -> str:
    """From a URL that leads to the provider's sign-in form to where the provider sends the
    browser back (not requested): the sign-in form is posted as a person would fill it in,
    unless the browser is still signed in at the provider (single sign-on)."""
    response = browser.get(start)
    while response.status_code in (302, 303) and response.headers["location"].startswith(("/", issuer)):
        response = browser.get(urljoin(issuer, response.headers["location"]))
    if response.status_code in (302, 303):
        return response.headers["location"]
    assert response.status_code == 200, response.text
    action = re.search(r'action="([^"]+)"', response.text)
    assert action, response.text
    response = browser.post(urljoin(issuer, action.group(1)),
                            data={"username": username, "password": password})
    while response.headers["location"].startswith(("/", issuer)):
        assert response.status_code in (302, 303), response.text
        response = browser.get(urljoin(issuer, response.headers["location"]))
    assert response.status_code in (302, 303), response.text
    return response.headers["location"]


def sign_in(browser: httpx.Client, server: Server, issuer: str, username: str, *,
            password: str = PASSWORD, next_path: str | None = None) -> httpx.Response:
    """caseledger's sign-in link, the provider, and caseledger's callback: its answer."""
    start = browser.get(f"{server.url}/auth/oidc/login", params={"next": next_path} if next_path else None)
    assert start.status_code == 303, start.text
    flow_cookie = start.headers["set-cookie"]
    assert flow_cookie.startswith("caseledger_oidc_flow=") and "HttpOnly" in flow_cookie
    assert "Path=/auth/oidc/" in flow_cookie and "SameSite=lax" in flow_cookie and "Max-Age=600" in flow_cookie
    assert start.headers["location"].startswith(f"{issuer}/auth?")
    callback = to_provider_answer(browser, start.headers["location"], issuer, username, password)
    assert callback.startswith(f"{server.url}/auth/oidc/callback?")
    return browser.get(callback)


def refused(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "caseledger_session" not in response.cookies
    if status == 401:
        assert response.headers["www-authenticate"] == "Bearer"
    detail: str = response.json()["detail"]
    return detail


def other_app_settings(issuer: str) -> OidcSettings:
    """The second client's registration, as that other application would hold it."""
    settings = OidcSettings.from_env({"CASELEDGER_OIDC_ISSUER": issuer, "CASELEDGER_OIDC_CLIENT_ID": "other-app",
                                      "CASELEDGER_OIDC_CLIENT_SECRET": OTHER_SECRET,
                                      "CASELEDGER_OIDC_SCOPES": "openid email profile groups"})
    assert settings is not None
    return settings


def admin(server: Server) -> AccountService:
    return AccountService(SqlAccountStore(server.services.engine), server.clock)


def clients_for(server: Server) -> list[dict[str, Any]]:
    """caseledger's registration at the provider, and a second, unrelated application's."""
    return [client("caseledger", SECRET, f"{server.url}/auth/oidc/callback"),
            client("other-app", OTHER_SECRET, "http://127.0.0.1:9/other-app/callback")]


@contextmanager
def sso_server(database_url: str, *, provision: bool) -> Iterator[tuple[Server, str]]:
    """The API with single sign-on, and its provider."""
    port = free_port()
    with live_server(database_url, env=oidc_env(f"http://127.0.0.1:{port}", provision=provision)) as server, \
            provider(port, clients_for(server)) as issuer:
        yield server, issuer


def test_single_sign_on_matches_accounts_maps_groups_and_refuses_what_it_should(
        database_url: str, capfd: pytest.CaptureFixture[str]) -> None:
    """Given the API configured for a real OpenID provider without provisioning, Ada's account
    (her email, an auditor's role assigned here) and Carl's disabled account, when a sign-in starts while the provider
    is down, then it is 503 and says so; when people sign in through the provider, then Ada's
    account is matched by her verified email and signed in with the session cookie, her role
    here and the role her group maps to; Bob, unknown here, is refused (403) and no account is made; Carl
    is refused (403); a wrong password at the provider, a tampered state, a replayed callback and
    a code issued to another application are refused (401); none of them gets a session; the
    log says why each was refused and holds no code, state, subject, email or name."""
    port = free_port()
    with live_server(database_url, env=oidc_env(f"http://127.0.0.1:{port}", provision=False)) as server, \
            ExitStack() as stack:
        down = server.client().get("/auth/oidc/login")
        assert "could not be reached" in refused(down, 503)
        assert down.headers["retry-after"] == "60"
        issuer = stack.enter_context(provider(port, clients_for(server)))
        accounts = admin(server)
        accounts.add("ada", display_name="Ada", email="ada@council.test",
                     grants=[Grant(Role.AUDITOR, partnership="cumberland")], password=None, by="admin")
        accounts.add("carl", display_name="Carl", email="carl@council.test", grants=[], password=None,
                     by="admin")
        accounts.disable("carl", by="admin")

        with httpx.Client(timeout=30) as browser:
            answer = sign_in(browser, server, issuer, "ada", next_path="/api/v1/me")
            assert answer.status_code == 303, answer.text
            assert answer.headers["location"] == "/api/v1/me"
            cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("caseledger_session="))
            assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
            me = browser.get(f"{server.url}/api/v1/me")
            assert me.status_code == 200, me.text
            assert me.json()["username"] == "ada"
            # the role assigned here stays; the one from her group is added
            assert [g["grant"] for g in me.json()["grants"]] == ["auditor:cumberland", "coordinator:cumberland"]
            cases = browser.get(f"{server.url}/api/v1/cases")
            assert cases.status_code == 200, cases.text

            # Ada signs in again: the same account, found by the provider's subject this time.
            again = sign_in(browser, server, issuer, "ada", next_path="//evil.example/steal")
            assert again.headers["location"] == "/"  # only a path on this server is followed
            assert [a.username for a in accounts.accounts()] == ["ada", "carl"]

        for username, password, status, says in (
                ("bob", PASSWORD, 403, "no account"), ("carl", PASSWORD, 403, "cannot sign in"),
                ("ada", "not her password", 401, "did not sign you in (access_denied)")):
            with httpx.Client(timeout=30) as browser:
                answer = sign_in(browser, server, issuer, username, password=password)
                assert says in refused(answer, status)
                assert browser.get(f"{server.url}/api/v1/me").status_code == 401
        assert [a.username for a in accounts.accounts()] == ["ada", "carl"]

        with httpx.Client(timeout=30) as browser:
            start = browser.get(f"{server.url}/auth/oidc/login").headers["location"]
            callback = to_provider_answer(browser, start, issuer, "ada")
            tampered = re.sub(r"state=[^&]+", "state=forged-by-someone-else", callback)
            assert "start again" in refused(browser.get(tampered), 401)
            # The flow is single-use: its cookie went with the refusal, so the real answer fails too.
            refused(browser.get(callback), 401)

            # A code the provider issued to another application, slipped into caseledger's flow:
            # caseledger's own exchange of it is refused by the provider.
            start = browser.get(f"{server.url}/auth/oidc/login").headers["location"]
            state = parse_qs(urlsplit(start).query)["state"][0]
            other_app = OidcClient(other_app_settings(issuer))
            other_flow = SignInFlow.start("http://127.0.0.1:9/other-app/callback", "/", time.time())
            other = to_provider_answer(browser, other_app.authorization_url(other_flow), issuer, "ada")
            code = parse_qs(urlsplit(other).query)["code"][0]
            injected = browser.get(f"{server.url}/auth/oidc/callback",
                                   params={"code": code, "state": state, "iss": issuer})
            refused(injected, 401)
            assert browser.get(f"{server.url}/api/v1/me").status_code == 401

    logged = "".join(capfd.readouterr())
    for reason in ("account-refused", "provider-refused", "bad-state", "bad-flow-cookie", "code-refused"):
        assert f"reason={reason}" in logged or f'"reason": "{reason}"' in logged, reason
    answer_query = parse_qs(urlsplit(callback).query)
    for secret in (answer_query["code"][0], answer_query["state"][0], code, state, "entra-0001",
                   "ada@council.test", "Ada Example", "Bob Example"):
        assert secret not in logged


def test_single_sign_on_provisions_people_with_their_mapped_roles(database_url: str) -> None:
    """Given the API configured to provision accounts, when Dana, unknown here and in the
    provider's Allerdale officers group, signs in, then an account is made for her, linked to
    the provider's subject, with the hub officer role her group maps to; when the provider has
    since rotated its signing key and moved her out of that group, then her next sign-in is
    verified with the new key, uses the same account and takes the role away."""
    port = free_port()
    with live_server(database_url, env=oidc_env(f"http://127.0.0.1:{port}", provision=True)) as server:
        with provider(port, clients_for(server)) as issuer, httpx.Client(timeout=30) as browser:
            answer = sign_in(browser, server, issuer, "dana")
            assert answer.status_code == 303, answer.text
            me = browser.get(f"{server.url}/api/v1/me").json()
            assert me["kind"] == "person"
            assert [g["grant"] for g in me["grants"]] == ["hub-officer:cumberland/allerdale"]

        moved = [{**p, "groups": ["staff"]} if p["username"] == "dana" else p for p in PEOPLE]
        with provider(port, clients_for(server), moved) as issuer, httpx.Client(timeout=30) as browser:
            assert sign_in(browser, server, issuer, "dana").status_code == 303
            again = browser.get(f"{server.url}/api/v1/me").json()
            assert (again["username"], again["grants"]) == (me["username"], [])
        made = admin(server).accounts()
        assert [(a.username, a.email) for a in made] == [(me["username"], "dana@council.test")]


def test_id_tokens_are_verified_against_the_providers_keys() -> None:
    """Given real ID tokens from the provider, when caseledger verifies them, then a token for
    caseledger with the flow's nonce gives the person's issuer, subject, verified email and
    groups; the same token with another nonce, a changed signature, after it expired, or checked
    by another application (another audience) is refused; and a code is exchanged only once."""
    port = free_port()
    issuer_url = f"http://127.0.0.1:{port}"
    redirect = "http://127.0.0.1:9/callback"
    clients = [client("caseledger", SECRET, redirect), client("other-app", OTHER_SECRET, redirect)]
    env = {"CASELEDGER_OIDC_ISSUER": issuer_url, "CASELEDGER_OIDC_CLIENT_ID": "caseledger",
           "CASELEDGER_OIDC_CLIENT_SECRET": SECRET, "CASELEDGER_OIDC_SCOPES": "openid email profile groups"}
    settings = OidcSettings.from_env(env)
    assert settings is not None
    with provider(port, clients) as issuer, httpx.Client(timeout=30) as browser:
        relying = OidcClient(settings)
        flow = SignInFlow.start(redirect, "/", time.time())
        answer = to_provider_answer(browser, relying.authorization_url(flow), issuer, "ada")
        query = parse_qs(urlsplit(answer).query)
        assert query["state"] == [flow.state]
        relying.check_response_issuer(query["iss"][0])
        token = relying.exchange(query["code"][0], flow)

        identity = relying.verify(token, flow.nonce)
        assert (identity.issuer, identity.subject, identity.email, identity.email_verified) == (
            issuer, "entra-0001", "ada@council.test", True)
        assert identity.groups == ("csp-coordinators", "staff")

        with pytest.raises(OidcFailure, match="start again"):
            relying.exchange(query["code"][0], flow)  # the code is single-use
        with pytest.raises(OidcFailure, match="could not be verified"):
            relying.verify(token, "another-nonce")
        header, payload, signature = token.split(".")
        forged = f"{header}.{payload}.{signature[:-4]}{'AAAA' if signature[-4:] != 'AAAA' else 'BBBB'}"
        with pytest.raises(OidcFailure, match="could not be verified"):
            relying.verify(forged, flow.nonce)
        later = OidcClient(settings, now=lambda: time.time() + 2 * 3600)
        with pytest.raises(OidcFailure, match="could not be verified"):
            later.verify(token, flow.nonce)
        other_settings = OidcSettings.from_env({**env, "CASELEDGER_OIDC_CLIENT_ID": "other-app",
                                                "CASELEDGER_OIDC_CLIENT_SECRET": OTHER_SECRET})
        assert other_settings is not None
        with pytest.raises(OidcFailure, match="could not be verified"):
            OidcClient(other_settings).verify(token, flow.nonce)
        with pytest.raises(OidcFailure, match="another|configured"):
            relying.check_response_issuer("https://login.example.com/someone-else")


def test_without_single_sign_on_configured_its_routes_are_not_found(tmp_path: Path) -> None:
    """Given a server without CASELEDGER_OIDC_ISSUER, when a browser asks for the single sign-on
    routes, then both answer 404."""
    with live_server(f"sqlite:///{tmp_path}/caseledger.db", seeded=False) as server:
        for path in ("/auth/oidc/login", "/auth/oidc/callback?code=x&state=y"):
            response = server.client().get(path)
            assert response.status_code == 404, response.text
            assert response.headers["content-type"] == "application/problem+json"


def test_role_grants_for_groups() -> None:
    """Given a role map, when a person's groups are mapped, then each mapped group's grants come
    once each, unmapped groups add nothing, and no mapped group means no mapped grants; without
    a map roles are assigned locally (None)."""
    settings = OidcSettings.from_env({"CASELEDGER_OIDC_ISSUER": "https://login.example.com/t/v2.0",
                                      "CASELEDGER_OIDC_CLIENT_ID": "caseledger",
                                      "CASELEDGER_OIDC_CLIENT_SECRET": SECRET,
                                      "CASELEDGER_OIDC_ROLE_MAP": json.dumps(
                                          {**ROLE_MAP, "leads": ["coordinator:cumberland", "administrator"]})})
    assert settings is not None
    coordinator = Grant(Role.COORDINATOR, partnership="cumberland")
    assert settings.grants_for(["csp-coordinators", "leads", "staff"]) == [coordinator, Grant(Role.ADMINISTRATOR)]
    assert settings.grants_for(["staff"]) == []
    unmapped = OidcSettings(issuer="https://login.example.com", client_id="c", client_secret=SECRET)
    assert unmapped.grants_for(["csp-coordinators"]) is None
