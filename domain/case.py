"""The mechanics every case type shares (processes/common.md), written once.

``Case`` is the base aggregate of DARDR reviews, ASB Case Reviews and encampment cases. It keeps
stages, deadlines, returns to agencies, actions, parallel processes, pauses, notes, closure and
re-opening. A case type adds a ``ProcessDefinition`` (its stage table), its own events and its
rules. Every event carries the effective time, the actor, an optional reason and, where it
applies, the basis; the recorded time is the event timestamp, supplied by the caller's clock.
Personal data (names, contact details, free text) is kept only in an event's ``personal`` field.
It is sealed when stored (application/sealing.py) and reads as ``None`` once the case's personal
data is erased, so every reader of ``personal`` must accept ``None``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar, Generic, Self, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain import limits, times
from domain.calendar import (
    LONDON,
    ClockData,
    ClockRule,
    ClockUnit,
    WorkingCalendar,
    due_after_pause,
    due_time,
    end_of_day,
)
from domain.choices import one_of
from domain.errors import DateRuleViolated, InvalidInput, NotFound, RuleRefused
from domain.plain import Addressees, Json, JsonObject, Text, stored
from domain.policy import Basis, CasePolicy
from domain.process import ProcessDefinition, Transition
from domain.reminders import ReminderStep, folded, ladder_for, steps_due
from domain.retention import NATIONAL_RULES, RetentionRule, retention_due, retention_started
from domain.rules import Rule
from domain.topics import PinnedTopic

Recipients = Callable[["Deadline", tuple[str, ...]], list[dict[str, str]]]
"""Resolves a step's roles to the people they are when it is issued (application supplies it)."""



class Rag(StrEnum):
    """An action's red/amber/green progress status."""

    RED = "red"
    AMBER = "amber"
    GREEN = "green"


RAG = tuple(Rag)


@dataclass(frozen=True)
class CommandContext:
    """Who is recording what, effective when, recorded when, and with which calendar."""

    effective: str
    actor: str
    now: datetime
    calendar: WorkingCalendar
    reason: str | None = None

    def __post_init__(self) -> None:
        """The actor and the reason are stored with every fact and shown by every history: they
        are held to the limits of a one-line name and of free text (domain/limits.py)."""
        for name, text, maximum, free_text in (("actor", self.actor, limits.MAX_ACTOR, False),
                                               ("reason", self.reason, limits.MAX_REASON, True)):
            problem = None if text is None else limits.text_problem(
                text, free_text=free_text, maximum=maximum)
            if problem is not None:
                raise InvalidInput(f"The {name} {problem}.", field=name)


# --------------------------------------------------------------------------- state


@dataclass
class Deadline:
    """A named obligation with a due time, a responsible party and a basis."""

    name: str
    due: str
    starts: str
    responsible: str
    basis: str
    clock: ClockData | None
    calendar: str
    status: str = "open"  # open | met | paused | cancelled
    met_on: str | None = None
    met_on_time: bool | None = None
    paused_at: str | None = None
    extensions: int = 0
    paused_days: int = 0
    reminders: int = 0
    reminded_due: str | None = None  # the due time the last reminder was issued against
    reminded_day: str | None = None  # the London day of that reminder's step

    def last_reminder_day(self) -> date | None:
        """The day of the last step issued for the *current* due time (a moved due restarts)."""
        if self.reminded_day is None or self.reminded_due != self.due:
            return None
        return date.fromisoformat(self.reminded_day)

    @property
    def due_at(self) -> datetime:
        return datetime.fromisoformat(self.due)

    def status_at(self, as_at: datetime) -> str:
        """open, overdue, met, met-late, paused or cancelled, as at an instant."""
        if self.status == "met":
            return "met" if self.met_on_time else "met-late"
        if self.status == "open" and as_at > self.due_at:
            return "overdue"
        return self.status


@dataclass
class AgencyReturn:
    agency: str
    kind: str
    requested: str
    due: str
    status: str = "requested"  # requested | received | accepted | challenged | withdrawn
    received_on: str | None = None
    challenges: int = 0
    # The documents submitted for it, oldest first: id, version, sha256, size, content_type,
    # submitted and status (current | superseded). Never the file name: that is personal.
    documents: list[dict[str, Json]] = field(default_factory=list)

    @property
    def deadline(self) -> str:
        return return_deadline_name(self.agency, self.kind)

    @property
    def outstanding(self) -> bool:
        """Asked for and not yet received (a challenged return is asked for again)."""
        return self.status in ("requested", "challenged")

    def document(self, document_id: str) -> dict[str, Json] | None:
        return next((d for d in self.documents if d["id"] == document_id), None)


@dataclass
class Action:
    id: str
    owner: str
    level: str
    due: str
    added_on: str
    rag: str = "amber"
    status: str = "open"  # open | closed
    closed_on: str | None = None
    updates: int = 0


@dataclass
class ParallelProcess:
    id: str
    kind: str
    linked_on: str
    pauses_case: bool
    status: str = "open"  # open | concluded
    concluded_on: str | None = None
    key_dates: dict[str, str] = field(default_factory=dict)


def return_deadline_name(agency: str, kind: str) -> str:
    return f"return:{agency}:{kind}"


def process_must_exist(case_type: str, effective: str) -> None:
    """A case cannot open before its process existed (domain/limits.py, EARLIEST_EFFECTIVE)."""
    earliest = limits.EARLIEST_EFFECTIVE.get(case_type)
    if earliest is not None and times.effective_date(effective) < earliest:
        raise InvalidInput(
            f"A {case_type} case cannot be effective before {limits.long_date(earliest)}, when "
            "its statutory process began.", field="on")


def within_horizon(due: datetime, effective: str) -> None:
    """A due date a person sets is at most ``HORIZON_YEARS`` after the fact that sets it."""
    latest = limits.years_after(times.effective_date(effective), limits.HORIZON_YEARS)
    if due.astimezone(LONDON).date() > latest:
        raise InvalidInput(
            f"A due date must be no more than {limits.HORIZON_YEARS} years after the date the "
            f"fact is recorded as effective (at the latest {latest.isoformat()}).")


SHA256 = re.compile(r"^[0-9a-f]{64}$")


def check_document(document_id: str, sha256: str, size: int, content_type: str) -> None:
    """What a return's document fact must carry: an id, its SHA-256 (lower-case hex), a size of
    at least one byte and a content type."""
    if not document_id.strip() or len(document_id) > 64:
        raise InvalidInput("A document needs an id of at most 64 characters.", field="document_id")
    if not SHA256.match(sha256):
        raise InvalidInput("The SHA-256 must be 64 lower-case hexadecimal digits.", field="sha256")
    if size < 1:
        raise InvalidInput("The document is empty.", field="size")
    if not content_type.strip():
        raise InvalidInput("The document's content type is missing.", field="content_type")


# --------------------------------------------------------------------------- events


C = TypeVar("C", bound="Case", contravariant=True)
"""The aggregate an event applies to: ``Case`` for the common facts, a case type for its own."""


