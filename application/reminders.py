"""Issuing reminders: due deadline rows → issue-reminders on the case → ReminderIssued facts.

processes/common.md, "Reminders and escalation"; architecture.md, "Application": the reminder
policy is application code; email delivery is a separate consumer of the facts.

A run plans from the read model (one query over every open deadline, each ladder step's day
computed once per due date), then, for each case with something due, loads the case and asks
*it* to issue what is due: the aggregate decides again from its own state, so a plan made from a
stale view, a second ``reminders run`` at the same moment or a second scheduler can never issue a
step twice. Two writers on one case conflict on its version; the loser reloads and finds
nothing left to issue.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.persistence import RecordConflictError

from application.ports import ReadModel
from application.service import CaseService, Meta
from domain import times
from domain.calendar import LONDON, end_of_day
from domain.case import Case, Deadline
from domain.errors import DateRuleViolated, NotFound
from domain.reminders import (
    NATIONAL_LADDER,
    ReminderStep,
    folded,
    ladder_for,
    latest_due_with_a_step_by,
    parse_ladder,
    steps_due,
)
from domain.setup import Agency, Partnership

SCHEDULER_ACTOR = "system:scheduler"
SAVE_BATCH = 200
"""Cases saved per transaction by a run: one commit per batch instead of one per case. A write
conflict in a batch saves none of it; that batch is then done case by case, with retries."""


@dataclass(frozen=True)
class PlannedReminder:
    """A ladder step the read model says is due (the case has the last word)."""

    case_id: str
    reference: str
    deadline: str
    step: str
    due: str
    responsible: str
    recipients: tuple[str, ...]
    case_version: int | None = None  # as the view knew it: chooses how to load the case

    def to_dict(self) -> dict[str, Any]:
        return {"case": self.reference, "deadline": self.deadline, "step": self.step,
                "due": self.due, "responsible": self.responsible,
                "recipients": list(self.recipients)}


@dataclass
class RunReport:
    as_at: datetime
    dry_run: bool
    open_deadlines: int = 0
    planned: list[PlannedReminder] = field(default_factory=list)
    issued: list[dict[str, Any]] = field(default_factory=list)
    cases_changed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_at": self.as_at.astimezone(LONDON).isoformat(timespec="seconds"),
            "dry_run": self.dry_run,
            "open_deadlines": self.open_deadlines,
            "due": len(self.planned),
            "issued": self.issued if not self.dry_run else [p.to_dict() for p in self.planned],
            "cases_changed": self.cases_changed,
        }


class RecipientDirectory:
    """Who a step's roles are, from the partnership set-up as it stands when the step is issued.

    An agency's ``contact`` and ``escalation`` come from its contacts; ``chair`` is the
    partnership's chair. When the partnership itself (or a hub, or the council) is responsible,
    the contact is the partnership's coordinator and the escalation contact its chair. A role with
    nobody on record is kept, without an address, so that delivery reports it as undeliverable.
    """

    def __init__(self, cases: CaseService) -> None:
        self.cases = cases
        self._partnerships: dict[str, Partnership] = {}
        self._agencies: dict[str, Agency | None] = {}

    def _partnership(self, slug: str) -> Partnership:
        if slug not in self._partnerships:
            self._partnerships[slug] = self.cases.partnership(slug)
        return self._partnerships[slug]

    def _agency(self, slug: str) -> Agency | None:
        if slug not in self._agencies:
            try:
                self._agencies[slug] = self.cases.agency(slug)
            except NotFound:  # not an agency: the partnership, a hub, the council, occupants
                self._agencies[slug] = None
        return self._agencies[slug]

    def for_case(self, case: Case) -> Callable[[Deadline, tuple[str, ...]], list[dict[str, Any]]]:
        def resolve(deadline: Deadline, roles: tuple[str, ...]) -> list[dict[str, Any]]:
            return self.resolve(case.partnership, deadline.responsible, roles)
        return resolve

    def resolve(self, partnership: str, responsible: str, roles: Iterable[str]) -> list[dict[str, Any]]:
        p = self._partnership(partnership)
        agency = self._agency(responsible)
        people: list[dict[str, Any]] = []
        seen: set[str] = set()
        for role in roles:
            if role == "chair":
                person, whose = p.chair, f"partnership:{partnership}"
            elif agency is not None:
                person, whose = agency.contacts.get(role, {}), f"agency:{agency.slug}"
            elif role == "contact":
                person, whose = p.coordinator, f"partnership:{partnership}"
            else:  # the escalation contact for the partnership's own deadlines
                person, whose = p.chair, f"partnership:{partnership}"
            email = person.get("email") if person else None
            if email and email in seen:
                continue
            if email:
                seen.add(email)
            people.append({"role": role, "of": whose, "name": (person or {}).get("name"),
                           "email": email})
        return people


class ReminderService:
    def __init__(self, cases: CaseService, views: ReadModel, catch_up: Callable[[], int],
                 parallel_loads: int = 1) -> None:
        """``parallel_loads``: cases loaded at once while issuing (worth it where loading is
        waiting on a database server; an embedded SQLite file gains nothing)."""
        self.cases = cases
        self.views = views
        self.catch_up = catch_up
        self.parallel_loads = parallel_loads

    def plan(self, as_at: datetime) -> tuple[int, list[PlannedReminder]]:
        """Every ladder step due at ``as_at`` and not yet issued, from the read model."""
        today = as_at.astimezone(LONDON).date()
        in_use = [ladder for text in self.views.reminder_ladders_in_use()
                  for ladder in _ladders_of(text)]
        horizon = latest_due_with_a_step_by(today, [NATIONAL_LADDER, *in_use], self.cases.calendar)
        rows = self.views.reminder_candidates(due_until=end_of_day(horizon + timedelta(days=1)))
        ladders: dict[tuple[str | None, str], Any] = {}
        parsed_due: dict[str, datetime] = {}
        day_cache: dict[tuple[date, int, str], date] = {}
        calendar = self.cases.calendar
        planned = []
        for row in rows:
            name = row["name"]
            key = (row["reminder_ladders"], name)
            ladder = ladders.get(key)
            if ladder is None:
                policy = json.loads(row["reminder_ladders"]) if row["reminder_ladders"] else {}
                ladder = ladders[key] = ladder_for(policy, name)
            due = parsed_due.get(row["due"])
            if due is None:
                due = parsed_due[row["due"]] = datetime.fromisoformat(row["due"])
            reminded = row["reminded_day"] if row["reminded_due"] == row["due"] else None
            found = folded(steps_due(ladder, due, as_at, date.fromisoformat(reminded) if reminded else None,
                                     calendar, day_cache))
            if found is not None:
                step = found[0]
                planned.append(PlannedReminder(
                    case_id=row["case_id"], reference=row["reference"], deadline=name,
                    step=step.id, due=row["due"], responsible=row["responsible"],
                    recipients=step.to, case_version=row.get("version"),
                ))
        return len(rows), planned

    def run(self, meta: Meta, as_at: datetime | None = None, dry_run: bool = False,
            progress: Callable[[int, int], None] | None = None) -> RunReport:
        """Issue every due step (``dry_run``: only say what would be issued)."""
        now = self.cases.clock.now()
        as_at = as_at or now
        if as_at > now:
            raise DateRuleViolated(
                f"Reminders cannot be run as at {as_at.astimezone(LONDON).isoformat(timespec='minutes')}: "
                f"that is in the future; give a time up to now "
                f"({now.astimezone(LONDON).isoformat(timespec='minutes')}), or none for now.",
                field="as_at",
            )
        self.catch_up()
        report = RunReport(as_at=as_at, dry_run=dry_run)
        report.open_deadlines, report.planned = self.plan(as_at)
        if dry_run or not report.planned:
            return report
        by_case: dict[str, list[str]] = {}
        versions: dict[str, int | None] = {}
        for p in report.planned:
            names = by_case.setdefault(p.case_id, [])
            versions[p.case_id] = p.case_version
            if p.deadline not in names:
                names.append(p.deadline)
        directory = RecipientDirectory(self.cases)
        at_meta = Meta(actor=meta.actor, on=times.effective_from_instant(as_at), reason=meta.reason)
        work = list(by_case.items())
        with ThreadPoolExecutor(max_workers=self.parallel_loads) as loaders:
            for start in range(0, len(work), SAVE_BATCH):
                chunk = work[start:start + SAVE_BATCH]
                issued = self._issue_chunk(chunk, at_meta, directory, loaders, versions)
                report.issued.extend(issued)
                report.cases_changed += len({i["case"] for i in issued})
                if progress:
                    progress(start + len(chunk), len(work))
        self.catch_up()
        return report

    def _issue_chunk(self, chunk: list[tuple[str, list[str]]], meta: Meta,
                     directory: RecipientDirectory, loaders: ThreadPoolExecutor,
                     versions: dict[str, int | None]) -> list[dict[str, Any]]:
        try:
            return self._issue_together(chunk, meta, directory, loaders, versions)
        except RecordConflictError:  # someone else wrote one of them: case by case, retrying
            return [i for case_id, names in chunk
                    for i in self._issue(UUID(case_id), names, meta, directory)]

    def _issue_together(self, chunk: list[tuple[str, list[str]]], meta: Meta,
                        directory: RecipientDirectory, loaders: ThreadPoolExecutor,
                        versions: dict[str, int | None]) -> list[dict[str, Any]]:
        """Issue on a batch of cases and save them in one transaction (all or nothing)."""
        changed, issued = [], []
        loaded = list(loaders.map(lambda case_id: self.cases.load_short_case(UUID(case_id), versions.get(case_id)),
                                  [case_id for case_id, _ in chunk]))
        for case, (_, names) in zip(loaded, chunk, strict=True):
            done = case.issue_due_reminders(self.cases.context(meta), directory.for_case(case), names)
            if done:
                changed.append(case)
                issued.extend(done)
        if changed:
            self.cases.app.save(*changed)
        return issued

    def _issue(self, case_id: UUID, names: list[str], meta: Meta,
               directory: RecipientDirectory) -> list[dict[str, Any]]:
        def attempt() -> list[dict[str, Any]]:
            case = self.cases.load_case(str(case_id))
            ctx = self.cases.context(meta)
            issued = case.issue_due_reminders(ctx, directory.for_case(case), names)
            if issued:
                self.cases.app.save(case)
            return issued

        return self.cases.with_retry(attempt)



def _ladders_of(text: str | None) -> list[tuple[ReminderStep, ...]]:
    """The ladders of one policy's reminders table (as projected into the cases view)."""
    if not text:
        return []
    return [parse_ladder(steps) for steps in json.loads(text).values()]
