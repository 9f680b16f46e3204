"""Report facts: one pure fold from a case's non-personal event data to what board reports count.

A board report (product.md capability 5) is a function of every case's *report facts*, a period
and an instant. The facts are folded from the same rows the audit history holds (event name,
effective time, recorded time and the event's non-personal fields), so

- the ``report_cases`` read model keeps each case's facts up to date as events are projected,
- a report *as known at T* folds, for the few cases changed since T, only the rows recorded by T,

and both give the same answer by construction. Personal data never reaches the facts.

The fold reads the stored JSON of each row, not a decoded event object: a report as known at T
may fold thousands of cases' histories. What an event contributes is decided by its class in
the domain, in one place: ``FOLDS`` (a fold function per event class; an event class is folded by
the functions of every class it derives from) and ``MARKED`` (the events some table counts, with
the fields it reads). An event name is resolved to its domain class once. Every other event class
is listed in ``IGNORED``, and a test holds every event class of the domain to one decision.

Times are kept in two forms, each where it is exact: a day is the Europe/London calendar date of
an effective time (periods are whole London days); an instant is sortable UTC text
(``domain.times.sortable_utc``: due times, and the hours an encampment is counted in).

A report reads the facts of thousands of cases, so each is kept small: a deadline (most of a
case's facts) leaves out the history of its due time until it has one, and its pauses until
it has any (``window.due_at``, ``window.requested_on`` and ``window.pauses_of`` read them).
The shape is ``shape.CaseFacts``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, timedelta
from functools import cache
from typing import Any

import orjson

from application.reporting.shape import ActionFacts, CaseFacts, DeadlineFacts, Span
from application.reporting.window import days_between, requested_on
from domain import asb, dardr, encampment, personal, times
from domain import case as c

EventData = Mapping[str, Any]
"""An event's non-personal fields as stored in its history row (decoded JSON)."""

Fold = Callable[[CaseFacts, str, str, EventData], None]
"""How one event changes a case's facts: ``(facts, day, effective, data)``, in place."""

OPENING_ATTRIBUTES = ("relationship", "death_type", "age_band", "guidance",  # DARDR
                      "channel", "applicant_type",  # ASB
                      "caravans", "vehicles", "location_key", "group")  # encampment


def day(effective: str) -> str:
    """The London calendar date of an effective time, as ``YYYY-MM-DD``."""
    return effective[:10] if times.is_date_only(effective) else times.effective_date(effective).isoformat()


def utc(moment: str) -> str:
    """The sortable UTC form of an effective time or due time (a date: the start of its day)."""
    return times.sortable_utc(times.effective_instant(moment))


def deadline_kind(name: str) -> str:
    """``return:<agency>:<kind>`` → ``return:<kind>``; ``action:<id>`` → ``action``."""
    if name.startswith("return:"):
        return "return:" + name.rsplit(":", 1)[-1]
    if name.startswith("action:"):
        return "action"
    return name


def new_facts() -> CaseFacts:
    return {"ref": None, "type": None, "partnership": None, "hub": None, "opened": None,
            "opened_utc": None, "last": None, "attrs": {}, "stages": [], "pauses": [],
            "deadlines": {}, "actions": {}, "processes": {}, "marks": {}}


RECORD_KEEPING_NAMES = frozenset(cls.__name__ for cls in c.RECORD_KEEPING)
"""Facts about keeping the record (legal holds, erasure), not about the case's work: their day
is not the case's latest fact, so that holding or erasing a settled case, years on, changes no
report."""


def fold(rows: Iterable[Mapping[str, Any]], facts: CaseFacts | None = None) -> CaseFacts:
    """Apply history rows (oldest first) to ``facts`` (a new case when None)."""
    result = facts if facts is not None else new_facts()
    folds = folds_by_name()
    for row in rows:
        effective = str(row["effective"])
        on = day(effective)
        last = result["last"]
        if (last is None or on > last) and row["event"] not in RECORD_KEEPING_NAMES:
            result["last"] = on
        found = folds.get(str(row["event"]))
        if found:
            data = _data(row["data"])
            for each in found:
                each(result, on, effective, data)
    return result


def _data(data: str | bytes | Mapping[str, Any]) -> EventData:
    if isinstance(data, str | bytes):
        decoded: dict[str, Any] = orjson.loads(data)
        return decoded
    return data


# --------------------------------------------------------------------------- the case


