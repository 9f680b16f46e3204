"""Queries: the case as a coordinator reads it, and what is due or overdue as at a time."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from application.commands.base import InvalidValue
from application.ports import DeadlineFilter, ReadModel
from domain import plain, times
from domain.calendar import LONDON, ClockUnit, WorkingCalendar, add_working_days, end_of_day
from domain.case import Case, CaseOpened, Deadline
from domain.errors import InvalidInput
from domain.personal import corrections, fold_corrections
from domain.plain import Json


@dataclass(frozen=True)
class SetupNames:
    """The names people know the set-up by: agencies, partnerships and their hubs, by slug."""

    agencies: dict[str, str] = field(default_factory=dict)
    partnerships: dict[str, str] = field(default_factory=dict)
    hubs: dict[tuple[str, str], str] = field(default_factory=dict)

    @classmethod
    def read(cls, views: ReadModel,
             hubs_of: Callable[[str], Mapping[str, str]]) -> SetupNames:
        """From the views, and each partnership's hub names (``hubs_of(slug)``)."""
        partnerships = {str(p["slug"]): str(p["name"]) for p in views.partnerships()}
        return cls(
            agencies={str(a["slug"]): str(a["name"]) for a in views.agencies()},
            partnerships=partnerships,
            hubs={(slug, hub): name for slug in partnerships
                  for hub, name in hubs_of(slug).items()},
        )

    def partnership(self, slug: str) -> str:
        return self.partnerships.get(slug, slug)

    def hub(self, partnership: str, hub: str | None) -> str | None:
        return self.hubs.get((partnership, hub), hub) if hub else None

    def party(self, slug: str, partnership: str, hub: str | None) -> str:
        return plain.party_label(slug, self.agencies, self.partnership(partnership),
                                 self.hub(partnership, hub))

    def deadline(self, case_type: str, name: str, responsible: str, partnership: str,
                 hub: str | None) -> str:
        return plain.deadline_label(case_type, name, self.agencies, responsible,
                                    self.partnership(partnership), self.hub(partnership, hub))


def _day(iso: str | None) -> str | None:
    return iso[:10] if iso else None


def current_personal(events: Iterable[object]) -> dict[int, Json]:
    """Each event's personal value by version, as it stands after the corrections recorded
    since (domain/personal.py): a superseded value is never shown as current. None once erased
    (application/sealing.py)."""
    return fold_corrections(events)[0]


def shown_personal(events: Iterable[object]) -> dict[str, Json]:
    """The personal data ``case show`` shows, read from the case's events: the personal fields of
    the event that opened it, as corrected (a case keeps no personal data in its state or
    snapshots). Empty when the events hold none, e.g. once they are erased. Given only the
    opening event of a case with corrections (``personal_events_needed``), the values shown
    would be the uncorrected ones: pass every event then."""
    events = list(events)
    current = current_personal(events)
    for event in events:
        if isinstance(event, CaseOpened):
            value = current.get(event.originator_version)
            return dict(value) if isinstance(value, Mapping) else {}
    return {}


def personal_events_needed(case: Case) -> int:
    """The last version whose events ``shown_personal`` needs: the opening one alone, unless
    the case's personal data was corrected (then every event up to the case's version)."""
    return case.version if corrections(case) else 1


