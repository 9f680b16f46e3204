"""The ``report_cases`` read model: each case's report facts, kept by the catch-up runner.

Unlike the other views, a case's facts depend on its earlier events, so this projection is
stateful: for a page of notifications it reads the current facts of the cases the page touches,
folds the page's history rows into them (application/reporting/facts.py) and writes them back,
in the same transaction as the page and the tracking position (exactly once, rebuildable).

Reading *as known at T* (``ReportFactsReader.facts``): a case whose latest event was recorded by
T is used as it is; a case changed after T is re-folded from its history rows recorded by T;
a case first recorded after T is left out. Both paths run the same fold, so they agree.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from caseledger.application.projections import Change, Upsert, recorded_utc
from caseledger.application.reporting import facts as f
from caseledger.infrastructure.views import history, report_cases

CHUNK = 500


def report_case_changes(conn: sa.Connection, changes: Sequence[Change]) -> list[Change]:
    """The ``report_cases`` rows to write for a page whose other changes are ``changes``."""
    rows_by_case: dict[str, list[dict[str, Any]]] = {}
    for change in changes:
        if change.table == "history" and isinstance(change, Upsert):
            rows_by_case.setdefault(change.key["case_id"], []).append(
                {**change.values, "version": change.key["version"]})
    if not rows_by_case:
        return []
    stored = _stored(conn, list(rows_by_case))
    return [_upsert(case_id, rows, stored.get(case_id)) for case_id, rows in rows_by_case.items()]


def _stored(conn: sa.Connection, case_ids: list[str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(case_ids), CHUNK):
        query = sa.select(report_cases).where(
            report_cases.c.case_id.in_(case_ids[start:start + CHUNK]))
        for row in conn.execute(query):
            found[row.case_id] = dict(row._mapping)
    return found


def _upsert(case_id: str, rows: list[dict[str, Any]], stored: dict[str, Any] | None) -> Upsert:
    facts = f.fold(rows, f.loads(stored["facts"]) if stored else None)
    recorded = [recorded_utc(datetime.fromisoformat(r["recorded"])) for r in rows]
    first = min([*recorded, *([stored["first_recorded_utc"]] if stored else [])])
    last = max([*recorded, *([stored["last_recorded_utc"]] if stored else [])])
    return Upsert("report_cases", {"case_id": case_id}, {
        "reference": facts["ref"], "case_type": facts["type"], "partnership": facts["partnership"],
        "version": max(int(r["version"]) for r in rows), "first_recorded_utc": first,
        "last_recorded_utc": last, "facts": f.dumps(facts),
    })


def backfill_report_cases(conn: sa.Connection) -> int:
    """Fold every case's history into ``report_cases`` (a database older than this view)."""
    case_ids = list(conn.execute(sa.select(history.c.case_id).distinct()).scalars())
    for start in range(0, len(case_ids), CHUNK):
        chunk = case_ids[start:start + CHUNK]
        by_case = _history_rows(conn, chunk)
        for case_id in chunk:
            change = _upsert(case_id, by_case[case_id], None)
            conn.execute(sa.insert(report_cases).values(**change.key, **change.values))
    return len(case_ids)


def _history_rows(conn: sa.Connection, case_ids: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    query = (sa.select(history.c.case_id, history.c.version, history.c.event, history.c.effective,
                       history.c.recorded, history.c.data)
             .where(history.c.case_id.in_(list(case_ids)))
             .order_by(history.c.case_id, history.c.version))
    by_case: dict[str, list[dict[str, Any]]] = {}
    for row in conn.execute(query):
        by_case.setdefault(row.case_id, []).append(dict(row._mapping))
    return by_case


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while tens of thousands of facts are parsed: they
    are millions of new containers, none of them garbage, and the collector's repeated passes
    over them cost more than the parsing (measured: 1.6 s → 0.6 s for 50,000 long cases)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class ReportFactsReader:
    """Report facts of the cases of some partnerships, now or as known at an instant."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.refolded = 0  # cases re-folded from history by the last call (for benchmarks)

    def facts(self, partnerships: Sequence[str],
              as_known_at: datetime | None = None) -> list[dict[str, Any]]:
        query = (sa.select(report_cases.c.case_id, report_cases.c.first_recorded_utc,
                           report_cases.c.last_recorded_utc, report_cases.c.facts)
                 .where(report_cases.c.partnership.in_(list(partnerships)))
                 .order_by(report_cases.c.case_id))
        known = recorded_utc(as_known_at) if as_known_at is not None else None
        result: list[dict[str, Any]] = []
        stale: list[str] = []
        with self.engine.connect() as conn, _collector_paused():
            for case_id, first, last, facts in conn.execute(query):
                if known is None or last <= known:
                    result.append(f.loads(facts))
                elif first <= known:
                    stale.append(case_id)
            for start in range(0, len(stale) if as_known_at is not None else 0, CHUNK):
                by_case = _history_rows(conn, stale[start:start + CHUNK])
                for rows in by_case.values():
                    kept = [r for r in rows
                            if recorded_utc(datetime.fromisoformat(r["recorded"])) <= str(known)]
                    if kept:
                        result.append(f.fold(kept))
        self.refolded = len(stale)
        return result
