"""The one catch-up mechanism for every read model, on SQLite and PostgreSQL.

It reads notifications after the view's tracking position in pages of 1,000, turns each event
into view changes (application/projections.py) and commits the changes with the new position in
one transaction: exactly once, resumable after a crash, rebuildable from zero. The tracking row
is locked first, so two processes catching up at once apply each page once.
(eventsourcing's subscribe() is not implemented for SQLite, so its ProjectionRunner can't be used.)
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from application.projections import Change, SubjectChange, Update, Upsert, ViewChange, project
from application.service import CaseLedgerApplication
from infrastructure.report_facts import report_case_changes
from infrastructure.subject_index import SubjectIndexTable
from infrastructure.views import TABLES, tracking

StatefulProjection = Callable[[sa.Connection, Sequence[Change]], list[Change]]

PAGE_SIZE = 1000
VIEWS = "views"


class ProjectionRunner:
    def __init__(self, app: CaseLedgerApplication, engine: sa.Engine, name: str = VIEWS,
                 page_size: int = PAGE_SIZE,
                 on_page: Callable[[int], None] | None = None,
                 project: Callable[[Any], Sequence[ViewChange]] = project,
                 tables: dict[str, sa.Table] | None = None,
                 stateful: Sequence[StatefulProjection] | None = None,
                 subject_index: SubjectIndexTable | None = None) -> None:
        """``project`` and ``tables`` let another consumer (e.g. reminder delivery) use the same
        exactly-once mechanism with its own tracking ``name``. ``stateful`` projections see a
        page's changes and the transaction (the views: report facts, which fold earlier facts).
        ``subject_index`` receives the page's personal texts in memory and keeps blind tokens of
        them (None: no index is kept, as when the store is read without keys)."""
        self.app = app
        self.engine = engine
        self.name = name
        self.page_size = page_size
        self.on_page = on_page
        self.project = project
        self.subject_index = subject_index
        self.tables = TABLES if tables is None else tables
        self.stateful = (report_case_changes,) if stateful is None and tables is None else \
            tuple(stateful or ())

    def position(self) -> int:
        with self.engine.connect() as conn:
            value = conn.execute(sa.select(tracking.c.position)
                                 .where(tracking.c.name == self.name)).scalar()
        return int(value or 0)

    def lag(self) -> int:
        """How many notifications the views have still to apply."""
        return max(self.app.recorder.max_notification_id() or 0, 0) - self.position()

    def catch_up(self, *, wait: bool = True) -> int:
        """Apply every notification not yet applied; returns how many were applied.

        ``wait=False`` (a read that only wants the views current): if another process is applying
        this very moment, leave it to them rather than queue behind its lock. A write waits: it
        must return only once the views include it."""
        applied = 0
        if self.subject_index is not None:
            # Its key is read (or made, the first time) before a page's transaction: on SQLite the
            # keys have their own connection, which would wait for that transaction's lock.
            self.subject_index.ready()
        while True:
            count = self._apply_next_page(wait=wait)
            applied += count
            if count < self.page_size:
                return applied

    def _apply_next_page(self, *, wait: bool = True) -> int:
        with self.engine.begin() as conn:
            position = self._lock_position(conn, wait=wait)
            if position is None:
                return 0  # another process holds the position: it is applying these now
            notifications = self.app.recorder.select_notifications(
                start=position, limit=self.page_size, inclusive_of_start=False)
            if not notifications:
                return 0
            if self.app.personal_data is not None:  # the page's keys in one query, not one per case
                self.app.personal_data.prefetch(n.originator_id for n in notifications)
            projected = [change for notification in notifications
                         for change in self.project(self.app.mapper.to_domain_event(notification))]
            changes: list[Change] = [c for c in projected if isinstance(c, Upsert | Update)]
            subject: list[SubjectChange] = [c for c in projected
                                            if not isinstance(c, Upsert | Update)]
            if subject and self.subject_index is not None:
                self.subject_index.apply(conn, subject)
            for projection in self.stateful:
                changes += projection(conn, changes)
            for statement, rows in batched(merged(changes), self.tables):
                if isinstance(statement, _UpsertStatement):
                    conn.execute(statement.for_dialect(conn.dialect.name), rows)
                else:
                    conn.execute(statement, rows)
            last = notifications[-1].id
            conn.execute(sa.update(tracking).where(tracking.c.name == self.name)
                         .values(position=last))
        if self.on_page:
            self.on_page(last)
        return len(notifications)

    def _lock_position(self, conn: sa.Connection, *, wait: bool = True) -> int | None:
        """Take the tracking row's lock (creating it at 0) and read the position; None when
        ``wait`` is false and another transaction holds the lock (PostgreSQL).

        The row is there but for the first catch-up (or after a rebuild), so it is locked and
        read first, and created only when that finds nothing."""
        query = sa.select(tracking.c.position).where(tracking.c.name == self.name)
        if conn.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=not wait)
        found = conn.execute(query).scalar_one_or_none()
        if found is None:
            # Missing, or (wait=False) locked by another transaction: ON CONFLICT DO NOTHING
            # does not wait for that lock, and the second read tells the two apart.
            insert = _insert(conn.dialect.name, tracking).values(name=self.name, position=0)
            conn.execute(insert.on_conflict_do_nothing(index_elements=["name"]))
            found = conn.execute(query).scalar_one_or_none()
        return None if found is None else int(found)

    def rebuild(self) -> int:
        """Empty every view and replay the whole log from the first notification."""
        with self.engine.begin() as conn:
            for table in self.tables.values():
                conn.execute(sa.delete(table))
            conn.execute(sa.delete(tracking).where(tracking.c.name == self.name))
        return self.catch_up()


def _insert(dialect: str, table: sa.Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that can say what to do ON CONFLICT, in the connection's dialect."""
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