class CaseEvent(PinnedTopic, Aggregate.Event, Generic[C]):
    """Base of every case event: effective time, actor, reason, basis (processes/common.md)."""

    TOPIC = "caseledger.domain.case:CaseEvent"

    effective: str
    actor: str
    reason: str | None
    basis: str | None

    def apply(self, aggregate: C) -> None:
        self.apply_to(aggregate)

    def apply_to(self, case: C) -> None:
        """Overridden by each event: how the fact changes the case."""


class StageEntered(CaseEvent[C]):
    """Base of the facts that move a case to another stage; the stage is stored in the event."""

    TOPIC = "caseledger.domain.case:StageEntered"

    stage: str

    def apply(self, aggregate: C) -> None:
        self.apply_to(aggregate)
        if aggregate.stage != self.stage:
            aggregate.stage_effective = self.effective
        aggregate.stage = self.stage


class CaseOpened(StageEntered[C], Aggregate.Created):
    """The first fact of a case: its identity, partnership, hub and the policy it runs under."""

    TOPIC = "caseledger.domain.case:CaseOpened"

    reference: str
    case_type: str
    partnership: str
    hub: str | None
    policy: JsonObject
    personal: JsonObject

    def apply(self, aggregate: C) -> None:
        aggregate.reference = self.reference
        aggregate.case_type = self.case_type
        aggregate.partnership = self.partnership
        aggregate.hub = self.hub
        aggregate.policy_data = dict(self.policy)
        aggregate.opened_on = self.effective
        aggregate.stage = self.stage
        aggregate.stage_effective = self.effective
        super().apply(aggregate)


class DeadlineSet(CaseEvent["Case"]):
    """A deadline's due time, computed when its starting fact was recorded, and stored."""

    TOPIC = "caseledger.domain.case:DeadlineSet"

    name: str
    due: str
    starts: str
    responsible: str
    clock: ClockData | None
    calendar: str

    def apply_to(self, case: Case) -> None:
        case.deadlines[self.name] = Deadline(
            name=self.name, due=self.due, starts=self.starts, responsible=self.responsible,
            basis=self.basis or "", clock=self.clock, calendar=self.calendar,
        )


class DeadlineMet(CaseEvent["Case"]):
    TOPIC = "caseledger.domain.case:DeadlineMet"

    name: str
    on_time: bool

    def apply_to(self, case: Case) -> None:
        d = case.deadlines[self.name]
        d.status, d.met_on, d.met_on_time = "met", self.effective, self.on_time


class DeadlineExtended(CaseEvent["Case"]):
    TOPIC = "caseledger.domain.case:DeadlineExtended"

    name: str
    due: str
    previous_due: str

    def apply_to(self, case: Case) -> None:
        d = case.deadlines[self.name]
        d.due = self.due
        d.extensions += 1


class DeadlinePaused(CaseEvent["Case"]):
    TOPIC = "caseledger.domain.case:DeadlinePaused"

    name: str

    def apply_to(self, case: Case) -> None:
        d = case.deadlines[self.name]
        d.status, d.paused_at = "paused", self.effective


class DeadlineResumed(CaseEvent["Case"]):
    TOPIC = "caseledger.domain.case:DeadlineResumed"

    name: str
    due: str
    previous_due: str
    paused_days: int

    def apply_to(self, case: Case) -> None:
        d = case.deadlines[self.name]
        d.status, d.due, d.paused_at = "open", self.due, None
        d.paused_days += self.paused_days


class DeadlineCancelled(CaseEvent["Case"]):
    TOPIC = "caseledger.domain.case:DeadlineCancelled"

    name: str

    def apply_to(self, case: Case) -> None:
        case.deadlines[self.name].status = "cancelled"


class ReminderIssued(CaseEvent["Case"]):
    """processes/common.md, "Reminders and escalation": one step of a deadline's reminder ladder.

    Recorded once per step and due time, before any email is sent; delivery is a separate
    consumer of these facts. ``recipients`` are roles (contact, escalation, chair); the names
    and addresses they resolved to when the step was issued are personal data.
    """

    TOPIC = "caseledger.domain.case:ReminderIssued"

    name: str
    step: str
    at: str
    step_day: str
    due: str
    responsible: str
    recipients: list[str]
    covers: list[str]  # earlier steps due at the same time, folded into this one
    personal: Addressees  # the names and addresses the roles resolved to

    def apply_to(self, case: Case) -> None:
        d = case.deadlines[self.name]
        d.reminders += 1
        d.reminded_due, d.reminded_day = self.due, self.step_day


class ReturnRequested(CaseEvent["Case"]):
    TOPIC = "caseledger.domain.case:ReturnRequested"

    agency: str
    kind: str
    due: str

    def apply_to(self, case: Case) -> None:
        case.returns[return_deadline_name(self.agency, self.kind)] = AgencyReturn(
            agency=self.agency, kind=self.kind, requested=self.effective, due=self.due
        )


class ReturnReceived(CaseEvent["Case"]):
    TOPIC = "caseledger.domain.case:ReturnReceived"

    agency: str
    kind: str

    def apply_to(self, case: Case) -> None:
        r = case.returns[return_deadline_name(self.agency, self.kind)]
        r.status, r.received_on = "received", self.effective


class ReturnDocumentSubmitted(CaseEvent["Case"]):
    """An agency's return submitted as a document (processes/common.md, "Requests to agencies").

    The content is kept apart, by ``document_id``; its SHA-256 is in this fact, so the integrity
    chain covers the document as it was received. Versions count 1, 2, … per return: a new
    version supersedes the one before, which stays recorded and downloadable. The file name can
    name people, so it is personal.
    """

    TOPIC = "caseledger.domain.case:ReturnDocumentSubmitted"

    agency: str
    kind: str
    document_id: str
    document_version: int
    sha256: str
    size: int
    content_type: str
    personal: JsonObject  # {"filename": the name it was uploaded with}

    def apply_to(self, case: Case) -> None:
        r = case.returns[return_deadline_name(self.agency, self.kind)]
        for earlier in r.documents:
            earlier["status"] = "superseded"
        r.documents.append({
            "id": self.document_id, "version": self.document_version, "sha256": self.sha256,
            "size": self.size, "content_type": self.content_type, "submitted": self.effective,
            "status": "current",
        })


class ReturnAccepted(CaseEvent["Case"]):
    TOPIC = "caseledger.domain.case:ReturnAccepted"

    agency: str
    kind: str

    def apply_to(self, case: Case) -> None:
        case.returns[return_deadline_name(self.agency, self.kind)].status = "accepted"


class ReturnQualityChallenged(CaseEvent["Case"]):
    TOPIC = "caseledger.domain.case:ReturnQualityChallenged"

    agency: str
    kind: str
    due: str

    def apply_to(self, case: Case) -> None:
        r = case.returns[return_deadline_name(self.agency, self.kind)]
        r.status, r.due, r.received_on = "challenged", self.due, None
        r.challenges += 1


class ReturnWithdrawn(CaseEvent["Case"]):
    TOPIC = "caseledger.domain.case:ReturnWithdrawn"

    agency: str
    kind: str

    def apply_to(self, case: Case) -> None:
        case.returns[return_deadline_name(self.agency, self.kind)].status = "withdrawn"


