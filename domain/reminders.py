"""The reminder ladder (processes/common.md, "Reminders and escalation").

A partnership's policy defines, per deadline kind, a ladder of steps such as
``5 working days before due → contact``, ``on the due day → contact``,
``3 working days overdue → contact and escalation contact`` and
``10 working days overdue → escalation contact and the partnership's chair``. A daily job issues
every step that is due and not yet issued, as a ``ReminderIssued`` fact on the case.

The ladder is part of the case's policy (so it is fixed when the case is opened and changes only
by a policy migration, like every clock). A step's day is counted from the deadline's *current*
due date, so an extension, or a pause and resume, restarts the ladder from the moved date.

Two rules where the guidance is silent, chosen so that people get one true message, not a pile:
- a step on or before the due day says "due soon" or "due today": it lapses once the deadline is
  overdue (it would no longer be true);
- when several steps fall due at once (a deadline recorded late, a scheduler that was down), the
  latest is issued once, addressed to everyone the steps it overtakes would have reached: no
  escalation is lost and nobody gets the same chase twice. The fact records the steps it covers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, TypeAlias, TypedDict

from domain.calendar import LONDON, WorkingCalendar, add_working_days, is_working_day
from domain.errors import InvalidInput

ROLES = ("contact", "escalation", "chair")
"""Who a step goes to: the responsible agency's contact, its escalation contact (its strategic
lead), the partnership's chair. For a deadline the partnership itself is responsible for, the
contact is the partnership's coordinator and the escalation contact its chair."""

UNITS = {"wd": "working-days", "d": "days"}
OFFSET = re.compile(r"^(?P<sign>[+-]?)(?P<amount>\d{1,3})(?P<unit>wd|d)?$")


class StepData(TypedDict):
    """A reminder step as policy data stores it: ``{"at": "-5wd", "to": ["contact"]}``."""

    at: str
    to: list[str]


Ladders: TypeAlias = dict[str, list[StepData]]
"""A policy's reminder ladders per deadline kind, as stored."""


@dataclass(frozen=True)
class ReminderStep:
    """One rung: an offset from the due date (negative before, 0 on the day, positive overdue)."""

    offset: int
    unit: str  # "working-days" | "days"
    to: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.unit not in UNITS.values():
            raise InvalidInput(f"Unknown reminder unit '{self.unit}'; use working-days or days.")
        if not self.to:
            raise InvalidInput("A reminder step needs at least one recipient (contact, escalation, chair).")
        for role in self.to:
            if role not in ROLES:
                raise InvalidInput(f"Unknown reminder recipient '{role}'; use {', '.join(ROLES)}.")

    @property
    def _short_unit(self) -> str:
        return "wd" if self.unit == "working-days" else "d"

    @property
    def at(self) -> str:
        """The offset as written in policy: ``-5wd``, ``0``, ``+3wd``."""
        return "0" if self.offset == 0 else f"{self.offset:+d}{self._short_unit}"

    @property
    def id(self) -> str:
        """A stable name for the step: ``5wd-before``, ``due-day``, ``3wd-overdue``."""
        if self.offset == 0:
            return "due-day"
        return f"{abs(self.offset)}{self._short_unit}-{'before' if self.offset < 0 else 'overdue'}"

    @property
    def says_due_soon(self) -> bool:
        return self.offset <= 0

    def day(self, due_day: date, calendar: WorkingCalendar) -> date:
        """The London date on which this step falls due."""
        return step_day(due_day, self.offset, self.unit, calendar)

    def to_dict(self) -> StepData:
        return {"at": self.at, "to": list(self.to)}

    @classmethod
    def parse(cls, at: str, to: Iterable[str]) -> ReminderStep:
        match = OFFSET.match(str(at).strip())
        if not match:
            raise InvalidInput(
                f"Reminder offset '{at}' is not understood; write e.g. -5wd (5 working days before "
                "due), 0 (the due day), +3wd (3 working days overdue) or +7d (calendar days)."
            )
        amount = int(match["amount"]) * (-1 if match["sign"] == "-" else 1)
        if amount != 0 and not match["unit"]:
            raise InvalidInput(f"Reminder offset '{at}' needs a unit: wd (working days) or d (days).")
        return cls(offset=amount, unit=UNITS[match["unit"] or "wd"], to=tuple(to))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReminderStep:
        return cls.parse(str(data["at"]), data["to"])


def parse_ladder(steps: Iterable[Mapping[str, Any]]) -> tuple[ReminderStep, ...]:
    """Validate a ladder from policy data; steps are kept in date order, each offset once."""
    parsed = sorted((ReminderStep.from_dict(s) for s in steps), key=_order)
    seen = [s.at for s in parsed]
    repeated = sorted({a for a in seen if seen.count(a) > 1})
    if repeated:
        raise InvalidInput(f"Reminder offsets given more than once: {', '.join(repeated)}.")
    return tuple(parsed)


def _order(step: ReminderStep) -> tuple[int, int]:
    # Working days are at least as long as days: -5wd comes before -5d, +5wd after +5d.
    return (step.offset, 0 if step.unit == "days" else (-1 if step.offset < 0 else 1))


