"""The one catch-up mechanism for every read model, on SQLite and PostgreSQL.

It reads notifications after the view's tracking position in pages of 1,000, turns each event
into view changes (application/projections.py) and commits the changes with the new position in
one transaction: exactly once, resumable after a crash, rebuildable from zero. The tracking row
is locked first, so two processes catching up at once apply each page once.
(eventsourcing's subscribe() is not implemented for SQLite, so its ProjectionRunner can't be used.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from caseledger.application.projections import Change, Upsert, project
from caseledger.application.service import CaseLedgerApplication
from caseledger.infrastructure.views import TABLES, tracking

PAGE_SIZE = 1000
VIEWS = "views"


class ProjectionRunner:
    def __init__(self, app: CaseLedgerApplication, engine: sa.Engine, name: str = VIEWS,
                 page_size: int = PAGE_SIZE,
                 on_page: Callable[[int], None] | None = None) -> None:
        self.app = app
        self.engine = engine
        self.name = name
        self.page_size = page_size
        self.on_page = on_page

    def position(self) -> int:
        with self.engine.connect() as conn:
            value = conn.execute(sa.select(tracking.c.position)
                                 .where(tracking.c.name == self.name)).scalar()
        return int(value or 0)

    def catch_up(self) -> int:
        """Apply every notification not yet applied; returns how many were applied."""
        applied = 0
        while True:
            count = self._apply_next_page()
            applied += count
            if count < self.page_size:
                return applied

    def _apply_next_page(self) -> int:
        with self.engine.begin() as conn:
            position = self._lock_position(conn)
            notifications = self.app.recorder.select_notifications(
                start=position, limit=self.page_size, inclusive_of_start=False)
            if not notifications:
                return 0
            for notification in notifications:
                event = self.app.mapper.to_domain_event(notification)
                for change in project(event):
                    self._apply(conn, change)
            last = notifications[-1].id
            conn.execute(sa.update(tracking).where(tracking.c.name == self.name)
                         .values(position=last))
        if self.on_page:
            self.on_page(last)
        return len(notifications)

    def _lock_position(self, conn: sa.Connection) -> int:
        """Take the tracking row's lock (creating it at 0) and read the position."""
        insert = _insert_for(conn)(tracking).values(name=self.name, position=0)
        conn.execute(insert.on_conflict_do_nothing(index_elements=["name"]))
        query = sa.select(tracking.c.position).where(tracking.c.name == self.name)
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
        return int(conn.execute(query).scalar_one())

    @staticmethod
    def _apply(conn: sa.Connection, change: Change) -> None:
        table = TABLES[change.table]
        if isinstance(change, Upsert):
            insert = _insert_for(conn)(table).values(**change.key, **change.values)
            conn.execute(insert.on_conflict_do_update(
                index_elements=list(change.key), set_=change.values))
            return
        where = sa.and_(*(table.c[k] == v for k, v in change.key.items()))
        conn.execute(sa.update(table).where(where).values(**change.values))

    def rebuild(self) -> int:
        """Empty every view and replay the whole log from the first notification."""
        with self.engine.begin() as conn:
            for table in TABLES.values():
                conn.execute(sa.delete(table))
            conn.execute(sa.delete(tracking).where(tracking.c.name == self.name))
        return self.catch_up()


def _insert_for(conn: sa.Connection) -> Any:
    return postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