class ActionAdded(CaseEvent["Case"]):
    TOPIC = "caseledger.domain.case:ActionAdded"

    action_id: str
    owner: str
    level: str
    due: str
    personal: Text  # the recommendation (free text)

    def apply_to(self, case: Case) -> None:
        case.actions[self.action_id] = Action(
            id=self.action_id, owner=self.owner, level=self.level, due=self.due,
            added_on=self.effective,
        )


class ActionUpdated(CaseEvent["Case"]):
    TOPIC = "caseledger.domain.case:ActionUpdated"

    action_id: str
    rag: str
    personal: Text  # the progress note (free text)

    def apply_to(self, case: Case) -> None:
        a = case.actions[self.action_id]
        a.rag = self.rag
        a.updates += 1


class ActionClosed(CaseEvent["Case"]):
    TOPIC = "caseledger.domain.case:ActionClosed"

    action_id: str
    personal: Text  # the completion evidence (free text)

    def apply_to(self, case: Case) -> None:
        a = case.actions[self.action_id]
        a.status, a.closed_on, a.rag = "closed", self.effective, "green"


class ActionPlanAdopted(CaseEvent["Case"]):
    TOPIC = "caseledger.domain.case:ActionPlanAdopted"

    def apply_to(self, case: Case) -> None:
        case.action_plan_adopted = self.effective


class ParallelProcessLinked(CaseEvent["Case"]):
    TOPIC = "caseledger.domain.case:ParallelProcessLinked"

    process_id: str
    kind: str
    pauses_case: bool
    personal: Text  # the other process's reference (e.g. a crime number)

    def apply_to(self, case: Case) -> None:
        case.processes[self.process_id] = ParallelProcess(
            id=self.process_id, kind=self.kind, linked_on=self.effective,
            pauses_case=self.pauses_case,
        )


class ParallelProcessUpdated(CaseEvent["Case"]):
    TOPIC = "caseledger.domain.case:ParallelProcessUpdated"

    process_id: str
    status: str
    key_dates: dict[str, str]

    def apply_to(self, case: Case) -> None:
        p = case.processes[self.process_id]
        p.key_dates.update(self.key_dates)


class ParallelProcessConcluded(CaseEvent["Case"]):
    TOPIC = "caseledger.domain.case:ParallelProcessConcluded"

    process_id: str
    outcome: str

    def apply_to(self, case: Case) -> None:
        p = case.processes[self.process_id]
        p.status, p.concluded_on = "concluded", self.effective


class CasePaused(CaseEvent["Case"]):
    """Stop-the-clock for chosen deadlines (processes/common.md, "Parallel processes and pauses")."""

    TOPIC = "caseledger.domain.case:CasePaused"

    clocks: list[str]

    def apply_to(self, case: Case) -> None:
        case.paused = True
        case.paused_since = self.effective


class CaseResumed(CaseEvent["Case"]):
    TOPIC = "caseledger.domain.case:CaseResumed"

    def apply_to(self, case: Case) -> None:
        case.paused = False
        case.paused_since = None


class PolicyMigrated(CaseEvent["Case"]):
    """processes/common.md, "Local policy": a coordinator moves the case to a newer policy version.

    Deadlines already set keep their stored due times; clocks started from now on use the new one.
    """

    TOPIC = "caseledger.domain.case:PolicyMigrated"

    policy: JsonObject
    previous_version: str

    def apply_to(self, case: Case) -> None:
        case.policy_data = dict(self.policy)


class NoteAdded(CaseEvent["Case"]):
    TOPIC = "caseledger.domain.case:NoteAdded"

    personal: Text

    def apply_to(self, case: Case) -> None:
        case.notes += 1


class CaseClosed(StageEntered["Case"]):
    """processes/common.md, "Closing": records the outcome and cancels open deadlines."""

    TOPIC = "caseledger.domain.case:CaseClosed"

    outcome: str
    closed_from: str

    def apply_to(self, case: Case) -> None:
        case.closed_on = self.effective
        case.closed_from = self.closed_from
        case.paused, case.paused_since = False, None


class CaseReopened(StageEntered["Case"]):
    """processes/common.md, "Closing and re-opening": back to the stage it was closed from."""

    TOPIC = "caseledger.domain.case:CaseReopened"

    def apply_to(self, case: Case) -> None:
        case.closed_on = None


class CaseRestricted(CaseEvent["Case"]):
    """access.md, "Restricted cases": the case is restricted to the named people (account
    usernames), for example where staff know the family; others in scope see only that it exists.
    A restriction of a restricted case replaces the people named. Usernames name the staff who
    may read the case, not anyone the case is about; why it is restricted is free text and may
    name people, so it is kept in ``personal``."""

    TOPIC = "caseledger.domain.case:CaseRestricted"

    people: list[str]
    personal: Text

    def apply_to(self, case: Case) -> None:
        case.restricted_to = list(self.people)


class CaseRestrictionLifted(CaseEvent["Case"]):
    """access.md, "Restricted cases": everyone in scope reads the case again as their role
    allows; why is free text, kept in ``personal``."""

    TOPIC = "caseledger.domain.case:CaseRestrictionLifted"

    personal: Text

    def apply_to(self, case: Case) -> None:
        case.restricted_to = None


class LegalHoldPlaced(CaseEvent["Case"]):
    """A legal hold: the case's personal data is kept beyond its retention while the hold is
    open (UK GDPR Art. 17(3)(e), data needed for legal claims; e.g. litigation, an inquiry, a
    complaint to the Ombudsman or the ICO). A case may carry several, each by its label: a short
    matter or file number, not personal. Why is free text and may name people: ``personal``."""

    TOPIC = "caseledger.domain.case:LegalHoldPlaced"

    label: str
    personal: Text  # {"why": …}

    def apply_to(self, case: Case) -> None:
        case.legal_holds = {**(case.legal_holds or {}), self.label: self.effective}


class LegalHoldLifted(CaseEvent["Case"]):
    """The hold with this label is lifted; retention applies again once no hold is open. Why is
    free text: ``personal``."""

    TOPIC = "caseledger.domain.case:LegalHoldLifted"

    label: str
    personal: Text  # {"why": …}

    def apply_to(self, case: Case) -> None:
        case.legal_holds = {k: v for k, v in (case.legal_holds or {}).items() if k != self.label}


class PersonalDataErased(CaseEvent["Case"]):
    """The case's personal data is erased at the end of its retention (UK GDPR Art. 5(1)(e)
    and 17(1)(a); domain/retention.py). Once this fact is saved, the case's data key is
    destroyed (crypto-shredding): every personal field of every one of its events, and its
    return documents, can no longer be read by anyone, with or without the master key, while
    every non-personal fact, deadline, statistic and the integrity chain stay as they are.

    Who and when are the actor and the effective and recorded times; ``rule`` is the retention
    rule applied (``RetentionRule.to_dict``: years, milestone, basis, national or local), with
    the day retention started and the day it ended. Nothing more is recorded on the case."""

    TOPIC = "caseledger.domain.case:PersonalDataErased"

    rule: JsonObject
    retention_started: str
    retention_ended: str

    def apply_to(self, case: Case) -> None:
        case.personal_data_erased = {
            "on": self.effective, "by": self.actor, "rule": dict(self.rule),
            "retention_started": self.retention_started, "retention_ended": self.retention_ended,
        }


