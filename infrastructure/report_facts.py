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

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from application.projections import Change, Upsert, recorded_utc
from application.reporting import facts as f
from application.reporting.quarters import FIGURES, case_quarters, kept_quarters, quarters_between
from application.reporting.service import ReportInputs
from application.reporting.shape import CaseFacts, QuarterFigures
from infrastructure.views import TABLES, history, report_cases, report_quarters

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
    _forget_quarters(conn, list(rows_by_case))
    return [change for case_id, rows in rows_by_case.items()
            for change in _upserts(case_id, rows, stored.get(case_id))]


def _forget_quarters(conn: sa.Connection, case_ids: list[str]) -> None:
    """The quarter rows of cases with new facts, deleted in the page's transaction before the
    page's changes are written: a settled case's rows are then written afresh, and a case that
    was reopened, or settled earlier than before (a fact backdated into an earlier quarter), keeps
    none it no longer stands for. Catching up page by page then leaves the same rows as a
    rebuild, which sees each case's history at once."""
    for start in range(0, len(case_ids), CHUNK):
        conn.execute(sa.delete(report_quarters).where(
            report_quarters.c.case_id.in_(case_ids[start:start + CHUNK])))


def _stored(conn: sa.Connection, case_ids: list[str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(case_ids), CHUNK):
        query = sa.select(report_cases).where(
            report_cases.c.case_id.in_(case_ids[start:start + CHUNK]))
        for row in conn.execute(query):
            found[row.case_id] = dict(row._mapping)
    return found


def _upserts(case_id: str, rows: list[dict[str, Any]], stored: dict[str, Any] | None) -> list[Change]:
    """The case's row, and once it has settled its trend figures for every quarter from the one
    it opened in to the one it settled in (zeros included); its earlier quarter rows are gone
    (``_forget_quarters``)."""
    facts = f.fold(rows, f.loads(stored["facts"]) if stored else None)
    facts["trend"] = kept_quarters(facts)
    settled = f.settled_on(facts)
    recorded = [recorded_utc(datetime.fromisoformat(r["recorded"])) for r in rows]
    first = min([*recorded, *([stored["first_recorded_utc"]] if stored else [])])
    last = max([*recorded, *([stored["last_recorded_utc"]] if stored else [])])
    changes: list[Change] = [Upsert("report_cases", {"case_id": case_id}, {
        "reference": facts["ref"], "case_type": facts["type"], "partnership": facts["partnership"],
        "opened_on": facts["opened"],
        "version": max(int(r["version"]) for r in rows), "first_recorded_utc": first,
        "last_recorded_utc": last, "settled_on": settled, "facts": f.dumps(facts),
    })]
    if settled is not None and facts["opened"] is not None:
        figures = case_quarters(facts)
        for label in quarters_between(facts["opened"], settled):
            values: dict[str, Any] = dict(zip(FIGURES, figures.get(label, [0, 0, 0, 0, 0]), strict=True))
            values.update(partnership=facts["partnership"], settled_on=settled, last_recorded_utc=last)
            changes.append(Upsert("report_quarters", {"case_id": case_id, "quarter": label}, values))
    return changes


def backfill_report_cases(conn: sa.Connection) -> int:
    """Fold every case's history into ``report_cases`` and ``report_quarters``, afresh (for a
    database older than these views)."""
    conn.execute(sa.delete(report_quarters))
    conn.execute(sa.delete(report_cases))
    case_ids = list(conn.execute(sa.select(history.c.case_id).distinct()).scalars())
    for start in range(0, len(case_ids), CHUNK):
        chunk = case_ids[start:start + CHUNK]
        by_case = _history_rows(conn, chunk)
        for case_id in chunk:
            for change in _upserts(case_id, by_case[case_id], None):
                conn.execute(sa.insert(TABLES[change.table]).values(**change.key, **change.values))
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


class ReportFactsReader:
    """Report facts of the cases of some partnerships, now or as known at an instant."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def facts(self, partnerships: Sequence[str], as_known_at: datetime | None = None,
              relevant_from: str | None = None, summarise_before: str | None = None,
              opened_by: str | None = None) -> ReportInputs:
        """The cases of ``partnerships`` as known at ``as_known_at``. ``relevant_from`` (a day):
        leave out cases settled before it (they count in no figure); ``summarise_before``: for
        cases settled before it, only their trend figures, summed in SQL; ``opened_by``: leave
        out cases opened after that day (a report as at that day counts nothing of theirs).
        All three apply only to cases unchanged since ``as_known_at``, whose stored facts are
        the facts then."""
        known = recorded_utc(as_known_at) if as_known_at is not None else None
        rc = report_cases.c
        scope = rc.partnership.in_(list(partnerships))
        # Read a case's facts when it is unsettled, settled on or after the day from which
        # settled cases are summarised (or left out), or changed since the instant asked:
        # positive conditions on indexed columns, so the database reads only those rows.
        read_from = summarise_before or relevant_from
        # No ORDER BY: in case_id order SQLite reads the rows through the key's index, page by
        # page at random, which is slow on a large table; the rows are sorted here instead.
        query = (sa.select(rc.case_id, rc.first_recorded_utc, rc.last_recorded_utc, rc.facts)
                 .where(scope))
        if read_from is not None:
            needed = [rc.settled_on.is_(None), rc.settled_on >= read_from]
            if known is not None:
                needed.append(rc.last_recorded_utc > known)
            query = query.where(sa.or_(*needed))
        if opened_by is not None:
            query = query.where(rc.opened_on <= opened_by if known is None else
                                sa.or_(rc.opened_on <= opened_by, rc.last_recorded_utc > known))
        which_settled = None
        if summarise_before is not None:
            rq = report_quarters.c
            which_settled = sa.and_(
                rq.partnership.in_(list(partnerships)),
                sa.true() if known is None else rq.last_recorded_utc <= known,
                rq.settled_on < summarise_before, rq.settled_on >= (relevant_from or ""))
        with self.engine.connect() as conn:
            stored, stale = _read(conn, query, as_known_at)
            settled = _settled_quarters(conn, which_settled) if which_settled is not None else {}
        return ReportInputs(StoredFacts(self.engine, stored, stale, as_known_at), settled)


class StoredFacts:
    """The facts of the cases a query found, parsed one case at a time as they are consumed and
    kept by nobody: as stored (their JSON text, in ``case_id`` order), then those changed since
    ``as_known_at``, re-folded from their history rows recorded by then (a chunk at a time).
    A report folds each case into its tables and drops it, so no case's facts outlive the
    moment it is counted. Each iteration parses again; ``len`` is the number of cases."""

    def __init__(self, engine: sa.Engine, stored: list[tuple[str, str]], stale: list[str],
                 as_known_at: datetime | None) -> None:
        self.engine = engine
        self.stored = stored
        self.stale = stale
        self.as_known_at = as_known_at

    def __len__(self) -> int:
        return len(self.stored) + len(self.stale)

    def __iter__(self) -> Iterator[CaseFacts]:
        loads = f.loads
        for _, text in self.stored:
            yield loads(text)
        known = self.as_known_at
        if not self.stale or known is None:
            return
        for start in range(0, len(self.stale), CHUNK):
            with self.engine.connect() as conn:
                by_case = _history_rows(conn, self.stale[start:start + CHUNK])
            for rows in by_case.values():
                kept = [r for r in rows if datetime.fromisoformat(r["recorded"]) <= known]
                if kept:
                    yield f.fold(kept)


def _read(conn: sa.Connection, query: sa.Select[Any],
          as_known_at: datetime | None) -> tuple[list[tuple[str, str]], list[str]]:
    """The stored facts (unparsed, in ``case_id`` order) of the cases ``query`` finds that are
    unchanged since ``as_known_at``, and the ids of those changed since, to re-fold."""
    known = recorded_utc(as_known_at) if as_known_at is not None else None
    stored: list[tuple[str, str]] = []
    stale: list[str] = []
    for case_id, first, last, facts in conn.execute(query):
        if known is None or last <= known:
            stored.append((case_id, facts))
        elif first <= known:
            stale.append(case_id)
    stored.sort()
    stale.sort()
    return stored, stale


def _settled_quarters(conn: sa.Connection, which: sa.ColumnElement[bool]) -> QuarterFigures:
    """The summed trend figures, per quarter, of the settled cases ``which`` selects."""
    rq = report_quarters.c
    query = (sa.select(rq.quarter, *(sa.func.sum(rq[name]) for name in FIGURES))
             .where(which).group_by(rq.quarter))
    return {row[0]: [int(v or 0) for v in row[1:]] for row in conn.execute(query)}
