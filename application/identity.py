"""Built-in accounts: who may sign in, how, and with which roles (``access.md``, Identity).

- **Accounts** are never deleted, only disabled: the facts they recorded keep their name. A
  disabled account is refused everywhere: password sign-in, single sign-on, sessions, API tokens.
- **Passwords** are hashed with Argon2id (RFC 9106); at least 12 characters and not the username
  (NCSC guidance favours length over complexity rules). People also give a time-based one-time
  code (TOTP, RFC 6238: 30-second steps, one step of clock drift either way); a code is accepted
  once, so one overheard cannot be replayed.
- **Lock-out**: after ``lock_after`` failed sign-ins in a row the account refuses every sign-in
  for ``lock_minutes``, even with the right password; a successful sign-in or a reset clears it.
  Every failure says the same thing, whether the username, the password or the code was wrong, so
  sign-in reveals nothing about which accounts exist; unknown usernames are locked out the same
  way (in this process), so the lock-out does not reveal it either.
- **Sessions** (browsers): a random token in a cookie, stored as its SHA-256; it expires after
  ``session_idle_minutes`` without use and in any case ``session_max_hours`` after sign-in. The
  CSRF token is derived from the session token, so it needs no storage of its own.
- **API tokens** (systems): ``cl_`` and 32 random bytes, shown once, stored as their SHA-256,
  with a short id for listing and revoking, a label, an expiry (at most a year) and revocation.
- **Grants** are a role within its scope (``principals.Grant``), written ``coordinator:cumberland``,
  ``hub-officer:cumberland/allerdale``, ``agency-contact:cumbria-police``,
  ``board-member:county=cumbria``, ``administrator``. Grants given locally and grants mapped from
  a single sign-on provider's groups are kept apart: a sign-in replaces only the latter.
- **Changes** to accounts are recorded: who changed what, when; never a secret.

Secrets (passwords, tokens, session tokens) exist in plain text only in the one answer that shows
them; the TOTP secret must be kept to check codes, so the store holds it as given.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import cached_property
from typing import Protocol

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from application.ports import Clock
from application.principals import Grant, Principal, PrincipalKind, Role
from domain.errors import InvalidInput, NotFound, RuleRefused

ISSUER = "caseledger"
MIN_PASSWORD = 12
MAX_PASSWORD = 256  # Argon2 takes any length; a bound keeps one request from costing much
MAX_TOKEN_DAYS = 366  # a token that never expires is a standing risk
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,63}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{1,60}$")
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
TOKEN_PREFIX = "cl_"
LOCAL, SSO = "local", "sso"  # where a grant came from



class SignInFailed(Exception):
    """A sign-in was refused. ``message`` is what the person is told: the same for every reason
    a sign-in can fail (no user enumeration), except a lock-out, which says when to try again."""

    def __init__(self, message: str, *, locked_until: datetime | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.locked_until = locked_until


SIGN_IN_FAILED = "The username, password or code is not right, or the account cannot sign in."


# --------------------------------------------------------------------------- policy


@dataclass(frozen=True)
class IdentityPolicy:
    lock_after: int = 5  # failed sign-ins in a row
    lock_minutes: int = 15
    session_idle_minutes: int = 30
    session_max_hours: int = 12


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Account:
    account_id: str
    username: str
    display_name: str
    email: str | None
    created: datetime
    password_hash: str | None = None
    totp_secret: str | None = None
    disabled: bool = False
    locked_until: datetime | None = None
    grants: tuple[Grant, ...] = ()  # given locally
    sso_grants: tuple[Grant, ...] = ()  # mapped from a single sign-on provider's groups

    @property
    def all_grants(self) -> tuple[Grant, ...]:
        return tuple(dict.fromkeys((*self.grants, *self.sso_grants)))


@dataclass(frozen=True)
class ApiToken:
    token_id: str
    account_id: str
    username: str
    label: str
    created: datetime
    expires: datetime
    revoked: datetime | None = None

    def status(self, now: datetime) -> str:
        if self.revoked is not None:
            return "revoked"
        return "expired" if now >= self.expires else "active"


@dataclass(frozen=True)
class StoredSession:
    account_id: str
    created: datetime
    last_seen: datetime


@dataclass(frozen=True)
class AccountChange:
    at: datetime
    by: str
    username: str
    change: str


@dataclass(frozen=True)
class AddedAccount:
    account_id: str
    username: str
    password: str | None = None  # only when one was generated: shown once
    totp_secret: str | None = None  # shown once
    totp_uri: str | None = None  # otpauth:// for an authenticator app; shown once


@dataclass(frozen=True)
class Session:
    token: str  # the cookie's value: shown once
    csrf: str
    expires: datetime  # when it lapses if unused (it moves on with each use)


@dataclass(frozen=True)
class KnownSetup:
    """The partnerships (with their hubs), agencies and counties a grant may name."""

    partnerships: dict[str, frozenset[str]] = field(default_factory=dict)
    agencies: frozenset[str] = frozenset()
    counties: frozenset[str] = frozenset()


class AccountStore(Protocol):
    """Where accounts, their grants, tokens, sessions and changes are kept
    (``infrastructure/accounts.py``)."""

    def insert_account(self, account: Account) -> None: ...

    def account_by_username(self, username: str) -> Account | None: ...

    def account_by_id(self, account_id: str) -> Account | None: ...

    def accounts_with_email(self, email: str) -> list[Account]: ...

    def accounts(self) -> list[Account]: ...

    def update_account(self, account: Account) -> None:
        """Write the account's fields and its local and single sign-on grants."""

    def record_failure(self, account_id: str, lock_after: int, lock_until: datetime) -> bool:
        """Count a failed sign-in; at ``lock_after`` in a row, lock the account until
        ``lock_until`` and start counting again. Returns whether it locked."""

    def clear_failures(self, account_id: str) -> None: ...

    def use_totp_step(self, account_id: str, step: int) -> bool:
        """Accept a one-time code's time step once: False if it (or a later one) was used."""

    def link_identity(self, issuer: str, subject: str, account_id: str) -> None: ...

    def account_for_identity(self, issuer: str, subject: str) -> Account | None: ...

    def insert_token(self, token: ApiToken, token_hash: str) -> None: ...

    def token_by_hash(self, token_hash: str) -> tuple[ApiToken, str, Account] | None:
        """The token with this hash, the hash as stored and the token's account."""

    def tokens(self) -> list[ApiToken]: ...

    def revoke_token(self, token_id: str, at: datetime) -> ApiToken | None: ...

    def insert_session(self, session_hash: str, session: StoredSession) -> None: ...

    def session(self, session_hash: str) -> StoredSession | None: ...

    def touch_session(self, session_hash: str, at: datetime) -> None: ...

    def delete_session(self, session_hash: str) -> None: ...

    def delete_sessions_of(self, account_id: str) -> None: ...

    def record_change(self, change: AccountChange) -> None: ...

    def changes(self, username: str | None = None) -> list[AccountChange]: ...

    def known_setup(self) -> KnownSetup: ...


