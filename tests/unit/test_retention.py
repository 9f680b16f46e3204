"""Retention, legal holds and erasure (domain/retention.py; domain/case.py): dates checked
against hand-computed expectations; given events -> when hold / erase -> then events (or error,
recording nothing)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest

from domain.case import LegalHoldPlaced, PersonalDataErased
from domain.errors import InvalidInput, RuleRefused
from domain.retention import (
    CountedFrom,
    anniversary,
    national_rule,
    retention_due,
    retention_started,
    rule_in_force,
    setting_problems,
)
from tests.unit.dardr_helpers import Given, ctx, event_names, given_notified, one, refused, replay, state

WHY = "Claim by Zephyrine Quillfeather's sister, served 3 March"
LATER = datetime(2047, 1, 10, 12, 0, tzinfo=UTC)  # after the closed review's retention ends


@dataclass
class Closed:
    case_type: str
    closed_on: str | None
    published_on: str | None = None


def test_anniversaries_by_hand() -> None:
    """Given start days, then N years on is the same day, and 29 February in a year without one
    is 1 March (never short of N whole years)."""
    assert anniversary(date(2019, 5, 10), 6) == date(2025, 5, 10)
    assert anniversary(date(2024, 2, 29), 6) == date(2030, 3, 1)
    assert anniversary(date(2024, 2, 29), 4) == date(2028, 2, 29)
    assert anniversary(date(2024, 2, 29), 20) == date(2044, 2, 29)
    assert anniversary(date(2023, 12, 31), 1) == date(2024, 12, 31)


def test_retention_due_by_case_type() -> None:
    """Given the national rules, then a published DARDR counts 20 years from publication, an
    unpublished one from closure, an ASB and an encampment case 6 years from closure (a timed
    closure counts its London day), and an open case has no end."""
    on = date(2030, 1, 1)
    dardr, asb = national_rule("dardr", on), national_rule("asb", on)
    assert (dardr.years, dardr.counted_from, dardr.basis.kind) == (
        20, CountedFrom.PUBLICATION, "assumed local practice")
    published = Closed("dardr", "2026-10-05", "2024-02-29")
    assert retention_started(published, dardr) == date(2024, 2, 29)
    assert retention_due(published, dardr) == date(2044, 2, 29)
    assert retention_due(Closed("dardr", "2026-10-05"), dardr) == date(2046, 10, 5)
    assert retention_due(Closed("asb", "2024-02-29T23:30+00:00"), asb) == date(2030, 3, 1)
    assert retention_due(Closed("encampment", "2025-03-01"),
                         national_rule("encampment", on)) == date(2031, 3, 1)
    assert retention_due(Closed("asb", None), asb) is None
    assert dardr.says() == "20 years after publication (after closure when not published)"


def test_a_local_policy_overrides_the_national_rule_on_the_day_assessed() -> None:
    """Given a local version setting 10 years from closure for DARDR, then the rule assessed is
    local (its version named, basis local procedure) and counts from closure even when
    published; a version setting only the years keeps the national milestone; no local
    version, or none setting retention, leaves the national rule."""
    on = date(2040, 1, 1)
    local = {"version": "cum-2030", "effective_from": "2030-04-01",
             "settings": {"retention_years": "10", "retention_counted_from": "closure"}}
    rule = rule_in_force("dardr", on, local)
    assert (rule.years, rule.counted_from, rule.source) == (10, CountedFrom.CLOSURE,
                                                            "local policy cum-2030")
    assert rule.basis.kind == "local procedure" and rule.effective_from == date(2030, 4, 1)
    assert retention_due(Closed("dardr", "2026-10-05", "2026-10-01"), rule) == date(2036, 10, 5)
    years_only = rule_in_force("dardr", on, {**local, "settings": {"retention_years": "3"}})
    assert (years_only.years, years_only.counted_from) == (3, CountedFrom.PUBLICATION)
    assert rule_in_force("asb", on, None) == national_rule("asb", on)
    assert rule_in_force("asb", on, {**local, "settings": {"guidance": "x"}}) == national_rule("asb", on)


def test_unusable_retention_settings_are_named() -> None:
    """Given settings out of range or counting an ASB case from publication, then each is
    refused naming the setting, and the import's check lists them all."""
    with pytest.raises(InvalidInput, match="retention_years must be a whole number"):
        rule_in_force("asb", date(2030, 1, 1), {"version": "v", "settings": {"retention_years": "0"}})
    with pytest.raises(InvalidInput, match="retention_counted_from must be closure for a asb"):
        rule_in_force("asb", date(2030, 1, 1),
                      {"version": "v", "settings": {"retention_counted_from": "publication"}})
    assert len(setting_problems("encampment", {"retention_years": "many",
                                               "retention_counted_from": "publication"})) == 2
    assert setting_problems("dardr", {"retention_years": "25",
                                      "retention_counted_from": "publication"}) == []


# --------------------------------------------------------------------------- holds and erasure


def closed_review() -> Given:
    """Given: a DARDR review published on 1 October 2026 and closed on 5 October 2026."""
    given = given_notified().up_to("published").duties_done()
    given.do("close", "2026-10-05", "Published; action plan complete")
    return given


