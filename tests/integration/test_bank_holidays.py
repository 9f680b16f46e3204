"""England and Wales bank holidays from the `holidays` package (processes/common.md: working days).

Expected dates are the gov.uk England and Wales list, typed out.
"""

from __future__ import annotations

from datetime import date, timedelta
from importlib.metadata import version

from domain.calendar import WorkingCalendar, add_working_days
from infrastructure.bank_holidays import HolidaysCalendar

HOLIDAYS_VERSION = version("holidays")


def bank_holidays_in(calendar: WorkingCalendar, year: int) -> set[date]:
    day, found = date(year, 1, 1), set()
    while day.year == year:
        if calendar.is_bank_holiday(day):
            found.add(day)
        day += timedelta(days=1)
    return found


def test_2026_bank_holidays_include_the_boxing_day_substitute() -> None:
    assert bank_holidays_in(HolidaysCalendar(), 2026) == {
        date(2026, 1, 1),
        date(2026, 4, 3),
        date(2026, 4, 6),
        date(2026, 5, 4),
        date(2026, 5, 25),
        date(2026, 8, 31),
        date(2026, 12, 25),
        date(2026, 12, 28),
    }


def test_saturday_boxing_day_2026_is_not_itself_a_bank_holiday() -> None:
    assert not HolidaysCalendar().is_bank_holiday(date(2026, 12, 26))


def test_2027_bank_holidays_include_both_christmas_substitutes() -> None:
    assert bank_holidays_in(HolidaysCalendar(), 2027) == {
        date(2027, 1, 1),
        date(2027, 3, 26),
        date(2027, 3, 29),
        date(2027, 5, 3),
        date(2027, 5, 31),
        date(2027, 8, 30),
        date(2027, 12, 27),
        date(2027, 12, 28),
    }


def test_one_off_bank_holidays_are_included() -> None:
    calendar = HolidaysCalendar()
    assert calendar.is_bank_holiday(date(2022, 9, 19))  # State funeral of Queen Elizabeth II
    assert calendar.is_bank_holiday(date(2023, 5, 8))  # Coronation of King Charles III


def test_source_names_the_package_and_its_version() -> None:
    assert HolidaysCalendar().source == f"holidays {HOLIDAYS_VERSION}, GB subdivision ENG"
    assert HOLIDAYS_VERSION in HolidaysCalendar().source
    assert HOLIDAYS_VERSION[0].isdigit()


def test_extra_dates_are_honoured_and_recorded_in_the_source() -> None:
    calendar = HolidaysCalendar(extra_dates=[date(2026, 6, 15), date(2026, 6, 12)])
    assert calendar.is_bank_holiday(date(2026, 6, 15))
    assert calendar.is_bank_holiday(date(2026, 6, 12))
    assert not HolidaysCalendar().is_bank_holiday(date(2026, 6, 15))
    # Thu 11 Jun 2026 + 1 working day skips Fri 12 and Mon 15 June.
    assert add_working_days(calendar, date(2026, 6, 11), 1) == date(2026, 6, 16)
    assert calendar.source == (
        f"holidays {HOLIDAYS_VERSION}, GB subdivision ENG; extra dates: 2026-06-12, 2026-06-15"
    )


def test_working_days_over_christmas_2026_with_the_real_calendar() -> None:
    assert add_working_days(HolidaysCalendar(), date(2026, 12, 24), 3) == date(2026, 12, 31)