def case_to_dict(case: Case, as_at: datetime, personal: Mapping[str, Json] | None = None,
                 names: SetupNames | None = None) -> dict[str, Any]:
    """``case show --json`` (cli.md): the state of a case with deadline statuses as at ``as_at``,
    and the ``personal`` data read from its events (``shown_personal``) when given. Codes stay
    codes; given the set-up's ``names``, the stage and each deadline also carry their ``label``
    in words (domain/plain.py), and each deadline whether its clock counts in ``hours``."""
    out: dict[str, Any] = {
        "id": str(case.id),
        "reference": case.reference,
        "type": case.case_type,
        "partnership": case.partnership,
        "hub": case.hub,
        "stage": case.stage,
        "version": case.version,
        "opened_on": case.opened_on,
        "closed_on": case.closed_on,
        "paused": case.paused,
        "paused_since": case.paused_since,
        "policy_version": case.policy.version,
        "restricted_to": case.restricted_to,
        "legal_holds": case.open_holds,
        "personal_data_erased": case.personal_data_erased,
        "as_at": as_at.astimezone(LONDON).isoformat(timespec="seconds"),
        "days_open": case.days_open(as_at.astimezone(LONDON).date()),
        "deadlines": [
            {"name": d.name, "due": d.due, "status": d.status_at(as_at),
             "responsible": d.responsible, "basis": d.basis, "met_on": d.met_on,
             "starts": d.starts, "extensions": d.extensions, "paused_days": d.paused_days,
             "calendar": d.calendar, "reminders": d.reminders,
             "last_reminder_day": d.reminded_day if d.last_reminder_day() else None}
            for d in _by_due(case)
        ],
        "returns": [
            {"agency": r.agency, "kind": r.kind, "requested": r.requested, "due": r.due,
             "status": r.status, "received_on": r.received_on, "documents": r.documents}
            for r in case.returns.values()
        ],
        "actions": [
            {"id": a.id, "owner": a.owner, "level": a.level, "due": a.due, "rag": a.rag,
             "status": a.status}
            for a in case.actions.values()
        ],
        "parallel_processes": [
            {"id": p.id, "kind": p.kind, "status": p.status, "linked_on": p.linked_on,
             "concluded_on": p.concluded_on, "pauses_case": p.pauses_case,
             "key_dates": p.key_dates}
            for p in case.processes.values()
        ],
    }
    if names is not None:
        out["stage_label"] = plain.stage_label(case.case_type, case.stage)
        for shown, d in zip(out["deadlines"], _by_due(case), strict=True):
            shown["label"] = names.deadline(case.case_type, d.name, d.responsible,
                                            case.partnership, case.hub)
            shown["hours"] = _hourly(d.clock)
    details = case.view_details()
    if details:
        out["details"] = details
    out.update(case.view_extra())
    if personal:
        out["personal"] = dict(personal)
    return out


def _by_due(case: Case) -> list[Deadline]:
    return sorted(case.deadlines.values(), key=lambda d: (d.due_at, d.name))


def _hourly(clock: Mapping[str, Any] | None) -> bool:
    """Whether a deadline's clock counts in hours (its due time of day matters)."""
    return clock is not None and clock.get("unit") == ClockUnit.HOURS


DUE_WITHIN = re.compile(r"^(\d+)(wd|d)$")


def due_within_limit(spec: str, as_at: datetime, calendar: WorkingCalendar) -> datetime:
    """``10wd`` → end of the 10th working day after as-at; ``14d`` → 14 calendar days."""
    match = DUE_WITHIN.match(spec.strip())
    if not match:
        raise InvalidInput(f"'{spec}' is not a period; use e.g. 10wd (working days) or 14d (days).")
    n, unit = int(match[1]), match[2]
    start: date = as_at.astimezone(LONDON).date()
    if unit == "wd":
        return end_of_day(add_working_days(calendar, start, n))
    return end_of_day(date.fromordinal(start.toordinal() + n))


