"""The ASB Case Review threshold engine (ASBCPA 2014 s.104(4),(5),(11)), as pure functions."""

from __future__ import annotations

from datetime import date

import pytest

from domain.asb_threshold import (
    Complaint,
    complaint_qualifies,
    duplicates,
    evaluate,
    local_minimum,
    setting_problems,
)
from domain.errors import InvalidInput

APPLIED = date(2026, 3, 2)


def c(cid: str, behaviour: str, reported: str, agency: str = "cumbria-police", **kw) -> Complaint:
    return Complaint(cid, date.fromisoformat(behaviour), date.fromisoformat(reported), agency, **kw)


THREE = [c("C1", "2026-01-05", "2026-01-06"), c("C2", "2026-01-20", "2026-02-10", "home-group"),
         c("C3", "2026-02-01", "2026-02-01", "cumberland-council")]


def test_three_qualifying_complaints_meet_the_statutory_minimum() -> None:
    ev = evaluate(THREE, APPLIED, {}, "individual")
    assert ev.met and ev.rule == "statutory-minimum" and ev.statutory_met
    assert all(f.qualifying and f.counted for f in ev.complaints)
    data = ev.to_dict()
    assert set(data) >= {"met", "rule", "complaints"}
    assert set(data["complaints"][0]) >= {"id", "behaviour", "reported", "agency", "qualifying", "reason"}


def test_one_reported_five_weeks_after_the_behaviour_does_not_qualify() -> None:
    late = [*THREE[:2], c("C3", "2026-01-05", "2026-02-09")]  # 5 weeks; one month ends 5 Feb
    ev = evaluate(late, APPLIED, {}, "individual")
    assert not ev.met and ev.rule is None
    assert not ev.complaints[2].qualifying
    assert "more than one month" in ev.complaints[2].reason and "2026-02-05" in ev.complaints[2].reason
    assert "2 qualifying complaint(s)" in ev.rules[0].explanation


def test_one_month_uses_the_calendar_month_clamp() -> None:
    # 31 Jan + 1 month = 28 Feb (2026 is not a leap year): reported 28 Feb qualifies, 1 Mar does not.
    assert complaint_qualifies(c("C1", "2026-01-31", "2026-02-28"), date(2026, 3, 2))[0]
    assert not complaint_qualifies(c("C1", "2026-01-31", "2026-03-01"), date(2026, 3, 2))[0]


def test_the_application_must_be_within_six_months_of_the_complaint() -> None:
    ok, _ = complaint_qualifies(c("C1", "2025-08-30", "2025-08-31"), date(2026, 2, 28))
    assert ok  # 31 Aug + 6 months = 28 Feb
    ok, reason = complaint_qualifies(c("C1", "2025-08-30", "2025-08-31"), date(2026, 3, 1))
    assert not ok and "six months" in reason


def test_same_reference_to_several_agencies_counts_once() -> None:
    listed = [c("C1", "2026-01-05", "2026-01-06", reference="INC-1"),
              c("C2", "2026-01-05", "2026-01-07", "home-group", reference="inc-1"),
              c("C3", "2026-02-01", "2026-02-01")]
    assert set(duplicates(listed)) == {"C2"}
    ev = evaluate(listed, APPLIED, {}, "individual")
    assert not ev.met
    assert not ev.complaints[1].counted and "INC-1" not in ev.complaints[0].reason
    assert "counted once" in ev.complaints[1].reason


def test_coordinator_recorded_duplicate_counts_once() -> None:
    listed = [*THREE[:2], c("C3", "2026-01-05", "2026-01-06", "cumberland-council",
                            duplicate_of="C1", duplicate_reason="same date and place")]
    ev = evaluate(listed, APPLIED, {}, "individual")
    assert not ev.met and "same date and place" in ev.complaints[2].reason


def test_a_lower_local_number_is_allowed_but_never_higher() -> None:
    ev = evaluate(THREE[:2], APPLIED, {"threshold_minimum": "2"}, "individual")
    assert ev.met and ev.rule == "statutory-minimum"
    with pytest.raises(InvalidInput, match="never higher"):
        local_minimum({"threshold_minimum": "4"})


