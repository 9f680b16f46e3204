"""The account store on SQLite and PostgreSQL: the migrated schema is the declared one, and
accounts, grants, identities, tokens, sessions and changes are kept as the service needs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from argon2 import PasswordHasher

from application.identity import AccountService, KnownSetup, StoredSession
from application.principals import Grant, Role
from infrastructure.accounts import SqlAccountStore, metadata
from infrastructure.clock import FixedClock
from tests.integration.support import NOW, seed, services_for

COORDINATOR = Grant(Role.COORDINATOR, partnership="cumberland")
HUB_OFFICER = Grant(Role.HUB_OFFICER, partnership="cumberland", hub="allerdale")


def test_the_migrated_account_tables_are_the_declared_ones(database_url: str) -> None:
    services = services_for(database_url)
    try:
        with services.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={
                "compare_type": True, "include_object": _account_tables_only})
            differences = compare_metadata(context, metadata)
    finally:
        services.close()
    assert differences == []


def _account_tables_only(item: Any, name: str | None, kind: str, reflected: bool, compare_to: Any) -> bool:
    table = item if kind == "table" else getattr(item, "table", None)
    return table is not None and table.name in metadata.tables


def test_the_store_keeps_what_the_service_needs(database_url: str) -> None:
    """Given the seeded set-up, when accounts are added, changed, linked and signed in, then the
    store gives them back as they were left, on either backend, and a rebuild of the views
    leaves them alone."""
    services = services_for(database_url)
    try:
        seed(services)
        services.catch_up()
        clock = FixedClock(NOW)
        store = SqlAccountStore(services.engine)
        accounts = AccountService(store, clock, hasher=PasswordHasher(time_cost=1, memory_cost=1024,
                                                                      parallelism=1))

        assert store.known_setup() == KnownSetup(
            {"cumberland": frozenset({"allerdale"})},
            frozenset({"cumbria-police", "probation", "cumberland-council", "north-cumbria-hospitals"}),
            frozenset())

        added = accounts.add("pat", display_name="Pat", email="pat@example.test",
                             grants=[COORDINATOR, HUB_OFFICER], password="a long passphrase here", by="admin")
        account = store.account_by_id(added.account_id)
        assert account is not None and account.grants == (COORDINATOR, HUB_OFFICER)
        assert account.totp_secret == added.totp_secret and account.created == NOW
        assert store.accounts_with_email("pat@example.test") == [account]

        accounts.sign_in_oidc("https://idp.example.test", "sub", email="pat@example.test", display_name=None,
                              grants=[Grant(Role.AUDITOR, partnership="cumberland")], provision=False)
        linked = store.account_for_identity("https://idp.example.test", "sub")
        assert linked is not None and linked.username == "pat"
        assert linked.sso_grants == (Grant(Role.AUDITOR, partnership="cumberland"),)
        assert linked.grants == (COORDINATOR, HUB_OFFICER)

        assert store.use_totp_step(added.account_id, 100) is True
        assert store.use_totp_step(added.account_id, 100) is False
        assert store.use_totp_step(added.account_id, 99) is False
        assert store.use_totp_step(added.account_id, 101) is True

        until = NOW + timedelta(minutes=15)
        assert [store.record_failure(added.account_id, 3, until) for _ in range(4)] == [False, False, True, False]
        assert store.account_by_username("pat").locked_until == until  # type: ignore[union-attr]
        store.clear_failures(added.account_id)
        assert store.account_by_username("pat").locked_until is None  # type: ignore[union-attr]

        raw = accounts.create_token("pat", label="export", expires_in_days=90, by="admin")
        [token] = store.tokens()
        assert token.expires == NOW + timedelta(days=90) and token.username == "pat"
        assert accounts.principal_for_token(raw) is not None
        revoked = store.revoke_token(token.token_id, NOW + timedelta(hours=1))
        assert revoked is not None and revoked.revoked == NOW + timedelta(hours=1)
        assert store.revoke_token(token.token_id, NOW + timedelta(hours=2)).revoked == revoked.revoked  # type: ignore[union-attr]

        store.insert_session("a" * 64, StoredSession(added.account_id, NOW, NOW))
        store.touch_session("a" * 64, NOW + timedelta(minutes=5))
        assert store.session("a" * 64) == StoredSession(added.account_id, NOW, NOW + timedelta(minutes=5))
        store.delete_sessions_of(added.account_id)
        assert store.session("a" * 64) is None

        services.projections.rebuild()
        assert [a.username for a in store.accounts()] == ["pat"]
        assert [c.change for c in store.changes("pat")] == [
            "added with coordinator:cumberland, hub-officer:cumberland/allerdale",
            "linked to a single sign-on identity",
            "roles from single sign-on: auditor:cumberland",
            f"token {token.token_id} created",
        ]
    finally:
        services.close()


def test_failures_counted_at_the_same_time_are_all_counted(database_url: str) -> None:
    """Given one account, when failures are recorded from several connections at once, then
    none is lost: the count is an update in the database, not a read and a write."""
    from concurrent.futures import ThreadPoolExecutor

    services = services_for(database_url)
    try:
        accounts = AccountService(SqlAccountStore(services.engine), FixedClock(NOW))
        added = accounts.add("pat", display_name="Pat", email=None, grants=[], password=None, by="admin")
        store = SqlAccountStore(services.engine)
        with ThreadPoolExecutor(4) as pool:
            locked = list(pool.map(lambda _: store.record_failure(added.account_id, 20, NOW), range(20)))
        assert locked.count(True) == 1
        with services.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT failed_attempts FROM accounts")).scalar_one() == 0
    finally:
        services.close()