def merged(changes: list[Change]) -> list[Change]:
    """One change per row for a page: later values win; an upsert anywhere makes it an upsert.

    Writing each touched row once (then in batches) is what makes a rebuild fast; the result is
    the same as applying the changes one by one, in order.
    """
    rows: dict[tuple[str, tuple[tuple[str, Any], ...]], Change] = {}
    for change in changes:
        key = (change.table, tuple(sorted(change.key.items())))
        earlier = rows.get(key)
        if earlier is None:
            rows[key] = type(change)(change.table, dict(change.key), dict(change.values))
            continue
        values = {**earlier.values, **change.values}
        kind = Upsert if isinstance(earlier, Upsert) or isinstance(change, Upsert) else Update
        rows[key] = kind(change.table, dict(change.key), values)
    return list(rows.values())


def batched(changes: list[Change],
            tables: dict[str, sa.Table] = TABLES) -> list[tuple[Statement, list[dict[str, Any]]]]:
    """Group row changes of the same shape into one executemany statement each."""
    groups: dict[tuple[Any, ...], list[Change]] = {}
    for change in changes:
        shape = (type(change), change.table, tuple(change.key), tuple(sorted(change.values)))
        groups.setdefault(shape, []).append(change)
    return [(_statement(group[0], tables), [_params(c) for c in group]) for group in groups.values()]


def _statement(change: Change, tables: dict[str, sa.Table]) -> Statement:
    table = tables[change.table]
    columns = tuple(sorted(change.values))
    if isinstance(change, Upsert):
        return _UpsertStatement(table, tuple(change.key), columns)
    return _update(table, tuple(change.key), columns)


# Statements are immutable and their shapes few (a table and the columns a projection writes),
# so each is built once: building one costs more than executing it for a page of one event.
@functools.lru_cache(maxsize=512)
def _update(table: sa.Table, keys: tuple[str, ...], columns: tuple[str, ...]) -> sa.Update:
    where = sa.and_(*(table.c[k] == sa.bindparam(f"k_{k}") for k in keys))
    return sa.update(table).where(where).values({c: sa.bindparam(f"v_{c}") for c in columns})


@functools.lru_cache(maxsize=512)
def _upsert(dialect: str, table: sa.Table, keys: tuple[str, ...],
            columns: tuple[str, ...]) -> postgresql.Insert | sqlite.Insert:
    insert = _insert(dialect, table)
    if not columns:
        return insert.on_conflict_do_nothing(index_elements=list(keys))
    return insert.on_conflict_do_update(
        index_elements=list(keys), set_={c: insert.excluded[c] for c in columns})


def _params(change: Change) -> dict[str, Any]:
    if isinstance(change, Upsert):
        return {**change.key, **change.values}
    return {**{f"k_{k}": v for k, v in change.key.items()},
            **{f"v_{c}": v for c, v in change.values.items()}}


class _UpsertStatement:
    """An INSERT … ON CONFLICT DO UPDATE built for the connection's dialect when executed."""

    def __init__(self, table: sa.Table, keys: tuple[str, ...], columns: tuple[str, ...]) -> None:
        self.table, self.keys, self.columns = table, keys, columns

    def for_dialect(self, dialect: str) -> postgresql.Insert | sqlite.Insert:
        return _upsert(dialect, self.table, self.keys, self.columns)


#: A batched statement: an UPDATE, or an upsert built for the dialect when it runs.
Statement = sa.Update | _UpsertStatement
