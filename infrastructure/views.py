"""Read-model tables (schema owned by Alembic) and the queries over them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from application.ports import DeadlineFilter
from application.projections import recorded_utc
from domain.limits import MAX_ACTOR
from domain.times import sortable_utc

metadata = sa.MetaData()

tracking = sa.Table(
    "projection_tracking", metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("position", sa.BigInteger, nullable=False),
)

cases = sa.Table(
    "cases", metadata,
    sa.Column("case_id", sa.String(36), primary_key=True),
    sa.Column("reference", sa.String(40), unique=True),
    sa.Column("case_type", sa.String(20), index=True),
    sa.Column("partnership", sa.String(64), index=True),
    sa.Column("hub", sa.String(64)),
    sa.Column("stage", sa.String(40), index=True),
    sa.Column("stage_since", sa.String(32)),
    sa.Column("version", sa.Integer),
    sa.Column("opened_on", sa.String(32)),
    sa.Column("closed_on", sa.String(32)),
    sa.Column("paused", sa.Boolean),
    sa.Column("policy_version", sa.String(80)),
    sa.Column("updated", sa.String(40)),
    sa.Column("reminder_ladders", sa.Text),  # the policy's ladders as JSON; NULL: national ladder
    sa.Column("restricted_to", sa.Text),  # usernames as a JSON list; NULL: not restricted
)

deadlines = sa.Table(
    "deadlines", metadata,
    sa.Column("case_id", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(120), primary_key=True),
    sa.Column("due", sa.String(32)),
    sa.Column("due_utc", sa.String(20), index=True),
    sa.Column("starts", sa.String(32)),
    sa.Column("responsible", sa.String(64), index=True),
    sa.Column("basis", sa.Text),
    sa.Column("status", sa.String(16), index=True),
    sa.Column("met_on", sa.String(32)),
    sa.Column("met_on_time", sa.Boolean),
    sa.Column("calendar", sa.String(200)),
    sa.Column("last_reminder", sa.String(40)),  # the step last issued (reminders)
    sa.Column("reminded_due", sa.String(32)),  # … against this due time
    sa.Column("reminded_day", sa.String(10)),  # … on this step day
)

history = sa.Table(
    "history", metadata,
    sa.Column("case_id", sa.String(36), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("event", sa.String(80)),
    sa.Column("effective", sa.String(32)),
    sa.Column("recorded", sa.String(40)),
    sa.Column("actor", sa.String(MAX_ACTOR)),
    sa.Column("reason", sa.Text),
    sa.Column("basis", sa.Text),
    sa.Column("data", sa.Text),
)

partnerships = sa.Table(
    "partnerships", metadata,
    sa.Column("partnership_id", sa.String(36), primary_key=True),
    sa.Column("slug", sa.String(64), unique=True),
    sa.Column("code", sa.String(8)),
    sa.Column("name", sa.String(200)),
    sa.Column("since", sa.String(32)),
)

hubs = sa.Table(
    "hubs", metadata,
    sa.Column("partnership_id", sa.String(36), primary_key=True),
    sa.Column("hub", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200)),
)

agencies = sa.Table(
    "agencies", metadata,
    sa.Column("agency_id", sa.String(36), primary_key=True),
    sa.Column("slug", sa.String(64), unique=True),
    sa.Column("name", sa.String(200)),
    sa.Column("kind", sa.String(64)),
    sa.Column("partnerships", sa.Text),
)

access_log = sa.Table(  # product.md capability 4: who read which case (purpose: in the event)
    "access_log", metadata,
    sa.Column("access_id", sa.String(36), primary_key=True),
    sa.Column("case_id", sa.String(36), index=True),
    sa.Column("reference", sa.String(40)),
    sa.Column("actor", sa.String(MAX_ACTOR), index=True),
    sa.Column("what", sa.String(200)),
    sa.Column("recorded", sa.String(40)),
    sa.Column("recorded_utc", sa.String(26), index=True),
    sa.Column("outcome", sa.String(8)),  # read | denied
    sa.Column("why", sa.Text),  # a denial: the access policy's reason
)

counties = sa.Table(  # county boards: several partnerships reported together
    "counties", metadata,
    sa.Column("county_id", sa.String(36), primary_key=True),
    sa.Column("slug", sa.String(64), unique=True),
    sa.Column("name", sa.String(200)),
    sa.Column("partnerships", sa.Text),
)

report_cases = sa.Table(  # product.md capability 5: each case's report facts (reporting/facts.py)
    "report_cases", metadata,
    sa.Column("case_id", sa.String(36), primary_key=True),
    sa.Column("reference", sa.String(40)),
    sa.Column("case_type", sa.String(20)),
    sa.Column("partnership", sa.String(64), index=True),
    sa.Column("version", sa.Integer),
    sa.Column("first_recorded_utc", sa.String(26)),
    sa.Column("last_recorded_utc", sa.String(26), index=True),  # the latest recorded time
    sa.Column("settled_on", sa.String(10), index=True),  # counts in no report after this day
    sa.Column("opened_on", sa.String(10)),  # the London day it was opened (None: not yet)
    sa.Column("facts", sa.Text),
)

REPORT_QUARTERS_SUMMED = ("settled_on", "partnership", "last_recorded_utc", "quarter", "opened", "closed",
                          "met", "on_time", "overdue")

report_quarters = sa.Table(  # a settled case's trend figures per quarter (reporting/quarters.py)
    "report_quarters", metadata,
    sa.Column("case_id", sa.String(36), primary_key=True),
    sa.Column("quarter", sa.String(7), primary_key=True),  # "2026 Q3"
    # the case's, copied so that a report sums these rows without a join
    sa.Column("partnership", sa.String(64)),
    sa.Column("settled_on", sa.String(10)),
    sa.Column("last_recorded_utc", sa.String(26)),
    sa.Column("opened", sa.Integer),
    sa.Column("closed", sa.Integer),
    sa.Column("met", sa.Integer),
    sa.Column("on_time", sa.Integer),
    sa.Column("overdue", sa.Integer),
    # A report sums the rows of cases settled in a range of days: this index holds every column
    # it reads, so the database answers from the index alone.
    sa.Index("ix_report_quarters_summed", *REPORT_QUARTERS_SUMMED),
)

asb_complaints = sa.Table(  # an ASB case review's complaints, for the second-report flag
    "asb_complaints", metadata,
    sa.Column("case_id", sa.String(36), primary_key=True),
    sa.Column("complaint_id", sa.String(64), primary_key=True),
    sa.Column("complainant", sa.String(64)),  # a digest of the complainant key (NULL: no key)
    sa.Column("reported", sa.String(10)),
    sa.Column("window_end", sa.String(10)),  # a next report up to this day is a second report
    sa.Column("duplicate_of", sa.String(64)),
)

subject_index = sa.Table(  # where a person appears: blind tokens only (application/subject_access.py)
    "subject_index", metadata,
    sa.Column("token", sa.String(64), primary_key=True),
    sa.Column("case_id", sa.String(36), primary_key=True, index=True),
)

TABLES = {t.name: t for t in (cases, deadlines, history, partnerships, hubs, agencies, access_log,
                              counties, report_cases, report_quarters, asb_complaints,
                              subject_index)}


def _second_report() -> sa.Label[bool]:
    """Whether one complainant reported again within six months of an earlier report (2025 ASB
    case review guidance: the victim is told about the case review); duplicates count once."""
    earlier, later = asb_complaints.alias("earlier"), asb_complaints.alias("later")
    return sa.exists().where(
        earlier.c.case_id == cases.c.case_id, later.c.case_id == cases.c.case_id,
        earlier.c.complainant == later.c.complainant,
        earlier.c.complaint_id != later.c.complaint_id,
        earlier.c.duplicate_of.is_(None), later.c.duplicate_of.is_(None),
        later.c.reported >= earlier.c.reported, later.c.reported <= earlier.c.window_end,
    ).label("second_report")


#: One case's row of the case list, built once: every request about a case reads it.
_CASE_ROW = (sa.select(cases, _second_report())
             .where(cases.c.case_id == sa.bindparam("case_id", type_=sa.String)))

#: Deadlines with their case's columns, in due order (``open_deadlines`` narrows it).
_DEADLINES = (
    sa.select(deadlines, cases.c.reference, cases.c.partnership, cases.c.case_type,
              cases.c.hub, cases.c.stage, _second_report())
    .join(cases, cases.c.case_id == deadlines.c.case_id)
    .order_by(deadlines.c.due_utc, cases.c.reference, deadlines.c.name)
)


class SqlReadModel:
    """The ReadModel port over SQLAlchemy Core."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def _rows(self, query: Any, parameters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            result = conn.execute(query, parameters)
            keys = list(result.keys())  # once, not once a row (as Row._mapping would)
            return [dict(zip(keys, row, strict=True)) for row in result]

    def list_cases(self, partnership: str | None, case_type: str | None,
                   stage: str | None) -> Sequence[dict[str, Any]]:
        q = sa.select(cases, _second_report()).order_by(cases.c.opened_on, cases.c.reference)
        if partnership:
            q = q.where(cases.c.partnership == partnership)
        if case_type:
            q = q.where(cases.c.case_type == case_type)
        if stage:
            q = q.where(cases.c.stage == stage)
        return self._rows(q)

    def case_row(self, case_id: str) -> dict[str, Any] | None:
        """One case's row of the case list (None when the views do not have it)."""
        rows = self._rows(_CASE_ROW, {"case_id": case_id})
        return rows[0] if rows else None

    def open_deadlines(self, where: DeadlineFilter) -> Sequence[dict[str, Any]]:
        q = _DEADLINES
        if not where.include_closed_statuses:
            statuses = ("open", "paused", "met") if where.include_met else ("open", "paused")
            q = q.where(deadlines.c.status.in_(statuses))
        for column, value in ((cases.c.partnership, where.partnership), (cases.c.hub, where.hub),
                              (deadlines.c.responsible, where.agency),
                              (cases.c.case_type, where.case_type),
                              (deadlines.c.case_id, where.case_id)):
            if value:
                q = q.where(column == value)
        return self._rows(q)

    def reminder_ladders_in_use(self) -> Sequence[str | None]:
        """The distinct reminder-ladder tables of the cases' policies (few: one per version)."""
        with self.engine.connect() as conn:
            return list(conn.execute(sa.select(cases.c.reminder_ladders).distinct()).scalars())

    def reminder_candidates(self, due_until: datetime | None = None) -> Sequence[dict[str, Any]]:
        """Every open deadline of an open case (due by ``due_until``), with its case's ladders
        and last reminder."""
        q = (
            sa.select(deadlines.c.case_id, deadlines.c.name, deadlines.c.due,
                      deadlines.c.responsible, deadlines.c.reminded_due, deadlines.c.reminded_day,
                      cases.c.reference, cases.c.reminder_ladders, cases.c.version)
            .join(cases, cases.c.case_id == deadlines.c.case_id)
            .where(deadlines.c.status == "open", cases.c.closed_on.is_(None))
        )
        if due_until is not None:
            q = q.where(deadlines.c.due_utc <= sortable_utc(due_until))
        with self.engine.connect() as conn:
            result = conn.execute(q)
            keys = list(result.keys())
            return [dict(zip(keys, row, strict=True)) for row in result]

    def history(self, case_id: str) -> Sequence[dict[str, Any]]:
        return self._rows(sa.select(history).where(history.c.case_id == case_id)
                          .order_by(history.c.version))

    def history_across_cases(
        self, *, partnership: str | None = None, case_id: str | None = None,
        actor: str | None = None, event: str | None = None,
        recorded_from: datetime | None = None, recorded_before: datetime | None = None,
    ) -> Sequence[dict[str, Any]]:
        """History rows of every case (with its reference and partnership), recorded in
        [recorded_from, recorded_before), oldest first (product.md capability 4)."""
        q = (sa.select(history, cases.c.reference, cases.c.partnership)
             .join(cases, cases.c.case_id == history.c.case_id))
        for column, value in ((cases.c.partnership, partnership), (history.c.case_id, case_id),
                              (history.c.event, event)):
            if value:
                q = q.where(column == value)
        if actor:
            q = q.where(by_actor(history.c.actor, actor))
        # ``recorded`` keeps the offset it was recorded with: narrow by its date in SQL (a local
        # date is within a day of the UTC one), then compare the instants exactly.
        if recorded_from is not None:
            q = q.where(history.c.recorded >= _utc_day(recorded_from, -1))
        if recorded_before is not None:
            q = q.where(history.c.recorded < _utc_day(recorded_before, 2))
        rows = [r for r in self._rows(q)
                if _within(datetime.fromisoformat(r["recorded"]), recorded_from, recorded_before)]
        rows.sort(key=lambda r: (datetime.fromisoformat(r["recorded"]), r["reference"],
                                 r["version"]))
        return rows

    def access_log(
        self, *, case_id: str | None = None, actor: str | None = None,
        recorded_from: datetime | None = None, recorded_before: datetime | None = None,
        outcome: str | None = None,
    ) -> Sequence[dict[str, Any]]:
        """Reads of cases and denied attempts (``outcome``: read or denied) recorded in
        [recorded_from, recorded_before), oldest first."""
        q = sa.select(access_log).order_by(access_log.c.recorded_utc, access_log.c.access_id)
        if case_id:
            q = q.where(access_log.c.case_id == case_id)
        if actor:
            q = q.where(by_actor(access_log.c.actor, actor))
        if outcome:
            q = q.where(access_log.c.outcome == outcome)
        if recorded_from is not None:
            q = q.where(access_log.c.recorded_utc >= recorded_utc(recorded_from))
        if recorded_before is not None:
            q = q.where(access_log.c.recorded_utc < recorded_utc(recorded_before))
        return self._rows(q)

    def partnerships(self) -> Sequence[dict[str, Any]]:
        rows = self._rows(sa.select(partnerships).order_by(partnerships.c.slug))
        hub_rows = self._rows(sa.select(hubs).order_by(hubs.c.hub))
        for row in rows:
            row["hubs"] = [h["hub"] for h in hub_rows if h["partnership_id"] == row["partnership_id"]]
        return rows

    def agencies(self) -> Sequence[dict[str, Any]]:
        return self._rows(sa.select(agencies).order_by(agencies.c.slug))

    def counties(self) -> Sequence[dict[str, Any]]:
        """County boards, each with its partnerships' slugs as a list."""
        return [{**row, "partnerships": [p for p in (row["partnerships"] or "").split(",") if p]}
                for row in self._rows(sa.select(counties).order_by(counties.c.slug))]


def by_actor(column: sa.ColumnElement[str], actor: str) -> sa.ColumnElement[bool]:
    """Facts by this actor: recorded under the name alone, or with how they acted (``analyst
    (local operator root)``, ``cora (API token)``)."""
    return sa.or_(column == actor, column.startswith(f"{actor} (", autoescape=True))


def _utc_day(moment: datetime, days: int) -> str:
    return (moment.astimezone(UTC) + timedelta(days=days)).date().isoformat()


def _within(moment: datetime, start: datetime | None, before: datetime | None) -> bool:
    return (start is None or moment >= start) and (before is None or moment < before)
