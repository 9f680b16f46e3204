"""The integrity chain over the whole event log (product.md capability 4).

Every stored event is linked to the one before it in log (notification id) order by a SHA-256
hash, written by the event store's own recorder in the same transaction that inserts the events,
under the insert lock, so the chain can never lag behind the log nor fork. Anyone who edits,
deletes, inserts or reorders event rows behind the application's back breaks a link, and
``caseledger audit verify`` finds the first broken one. Rewriting the whole chain after an edit
is caught by comparing with an anchor (``caseledger audit anchor``) kept outside the system.

The hash (``link_hash``), exactly::

    GENESIS = "0" * 64                                       # the "previous" of the first event
    header  = f"{notification_id}\\n{originator_id}\\n{originator_version}\\n{topic}\\n"
    hash    = sha256(bytes.fromhex(prev) + header.encode("utf-8") + state).hexdigest()

- ``prev``: the hash of the previous event in the log (the previous chain row), as 64 lowercase
  hex digits; ``GENESIS`` for the first event.
- ``notification_id`` and ``originator_version``: decimal integers, no padding.
- ``originator_id``: the canonical UUID string, lowercase with hyphens
  (``str(uuid.UUID(...))``, e.g. ``5f0c…-…``).
- ``topic``: the stored event topic (``module:Class``), as stored.
- ``state``: the stored event bytes exactly as in the events table (whatever the transcoder,
  compressor or cipher produced), not a decoded form.

Stored: one row per event in ``caseledger_chain(notification_id, hash)``, the hash as 32 raw
bytes. The events table is eventsourcing's own (``caseledger_events`` on PostgreSQL,
``stored_events`` on SQLite, where the notification id is the rowid).

Public API:

- ``GENESIS``; ``link_hash(prev, notification_id, originator_id, originator_version, topic,
  state) -> str``.
- ``IntegrityChain(app, database_url)``:
  - ``verify(progress=None, anchors=()) -> VerifyReport``; ``to_dict()`` = {"ok", "events",
    "links", "broken", "first_broken": None or {"notification_id", "reason"}, "head"}. Only ids
    and hashes are reported, never event contents (they may hold personal data).
  - ``head() -> dict`` = {"notification_id", "hash", "events"}: the last link and the number of
    links (what ``audit anchor`` prints). ``notification_id`` is None for an empty log, with
    ``hash`` = GENESIS.
  - ``proof_for_case(case_id: UUID) -> list[dict]``: for each stored event of the case, in log
    order: {"notification_id", "originator_id", "originator_version", "topic", "state" (standard
    base64 of the stored bytes), "prev", "hash"} (hex; "prev" is the previous link in the whole
    log, so ``link_hash(prev, …) == hash`` can be checked event by event with nothing but this
    list; "prev"/"hash" are None for an event the chain does not hold).
- ``ChainedSQLiteApplicationRecorder`` / ``ChainedPostgresApplicationRecorder``: eventsourcing's
  application recorders plus the chain, chosen by ``APPLICATION_RECORDER_TOPIC``
  (``database.event_store_env``). Creating the tables also back-fills the chain, once and under
  the insert lock, for the events of a database that had none (an upgrade); a chain that is not
  empty is never extended over events it does not hold, since that would bless rows inserted
  behind the application's back.

Every process writing events must run this recorder: events written without it have no link
and ``verify`` reports them.
"""

from __future__ import annotations

import base64
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from hashlib import sha256
from typing import Any
from uuid import UUID

from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    PersistenceError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor
from eventsourcing.utils import retry
from psycopg import Connection
from psycopg.errors import LockNotAvailable
from psycopg.rows import DictRow, tuple_row
from psycopg.sql import SQL, Identifier

from application.service import CaseLedgerApplication

GENESIS = "0" * 64
CHAIN_TABLE = "caseledger_chain"
PAGE = 20_000

_GENESIS_BYTES = bytes(32)

INSERT_FUNCTION = "caseledger_insert_events"

