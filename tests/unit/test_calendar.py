"""Clock arithmetic (processes/common.md, "Clocks and deadlines").

Expected dates are worked out by hand against the published England and Wales bank holidays
(gov.uk) and written out literally.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.calendar import (
    LONDON,
    ClockRule,
    ClockUnit,
    FixedCalendar,
    WorkingCalendar,
    add_calendar_days,
    add_calendar_months,
    add_working_days,
    due_after_pause,
    due_time,
    end_of_day,
    is_within_working_hours,
    is_working_day,
    next_working_day_end,
    to_london,
    working_days_in_span,
)

ENGLAND_AND_WALES_2024_2027 = FixedCalendar(
    frozenset(
        {
            # 2024
            date(2024, 1, 1),
            date(2024, 3, 29),
            date(2024, 4, 1),
            date(2024, 5, 6),
            date(2024, 5, 27),
            date(2024, 8, 26),
            date(2024, 12, 25),
            date(2024, 12, 26),
            # 2025
            date(2025, 1, 1),
            date(2025, 4, 18),
            date(2025, 4, 21),
            date(2025, 5, 5),
            date(2025, 5, 26),
            date(2025, 8, 25),
            date(2025, 12, 25),
            date(2025, 12, 26),
            # 2026 (Boxing Day is a Saturday: substitute Monday 28 Dec)
            date(2026, 1, 1),
            date(2026, 4, 3),
            date(2026, 4, 6),
            date(2026, 5, 4),
            date(2026, 5, 25),
            date(2026, 8, 31),
            date(2026, 12, 25),
            date(2026, 12, 28),
            # 2027 (Christmas Saturday, Boxing Day Sunday: substitutes 27 and 28 Dec)
            date(2027, 1, 1),
            date(2027, 3, 26),
            date(2027, 3, 29),
            date(2027, 5, 3),
            date(2027, 5, 31),
            date(2027, 8, 30),
            date(2027, 12, 27),
            date(2027, 12, 28),
        }
    ),
    source="gov.uk England and Wales 2024-2027, typed out",
)
CAL = ENGLAND_AND_WALES_2024_2027
NO_HOLIDAYS = FixedCalendar()

ONE_HOUR = timedelta(hours=1)
SIX_MONTHS = ClockRule(ClockUnit.CALENDAR_MONTHS, 6)
TWENTY_WORKING_DAYS = ClockRule(ClockUnit.WORKING_DAYS, 20)
ENCAMPMENT_VISIT = ClockRule(ClockUnit.HOURS, 24, out_of_hours_next_working_day=True)


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def day_end(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 23, 59, 59, tzinfo=LONDON)


def test_fixed_calendar_is_a_working_calendar() -> None:
    calendar: WorkingCalendar = CAL
    assert calendar.source == "gov.uk England and Wales 2024-2027, typed out"
    assert calendar.is_bank_holiday(date(2026, 12, 28))
    assert not calendar.is_bank_holiday(date(2026, 12, 26))
    assert FixedCalendar().source == "fixed list"


# --- working days -------------------------------------------------------------------------


def test_weekends_and_bank_holidays_are_not_working_days() -> None:
    assert is_working_day(CAL, date(2026, 4, 2))  # Thursday
    assert not is_working_day(CAL, date(2026, 4, 3))  # Good Friday
    assert not is_working_day(CAL, date(2026, 4, 4))  # Saturday
    assert not is_working_day(CAL, date(2026, 4, 5))  # Sunday
    assert not is_working_day(CAL, date(2026, 4, 6))  # Easter Monday


def test_chronology_requested_before_easter_skips_three_bank_holidays() -> None:
    # Thu 2 Apr 2026 + 20 working days: skips Good Friday, Easter Monday and 4 May.
    assert add_working_days(CAL, date(2026, 4, 2), 20) == date(2026, 5, 5)


def test_two_working_days_over_easter() -> None:
    assert add_working_days(CAL, date(2026, 4, 2), 2) == date(2026, 4, 8)


def test_the_start_day_itself_does_not_count() -> None:
    assert add_working_days(CAL, date(2026, 3, 10), 1) == date(2026, 3, 11)  # Tue -> Wed


def test_friday_plus_one_working_day_is_monday() -> None:
    assert add_working_days(CAL, date(2026, 3, 6), 1) == date(2026, 3, 9)


def test_weekend_start_counts_from_monday() -> None:
    assert add_working_days(CAL, date(2026, 3, 7), 1) == date(2026, 3, 9)  # Sat -> Mon


def test_christmas_skips_the_substitute_boxing_day() -> None:
    # Thu 24 Dec 2026: Fri 25 and Mon 28 (substitute) are bank holidays.
    assert add_working_days(CAL, date(2026, 12, 24), 3) == date(2026, 12, 31)


def test_zero_working_days_is_the_day_itself() -> None:
    assert add_working_days(CAL, date(2026, 4, 4), 0) == date(2026, 4, 4)


def test_negative_working_days_are_refused() -> None:
    with pytest.raises(ValueError):
        add_working_days(CAL, date(2026, 4, 2), -1)


def test_working_days_in_span_excludes_start_and_includes_end() -> None:
    # Fri 1 May 2026 .. Fri 8 May 2026: Mon 4 May is a bank holiday; 5, 6, 7, 8 count.
    assert working_days_in_span(CAL, date(2026, 5, 1), date(2026, 5, 8)) == 4
    # Thu 24 Dec 2026 .. Mon 4 Jan 2027: 29, 30, 31 Dec and 4 Jan.
    assert working_days_in_span(CAL, date(2026, 12, 24), date(2027, 1, 4)) == 4


def test_empty_or_backwards_span_has_no_working_days() -> None:
    assert working_days_in_span(CAL, date(2026, 5, 5), date(2026, 5, 5)) == 0
    assert working_days_in_span(CAL, date(2026, 5, 8), date(2026, 5, 1)) == 0


# --- calendar months and days -------------------------------------------------------------


def test_end_of_january_plus_one_month_is_end_of_february() -> None:
    assert add_calendar_months(date(2026, 1, 31), 1) == date(2026, 2, 28)


def test_end_of_january_plus_one_month_in_a_leap_year() -> None:
    assert add_calendar_months(date(2024, 1, 31), 1) == date(2024, 2, 29)


def test_leap_day_plus_twelve_months() -> None:
    assert add_calendar_months(date(2024, 2, 29), 12) == date(2025, 2, 28)


def test_end_of_august_plus_six_months_is_end_of_february() -> None:
    assert add_calendar_months(date(2025, 8, 31), 6) == date(2026, 2, 28)
    assert add_calendar_months(date(2023, 8, 31), 6) == date(2024, 2, 29)


def test_months_roll_over_the_year() -> None:
    assert add_calendar_months(date(2026, 11, 15), 3) == date(2027, 2, 15)
    assert add_calendar_months(date(2026, 3, 2), 0) == date(2026, 3, 2)


def test_calendar_days_are_plain_date_arithmetic() -> None:
    assert add_calendar_days(date(2026, 2, 20), 10) == date(2026, 3, 2)
    assert add_calendar_days(date(2024, 2, 20), 10) == date(2024, 3, 1)


# --- due times ----------------------------------------------------------------------------


def test_end_of_day_is_one_second_before_midnight_london_in_winter_and_summer() -> None:
    winter, summer = end_of_day(date(2026, 1, 15)), end_of_day(date(2026, 7, 15))
    assert winter.isoformat() == "2026-01-15T23:59:59+00:00"
    assert summer.isoformat() == "2026-07-15T23:59:59+01:00"
    assert summer.astimezone(UTC) == datetime(2026, 7, 15, 22, 59, 59, tzinfo=UTC)


def test_review_decided_2_march_due_six_months_later() -> None:
    due = due_time(SIX_MONTHS, london(2026, 3, 2, 10, 0), CAL)
    assert due == day_end(2026, 9, 2)
    assert due.utcoffset() == ONE_HOUR


def test_working_days_due_time_is_end_of_the_nth_working_day() -> None:
    due = due_time(TWENTY_WORKING_DAYS, london(2026, 4, 2, 16, 30), CAL)
    assert due == day_end(2026, 5, 5)
    assert due.tzinfo == LONDON


def test_calendar_days_due_time() -> None:
    due = due_time(ClockRule(ClockUnit.CALENDAR_DAYS, 28), london(2026, 2, 1, 9, 0), CAL)
    assert due == day_end(2026, 3, 1)
    assert due.utcoffset() == timedelta(0)


def test_date_clocks_start_from_the_london_date_of_the_start() -> None:
    # 23:30 UTC on 1 July is 00:30 BST on 2 July.
    start = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)
    assert due_time(ClockRule(ClockUnit.CALENDAR_DAYS, 1), start, CAL) == day_end(2026, 7, 3)


def test_naive_start_is_refused() -> None:
    with pytest.raises(ValueError):
        due_time(SIX_MONTHS, datetime(2026, 3, 2, 10, 0), CAL)


# --- hours and the out-of-hours rule ------------------------------------------------------


def test_hours_clock_adds_real_hours_across_the_spring_dst_change() -> None:
    # Clocks go forward at 01:00 GMT on Sun 29 Mar 2026: 24 real hours later reads 13:00 BST.
    due = due_time(ClockRule(ClockUnit.HOURS, 24), london(2026, 3, 28, 12, 0), CAL)
    assert due == datetime(2026, 3, 29, 12, 0, tzinfo=UTC)
    assert due.isoformat() == "2026-03-29T13:00:00+01:00"


def test_hours_clock_adds_real_hours_across_the_autumn_dst_change() -> None:
    # Clocks go back at 01:00 GMT on Sun 25 Oct 2026: 24 real hours later reads 11:00 GMT.
    due = due_time(ClockRule(ClockUnit.HOURS, 24), london(2026, 10, 24, 12, 0), CAL)
    assert due.isoformat() == "2026-10-25T11:00:00+00:00"


def test_report_in_working_hours_gets_plain_24_hours() -> None:
    due = due_time(ENCAMPMENT_VISIT, london(2026, 3, 10, 10, 0), CAL)  # Tuesday 10:00
    assert due.isoformat() == "2026-03-11T10:00:00+00:00"


def test_saturday_report_is_due_at_the_end_of_monday() -> None:
    due = due_time(ENCAMPMENT_VISIT, london(2026, 3, 7, 10, 0), CAL)
    assert due == day_end(2026, 3, 9)


def test_friday_evening_report_before_bank_holiday_monday_is_due_end_of_tuesday() -> None:
    # Fri 22 May 2026 18:00; Mon 25 May is the Spring bank holiday.
    due = due_time(ENCAMPMENT_VISIT, london(2026, 5, 22, 18, 0), CAL)
    assert due == day_end(2026, 5, 26)
    assert due.utcoffset() == ONE_HOUR


def test_early_morning_report_on_a_working_day_is_due_that_day() -> None:
    due = due_time(ENCAMPMENT_VISIT, london(2026, 3, 10, 7, 0), CAL)  # Tuesday 07:00
    assert due == day_end(2026, 3, 10)


def test_friday_evening_report_is_due_at_the_end_of_monday() -> None:
    assert next_working_day_end(CAL, london(2026, 3, 6, 20, 0)) == day_end(2026, 3, 9)


def test_good_friday_report_is_due_at_the_end_of_the_tuesday_after_easter() -> None:
    assert due_time(ENCAMPMENT_VISIT, london(2026, 4, 3, 11, 0), CAL) == day_end(2026, 4, 7)


def test_working_hours_are_half_open_and_configurable() -> None:
    tuesday = (2026, 3, 10)
    assert is_within_working_hours(CAL, london(*tuesday, 9, 0))
    assert not is_within_working_hours(CAL, london(*tuesday, 17, 0))
    assert not is_within_working_hours(CAL, london(2026, 4, 3, 11, 0))  # Good Friday
    assert is_within_working_hours(CAL, london(*tuesday, 8, 0), (time(8), time(16)))
    rule = ClockRule(ClockUnit.HOURS, 24, True, (time(8), time(16)))
    assert due_time(rule, london(*tuesday, 16, 30), CAL) == day_end(2026, 3, 11)


def test_working_hours_are_judged_in_london_time() -> None:
    # 08:30 UTC on 1 July 2026 is 09:30 BST: within hours.
    assert is_within_working_hours(CAL, datetime(2026, 7, 1, 8, 30, tzinfo=UTC))


# --- stop-the-clock -----------------------------------------------------------------------


def test_pause_moves_a_months_clock_by_calendar_days_paused() -> None:
    due = due_time(SIX_MONTHS, london(2026, 3, 2, 10, 0), CAL)
    moved = due_after_pause(SIX_MONTHS, due, london(2026, 4, 1, 9), london(2026, 5, 1, 15), CAL)
    assert moved == day_end(2026, 10, 2)


def test_pause_moves_a_calendar_days_clock_by_calendar_days_paused() -> None:
    rule = ClockRule(ClockUnit.CALENDAR_DAYS, 28)
    moved = due_after_pause(
        rule, day_end(2026, 3, 1), london(2026, 2, 10, 12), london(2026, 2, 17, 8), CAL
    )
    assert moved == day_end(2026, 3, 8)


def test_pause_moves_a_working_days_clock_by_working_days_paused() -> None:
    # Paused Fri 1 May, resumed Fri 8 May 2026: 4 working days (Mon 4 May is a bank holiday).
    # Due Tue 5 May + 4 working days = Mon 11 May.
    moved = due_after_pause(
        TWENTY_WORKING_DAYS, day_end(2026, 5, 5), london(2026, 5, 1, 9), london(2026, 5, 8, 9), CAL
    )
    assert moved == day_end(2026, 5, 11)


def test_pause_over_a_weekend_does_not_move_a_working_days_clock() -> None:
    moved = due_after_pause(
        TWENTY_WORKING_DAYS,
        day_end(2026, 5, 5),
        london(2026, 4, 11, 9),
        london(2026, 4, 12, 9),
        CAL,
    )
    assert moved == day_end(2026, 5, 5)


def test_pause_moves_an_hours_clock_by_elapsed_time_across_dst() -> None:
    # Paused 20:00 GMT Sat 28 Mar, resumed 08:00 BST Sun 29 Mar 2026: 11 real hours.
    rule = ClockRule(ClockUnit.HOURS, 24)
    due = london(2026, 3, 29, 13, 0)
    moved = due_after_pause(rule, due, london(2026, 3, 28, 20), london(2026, 3, 29, 8), CAL)
    assert moved.isoformat() == "2026-03-30T00:00:00+01:00"


def test_resuming_before_pausing_is_refused() -> None:
    with pytest.raises(ValueError):
        due_after_pause(
            SIX_MONTHS, day_end(2026, 9, 2), london(2026, 5, 1, 9), london(2026, 4, 1, 9), CAL
        )


# --- the rule as data ---------------------------------------------------------------------


def test_clock_rule_round_trips_through_plain_json_types() -> None:
    as_dict = {
        "unit": "hours",
        "amount": 24,
        "out_of_hours_next_working_day": True,
        "working_hours": ["08:30", "16:30"],
    }
    rule = ClockRule.from_dict(as_dict)
    assert rule == ClockRule(ClockUnit.HOURS, 24, True, (time(8, 30), time(16, 30)))
    assert rule.to_dict() == as_dict


def test_clock_rule_defaults_when_read_from_a_short_dict() -> None:
    rule = ClockRule.from_dict({"unit": "working-days", "amount": 20})
    assert rule == ClockRule(ClockUnit.WORKING_DAYS, 20)
    assert rule.to_dict()["working_hours"] == ["09:00", "17:00"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"unit": ClockUnit.CALENDAR_DAYS, "amount": -1},
        {"unit": ClockUnit.CALENDAR_DAYS, "amount": 1.5},
        {"unit": "fortnights", "amount": 1},
        {"unit": ClockUnit.HOURS, "amount": 24, "working_hours": (time(17), time(9))},
        {"unit": ClockUnit.WORKING_DAYS, "amount": 3, "out_of_hours_next_working_day": True},
    ],
)
def test_invalid_clock_rules_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        ClockRule(**kwargs)  # type: ignore[arg-type]


# --- properties ---------------------------------------------------------------------------

DAYS = st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 10, 31))


@given(DAYS, st.integers(min_value=1, max_value=60))
def test_working_days_land_on_a_working_day_after_the_start(start: date, n: int) -> None:
    due = add_working_days(CAL, start, n)
    assert due > start
    assert is_working_day(CAL, due)


@given(DAYS, st.integers(min_value=0, max_value=60))
def test_working_days_in_span_inverts_add_working_days(start: date, n: int) -> None:
    assert working_days_in_span(CAL, start, add_working_days(CAL, start, n)) == n


@given(DAYS, st.integers(min_value=0, max_value=36))
def test_calendar_months_keep_the_day_number_when_it_exists(start: date, months: int) -> None:
    due = add_calendar_months(start, months)
    assert (due.year * 12 + due.month) - (start.year * 12 + start.month) == months
    assert due.day <= start.day
    if due.day < start.day:  # clipped, so the same day number must not exist in that month
        assert (due + timedelta(days=1)).day == 1
        with pytest.raises(ValueError):
            date(due.year, due.month, start.day)


@given(DAYS, st.integers(min_value=0, max_value=48))
def test_due_times_are_end_of_day_in_london(start: date, n: int) -> None:
    due = due_time(
        ClockRule(ClockUnit.WORKING_DAYS, n), datetime.combine(start, time(12), LONDON), CAL
    )
    assert to_london(due).time() == time(23, 59, 59)
    assert due.utcoffset() in (timedelta(0), ONE_HOUR)


@given(DAYS, st.integers(min_value=0, max_value=48))
def test_a_zero_length_pause_moves_nothing(start: date, n: int) -> None:
    for unit in (ClockUnit.CALENDAR_MONTHS, ClockUnit.CALENDAR_DAYS, ClockUnit.WORKING_DAYS):
        rule = ClockRule(unit, n)
        due = due_time(rule, datetime.combine(start, time(12), LONDON), CAL)
        moment = datetime.combine(start, time(15), LONDON)
        assert due_after_pause(rule, due, moment, moment, CAL) == due


def test_no_holidays_calendar_counts_only_weekdays() -> None:
    assert add_working_days(NO_HOLIDAYS, date(2026, 12, 24), 3) == date(2026, 12, 29)


# --------------------------------------------------------------------------- CPR 2.8 clear days


def test_cpr_2_8_clear_days_leave_out_the_day_of_service_and_the_day_of_the_hearing() -> None:
    """CPR 2.8(3) and its example (ii) as read (civillitigationbrief.com, 14 Aug 2019, quoting
    the rule): a hearing at least 28 days after notice given on 1 October is on 30 October at the
    earliest. A period over 5 days counts weekends (1 Oct 2025 is a Wednesday)."""
    from domain.calendar import clear_days, earliest_after_clear_days

    cal = ENGLAND_AND_WALES_2024_2027
    assert clear_days(cal, date(2025, 10, 1), date(2025, 10, 30), 28) == 28
    assert clear_days(cal, date(2025, 10, 1), date(2025, 10, 29), 28) == 27
    assert earliest_after_clear_days(cal, date(2025, 10, 1), 28) == date(2025, 10, 30)


def test_cpr_2_8_4_a_period_of_five_days_or_less_leaves_out_weekends_and_bank_holidays() -> None:
    """CPR 2.8(4) and its example as read: "Notice of an application must be served at least 3
    days before the hearing. An application is to be heard on Monday 20 October. The last date for
    service is Tuesday 14 October." (20 October 2025 is a Monday.) And over Christmas 2026:
    served Friday 18 December, 5 clear days are 21, 22, 23, 24 and 29 December (25 and 28 December
    are bank holidays, 26-27 a weekend), so the hearing is on 30 December at the earliest."""
    from domain.calendar import clear_days, earliest_after_clear_days

    cal = ENGLAND_AND_WALES_2024_2027
    assert clear_days(cal, date(2025, 10, 14), date(2025, 10, 20), 3) == 3
    assert clear_days(cal, date(2025, 10, 15), date(2025, 10, 20), 3) == 2
    # Served Tuesday 14 October, the 3 clear days are 15-17 October: Saturday 18 October is the
    # first day after them (the court fixes the sitting day; Monday 20 is the one in the example).
    assert earliest_after_clear_days(cal, date(2025, 10, 14), 3) == date(2025, 10, 18)
    assert earliest_after_clear_days(cal, date(2025, 10, 15), 3) == date(2025, 10, 21)
    assert clear_days(cal, date(2026, 12, 18), date(2026, 12, 29), 5) == 4
    assert earliest_after_clear_days(cal, date(2026, 12, 18), 5) == date(2026, 12, 30)
