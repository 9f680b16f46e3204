"""The master key and the per-owner data keys that seal personal data (application/sealing.py).

Two levels, as envelope encryption usually is:

- **Data keys.** Each aggregate with personal data (a case; a partnership or agency, whose
  contacts are personal data) gets its own random 256-bit AES-GCM key the first time one of its
  events carries personal data. The key is stored in ``data_keys`` only wrapped (AES-GCM under the
  master key, bound to its owner's id so a wrapped key cannot be moved to another case). Return
  documents are sealed under their case's key too.
- **The master key** (256 bits) never enters the database. It comes from
  ``CASELEDGER_MASTER_KEY`` (base64) or a key file (``CASELEDGER_MASTER_KEY_FILE``); either may
  hold several keys, the first being current, so that a rotation can be finished after a crash.
  The embedded default (a SQLite database and no key configured) creates the key file beside the
  database on first run, private to its owner; a database that already has data keys is never
  given a new key silently, and PostgreSQL (production) refuses to start without a configured key.

Erasure destroys an owner's data key (crypto-shredding): its row keeps the owner, the master key
id and the dates, with the wrapped key overwritten. Everything sealed under it is then unreadable
by anyone, with or without the master key, while the events, their chain and every non-personal
fact stay as they are. On SQLite the destroyed key's bytes are zeroed in the file (secure delete)
and the write-ahead log is checkpointed; PostgreSQL keeps old row versions until they are vacuumed
and overwritten, and its write-ahead log and backups keep them longer: rotating the master key
and destroying the old one makes those copies useless (docs/data-protection.md).

Unwrapped keys are cached in a process for ``CACHE_SECONDS``, so that loading a case or catching up
a projection does not read the key table for every event; an erasure in another process takes
effect here within that time. A projection page reads the keys of all its owners in one query
(``prefetch``) rather than one per case, and a new case's key is made by one insert, without a
look-up first (bench/README.md, "Sealing personal data").
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from hashlib import sha256
from pathlib import Path
from uuid import NAMESPACE_URL, UUID, uuid5

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.dialects import postgresql, sqlite

from application.ports import BrokenSeal, KeyDestroyed
from domain.errors import InvalidInput

KEY_BYTES = 32
NONCE_BYTES = 12
CACHE_SECONDS = 30.0
CACHE_LIMIT = 50_000
PREFETCH_BATCH = 500  # owners per query, well within either backend's bound parameters
KEY_FILE_HEADER = """\
# caseledger master key: it unlocks the personal data in this database.
# Keep a copy somewhere safe and separate from the database's backups (a password manager or a
# key vault): without it the personal data cannot be read, and with the database it can.
# One base64 key per line; the first is the current one.
"""

SUBJECT_INDEX_OWNER = uuid5(NAMESPACE_URL, "caseledger subject index")
"""The owner of the subject index's key in ``data_keys`` (no aggregate has this id)."""

metadata = sa.MetaData()

data_keys = sa.Table(
    "data_keys", metadata,
    sa.Column("owner_id", sa.String(36), primary_key=True),
    sa.Column("master_key_id", sa.String(16), nullable=False, index=True),
    sa.Column("wrapped", sa.LargeBinary),  # NULL once destroyed
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("destroyed_at", sa.String(40)),
)


class MasterKeyProblem(InvalidInput):
    """A master key that is missing, malformed or not the one the database was sealed with."""

    code = "master-key"


@dataclass(frozen=True)
class MasterKey:
    id: str
    secret: bytes = field(repr=False)

    @classmethod
    def from_secret(cls, secret: bytes) -> MasterKey:
        return cls(id=key_id(secret), secret=secret)

    def text(self) -> str:
        return base64.b64encode(self.secret).decode("ascii")


def key_id(secret: bytes) -> str:
    """A master key's public name: 16 hex digits of a hash, safe to show and store."""
    return sha256(b"caseledger master key id\n" + secret).hexdigest()[:16]