def _opened(facts: CaseFacts, on: str, effective: str, data: EventData) -> None:
    facts["ref"], facts["type"] = data["reference"], data["case_type"]
    facts["partnership"], facts["hub"] = data["partnership"], data.get("hub")
    facts["opened"], facts["opened_utc"] = on, utc(effective)
    attrs = {k: data[k] for k in OPENING_ATTRIBUTES if data.get(k) is not None}
    if data.get("within_no_return_window"):
        attrs["within_no_return_window"] = True
    facts["attrs"] = attrs


def _stage_entered(facts: CaseFacts, on: str, effective: str, data: EventData) -> None:
    facts["stages"].append([on, data["stage"]])


def _paused(facts: CaseFacts, on: str, effective: str, data: EventData) -> None:
    facts["pauses"].append([on, None])


def _resumed(facts: CaseFacts, on: str, effective: str, data: EventData) -> None:
    """Ends the open pause (closing a paused case ends it too)."""
    pause = _open_pause(facts["pauses"])
    if pause is not None:
        pause[1] = on


def _open_pause(pauses: list[Span]) -> Span | None:
    return pauses[-1] if pauses and pauses[-1][1] is None else None


# --------------------------------------------------------------------------- deadlines


def _deadline_set(facts: CaseFacts, on: str, effective: str, data: EventData) -> None:
    name = str(data["name"])
    start = day(data["starts"])
    deadline: DeadlineFacts = {
        "kind": deadline_kind(name), "resp": data["responsible"], "start": start,
        "due": utc(data["due"]), "met": None, "on_time": None, "on_time_gross": None,
        "cancelled": None, "paused_days": 0}
    if on != start:
        deadline["set"] = on
    facts["deadlines"][name] = deadline


def _deadline(fold: Callable[[DeadlineFacts, str, EventData], None]) -> Fold:
    """A fold of an event about a deadline already set (others are ignored)."""
    def on_deadline(facts: CaseFacts, on: str, effective: str, data: EventData) -> None:
        deadline = facts["deadlines"].get(str(data.get("name")))
        if deadline is not None:
            fold(deadline, on, data)
    on_deadline.__name__ = fold.__name__
    return on_deadline


@_deadline
def _deadline_met(d: DeadlineFacts, on: str, data: EventData) -> None:
    d["met"], d["on_time"] = on, bool(data["on_time"])
    d["days"] = days_between(d["start"], on)
    d["on_time_gross"] = d["on_time"] if not d["paused_days"] else (
        date.fromisoformat(on) <= _due_day(d) - timedelta(days=d["paused_days"]))


@_deadline
def _deadline_extended(d: DeadlineFacts, on: str, data: EventData) -> None:
    _move_due(d, on, utc(data["due"]))


@_deadline
def _deadline_paused(d: DeadlineFacts, on: str, data: EventData) -> None:
    d.setdefault("pauses", []).append([on, None])


@_deadline
def _deadline_resumed(d: DeadlineFacts, on: str, data: EventData) -> None:
    _move_due(d, on, utc(data["due"]))
    d["paused_days"] += int(data.get("paused_days") or 0)
    pause = _open_pause(d.get("pauses") or [])
    if pause is not None:
        pause[1] = on


@_deadline
def _deadline_cancelled(d: DeadlineFacts, on: str, data: EventData) -> None:
    d["cancelled"] = on


def _move_due(d: DeadlineFacts, on: str, due: str) -> None:
    """A new due time from ``on``: the history starts with the first due time."""
    if "dues" not in d:
        d["dues"] = [[requested_on(d), d["due"]]]
    d["dues"].append([on, due])
    d["due"] = due


def _due_day(d: DeadlineFacts) -> date:
    """The London date of a deadline's latest due time."""
    return times.effective_date(d["due"] + "+00:00")


# --------------------------------------------------------------------------- actions, processes


def _action_added(facts: CaseFacts, on: str, effective: str, data: EventData) -> None:
    action: ActionFacts = {"owner": data["owner"], "level": data["level"], "due": utc(data["due"]),
                           "added": on, "rags": [[on, "amber"]], "closed": None}
    facts["actions"][data["action_id"]] = action


def _action_updated(facts: CaseFacts, on: str, effective: str, data: EventData) -> None:
    action = facts["actions"].get(data.get("action_id", ""))
    if action is not None:
        action["rags"].append([on, data["rag"]])


