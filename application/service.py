"""Use cases: every command is load → decide → save, retried a bounded number of times.

The CLI, the HTTP API and the scheduler all drive this one service. It resolves references,
checks that named partnerships, hubs and agencies exist, builds the command context (effective
time, actor, reason, the injected clock and the bank-holiday calendar) and saves the new events
atomically. A refused command raises before anything is saved, so nothing is recorded.

Commands are the typed models of ``application.commands``: ``execute(ref, command, meta)`` runs
one on a case and ``open(command, meta)`` opens a case, each through its handler in ``REGISTRY``.
``Meta`` carries what every command has besides its own fields (actor, effective time, reason).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, project_aggregate
from eventsourcing.persistence import JSONTranscoder, Mapper, RecordConflictError, Transcoding

from application import retention
from application.commands import (
    REGISTRY,
    CaseCommand,
    CorrectPersonalData,
    MigratePolicy,
    NewCase,
    OpeningCommand,
)
from application.commands.common import ErasePersonalData
from application.commands.personal import corrected_value
from application.ports import Clock, PersonalDataCipher, ReadModel
from application.sealing import SealingMapper
from domain import personal, times
from domain.asb import AsbCaseReview
from domain.calendar import WorkingCalendar
from domain.case import Action, AgencyReturn, Case, CommandContext, Deadline, ParallelProcess
from domain.dardr import DardrReview
from domain.encampment import EncampmentCase
from domain.errors import ConcurrentChange, InvalidInput, NotFound
from domain.setup import (
    Agency,
    Partnership,
    ReferenceCounter,
    agency_id,
    case_id_for,
    counter_id,
    normalise_reference,
    partnership_id,
    reference_prefix,
)

MAX_ATTEMPTS = 8
T = TypeVar("T")



class StateAsDict(Transcoding):
    """Snapshots of cases hold these small state dataclasses; stored as their fields."""

    def __init__(self, state_class: type[Any]) -> None:
        self.type = state_class
        self.name = f"caseledger.{state_class.__name__}"

    def encode(self, obj: Any) -> dict[str, Any]:
        return dict(vars(obj))

    def decode(self, data: dict[str, Any]) -> Any:
        return self.type(**data)


class CaseLedgerApplication(Application[UUID]):
    """The event store of every case and of the partnership set-up (one notification log).

    Long cases and the reference counters are snapshotted every 100 events, so loading stays
    fast; a snapshot is a cache of the events before it, never a source of truth.
    """

    name = "caseledger"
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {
        DardrReview: 100, ReferenceCounter: 100, EncampmentCase: 100,
        AsbCaseReview: 100,
    }

    def __init__(self, env: Mapping[str, str] | None = None, *,
                 personal_data: PersonalDataCipher | None = None) -> None:
        """``personal_data``: the cipher that seals each event's personal field
        (application/sealing.py). None stores it unsealed: for unit tests in memory, benchmarks
        measuring what sealing costs, and readers that hold no keys (a seal then reads as None)."""
        self.personal_data = personal_data
        super().__init__(env)

    def construct_mapper(self) -> Mapper[UUID]:
        return SealingMapper(self.construct_transcoder(), self.personal_data)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        for state_class in (Deadline, AgencyReturn, Action, ParallelProcess):
            transcoder.register(StateAsDict(state_class))


def _is_uuid(text: str) -> bool:
    try:
        UUID(text.strip())
    except ValueError:
        return False
    return True


class WrongCaseType(InvalidInput):
    """A command of one case type given to a case of another."""

    def __init__(self, case: Case, wanted: type[Case]) -> None:
        def a(case_type: str) -> str:
            return f"{'an' if case_type[0] in 'aeiou' else 'a'} {case_type} case"

        commands = ", ".join(sorted(case.definition.transitions))
        super().__init__(
            f"{case.reference} is {a(case.case_type)}, not {a(wanted.definition.case_type)}; "
            f"{a(case.case_type)}'s commands: {commands}."
        )


@dataclass(frozen=True)
class Meta:
    """What every command carries besides its own fields: who records it, the effective time
    (default: now) and why."""

    actor: str
    on: str | None = None
    reason: str | None = None
    # The case version the caller last read (HTTP If-Match): the command is refused, recording
    # nothing, if the case has moved on since.
    expected_version: int | None = None


class StaleVersion(ConcurrentChange):
    """The case changed since the caller read it (its version is not the one expected)."""

    code = "stale-version"

    def __init__(self, reference: str, expected: int, current: int) -> None:
        super().__init__(f"{reference} is at version {current}, not {expected}: someone changed it "
                         "since you read it. Read it again, then decide.")
        self.expected, self.current = expected, current


@dataclass(frozen=True)
class CaseResult:
    id: str
    reference: str
    version: int
    stage: str
    notification_id: int | None = None
    detail: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "reference": self.reference,
                               "version": self.version, "stage": self.stage}
        if self.detail:
            out.update(self.detail)
        return out


class CaseService:
    """Commands on cases and partnerships; case views including time travel."""

    def __init__(self, app: CaseLedgerApplication, clock: Clock, calendar: WorkingCalendar) -> None:
        self.app = app
        self.clock = clock
        self.calendar = calendar

    # -- context, loading, saving -------------------------------------------------

    def context(self, meta: Meta) -> CommandContext:
        now = self.clock.now()
        if not meta.actor.strip():
            raise InvalidInput("The actor is empty.", field="actor")
        try:
            effective = (times.parse_effective(meta.on) if meta.on is not None
                         else times.effective_from_instant(now))
        except InvalidInput as error:
            raise InvalidInput(error.message, field="on") from None
        return CommandContext(effective=effective, actor=meta.actor, now=now,
                              calendar=self.calendar, reason=meta.reason or None)

    def _save(self, *aggregates: Any) -> int | None:
        recordings = self.app.save(*aggregates)
        return max((r.notification.id for r in recordings), default=None)

    def with_retry(self, attempt: Callable[[], T]) -> T:
        for attempt_number in range(MAX_ATTEMPTS):
            try:
                return attempt()
            except RecordConflictError:
                # Jittered back-off so that two busy writers stop colliding in lockstep.
                time.sleep(random.uniform(0, 0.004 * 2**attempt_number))
        raise ConcurrentChange(
            f"The record changed under us {MAX_ATTEMPTS} times in a row; please try again."
        )

    def resolve(self, ref: str) -> UUID:
        """A case id from a reference (CUM-DARDR-2026-003) or a UUID; NotFound for a reference
        no case was opened with."""
        case_id = self.case_id_of(ref)
        if _is_uuid(ref):
            return case_id
        if not self.app.recorder.select_events(case_id, limit=1):
            raise NotFound(f"No case with reference {normalise_reference(ref)}.")
        return case_id

    @staticmethod
    def case_id_of(ref: str) -> UUID:
        """The id a case with this reference (or UUID) has, whether or not it exists: a case's id
        follows from its reference (``case_id_for``), so this reads nothing."""
        ref = ref.strip()
        if _is_uuid(ref):
            return UUID(ref)
        return case_id_for(normalise_reference(ref))

    def load_case(self, ref: str, version: int | None = None) -> Case:
        case_id = self.resolve(ref)
        try:
            case: Case = self.app.repository.get(case_id, version=version)
        except AggregateNotFoundError:
            raise NotFound(f"No case {ref}.") from None
        if not isinstance(case, Case):
            raise NotFound(f"{ref} is not a case.")
        return case

    def load_short_case(self, case_id: UUID, known_version: int | None) -> Case:
        """A case known (from a view) to be shorter than its first snapshot is replayed from its
        events alone: one read instead of two (a snapshot look-up, then the events). The hint
        only chooses the way; a stale one costs time, never correctness."""
        if known_version is None or known_version >= min(self.app.snapshotting_intervals.values()):
            return self.load_case(str(case_id))
        case: object = project_aggregate(None, self.app.repository.event_store.get(case_id))
        if not isinstance(case, Case):
            raise NotFound(f"No case {case_id}.")
        return case

    def partnership(self, slug: str) -> Partnership:
        try:
            found: Partnership = self.app.repository.get(partnership_id(slug))
            return found
        except AggregateNotFoundError:
            raise NotFound(f"Unknown partnership '{slug}'; import the partnership set-up first.") from None

    def agency(self, slug: str) -> Agency:
        try:
            found: Agency = self.app.repository.get(agency_id(slug))
            return found
        except AggregateNotFoundError:
            raise NotFound(f"Unknown agency '{slug}'; the partnership set-up lists the agencies.") from None

    def check_agencies(self, partnership: str, slugs: Iterable[str]) -> None:
        for slug in slugs:
            agency = self.agency(slug)
            if partnership not in agency.partnerships:
                raise NotFound(
                    f"Agency '{slug}' does not work with partnership '{partnership}' "
                    f"(it works with {', '.join(agency.partnerships) or 'none'})."
                )

    # -- opening cases --------------------------------------------------------------

    def open(self, command: OpeningCommand, meta: Meta,
             views: ReadModel | None = None) -> CaseResult:
        """Open a case: check the partnership, hub and agencies named, resolve the policy in
        force on the effective date, allocate a gap-free reference, create the case with the
        command's handler and save both atomically.

        ``views`` (up to date) finds the partnership's earlier cases of the type when the
        handler asks for them; without views they are found from the reference counters.
        """
        opening = REGISTRY.opening(command)
        definition = opening.case_class.definition

        def attempt() -> CaseResult:
            ctx = self.context(meta)
            partnership = self.partnership(command.partnership)
            hub = command.hub_named()
            if hub is not None:
                partnership.require_hub(hub)
            self.check_agencies(command.partnership, command.agencies_named())
            on = times.effective_date(ctx.effective)
            if opening.policy is not None:
                policy = opening.policy(command, partnership, on.isoformat())
            else:
                national = definition.national_policy({})
                policy = partnership.policy_for(definition.case_type, on.isoformat(), national)
            counter, reference, case_id = self._allocate(partnership.code,
                                                         definition.reference_code, ctx)

            def earlier() -> list[Case]:
                return [self.load_case(ref) for ref in self._references(
                    partnership.slug, partnership.code, opening.case_class, views, on.year)]

            case = opening.create(command, NewCase(ctx, case_id, reference, policy, earlier))
            notification = self._save(counter, case)
            detail = opening.detail(case) if opening.detail is not None else None
            return self._result(case, notification, detail)

        return self.with_retry(attempt)

    def _references(self, slug: str, code: str, case_class: type[Case],
                    views: ReadModel | None, up_to_year: int) -> list[str]:
        """References of a partnership's cases of a type: from the views, else from the gap-free
        counters of the last three years (no earlier case matters to an opening command)."""
        definition = case_class.definition
        if views is not None:
            return [str(row["reference"])
                    for row in views.list_cases(slug, definition.case_type, None)]
        found: list[str] = []
        for year in range(up_to_year - 2, up_to_year + 1):
            prefix = reference_prefix(code, definition.reference_code, year)
            try:
                counter: ReferenceCounter = self.app.repository.get(counter_id(prefix))
            except AggregateNotFoundError:
                continue
            found += [f"{prefix}-{number:03d}" for number in sorted(counter.allocated)]
        return found

    def _allocate(self, code: str, type_code: str,
                  ctx: CommandContext) -> tuple[ReferenceCounter, str, UUID]:
        prefix = reference_prefix(code, type_code, times.effective_date(ctx.effective).year)
        try:
            counter: ReferenceCounter = self.app.repository.get(counter_id(prefix))
        except AggregateNotFoundError:
            counter = ReferenceCounter.start(prefix, ctx)
        reference, case_id = counter.allocate(ctx)
        return counter, reference, case_id

    # -- changing cases -------------------------------------------------------------

    def execute(self, ref: str, command: CaseCommand, meta: Meta) -> CaseResult:
        """Run a command on a case: load → decide (the command's handler) → save.

        A command registered for one case type, given to a case of another, is refused as
        ``WrongCaseType`` naming the commands that case allows."""
        if isinstance(command, MigratePolicy):
            return self._change(ref, meta, Case, self._migrate_policy)
        if isinstance(command, CorrectPersonalData):
            return self._change(ref, meta, Case,
                                lambda case, ctx: self._correct_personal_data(case, command, ctx))
        if isinstance(command, ErasePersonalData):
            return self._erase(ref, command, meta)
        handling = REGISTRY.handling(command)

        def decide(case: Case, ctx: CommandContext) -> dict[str, Any] | None:
            self.check_agencies(case.partnership, command.agencies_named())
            created = handling.handle(case, command, ctx)
            return {"created": created} if created else None

        return self._change(ref, meta, handling.case_class, decide)

    def _change(self, ref: str, meta: Meta, case_class: type[Case],
                decide: Callable[[Case, CommandContext], dict[str, Any] | None]) -> CaseResult:
        """The one loop of every command on a case: load, check its type, decide, save; again
        from the load when another writer saved the case first."""

        def attempt() -> CaseResult:
            case = self.load_case(ref)
            if not isinstance(case, case_class):
                raise WrongCaseType(case, case_class)
            if meta.expected_version is not None and case.version != meta.expected_version:
                raise StaleVersion(case.reference, meta.expected_version, case.version)
            ctx = self.context(meta)
            detail = decide(case, ctx)
            notification = self._save(case)
            return self._result(case, notification, detail)

        return self.with_retry(attempt)

    def _migrate_policy(self, case: Case, ctx: CommandContext) -> dict[str, Any]:
        """The partnership's policy in force on the effective date (the case type's national
        policy where the partnership has none)."""
        on = times.effective_date(ctx.effective).isoformat()
        partnership = self.partnership(case.partnership)
        national = case.definition.national_policy(case.policy.settings)
        case.migrate_policy(ctx, partnership.policy_for(case.case_type, on, national))
        return {"policy_version": case.policy.version}

    def _correct_personal_data(self, case: Case, command: CorrectPersonalData,
                               ctx: CommandContext) -> None:
        """Rectification: the corrected event's value as it stands, read from the case's events
        from that version on (the case's state holds no personal data), checked by the domain."""
        events = list(self.app.repository.event_store.get(case.id, gt=command.version - 1,
                                                          lte=case.version))
        personal.correct(case, ctx, corrects_version=command.version, field=command.field,
                         value=command.value, current=corrected_value(events, command.version))
        return None

    def _erase(self, ref: str, command: ErasePersonalData, meta: Meta) -> CaseResult:
        """Erasure (application/retention.py): ``PersonalDataErased`` saved under the retention
        rule in force on the effective date, then the case's data key destroyed. A case already
        marked erased whose key is still present (a crash between the two) has its key destroyed
        now, recording nothing new."""
        cipher = self.app.personal_data
        case = self.load_case(ref)
        if retention.erasure_unfinished(cipher, case):
            result = self._result(case, None, {"finished": "the data key is destroyed now"})
        else:
            handling = REGISTRY.handling(command)

            def decide(case: Case, ctx: CommandContext) -> None:
                on = times.effective_date(ctx.effective)
                rule = retention.rule_for(self.partnership(case.partnership), case.case_type, on)
                handling.handle(case, command.under(rule), ctx)

            result = self._change(ref, meta, Case, decide)
        if cipher is not None:
            cipher.destroy(UUID(result.id))
        return result

    @staticmethod
    def _result(case: Case, notification: int | None,
                detail: dict[str, Any] | None = None) -> CaseResult:
        return CaseResult(id=str(case.id), reference=case.reference, version=case.version,
                          stage=case.stage, notification_id=notification, detail=detail)

    # -- time travel (product.md capability 4) -----------------------------------------

    def case_as(self, ref: str, *, at_version: int | None = None,
                as_known_at: datetime | None = None,
                as_effective_at: str | None = None,
                known_version: int | None = None) -> tuple[Case, datetime]:
        """The case as it stood, and the instant its deadline statuses are judged at.

        ``known_version``: the case's version as a view has it, a hint for loading the case as
        it stands now (``load_short_case``)."""
        if at_version is not None:
            current = self.load_case(ref)
            if not 1 <= at_version <= current.version:
                raise InvalidInput(f"{current.reference} has versions 1 to {current.version}; "
                                   f"there is no version {at_version}.")
            case = self.load_case(ref, version=at_version)
            return case, case.modified_on
        if as_known_at is not None:
            version = self.version_known_at(self.resolve(ref), as_known_at)
            if version is None:
                raise NotFound(f"{ref} was not yet recorded at {as_known_at.isoformat()}.")
            return self.load_case(ref, version=version), as_known_at
        if as_effective_at is not None:
            return self._as_effective_at(ref, as_effective_at)
        return self.load_short_case(self.resolve(ref), known_version), self.clock.now()

    def version_known_at(self, aggregate_id: UUID, as_known_at: datetime) -> int | None:
        """The version of an aggregate (a case, a partnership…) as known at an instant: its
        last event recorded by then (None: not yet recorded)."""
        events = self._events_known_at(aggregate_id, as_known_at)
        return events[-1].originator_version if events else None

    def aggregate_known_at(self, aggregate_id: UUID, as_known_at: datetime) -> Any | None:
        """The aggregate (a partnership, an agency…) as known at an instant, replayed from its
        events up to the last one recorded by then, read once (None: not yet recorded)."""
        aggregate: Any = None
        for event in self._events_known_at(aggregate_id, as_known_at):
            aggregate = event.mutate(aggregate)
        return aggregate

    def _events_known_at(self, aggregate_id: UUID, as_known_at: datetime) -> list[Any]:
        events: list[Any] = list(self.app.repository.event_store.get(aggregate_id))
        known = [i for i, e in enumerate(events) if getattr(e, "timestamp") <= as_known_at]  # noqa: B009
        return events[:known[-1] + 1] if known else []

    def _as_effective_at(self, ref: str, moment: str) -> tuple[Case, datetime]:
        """Facts effective by ``moment``, as known now, folded in recorded order."""
        case_id = self.resolve(ref)
        included: list[Any] = [e for e in self.app.repository.event_store.get(case_id)
                    if not times.is_before(moment, getattr(e, "effective", moment))]
        if not included:
            raise NotFound(f"{ref} had not been opened by {moment}.")
        case: Any = None
        for event in included:
            if case is None:
                case = event.mutate(None)
                continue
            event.apply(case)
            case.version = event.originator_version
        return case, times.effective_end(moment)