@dataclass(frozen=True)
class Keyring:
    """The master keys this process holds, the current one first."""

    keys: tuple[MasterKey, ...]
    source: str  # where they came from, for messages (a path or the variable's name)

    @property
    def current(self) -> MasterKey:
        return self.keys[0]

    def by_id(self, wanted: str) -> MasterKey | None:
        return next((k for k in self.keys if k.id == wanted), None)

    @property
    def ids(self) -> list[str]:
        return [k.id for k in self.keys]


def new_master_key() -> MasterKey:
    return MasterKey.from_secret(secrets.token_bytes(KEY_BYTES))


def parse_keys(text: str, source: str) -> Keyring:
    """Keys as base64, one per line or separated by commas; '#' starts a comment. A bad key is
    refused without quoting it."""
    keys: list[MasterKey] = []
    for number, line in enumerate(text.splitlines(), start=1):
        for item in line.split("#", 1)[0].replace(",", " ").split():
            try:
                secret = base64.b64decode(item, validate=True)
            except (binascii.Error, ValueError):
                raise MasterKeyProblem(f"The master key in {source} (line {number}) is not base64; a key "
                                f"is {KEY_BYTES} random bytes in base64.") from None
            if len(secret) != KEY_BYTES:
                raise MasterKeyProblem(f"The master key in {source} (line {number}) is {len(secret)} "
                                f"bytes; a key is {KEY_BYTES} random bytes in base64.")
            keys.append(MasterKey.from_secret(secret))
    if not keys:
        raise MasterKeyProblem(f"{source} holds no master key.")
    return Keyring(keys=tuple(keys), source=source)


def write_key_file(path: Path, keys: Iterable[MasterKey]) -> None:
    """Write a key file private to its owner (0600), atomically: a crash leaves the old file or the
    new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as out:
            out.write(KEY_FILE_HEADER + "".join(f"{k.text()}\n" for k in keys))
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def read_key_file(path: Path) -> Keyring:
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        raise MasterKeyProblem(f"The master key file {path} does not exist.") from None
    except (OSError, UnicodeDecodeError) as error:
        raise MasterKeyProblem(f"The master key file {path} cannot be read ({type(error).__name__}).") from None
    return parse_keys(text, str(path))


# --------------------------------------------------------------------------- which key


@dataclass(frozen=True)
class KeySettings:
    """Where the master key comes from (CASELEDGER_MASTER_KEY, CASELEDGER_MASTER_KEY_FILE), and
    the key file the embedded default creates when neither is set (None: PostgreSQL, no default)."""

    key: str | None = field(default=None, repr=False)
    key_file: Path | None = None
    default_file: Path | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str], default_file: Path | None) -> KeySettings:
        chosen = env.get("CASELEDGER_MASTER_KEY_FILE")
        return cls(key=env.get("CASELEDGER_MASTER_KEY") or None,
                   key_file=Path(chosen).expanduser() if chosen else None, default_file=default_file)


@dataclass(frozen=True)
class LoadedKeys:
    keyring: Keyring
    created: Path | None = None  # the key file made on this run, to tell the user about
    file: Path | None = None  # the key file the keys came from, if any


def load_keys(settings: KeySettings, engine: sa.Engine) -> LoadedKeys:
    """The master keys, checked against the database: every data key in it must be wrapped by one
    of them, or nothing starts (a wrong key would seal new data under a key the old data lacks)."""
    if settings.key:
        loaded = LoadedKeys(parse_keys(settings.key, "CASELEDGER_MASTER_KEY"))
    elif settings.key_file is not None:
        loaded = LoadedKeys(read_key_file(settings.key_file), file=settings.key_file)
    elif settings.default_file is None:
        raise MasterKeyProblem("No master key is configured, and a PostgreSQL database needs one: set "
                        "CASELEDGER_MASTER_KEY_FILE to a key file (`caseledger keys create PATH` "
                        "makes one) or CASELEDGER_MASTER_KEY to the key itself.")
    elif settings.default_file.exists():
        loaded = LoadedKeys(read_key_file(settings.default_file), file=settings.default_file)
    elif wrapped_by(engine):
        raise MasterKeyProblem(f"The master key file {settings.default_file} is missing, and this database's "
                        "personal data is sealed under a master key: restore the key file from "
                        "where it was backed up, or set CASELEDGER_MASTER_KEY_FILE to it.")
    else:
        key = new_master_key()
        write_key_file(settings.default_file, [key])
        loaded = LoadedKeys(Keyring((key,), str(settings.default_file)),
                            created=settings.default_file, file=settings.default_file)
    unknown = sorted(set(wrapped_by(engine)) - set(loaded.keyring.ids))
    if unknown:
        raise MasterKeyProblem(f"This database's personal data is sealed under master key "
                        f"{', '.join(unknown)}, which {loaded.keyring.source} does not hold (it "
                        f"holds {', '.join(loaded.keyring.ids)}). Use the key the database was "
                        "sealed with.")
    return loaded


def wrapped_by(engine: sa.Engine) -> list[str]:
    """The ids of the master keys the database's live data keys are wrapped by."""
    with engine.connect() as conn:
        return [row[0] for row in conn.execute(
            sa.select(data_keys.c.master_key_id).where(data_keys.c.wrapped.is_not(None))
            .group_by(data_keys.c.master_key_id))]


