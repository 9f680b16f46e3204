"""The account store (``application.identity.AccountStore``) over SQLAlchemy Core.

Accounts are not projected from events: they are the server's own records, in tables of their own
(migration 0009) beside the views, and a rebuild of the views leaves them alone. Times are stored
as UTC ISO-8601 strings, like the views'. Secrets are stored only as hashes (passwords: Argon2id;
tokens and session tokens: SHA-256), except the TOTP secret, which checking a code needs.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from application.identity import (
    LOCAL,
    SSO,
    Account,
    AccountChange,
    ApiToken,
    KnownSetup,
    StoredSession,
    format_grant,
    parse_grant,
)
from application.principals import Grant
from infrastructure import views

metadata = sa.MetaData()

accounts = sa.Table(
    "accounts", metadata,
    sa.Column("account_id", sa.String(36), primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("email", sa.String(254), index=True),
    sa.Column("password_hash", sa.String(200)),
    sa.Column("totp_secret", sa.String(64)),
    sa.Column("totp_last_step", sa.BigInteger),  # the last one-time code's step: never accepted again
    sa.Column("disabled", sa.Boolean, nullable=False),
    sa.Column("failed_attempts", sa.Integer, nullable=False),
    sa.Column("locked_until", sa.String(32)),
    sa.Column("created", sa.String(32), nullable=False),
)

account_grants = sa.Table(
    "account_grants", metadata,
    sa.Column("account_id", sa.String(36), primary_key=True),
    sa.Column("source", sa.String(8), primary_key=True),  # local, or sso (from the provider's groups)
    sa.Column("grant", sa.String(160), primary_key=True),  # coordinator:cumberland …
)

account_identities = sa.Table(  # single sign-on: the provider's subject for an account
    "account_identities", metadata,
    sa.Column("issuer", sa.String(500), primary_key=True),
    sa.Column("subject", sa.String(255), primary_key=True),
    sa.Column("account_id", sa.String(36), nullable=False, index=True),
)

api_tokens = sa.Table(
    "api_tokens", metadata,
    sa.Column("token_id", sa.String(16), primary_key=True),
    sa.Column("account_id", sa.String(36), nullable=False, index=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("label", sa.String(100), nullable=False),
    sa.Column("created", sa.String(32), nullable=False),
    sa.Column("expires", sa.String(32), nullable=False),
    sa.Column("revoked", sa.String(32)),
)

account_sessions = sa.Table(
    "account_sessions", metadata,
    sa.Column("session_hash", sa.String(64), primary_key=True),
    sa.Column("account_id", sa.String(36), nullable=False, index=True),
    sa.Column("created", sa.String(32), nullable=False),
    sa.Column("last_seen", sa.String(32), nullable=False),
)

account_changes = sa.Table(  # who changed which account, how and when; never a secret
    "account_changes", metadata,
    sa.Column("change_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.String(32), nullable=False),
    sa.Column("by", sa.String(200), nullable=False),
    sa.Column("username", sa.String(64), nullable=False, index=True),
    sa.Column("change", sa.String(1000), nullable=False),
)


def _at(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text)


class SqlAccountStore:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    # -- accounts ------------------------------------------------------------------------

    def insert_account(self, account: Account) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.insert(accounts).values(
                account_id=account.account_id, username=account.username,
                display_name=account.display_name, email=account.email,
                password_hash=account.password_hash, totp_secret=account.totp_secret,
                disabled=account.disabled, failed_attempts=0,
                locked_until=_at(account.locked_until) if account.locked_until else None,
                created=_at(account.created)))
            self._write_grants(conn, account)

    def update_account(self, account: Account) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.update(accounts).where(accounts.c.account_id == account.account_id).values(
                display_name=account.display_name, email=account.email,
                password_hash=account.password_hash, totp_secret=account.totp_secret,
                # a new secret starts afresh: the old one's last step says nothing about it
                totp_last_step=sa.case((accounts.c.totp_secret == account.totp_secret,
                                        accounts.c.totp_last_step), else_=None),
                disabled=account.disabled,
                locked_until=_at(account.locked_until) if account.locked_until else None))
            conn.execute(sa.delete(account_grants).where(account_grants.c.account_id == account.account_id))
            self._write_grants(conn, account)

    @staticmethod
    def _write_grants(conn: sa.Connection, account: Account) -> None:
        rows = [{"account_id": account.account_id, "source": source, "grant": format_grant(g)}
                for source, grants in ((LOCAL, account.grants), (SSO, account.sso_grants))
                for g in grants]
        if rows:
            conn.execute(sa.insert(account_grants), rows)

    def account_by_username(self, username: str) -> Account | None:
        return self._one(accounts.c.username == username)

    def account_by_id(self, account_id: str) -> Account | None:
        return self._one(accounts.c.account_id == account_id)

    def accounts_with_email(self, email: str) -> list[Account]:
        return self._accounts(accounts.c.email == email)

    def accounts(self) -> list[Account]:
        return self._accounts(sa.true())

    def _one(self, where: sa.ColumnElement[bool]) -> Account | None:
        found = self._accounts(where)
        return found[0] if found else None

    def _accounts(self, where: sa.ColumnElement[bool]) -> list[Account]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(accounts).where(where).order_by(accounts.c.username)).all()
            grants = _grants_of(conn, [r.account_id for r in rows])
        return [_account(r._mapping, grants) for r in rows]

    def record_failure(self, account_id: str, lock_after: int, lock_until: datetime) -> bool:
        with self.engine.begin() as conn:
            count = conn.execute(
                sa.update(accounts).where(accounts.c.account_id == account_id)
                .values(failed_attempts=accounts.c.failed_attempts + 1)
                .returning(accounts.c.failed_attempts)).scalar_one()
            if count < lock_after:
                return False
            conn.execute(sa.update(accounts).where(accounts.c.account_id == account_id)
                         .values(failed_attempts=0, locked_until=_at(lock_until)))
            return True

    def clear_failures(self, account_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.update(accounts).where(accounts.c.account_id == account_id)
                         .values(failed_attempts=0, locked_until=None))

    def use_totp_step(self, account_id: str, step: int) -> bool:
        with self.engine.begin() as conn:
            used = conn.execute(
                sa.update(accounts)
                .where(accounts.c.account_id == account_id,
                       sa.or_(accounts.c.totp_last_step.is_(None), accounts.c.totp_last_step < step))
                .values(totp_last_step=step))
            return used.rowcount == 1

    # -- single sign-on identities -------------------------------------------------------

    def link_identity(self, issuer: str, subject: str, account_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.insert(account_identities).values(issuer=issuer, subject=subject,
                                                              account_id=account_id))

    def account_for_identity(self, issuer: str, subject: str) -> Account | None:
        with self.engine.connect() as conn:
            account_id = conn.execute(sa.select(account_identities.c.account_id).where(
                account_identities.c.issuer == issuer, account_identities.c.subject == subject)).scalar()
        return self.account_by_id(account_id) if account_id else None

    # -- API tokens ----------------------------------------------------------------------

    def insert_token(self, token: ApiToken, token_hash: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.insert(api_tokens).values(
                token_id=token.token_id, account_id=token.account_id, token_hash=token_hash,
                label=token.label, created=_at(token.created), expires=_at(token.expires)))

    def _token_query(self) -> sa.Select[Any]:
        return (sa.select(api_tokens, accounts.c.username)
                .join(accounts, accounts.c.account_id == api_tokens.c.account_id))

    def token_by_hash(self, token_hash: str) -> tuple[ApiToken, str, Account] | None:
        """The token, its stored hash and its account, read through one connection (every API
        request asks this): the token joined to its account, then the account's grants."""
        query = (sa.select(accounts, *_TOKEN_COLUMNS)
                 .join(api_tokens, api_tokens.c.account_id == accounts.c.account_id)
                 .where(api_tokens.c.token_hash == token_hash))
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
            if row is None:
                return None
            grants = _grants_of(conn, [row.account_id])
        found = row._mapping
        token = ApiToken(token_id=found["token_id"], account_id=found["account_id"],
                         username=found["username"], label=found["token_label"],
                         created=_when(found["token_created"]), expires=_when(found["token_expires"]),
                         revoked=_moment(found["token_revoked"]))
        return token, found["token_hash"], _account(found, grants)

    def tokens(self) -> list[ApiToken]:
        with self.engine.connect() as conn:
            rows = conn.execute(self._token_query().order_by(accounts.c.username, api_tokens.c.created))
            return [_token(r._mapping) for r in rows]

    def revoke_token(self, token_id: str, at: datetime) -> ApiToken | None:
        with self.engine.begin() as conn:
            conn.execute(sa.update(api_tokens)
                         .where(api_tokens.c.token_id == token_id, api_tokens.c.revoked.is_(None))
                         .values(revoked=_at(at)))
            row = conn.execute(self._token_query().where(api_tokens.c.token_id == token_id)).first()
        return _token(row._mapping) if row else None

    # -- sessions ------------------------------------------------------------------------

    def insert_session(self, session_hash: str, session: StoredSession) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.insert(account_sessions).values(
                session_hash=session_hash, account_id=session.account_id,
                created=_at(session.created), last_seen=_at(session.last_seen)))

    def session(self, session_hash: str) -> StoredSession | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(account_sessions)
                               .where(account_sessions.c.session_hash == session_hash)).first()
        if row is None:
            return None
        return StoredSession(row.account_id, _when(row.created), _when(row.last_seen))

    def touch_session(self, session_hash: str, at: datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.update(account_sessions)
                         .where(account_sessions.c.session_hash == session_hash).values(last_seen=_at(at)))

    def delete_session(self, session_hash: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.delete(account_sessions).where(account_sessions.c.session_hash == session_hash))

    def delete_sessions_of(self, account_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.delete(account_sessions).where(account_sessions.c.account_id == account_id))

    # -- changes ---------------------------------------------------------------------------

    def record_change(self, change: AccountChange) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.insert(account_changes).values(at=_at(change.at), by=change.by[:200],
                                                           username=change.username,
                                                           change=change.change[:1000]))

    def changes(self, username: str | None = None) -> list[AccountChange]:
        query = sa.select(account_changes).order_by(account_changes.c.change_id)
        if username:
            query = query.where(account_changes.c.username == username)
        with self.engine.connect() as conn:
            return [AccountChange(_when(r.at), r.by, r.username, r.change) for r in conn.execute(query)]

    # -- the set-up grants may name ----------------------------------------------------------

    def known_setup(self) -> KnownSetup:
        with self.engine.connect() as conn:
            partnerships = {r.partnership_id: r.slug for r in conn.execute(
                sa.select(views.partnerships.c.partnership_id, views.partnerships.c.slug))}
            hubs: dict[str, set[str]] = {slug: set() for slug in partnerships.values()}
            for r in conn.execute(sa.select(views.hubs.c.partnership_id, views.hubs.c.hub)):
                if r.partnership_id in partnerships:
                    hubs[partnerships[r.partnership_id]].add(r.hub)
            agencies = frozenset(conn.execute(sa.select(views.agencies.c.slug)).scalars())
            counties = frozenset(conn.execute(sa.select(views.counties.c.slug)).scalars())
        return KnownSetup({p: frozenset(h) for p, h in hubs.items()}, agencies, counties)