def _action_closed(facts: CaseFacts, on: str, effective: str, data: EventData) -> None:
    action = facts["actions"].get(data.get("action_id", ""))
    if action is not None:
        action["closed"] = on


def _process_linked(facts: CaseFacts, on: str, effective: str, data: EventData) -> None:
    facts["processes"][data["process_id"]] = {"kind": data["kind"], "linked": on, "concluded": None}


def _process_concluded(facts: CaseFacts, on: str, effective: str, data: EventData) -> None:
    process = facts["processes"].get(data.get("process_id", ""))
    if process is not None:
        process["concluded"] = on


# --------------------------------------------------------------------------- the decisions


EventClass = type[c.CaseEvent[Any]]

FOLDS: dict[EventClass, Fold] = {
    c.CaseOpened: _opened,
    c.StageEntered: _stage_entered,
    c.CasePaused: _paused,
    c.CaseResumed: _resumed,
    c.CaseClosed: _resumed,
    c.DeadlineSet: _deadline_set,
    c.DeadlineMet: _deadline_met,
    c.DeadlineExtended: _deadline_extended,
    c.DeadlinePaused: _deadline_paused,
    c.DeadlineResumed: _deadline_resumed,
    c.DeadlineCancelled: _deadline_cancelled,
    c.ActionAdded: _action_added,
    c.ActionUpdated: _action_updated,
    c.ActionClosed: _action_closed,
    c.ParallelProcessLinked: _process_linked,
    c.ParallelProcessConcluded: _process_concluded,
}
"""What an event of each class does to a case's facts (a subclass: each of its classes' folds)."""

MARKED: dict[EventClass, tuple[str, ...]] = {
    # DARDR (processes/dardr.md, "What a coordinator and a board want to see")
    dardr.ReviewDecided: ("outcome",),
    dardr.ReviewDecidedWithOtherReview: ("outcome", "other_review"),
    dardr.SubmittedToHomeOffice: (),
    dardr.QualityAssuranceOutcomeReceived: ("outcome",),
    dardr.PublicationDeferred: ("deferral",),
    dardr.ReportPublished: (),
    # ASB Case Review (processes/asb-case-review.md, "Annual publication")
    asb.ThresholdDecided: ("met", "rule"),
    asb.CaseReviewMeetingHeld: ("independent_chair", "victim_invited", "victim_attended"),
    asb.RecommendationsMade: ("count",),
    asb.OutcomeNotified: (),
    asb.AppealLodged: ("against",),
    asb.AppealDetermined: ("upheld", "against"),
    # Unauthorised encampments (processes/unauthorised-encampments.md, "What councils report")
    encampment.LandOwnershipEstablished: ("land",),
    encampment.InitialVisitCompleted: ("caravans",),
    encampment.WelfareAssessmentCompleted: ("referrals",),
    encampment.EncampmentDecided: ("decision", "power"),
    encampment.DirectionServed: ("power",),
    encampment.PoliceReferralMade: ("power",),
    encampment.SummonsIssued: (),
    encampment.PossessionClaimIssued: (),
    encampment.HearingHeld: ("result",),
    encampment.OrderGranted: ("order",),
    encampment.EnforcementExecuted: (),
    encampment.EncampmentVacated: ("how",),
    encampment.SiteCleared: ("cleanup_cost", "legal_cost", "damage_cost"),
}
"""Events a table counts or measures from, with the non-personal fields it reads: kept in
``marks`` under the event's name, as ``[day, utc, *detail]`` (``window.marks`` reads them)."""