NATIONAL_LADDER = parse_ladder([
    {"at": "-5wd", "to": ["contact"]},
    {"at": "0", "to": ["contact"]},
    {"at": "+3wd", "to": ["contact", "escalation"]},
    {"at": "+10wd", "to": ["escalation", "chair"]},
])
"""The example ladder of processes/common.md, used for any deadline kind a policy leaves out."""


def ladder_keys(deadline_name: str) -> list[str]:
    """The policy keys that may define a deadline's ladder, most specific first.

    ``return:police:imr`` → ``return:imr``, ``return``, ``default``; ``action:A2`` → ``action``,
    ``default``; ``decision`` → ``decision``, ``default``.
    """
    parts = deadline_name.split(":")
    if parts[0] == "return" and len(parts) == 3:
        return [f"return:{parts[2]}", "return", "default"]
    if len(parts) > 1:
        return [parts[0], "default"]
    return [deadline_name, "default"]


def ladder_for(reminders: Mapping[str, Any], deadline_name: str) -> tuple[ReminderStep, ...]:
    """The ladder a policy gives a deadline (an empty list in policy means: no reminders)."""
    for key in ladder_keys(deadline_name):
        if key in reminders:
            return _cached_ladder(_freeze(reminders[key]))
    return NATIONAL_LADDER


def _freeze(steps: Iterable[Mapping[str, Any]]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((str(s["at"]), tuple(s["to"])) for s in steps)


@lru_cache(maxsize=256)
def _cached_ladder(frozen: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[ReminderStep, ...]:
    return parse_ladder({"at": at, "to": to} for at, to in frozen)


def check_reminders(reminders: Mapping[str, object]) -> Ladders:
    """Validate a policy's ``reminders`` table; returns it in its stored (normalised) form."""
    out: Ladders = {}
    for kind, steps in sorted(reminders.items()):
        if not isinstance(steps, list):
            raise InvalidInput(
                f"Reminders for '{kind}' must be a list of steps like {{at = \"-5wd\", to = [\"contact\"]}}."
            )
        out[kind] = [s.to_dict() for s in parse_ladder(steps)]
    return out


def step_day(due_day: date, offset: int, unit: str, calendar: WorkingCalendar) -> date:
    """The day ``offset`` days (or working days) from a due date.

    Working days count as in processes/common.md: +3wd is the 3rd working day after the due
    date; -5wd the 5th working day before it. The due day itself is not counted.
    """
    if unit == "days":
        return due_day + timedelta(days=offset)
    if offset >= 0:
        return add_working_days(calendar, due_day, offset)
    day, remaining = due_day, -offset
    while remaining:
        day -= timedelta(days=1)
        if is_working_day(calendar, day):
            remaining -= 1
    return day


def steps_due(
    ladder: tuple[ReminderStep, ...], due: datetime, as_at: datetime,
    reminded_day: date | None, calendar: WorkingCalendar,
    day_cache: dict[tuple[date, int, str], date] | None = None,
) -> list[ReminderStep]:
    """The steps due now for an open deadline due at ``due`` (issue them ``folded``).

    ``reminded_day`` is the day of the last step already issued *for this due time* (or None):
    steps on or before it were issued or lapsed. See the module docstring for lapsing.
    ``day_cache`` lets a sweep over many deadlines compute each (due day, offset) once.
    """
    due_day = due.astimezone(LONDON).date()
    today = as_at.astimezone(LONDON).date()

    def day_of(step: ReminderStep) -> date:
        if day_cache is None:
            return step.day(due_day, calendar)
        key = (due_day, step.offset, step.unit)
        found = day_cache.get(key)
        if found is None:
            found = day_cache[key] = step.day(due_day, calendar)
        return found

    pending = [
        s for s in ladder
        if (day := day_of(s)) <= today and (reminded_day is None or day > reminded_day)
    ]
    if as_at > due:
        pending = [s for s in pending if not s.says_due_soon]
    return pending


def folded(pending: list[ReminderStep]) -> tuple[ReminderStep, list[str]] | None:
    """The one step to issue for steps due at once: the latest, to the union of their
    recipients (in ladder order); with the ids of the steps it covers."""
    if not pending:
        return None
    latest = pending[-1]
    to: list[str] = []
    for step in pending:
        to.extend(role for role in step.to if role not in to)
    return ReminderStep(latest.offset, latest.unit, tuple(to)), [s.id for s in pending[:-1]]


def latest_due_with_a_step_by(today: date, ladders: Iterable[tuple[ReminderStep, ...]],
                              calendar: WorkingCalendar) -> date:
    """The latest due date whose ladder can have a step due by ``today`` (its earliest step
    is the furthest before the due date): a sweep need not look at deadlines due later."""
    latest = today
    for ladder in ladders:
        for step in ladder:
            if step.offset < 0:
                ahead = (add_working_days(calendar, today, -step.offset) if step.unit == "working-days"
                         else today + timedelta(days=-step.offset))
                latest = max(latest, ahead)
    return latest
