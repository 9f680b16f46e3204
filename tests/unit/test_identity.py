"""Accounts and signing in (application/identity.py), on an in-memory SQLite store and a clock
the tests move: hashing, one-time codes, lock-out, sessions, tokens, disabling, single sign-on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher, Type
from sqlalchemy.pool import StaticPool

from application.identity import (
    AccountService,
    SignInFailed,
    format_grant,
    parse_grant,
    sha256,
)
from application.principals import Grant, PrincipalKind, Role
from domain.errors import InvalidInput, NotFound, RuleRefused
from infrastructure.accounts import SqlAccountStore, metadata
from infrastructure.clock import FixedClock

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
PASSWORD = "correct horse battery staple"
COORDINATOR = Grant(Role.COORDINATOR, partnership="cumberland")
ISSUER = "https://login.example.test"


@pytest.fixture
def engine() -> sa.Engine:
    made = sa.create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    metadata.create_all(made)
    return made


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


# Argon2id still, with less memory and time than the production default, to keep tests quick.
CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture
def service(engine: sa.Engine, clock: FixedClock) -> AccountService:
    return AccountService(SqlAccountStore(engine), clock, hasher=CHEAP)


def test_passwords_are_hashed_with_argon2id_by_default(engine: sa.Engine, clock: FixedClock) -> None:
    """RFC 9106's recommended low-memory profile: Argon2id, 64 MiB, three passes."""
    hasher = AccountService(SqlAccountStore(engine), clock).hasher
    assert (hasher.type, hasher.memory_cost, hasher.time_cost) == (Type.ID, 65536, 3)


def later(clock: FixedClock, **delta: float) -> None:
    clock.set(clock.now() + timedelta(**delta))


def person(service: AccountService, username: str = "pat") -> str:
    added = service.add(username, display_name="Pat", email=f"{username}@example.test",
                        grants=[COORDINATOR], password=PASSWORD, by="admin")
    assert added.totp_secret
    return added.totp_secret


