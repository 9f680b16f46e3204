"""Report facts: one pure fold from a case's non-personal event data to what board reports count.

A board report (product.md capability 5) is a function of every case's *report facts*, a period
and an instant. The facts are folded from the same rows the audit history holds (event name,
effective time, recorded time and the event's non-personal fields), so

- the ``report_cases`` read model keeps each case's facts up to date as events are projected,
- a report *as known at T* folds, for the few cases changed since T, only the rows recorded by T,

and both give the same answer by construction. Personal data never reaches the facts.

Times are kept in two forms, each where it is exact: a day is the Europe/London calendar date of
an effective time (periods are whole London days); an instant is a sortable UTC string
``YYYY-MM-DDTHH:MM:SS`` (due times, and the hours an encampment is counted in).

A report reads the facts of thousands of cases, so each is kept small: a deadline (most of a
case's facts) leaves out the history of its due time until it has one, and its pauses until
it has any (``window.due_at``, ``window.requested_on`` and ``window.pauses_of`` read them).

The shape (JSON-ready, so it is stored as it is)::

    {"ref", "type", "partnership", "hub", "opened", "opened_utc", "last" (the latest day of any
     fact), "attrs": {…},
     "stages": [[day, stage], …], "pauses": [[from_day, to_day | None], …],
     "deadlines": {name: {"kind", "resp", "start", "due" (the latest due_utc), "met",
                          "on_time", "on_time_gross", "cancelled", "paused_days",
                          "days" (from its start to met, once met),
                          and only where they say something:
                          "set" (the day it was set, when not its start day),
                          "dues": [[day, due_utc], …] (from the first, once it has moved),
                          "pauses": [[from_day, to_day | None], …]}},
     "actions": {id: {"owner", "level", "due", "added", "rags": [[day, rag], …], "closed"}},
     "processes": {id: {"kind", "linked", "concluded"}},
     "marks": {event name: [[day, utc, *detail], …]}}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, timedelta
from functools import cache
from typing import Any

import orjson

from application.reporting.window import days_between, requested_on
from domain import asb, dardr, encampment, times
from domain import case as c

Facts = dict[str, Any]
CASE_MODULES = (dardr, asb, encampment)  # every case type's events must be known to the fold

MARKED: dict[str, tuple[str, ...]] = {  # the events some table counts, with the details it reads
    # DARDR (processes/dardr.md, "What a coordinator and a board want to see")
    "ReviewDecided": ("outcome",),
    "SubmittedToHomeOffice": (),
    "QualityAssuranceOutcomeReceived": ("outcome",),
    "PublicationDeferred": ("deferral",),
    "ReportPublished": (),
    # ASB Case Review (processes/asb-case-review.md, "Annual publication")
    "ThresholdDecided": ("met", "rule"),
    "CaseReviewMeetingHeld": ("independent_chair", "victim_invited", "victim_attended"),
    "RecommendationsMade": ("count",),
    "OutcomeNotified": (),
    "AppealLodged": ("against",),
    "AppealDetermined": ("upheld", "against"),
    # Unauthorised encampments (processes/unauthorised-encampments.md, "What councils report")
    "LandOwnershipEstablished": ("land",),
    "InitialVisitCompleted": ("caravans",),
    "WelfareAssessmentCompleted": ("referrals",),
    "EncampmentDecided": ("decision", "power"),
    "DirectionServed": ("power",),
    "PoliceReferralMade": ("power",),
    "SummonsIssued": (),
    "PossessionClaimIssued": (),
    "HearingHeld": ("result",),
    "OrderGranted": ("order",),
    "EnforcementExecuted": (),
    "EncampmentVacated": ("how",),
    "SiteCleared": ("cleanup_cost", "legal_cost", "damage_cost"),
}
"""Events a report counts or measures from, with the non-personal fields it needs."""

OPENING_ATTRIBUTES = ("relationship", "death_type", "age_band", "guidance",  # DARDR
                      "channel", "applicant_type",  # ASB
                      "caravans", "vehicles", "location_key", "group")  # encampment


@cache
def _event_classes() -> dict[str, type]:
    """Event class by name, for every case type (the modules are imported above, so their
    classes are registered whatever the caller imported first)."""
    found: dict[str, type] = {}
    pending: list[type] = [c.CaseEvent]
    while pending:
        cls = pending.pop()
        found.setdefault(cls.__name__, cls)
        pending.extend(cls.__subclasses__())
    return found


@cache
def _is(event: str, kind: type) -> bool:
    """Whether the event named ``event`` is a ``kind`` (asked for every row folded: cached)."""
    cls = _event_classes().get(event)
    return cls is not None and issubclass(cls, kind)


def day(effective: str) -> str:
    """The London calendar date of an effective time, as ``YYYY-MM-DD``."""
    return effective[:10] if times.is_date_only(effective) else times.effective_date(effective).isoformat()


def utc(moment: str) -> str:
    """The sortable UTC form of an effective time or due time (a date: the start of its day)."""
    return times.effective_instant(moment).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def deadline_kind(name: str) -> str:
    """``return:<agency>:<kind>`` → ``return:<kind>``; ``action:<id>`` → ``action``."""
    if name.startswith("return:"):
        return "return:" + name.rsplit(":", 1)[-1]
    if name.startswith("action:"):
        return "action"
    return name


def new_facts() -> Facts:
    return {"ref": None, "type": None, "partnership": None, "hub": None, "opened": None,
            "opened_utc": None, "last": None, "attrs": {}, "stages": [], "pauses": [],
            "deadlines": {}, "actions": {}, "processes": {}, "marks": {}}


def fold(rows: Iterable[Mapping[str, Any]], facts: Facts | None = None) -> Facts:
    """Apply history rows (oldest first) to ``facts`` (a new case when None)."""
    result = facts if facts is not None else new_facts()
    for row in rows:
        apply(result, str(row["event"]), str(row["effective"]), _data(row["data"]))
    return result


def _data(data: Any) -> dict[str, Any]:
    return orjson.loads(data) if isinstance(data, str | bytes) else dict(data)


def apply(facts: Facts, event: str, effective: str, data: dict[str, Any]) -> None:
    """Apply one event (by class name, effective time and non-personal fields) in place."""
    on = day(effective)
    if facts.get("last") is None or on > facts["last"]:
        facts["last"] = on
    if _is(event, c.CaseOpened):
        facts.update(ref=data["reference"], type=data["case_type"],
                     partnership=data["partnership"], hub=data.get("hub"), opened=on,
                     opened_utc=utc(effective))
        facts["attrs"] = {k: data[k] for k in OPENING_ATTRIBUTES if data.get(k) is not None}
        if data.get("within_no_return_window"):
            facts["attrs"]["within_no_return_window"] = True
    if _is(event, c.StageEntered):
        facts["stages"].append([on, data["stage"]])
    if event in MARKED:
        detail = [_detail(data.get(k)) for k in MARKED[event]]
        facts["marks"].setdefault(event, []).append([on, utc(effective), *detail])
    if _is(event, c.CasePaused):
        facts["pauses"].append([on, None])
    elif _is(event, c.CaseResumed) or (_is(event, c.CaseClosed) and _open_pause(facts["pauses"])):
        pause = _open_pause(facts["pauses"])
        if pause is not None:
            pause[1] = on
    _apply_deadline(facts, event, on, data)
    _apply_action(facts, event, on, data)
    _apply_process(facts, event, on, data)


def _detail(value: Any) -> Any:
    return len(value) if isinstance(value, list) else value


def _open_pause(pauses: list[list[Any]]) -> list[Any] | None:
    return pauses[-1] if pauses and pauses[-1][1] is None else None


def _apply_deadline(facts: Facts, event: str, on: str, data: dict[str, Any]) -> None:
    deadlines: dict[str, Any] = facts["deadlines"]
    name = str(data.get("name"))
    if event == "DeadlineSet":
        start = day(data["starts"])
        deadlines[name] = {"kind": deadline_kind(name), "resp": data["responsible"], "start": start,
                           "due": utc(data["due"]), "met": None, "on_time": None,
                           "on_time_gross": None, "cancelled": None, "paused_days": 0}
        if on != start:
            deadlines[name]["set"] = on
        return
    d = deadlines.get(name)
    if d is None or not event.startswith("Deadline"):
        return
    if event == "DeadlineMet":
        d["met"], d["on_time"] = on, bool(data["on_time"])
        d["days"] = days_between(d["start"], on)
        d["on_time_gross"] = d["on_time"] if not d["paused_days"] else (
            date.fromisoformat(on) <= _due_day(d) - timedelta(days=d["paused_days"]))
    elif event == "DeadlineExtended":
        _move_due(d, on, utc(data["due"]))
    elif event == "DeadlinePaused":
        d.setdefault("pauses", []).append([on, None])
    elif event == "DeadlineResumed":
        _move_due(d, on, utc(data["due"]))
        d["paused_days"] += int(data.get("paused_days") or 0)
        pause = _open_pause(d.get("pauses") or [])
        if pause is not None:
            pause[1] = on
    elif event == "DeadlineCancelled":
        d["cancelled"] = on


def _move_due(d: dict[str, Any], on: str, due: str) -> None:
    """A new due time from ``on``: the history starts with the first due time."""
    if "dues" not in d:
        d["dues"] = [[requested_on(d), d["due"]]]
    d["dues"].append([on, due])
    d["due"] = due


def _due_day(d: dict[str, Any]) -> date:
    """The London date of a deadline's latest due time."""
    return times.effective_date(str(d["due"]) + "+00:00")