def do_later(given: Given, command: str, on: str, *args: Any) -> list[Any]:
    """Run a command recorded at ``LATER`` (an erasure comes decades after the facts)."""
    case = given.load()
    getattr(case, command)(ctx(on, now=LATER), *args)
    new = list(case.collect_events())
    given.history.extend(new)
    return new


def rule_on(on: str) -> Any:
    return rule_in_force("dardr", date.fromisoformat(on))


def test_holds_are_placed_and_lifted_by_label_with_why_personal() -> None:
    """Given a closed review, when two holds are placed, then both are open, why only in
    ``personal``; placing one again, a label that looks like a sentence or lifting an unknown
    one is refused recording nothing; lifting one leaves the other, on replay too."""
    given = closed_review()
    placed = one(given.do("place_legal_hold", "2026-11-01", "LIT-2031-04", WHY), "LegalHoldPlaced")
    assert isinstance(placed, LegalHoldPlaced)
    assert (placed.label, placed.personal) == ("LIT-2031-04", {"why": WHY})
    given.do("place_legal_hold", "2026-11-02", "ICO 12345", "A complaint to the ICO")
    assert given.then().open_holds == {"LIT-2031-04": "2026-11-01", "ICO 12345": "2026-11-02"}
    refused(given, "place_legal_hold", "2026-11-03", "LIT-2031-04", WHY, error=RuleRefused,
            field="label")
    refused(given, "place_legal_hold", "2026-11-03", "Mrs Q's claim, see letter!", WHY,
            error=InvalidInput, field="label")
    refused(given, "place_legal_hold", "2026-11-03", "LIT-9", " ", error=InvalidInput, field="why")
    refused(given, "lift_legal_hold", "2026-11-03", "LIT-9", WHY, error=RuleRefused,
            match="open holds: ICO 12345, LIT-2031-04")
    assert event_names(given.do("lift_legal_hold", "2026-11-04", "ICO 12345", "Closed by the ICO")) == [
        "LegalHoldLifted"]
    assert given.then().open_holds == {"LIT-2031-04": "2026-11-01"}
    assert state(replay(given.history)) == state(given.then())


def test_erasure_is_refused_while_open_held_or_not_due() -> None:
    """Given an open review, a closed one under a hold, and a closed one before its retention
    ends, when erasure is asked, then each is refused saying why, recording nothing."""
    open_review = given_notified()
    with pytest.raises(RuleRefused, match="is open"):
        open_review.load().erase_personal_data(ctx("2026-11-01"), rule_on("2026-11-01"))
    held = closed_review()
    held.do("place_legal_hold", "2026-11-01", "LIT-1", WHY)
    with pytest.raises(RuleRefused, match=r"under legal hold \(LIT-1\)"):
        held.load().erase_personal_data(ctx("2046-10-02", now=LATER), rule_on("2046-10-02"))
    early = closed_review().load()
    with pytest.raises(RuleRefused, match="ends on 2046-10-01"):
        early.erase_personal_data(ctx("2046-09-30", now=LATER), rule_on("2046-09-30"))
    assert list(early.collect_events()) == []


def test_erasure_records_who_when_and_the_rule_then_nothing_more() -> None:
    """Given a closed review whose hold was lifted and whose retention ended on 1 October 2046,
    when its personal data is erased on that day, then PersonalDataErased names the rule, its
    basis and the days retention started and ended, with nothing personal; the case carries the
    marker; erasing again, and every later command (a note, a hold, a restriction, re-opening),
    is refused recording nothing."""
    given = closed_review()
    given.do("place_legal_hold", "2026-11-01", "LIT-1", WHY)
    given.do("lift_legal_hold", "2026-11-20", "LIT-1", "Settled")

    erased = one(do_later(given, "erase_personal_data", "2046-10-01", rule_on("2046-10-01")),
                 "PersonalDataErased")

    assert isinstance(erased, PersonalDataErased)
    assert (erased.retention_started, erased.retention_ended) == ("2026-10-01", "2046-10-01")
    assert erased.rule["years"] == 20 and erased.rule["source"] == "national default"
    assert erased.basis is not None and erased.basis.startswith("assumed local practice")
    assert not hasattr(erased, "personal")
    marker = given.then().personal_data_erased
    assert marker is not None and (marker["on"], marker["by"]) == ("2046-10-01", erased.actor)
    assert state(replay(given.history)) == state(given.then())
    for command, args in (("erase_personal_data", (rule_on("2046-10-02"),)),
                          ("add_note", ("a note",)), ("place_legal_hold", ("LIT-2", WHY)),
                          ("restrict", (["amy"], WHY))):
        case = given.load()
        with pytest.raises(RuleRefused, match="personal data was erased on 2046-10-01"):
            getattr(case, command)(ctx("2046-10-02", now=LATER), *args)
        assert list(case.collect_events()) == []
    refused(given, "reopen", "2026-11-21", reason="new evidence", error=RuleRefused,
            match="was erased")