# One save on PostgreSQL (see ChainedPostgresApplicationRecorder): lock, insert, link, in the
# caller's statement. ``wait`` is the lock timeout ('5s'), set for this transaction only.
INSERT_FUNCTION_BODY = r"""
CREATE OR REPLACE FUNCTION {schema}.{function}(
    originator_ids {originator_id_type}[], versions bigint[], topics text[], states bytea[],
    wait text)
RETURNS bigint[] LANGUAGE plpgsql AS $body$
DECLARE
    prev bytea;
    ids bigint[] := '{{}}';
    links bytea[] := '{{}}';
    e record;
BEGIN
    PERFORM set_config('lock_timeout', wait, true);
    LOCK TABLE {schema}.{events} IN EXCLUSIVE MODE;
    NOTIFY {channel};
    SELECT c.hash INTO prev FROM {schema}.{chain} c ORDER BY c.notification_id DESC LIMIT 1;
    prev := coalesce(prev, decode(repeat('00', 32), 'hex'));
    FOR e IN
        WITH inserted AS (
            INSERT INTO {schema}.{events} (originator_id, originator_version, topic, state)
            SELECT * FROM unnest(originator_ids, versions, topics, states)
            RETURNING notification_id, originator_id, originator_version, topic, state)
        SELECT * FROM inserted ORDER BY notification_id
    LOOP
        prev := sha256(prev || convert_to(e.notification_id::text || E'\n'
                                          || e.originator_id::text || E'\n'
                                          || e.originator_version::text || E'\n'
                                          || e.topic || E'\n', 'UTF8') || e.state);
        ids := array_append(ids, e.notification_id);
        links := array_append(links, prev);
    END LOOP;
    INSERT INTO {schema}.{chain} (notification_id, hash) SELECT * FROM unnest(ids, links);
    RETURN ids;
END
$body$
"""

Progress = Callable[[int, int], None]

HASH_MISMATCH = "hash mismatch: the event was altered after it was recorded (or its chain link was)"
MISSING_EVENT = "missing event: the chain links an event that is no longer in the log (deleted)"
MISSING_LINK = ("missing chain link: the event is not in the chain (inserted behind the "
                "application's back, or written by a process without the chain)")
ANCHOR_MISMATCH = ("anchor mismatch: the chain here differs from the anchor kept outside the "
                   "system (the log was rewritten since the anchor was taken)")
ANCHOR_MISSING = "anchor not found: the chain has no link at this notification id"


class ChainError(PersistenceError):
    """The chain cannot be extended: the log was altered behind the application's back."""


class LockWaitExpired(PersistenceError):
    """Another writer held the event store's lock for longer than the lock timeout. Not retried:
    the timeout is the bound a user was promised, and the psycopg error it wraps is what the
    command line maps to "the database is busy"."""


# --------------------------------------------------------------------------- the hash


def canonical_originator_id(originator_id: UUID | str) -> str:
    return str(originator_id)


def _header(notification_id: int, originator_id: str, originator_version: int, topic: str) -> bytes:
    return f"{notification_id}\n{originator_id}\n{originator_version}\n{topic}\n".encode()


def _link(prev: bytes, header: bytes, state: bytes) -> bytes:
    return sha256(prev + header + state).digest()


def link_hash(prev: str, notification_id: int, originator_id: UUID | str, originator_version: int,
              topic: str, state: bytes) -> str:
    """The link of one event (see the module docstring), as 64 lowercase hex digits."""
    header = _header(notification_id, canonical_originator_id(originator_id), originator_version,
                     topic)
    return _link(bytes.fromhex(prev), header, bytes(state)).hex()


def _chain_links(prev: bytes, notification_ids: Sequence[int],
                 stored_events: Sequence[StoredEvent]) -> tuple[list[int], list[bytes]]:
    """The links of newly inserted events, after ``prev`` (the current head)."""
    if len(notification_ids) != len(stored_events):
        msg = f"expected {len(stored_events)} notification ids, got {len(notification_ids)}"
        raise ChainError(msg)
    hashes: list[bytes] = []
    for nid, event in zip(notification_ids, stored_events, strict=True):
        header = _header(nid, canonical_originator_id(event.originator_id),
                         event.originator_version, event.topic)
        prev = _link(prev, header, event.state)
        hashes.append(prev)
    return list(notification_ids), hashes


def _hex(stored: Any) -> str:
    """A stored link as hex (text put there behind our back is shown as it is)."""
    return bytes(stored).hex() if isinstance(stored, bytes | memoryview) else str(stored)


