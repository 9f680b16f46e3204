"""No-return windows after a direction to leave (processes/unauthorised-encampments.md).

After a direction, re-entering the land (CJPOA 1994 s.77) or the area (s.62B) with a vehicle within
a period is an offence. The period is a statutory rule with effective dates: each power has a table
of rule versions, and a direction is judged under the version in force on the day it was given.
Police powers (s.61, s.62A-E, s.60C) went from 3 to 12 months on 28 June 2022 (Police, Crime,
Sentencing and Courts Act 2022). A later version (e.g. a return to 3 months after the 2024 High
Court declaration of incompatibility) is one more row in ``RULES`` once enacted.

The periods run "beginning with the day on which the direction was given": the window starts on the
direction's date, and ``until`` is the last day inside it (27 Jun 2022 + 3 months -> 26 Sep 2022).

Pure: standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from domain.calendar import add_calendar_months
from domain.errors import InvalidInput

PCSCA_2022_COMMENCEMENT = date(2022, 6, 28)

#: Powers that carry a no-return window (lower-case, as typed on the command line).
POWERS_WITH_WINDOW = ("s77", "s61", "s62a", "s60c")


@dataclass(frozen=True)
class NoReturnRule:
    """One version of the no-return period for a power, in force from ``effective_from``."""

    version: str
    power: str
    effective_from: date
    months: int
    basis: str


def _police(power: str, section: str) -> tuple[NoReturnRule, ...]:
    return (
        NoReturnRule(f"{power}-1994", power, date(1994, 11, 3), 3,
                     f"statute: CJPOA 1994 {section} (3 months)"),
        NoReturnRule(f"{power}-pcsca-2022", power, PCSCA_2022_COMMENCEMENT, 12,
                     f"statute: CJPOA 1994 {section} as amended by PCSCA 2022 (12 months)"),
    )


RULES: dict[str, tuple[NoReturnRule, ...]] = {
    "s77": (NoReturnRule("s77-1994", "s77", date(1994, 11, 3), 3,
                         "statute: CJPOA 1994 s.77(3) (3 months)"),),
    "s61": _police("s61", "s.61(4)"),
    "s62a": _police("s62a", "s.62B"),
    "s60c": _police("s60c", "s.60C"),
}


def normalise_power(power: str) -> str:
    """``s62A``, ``s.62A``, ``s60C-request`` -> ``s62a``, ``s60c``."""
    key = power.strip().lower().replace(".", "").removesuffix("-request")
    return key


def rule_in_force(power: str, on: date) -> NoReturnRule:
    """The version of the rule for ``power`` in force on ``on``."""
    key = normalise_power(power)
    versions = RULES.get(key)
    if versions is None:
        raise InvalidInput(
            f"The power '{power}' has no no-return window; powers with one: "
            f"{', '.join(POWERS_WITH_WINDOW)}."
        )
    in_force = [v for v in versions if v.effective_from <= on]
    if not in_force:
        raise InvalidInput(f"No no-return rule for {power} was in force on {on.isoformat()}.")
    return max(in_force, key=lambda v: v.effective_from)


def no_return_window(power: str, direction_date: date) -> tuple[date, date, NoReturnRule]:
    """(from, until, rule): the window beginning with the day of the direction; ``until`` is the
    last day inside it: the day before the same date N months later, or the last day of that month
    when it has no such date."""
    rule = rule_in_force(power, direction_date)
    corresponding = add_calendar_months(direction_date, rule.months)
    if corresponding.day != direction_date.day:
        # No corresponding day (30 Nov + 3 months): the period ends with the last day of the month.
        return direction_date, corresponding, rule
    return direction_date, corresponding - timedelta(days=1), rule
