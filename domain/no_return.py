"""No-return windows after a direction to leave (processes/unauthorised-encampments.md).

After a direction, re-entering the land (CJPOA 1994 s.77) or the area (s.62B) with a vehicle within
a period is an offence. The period is a statutory rule with effective dates: each power has a table
of rule versions, and a direction is judged under the version in force on the day it was given.
Police powers (s.61, s.62A-E) went from 3 to 12 months on 28 June 2022 (Police, Crime,
Sentencing and Courts Act 2022 s.84); s.60C (inserted by PCSCA 2022 s.83) has had 12 months since
it came into force that day. A power cannot be used before it existed (``COMMENCEMENT``,
``power_in_force``). A later version (a return to 3 months after the declaration of
incompatibility in R (Smith) v SSHD [2024] EWHC 1137 (Admin)) is one more row in ``RULES`` once it
is enacted with a commencement date; none was found when this was written (a declaration does not
change the law: Human Rights Act 1998 s.4(6)).

The periods run "beginning with the day on which the direction was given": the window starts on the
direction's date, and ``until`` is the last day inside it (27 Jun 2022 + 3 months -> 26 Sep 2022).

Pure: standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from domain.calendar import add_calendar_months
from domain.errors import InvalidInput, RuleRefused

PCSCA_2022_COMMENCEMENT = date(2022, 6, 28)
#: CJPOA 1994 received Royal Assent on 3 November 1994 (ss.61 and 77 in force from then, as this
#: table has always had it; the commencement of Part V was not re-checked).
CJPOA_1994_COMMENCEMENT = date(1994, 11, 3)
#: ss.62A-62E were inserted by the Anti-social Behaviour Act 2003 s.60; in force 27 February 2004
#: (not verified: the commencement order, S.I. 2003/3300, was not read).
ASBA_2003_S60_COMMENCEMENT = date(2004, 2, 27)

#: Powers that carry a no-return window (lower-case, as typed on the command line).
POWERS_WITH_WINDOW = ("s77", "s61", "s62a", "s60c")


@dataclass(frozen=True)
class Commencement:
    """The day a power came into force, and the provision that brought it in."""

    power: str
    in_force_from: date
    source: str


#: When each power to direct (or request) trespassers to leave came into force.
COMMENCEMENT: dict[str, Commencement] = {
    "s77": Commencement("s77", CJPOA_1994_COMMENCEMENT, "CJPOA 1994 s.77 (Royal Assent 3.11.1994)"),
    "s61": Commencement("s61", CJPOA_1994_COMMENCEMENT, "CJPOA 1994 s.61 (Royal Assent 3.11.1994)"),
    "s62a": Commencement("s62a", ASBA_2003_S60_COMMENCEMENT,
                         "CJPOA 1994 ss.62A-62E, inserted by Anti-social Behaviour Act 2003 s.60 "
                         "(27.2.2004; not verified)"),
    "s60c": Commencement("s60c", PCSCA_2022_COMMENCEMENT,
                         "CJPOA 1994 ss.60C-60E, inserted by PCSCA 2022 s.83 (28.6.2022, "
                         "PCSCA 2022 s.208(5)(i))"),
}


@dataclass(frozen=True)
class NoReturnRule:
    """One version of the no-return period for a power, in force from ``effective_from``."""

    version: str
    power: str
    effective_from: date
    months: int
    basis: str


def _police(power: str, section: str, since: date) -> tuple[NoReturnRule, ...]:
    return (
        NoReturnRule(f"{power}-{since.year}", power, since, 3,
                     f"statute: CJPOA 1994 {section} (3 months)"),
        NoReturnRule(f"{power}-pcsca-2022", power, PCSCA_2022_COMMENCEMENT, 12,
                     f"statute: CJPOA 1994 {section} as amended by PCSCA 2022 s.84 (12 months)"),
    )


RULES: dict[str, tuple[NoReturnRule, ...]] = {
    "s77": (NoReturnRule("s77-1994", "s77", CJPOA_1994_COMMENCEMENT, 3,
                         "statute: CJPOA 1994 s.77(3) (3 months)"),),
    "s61": _police("s61", "s.61(4ZA)", CJPOA_1994_COMMENCEMENT),
    "s62a": _police("s62a", "s.62B(2)", ASBA_2003_S60_COMMENCEMENT),
    "s60c": (NoReturnRule("s60c-pcsca-2022", "s60c", PCSCA_2022_COMMENCEMENT, 12,
                          "statute: CJPOA 1994 s.60C(3), inserted by PCSCA 2022 s.83 (12 months)"),),
}


class Land(StrEnum):
    """Where re-entry is an offence."""

    SAME_LAND = "the same land"
    AREA = "any land in the local authority's area"


@dataclass(frozen=True)
class Reach:
    """The reach of a power's no-return window: which land, and whether only the persons it was
    given to (the offences apply to a person who knows the direction applies to him, or to P)."""

    power: str
    land: Land
    persons_directed: bool
    source: str

    def says(self) -> str:
        who = "by the persons directed" if self.persons_directed else "by anyone"
        return f"{self.land} {who}"


#: The reach of each window, as the sections read (legislation.gov.uk).
REACH: dict[str, Reach] = {
    # s.77(3)(b): "again enters the land with a vehicle" - a person knowing the direction applies
    # to him.
    "s77": Reach("s77", Land.SAME_LAND, True, "CJPOA 1994 s.77(3)(b)"),
    # s.61(4)(b): "again enters the land as a trespasser" (the brief: the land, whoever returns).
    "s61": Reach("s61", Land.SAME_LAND, False, "CJPOA 1994 s.61(4)(b)"),
    # s.62B(1)(b): "enters any land in the area of the relevant local authority as a trespasser".
    "s62a": Reach("s62a", Land.AREA, True, "CJPOA 1994 s.62B(1)(b)"),
    # s.60C(2)(b): P "enters (or having left, re-enters) the land within the prohibited period".
    "s60c": Reach("s60c", Land.SAME_LAND, True, "CJPOA 1994 s.60C(2)(b)"),
}


def within_reach(power: str, same_land: bool, same_persons: bool | None) -> bool:
    """Whether a new encampment falls inside the reach of a window given under ``power``.

    ``same_persons`` is True or False when both encampments have a group reference, None when
    either has none (the persons can be neither matched nor ruled out). Same-land reaches flag
    the same land unless the persons are known to be others; the s.62B reach (any land in the
    area) flags the same group anywhere in the partnership, and unidentified persons only on the
    same land (a partnership is taken to cover one local authority's area: its cases are the ones
    searched). A power without a known reach keeps the old rule (same land or same group)."""
    reach = REACH.get(normalise_power(power))
    if reach is None:
        return same_land or bool(same_persons)
    if not reach.persons_directed:
        return same_land or reach.land == Land.AREA
    if same_persons is False:
        return False
    if reach.land == Land.AREA:
        return bool(same_persons) or same_land
    return same_land


def power_in_force(power: str, on: date) -> None:
    """Refuse a power used on a day before it came into force (a power unknown here has no
    commencement to check)."""
    known = COMMENCEMENT.get(normalise_power(power))
    if known is not None and on < known.in_force_from:
        raise RuleRefused(
            f"The power {power} was not in force on {on.isoformat()}: it came into force on "
            f"{known.in_force_from.isoformat()} ({known.source}).", field="power")


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