# --------------------------------------------------------------------------- data keys


def _wrap_context(owner: str) -> bytes:
    return f"caseledger data key\n{owner}".encode()


def _wrap(master: MasterKey, owner: str, key: bytes) -> bytes:
    nonce = secrets.token_bytes(NONCE_BYTES)
    return nonce + AESGCM(master.secret).encrypt(nonce, key, _wrap_context(owner))


def _unwrap(master: MasterKey, owner: str, wrapped: bytes) -> bytes:
    try:
        return AESGCM(master.secret).decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:],
                                             _wrap_context(owner))
    except InvalidTag:
        raise MasterKeyProblem(f"The data key of {owner} does not open under master key {master.id}: "
                        "the key table was altered, or the key is not the one it was sealed "
                        "with.") from None


def _now() -> str:
    return datetime.now(UTC).isoformat()


class NoKeys:
    """``PersonalDataCipher`` of a process started without the master key (to verify a copy of
    a database): every seal reads as unavailable, and nothing personal can be sealed."""

    def seal(self, owner: UUID, context: bytes, plaintext: bytes) -> bytes:
        raise MasterKeyProblem("This was opened without the master key: nothing personal can be "
                               "recorded.")

    def open(self, owner: UUID, context: bytes, sealed: bytes) -> bytes | None:
        return None

    def destroy(self, owner: UUID) -> bool:
        raise MasterKeyProblem("This was opened without the master key: no key can be destroyed.")

    def is_destroyed(self, owner: UUID) -> bool:
        return False

    def prefetch(self, owners: Iterable[UUID | str]) -> None:
        return None