def _apply_action(facts: Facts, event: str, on: str, data: dict[str, Any]) -> None:
    actions: dict[str, Any] = facts["actions"]
    if event == "ActionAdded":
        actions[data["action_id"]] = {"owner": data["owner"], "level": data["level"],
                                      "due": utc(data["due"]), "added": on,
                                      "rags": [[on, "amber"]], "closed": None}
    elif event == "ActionUpdated" and data.get("action_id") in actions:
        actions[data["action_id"]]["rags"].append([on, data["rag"]])
    elif event == "ActionClosed" and data.get("action_id") in actions:
        actions[data["action_id"]]["closed"] = on


def _apply_process(facts: Facts, event: str, on: str, data: dict[str, Any]) -> None:
    processes: dict[str, Any] = facts["processes"]
    if event == "ParallelProcessLinked":
        processes[data["process_id"]] = {"kind": data["kind"], "linked": on, "concluded": None}
    elif event == "ParallelProcessConcluded" and data.get("process_id") in processes:
        processes[data["process_id"]]["concluded"] = on


def settled_on(facts: Facts) -> str | None:
    """The day after which the case counts in no report: closed, with every deadline met or
    cancelled and every action closed (its latest fact's day); None while anything is open."""
    closed = bool(facts["stages"]) and facts["stages"][-1][1] == "closed"
    if not closed or any(d["met"] is None and d["cancelled"] is None for d in facts["deadlines"].values()):
        return None
    if any(a["closed"] is None for a in facts["actions"].values()):
        return None
    last: str | None = facts.get("last")
    return last


def dumps(facts: Facts) -> str:
    """The stored form: compact, with sorted keys (the same facts give the same bytes)."""
    return orjson.dumps(facts, option=orjson.OPT_SORT_KEYS).decode()


def loads(stored: str | bytes) -> Facts:
    loaded: Facts = orjson.loads(stored)
    return loaded
