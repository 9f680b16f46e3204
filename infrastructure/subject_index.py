"""The subject index (application/subject_access.py): blind tokens of the words in personal data,
and the cases that hold them.

A token is the keyed BLAKE2b hash (RFC 7693's keyed mode, a MAC; 128 bits) of a normalised word
under the index key (``DataKeys.index_key``: a data key wrapped by the master key, unwrapped only
in this process). The catch-up runner
hands each page's ``PersonalText`` and ``PersonalDataGone`` changes here, in order, inside the
page's transaction: rows are added (a token already held for the case is left as it is) and an
erased case's rows deleted, so the index is applied exactly once and a rebuild gives the same rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

import sqlalchemy as sa

from application.projections import PersonalDataGone, PersonalText, SubjectChange
from application.subject_access import index_words
from infrastructure.views import subject_index

TOKEN_HEX = 32


class BlindIndex:
    """The ``SubjectIndex`` port: HMAC-SHA256 tokens under the index key (read once, when first
    needed)."""

    def __init__(self, index_key: Callable[[], bytes]) -> None:
        self._index_key = index_key
        self._key: bytes | None = None

    def key(self) -> bytes:
        if self._key is None:
            self._key = self._index_key()
        return self._key

    def tokens(self, words: Iterable[str]) -> set[str]:
        key = self.key()
        return {hashlib.blake2b(word.encode(), key=key, digest_size=TOKEN_HEX // 2).hexdigest()
                for word in words}


class SubjectIndexTable:
    """The ``subject_index`` read model: written by the runner, read by ``cases_with_all``."""

    def __init__(self, engine: sa.Engine, index: BlindIndex) -> None:
        self.engine, self.index = engine, index

    def ready(self) -> None:
        """Read the index key now (made on first use), outside any transaction."""
        self.index.key()

    def apply(self, conn: sa.Connection, changes: Sequence[SubjectChange]) -> None:
        """A page's subject changes, in order: each run of texts added, each erasure deleting."""
        pending: set[tuple[str, str]] = set()
        for change in changes:
            if isinstance(change, PersonalText):
                found: set[str] = set()
                for text in change.texts:
                    found |= index_words(text)
                pending |= {(token, change.case_id) for token in self.index.tokens(found)}
            elif isinstance(change, PersonalDataGone):
                self._insert(conn, pending)
                pending = set()
                conn.execute(sa.delete(subject_index)
                             .where(subject_index.c.case_id == change.case_id))
        self._insert(conn, pending)

    @staticmethod
    def _insert(conn: sa.Connection, rows: set[tuple[str, str]]) -> None:
        """The page's rows in one statement, run by the driver itself: they are two short
        strings each, many per case, and compiling each through SQLAlchemy cost more than writing
        it. PostgreSQL takes them as two arrays (one round trip, not one per row)."""
        if not rows:
            return
        ordered = sorted(rows)
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(
                f"INSERT INTO {subject_index.name} (token, case_id) "
                "SELECT * FROM unnest(%s::text[], %s::text[]) ON CONFLICT (token, case_id) DO NOTHING",
                ([t for t, _ in ordered], [c for _, c in ordered]))
            return
        conn.exec_driver_sql(
            f"INSERT INTO {subject_index.name} (token, case_id) VALUES (?, ?) "
            "ON CONFLICT (token, case_id) DO NOTHING", ordered)

    def cases_with_all(self, tokens: set[str]) -> list[str]:
        """The ids of the cases that hold every one of ``tokens``."""
        if not tokens:
            return []
        query = (sa.select(subject_index.c.case_id)
                 .where(subject_index.c.token.in_(sorted(tokens)))
                 .group_by(subject_index.c.case_id)
                 .having(sa.func.count() == len(tokens)))
        with self.engine.connect() as conn:
            return [str(row[0]) for row in conn.execute(query)]
