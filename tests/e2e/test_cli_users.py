"""``caseledger users …`` as an administrator at the server's command line uses it: accounts,
grants checked against the set-up, secrets shown once, tokens, disabling, resetting."""

from __future__ import annotations

import io
import json

import pyotp
import pytest

from application.identity import AccountService, SignInFailed
from application.principals import Grant, PrincipalKind, Role
from infrastructure.accounts import SqlAccountStore
from infrastructure.clock import SystemClock
from infrastructure.database import create_engine
from tests.e2e.support import AS_RECORDED, Cli, recorded


@pytest.fixture
def accounts(cli: Cli):
    """The accounts as the API sees them, to check what the command line did."""
    engine = create_engine(cli.database_url)
    yield AccountService(SqlAccountStore(engine), SystemClock())
    engine.dispose()


def code(secret: str) -> str:
    return pyotp.TOTP(secret).now()


def test_adding_people_and_systems_with_grants_checked_against_the_set_up(
        cli: Cli, accounts: AccountService, monkeypatch: pytest.MonkeyPatch) -> None:
    """Given the Cumbria set-up, when an administrator adds accounts, then the password and TOTP
    secret are printed once and work, the listing never shows them, grants naming what is not
    in the set-up are refused (4), bad input is refused (2) and a duplicate (3), nothing being
    recorded, and every change is listed with who made it."""
    added = cli.json("users", "add", "pat", "--name", "Pat Example", "--email", "Pat@Example.org",
                     "--grant", "coordinator:cumberland", "--grant", "hub-officer:cumberland/allerdale")
    assert set(added) == {"account_id", "username", "password", "totp_secret", "totp_uri"}
    assert added["totp_uri"].startswith("otpauth://totp/caseledger:pat?secret=")
    principal = accounts.verify_sign_in("pat", added["password"], code(added["totp_secret"]))
    assert principal.kind is PrincipalKind.PERSON
    assert set(principal.grants) == {Grant(Role.COORDINATOR, partnership="cumberland"),
                                     Grant(Role.HUB_OFFICER, partnership="cumberland", hub="allerdale")}

    monkeypatch.setattr("sys.stdin", io.StringIO("a passphrase of my own\n"))
    own = cli.json("users", "add", "lee", "--name", "Lee", "--password-stdin",
                   "--grant", "agency-contact:cumbria-police", "--grant", "board-member:county=cumbria")
    assert "password" not in own and own["totp_secret"]
    cli.json("users", "add", "exporter", "--name", "Nightly export", "--no-password",
             "--grant", "auditor:westmorland-furness", "--as", "alex")

    listed = cli("users", "list", "--json")
    for secret in (added["password"], added["totp_secret"], own["totp_secret"]):
        assert secret not in listed.out
    rows = {r["username"]: r for r in listed.json()}
    assert set(rows) == {"pat", "lee", "exporter"}
    assert rows["pat"]["email"] == "pat@example.org" and rows["pat"]["second_factor"] is True
    assert rows["exporter"]["password"] is False and rows["exporter"]["second_factor"] is False
    assert "pat" in cli("users", "list").out

    refusals = [
        (4, ["--grant", "coordinator:atlantis"], "no partnership 'atlantis'"),
        (4, ["--grant", "hub-officer:cumberland/eden"], "has no hub 'eden'"),
        (4, ["--grant", "board-member:county=wessex"], "no county 'wessex'"),
        (2, ["--grant", "coordinator"], "coordinator:PARTNERSHIP"),
        (2, ["--grant", "superuser:cumberland"], "not a role"),
    ]
    for exit_code, flags, message in refusals:
        error = cli.fails(exit_code, "users", "add", "sam", "--name", "Sam", *flags)
        assert message in error["message"], error
    monkeypatch.setattr("sys.stdin", io.StringIO("sam\n"))
    assert "at least 12" in cli.fails(2, "users", "add", "sam", "--name", "Sam", "--password-stdin")["message"]
    monkeypatch.setattr("sys.stdin", io.StringIO("sam-the-user\n"))
    assert "cannot be the username" in cli.fails(
        2, "users", "add", "sam-the-user", "--name", "Sam", "--password-stdin")["message"]
    assert "USERNAME" in cli.fails(2, "users", "add", "Not Valid", "--name", "Sam")["message"]
    assert cli.fails(2, "users", "add", "sam", "--name", "Sam", "--email", "nope")["field"] == "email"
    assert cli.fails(3, "users", "add", "pat", "--name", "Another Pat")["code"] == "refused"
    assert {r["username"] for r in cli.json("users", "list")} == {"pat", "lee", "exporter"}

    changes = cli.json("users", "changes")
    assert [(c["by"], c["username"], c["change"]) for c in changes] == [
        (AS_RECORDED, "pat", "added with coordinator:cumberland, hub-officer:cumberland/allerdale"),
        (AS_RECORDED, "lee", "added with agency-contact:cumbria-police, board-member:county=cumbria"),
        (recorded("alex"), "exporter", "added with auditor:westmorland-furness"),
    ]
    assert "Pat Example" not in json.dumps(changes) and "example.org" not in json.dumps(changes)