RECORD_KEEPING: tuple[type[CaseEvent[Any]], ...] = (LegalHoldPlaced, LegalHoldLifted,
                                                    PersonalDataErased)
"""Facts about keeping the case's record rather than its work (retention): they count in no
report and change no statistic."""


# --------------------------------------------------------------------------- aggregate


class Case(Aggregate):
    """Base aggregate for a case of any type: the shared mechanics of processes/common.md."""

    TOPIC = "caseledger.domain.case:Case"

    class Event(PinnedTopic, Aggregate.Event):
        TOPIC = "caseledger.domain.case:Case.Event"

    class Created(Event, Aggregate.Created):
        TOPIC = "caseledger.domain.case:Case.Created"

    definition: ClassVar[ProcessDefinition]
    paused_event: ClassVar[type[CasePaused]] = CasePaused
    resumed_event: ClassVar[type[CaseResumed]] = CaseResumed

    # The state every case type shares, set by CaseOpened and changed by the common events.
    # Never personal data: that stays in the events' ``personal`` fields.
    reference: str = field(init=False)
    case_type: str = field(init=False)
    partnership: str = field(init=False)
    hub: str | None = field(init=False, default=None)
    policy_data: dict[str, Json] = field(init=False, default_factory=dict)
    opened_on: str = field(init=False)
    stage: str = field(init=False)
    stage_effective: str = field(init=False)
    closed_on: str | None = field(init=False, default=None)
    closed_from: str | None = field(init=False, default=None)
    deadlines: dict[str, Deadline] = field(init=False, default_factory=dict)
    returns: dict[str, AgencyReturn] = field(init=False, default_factory=dict)
    actions: dict[str, Action] = field(init=False, default_factory=dict)
    processes: dict[str, ParallelProcess] = field(init=False, default_factory=dict)
    action_plan_adopted: str | None = field(init=False, default=None)
    paused: bool = field(init=False, default=False)
    paused_since: str | None = field(init=False, default=None)
    notes: int = field(init=False, default=0)
    # The usernames a restricted case is restricted to (None: not restricted). A class-level
    # default, so that snapshots taken before restriction existed load as unrestricted.
    restricted_to: list[str] | None = field(init=False, default=None)
    # Open legal holds, label → effective date placed (None: never held), and the non-personal
    # marker of an erasure (None: not erased). Class-level defaults, so that snapshots taken
    # before holds and erasure existed load as neither.
    legal_holds: dict[str, str] | None = field(init=False, default=None)
    personal_data_erased: dict[str, Json] | None = field(init=False, default=None)

    @property
    def policy(self) -> CasePolicy:
        """The policy the case runs under (kept as plain data so that snapshots stay JSON)."""
        return CasePolicy.from_dict(self.policy_data)

    @property
    def is_closed(self) -> bool:
        return self.stage == self.definition.closed_stage

    def open_deadlines(self) -> list[Deadline]:
        return [d for d in self.deadlines.values() if d.status == "open"]

    def open_actions(self) -> list[Action]:
        return [a for a in self.actions.values() if a.status == "open"]

    def open_processes(self, kind: str | None = None) -> list[ParallelProcess]:
        return [
            p for p in self.processes.values()
            if p.status == "open" and (kind is None or p.kind == kind)
        ]

    # -- opening ------------------------------------------------------------------

    @classmethod
    def open_case(
        cls, event_class: type[CaseOpened[Self]], ctx: CommandContext, *, case_id: UUID,
        reference: str, partnership: str, hub: str | None, policy: CasePolicy, stage: str,
        basis: Basis, personal: JsonObject, **fields: object,
    ) -> Self:
        times.must_not_be_in_future(ctx.effective, ctx.now)
        process_must_exist(cls.definition.case_type, ctx.effective)
        return cls._create(
            event_class, id=case_id, timestamp=ctx.now, effective=ctx.effective, actor=ctx.actor,
            reason=ctx.reason, basis=str(basis), reference=reference,
            case_type=cls.definition.case_type, partnership=partnership, hub=hub,
            policy=policy.to_dict(), stage=str(stage), personal=personal, **stored(fields),
        )

    # -- the building blocks every command uses ----------------------------------

    def begin(self, command: str, ctx: CommandContext, *, after: str | None = None,
              after_what: str = "the stage it depends on") -> Transition:
        """Check the stage table and the two date rules; returns the transition used."""
        self.must_not_be_erased()
        found = self.definition.check(command, self.stage, self.reference)
        times.must_not_be_in_future(ctx.effective, ctx.now)
        times.must_not_precede(ctx.effective, self.opened_on, "the opening of the case")
        if after is not None:
            times.must_not_precede(ctx.effective, after, after_what)
        return found

    def record(self, event_class: type[CaseEvent[Self]], ctx: CommandContext,
               basis: Basis | str | None = None, **fields: object) -> None:
        """Trigger the event; choices are stored as their plain text, as they are read back."""
        self.must_not_be_erased()  # every command's checks say so first; this is the backstop
        self.trigger_event(
            event_class, timestamp=ctx.now, effective=ctx.effective, actor=ctx.actor,
            reason=ctx.reason, basis=str(basis) if basis is not None else None, **stored(fields),
        )

    def enter(self, event_class: type[StageEntered[Self]], ctx: CommandContext,
              found: Transition, stage: str, **fields: object) -> None:
        """Record a stage-moving fact; ``stage`` must be one the transition table allows."""
        if stage not in found.leads_to:  # a programming error in a case type, not user input
            raise RuntimeError(f"{found.command} may not lead to {stage}")
        if stage != self.stage:
            times.must_not_precede(ctx.effective, self.stage_effective,
                                   f"the start of the current stage '{self.stage}'")
        self.record(event_class, ctx, found.basis, stage=stage, **fields)

    def set_deadline(self, ctx: CommandContext, name: str, clock_kind: str, responsible: str,
                     *, starts: str | None = None, due: str | None = None) -> None:
        """DeadlineSet: compute the due time now, from the case's policy and the calendar."""
        policy = self.policy.clock_for(clock_kind)
        starts = starts or ctx.effective
        if due is None and policy.rule.unit is ClockUnit.HOURS and times.is_date_only(starts):
            raise InvalidInput(
                f"The {name} clock counts hours, so it needs the time as well as the date "
                "(e.g. 2026-03-02T14:30): from a date alone its due time would be a guess.",
                field="on")
        if due is None:
            due_at = due_time(policy.rule, times.effective_instant(starts), ctx.calendar)
            clock: ClockData | None = policy.rule.to_dict()
            basis: Basis | str = policy.basis
        else:
            due_at = self._explicit_due(due, starts)
            clock, basis = None, f"agreement: due date set on request ({policy.basis})"
            within_horizon(due_at, ctx.effective)
        self.record(
            DeadlineSet, ctx, basis, name=name, due=due_at.isoformat(), starts=starts,
            responsible=responsible, clock=clock, calendar=ctx.calendar.source,
        )

    @staticmethod
    def _explicit_due(due: str, starts: str) -> datetime:
        due = times.parse_effective(due)
        due_day = times.effective_date(due)
        if due_day < times.effective_date(starts):
            raise DateRuleViolated(
                f"The due date {due_day} is before the date it runs from ({starts}); "
                "give a due date on or after it."
            )
        return end_of_day(due_day) if times.is_date_only(due) else times.effective_instant(due)

    def meet_deadline(self, ctx: CommandContext, name: str) -> None:
        """DeadlineMet, if the deadline is open (or paused); on time if met by its due time."""
        d = self.deadlines.get(name)
        if d is None or d.status not in ("open", "paused"):
            return
        # Met while its clock was stopped: on time if the pause began by the due time.
        judged_at = d.paused_at if d.status == "paused" and d.paused_at else ctx.effective
        on_time = times.effective_instant(judged_at) <= d.due_at
        self.record(DeadlineMet, ctx, d.basis, name=name, on_time=on_time)

    def cancel_deadline(self, ctx: CommandContext, name: str) -> None:
        d = self.deadlines.get(name)
        if d is not None and d.status in ("open", "paused"):
            self.record(DeadlineCancelled, ctx, d.basis, name=name)

    def deadline(self, name: str) -> Deadline:
        try:
            return self.deadlines[name]
        except KeyError:
            known = ", ".join(sorted(self.deadlines)) or "none yet"
            raise NotFound(f"{self.reference} has no deadline '{name}'; its deadlines: {known}.") from None

    # -- returns (processes/common.md, "Requests to agencies") ----------------------

    def request_return(self, ctx: CommandContext, agency: str, kind: str,
                       due: str | None = None) -> None:
        self.begin("request-return", ctx)
        self._request(ctx, agency, kind, due)

    def check_can_request(self, agencies: list[str], kind: str) -> None:
        """Validate a batch of requests before anything is recorded."""
        duplicates = sorted({a for a in agencies if agencies.count(a) > 1})
        if duplicates:
            raise InvalidInput(f"Agencies named more than once: {', '.join(duplicates)}.")
        for agency in agencies:
            self._check_request(agency, kind)

    def _check_request(self, agency: str, kind: str) -> None:
        if kind not in self.definition.return_kinds:
            raise InvalidInput(
                f"Unknown return kind '{kind}' for a {self.definition.case_type} case; "
                f"use one of {', '.join(self.definition.return_kinds)}.",
                field="kind",
            )
        existing = self.returns.get(return_deadline_name(agency, kind))
        if existing is not None and existing.status in ("requested", "challenged"):
            raise RuleRefused(
                f"A {kind} return from {agency} is already requested on {self.reference} "
                f"(due {existing.due[:10]}); extend its deadline or withdraw it instead."
            )

    def _request(self, ctx: CommandContext, agency: str, kind: str, due: str | None) -> None:
        self._check_request(agency, kind)
        name = return_deadline_name(agency, kind)
        self.set_deadline(ctx, name, f"return:{kind}", agency, due=due)
        self.record(ReturnRequested, ctx, self.deadlines[name].basis, agency=agency, kind=kind,
                    due=self.deadlines[name].due)

    def _return(self, agency: str, kind: str, *allowed: str) -> AgencyReturn:
        r = self.returns.get(return_deadline_name(agency, kind))
        if r is None:
            raise NotFound(f"No {kind} return has been requested from {agency} on {self.reference}.")
        if r.status not in allowed:
            raise RuleRefused(
                f"The {kind} return from {agency} is '{r.status}'; this needs it to be "
                f"{' or '.join(allowed)}."
            )
        return r

    def receive_return(self, ctx: CommandContext, agency: str, kind: str) -> None:
        self.begin("receive-return", ctx)
        r = self._return(agency, kind, "requested", "challenged")
        times.must_not_precede(ctx.effective, r.requested, "the request")
        self.record(ReturnReceived, ctx, agency=agency, kind=kind)
        self.meet_deadline(ctx, r.deadline)

    def submit_return_document(self, ctx: CommandContext, agency: str, kind: str, *,
                               document_id: str, sha256: str, size: int, content_type: str,
                               filename: str) -> int:
        """Record a return's document; returns its version (1, 2, …).

        A requested (or challenged) return is received with it, its deadline met on time or
        late, as ``receive_return`` does; a received return gets a new version that supersedes
        the last, meeting nothing again. An accepted or withdrawn return takes no document: a
        coordinator challenges an accepted one first, so that the new version is asked for."""
        self.begin("receive-return", ctx)  # stage-wise, submitting a document is receiving it
        r = self._return(agency, kind, "requested", "challenged", "received")
        times.must_not_precede(ctx.effective, r.requested, "the request")
        check_document(document_id, sha256, size, content_type)
        if any(d.document(document_id) for d in self.returns.values()):
            raise RuleRefused(f"The document {document_id} is already recorded on {self.reference}.")
        version = len(r.documents) + 1
        receives = r.outstanding
        self.record(ReturnDocumentSubmitted, ctx, agency=agency, kind=kind,
                    document_id=document_id, document_version=version, sha256=sha256,
                    size=size, content_type=content_type, personal={"filename": filename})
        if receives:
            self.record(ReturnReceived, ctx, agency=agency, kind=kind)
            self.meet_deadline(ctx, r.deadline)
        return version

    def accept_return(self, ctx: CommandContext, agency: str, kind: str) -> None:
        self.begin("accept-return", ctx)
        r = self._return(agency, kind, "received")
        times.must_not_precede(ctx.effective, r.received_on or r.requested, "its receipt")
        self.record(ReturnAccepted, ctx, agency=agency, kind=kind)

    def challenge_return(self, ctx: CommandContext, agency: str, kind: str,
                         due: str | None = None) -> None:
        """Quality challenged and re-requested: the return's deadline opens again."""
        self.begin("challenge-return", ctx)
        r = self._return(agency, kind, "received")
        times.must_not_precede(ctx.effective, r.received_on or r.requested, "its receipt")
        if not ctx.reason:
            raise InvalidInput("Say why the return is challenged.", field="reason")
        self.set_deadline(ctx, r.deadline, f"return:{kind}", agency, due=due)
        self.record(ReturnQualityChallenged, ctx, agency=agency, kind=kind,
                    due=self.deadlines[r.deadline].due)

    def withdraw_return(self, ctx: CommandContext, agency: str, kind: str) -> None:
        self.begin("withdraw-return", ctx)
        r = self._return(agency, kind, "requested", "challenged", "received")
        self.record(ReturnWithdrawn, ctx, agency=agency, kind=kind)
        self.cancel_deadline(ctx, r.deadline)

    # -- deadlines ------------------------------------------------------------------

    def extend_deadline(self, ctx: CommandContext, name: str, to: str) -> None:
        self.begin("extend-deadline", ctx)
        d = self.deadline(name)
        if d.status not in ("open", "paused"):
            raise RuleRefused(f"The deadline '{name}' is {d.status}; only an open deadline can be extended.")
        if not ctx.reason:
            raise InvalidInput("Say why the deadline is extended and who agreed.", field="reason")
        new_due = self._explicit_due(to, d.starts)
        within_horizon(new_due, ctx.effective)
        if new_due <= d.due_at:
            raise DateRuleViolated(
                f"The new due date {new_due.date()} is not later than the current one "
                f"({d.due_at.astimezone(LONDON).date()}); an extension must move it later."
            )
        self.record(DeadlineExtended, ctx, d.basis, name=name, due=new_due.isoformat(),
                    previous_due=d.due)

    # -- reminders (processes/common.md, "Reminders and escalation") -----------------

    def reminder_steps_due(self, name: str, as_at: datetime,
                           calendar: WorkingCalendar) -> list[ReminderStep]:
        """The ladder steps due now for one deadline: none unless it is open (so none while it
        is met, cancelled or paused) and the case is open."""
        d = self.deadlines.get(name)
        if d is None or d.status != "open" or self.is_closed:
            return []
        reminders = self.policy_data.get("reminders")  # no need to parse the clocks
        ladder = ladder_for(reminders if isinstance(reminders, Mapping) else {}, name)
        return steps_due(ladder, d.due_at, as_at, d.last_reminder_day(), calendar)

    def reminder_due(self, name: str, as_at: datetime,
                     calendar: WorkingCalendar) -> tuple[ReminderStep, list[str]] | None:
        """The one reminder to issue now for a deadline (steps due at once folded), or None."""
        return folded(self.reminder_steps_due(name, as_at, calendar))

    def issue_due_reminders(self, ctx: CommandContext, recipients: Recipients,
                            names: list[str] | None = None) -> list[dict[str, Any]]:
        """Record a ReminderIssued for every step due at ``ctx.effective`` and not yet issued.

        Idempotent: a step issued once is never issued again for the same due time, so a
        second run, or a second scheduler retrying after a write conflict, records nothing.
        Returns what was issued (no personal data).
        """
        times.must_not_be_in_future(ctx.effective, ctx.now)
        as_at = times.effective_instant(ctx.effective)
        issued: list[dict[str, Any]] = []
        for name in names if names is not None else list(self.deadlines):
            found = self.reminder_due(name, as_at, ctx.calendar)
            if found is None:
                continue
            step, covers = found
            d = self.deadlines[name]
            day = step.day(d.due_at.astimezone(LONDON).date(), ctx.calendar)
            self.record(ReminderIssued, ctx, d.basis, name=name, step=step.id, at=step.at,
                        step_day=day.isoformat(), due=d.due, responsible=d.responsible,
                        recipients=list(step.to), covers=covers,
                        personal={"to": recipients(d, step.to)})
            issued.append({"case": self.reference, "deadline": name, "step": step.id,
                           "covers": covers, "due": d.due, "responsible": d.responsible,
                           "recipients": list(step.to), "version": self.version})
        return issued

    # -- pauses and parallel processes (processes/common.md) -------------------------

    def pause(self, ctx: CommandContext, clocks: list[str] | None = None) -> None:
        self.begin("pause", ctx)
        if not ctx.reason:
            raise InvalidInput("Say why the case is paused.", field="reason")
        self._pause(ctx, clocks)

    def _pause(self, ctx: CommandContext, clocks: list[str] | None) -> None:
        if self.paused:
            raise RuleRefused(f"{self.reference} is already paused since {self.paused_since}.")
        open_names = [d.name for d in self.open_deadlines()]
        chosen = clocks if clocks else open_names
        for name in chosen:
            if name not in open_names:
                raise InvalidInput(
                    f"'{name}' is not an open deadline of {self.reference}; "
                    f"open: {', '.join(open_names) or 'none'}."
                )
        self.record(self.paused_event, ctx, clocks=chosen)
        for name in chosen:
            self.record(DeadlinePaused, ctx, self.deadlines[name].basis, name=name)

    def resume(self, ctx: CommandContext) -> None:
        self.begin("resume", ctx)
        self._resume(ctx)

    def _resume(self, ctx: CommandContext) -> None:
        if not self.paused or self.paused_since is None:
            raise RuleRefused(f"{self.reference} is not paused.")
        times.must_not_precede(ctx.effective, self.paused_since, "the start of the pause")
        self.record(self.resumed_event, ctx)
        for d in [d for d in self.deadlines.values() if d.status == "paused"]:
            self._resume_deadline(ctx, d)

    def _resume_deadline(self, ctx: CommandContext, d: Deadline) -> None:
        paused_at = times.effective_instant(d.paused_at or ctx.effective)
        # A resume given as a date on the day of a timed pause resumes at the pause, not before.
        resumed_at = max(times.effective_instant(ctx.effective), paused_at)
        rule = ClockRule.from_dict(d.clock) if d.clock else None
        if rule is None:  # an explicit due date moves by calendar days, to the end of that day
            shift = resumed_at.astimezone(LONDON).date() - paused_at.astimezone(LONDON).date()
            new_due = end_of_day(d.due_at.astimezone(LONDON).date() + shift)
        else:
            new_due = due_after_pause(rule, d.due_at, paused_at, resumed_at, ctx.calendar)
        days = (times.effective_date(ctx.effective) - times.effective_date(d.paused_at or ctx.effective)).days
        self.record(DeadlineResumed, ctx, d.basis, name=d.name, due=new_due.isoformat(),
                    previous_due=d.due, paused_days=days)

    def link_process(self, ctx: CommandContext, kind: str, reference: str,
                     pause: bool = False) -> str:
        self.begin("link-process", ctx)
        if kind not in self.definition.process_kinds:
            raise InvalidInput(
                f"Unknown parallel process kind '{kind}'; use one of "
                f"{', '.join(self.definition.process_kinds)}.",
                field="kind",
            )
        if pause and self.paused:
            raise RuleRefused(
                f"{self.reference} is already paused since {self.paused_since}; link the process "
                "without pausing the case, or resume first.",
                field="pause",
            )
        process_id = f"P{len(self.processes) + 1}"
        self.record(ParallelProcessLinked, ctx, process_id=process_id, kind=kind,
                    pauses_case=pause, personal={"reference": reference})
        if pause:
            self._pause(ctx, None)
        return process_id

    def _process(self, process_id: str) -> ParallelProcess:
        p = self.processes.get(process_id)
        if p is None:
            known = ", ".join(sorted(self.processes)) or "none"
            raise NotFound(f"{self.reference} has no linked process '{process_id}'; linked: {known}.")
        if p.status != "open":
            raise RuleRefused(f"The linked process {process_id} is already concluded.")
        return p

    def update_process(self, ctx: CommandContext, process_id: str, status: str,
                       key_dates: dict[str, str]) -> None:
        self.begin("update-process", ctx)
        p = self._process(process_id)
        times.must_not_precede(ctx.effective, p.linked_on, "the link")
        self.record(ParallelProcessUpdated, ctx, process_id=process_id, status=status,
                    key_dates=key_dates)

    def conclude_process(self, ctx: CommandContext, process_id: str, outcome: str) -> None:
        self.begin("conclude-process", ctx)
        p = self._process(process_id)
        times.must_not_precede(ctx.effective, p.linked_on, "the link")
        if p.pauses_case and self.paused and self.paused_since:
            times.must_not_precede(ctx.effective, self.paused_since, "the start of the pause")
        self.record(ParallelProcessConcluded, ctx, process_id=process_id, outcome=outcome)
        if p.pauses_case and self.paused and not any(
            q.pauses_case for q in self.open_processes()
        ):
            self._resume(ctx)
        self.after_process_concluded(ctx, p)

    def after_process_concluded(self, ctx: CommandContext, process: ParallelProcess) -> None:
        """Hook for a case type (DARDR: publication clock after a criminal process ends)."""

    # -- actions (processes/common.md, "Actions and recommendations") ---------------

    def add_action(self, ctx: CommandContext, recommendation: str, owner: str, level: str,
                   due: str) -> str:
        self.begin("add-action", ctx)
        if level not in self.definition.action_levels:
            raise InvalidInput(
                f"Unknown action level '{level}'; use one of {', '.join(self.definition.action_levels)}.",
                field="level",
            )
        if not recommendation.strip():
            raise InvalidInput("The recommendation text is empty.", field="recommendation")
        action_id = f"A{len(self.actions) + 1}"
        name = f"action:{action_id}"
        self.set_deadline(ctx, name, "action", owner, due=due)
        self.record(ActionAdded, ctx, "action plan", action_id=action_id, owner=owner,
                    level=level, due=self.deadlines[name].due,
                    personal={"recommendation": recommendation})
        return action_id

    def _action(self, action_id: str) -> Action:
        a = self.actions.get(action_id)
        if a is None:
            known = ", ".join(sorted(self.actions)) or "none"
            raise NotFound(f"{self.reference} has no action '{action_id}'; actions: {known}.")
        if a.status != "open":
            raise RuleRefused(f"The action {action_id} is already closed.")
        return a

    def update_action(self, ctx: CommandContext, action_id: str, rag: Rag, note: str) -> None:
        self.begin("update-action", ctx)
        a = self._action(action_id)
        rag = one_of(Rag, rag, field="rag", what="RAG status")
        times.must_not_precede(ctx.effective, a.added_on, "the action being added")
        self.record(ActionUpdated, ctx, action_id=action_id, rag=rag, personal={"note": note})

    def close_action(self, ctx: CommandContext, action_id: str, evidence: str) -> None:
        self.begin("close-action", ctx)
        a = self._action(action_id)
        if not evidence.strip():
            raise InvalidInput("Give the completion evidence.", field="evidence")
        times.must_not_precede(ctx.effective, a.added_on, "the action being added")
        self.record(ActionClosed, ctx, action_id=action_id, personal={"evidence": evidence})
        self.meet_deadline(ctx, f"action:{action_id}")

    # -- policy ------------------------------------------------------------------------

    def migrate_policy(self, ctx: CommandContext, policy: CasePolicy) -> None:
        found = self.begin("migrate-policy", ctx)
        if policy.version == self.policy.version:
            raise RuleRefused(f"{self.reference} already runs under policy {policy.version}.")
        if not ctx.reason:
            raise InvalidInput("Say why the case moves to another policy version.", field="reason")
        self.record(PolicyMigrated, ctx, found.basis, policy=policy.to_dict(),
                    previous_version=self.policy.version)

    # -- notes, closing, re-opening ---------------------------------------------------

    def add_note(self, ctx: CommandContext, text: str) -> None:
        self.begin("add-note", ctx)
        if not text.strip():
            raise InvalidInput("The note is empty.", field="text")
        self.record(NoteAdded, ctx, personal={"text": text})

    def close(self, ctx: CommandContext, outcome: str) -> None:
        found = self.begin("close", ctx)
        if not outcome.strip():
            raise InvalidInput("Give the outcome of the case.", field="outcome")
        self.check_can_close(ctx)
        self.close_with(ctx, found, outcome)

    def close_with(self, ctx: CommandContext, found: Transition, outcome: str) -> None:
        """CaseClosed, then every open or paused deadline cancelled."""
        closed_from = self.stage
        self.enter(CaseClosed, ctx, found, self.definition.closed_stage, outcome=outcome,
                   closed_from=closed_from)
        for d in list(self.deadlines.values()):
            self.cancel_deadline(ctx, d.name)

    def check_can_close(self, ctx: CommandContext) -> None:
        """Hook for a case type's closing rules."""

    def reopen(self, ctx: CommandContext) -> None:
        found = self.begin("reopen", ctx, after=self.closed_on, after_what="the closure")
        if not ctx.reason:
            raise InvalidInput("Say why the case is re-opened.", field="reason")
        stage = self.closed_from or self.definition.stages[0]
        self.record(CaseReopened, ctx, found.basis, stage=stage)

    # -- restriction (access.md, "Restricted cases") -----------------------------------

    def restrict(self, ctx: CommandContext, people: list[str], why: str) -> None:
        """CaseRestricted to ``people`` (usernames). Not a step of the process: a case may be
        restricted at any stage, closed included, since its records stay as sensitive."""
        self._check_restriction_dates(ctx)
        named = sorted({person.strip() for person in people if person.strip()})
        if not named:
            raise InvalidInput("Name the people the case is restricted to (their usernames).",
                               field="people")
        if len(named) > limits.MAX_ITEMS:
            raise InvalidInput(f"Name at most {limits.MAX_ITEMS} people.", field="people")
        for person in named:
            problem = limits.text_problem(person, free_text=False, maximum=limits.MAX_ACTOR)
            if problem is not None:
                raise InvalidInput(f"The username '{person[:40]}' {problem}.", field="people")
        if self.restricted_to is not None and sorted(self.restricted_to) == named:
            raise RuleRefused(f"{self.reference} is already restricted to exactly these people.")
        self.record(CaseRestricted, ctx, people=named, personal={"why": _why(why)})

    def lift_restriction(self, ctx: CommandContext, why: str) -> None:
        """CaseRestrictionLifted, if the case is restricted."""
        self._check_restriction_dates(ctx)
        if self.restricted_to is None:
            raise RuleRefused(f"{self.reference} is not restricted; there is no restriction to "
                              "lift.")
        self.record(CaseRestrictionLifted, ctx, personal={"why": _why(why)})

    def _check_restriction_dates(self, ctx: CommandContext) -> None:
        self.must_not_be_erased()
        times.must_not_be_in_future(ctx.effective, ctx.now)
        times.must_not_precede(ctx.effective, self.opened_on, "the opening of the case")

    # -- legal holds and erasure (domain/retention.py) ---------------------------------

    @property
    def open_holds(self) -> dict[str, str]:
        """The open legal holds: label → the date each was placed."""
        return dict(self.legal_holds or {})

    def must_not_be_erased(self) -> None:
        """Nothing is recorded on a case whose personal data was erased: its record is final."""
        if self.personal_data_erased is not None:
            raise RuleRefused(
                f"{self.reference}'s personal data was erased on "
                f"{str(self.personal_data_erased['on'])[:10]} at the end of its retention; "
                "nothing more can be recorded on it.")

    def place_legal_hold(self, ctx: CommandContext, label: str, why: str) -> None:
        """LegalHoldPlaced: at any stage, closed included (a claim can come after closure)."""
        self._check_restriction_dates(ctx)
        label = hold_label(label)
        if label in self.open_holds:
            raise RuleRefused(f"{self.reference} already has an open legal hold '{label}' "
                              f"(placed {self.open_holds[label][:10]}).", field="label")
        if len(self.open_holds) >= limits.MAX_ITEMS:
            raise RuleRefused(f"{self.reference} has {limits.MAX_ITEMS} open legal holds; lift "
                              "one first.")
        self.record(LegalHoldPlaced, ctx, _HOLD, label=label, personal={"why": _why(why)})

    def lift_legal_hold(self, ctx: CommandContext, label: str, why: str) -> None:
        """LegalHoldLifted, for an open hold named by its label."""
        self._check_restriction_dates(ctx)
        label = label.strip()
        placed = self.open_holds.get(label)
        if placed is None:
            held = ", ".join(sorted(self.open_holds)) or "none"
            raise RuleRefused(f"{self.reference} has no open legal hold '{label[:40]}'; open "
                              f"holds: {held}.", field="label")
        times.must_not_precede(ctx.effective, placed, "the hold being placed")
        self.record(LegalHoldLifted, ctx, _HOLD, label=label, personal={"why": _why(why)})

    def erase_personal_data(self, ctx: CommandContext, rule: RetentionRule) -> None:
        """PersonalDataErased under ``rule`` (the retention rule in force on the effective
        date). Refused while the case is open, while any legal hold is open, before its
        retention ends, and when it is already erased."""
        self._check_restriction_dates(ctx)
        if not self.is_closed:
            raise RuleRefused(f"{self.reference} is open (at stage '{self.stage}'): its personal "
                              "data is erased only after it is closed and its retention ends.")
        if self.open_holds:
            raise RuleRefused(f"{self.reference} is under legal hold "
                              f"({', '.join(sorted(self.open_holds))}): lift every hold before "
                              "its personal data can be erased.")
        started, due = retention_started(self, rule), retention_due(self, rule)
        if started is None or due is None:  # closed, so never; typed for mypy
            raise RuntimeError("a closed case has a retention start")
        if times.effective_date(ctx.effective) < due:
            raise RuleRefused(f"{self.reference}'s retention ({rule.says()}, from "
                              f"{started.isoformat()}) ends on {due.isoformat()}; its personal "
                              "data cannot be erased before then.")
        self.record(PersonalDataErased, ctx, rule.basis, rule=rule.to_dict(),
                    retention_started=started.isoformat(), retention_ended=due.isoformat())

    # -- views -------------------------------------------------------------------------

    def view_details(self) -> dict[str, Json]:
        """Facts particular to a case type, shown under ``details`` by ``case show``."""
        return {}

    def view_extra(self) -> dict[str, Json]:
        """Top-level keys a case type adds to ``case show --json`` (cli.md)."""
        return {}

    def days_open(self, as_at: date) -> int:
        end = times.effective_date(self.closed_on) if self.closed_on else as_at
        return (end - times.effective_date(self.opened_on)).days