def _sqlite_uuid(stored: str) -> str:
    """SQLite keeps UUIDs as 32 hex digits: the canonical form, by position only (no case
    folding, so any change to the stored text changes the hash)."""
    if len(stored) != 32:
        return stored
    return f"{stored[:8]}-{stored[8:12]}-{stored[12:16]}-{stored[16:20]}-{stored[20:]}"


# --------------------------------------------------------------------------- the recorders


class ChainedSQLiteApplicationRecorder(SQLiteApplicationRecorder):
    """eventsourcing's SQLite recorder, plus one chain row per event in the insert transaction.

    The insert holds SQLite's single write lock from its first statement (the events insert), so
    the head read after it is the latest and no other writer can link in between.
    """

    chain_table_name = CHAIN_TABLE

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(),
                f"CREATE TABLE IF NOT EXISTS {self.chain_table_name} "
                "(notification_id INTEGER PRIMARY KEY, hash BLOB NOT NULL)"]

    def create_table(self) -> None:
        super().create_table()
        self._backfill_chain()

    def _insert_events(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent],
                       **kwargs: Any) -> Sequence[int] | None:
        notification_ids = super()._insert_events(c, stored_events, **kwargs)
        if not stored_events or notification_ids is None:
            return notification_ids
        c.execute(f"SELECT hash FROM {self.chain_table_name} "
                  "ORDER BY notification_id DESC LIMIT 1")
        row = c.fetchone()
        ids, hashes = _chain_links(row[0] if row else _GENESIS_BYTES, notification_ids,
                                   stored_events)
        try:
            c.executemany(f"INSERT INTO {self.chain_table_name} VALUES (?, ?)",
                          zip(ids, hashes, strict=True))
        except sqlite3.IntegrityError:
            # SQLite reuses the rowid of a deleted last row: the chain still holds its link.
            raise ChainError(
                f"the integrity chain already has a link at notification id {ids[0]}: the event "
                "log was altered behind the application's back; nothing was saved. Run "
                "`caseledger audit verify`.") from None
        return notification_ids

    def _backfill_chain(self) -> None:
        """Link the events of a database that predates the chain (once, under the write lock)."""
        if not self._chain_empty_but_events_exist():
            return
        with self.datastore.get_connection(commit=True) as conn:
            c = conn.cursor()
            c.execute("BEGIN IMMEDIATE")
            try:
                if self._chain_empty_but_events_exist(c):
                    self._link_all_events(c)
                conn.commit()
            except BaseException:
                conn.rollback()
                raise

    def _chain_empty_but_events_exist(self, c: SQLiteCursor | None = None) -> bool:
        statement = (f"SELECT NOT EXISTS (SELECT 1 FROM {self.chain_table_name}) "
                     f"AND EXISTS (SELECT 1 FROM {self.events_table_name})")
        if c is not None:
            c.execute(statement)
            return bool(c.fetchone()[0])
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(statement)
            return bool(cursor.fetchone()[0])

    def _link_all_events(self, c: SQLiteCursor) -> None:
        prev, after = _GENESIS_BYTES, 0
        while True:
            c.execute(f"SELECT rowid, originator_id, originator_version, topic, state "
                      f"FROM {self.events_table_name} WHERE rowid > ? ORDER BY rowid LIMIT ?",
                      (after, PAGE))
            rows = c.fetchall()
            if not rows:
                return
            links = []
            for nid, oid, version, topic, state in rows:
                prev = _link(prev, _header(nid, _sqlite_uuid(oid), version, topic), state)
                links.append((nid, prev))
            c.executemany(f"INSERT INTO {self.chain_table_name} VALUES (?, ?)", links)
            after = rows[-1][0]