def deadline_rows(views: ReadModel, where: DeadlineFilter, as_at: datetime, *,
                  overdue_only: bool = False, due_by: datetime | None = None,
                  names: SetupNames | None = None) -> list[dict[str, Any]]:
    """``deadlines --json`` rows: {case, name, label, due, status, responsible, days_overdue}
    (``label``: the deadline in words, with the agencies' names from ``names``).

    For a past as-at time, a deadline met later counts as open then, and one that had not yet
    started is left out (its due time is the one in force now, including later extensions).
    """
    names = names or SetupNames()
    label = functools.cache(names.deadline)  # many cases share their deadlines' labels
    as_at_day = as_at.astimezone(LONDON).date()
    rows = []
    for row in views.open_deadlines(replace(where, include_met=True)):
        if _instant(row["starts"]) > as_at:
            continue
        status = row["status"]
        if status == "met":
            if _instant(row["met_on"]) <= as_at:
                continue
            status = "open"
        due, due_day = _due(row["due"])
        overdue = status == "open" and as_at > due
        if overdue_only and not overdue:
            continue
        if due_by is not None and due > due_by:
            continue
        days_overdue = (as_at_day - due_day).days
        rows.append({
            "case": row["reference"], "name": row["name"],
            "label": label(row["case_type"], row["name"], row["responsible"],
                           row["partnership"], row["hub"]),
            "due": row["due"],
            "status": "overdue" if overdue else status,
            "responsible": row["responsible"],
            "days_overdue": max(days_overdue, 0) if overdue else 0,
            "partnership": row["partnership"], "hub": row["hub"], "type": row["case_type"],
            "stage": row["stage"], "basis": row["basis"],
            "second_report": bool(row["second_report"]),
            "last_reminder": row.get("last_reminder") if row.get("reminded_due") == row["due"] else None,
            "last_reminder_day": row.get("reminded_day") if row.get("reminded_due") == row["due"] else None,
        })
    return rows


# The deadline list parses the same few thousand stored times on every read: parse each once.
# Both are pure functions of the text and return immutable values, so a cached answer is the
# answer.
@functools.lru_cache(maxsize=16384)
def _instant(effective: str) -> datetime:
    return times.effective_instant(effective)


@functools.lru_cache(maxsize=16384)
def _due(due: str) -> tuple[datetime, date]:
    """A stored due time, and its London day."""
    instant = datetime.fromisoformat(due)
    return instant, instant.astimezone(LONDON).date()


def parse_time(value: str | None, field: str) -> str | None:
    """A date or date-time given for ``field``, normalised (``times.parse_effective``);
    InvalidInput naming the field."""
    if value is None:
        return None
    try:
        return times.parse_effective(value)
    except InvalidInput as error:
        raise InvalidValue(error.message, field=field) from None


def parse_instant(value: str, field: str) -> datetime:
    """An instant to read as known at: a date means the end of that day (Europe/London); a time
    is kept to the microsecond, so the instant a report states reproduces it exactly."""
    text = value.strip()
    if "T" not in text and " " not in text:
        return times.effective_end(parse_time(text, field) or text)
    try:
        moment = datetime.fromisoformat(text.replace(" ", "T"))
    except ValueError:
        raise InvalidValue(f"'{value}' is not a date or date-time; {times.FORMAT_HELP}.",
                           field=field) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=LONDON)


#: The case list's columns as interfaces show them (the view's name → the shown name).
CASE_LIST_FIELDS = {
    "case_id": "id", "reference": "reference", "case_type": "type", "partnership": "partnership",
    "hub": "hub", "stage": "stage", "stage_since": "stage_since", "version": "version",
    "opened_on": "opened_on", "closed_on": "closed_on", "paused": "paused",
    "policy_version": "policy_version", "updated": "updated", "second_report": "second_report",
}


def case_list_entry(row: Mapping[str, Any]) -> dict[str, Any]:
    """A ``cases`` view row as ``case list`` and ``GET /api/v1/cases`` show it (a row the access
    policy cut down to a listing shows what it kept)."""
    entry = {shown: row[column] for column, shown in CASE_LIST_FIELDS.items() if column in row}
    for flag in ("paused", "second_report"):
        if flag in entry:
            entry[flag] = bool(entry[flag])
    entry["restricted"] = row.get("restricted_to") is not None  # NULL: not restricted
    return entry


def parse_as_at(text: str | None, now: datetime) -> datetime:
    """--as-at: a date means the end of that day (what is overdue by the close of business)."""
    if not text:
        return now
    return times.effective_end(times.parse_effective(text))