def _why(text: str) -> str:
    """Why a restriction is set or lifted: required, since the access log is read by people
    who must be able to tell a need to know from a mistake."""
    if not text.strip():
        raise InvalidInput("Say why (e.g. 'a panel member knows the family').", field="why")
    return text


HOLD_LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ./_-]{0,39}$")

_HOLD = Basis("statute", "UK GDPR Art. 17(3)(e): personal data needed for legal claims")


def hold_label(text: str) -> str:
    """A legal hold's label: a short matter or file number (``LIT-2031-04``), up to 40 letters,
    digits, spaces and ``./_-``; a label is shown in lists and logs, so never a name."""
    label = text.strip()
    if not HOLD_LABEL.match(label):
        raise InvalidInput("Give the hold a short label: a matter or file number such as "
                           "LIT-2031-04 (up to 40 letters, digits, spaces and . / _ -), not a "
                           "name.", field="label")
    return label


COMMON_COMMANDS = (
    "request-return", "receive-return", "accept-return", "challenge-return", "withdraw-return",
    "extend-deadline", "pause", "resume", "link-process", "update-process", "conclude-process",
    "add-action", "update-action", "close-action", "add-note", "migrate-policy", "close",
)


# --------------------------------------------------------------------------- rules catalogue

_ENGINE = Basis("assumed local practice",
                "caseledger's own record-keeping (processes/common.md); no statute or guidance "
                "sets it")