class ChainedPostgresApplicationRecorder(PostgresApplicationRecorder):
    """eventsourcing's PostgreSQL recorder, each save made by one SQL function call that locks,
    inserts the events and links them: one statement, its own transaction, one round trip.

    Why not the library's own insert: it sends the insert in psycopg's pipeline mode, where
    psycopg stops writing once its queue of commands is empty even if ``PQflush`` said part of
    the last message is still unsent (the socket was full at that instant), and then waits only
    for the server's reply. The server cannot reply before it has the whole message, so a save
    of a few megabytes (thousands of events, or fewer behind another writer's lock) can hang for
    ever with the server waiting in ``ClientRead``. A plain statement is flushed in full before
    psycopg waits for its result. Only the library's public parts are used: its events table,
    lock timeout and notification channel. The events go as four arrays (ids, versions, topics,
    states) in binary rather than as the library's array of a composite type, which psycopg
    sends as text built in Python: most of the time of a large save.

    Inserts are serialised as the library does, by ``LOCK TABLE … IN EXCLUSIVE MODE`` taken
    before any notification id is drawn, so ids are issued in commit order; the head of the
    chain is read under that lock. The links are computed by PostgreSQL (``sha256``, built in
    since version 11) with the formula of the module docstring, exactly as ``link_hash`` does.
    """

    chain_table_name = CHAIN_TABLE
    insert_function_name = INSERT_FUNCTION

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        schema, chain = Identifier(self.datastore.schema), Identifier(self.chain_table_name)
        events, function = Identifier(self.events_table_name), Identifier(self.insert_function_name)
        self.sql_create_statements.append(SQL(
            "CREATE TABLE IF NOT EXISTS {0}.{1} (notification_id bigint PRIMARY KEY, "
            "hash bytea NOT NULL)").format(schema, chain))
        self.sql_create_statements.append(SQL(INSERT_FUNCTION_BODY).format(
            schema=schema, function=function, events=events, chain=chain,
            originator_id_type=SQL(self.datastore.originator_id_type),
            channel=Identifier(self.channel_name)))
        self.insert_events_and_links = SQL(
            "SELECT {0}.{1}(%b::{2}[], %b::bigint[], %b::text[], %b::bytea[], %s)"
        ).format(schema, function, SQL(self.datastore.originator_id_type))
        self.lock_wait = f"{int(self.datastore.lock_timeout)}s"
        self.lock_events_table = SQL("LOCK TABLE {0}.{1} IN EXCLUSIVE MODE").format(schema, events)
        self.insert_chain_links = SQL(
            "INSERT INTO {0}.{1} (notification_id, hash) "
            "SELECT * FROM unnest(%s::bigint[], %s::bytea[])").format(schema, chain)
        self.select_events_page = SQL(
            "SELECT notification_id, originator_id::text, originator_version, topic, state "
            "FROM {0}.{1} WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
        ).format(schema, events)
        self.chain_empty_but_events_exist = SQL(
            "SELECT NOT EXISTS (SELECT 1 FROM {0}.{1}) AND EXISTS (SELECT 1 FROM {0}.{2})"
        ).format(schema, chain, events)

    def create_table(self) -> None:
        super().create_table()
        self._backfill_chain()

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent],
                      **kwargs: Any) -> Sequence[int] | None:
        if not stored_events:
            return []
        columns = ([e.originator_id for e in stored_events],
                   [e.originator_version for e in stored_events],
                   [e.topic for e in stored_events], [e.state for e in stored_events])
        try:
            # The library's connections are in autocommit: the statement is the transaction.
            with self.datastore.get_connection() as conn, \
                    conn.cursor(row_factory=tuple_row) as curs:
                curs.execute(self.insert_events_and_links, (*columns, self.lock_wait),
                             prepare=True)
                row = curs.fetchone()
        except OperationalError as error:
            if isinstance(error.__cause__, LockNotAvailable):
                raise LockWaitExpired("another writer held the event store's lock") from error.__cause__
            raise
        except IntegrityError as error:
            if getattr(getattr(error.__cause__, "diag", None), "table_name",
                       None) != self.chain_table_name:
                raise
            raise ChainError(
                "the integrity chain already has a link at a notification id being issued: the "
                "event log was altered behind the application's back; nothing was saved. Run "
                "`caseledger audit verify`.") from error
        notification_ids = list(row[0]) if row else []
        if len(notification_ids) != len(stored_events):
            msg = f"expected {len(stored_events)} notification ids, got {len(notification_ids)}"
            raise ChainError(msg)
        return notification_ids

    def _backfill_chain(self) -> None:
        """Link the events of a database that predates the chain (once, under the insert lock)."""
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(self.chain_empty_but_events_exist)
            needed = curs.fetchone()
        if not needed or not needed[0]:
            return
        with self.datastore.get_connection() as conn, conn.transaction(), \
                conn.cursor(row_factory=tuple_row) as curs:
            curs.execute("SELECT set_config('lock_timeout', %s, true)", (self.lock_wait,))
            curs.execute(self.lock_events_table)
            curs.execute(self.chain_empty_but_events_exist)
            again = curs.fetchone()
            if not again or not again[0]:
                return
            prev, after = _GENESIS_BYTES, 0
            while True:
                curs.execute(self.select_events_page, (after, PAGE))
                rows = curs.fetchall()
                if not rows:
                    return
                ids, hashes = [], []
                for nid, oid, version, topic, state in rows:
                    prev = _link(prev, _header(nid, oid, version, topic), bytes(state))
                    ids.append(nid)
                    hashes.append(prev)
                curs.execute(self.insert_chain_links, (ids, hashes))
                after = ids[-1]