def test_five_complaints_variant_in_force_from_its_date() -> None:
    five = [c(f"C{i}", "2025-08-01", "2025-09-20", complainant=f"h{i}") for i in range(1, 6)]
    # reported more than a month after the behaviour: statutory rule not met
    settings = {"variant_five_complaints_from": "2026-01-01"}
    ev = evaluate(five, APPLIED, settings, "individual")
    assert ev.met and ev.rule == "five-complaints"
    assert not evaluate(five, date(2025, 12, 1), settings, "individual").met  # not yet in force
    same_person = [c(f"C{i}", "2025-08-01", "2025-09-20", complainant="h1") for i in range(1, 6)]
    assert not evaluate(same_person, APPLIED, settings, "individual").met


def test_hate_incident_variant_within_three_months() -> None:
    settings = {"variant_hate_incident_from": "2025-04-01"}
    ev = evaluate([c("C1", "2026-01-10", "2026-01-11", hate=True)], APPLIED, settings, "individual")
    assert ev.met and ev.rule == "hate-incident"
    old = [c("C1", "2025-11-10", "2025-11-11", hate=True)]
    assert not evaluate(old, APPLIED, settings, "individual").met


def test_senior_manager_variant() -> None:
    settings = {"variant_senior_manager_from": "2025-04-01"}
    assert evaluate([], APPLIED, settings, "senior-manager").rule == "senior-manager"
    assert not evaluate([], APPLIED, settings, "individual").met
    assert not evaluate([], APPLIED, {}, "senior-manager").met


def test_unknown_complainants_are_never_counted_as_different_people() -> None:
    """Local variant (legacy Allerdale page: '5 reports by different people'; research A.2):
    given five complaints of which two have no complainant key, then only three people are
    counted and the rule is not met; the explanation says why."""
    settings = {"variant_five_complaints_from": "2026-01-01"}
    keys = ["h1", "h2", "h3", None, None]
    five = [c(f"C{i}", "2025-08-01", "2025-09-20", complainant=k) for i, k in enumerate(keys, 1)]
    ev = evaluate(five, APPLIED, settings, "individual")
    finding = next(r for r in ev.rules if r.rule == "five-complaints")
    assert not finding.met
    assert "3 different complainant(s)" in finding.explanation
    assert "2 complaint(s) without a complainant key" in finding.explanation


def test_the_variants_numbers_and_windows_are_policy_data() -> None:
    """Local variants are the partnership's policy (ASBCPA 2014 s.104(5): the procedures decide
    the threshold in any other situation): the number of complainants, its window and the hate
    incident window come from the policy's settings, not constants."""
    four = [c(f"C{i}", "2025-08-01", "2025-09-20", complainant=f"h{i}") for i in range(1, 5)]
    five_rule = {"variant_five_complaints_from": "2026-01-01"}
    assert not evaluate(four, APPLIED, five_rule, "individual").met
    assert evaluate(four, APPLIED, {**five_rule, "complainants_number": "4"}, "individual").met
    narrow = {**five_rule, "complainants_number": "4", "complainants_window_months": "3"}
    assert not evaluate(four, APPLIED, narrow, "individual").met  # 20 Sep is before 2 Dec
    hate = [c("C1", "2025-11-10", "2025-11-11", hate=True)]
    hate_rule = {"variant_hate_incident_from": "2025-04-01"}
    assert not evaluate(hate, APPLIED, hate_rule, "individual").met  # three months by default
    six = {**hate_rule, "hate_incident_window_months": "6"}
    assert evaluate(hate, APPLIED, six, "individual").rule == "hate-incident"


def test_impossible_settings_are_named() -> None:
    """A policy's settings are checked before they are used (a setting that cannot be a number
    or date is refused by the set-up import)."""
    assert setting_problems({"complainants_number": "lots", "variant_hate_incident_from": "soon",
                             "threshold_minimum": "4"}) == [
        "The policy setting threshold_minimum is 4; it may be 1 to 3 (s.104(4) and its "
        "Explanatory Notes: the local number may be lower than three, never higher).",
        "The policy setting complainants_number 'lots' is not a whole number.",
        "The policy setting variant_hate_incident_from 'soon' is not a date.",
    ]
    assert setting_problems({"hate_incident_window_months": "0"}) == [
        "The policy setting hate_incident_window_months is 0; it may be 1 to 24."]
    assert setting_problems({}) == []