def test_tokens_grants_disabling_and_resetting(cli: Cli, accounts: AccountService) -> None:
    """Given an account, when an administrator creates, lists and revokes its tokens, changes
    its grants, disables and resets it, then each takes effect at once for sign-in and tokens,
    and a token is printed only when it is created."""
    added = cli.json("users", "add", "pat", "--name", "Pat", "--grant", "coordinator:cumberland")

    made = cli.json("users", "token", "create", "pat", "--label", "reporting", "--expires-in-days", "30")
    assert made["token"].startswith("cl_") and made["status"] == "active"
    principal = accounts.principal_for_token(made["token"])
    assert principal is not None and principal.actor == "pat (API token)"
    human = cli("users", "token", "create", "pat", "--label", "spare")
    assert "shown only now" in human.out
    listed = cli("users", "token", "list", "pat", "--json")
    assert made["token"] not in listed.out
    assert [(t["label"], t["status"]) for t in listed.json()] == [("reporting", "active"), ("spare", "active")]
    assert "366" in cli.fails(2, "users", "token", "create", "pat", "--label", "x",
                              "--expires-in-days", "400")["message"]
    assert cli.fails(4, "users", "token", "create", "nobody", "--label", "x")["code"] == "not-found"

    revoked = cli.json("users", "token", "revoke", made["token_id"])
    assert revoked["status"] == "revoked"
    assert accounts.principal_for_token(made["token"]) is None
    assert cli.fails(4, "users", "token", "revoke", "0123456789ab")["code"] == "not-found"

    granted = cli.json("users", "grant", "pat", "--grant", "auditor:cumberland")
    assert granted["grants"] == ["auditor:cumberland", "coordinator:cumberland"]  # in order
    assert cli.json("users", "revoke", "pat", "--grant", "coordinator:cumberland")["grants"] == [
        "auditor:cumberland"]
    assert "does not hold" in cli.fails(4, "users", "revoke", "pat", "--grant", "coordinator:cumberland")["message"]

    spare = next(line.strip() for line in human.out.splitlines() if line.strip().startswith("cl_"))
    assert accounts.principal_for_token(spare) is not None
    cli.json("users", "disable", "pat")
    assert cli.json("users", "list")[0]["disabled"] is True
    assert accounts.principal_for_token(spare) is None
    with pytest.raises(SignInFailed):
        accounts.verify_sign_in("pat", added["password"], code(added["totp_secret"]))

    reset = cli.json("users", "reset", "pat")
    assert reset["password"] != added["password"] and reset["totp_secret"] != added["totp_secret"]
    cli.json("users", "enable", "pat")
    assert accounts.principal_for_token(spare) is not None
    with pytest.raises(SignInFailed):
        accounts.verify_sign_in("pat", added["password"], code(added["totp_secret"]))
    assert accounts.verify_sign_in("pat", reset["password"], code(reset["totp_secret"])).username == "pat"
    assert cli.fails(4, "users", "disable", "nobody")["code"] == "not-found"
    assert [c["change"] for c in cli.json("users", "changes", "pat")][-3:] == [
        "disabled", "password and second factor reset", "enabled"]
