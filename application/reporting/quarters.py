"""What one case contributes to each calendar quarter of a board report's trend.

Quarters are absolute (Jan–Mar, Apr–Jun, …), so a case's contribution to a quarter does not
depend on the report asking: cases opened and closed in it, deadlines met in it (and on time,
net of pauses), and deadlines overdue at its end. Only a quarter that has not ended by a
report's as-at instant is cut short there. So each case keeps its contributions with its facts
(``kept_quarters``, computed again whenever a fact is recorded): a report adds up those few
numbers for every quarter that has ended, instead of walking every deadline through every
quarter. A case that has *settled* (closed, nothing open) also has them in ``report_quarters``,
so a report over 50,000 cases sums them in SQL without reading its facts at all.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from application.reporting.shape import CaseFacts, DeadlineFacts, QuarterFigures
from application.reporting.window import paused_at, pauses_of, quarter_bounds
from domain.calendar import end_of_day
from domain.times import sortable_utc

FIGURES = ("opened", "closed", "met", "on_time", "overdue")


@cache
def quarter_label(day: str) -> str:
    return f"{day[:4]} Q{(int(day[5:7]) - 1) // 3 + 1}"


def quarters_between(first_day: str, last_day: str) -> list[str]:
    """The labels of the quarters from the one containing ``first_day`` to ``last_day``'s."""
    label, last = quarter_label(first_day), quarter_label(last_day)
    found = [label]
    while label < last:
        label = next_label(label)
        found.append(label)
    return found


@cache
def quarter_end(label: str) -> tuple[str, str]:
    """The quarter's last London day and the UTC instant that day ends."""
    _, last = quarter_bounds(int(label[:4]), int(label[-1]))
    return last.isoformat(), sortable_utc(end_of_day(last))


def next_label(label: str) -> str:
    year, quarter = int(label[:4]), int(label[-1])
    return f"{year + 1} Q1" if quarter == 4 else f"{year} Q{quarter + 1}"


def case_quarters(facts: CaseFacts, at_day: str | None = None, at_utc: str | None = None,
                  from_day: str = "") -> QuarterFigures:
    """The case's figures per quarter, known facts up to ``at_day`` (the quarter containing it
    ends then, at ``at_utc``; None: everything, for a settled case), from the quarter
    containing ``from_day`` on."""
    found: QuarterFigures = {}
    first = quarter_label(from_day) if from_day else ""

    def add(day: str, figure: int) -> None:
        label = quarter_label(day)
        if label >= first:
            figures = found.get(label)
            if figures is None:
                figures = found[label] = [0, 0, 0, 0, 0]
            figures[figure] += 1

    last = at_day or "9999"
    if facts["opened"] is not None and facts["opened"] <= last:
        add(facts["opened"], 0)
    for day, stage in facts["stages"]:
        if stage == "closed" and day <= last:
            add(day, 1)
    for d in facts["deadlines"].values():
        met = d["met"]
        resolved = met or d["cancelled"]
        if resolved is not None and resolved < from_day:
            continue  # settled before the first quarter asked about
        if met is not None and met <= last:
            add(met, 2)
            if d["on_time"]:
                add(met, 3)
        _overdue_ends(d, at_day, at_utc, add, first)
    return found


def _overdue_ends(d: DeadlineFacts, at_day: str | None, at_utc: str | None,
                  add: Callable[[str, int], None],
                  first: str) -> None:
    """Count the deadline at each quarter end it was overdue at: due before it, not met,
    cancelled or paused then."""
    resolved = d["met"] or d["cancelled"]
    pauses = d.get("pauses")
    due = d["due"]
    if resolved is not None and resolved <= due[:10]:
        return  # settled by its due day: overdue at no quarter's end
    label = max(quarter_label(due[:10]), first)
    while True:
        end_day, end_utc = quarter_end(label)
        if at_day is not None and end_day >= at_day:
            end_day, end_utc = at_day, str(at_utc)
        if resolved is not None and resolved <= end_day:
            return
        if due < end_utc and not (pauses and paused_at(pauses, end_day)):
            add(end_day, 4)
        if at_day is not None and end_day == at_day:
            return
        if resolved is None and at_day is None:
            return  # an open deadline of an unsettled case: counted when a report asks
        label = next_label(label)


def kept_quarters(facts: CaseFacts) -> list[Any] | None:
    """``[figures, tail_from, tail]``: the case's figures for each quarter up to the last one
    any of its facts or due times falls in, and ``tail``, the number of its deadlines overdue at
    the end of every quarter from ``tail_from`` on. After that last quarter nothing changes
    until a new fact is recorded (which computes these again): an open deadline past due stays
    overdue, unless a pause that never ended holds it. None for a case not opened."""
    if facts["opened"] is None:
        return None
    deadlines = facts["deadlines"].values()
    horizon = max([facts["last"] or facts["opened"], *(d["due"][:10] for d in deadlines)])
    label = quarter_label(horizon)
    end_day, end_utc = quarter_end(label)
    after = next_label(label)
    after_day, _ = quarter_end(after)
    tail = sum(1 for d in deadlines if d["met"] is None and d["cancelled"] is None
               and not paused_at(pauses_of(d), after_day))
    return [case_quarters(facts, end_day, end_utc), after, tail]


def add_into(total: QuarterFigures, more: QuarterFigures) -> None:
    for label, figures in more.items():
        into = total.setdefault(label, [0, 0, 0, 0, 0])
        for i, value in enumerate(figures):
            into[i] += value
