"""Use cases: every command is load → decide → save, retried a bounded number of times.

The CLI, the HTTP API and the scheduler all drive this one service. It resolves references,
checks that named partnerships, hubs and agencies exist, builds the command context (effective
time, actor, reason, the injected clock and the bank-holiday calendar) and saves the new events
atomically. A refused command raises before anything is saved, so nothing is recorded.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, project_aggregate
from eventsourcing.persistence import JSONTranscoder, RecordConflictError, Transcoding

from application.ports import Clock
from domain import times
from domain.asb import AsbCaseReview
from domain.calendar import WorkingCalendar
from domain.case import Action, AgencyReturn, Case, CommandContext, Deadline, ParallelProcess
from domain.dardr import DardrReview
from domain.dardr import national_policy as dardr_policy
from domain.encampment import EncampmentCase
from domain.errors import ConcurrentChange, InvalidInput, NotFound
from domain.policy import CasePolicy
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

AGENCY_ARGUMENTS = ("agency", "owner", "notified_by")


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

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        for state_class in (Deadline, AgencyReturn, Action, ParallelProcess):
            transcoder.register(StateAsDict(state_class))


@dataclass(frozen=True)
class Meta:
    """What every command carries from the user: --on, --as, --reason."""

    actor: str
    on: str | None = None
    reason: str | None = None


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
            raise InvalidInput("The actor (--as) is empty.")
        effective = times.parse_effective(meta.on) if meta.on else times.effective_from_instant(now)
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
        """A case id from a reference (CUM-DARDR-2026-003) or a UUID."""
        ref = ref.strip()
        try:
            return UUID(ref)
        except ValueError:
            pass
        reference = normalise_reference(ref)
        case_id = case_id_for(reference)
        if not self.app.recorder.select_events(case_id, limit=1):
            raise NotFound(f"No case with reference {reference}.")
        return case_id

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
        case = project_aggregate(None, self.app.repository.event_store.get(case_id))
        if not isinstance(case, Case):
            raise NotFound(f"No case {case_id}.")
        return case

    def partnership(self, slug: str) -> Partnership:
        try:
            found: Partnership = self.app.repository.get(partnership_id(slug))
            return found
        except AggregateNotFoundError:
            raise NotFound(
                f"Unknown partnership '{slug}'. Import the set-up first "
                "(caseledger partnership import FILE.toml, or --example cumbria)."
            ) from None

    def agency(self, slug: str) -> Agency:
        try:
            found: Agency = self.app.repository.get(agency_id(slug))
            return found
        except AggregateNotFoundError:
            raise NotFound(f"Unknown agency '{slug}'; see caseledger partnership list.") from None

    def check_agencies(self, partnership: str, slugs: Iterable[str]) -> None:
        for slug in slugs:
            agency = self.agency(slug)
            if partnership not in agency.partnerships:
                raise NotFound(
                    f"Agency '{slug}' does not work with partnership '{partnership}' "
                    f"(it works with {', '.join(agency.partnerships) or 'none'})."
                )

    # -- opening cases --------------------------------------------------------------

    def notify_death(self, meta: Meta, *, partnership: str, guidance: str | None = None,
                     **details: Any) -> CaseResult:
        """DARDR `notify`: the case is created with a gap-free reference."""

        def policy_for(p: Partnership, on: str) -> CasePolicy:
            chosen = guidance or p.local_setting("dardr", on, "guidance") or "dhr-2016"
            policy = p.policy_for("dardr", on, dardr_policy(chosen))
            if guidance:  # an explicit --guidance wins over the local version's setting
                policy = policy.with_overrides(
                    policy.version, policy.effective_from,
                    {"review-completion": dardr_policy(guidance).clocks["review-completion"]},
                    {"guidance": guidance},
                )
            return policy

        def create(ctx: CommandContext, case_id: UUID, reference: str, policy: CasePolicy) -> Case:
            return DardrReview.notify(ctx, case_id=case_id, reference=reference,
                                      partnership=partnership, policy=policy, **details)

        return self.open_case(meta, DardrReview, partnership, None, create, policy_for,
                              agencies=[details["notified_by"]])

    def open_case(
        self, meta: Meta, case_class: type[Case], partnership: str, hub: str | None,
        create: Callable[[CommandContext, UUID, str, CasePolicy], Case],
        policy_for: Callable[[Partnership, str], CasePolicy] | None = None,
        agencies: Iterable[str] = (),
    ) -> CaseResult:
        """Open a case of any type: check the partnership, hub and agencies, resolve the policy
        in force on the effective date, allocate a gap-free reference, save both atomically.

        ``create(ctx, case_id, reference, policy)`` is the case type's opening command.
        """
        definition = case_class.definition

        def default_policy(p: Partnership, on: str) -> CasePolicy:
            return p.policy_for(definition.case_type, on, definition.national_policy({}))

        def attempt() -> CaseResult:
            ctx = self.context(meta)
            p = self.partnership(partnership)
            if hub is not None:
                p.require_hub(hub)
            self.check_agencies(partnership, agencies)
            on = times.effective_date(ctx.effective).isoformat()
            policy = (policy_for or default_policy)(p, on)
            counter, reference, case_id = self._allocate(p.code, definition.reference_code, ctx)
            case = create(ctx, case_id, reference, policy)
            notification = self._save(counter, case)
            return self._result(case, notification)

        return self.with_retry(attempt)

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

    def change(self, ref: str, command: str, meta: Meta, **arguments: Any) -> CaseResult:
        """Run a command verb (``decide``, ``request-return``…) on a case: load → decide → save."""
        method_name = command.replace("-", "_")

        def attempt() -> CaseResult:
            case = self.load_case(ref)
            ctx = self.context(meta)
            if command not in case.definition.transitions:
                raise InvalidInput(
                    f"'{command}' is not a command of a {case.definition.case_type} case; "
                    f"its commands: {', '.join(sorted(case.definition.transitions))}."
                )
            self._check_named_agencies(case.partnership, arguments)
            outcome = getattr(case, method_name)(ctx, **arguments)
            notification = self._save(case)
            detail = {"created": outcome} if isinstance(outcome, str) else None
            return self._result(case, notification, detail)

        return self.with_retry(attempt)

    def migrate_policy(self, ref: str, meta: Meta) -> CaseResult:
        """Move a case to the partnership's policy in force on the effective date."""

        def attempt() -> CaseResult:
            case = self.load_case(ref)
            ctx = self.context(meta)
            on = times.effective_date(ctx.effective).isoformat()
            partnership = self.partnership(case.partnership)
            national = case.definition.national_policy(case.policy.settings)
            case.migrate_policy(ctx, partnership.policy_for(case.case_type, on, national))
            notification = self._save(case)
            return self._result(case, notification, {"policy_version": case.policy.version})

        return self.with_retry(attempt)

    def _check_named_agencies(self, partnership: str, arguments: dict[str, Any]) -> None:
        named = [arguments[k] for k in AGENCY_ARGUMENTS if arguments.get(k)]
        named += list(arguments.get("agencies") or [])
        self.check_agencies(partnership, named)

    @staticmethod
    def _result(case: Case, notification: int | None,
                detail: dict[str, Any] | None = None) -> CaseResult:
        return CaseResult(id=str(case.id), reference=case.reference, version=case.version,
                          stage=case.stage, notification_id=notification, detail=detail)

    # -- time travel (product.md capability 4) -----------------------------------------

    def case_as(self, ref: str, *, at_version: int | None = None,
                as_known_at: datetime | None = None,
                as_effective_at: str | None = None) -> tuple[Case, datetime]:
        """The case as it stood, and the instant its deadline statuses are judged at."""
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
        return self.load_case(ref), self.clock.now()

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
