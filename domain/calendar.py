"""Clock arithmetic for statutory deadlines (processes/common.md, "Clocks and deadlines").

All clocks run in Europe/London. Date-based clocks (calendar months, calendar days, working
days) fall due at the end of the due day, 23:59:59 London time; hour clocks add real elapsed
time. The bank-holiday calendar is handed in (a ``WorkingCalendar``) so that the domain does no
I/O and every computed deadline can record which calendar produced it (its ``source``).

Standard library only: this is the domain layer.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, Protocol, TypedDict
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
END_OF_DAY = time(23, 59, 59)
DEFAULT_WORKING_HOURS: tuple[time, time] = (time(9), time(17))

WorkingHours = tuple[time, time]


class WorkingCalendar(Protocol):
    """England and Wales bank holidays, as a port (processes/common.md: working days)."""

    @property
    def source(self) -> str:
        """Which calendar data this is, e.g. "holidays 0.109, GB subdivision ENG"."""
        ...

    def is_bank_holiday(self, day: date) -> bool: ...


@dataclass(frozen=True)
class FixedCalendar:
    """A calendar from an explicit list of bank holidays.

    For tests, and for reproducing a computation with the calendar recorded on a deadline.
    """

    bank_holidays: frozenset[date] = field(default_factory=frozenset)
    source: str = "fixed list"

    def is_bank_holiday(self, day: date) -> bool:
        return day in self.bank_holidays


class ClockUnit(StrEnum):
    """The units a clock counts in (processes/common.md, "Units and arithmetic")."""

    CALENDAR_MONTHS = "calendar-months"
    CALENDAR_DAYS = "calendar-days"
    WORKING_DAYS = "working-days"
    HOURS = "hours"


class ClockData(TypedDict):
    """A ``ClockRule`` as stored in a ``DeadlineSet`` event (and read back)."""

    unit: str
    amount: int
    out_of_hours_next_working_day: bool
    working_hours: list[str]


@dataclass(frozen=True)
class ClockRule:
    """How long a deadline runs: an amount of a unit, from the effective time of its starting fact.

    ``out_of_hours_next_working_day`` is the encampment rule (processes/common.md: hours; processes/
    unauthorised-encampments.md, ``initial-visit``): a report outside ``working_hours`` is due at
    the end of the next working day instead of after ``amount`` hours.
    """

    unit: ClockUnit
    amount: int
    out_of_hours_next_working_day: bool = False
    working_hours: WorkingHours = DEFAULT_WORKING_HOURS

    def __post_init__(self) -> None:
        object.__setattr__(self, "unit", ClockUnit(self.unit))
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount < 0:
            raise ValueError(f"A clock amount must be a whole number >= 0, not {self.amount!r}.")
        opens, closes = self.working_hours
        if not opens < closes:
            raise ValueError(f"Working hours must open before they close, not {opens}-{closes}.")
        if self.out_of_hours_next_working_day and self.unit is not ClockUnit.HOURS:
            raise ValueError("The out-of-hours rule applies only to clocks counted in hours.")

    def to_dict(self) -> ClockData:
        opens, closes = self.working_hours
        return {
            "unit": self.unit.value,
            "amount": self.amount,
            "out_of_hours_next_working_day": self.out_of_hours_next_working_day,
            "working_hours": [opens.strftime("%H:%M"), closes.strftime("%H:%M")],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ClockRule:
        hours = data.get("working_hours")
        working_hours = (
            (time.fromisoformat(hours[0]), time.fromisoformat(hours[1]))
            if hours is not None
            else DEFAULT_WORKING_HOURS
        )
        return cls(
            unit=ClockUnit(data["unit"]),
            amount=data["amount"],
            out_of_hours_next_working_day=bool(data.get("out_of_hours_next_working_day", False)),
            working_hours=working_hours,
        )


def is_working_day(calendar: WorkingCalendar, day: date) -> bool:
    """processes/common.md, working days: Monday to Friday, excluding E&W bank holidays."""
    return day.weekday() < 5 and not calendar.is_bank_holiday(day)


def add_calendar_months(day: date, months: int) -> date:
    """processes/common.md, calendar months: same day number N months later; where that day
    does not exist, the last day of that month (31 Jan + 1 month = 28 Feb, or 29 Feb in a leap
    year)."""
    year, month_index = divmod(day.year * 12 + (day.month - 1) + months, 12)
    month = month_index + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def add_calendar_days(day: date, days: int) -> date:
    """processes/common.md, calendar days: plain date arithmetic."""
    return day + timedelta(days=days)


def add_working_days(calendar: WorkingCalendar, day: date, n: int) -> date:
    """processes/common.md, working days: "within N working days of X" is the N-th working day
    after X's date; X's own day does not count. ``n == 0`` returns ``day`` unchanged."""
    if n < 0:
        raise ValueError(f"Cannot add a negative number of working days ({n}).")
    remaining = n
    while remaining:
        day += timedelta(days=1)
        if is_working_day(calendar, day):
            remaining -= 1
    return day


def working_days_in_span(calendar: WorkingCalendar, start: date, end: date) -> int:
    """The number of working days d with start < d <= end (0 if end <= start).

    processes/common.md, stop-the-clock: a working-days clock moves on by the working days paused.
    """
    days_after_start = range(1, (end - start).days + 1)
    return sum(is_working_day(calendar, start + timedelta(days=i)) for i in days_after_start)


def clear_days(calendar: WorkingCalendar, start: date, end: date, period: int) -> int:
    """CPR 2.8: the clear days between ``start`` (e.g. service) and ``end`` (e.g. the hearing) for
    a period of ``period`` days. Neither the day the period begins nor the day of the event counts
    (r.2.8(3)); for a period of 5 days or less, Saturdays, Sundays and bank holidays (the calendar
    includes Christmas Day and Good Friday) do not count either (r.2.8(4))."""
    days = (start + timedelta(days=i) for i in range(1, (end - start).days))
    if period <= 5:
        return sum(is_working_day(calendar, day) for day in days)
    return sum(1 for _ in days)


def earliest_after_clear_days(calendar: WorkingCalendar, start: date, period: int) -> date:
    """The first day that leaves at least ``period`` clear days after ``start`` (CPR 2.8)."""
    end = start + timedelta(days=period + 1)
    while clear_days(calendar, start, end, period) < period:
        end += timedelta(days=1)
    return end


def end_of_day(day: date) -> datetime:
    """processes/common.md: date-based deadlines fall due at 23:59:59 Europe/London."""
    return datetime.combine(day, END_OF_DAY, tzinfo=LONDON)


def to_london(moment: datetime) -> datetime:
    """The same instant in Europe/London time. Naive datetimes are refused: clocks need instants."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"A clock needs an aware datetime, not the naive {moment.isoformat()}.")
    return moment.astimezone(LONDON)


