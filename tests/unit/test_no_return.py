"""No-return windows as dated statutory rules (processes/unauthorised-encampments.md)."""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import InvalidInput
from domain.no_return import no_return_window, normalise_power, rule_in_force


def test_three_month_rule_begins_with_the_day_of_the_direction():
    # 27 Jun 2022 (before PCSCA 2022): 3 months; re-entry up to and including 26 Sep is inside.
    start, until, rule = no_return_window("s61", date(2022, 6, 27))
    assert (start, until) == (date(2022, 6, 27), date(2022, 9, 26))
    assert rule.months == 3


def test_police_powers_have_twelve_months_from_28_june_2022():
    start, until, rule = no_return_window("s61", date(2022, 6, 28))
    assert (start, until) == (date(2022, 6, 28), date(2023, 6, 27))
    assert rule.version == "s61-pcsca-2022"
    for power in ("s62a", "s60c", "s62A", "s60C-request"):
        assert no_return_window(power, date(2024, 1, 10))[1] == date(2025, 1, 9)


def test_s77_stays_three_months_after_2022():
    assert no_return_window("s77", date(2022, 6, 27))[1] == date(2022, 9, 26)
    assert no_return_window("s77", date(2026, 3, 4))[1] == date(2026, 6, 3)


def test_no_corresponding_day_ends_with_the_last_day_of_the_month():
    # 30 Nov + 3 months: there is no 30 Feb, so the period ends with 28 Feb.
    assert no_return_window("s77", date(2025, 11, 30))[1] == date(2026, 2, 28)


def test_rule_versions_are_chosen_by_date():
    assert rule_in_force("s62a", date(2022, 6, 27)).months == 3
    assert rule_in_force("s62a", date(2022, 6, 28)).months == 12
    assert normalise_power("s.62A") == "s62a"


def test_powers_without_a_window_are_refused():
    with pytest.raises(InvalidInput, match="no no-return window"):
        no_return_window("cpr55", date(2026, 1, 1))
