"""The period a report covers and the instant it judges at, and questions asked of case facts.

A period is whole Europe/London days ``[from, to]``. Snapshot figures (open, paused, overdue,
in QA …) are judged *as at* the end of the period, or at the as-known-at instant when that is
earlier (a report on the current quarter, run mid-quarter): nothing later is known anyway.
Facts are compared by London day (``YYYY-MM-DD``); due times by UTC instant.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from application.reporting.shape import CaseFacts, DeadlineFacts, Mark, Span
from domain.calendar import LONDON, end_of_day
from domain.case import CaseEvent
from domain.times import sortable_utc


def instant_text(moment: datetime) -> str:
    """An instant as ISO UTC with ``Z``, exact (microseconds when it has them)."""
    spec = "microseconds" if moment.microsecond else "seconds"
    return moment.astimezone(UTC).isoformat(timespec=spec).replace("+00:00", "Z")


@dataclass(frozen=True)
class Window:
    """``first``..``last`` (London days, inclusive), judged as at ``at_day`` / ``at_utc``."""

    first: str
    last: str
    at_day: str
    at_utc: str
    upto: str  # the last day counted: the period's, or the as-at day if that is earlier
    _last: list[Any] = field(default_factory=lambda: [None, None], compare=False, repr=False)

    @classmethod
    def of(cls, date_from: date, date_to: date, as_known_at: datetime) -> Window:
        at = min(end_of_day(date_to), as_known_at)
        at_day = at.astimezone(LONDON).date().isoformat()
        return cls(date_from.isoformat(), date_to.isoformat(), at_day, sortable_utc(at),
                   min(date_to.isoformat(), at_day))

    def stage_at_end(self, facts: CaseFacts) -> str | None:
        """The case's stage as at the end. Several tables ask it of the case being fed to them,
        so the last answer is kept, with the case itself (so its id is never another case's)."""
        last = self._last
        if last[0] is not facts:
            last[0], last[1] = facts, stage_at(facts, self.at_day)
        stage: str | None = last[1]
        return stage

    def open_at_end(self, facts: CaseFacts) -> bool:
        stage = self.stage_at_end(facts)
        return stage is not None and stage != "closed"

    def holds(self, day: str | None) -> bool:
        """True when ``day`` falls in the period (and by the as-at instant)."""
        return day is not None and self.first <= day <= self.upto


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    first = date(year, 3 * quarter - 2, 1)
    following = date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1)
    return first, following - timedelta(days=1)


def last_quarters(ending: date, count: int) -> list[tuple[str, date, date]]:
    """The ``count`` calendar quarters up to the one containing ``ending``, oldest first."""
    year, quarter = quarter_of(ending)
    found = []
    for _ in range(count):
        first, last = quarter_bounds(year, quarter)
        found.append((f"{year} Q{quarter}", first, last))
        year, quarter = (year - 1, 4) if quarter == 1 else (year, quarter - 1)
    return found[::-1]


def last_complete_quarter(today: date) -> tuple[date, date]:
    """The last calendar quarter that ended before ``today``."""
    year, quarter = quarter_of(today)
    year, quarter = (year - 1, 4) if quarter == 1 else (year, quarter - 1)
    return quarter_bounds(year, quarter)


# -- questions asked of a case's facts --------------------------------------------------


def stage_at(facts: CaseFacts, day: str) -> str | None:
    """The case's stage at the end of ``day`` (None: not yet opened)."""
    found = None
    for entered, stage in facts["stages"]:
        if entered <= day:
            found = stage
    return found


def opened_on(facts: CaseFacts) -> str:
    """The day the case was opened: reports count only opened cases (``build_board_report``
    leaves out facts folded from rows without the opening event)."""
    opened = facts["opened"]
    if opened is None:
        raise ValueError(f"The report facts of {facts['ref']} have no opening event.")
    return opened


def opened_utc(facts: CaseFacts) -> str:
    """The instant the case was opened, as sortable UTC text (see ``opened_on``)."""
    opened = facts["opened_utc"]
    if opened is None:
        raise ValueError(f"The report facts of {facts['ref']} have no opening event.")
    return opened


def paused_at(pauses: Iterable[Span], day: str) -> bool:
    return any(start is not None and start <= day and (end is None or end > day)
               for start, end in pauses)


def requested_on(deadline: DeadlineFacts) -> str:
    """The day the deadline was set (its start day, unless set on another)."""
    return deadline.get("set", deadline["start"])


def pauses_of(deadline: DeadlineFacts) -> list[Span]:
    return deadline.get("pauses") or []


def due_at(deadline: DeadlineFacts, day: str) -> str:
    """The deadline's due time (UTC) as it stood at the end of ``day``."""
    dues = deadline.get("dues")
    if dues is None:  # never moved
        return deadline["due"]
    due = dues[0][1]
    for changed, later_due in dues[1:]:
        if changed <= day:
            due = later_due
    return due


def deadline_state(deadline: DeadlineFacts, day: str, at_utc: str) -> str:
    """``met`` | ``cancelled`` | ``paused`` | ``overdue`` | ``open`` at the as-at instant."""
    if deadline["cancelled"] is not None and deadline["cancelled"] <= day:
        return "cancelled"
    if deadline["met"] is not None and deadline["met"] <= day:
        return "met"
    pauses = deadline.get("pauses")
    if pauses and paused_at(pauses, day):
        return "paused"
    return "overdue" if due_at(deadline, day) < at_utc else "open"


NO_MARKS: list[Mark] = []  # never appended to: what a case without the event has


def marks(facts: CaseFacts, event: type[CaseEvent[Any]]) -> list[Mark]:
    """The case's marks of ``event`` (one of ``facts.MARKED``), oldest first."""
    return facts["marks"].get(event.__name__, NO_MARKS)


def first_mark(facts: CaseFacts, event: type[CaseEvent[Any]]) -> Mark | None:
    found = facts["marks"].get(event.__name__)
    return found[0] if found else None


def days_between(earlier: str, later: str) -> int:
    return (date.fromisoformat(later) - date.fromisoformat(earlier)).days


def hours_between(earlier_utc: str, later_utc: str) -> float:
    delta = datetime.fromisoformat(later_utc) - datetime.fromisoformat(earlier_utc)
    return delta.total_seconds() / 3600


def median(values: Sequence[float]) -> float | None:
    return round(float(statistics.median(values)), 1) if values else None


def mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def whole(value: float | None) -> int | None:
    """A number of days as whole days, rounded half up as people round (9.5 → 10)."""
    if value is None:
        return None
    return int(Decimal(repr(float(value))).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def percent(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None