def is_within_working_hours(
    calendar: WorkingCalendar, moment: datetime, working_hours: WorkingHours = DEFAULT_WORKING_HOURS
) -> bool:
    """processes/common.md, hours: whether a report arrived in working hours, i.e. on a working
    day, at or after opening and before closing (London time)."""
    local = to_london(moment)
    opens, closes = working_hours
    return is_working_day(calendar, local.date()) and opens <= local.time() < closes


def next_working_day_end(
    calendar: WorkingCalendar, moment: datetime, working_hours: WorkingHours = DEFAULT_WORKING_HOURS
) -> datetime:
    """processes/common.md, hours: "if the report arrives outside working hours, the clock ends at
    the end of the next working day instead".

    The next working day is the first working day whose working hours have not yet started at
    ``moment``: 07:00 on a working Tuesday gives that Tuesday; Friday 20:00 gives Monday (Tuesday
    if Monday is a bank holiday). Due at the end of that day, 23:59:59 London.
    """
    local = to_london(moment)
    today = local.date()
    hours_not_started = is_working_day(calendar, today) and local.time() < working_hours[0]
    due_day = today if hours_not_started else add_working_days(calendar, today, 1)
    return end_of_day(due_day)


def add_elapsed(moment: datetime, duration: timedelta) -> datetime:
    """processes/common.md, hours: real elapsed time, added in UTC so DST changes are counted.

    (Python adds to an aware datetime in its own wall-clock time, which is wrong across DST.)
    """
    return to_london(to_london(moment).astimezone(UTC) + duration)


def elapsed_between(earlier: datetime, later: datetime) -> timedelta:
    """Real time from ``earlier`` to ``later``, measured in UTC so DST changes are counted."""
    return to_london(later).astimezone(UTC) - to_london(earlier).astimezone(UTC)


def due_date(unit: ClockUnit, amount: int, start: date, calendar: WorkingCalendar) -> date:
    """The due day of a date-based clock started on ``start`` (processes/common.md, units)."""
    if unit is ClockUnit.CALENDAR_MONTHS:
        return add_calendar_months(start, amount)
    if unit is ClockUnit.CALENDAR_DAYS:
        return add_calendar_days(start, amount)
    if unit is ClockUnit.WORKING_DAYS:
        return add_working_days(calendar, start, amount)
    raise ValueError(f"{unit.value} is not a date-based clock unit.")


def due_time(rule: ClockRule, start: datetime, calendar: WorkingCalendar) -> datetime:
    """When a deadline falls due, from the effective time of its starting fact.

    processes/common.md, "Clocks and deadlines": date-based clocks count from ``start``'s London
    date and fall due at the end of the due day; hour clocks add elapsed hours, or, under the
    out-of-hours rule, end at the end of the next working day for a report outside working hours.
    """
    if rule.unit is not ClockUnit.HOURS:
        return end_of_day(due_date(rule.unit, rule.amount, to_london(start).date(), calendar))
    if rule.out_of_hours_next_working_day and not is_within_working_hours(
        calendar, start, rule.working_hours
    ):
        return next_working_day_end(calendar, start, rule.working_hours)
    return add_elapsed(start, timedelta(hours=rule.amount))


def due_after_pause(
    rule: ClockRule,
    due: datetime,
    paused_at: datetime,
    resumed_at: datetime,
    calendar: WorkingCalendar,
) -> datetime:
    """Stop-the-clock: the due time moves on by the paused span, counted in the clock's own unit.

    processes/common.md, DeadlinePaused / DeadlineResumed. Calendar-month and calendar-day clocks
    move by the calendar days paused (resume date - pause date); working-day clocks by the working
    days d with pause date < d <= resume date, added as working days to the due date; hour clocks
    by the elapsed paused duration. Dates are London dates.
    """
    paused_for = elapsed_between(paused_at, resumed_at)
    if paused_for < timedelta(0):
        raise ValueError(
            f"A clock cannot resume ({resumed_at}) before it was paused ({paused_at})."
        )
    if rule.unit is ClockUnit.HOURS:
        return add_elapsed(due, paused_for)
    pause_day, resume_day = to_london(paused_at).date(), to_london(resumed_at).date()
    due_day = to_london(due).date()
    if rule.unit is ClockUnit.WORKING_DAYS:
        span = working_days_in_span(calendar, pause_day, resume_day)
        return end_of_day(add_working_days(calendar, due_day, span))
    return end_of_day(add_calendar_days(due_day, (resume_day - pause_day).days))