def code(secret: str, clock: FixedClock, steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(clock.now() + timedelta(seconds=30 * steps))


def every_stored_value(engine: sa.Engine) -> str:
    with engine.connect() as conn:
        return repr([list(conn.execute(sa.select(t))) for t in metadata.sorted_tables])


def test_secrets_are_stored_only_as_hashes(service: AccountService, engine: sa.Engine) -> None:
    """Given a person's account and an API token, when they are stored, then the password is an
    Argon2id hash, the token its SHA-256, and neither (nor a session token) appears in plain."""
    person(service)
    token = service.create_token("pat", label="export", expires_in_days=30, by="admin")
    account = service.get("pat")
    session = service.start_session(account.account_id)

    stored = every_stored_value(engine)
    assert account.password_hash is not None and account.password_hash.startswith("$argon2id$")
    assert token.startswith("cl_") and len(token) == 3 + 43
    assert sha256(token) in stored and sha256(session.token) in stored
    for secret in (PASSWORD, token, session.token, session.csrf):
        assert secret not in stored


def test_a_code_is_good_for_one_step_either_way_and_only_once(service: AccountService,
                                                             clock: FixedClock) -> None:
    """Given a person, when they give the code of the previous or next 30-second step, then it
    is accepted; two steps away it is not; and an accepted code cannot be used again."""
    secret = person(service)
    assert service.verify_sign_in("pat", PASSWORD, code(secret, clock, -1)).kind is PrincipalKind.PERSON
    later(clock, seconds=60)
    assert service.verify_sign_in("Pat ", PASSWORD, code(secret, clock, 1)).username == "pat"
    with pytest.raises(SignInFailed):  # the same code again (and anything before it)
        service.verify_sign_in("pat", PASSWORD, code(secret, clock, 1))
    later(clock, seconds=120)
    with pytest.raises(SignInFailed):
        service.verify_sign_in("pat", PASSWORD, code(secret, clock, -2))
    assert service.verify_sign_in("pat", PASSWORD, code(secret, clock)).username == "pat"


def test_five_failures_lock_the_account_until_the_period_ends(service: AccountService,
                                                             clock: FixedClock) -> None:
    """Given a person, when five sign-ins in a row fail, then even the right password and code
    are refused for fifteen minutes, with a message saying so; then sign-in works again, and a
    success starts the count afresh. Unknown usernames lock out the same way."""
    secret = person(service)
    failures = []
    for _ in range(4):
        with pytest.raises(SignInFailed) as failed:
            service.verify_sign_in("pat", "wrong password", code(secret, clock))
        failures.append(failed.value)
    assert {f.message for f in failures} == {failures[0].message} and failures[0].locked_until is None
    with pytest.raises(SignInFailed) as locked:
        service.verify_sign_in("pat", PASSWORD, "000000" if code(secret, clock) != "000000" else "111111")
    assert locked.value.locked_until == NOW + timedelta(minutes=15)
    assert "locked" in locked.value.message

    later(clock, minutes=14, seconds=59)
    with pytest.raises(SignInFailed) as still:
        service.verify_sign_in("pat", PASSWORD, code(secret, clock))
    assert still.value.locked_until == NOW + timedelta(minutes=15)
    later(clock, seconds=1)
    assert service.verify_sign_in("pat", PASSWORD, code(secret, clock)).username == "pat"
    assert service.get("pat").locked_until is None
    assert [c.change for c in service.changes("pat")][-1] == "locked after repeated failed sign-ins"

    for _ in range(4):
        with pytest.raises(SignInFailed) as unknown:
            service.verify_sign_in("nobody", PASSWORD, "123456")
        assert unknown.value.message == failures[0].message
    with pytest.raises(SignInFailed) as unknown_locked:
        service.verify_sign_in("nobody", PASSWORD, "123456")
    assert unknown_locked.value.locked_until is not None


def test_a_reset_gives_a_new_password_and_secret_and_clears_the_lock_out(
        service: AccountService, clock: FixedClock) -> None:
    """Given a locked account with a session, when an administrator resets it, then the old
    password and secret no longer work, the new ones do at once, and the session has ended."""
    secret = person(service)
    session = service.start_session(service.get("pat").account_id)
    for _ in range(5):
        with pytest.raises(SignInFailed):
            service.verify_sign_in("pat", "wrong password", "123456")
    reset = service.reset("pat", password="another long passphrase", by="admin")
    assert reset.totp_secret and reset.totp_secret != secret and reset.totp_uri
    assert service.principal_for_session(session.token) is None
    with pytest.raises(SignInFailed):
        service.verify_sign_in("pat", PASSWORD, code(secret, clock))
    later(clock, seconds=30)
    assert service.verify_sign_in("pat", "another long passphrase", code(reset.totp_secret, clock))


def test_tokens_expire_and_can_be_revoked(service: AccountService, clock: FixedClock) -> None:
    """Given a system account's tokens, when one is revoked and another reaches its expiry, then
    neither identifies the account any more; an unknown token never does."""
    service.add("exporter", display_name="Export", email=None, grants=[COORDINATOR], password=None,
                by="admin")
    short = service.create_token("exporter", label="short", expires_in_days=1, by="admin")
    revoked = service.create_token("exporter", label="revoked", expires_in_days=90, by="admin")
    principal = service.principal_for_token(short)
    assert principal is not None and principal.kind is PrincipalKind.SYSTEM
    assert principal.grants == (COORDINATOR,) and principal.actor == "exporter (API token)"

    token_id = next(t.token_id for t in service.tokens("exporter") if t.label == "revoked")
    service.revoke_token(token_id, by="admin")
    assert service.principal_for_token(revoked) is None
    later(clock, days=1, seconds=-1)
    assert service.principal_for_token(short) is not None
    later(clock, seconds=1)
    assert service.principal_for_token(short) is None
    assert [t.status(clock.now()) for t in service.tokens()] == ["expired", "revoked"]
    assert service.principal_for_token("cl_" + "x" * 43) is None
    assert service.principal_for_token("") is None
    with pytest.raises(NotFound):
        service.revoke_token("nonexistent", by="admin")
    with pytest.raises(InvalidInput):
        service.create_token("exporter", label="forever", expires_in_days=367, by="admin")


def test_sessions_lapse_when_unused_and_at_their_maximum_age(service: AccountService,
                                                            clock: FixedClock) -> None:
    """Given a session, when it is used every 29 minutes, then it lives until 12 hours after
    sign-in; left for 30 minutes, it lapses."""
    person(service)
    account_id = service.get("pat").account_id
    session = service.start_session(account_id)
    assert session.expires == NOW + timedelta(minutes=30)
    found = service.principal_for_session(session.token)
    assert found is not None and found[1] == session.csrf
    for _ in range(24):
        later(clock, minutes=29)
        assert service.principal_for_session(session.token) is not None
    later(clock, minutes=29)  # 12 h 5 min after sign-in
    assert service.principal_for_session(session.token) is None

    idle = service.start_session(account_id)
    later(clock, minutes=30)
    assert service.principal_for_session(idle.token) is None
    ended = service.start_session(account_id)
    service.end_session(ended.token)
    assert service.principal_for_session(ended.token) is None


def test_a_disabled_account_is_refused_everywhere(service: AccountService, clock: FixedClock) -> None:
    """Given a person with a token, a session and a single sign-on identity, when the account
    is disabled, then sign-in, the token, the session and single sign-on are all refused; the
    account is still there (disabled, not deleted)."""
    secret = person(service)
    token = service.create_token("pat", label="t", expires_in_days=30, by="admin")
    session = service.start_session(service.get("pat").account_id)
    service.sign_in_oidc(ISSUER, "subject-1", email="pat@example.test", display_name=None, grants=None,
                         provision=False)
    service.disable("pat", by="admin")

    with pytest.raises(SignInFailed):
        service.verify_sign_in("pat", PASSWORD, code(secret, clock))
    assert service.principal_for_token(token) is None
    assert service.principal_for_session(session.token) is None
    with pytest.raises(SignInFailed):
        service.start_session(service.get("pat").account_id)
    with pytest.raises(SignInFailed):
        service.sign_in_oidc(ISSUER, "subject-1", email=None, display_name=None, grants=None, provision=True)
    assert [a.username for a in service.accounts()] == ["pat"] and service.get("pat").disabled
    service.enable("pat", by="admin")
    assert service.principal_for_token(token) is not None


def test_single_sign_on_matches_links_provisions_and_maps_roles(service: AccountService) -> None:
    """Given a local account, when its owner signs in through a provider, then they are matched
    by email and linked (next time by subject alone); the provider's groups replace only the
    roles from single sign-on; a new person is provisioned only when allowed, and an email two
    accounts share matches neither."""
    person(service)
    auditor = Grant(Role.AUDITOR, partnership="cumberland")
    linked = service.sign_in_oidc(ISSUER, "s-1", email="PAT@example.test", display_name="Pat",
                                  grants=[auditor], provision=False)
    assert linked.username == "pat" and set(linked.grants) == {COORDINATOR, auditor}
    again = service.sign_in_oidc(ISSUER, "s-1", email=None, display_name=None, grants=[], provision=False)
    assert again.grants == (COORDINATOR,)
    assert service.sign_in_oidc(ISSUER, "s-1", email=None, display_name=None, grants=None,
                                provision=False).grants == (COORDINATOR,)

    with pytest.raises(SignInFailed):
        service.sign_in_oidc(ISSUER, "s-2", email="new@example.test", display_name="New", grants=None,
                             provision=False)
    made = service.sign_in_oidc(ISSUER, "s-2", email="new@example.test", display_name="New Person",
                                grants=[auditor], provision=True)
    assert made.username == "new@example.test" and made.grants == (auditor,)
    assert service.get("new@example.test").password_hash is None

    for name in ("twin-a", "twin-b"):
        service.add(name, display_name="Twin", email="twin@example.test", grants=[], password=None, by="admin")
    with pytest.raises(SignInFailed):
        service.sign_in_oidc(ISSUER, "s-3", email="twin@example.test", display_name=None, grants=None,
                             provision=False)


def test_account_rules(service: AccountService) -> None:
    """Given the rules for accounts, when they are broken, then the input is refused naming the
    field, and nothing is recorded."""
    for username, password, field in [
        ("pat", "short", "password"),
        ("long-enough-name", "Long-Enough-Name", "password"),
        ("Has Space", PASSWORD, "username"),
        ("-dash", PASSWORD, "username"),
    ]:
        with pytest.raises(InvalidInput) as refused:
            service.add(username, display_name="X", email=None, grants=[], password=password, by="admin")
        assert refused.value.field == field
    with pytest.raises(InvalidInput):
        service.add("pat", display_name="Line\nbreak", email=None, grants=[], password=None, by="admin")
    assert service.accounts() == [] and service.changes() == []
    person(service)
    with pytest.raises(RuleRefused):
        person(service)
    with pytest.raises(NotFound):
        service.revoke("pat", [Grant(Role.ADMINISTRATOR)], by="admin")


@pytest.mark.parametrize("text, grant", [
    ("coordinator:cumberland", COORDINATOR),
    ("auditor:cumberland", Grant(Role.AUDITOR, partnership="cumberland")),
    ("hub-officer:cumberland/allerdale", Grant(Role.HUB_OFFICER, partnership="cumberland", hub="allerdale")),
    ("agency-contact:cumbria-police", Grant(Role.AGENCY_CONTACT, agency="cumbria-police")),
    ("board-member:cumberland", Grant(Role.BOARD_MEMBER, partnership="cumberland")),
    ("board-member:county=cumbria", Grant(Role.BOARD_MEMBER, county="cumbria")),
    ("administrator", Grant(Role.ADMINISTRATOR)),
])
def test_grants_read_and_write_as_role_and_scope(text: str, grant: Grant) -> None:
    assert parse_grant(text) == grant and format_grant(grant) == text


@pytest.mark.parametrize("text", ["coordinator", "hub-officer:cumberland", "administrator:cumberland",
                                  "agency-contact:Cumbria Police", "root:cumberland", ""])
def test_a_malformed_grant_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_grant(text)
    assert refused.value.field == "grant"