class DataKeys:
    """``PersonalDataCipher`` with AES-GCM per-owner data keys wrapped by the master key."""

    def __init__(self, engine: sa.Engine, keyring: Keyring, *, secure_delete: bool = False,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.engine = engine
        self.keyring = keyring
        self.secure_delete = secure_delete  # SQLite: zero a destroyed key's bytes in the file
        self.monotonic = monotonic
        self._cache: dict[str, tuple[AESGCM | None, float]] = {}
        self._index_key: bytes | None = None

    # -- PersonalDataCipher -----------------------------------------------------------

    def seal(self, owner: UUID, context: bytes, plaintext: bytes) -> bytes:
        cipher = self._cipher(str(owner), create=True)
        if cipher is None:
            raise KeyDestroyed(f"The personal data of {owner} was erased: nothing personal can be "
                               "recorded for it any more.")
        nonce = secrets.token_bytes(NONCE_BYTES)
        return nonce + cipher.encrypt(nonce, plaintext, context)

    def open(self, owner: UUID, context: bytes, sealed: bytes) -> bytes | None:
        cipher = self._cipher(str(owner), create=False)
        if cipher is None:
            return None
        try:
            return cipher.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], context)
        except InvalidTag:
            raise BrokenSeal(f"Personal data of {owner} does not open under its key: it was "
                             "altered where it is stored.") from None

    def destroy(self, owner: UUID) -> bool:
        key = str(owner)
        self._cache.pop(key, None)
        with self.engine.begin() as conn:
            if self.secure_delete:
                conn.exec_driver_sql("PRAGMA secure_delete=ON")
            destroyed = conn.execute(
                sa.update(data_keys).where(data_keys.c.owner_id == key,
                                           data_keys.c.wrapped.is_not(None))
                .values(wrapped=None, destroyed_at=_now())).rowcount
            if not destroyed:
                exists = conn.execute(sa.select(data_keys.c.owner_id)
                                      .where(data_keys.c.owner_id == key)).first()
                if exists is None:  # never had personal data: none may be sealed for it later
                    conn.execute(sa.insert(data_keys).values(
                        owner_id=key, master_key_id=self.keyring.current.id, wrapped=None,
                        created_at=_now(), destroyed_at=_now()))
        if self.secure_delete:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return bool(destroyed)

    def is_destroyed(self, owner: UUID) -> bool:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(data_keys.c.wrapped, data_keys.c.destroyed_at)
                               .where(data_keys.c.owner_id == str(owner))).first()
        return row is not None and row.destroyed_at is not None

    def prefetch(self, owners: Iterable[UUID | str]) -> None:
        """Read the keys of these owners that are not cached, in one query (per
        ``PREFETCH_BATCH`` owners): a projection page of a thousand events from a few dozen cases
        would otherwise read the key table once per case. An owner without a key is not cached:
        ``_cipher`` looks it up if it is ever needed."""
        now = self.monotonic()
        wanted = sorted(owner for owner in {str(o) for o in owners}
                        if (cached := self._cache.get(owner)) is None or cached[1] <= now)
        for start in range(0, len(wanted), PREFETCH_BATCH):
            with self.engine.connect() as conn:
                rows = conn.execute(
                    sa.select(data_keys.c.owner_id, data_keys.c.master_key_id, data_keys.c.wrapped)
                    .where(data_keys.c.owner_id.in_(wanted[start:start + PREFETCH_BATCH]))).all()
            if len(self._cache) + len(rows) > CACHE_LIMIT:
                self._cache.clear()
            until = self.monotonic() + CACHE_SECONDS
            for row in rows:
                self._cache[row.owner_id] = (
                    self._unwrapped(row.owner_id, row.master_key_id, row.wrapped), until)

    # -- keys ---------------------------------------------------------------------------

    def _cipher(self, owner: str, *, create: bool) -> AESGCM | None:
        cached = self._cache.get(owner)
        if cached is not None and cached[1] > self.monotonic() and (cached[0] is not None or not create):
            return cached[0]
        # Sealing for an owner whose key is not in memory is nearly always a new case (loading a
        # case opens its key): make the key first, one insert that the primary key refuses when
        # the owner has a key, live or destroyed, and only then read that one.
        cipher = self._create(owner) if create else self._load(owner)
        if len(self._cache) >= CACHE_LIMIT:
            self._cache.clear()
        self._cache[owner] = (cipher, self.monotonic() + CACHE_SECONDS)
        return cipher

    def _load(self, owner: str) -> AESGCM | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(data_keys.c.master_key_id, data_keys.c.wrapped)
                               .where(data_keys.c.owner_id == owner)).first()
        return None if row is None else self._unwrapped(owner, row.master_key_id, row.wrapped)

    def _unwrapped(self, owner: str, master_key_id: str, wrapped: bytes | None) -> AESGCM | None:
        """The owner's data key from its row; None once destroyed."""
        if wrapped is None:
            return None
        master = self.keyring.by_id(master_key_id)
        if master is None:
            raise MasterKeyProblem(f"The data key of {owner} is wrapped by master key {master_key_id}, "
                            f"which {self.keyring.source} does not hold.")
        return AESGCM(_unwrap(master, owner, bytes(wrapped)))

    def index_key(self) -> bytes:
        """The subject index's key (infrastructure/subject_index.py): the data key of a fixed
        owner, ``SUBJECT_INDEX_OWNER``, made on first use and wrapped like every other (so a
        rotation rewraps it, and it never leaves this process unwrapped)."""
        if self._index_key is None:
            owner = str(SUBJECT_INDEX_OWNER)
            with self.engine.connect() as conn:
                row = conn.execute(sa.select(data_keys.c.master_key_id, data_keys.c.wrapped)
                                   .where(data_keys.c.owner_id == owner)).first()
            if row is None:
                self._create(owner)
                return self.index_key()
            master = self.keyring.by_id(row.master_key_id)
            if row.wrapped is None or master is None:
                raise MasterKeyProblem("The subject index key was destroyed or is wrapped by a "
                                       "master key this process does not hold.")
            self._index_key = _unwrap(master, owner, bytes(row.wrapped))
        return self._index_key

    def _create(self, owner: str) -> AESGCM | None:
        """A new data key, unless the owner already has one, or another writer made one first:
        then that one, or None if it was destroyed (nothing personal is sealed for an erased
        owner, whose row ``destroy`` keeps)."""
        key = AESGCM.generate_key(bit_length=KEY_BYTES * 8)
        master = self.keyring.current
        with self.engine.begin() as conn:
            insert = (postgresql.insert(data_keys) if conn.dialect.name == "postgresql"
                      else sqlite.insert(data_keys))
            made = conn.execute(insert.values(
                owner_id=owner, master_key_id=master.id, wrapped=_wrap(master, owner, key),
                created_at=_now()).on_conflict_do_nothing(index_elements=["owner_id"])).rowcount
        return AESGCM(key) if made else self._load(owner)

    # -- rotation -----------------------------------------------------------------------

    def rewrap_all(self, batch: int = 1000) -> int:
        """Wrap every live data key under the current master key (a rotation's middle step);
        each batch commits on its own, and a key keeps the id of the master key that wraps it,
        so an interrupted run is finished by running it again. Returns how many were rewrapped."""
        current = self.keyring.current
        done = 0
        while True:
            with self.engine.begin() as conn:
                rows = conn.execute(
                    sa.select(data_keys.c.owner_id, data_keys.c.master_key_id, data_keys.c.wrapped)
                    .where(data_keys.c.wrapped.is_not(None),
                           data_keys.c.master_key_id != current.id).limit(batch)).all()
                for row in rows:
                    old = self.keyring.by_id(row.master_key_id)
                    if old is None:
                        raise MasterKeyProblem(f"A data key is wrapped by master key {row.master_key_id}, "
                                        f"which {self.keyring.source} does not hold.")
                    key = _unwrap(old, row.owner_id, bytes(row.wrapped))
                    conn.execute(sa.update(data_keys).where(data_keys.c.owner_id == row.owner_id)
                                 .values(master_key_id=current.id,
                                         wrapped=_wrap(current, row.owner_id, key)))
            done += len(rows)
            if len(rows) < batch:
                self._cache.clear()
                return done

    def counts(self) -> dict[str, int]:
        """Live data keys per master key id, and destroyed ones under "destroyed"."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(data_keys.c.master_key_id, data_keys.c.wrapped.is_(None),
                          sa.func.count()).group_by(data_keys.c.master_key_id,
                                                    data_keys.c.wrapped.is_(None))).all()
        out: dict[str, int] = {}
        for master_id, destroyed, count in rows:
            name = "destroyed" if destroyed else master_id
            out[name] = out.get(name, 0) + int(count)
        return out