# --------------------------------------------------------------------------- grants as text


def parse_grant(text: str) -> Grant:
    """``coordinator:cumberland``, ``hub-officer:cumberland/allerdale``,
    ``agency-contact:cumbria-police``, ``board-member:county=cumbria``, ``administrator``."""
    role_text, _, scope = text.strip().partition(":")
    try:
        role = Role(role_text.strip())
    except ValueError:
        raise InvalidInput(f"{role_text.strip()!r} is not a role; use one of "
                           f"{', '.join(r.value for r in Role)}.", field="grant") from None
    scope = scope.strip()
    wanted = {
        Role.COORDINATOR: "coordinator:PARTNERSHIP", Role.AUDITOR: "auditor:PARTNERSHIP",
        Role.HUB_OFFICER: "hub-officer:PARTNERSHIP/HUB", Role.AGENCY_CONTACT: "agency-contact:AGENCY",
        Role.BOARD_MEMBER: "board-member:PARTNERSHIP or board-member:county=COUNTY",
        Role.ADMINISTRATOR: "administrator (no scope)",
    }[role]
    slug = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")

    def bad() -> InvalidInput:
        return InvalidInput(f"{text.strip()!r} is not a grant: write {wanted}.", field="grant")

    if role is Role.ADMINISTRATOR:
        if scope:
            raise bad()
        return Grant(role)
    if role is Role.HUB_OFFICER:
        partnership, _, hub = scope.partition("/")
        if not (slug.match(partnership) and slug.match(hub)):
            raise bad()
        return Grant(role, partnership=partnership, hub=hub)
    if role is Role.BOARD_MEMBER and scope.startswith("county="):
        county = scope.removeprefix("county=")
        if not slug.match(county):
            raise bad()
        return Grant(role, county=county)
    if not slug.match(scope):
        raise bad()
    if role is Role.AGENCY_CONTACT:
        return Grant(role, agency=scope)
    return Grant(role, partnership=scope)