IGNORED: frozenset[EventClass] = frozenset({
    c.ReminderIssued, c.ReturnRequested, c.ReturnReceived, c.ReturnAccepted,
    c.ReturnQualityChallenged, c.ReturnWithdrawn, c.ActionPlanAdopted, c.ParallelProcessUpdated,
    c.PolicyMigrated, c.NoteAdded,
    dardr.ScopingReviewCompleted, dardr.ChairAppointed, dardr.PanelMemberAdded,
    dardr.PanelMeetingHeld, dardr.PartnershipSignedOff, dardr.CopySentToDomesticAbuseCommissioner,
    dardr.FamilyContactRecorded, dardr.AdvocacyOffered, dardr.FamilyContributionReceived,
    dardr.FamilyShownDraft, dardr.PseudonymsAgreed, dardr.FamilyDeclinedInvolvement,
    dardr.DutyOutstandingAtClosure, dardr.PublicationDeferralEnded, dardr.QaPanelLetterDated,
    dardr.QaPointRecorded, dardr.QaPointAddressed, dardr.QaPointClosed,
    dardr.HomeOfficeToldOfPublication, dardr.KeyLinesOfEnquiryAgreed, dardr.CorePanelIncomplete,
    dardr.FamilyLeafletGiven, dardr.AdvocacyResponseRecorded, dardr.FamilyTermsInputReceived,
    dardr.FamilyToldOfPublicationDate, dardr.SignedOffWithoutFamilyEngagement,
    asb.AppealBodyRecorded, asb.AppealWaived, asb.ApplicationPassedOn, asb.NotMetReasonsNotified,
    asb.ThresholdNotMetCategorised, asb.VictimConsentConfirmed, asb.VictimContactAssigned,
    asb.VictimInvolvementChosen, asb.VictimTenancyRecorded, asb.VictimToldOfClosure,
    encampment.ClaimServed, encampment.DirectionConditionsRecorded, encampment.EntryNoticeGiven,
    asb.ComplaintAdded, asb.ComplaintsMarkedDuplicate, asb.ThresholdDecisionNotified,
    asb.ReviewMeetingScheduled, asb.ActionPlanSharedWithVictim, asb.VictimCommentsRecorded,
    encampment.ComplianceChecked, encampment.OrderServed, encampment.EnforcementScheduled,
    # A return's document comes with its ReturnReceived when it receives the return; a
    # restriction changes who may read a case, not what it counts.
    c.ReturnDocumentSubmitted, c.CaseRestricted, c.CaseRestrictionLifted,
    # A correction of personal data changes what is held about a person, not what is counted.
    personal.PersonalDataCorrected,
    # Legal holds and erasure are about keeping the record, not the case's work.
    *c.RECORD_KEEPING,
})
"""Event classes no report counts: the fold passes over them (their day still counts as the
case's latest fact)."""


def event_classes() -> dict[str, EventClass]:
    """Every case event class of the domain, by the name its history rows carry."""
    found: dict[str, EventClass] = {}
    pending: list[EventClass] = [c.CaseEvent]
    while pending:
        cls = pending.pop()
        found.setdefault(cls.__name__, cls)
        pending.extend(cls.__subclasses__())
    return found


def folds_of(cls: EventClass) -> tuple[Fold, ...]:
    """What an event of ``cls`` does: the folds of its classes, most general first, then its mark."""
    found = [FOLDS[k] for k in reversed(cls.__mro__) if k in FOLDS]
    for k in cls.__mro__:
        if k in MARKED:
            found.append(_marker(k.__name__, MARKED[k]))
            break
    return tuple(found)


def _marker(event: str, fields: tuple[str, ...]) -> Fold:
    def mark(facts: CaseFacts, on: str, effective: str, data: EventData) -> None:
        detail = [_detail(data.get(k)) for k in fields]
        facts["marks"].setdefault(event, []).append([on, utc(effective), *detail])
    return mark


def _detail(value: object) -> object:
    return len(value) if isinstance(value, list) else value


@cache
def folds_by_name() -> dict[str, tuple[Fold, ...]]:
    """Each event name resolved to its class's folds, once (the modules of every case type are
    imported above, so their classes are known whatever the caller imported first)."""
    return {name: folds_of(cls) for name, cls in event_classes().items()}


# --------------------------------------------------------------------------- reading


def settled_on(facts: CaseFacts) -> str | None:
    """The day after which the case counts in no report: closed, with every deadline met or
    cancelled and every action closed (its latest fact's day); None while anything is open."""
    closed = bool(facts["stages"]) and facts["stages"][-1][1] == "closed"
    if not closed or any(d["met"] is None and d["cancelled"] is None for d in facts["deadlines"].values()):
        return None
    if any(a["closed"] is None for a in facts["actions"].values()):
        return None
    return facts["last"]


def dumps(facts: CaseFacts) -> str:
    """The stored form: compact, with sorted keys (the same facts give the same bytes)."""
    return orjson.dumps(facts, option=orjson.OPT_SORT_KEYS).decode()


def loads(stored: str | bytes) -> CaseFacts:
    loaded: CaseFacts = orjson.loads(stored)
    return loaded