# --------------------------------------------------------------------------- reading the log


def _sqlite_oid_sql(column: str) -> str:
    """``_sqlite_uuid`` in SQL, so the verifier's hot loop gets the canonical form ready-made."""
    return (f"CASE WHEN length({column}) = 32 THEN substr({column}, 1, 8) || '-' || "
            f"substr({column}, 9, 4) || '-' || substr({column}, 13, 4) || '-' || "
            f"substr({column}, 17, 4) || '-' || substr({column}, 21) ELSE {column} END")


class _Read:
    """One consistent read of the log (a snapshot), on either backend."""

    nid: str  # the events table's notification id column
    oid: str  # the canonical originator id of ``e``, as SQL
    events: str
    chain: str

    def sql(self, template: str) -> str:
        return template.format(nid=self.nid, oid=self.oid, events=self.events, chain=self.chain)

    def one(self, template: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        raise NotImplementedError

    def all(self, template: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def pages(self, template: str, params: Sequence[Any] = ()) -> Iterator[list[tuple[Any, ...]]]:
        raise NotImplementedError

    def case_param(self, case_id: UUID) -> Any:
        return case_id


class _SQLiteRead(_Read):
    nid = "rowid"

    def __init__(self, conn: sqlite3.Connection, events: str, chain: str) -> None:
        self.conn, self.events, self.chain = conn, events, chain
        self.oid = _sqlite_oid_sql("e.originator_id")

    def one(self, template: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        row: tuple[Any, ...] | None = self.conn.execute(self.sql(template), params).fetchone()
        return row

    def all(self, template: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.conn.execute(self.sql(template), params).fetchall()

    def pages(self, template: str, params: Sequence[Any] = ()) -> Iterator[list[tuple[Any, ...]]]:
        cursor = self.conn.execute(self.sql(template), params)
        while rows := cursor.fetchmany(PAGE):
            yield rows

    def case_param(self, case_id: UUID) -> Any:
        return case_id.hex


class _PostgresRead(_Read):
    nid = "notification_id"
    oid = "e.originator_id::text"

    def __init__(self, conn: Connection[DictRow], events: str, chain: str) -> None:
        self.conn, self.events, self.chain = conn, events, chain

    def sql(self, template: str) -> str:
        return super().sql(template).replace("?", "%s")

    def one(self, template: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        with self.conn.cursor(row_factory=tuple_row) as cursor:
            cursor.execute(self.sql(template), params)
            row: tuple[Any, ...] | None = cursor.fetchone()
            return row

    def all(self, template: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self.conn.cursor(row_factory=tuple_row) as cursor:
            cursor.execute(self.sql(template), params)
            return list(cursor.fetchall())

    def pages(self, template: str, params: Sequence[Any] = ()) -> Iterator[list[tuple[Any, ...]]]:
        # A server-side cursor in binary: bytea arrives as bytes, with no hex decoding.
        with self.conn.cursor(name="caseledger_chain_read", binary=True,
                              row_factory=tuple_row) as cursor:
            cursor.itersize = PAGE
            cursor.execute(self.sql(template), params)
            while rows := cursor.fetchmany(PAGE):
                yield rows


HEAD = "SELECT notification_id, hash FROM {chain} ORDER BY notification_id DESC LIMIT 1"
COUNT_LINKS = "SELECT count(*) FROM {chain}"
COUNT_EVENTS = "SELECT count(*) FROM {events}"
SCAN = ("SELECT c.notification_id, c.hash, e.{nid}, {oid}, e.originator_version, e.topic, e.state "
        "FROM {chain} c LEFT JOIN {events} e ON e.{nid} = c.notification_id "
        "ORDER BY c.notification_id")
UNLINKED = ("SELECT min(e.{nid}), count(*) FROM {events} e WHERE NOT EXISTS "
            "(SELECT 1 FROM {chain} c WHERE c.notification_id = e.{nid})")
CASE_PROOF = ("SELECT e.{nid}, {oid}, e.originator_version, e.topic, e.state, c.hash, "
              "(SELECT p.hash FROM {chain} p WHERE p.notification_id < e.{nid} "
              "ORDER BY p.notification_id DESC LIMIT 1) "
              "FROM {events} e LEFT JOIN {chain} c ON c.notification_id = e.{nid} "
              "WHERE e.originator_id = ? ORDER BY e.{nid}")


# --------------------------------------------------------------------------- verifying


@dataclass(frozen=True)
class Broken:
    notification_id: int
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"notification_id": self.notification_id, "reason": self.reason}


@dataclass(frozen=True)
class VerifyReport:
    """What ``verify`` found: ids and reasons only, never event contents."""

    events: int
    links: int
    broken: int
    problems: list[Broken]
    head: dict[str, Any]

    @property
    def ok(self) -> bool:
        return self.broken == 0

    @property
    def first_broken(self) -> Broken | None:
        return self.problems[0] if self.problems else None

    def to_dict(self) -> dict[str, Any]:
        first = self.first_broken
        return {"ok": self.ok, "events": self.events, "links": self.links, "broken": self.broken,
                "first_broken": first.to_dict() if first else None,
                "problems": [p.to_dict() for p in self.problems], "head": self.head}


MAX_PROBLEMS = 20
MAX_MISMATCHES = 200  # kept (in memory, never reported) to tell a reordering from an edit


@dataclass
class _Mismatch:
    notification_id: int
    prev: bytes
    stored: bytes
    content: tuple[str, int, str, bytes]  # originator id, version, topic, state


@dataclass
class _Scan:
    anchors: dict[int, bytes]
    links: int = 0
    linked_events: int = 0
    broken: int = 0
    problems: list[Broken] = field(default_factory=list)
    mismatches: list[_Mismatch] = field(default_factory=list)
    head: tuple[int, bytes] | None = None

    def problem(self, nid: int, reason: str) -> None:
        self.broken += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Broken(nid, reason))

    def page(self, rows: list[tuple[Any, ...]]) -> None:
        """The hot loop: recompute each link from the previous stored link and compare.

        Comparing with the previous *stored* link localises damage (one edited event breaks
        one link); it proves the same as recomputing from GENESIS, since every stored link
        before the first break equals its recomputation.
        """
        prev = self.head[1] if self.head else _GENESIS_BYTES
        anchors, problem, missing = self.anchors, self.problem, 0
        for nid, stored, present, oid, version, topic, state in rows:
            if present is not None:
                try:
                    intact = sha256(prev + f"{nid}\n{oid}\n{version}\n{topic}\n".encode()
                                    + state).digest() == stored
                except TypeError:  # a state replaced by text or NULL behind our back
                    intact = False
                if not intact:
                    problem(nid, HASH_MISMATCH)
                    if len(self.mismatches) < MAX_MISMATCHES and isinstance(state, bytes):
                        self.mismatches.append(
                            _Mismatch(nid, prev, stored, (oid, version, topic, state)))
            else:
                missing += 1
                problem(nid, MISSING_EVENT)
            if anchors and nid in anchors and anchors.pop(nid) != stored:
                problem(nid, ANCHOR_MISMATCH)
            prev = stored
        self.linked_events += len(rows) - missing
        self.links += len(rows)
        if rows:
            self.head = (rows[-1][0], rows[-1][1])

    def explain_reorderings(self) -> None:
        """An altered event whose contents hash correctly at another broken link was moved."""
        moved: dict[int, int] = {}
        for here in self.mismatches:
            oid, version, topic, state = here.content
            for there in self.mismatches:
                if there is not here and _link(
                        there.prev, _header(there.notification_id, oid, version, topic),
                        state) == there.stored:
                    moved[here.notification_id] = there.notification_id
                    break
        self.problems = [
            Broken(p.notification_id, f"events out of order: the event now at notification id "
                                      f"{p.notification_id} was recorded at "
                                      f"{moved[p.notification_id]}")
            if p.reason == HASH_MISMATCH and p.notification_id in moved else p
            for p in self.problems
        ]


# --------------------------------------------------------------------------- the chain


class IntegrityChain:
    """Verify the chain, print its head, prove a case's events (see the module docstring)."""

    def __init__(self, app: CaseLedgerApplication, database_url: str) -> None:
        self.app = app
        self.database_url = database_url

    @property
    def _recorder(self) -> ChainedSQLiteApplicationRecorder | ChainedPostgresApplicationRecorder:
        recorder = self.app.recorder
        if not isinstance(recorder, ChainedSQLiteApplicationRecorder
                          | ChainedPostgresApplicationRecorder):
            msg = ("the event store was opened without the integrity chain recorder "
                   "(APPLICATION_RECORDER_TOPIC; see infrastructure.database)")
            raise ChainError(msg)
        return recorder

    @contextmanager
    def _read(self) -> Iterator[_Read]:
        """A consistent snapshot of events and chain, on its own connection."""
        recorder = self._recorder
        if isinstance(recorder, ChainedSQLiteApplicationRecorder):
            lite = sqlite3.connect(recorder.datastore.pool.db_name, uri=True, timeout=30,
                                   isolation_level=None, check_same_thread=False)
            try:
                lite.execute("BEGIN")  # WAL: a stable snapshot until the end
                yield _SQLiteRead(lite, recorder.events_table_name, recorder.chain_table_name)
            finally:
                lite.rollback()
                lite.close()
            return
        with recorder.datastore.get_connection() as conn, conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            schema = recorder.datastore.schema
            yield _PostgresRead(conn, f'"{schema}"."{recorder.events_table_name}"',
                                f'"{schema}"."{recorder.chain_table_name}"')

    def head(self) -> dict[str, Any]:
        """The last link: {"notification_id", "hash", "events"} (the number of links)."""
        with self._read() as read:
            return self._head(read)

    @staticmethod
    def _head(read: _Read) -> dict[str, Any]:
        row = read.one(HEAD)
        count = read.one(COUNT_LINKS)
        return {"notification_id": row[0] if row else None,
                "hash": _hex(row[1]) if row else GENESIS,
                "events": count[0] if count else 0}

    def proof_for_case(self, case_id: UUID) -> list[dict[str, Any]]:
        """Each stored event of the case in log order, with its link and the link before it."""
        with self._read() as read:
            rows = read.all(CASE_PROOF, (read.case_param(case_id),))
        proof = []
        for nid, oid, version, topic, state, link, prev in rows:
            proof.append({
                "notification_id": nid, "originator_id": oid, "originator_version": version,
                "topic": topic, "state": base64.b64encode(bytes(state)).decode("ascii"),
                "prev": None if link is None else (bytes(prev).hex() if prev else GENESIS),
                "hash": None if link is None else bytes(link).hex(),
            })
        return proof

    def verify(self, progress: Progress | None = None,
               anchors: Sequence[tuple[int, str]] = ()) -> VerifyReport:
        """Recompute every link in log order and report the first broken one.

        ``progress(done, total)`` is called after each page of links. ``anchors``: (notification
        id, hash) pairs taken earlier by ``head()``; each must still be the link at that id.
        """
        scan = _Scan(anchors={int(nid): bytes.fromhex(h) for nid, h in anchors
                              if (int(nid), h) != (0, GENESIS)})  # the anchor of an empty log
        with self._read() as read:
            total_links = (read.one(COUNT_LINKS) or (0,))[0]
            total_events = (read.one(COUNT_EVENTS) or (0,))[0]
            for rows in read.pages(SCAN):
                scan.page(rows)
                if progress is not None:
                    progress(scan.links, total_links)
            unlinked: list[Broken] = []
            if scan.linked_events != total_events:
                first, count = read.one(UNLINKED) or (None, 0)
                if first is not None:
                    scan.broken += count
                    unlinked.append(Broken(first, MISSING_LINK))
        for nid in scan.anchors:  # anchors never met in the scan
            scan.problem(nid, ANCHOR_MISSING)
        scan.explain_reorderings()
        problems = sorted([*scan.problems, *unlinked], key=lambda p: p.notification_id)
        head = {"notification_id": scan.head[0] if scan.head else None,
                "hash": _hex(scan.head[1]) if scan.head else GENESIS,
                "events": scan.links}
        return VerifyReport(events=total_events, links=scan.links, broken=scan.broken,
                            problems=problems[:MAX_PROBLEMS], head=head)