def format_grant(grant: Grant) -> str:
    if grant.role is Role.HUB_OFFICER:
        return f"{grant.role}:{grant.partnership}/{grant.hub}"
    if grant.county:
        return f"{grant.role}:county={grant.county}"
    scope = grant.agency or grant.partnership
    return f"{grant.role}:{scope}" if scope else str(grant.role)


def check_grants_exist(grants: Iterable[Grant], setup: KnownSetup) -> None:
    """NotFound naming the first partnership, hub, agency or county that is not in the set-up."""
    for grant in grants:
        if grant.partnership and grant.partnership not in setup.partnerships:
            raise NotFound(f"There is no partnership {grant.partnership!r} in the set-up.",
                           field="grant")
        if grant.hub and grant.partnership and grant.hub not in setup.partnerships[grant.partnership]:
            raise NotFound(f"Partnership {grant.partnership!r} has no hub {grant.hub!r}.", field="grant")
        if grant.agency and grant.agency not in setup.agencies:
            raise NotFound(f"There is no agency {grant.agency!r} in the set-up.", field="grant")
        if grant.county and grant.county not in setup.counties:
            raise NotFound(f"There is no county {grant.county!r} in the set-up.", field="grant")


# --------------------------------------------------------------------------- secrets


def sha256(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def csrf_for(session_token: str) -> str:
    """The CSRF token of a session: derived from its (secret, random) token, so knowing one
    says nothing about the other, and nothing more is stored."""
    digest = hashlib.sha256(b"caseledger csrf\x00" + session_token.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def generate_password() -> str:
    """A random password to be shown once (20 characters, about 120 bits)."""
    return secrets.token_urlsafe(15)


def check_password(password: str, username: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"A password needs at least {MIN_PASSWORD} characters; a few unrelated "
                           "words make a good one.", field="password")
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(f"A password can have at most {MAX_PASSWORD} characters.", field="password")
    if password.strip().lower() == username.lower():
        raise InvalidInput("The password cannot be the username.", field="password")


def totp_step(moment: datetime) -> int:
    return int(moment.timestamp()) // 30


# --------------------------------------------------------------------------- the service


class AccountService:
    """Accounts and signing in: the use cases of the ``users`` command and the sign-in routes."""

    def __init__(self, store: AccountStore, clock: Clock, policy: IdentityPolicy | None = None,
                 hasher: PasswordHasher | None = None) -> None:
        """``hasher``: Argon2id with argon2-cffi's defaults (RFC 9106's low-memory profile)
        unless another is given (tests give a cheaper one)."""
        self.store = store
        self.clock = clock
        self.policy = policy or IdentityPolicy()
        self.hasher = hasher or PasswordHasher()
        # Failures against usernames that do not exist, so that they lock out like real ones.
        self._unknown_failures: dict[str, tuple[int, datetime | None]] = {}

    # -- administration ------------------------------------------------------------------

    def add(self, username: str, *, display_name: str, email: str | None, grants: list[Grant],
            password: str | None, by: str, totp: bool = True) -> AddedAccount:
        """A new account with these grants. With a password it is a person's: it gets a TOTP
        secret (to be shown once). Without one it signs in only by single sign-on or API token."""
        username = _username(username)
        display_name = _text(display_name, "display_name", "A display name", 200)
        email = _email(email)
        if self.store.account_by_username(username) is not None:
            raise RuleRefused(f"There is already an account {username!r}.", field="username")
        secret = None
        if password is not None:
            check_password(password, username)
            secret = pyotp.random_base32() if totp else None
        account = Account(
            account_id=str(uuid.uuid4()), username=username, display_name=display_name, email=email,
            created=self.clock.now(),
            password_hash=self.hasher.hash(password) if password is not None else None,
            totp_secret=secret, grants=_unique(grants))
        self.store.insert_account(account)
        self._changed(by, username, "added with " + _grants_text(account.grants))
        return AddedAccount(account.account_id, username, totp_secret=secret,
                            totp_uri=_totp_uri(secret, username) if secret else None)

    def get(self, username: str) -> Account:
        found = self.store.account_by_username(username.strip().lower())
        if found is None:
            raise NotFound(f"There is no account {username.strip()!r}.", field="username")
        return found

    def accounts(self) -> list[Account]:
        return sorted(self.store.accounts(), key=lambda a: a.username)

    def disable(self, username: str, *, by: str) -> Account:
        """Disable (never delete): its sessions end and its tokens stop working."""
        account = self.get(username)
        if not account.disabled:
            self.store.update_account(replace(account, disabled=True))
            self.store.delete_sessions_of(account.account_id)
            self._changed(by, account.username, "disabled")
        return self.get(username)

    def enable(self, username: str, *, by: str) -> Account:
        account = self.get(username)
        if account.disabled:
            self.store.update_account(replace(account, disabled=False))
            self._changed(by, account.username, "enabled")
        return self.get(username)

    def reset(self, username: str, *, password: str, by: str) -> AddedAccount:
        """A new password and a new TOTP secret (both shown once); sessions end, lock-out clears."""
        account = self.get(username)
        check_password(password, account.username)
        secret = pyotp.random_base32()
        self.store.update_account(replace(account, password_hash=self.hasher.hash(password),
                                          totp_secret=secret, locked_until=None))
        self.store.clear_failures(account.account_id)
        self.store.delete_sessions_of(account.account_id)
        self._unknown_failures.pop(account.username, None)
        self._changed(by, account.username, "password and second factor reset")
        return AddedAccount(account.account_id, account.username, totp_secret=secret,
                            totp_uri=_totp_uri(secret, account.username))

    def grant(self, username: str, grants: Sequence[Grant], *, by: str) -> Account:
        account = self.get(username)
        added = [g for g in _unique(grants) if g not in account.grants]
        if added:
            self.store.update_account(replace(account, grants=(*account.grants, *added)))
            self._changed(by, account.username, "granted " + _grants_text(added))
        return self.get(username)

    def revoke(self, username: str, grants: Sequence[Grant], *, by: str) -> Account:
        account = self.get(username)
        missing = [g for g in grants if g not in account.grants]
        if missing:
            raise NotFound(f"{account.username!r} does not hold {format_grant(missing[0])} "
                           "(grants from single sign-on are changed at the provider).", field="grant")
        kept = tuple(g for g in account.grants if g not in grants)
        self.store.update_account(replace(account, grants=kept))
        self._changed(by, account.username, "revoked " + _grants_text(grants))
        return self.get(username)

    def check_setup(self, grants: Iterable[Grant]) -> None:
        """NotFound when a grant names a partnership, hub, agency or county not in the set-up."""
        check_grants_exist(grants, self.store.known_setup())

    def changes(self, username: str | None = None) -> list[AccountChange]:
        return self.store.changes(username.strip().lower() if username else None)

    # -- API tokens ----------------------------------------------------------------------

    def create_token(self, username: str, *, label: str, expires_in_days: int, by: str) -> str:
        """A new API token for the account (returned once; only its hash is kept)."""
        account = self.get(username)
        label = _text(label, "label", "A label", 100)
        if not 1 <= expires_in_days <= MAX_TOKEN_DAYS:
            raise InvalidInput(f"A token expires in 1 to {MAX_TOKEN_DAYS} days.", field="expires_in_days")
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = self.clock.now()
        token = ApiToken(token_id=secrets.token_hex(6), account_id=account.account_id,
                         username=account.username, label=label, created=now,
                         expires=now + timedelta(days=expires_in_days))
        self.store.insert_token(token, sha256(raw))
        self._changed(by, account.username, f"token {token.token_id} created")
        return raw

    def tokens(self, username: str | None = None) -> list[ApiToken]:
        wanted = self.get(username).account_id if username else None
        return [t for t in self.store.tokens() if wanted is None or t.account_id == wanted]

    def revoke_token(self, token_id: str, *, by: str) -> ApiToken:
        revoked = self.store.revoke_token(token_id.strip(), self.clock.now())
        if revoked is None:
            raise NotFound(f"There is no API token {token_id.strip()!r}.", field="token_id")
        self._changed(by, revoked.username, f"token {revoked.token_id} revoked")
        return revoked

    def principal_for_token(self, raw: str) -> Principal | None:
        """The principal behind an API token; None if it is unknown, expired or revoked, or
        its account is disabled."""
        if not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
            return None
        digest = sha256(raw)
        found = self.store.token_by_hash(digest)
        if found is None:
            return None
        token, stored, account = found
        if not hmac.compare_digest(stored, digest) or token.status(self.clock.now()) != "active":
            return None
        if account.disabled:
            return None
        return _principal(account, PrincipalKind.SYSTEM)

    # -- signing in ----------------------------------------------------------------------

    def verify_sign_in(self, username: str, password: str, totp: str) -> Principal:
        """Password and one-time code; SignInFailed (uniform) or a lock-out naming its end."""
        now = self.clock.now()
        name = username.strip().lower()
        account = self.store.account_by_username(name) if USERNAME.match(name) else None
        if account is None:
            self._unknown_attempt(name, now)
            raise SignInFailed(SIGN_IN_FAILED)
        if account.disabled:
            self._verify(self._dummy_hash, password)
            raise SignInFailed(SIGN_IN_FAILED)
        if account.locked_until is not None and now < account.locked_until:
            self._verify(self._dummy_hash, password)
            raise _locked(account.locked_until)
        right = (account.password_hash is not None and self._verify(account.password_hash, password)
                 and account.totp_secret is not None and self._code_ok(account, totp, now))
        if not right:
            until = now + timedelta(minutes=self.policy.lock_minutes)
            if self.store.record_failure(account.account_id, self.policy.lock_after, until):
                self._changed("sign-in", account.username, "locked after repeated failed sign-ins")
                raise _locked(until)
            raise SignInFailed(SIGN_IN_FAILED)
        self.store.clear_failures(account.account_id)
        return _principal(account, PrincipalKind.PERSON)

    def _code_ok(self, account: Account, code: str, now: datetime) -> bool:
        assert account.totp_secret is not None
        totp = pyotp.TOTP(account.totp_secret)
        code = code.strip().replace(" ", "")
        for drift in (0, -1, 1):  # one 30-second step either way, for clock drift and typing time
            moment = now + timedelta(seconds=30 * drift)
            if hmac.compare_digest(totp.at(moment), code):
                return self.store.use_totp_step(account.account_id, totp_step(moment))
        return False

    def _unknown_attempt(self, username: str, now: datetime) -> None:
        self._verify(self._dummy_hash, "not a password")
        count, until = self._unknown_failures.get(username, (0, None))
        if until is not None and now < until:
            raise _locked(until)
        count += 1
        if count >= self.policy.lock_after:
            until = now + timedelta(minutes=self.policy.lock_minutes)
            self._unknown_failures[username] = (0, until)
            raise _locked(until)
        if len(self._unknown_failures) > 10_000:  # bounded: forget the oldest
            self._unknown_failures.pop(next(iter(self._unknown_failures)))
        self._unknown_failures[username] = (count, None)

    def start_session(self, account_id: str) -> Session:
        account = self.store.account_by_id(account_id)
        if account is None or account.disabled:
            raise SignInFailed(SIGN_IN_FAILED)
        raw = secrets.token_urlsafe(32)
        now = self.clock.now()
        self.store.insert_session(sha256(raw), StoredSession(account_id, now, now))
        return Session(raw, csrf_for(raw), self._session_expiry(now, now))

    def principal_for_session(self, token: str) -> tuple[Principal, str] | None:
        """The principal and CSRF token of a live session; None if unknown, expired or disabled.
        Using a session keeps it alive (up to its maximum age)."""
        if not token or len(token) > 100:
            return None
        digest = sha256(token)
        stored = self.store.session(digest)
        if stored is None:
            return None
        now = self.clock.now()
        if now >= self._session_expiry(stored.created, stored.last_seen):
            self.store.delete_session(digest)
            return None
        account = self.store.account_by_id(stored.account_id)
        if account is None or account.disabled:
            return None
        if now - stored.last_seen >= timedelta(minutes=1):  # one write a minute at most
            self.store.touch_session(digest, now)
        return _principal(account, PrincipalKind.PERSON), csrf_for(token)

    def session_expiry(self, token: str) -> datetime | None:
        stored = self.store.session(sha256(token))
        return self._session_expiry(stored.created, stored.last_seen) if stored else None

    def end_session(self, token: str) -> None:
        self.store.delete_session(sha256(token))

    def _session_expiry(self, created: datetime, last_seen: datetime) -> datetime:
        return min(last_seen + timedelta(minutes=self.policy.session_idle_minutes),
                   created + timedelta(hours=self.policy.session_max_hours))

    # -- single sign-on ------------------------------------------------------------------

    def sign_in_oidc(self, issuer: str, subject: str, *, email: str | None, display_name: str | None,
                     grants: list[Grant] | None, provision: bool) -> Principal:
        """The account for a provider's user: matched by issuer and subject, else by email
        (give only an email the provider has verified) and then linked, else provisioned when
        allowed. ``grants`` (mapped from the provider's groups) replace the account's earlier
        single sign-on grants; None leaves them. SignInFailed for a disabled, ambiguous or
        unknown account."""
        account = self.store.account_for_identity(issuer, subject)
        if account is None and email:
            matches = self.store.accounts_with_email(email.strip().lower())
            if len(matches) == 1:
                account = matches[0]
                self.store.link_identity(issuer, subject, account.account_id)
                self._changed("single sign-on", account.username, "linked to a single sign-on identity")
        if account is None:
            if not provision:
                raise SignInFailed("There is no account for you here; ask an administrator.")
            account = self._provision(issuer, subject, email, display_name)
        if account.disabled:
            raise SignInFailed(SIGN_IN_FAILED)
        if grants is not None and set(grants) != set(account.sso_grants):
            account = replace(account, sso_grants=_unique(grants))
            self.store.update_account(account)
            self._changed("single sign-on", account.username,
                          "roles from single sign-on: " + _grants_text(account.sso_grants))
        return _principal(account, PrincipalKind.PERSON)

    def _provision(self, issuer: str, subject: str, email: str | None,
                   display_name: str | None) -> Account:
        base = _username_from(email, subject)
        username, n = base, 1
        while self.store.account_by_username(username) is not None:
            n += 1
            username = f"{base[:60]}-{n}"
        try:
            name = _text(display_name or username, "display_name", "A display name", 200)
        except InvalidInput:
            name = username
        try:
            address = _email(email)
        except InvalidInput:
            address = None
        account = Account(account_id=str(uuid.uuid4()), username=username, display_name=name,
                          email=address, created=self.clock.now())
        self.store.insert_account(account)
        self.store.link_identity(issuer, subject, account.account_id)
        self._changed("single sign-on", username, "provisioned by single sign-on")
        return account

    def _verify(self, hashed: str, password: str) -> bool:
        try:
            return self.hasher.verify(hashed, password[:MAX_PASSWORD])
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    @cached_property
    def _dummy_hash(self) -> str:
        """Checked when there is no password to check (an unknown username, a locked or disabled
        account), so that such an attempt takes as long as a wrong password."""
        return self.hasher.hash(secrets.token_urlsafe(16))

    def _changed(self, by: str, username: str, change: str) -> None:
        self.store.record_change(AccountChange(self.clock.now(), by, username, change))


# --------------------------------------------------------------------------- helpers


def _principal(account: Account, kind: PrincipalKind) -> Principal:
    return Principal(account.account_id, account.username, kind, account.all_grants)


def _locked(until: datetime) -> SignInFailed:
    return SignInFailed("Too many failed sign-ins: this account is locked for now. Try again after "
                        f"{until.strftime('%H:%M')} UTC, or ask an administrator to reset it.",
                        locked_until=until)


def _totp_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def _unique(grants: Iterable[Grant]) -> tuple[Grant, ...]:
    return tuple(dict.fromkeys(grants))


def _grants_text(grants: Iterable[Grant]) -> str:
    return ", ".join(format_grant(g) for g in grants) or "no roles"


def _username(raw: str) -> str:
    name = raw.strip().lower()
    if not USERNAME.match(name):
        raise InvalidInput("A username is 1 to 64 lower-case letters, digits, '.', '-', '_' or '@', "
                           "starting with a letter or digit.", field="username")
    return name


def _username_from(email: str | None, subject: str) -> str:
    for candidate in ((email or "").strip().lower(), "sso-" + hashlib.sha256(subject.encode()).hexdigest()[:12]):
        if USERNAME.match(candidate):
            return candidate
    raise AssertionError("unreachable: the fallback always matches")


def _text(raw: str, field_name: str, what: str, limit: int) -> str:
    text = raw.strip()
    if not text or len(text) > limit or CONTROL.search(text):
        raise InvalidInput(f"{what} is 1 to {limit} characters on one line.", field=field_name)
    return text


def _email(raw: str | None) -> str | None:
    if raw is None or not raw.strip():
        return None
    address = raw.strip().lower()
    if not EMAIL.match(address) or CONTROL.search(address):
        raise InvalidInput("That is not an email address.", field="email")
    return address
