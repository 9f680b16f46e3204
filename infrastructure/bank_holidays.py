"""England and Wales bank holidays from the maintained ``holidays`` package.

processes/common.md, working days: Monday to Friday, excluding England and Wales bank holidays;
the calendar used is recorded with each computed deadline, hence ``source``.

England and Wales share one list of bank holidays, which ``holidays`` files under the GB
subdivision ``ENG``. Checked against the gov.uk list for 2022-2027 with holidays 0.109: the
substitute days (e.g. Monday 28 Dec 2026 for Boxing Day, 27 and 28 Dec 2027) and the one-off days
(Platinum Jubilee 2022, State Funeral 2022, Coronation 2023) are all included; nothing is missing.
The package also lists the original weekend dates (e.g. Saturday 26 Dec 2026) beside their
substitutes; those are not bank holidays, so they are left out here. One-off days announced after
the installed release can be given as ``extra_dates`` by policy.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from importlib.metadata import version

import holidays

SUBDIVISION = "ENG"


class HolidaysCalendar:
    """A ``WorkingCalendar`` (domain.calendar) from ``holidays``, cached per year."""

    def __init__(self, extra_dates: Iterable[date] = ()) -> None:
        self.extra_dates = frozenset(extra_dates)
        self.source = self._describe(self.extra_dates)
        self._by_year: dict[int, frozenset[date]] = {}

    def is_bank_holiday(self, day: date) -> bool:
        return day in self.extra_dates or day in self._bank_holidays_in(day.year)

    def _bank_holidays_in(self, year: int) -> frozenset[date]:
        if year not in self._by_year:
            listed = holidays.country_holidays("GB", subdiv=SUBDIVISION, years=year)
            self._by_year[year] = frozenset(day for day in listed if day.weekday() < 5)
        return self._by_year[year]

    @staticmethod
    def _describe(extra_dates: frozenset[date]) -> str:
        source = f"holidays {version('holidays')}, GB subdivision {SUBDIVISION}"
        if extra_dates:
            listed = ", ".join(day.isoformat() for day in sorted(extra_dates))
            source += f"; extra dates: {listed}"
        return source