_CASE_NOUNS = {"dardr": "DARDR review", "asb": "ASB Case Review", "encampment": "encampment case"}

RULES: tuple[Rule, ...] = (
    Rule("common", "common.time.not-before-what-it-follows",
         "A fact cannot take effect before the fact it follows (a return received before it was "
         "requested, a resumption before its pause, a re-opening before the closure).", _ENGINE),
    Rule("common", "common.return.one-open-request",
         "An agency has at most one open request for each kind of return on a case; a second is "
         "refused: extend the deadline or withdraw the request instead.", _ENGINE),
    Rule("common", "common.return.challenge-needs-reason",
         "A received return can be challenged only with a reason; its deadline opens again.",
         _ENGINE),
    Rule("common", "common.deadline.extension",
         "Only an open or paused deadline can be extended, with a reason saying who agreed, and "
         "only to a later date.", _ENGINE),
    Rule("common", "common.pause.reason-and-one-at-a-time",
         "A case is paused with a reason, one pause at a time; its chosen open deadlines stop "
         "until it is resumed.", _ENGINE),
    Rule("common", "common.close.outcome-and-deadlines",
         "A case is closed with its outcome; closing cancels its open deadlines, unless the case "
         "type's own closing rules refuse first (e.g. a DARDR duty still owed).", _ENGINE),
    Rule("common", "common.reopen.reason",
         "A closed case is re-opened only with a reason, at the stage it was closed from.",
         _ENGINE),
    Rule("common", "common.retention.erase-after-retention",
         "A case's personal data is erased (its data key destroyed) only once the case is closed, "
         "no legal hold is open and its retention has ended; nothing more is recorded on it "
         "after that.", Basis("statute", "UK GDPR Art. 5(1)(e) storage limitation and Art. 17 "
                              "right to erasure"),
         "https://www.legislation.gov.uk/eur/2016/679/article/5"),
    Rule("common", "common.retention.legal-hold",
         "A legal hold, placed with a label and why at any stage, keeps the case's personal data "
         "beyond its retention until it is lifted; several may be open.", _HOLD,
         "https://www.legislation.gov.uk/eur/2016/679/article/17"),
    *(Rule(r.case_type, f"{r.case_type}.retention.{r.effective_from.isoformat()}",
           f"Personal data of a closed {_CASE_NOUNS[r.case_type]} is kept {r.says()}, unless the "
           "partnership's local policy sets retention_years or retention_counted_from; national "
           f"default from {r.effective_from.isoformat()}.", r.basis) for r in NATIONAL_RULES),
)
"""The common mechanics' own checks, for the rules catalogue (application/rules.py): the engine's
record-keeping, not law, and said so."""
