"""Identity over real HTTP: API tokens, signing in with a password and one-time code, the session
cookie and its CSRF token, lock-out, the per-address sign-in limit and who one is."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pyotp

from application.identity import AccountService
from application.principals import Grant, Role
from infrastructure.accounts import SqlAccountStore
from tests.e2e.http_support import Server, live_server
from tests.integration.support import NOW

PASSWORD = "a long and memorable passphrase"
COORDINATOR = Grant(Role.COORDINATOR, partnership="cumberland")


def admin(server: Server) -> AccountService:
    """The accounts as an administrator at the server's command line changes them."""
    return AccountService(SqlAccountStore(server.services.engine), server.clock)


def person(server: Server, username: str) -> str:
    """A person's account with a password; returns its TOTP secret."""
    added = admin(server).add(username, display_name="Pat Example", email=f"{username}@example.test",
                              grants=[COORDINATOR], password=PASSWORD, by="test-admin")
    assert added.totp_secret
    return added.totp_secret


def sign_in(server: Server, username: str, secret: str, password: str = PASSWORD) -> httpx.Response:
    """One attempt, with the code of the clock's current step; the clock then moves on a step,
    since a code is accepted only once."""
    code = pyotp.TOTP(secret).at(server.clock.now())
    response = server.client().post("/api/v1/session",
                                    json={"username": username, "password": password, "totp": code})
    server.clock.set(server.clock.now() + timedelta(seconds=30))
    return response


def unauthenticated(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["content-type"] == "application/problem+json"


def test_api_tokens_identify_their_account_until_revoked_or_expired(database_url: str) -> None:
    """Given accounts with API tokens, when they call the API, then a live token identifies its
    account with its roles, and no token, a wrong one, a revoked or expired one, or the token of
    a disabled account is refused with 401."""
    with live_server(database_url) as server:
        unauthenticated(server.client().get("/api/v1/me"))
        unauthenticated(server.client("cl_not-a-real-token").get("/api/v1/me"))
        unauthenticated(server.client().get("/api/v1/me", headers={"Authorization": "Basic eDp5"}))

        token = server.account("cora", COORDINATOR)
        me = server.client(token).get("/api/v1/me")
        assert me.status_code == 200, me.text
        assert me.json() == {"username": "cora", "display_name": "Cora", "kind": "system", "grants": [
            {"grant": "coordinator:cumberland", "role": "coordinator", "partnership": "cumberland",
             "hub": None, "agency": None, "county": None}]}
        assert "cl_" not in me.text

        accounts = admin(server)
        second = accounts.create_token("cora", label="nightly export", expires_in_days=1, by="test-admin")
        first_id = next(t.token_id for t in accounts.tokens("cora") if t.label == "tests")
        accounts.revoke_token(first_id, by="test-admin")
        unauthenticated(server.client(token).get("/api/v1/me"))
        assert server.client(second).get("/api/v1/me").status_code == 200

        server.clock.set(NOW + timedelta(days=1))
        unauthenticated(server.client(second).get("/api/v1/me"))

        third = server.account("dale", Grant(Role.AUDITOR, partnership="cumberland"))
        assert server.client(third).get("/api/v1/me").status_code == 200
        accounts.disable("dale", by="test-admin")
        unauthenticated(server.client(third).get("/api/v1/me"))


def test_signing_in_gives_a_session_cookie_that_needs_its_csrf_token_for_changes(database_url: str) -> None:
    """Given a person's account, when they sign in with their password and one-time code, then a
    secure HttpOnly cookie identifies them; a change (signing out) without the CSRF token is 403
    and with it ends the session; a session lapses after 30 minutes unused; a wrong password,
    code or username all get the same 401; five failures lock the account (429) until the
    period ends; and one address is limited to ten attempts a minute."""
    with live_server(database_url) as server:
        secret = person(server, "pat")

        signed_in = sign_in(server, "pat", secret)
        assert signed_in.status_code == 201, signed_in.text
        cookie = signed_in.headers["set-cookie"]
        assert cookie.startswith("caseledger_session=")
        assert {"HttpOnly", "Secure", "SameSite=lax", "Path=/"} <= {p.strip() for p in cookie.split(";")}
        body = signed_in.json()
        session = signed_in.cookies["caseledger_session"]
        assert body["username"] == "pat" and body["csrf_token"] and session not in signed_in.text

        browser = server.client(cookies={"caseledger_session": session})
        me = browser.get("/api/v1/me")
        assert me.status_code == 200 and me.json()["kind"] == "person", me.text
        assert me.json()["display_name"] == "Pat Example"
        refused = browser.delete("/api/v1/session")
        assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
        wrong = browser.delete("/api/v1/session", headers={"X-CSRF-Token": "guessed"})
        assert wrong.status_code == 403
        assert browser.get("/api/v1/me").status_code == 200
        signed_out = browser.delete("/api/v1/session", headers={"X-CSRF-Token": body["csrf_token"]})
        assert signed_out.status_code == 204
        assert 'caseledger_session=""' in signed_out.headers["set-cookie"]
        unauthenticated(browser.get("/api/v1/me"))

        # Inactivity: alive after 29 minutes unused, gone 30 minutes after its last use.
        again = sign_in(server, "pat", secret).cookies["caseledger_session"]
        browser = server.client(cookies={"caseledger_session": again})
        server.clock.set(server.clock.now() + timedelta(minutes=29))
        assert browser.get("/api/v1/me").status_code == 200
        server.clock.set(server.clock.now() + timedelta(minutes=30))
        unauthenticated(browser.get("/api/v1/me"))

        # One message for every failure: nothing says which accounts exist.
        wrong_password = sign_in(server, "pat", secret, password="not the passphrase")
        wrong_code = server.client().post("/api/v1/session", json={
            "username": "pat", "password": PASSWORD, "totp": "000000"})
        no_such_user = sign_in(server, "nobody", secret)
        for failed in (wrong_password, wrong_code, no_such_user):
            unauthenticated(failed)
        assert wrong_password.json()["detail"] == wrong_code.json()["detail"] == no_such_user.json()["detail"]
        assert "set-cookie" not in wrong_password.headers

        # Lock-out: the fifth failure in a row locks; the right password then fails too, until
        # fifteen minutes have passed.
        for _ in range(2):
            unauthenticated(sign_in(server, "pat", secret, password="still not it"))
        locked = sign_in(server, "pat", secret, password="and again not")
        assert locked.status_code == 429 and "locked" in locked.json()["detail"], locked.text
        assert 0 < int(locked.headers["retry-after"]) <= 15 * 60
        assert sign_in(server, "pat", secret).status_code == 429
        server.clock.set(server.clock.now() + timedelta(minutes=15))
        assert sign_in(server, "pat", secret).status_code == 201

        # The address limit: ten attempts in a minute, then 429 until the window moves on.
        server.clock.set(server.clock.now() + timedelta(minutes=5))
        attempts = [server.client().post("/api/v1/session", json={
            "username": f"guess{n}", "password": "x" * 12, "totp": "123456"}) for n in range(11)]
        assert [a.status_code for a in attempts] == [401] * 10 + [429]
        assert "this address" in attempts[-1].json()["detail"]
        server.clock.set(server.clock.now() + timedelta(seconds=61))
        assert sign_in(server, "pat", secret).status_code == 201

        invalid = server.client().post("/api/v1/session", json={"username": "pat"})
        assert invalid.status_code == 422
        assert {e["pointer"] for e in invalid.json()["errors"]} == {"/password", "/totp"}