#: A token's own columns beside its account's (``token_by_hash``), named apart from the account's.
_TOKEN_COLUMNS = (api_tokens.c.token_id, api_tokens.c.token_hash, api_tokens.c.label.label("token_label"),
                  api_tokens.c.created.label("token_created"), api_tokens.c.expires.label("token_expires"),
                  api_tokens.c.revoked.label("token_revoked"))


def _grants_of(conn: sa.Connection, account_ids: list[str]) -> dict[tuple[str, str], list[Grant]]:
    """The accounts' grants by (account, source), in grant order."""
    grants: dict[tuple[str, str], list[Grant]] = {}
    if account_ids:
        for g in conn.execute(sa.select(account_grants)
                              .where(account_grants.c.account_id.in_(account_ids))
                              .order_by(account_grants.c.grant)):
            grants.setdefault((g.account_id, g.source), []).append(parse_grant(g.grant))
    return grants


def _account(row: Any, grants: dict[tuple[str, str], list[Grant]]) -> Account:
    return Account(
        account_id=row["account_id"], username=row["username"], display_name=row["display_name"],
        email=row["email"], created=_when(row["created"]), password_hash=row["password_hash"],
        totp_secret=row["totp_secret"], disabled=bool(row["disabled"]),
        locked_until=_moment(row["locked_until"]),
        grants=tuple(grants.get((row["account_id"], LOCAL), ())),
        sso_grants=tuple(grants.get((row["account_id"], SSO), ())))


def _token(row: Any) -> ApiToken:
    return ApiToken(token_id=row["token_id"], account_id=row["account_id"], username=row["username"],
                    label=row["label"], created=_when(row["created"]), expires=_when(row["expires"]),
                    revoked=_moment(row["revoked"]))
