"""Random command sequences through the encampment stage machine (architecture.md, "Tests").

Hypothesis draws a list of steps (command, keyword arguments, hours since the last step, reason),
valid and invalid alike (every verb of ``DEFINITION.transitions``, threat and likelihood 0..4,
hearings before and after service, notices before and after the welfare assessment), plus an
advance step that issues the next command of the happy path for the case's stage, so that
tolerated, enforcing, the court route, vacated and closed are reached. Effective times are
date-times. Each step runs on the live aggregate (tests/unit/property_harness.py). The properties:

- a refused command (any ``CaseledgerError``) records nothing and leaves the state unchanged;
- no other exception escapes a command;
- replaying the recorded events gives the live state;
- a stored DeadlineSet due equals the due recomputed from its stored clock and start; replaying,
  or recording a later fact that computes a due time under another calendar, never moves it;
- the stage is always one of the definition's stages; a closed case has no open deadline;
- no direction, summons, possession claim or served order is recorded before a welfare
  assessment, nor effective before the first one;
- every stored no-return window equals ``no_return_window(power, direction date)``.

And, on no_return.py: for any date and power, ``until`` is the day before the same calendar day N
months later (the last day of that month when it has no such day), and the date is inside.
"""

from __future__ import annotations

from calendar import monthrange
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain import times
from domain.encampment import (
    DEFINITION,
    Decision,
    DirectionPower,
    EncampmentCase,
    HearingResult,
    LandKind,
    OrderKind,
    Power,
    national_policy,
)
from domain.errors import InvalidInput
from domain.no_return import COMMENCEMENT, POWERS_WITH_WINDOW, RULES, no_return_window
from domain.policy import CasePolicy
from tests.unit.dardr_helpers import (
    ENGLAND_AND_WALES_2025_2027,
    NO_HOLIDAYS,
    ctx,
    replay,
    state,
)
from tests.unit.property_harness import (
    Advance,
    Call,
    Command,
    Step,
    Timeline,
    Watch,
    check_common_invariants,
    check_replay_never_moves_a_deadline,
    command_names,
    days_later,
    hours_after_due,
    hours_later,
    run_steps,
    steps,
)

REPORTED_AT = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)
TIMELINE = Timeline(REPORTED_AT, REPORTED_AT - timedelta(hours=3), timedelta(hours=1), as_date=False)
OTHER_POLICY = CasePolicy.from_dict({**national_policy().to_dict(), "version": "local-ue-2026"})

# --------------------------------------------------------------------------- the steps

R = EncampmentCase
REASONS = st.sampled_from([None, "agreed with the landowner"])
hours = st.integers(-30, 120)  # hours after the effective time, for hearings and due times
maybe_hours = st.one_of(st.none(), hours.map(hours_later))
power = st.one_of(st.sampled_from(Power), st.sampled_from(["s.62A", "s60C-request", "s999"]))
agency = st.sampled_from(("police", "council"))
return_kind = st.sampled_from(("information", "information", "imr"))
risk = st.integers(0, 4)
count = st.one_of(st.none(), st.integers(-1, 8))
cost = st.one_of(st.none(), st.sampled_from([-1.0, 0.0, 120.5, 800]))
text = st.sampled_from(["", "  ", "a note"])
nothing: st.SearchStrategy[dict[str, Any]] = st.just({})
fixed = st.fixed_dictionaries
DEADLINE_NAMES = (
    "initial-visit",
    "welfare-assessment",
    "decision",
    "direction-compliance",
    "order-compliance",
    "leaving-date",
    "cleanup",
    "return:police:information",
    "nope",
)

ARGUMENTS: dict[Command, st.SearchStrategy[dict[str, Any]]] = {
    R.establish_ownership: fixed(
        {"land": st.sampled_from([*LandKind, "moon"]), "lead_agency": st.sampled_from([None, "police"])}
    ),
    R.visit: fixed({"caravans": count, "adults": count, "children": count}),
    R.assess_welfare: fixed(
        {
            "needs": st.sampled_from([[], ["education"], ["health", "newborn"], ["bogus"]]),
            "referrals": st.just(["school"]),
        }
    ),
    R.assess_impact: fixed({"threat": risk, "likelihood": risk, "never_acceptable": st.booleans()}),
    R.decide: fixed(
        {
            "decision": st.sampled_from([*Decision, "maybe"]),
            "power": st.one_of(st.none(), power),
            "leave_by": st.one_of(st.none(), st.integers(-3, 20).map(days_later)),
            "reasons": st.sampled_from(["", "proportionate"]),
        }
    ),
    R.serve_direction: fixed({"power": power, "compliance_due": maybe_hours}),
    R.refer_to_police: fixed({"power": power}),
    R.check_compliance: fixed({"still_present": st.booleans()}),
    R.issue_summons: fixed({"hearing": hours.map(hours_later), "served_on": maybe_hours}),
    R.issue_claim: fixed(
        {
            "hearing": st.integers(-48, 240).map(hours_later),
            "served_on": maybe_hours,
            "premises": st.sampled_from(["land", "residential", "boat"]),
            "method": st.sampled_from([None, "stakes", "attached-to-land", "post"]),
        }
    ),
    R.record_hearing: fixed({"result": st.sampled_from([*HearingResult, "won"])}),
    R.grant_order: fixed({"order": st.sampled_from([*OrderKind, "eviction"]), "compliance_due": maybe_hours}),
    R.serve_order: fixed({"compliance_due": maybe_hours}),
    R.give_entry_notice: fixed({"notified_on": maybe_hours, "names_unknown": st.booleans()}),
    R.enforce: fixed({"step": st.sampled_from(["scheduled", "executed", "later"]), "scheduled_for": maybe_hours}),
    R.vacate: fixed({"enforced": st.booleans()}),
    R.clear_site: fixed({"cleanup_cost": cost, "legal_cost": cost, "damage": cost}),
    R.request_return: fixed({"agency": agency, "kind": return_kind, "due": maybe_hours}),
    R.receive_return: fixed({"agency": agency, "kind": return_kind}),
    R.accept_return: fixed({"agency": agency, "kind": return_kind}),
    R.challenge_return: fixed({"agency": agency, "kind": return_kind, "due": maybe_hours}),
    R.withdraw_return: fixed({"agency": agency, "kind": return_kind}),
    # mostly later than the current due, sometimes not
    R.extend_deadline: fixed(
        {"name": st.sampled_from(DEADLINE_NAMES), "to": st.integers(-24, 240).map(hours_after_due)}
    ),
    R.pause: fixed({"clocks": st.one_of(st.none(), st.lists(st.sampled_from(DEADLINE_NAMES), max_size=1))}),
    R.resume: nothing,
    R.link_process: fixed(
        {
            "kind": st.sampled_from(["criminal", "civil", "other", "tribunal"]),
            "reference": st.just("CRIME/1"),
            "pause": st.booleans(),
        }
    ),
    R.update_process: fixed(
        {
            "process_id": st.sampled_from(["P1", "P2"]),
            "status": st.just("listed"),
            "key_dates": st.just({"trial": days_later(30)}),
        }
    ),
    R.conclude_process: fixed({"process_id": st.sampled_from(["P1", "P2"]), "outcome": st.just("concluded")}),
    R.add_action: fixed(
        {
            "recommendation": text,
            "owner": st.just("council"),
            "level": st.sampled_from(["local", "global"]),
            "due": hours.map(hours_later),
        }
    ),
    R.update_action: fixed(
        {
            "action_id": st.sampled_from(["A1", "A2"]),
            "rag": st.sampled_from(["red", "purple"]),
            "note": st.just("progress"),
        }
    ),
    R.close_action: fixed({"action_id": st.sampled_from(["A1", "A2"]), "evidence": text}),
    R.migrate_policy: fixed({"policy": st.sampled_from([OTHER_POLICY, national_policy()])}),
    R.add_note: fixed({"text": text}),
    R.close: fixed({"outcome": st.sampled_from(["moved on", ""])}),
    R.reopen: nothing,
}

COURT_COMMANDS = (
    R.serve_direction,
    R.issue_summons,
    R.issue_claim,
    R.record_hearing,
    R.grant_order,
    R.serve_order,
    R.give_entry_notice,
    R.assess_welfare,
    R.check_compliance,
    R.extend_deadline,
)
#: mostly forward; sometimes back (a late entry of an earlier fact), a few hours or a day or two
hour_step = st.one_of(
    st.just(0),
    st.integers(1, 6),
    st.integers(1, 30),
    st.integers(-3, -1),
    st.integers(48, 200),
    st.integers(-48, -4),
)
STEPS = steps(ARGUMENTS, advance=2, often=[COURT_COMMANDS], gaps=hour_step, reasons=REASONS)


def test_every_verb_of_the_definition_is_drawn() -> None:
    assert command_names(ARGUMENTS) == set(DEFINITION.transitions)


def at(base: datetime, h: int) -> str:
    return times.parse_effective((base + timedelta(hours=h)).isoformat())


def day(base: datetime, days: int) -> str:
    return (base + timedelta(days=days)).date().isoformat()


# --------------------------------------------------------------------------- the happy path


def happy_path(case: EncampmentCase, branch: int, on: datetime, reason: str | None) -> Call:
    """The next command of the happy path for the case's stage (branch picks among ways on)."""
    stage = case.stage
    if stage == "reported":
        return Call(R.establish_ownership, {"land": list(LandKind)[branch % 4]}, reason)
    if stage == "triage":
        return Call(R.visit, {"caravans": 5, "adults": 6, "children": 2}, reason)
    if stage == "assessing":
        if case.welfare_assessed is None:
            return Call(R.assess_welfare, {"needs": ["education"]}, reason)
        return Call(R.assess_impact, {"threat": 2, "likelihood": 3}, reason)
    if stage == "deciding" or (stage == "tolerated" and branch > 2):
        if branch == 0 and stage == "deciding":
            return Call(R.decide, {"decision": "tolerate", "leave_by": day(on, 7)}, reason)
        not_allow = {"decision": "not-allow", "power": list(Power)[branch], "reasons": "proportionate"}
        return Call(R.decide, not_allow, reason)
    if stage == "tolerated":
        return Call(R.vacate, {}, reason)
    if stage == "enforcing":
        if case.power in set(DirectionPower) and case.directions == 0:
            conditions = {"s61": {"occupier_asked": True, "grounds": ["damage"]},
                          "s62a": {"occupier_asked": True, "pitch_available": True}}
            return Call(R.serve_direction, {"power": case.power,
                                            **conditions.get(str(case.power), {})}, reason)
        if case.summonses + case.claims == 0:
            if branch % 2 == 0:
                return Call(R.issue_summons, {"hearing": at(on, 30)}, reason)
            return Call(R.issue_claim, {"hearing": at(on, 24 * 7), "method": "stakes"}, reason)
        if case.hearings == 0:
            return Call(R.record_hearing, {"result": "order-granted"}, reason)
        if case.orders == 0:
            return Call(R.grant_order, {"order": "s78" if case.summonses else "possession"}, reason)
        if case.order_served is None:
            return Call(R.serve_order, {}, reason)
        if case.served_order == "s78" and case.entry_notice is None:
            return Call(R.give_entry_notice, {"names_unknown": branch % 2 == 1}, reason)
        if branch > 2:
            return Call(R.enforce, {}, reason)
        return Call(R.vacate, {"enforced": True}, reason)
    if stage == "vacated":
        return Call(R.clear_site, {"cleanup_cost": 120.5, "legal_cost": 80}, reason)
    return Call(R.reopen, {}, "the group came back")


WELFARE_FIRST = ("DirectionServed", "SummonsIssued", "PossessionClaimIssued", "OrderServed")


def check_invariants(case: EncampmentCase, events: list[Any]) -> None:
    check_common_invariants(case, events, DEFINITION)
    # no notice, direction, summons, claim or served order before a welfare assessment
    welfare: str | None = None
    for e in events:
        kind = type(e).__name__
        if kind == "WelfareAssessmentCompleted" and welfare is None:
            welfare = e.effective
        elif kind in WELFARE_FIRST:
            assert welfare is not None, f"{kind} recorded before any welfare assessment"
            assert not times.is_before(e.effective, welfare), (
                f"{kind} effective {e.effective} before the welfare assessment {welfare}"
            )
    # every stored no-return window is the one of the rule in force on the direction's date
    windows = []
    for e in events:
        if type(e).__name__ == "DirectionServed":
            start, until, rule = no_return_window(e.power, times.effective_date(e.effective))
            expected = (start.isoformat(), until.isoformat(), rule.version)
            assert (e.no_return_from, e.no_return_until, e.no_return_rule) == expected
            windows.append({"power": e.power, "from": expected[0], "until": expected[1], "rule": expected[2]})
    assert case.no_return_windows == windows


def report(calendar: Any) -> EncampmentCase:
    return EncampmentCase.report(
        ctx(TIMELINE.effective(REPORTED_AT), calendar=calendar),
        case_id=uuid4(),
        reference="CUM-UE-2026-031",
        partnership="cumberland",
        hub="allerdale",
        policy=national_policy(),
        location="Verge by the A595 (test)",
        grid_ref="NY 123 456",
        caravans=4,
        vehicles=3,
    )


def run(
    drawn: list[Step], *, calendar: Any = ENGLAND_AND_WALES_2025_2027, watch: Watch | None = None
) -> tuple[EncampmentCase, list[Any]]:
    return run_steps(report(calendar), drawn, TIMELINE, happy_path, calendar, check_invariants, watch)


SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@SETTINGS
@given(drawn=st.lists(STEPS, min_size=10, max_size=80))
def test_random_command_sequences_keep_the_invariants(drawn: list[Step]) -> None:
    case, events = run(drawn)
    check_replay_never_moves_a_deadline(case, events, "2026-11-22T10:00:00+00:00", ENGLAND_AND_WALES_2025_2027)


@settings(SETTINGS, max_examples=50)
@given(drawn=st.lists(STEPS, min_size=10, max_size=60))
def test_the_same_commands_under_another_calendar_replay_identically(drawn: list[Step]) -> None:
    """Deadlines computed with no bank holidays are stored as computed, and replay to them."""
    case, events = run(drawn, calendar=NO_HOLIDAYS)
    assert state(replay(events)) == state(case)
    assert all(e.calendar == NO_HOLIDAYS.source for e in events if type(e).__name__ == "DeadlineSet")


def test_the_advance_step_reaches_every_stage() -> None:
    """The generator reaches every stage and the court route (so the properties explore them)."""
    seen: set[str] = set()

    def stage_after(case: Any, call: Call) -> Any:
        return lambda accepted: seen.add(case.stage)

    recorded: set[str] = set()
    for branch in range(6):
        drawn = [Step(Advance((branch + i // 12) % 6), gap=5) for i in range(30)]
        _, events = run(drawn, watch=stage_after)
        recorded |= {type(e).__name__ for e in events}
    assert seen | {"reported"} == set(DEFINITION.stages)
    assert {*WELFARE_FIRST, "HearingHeld", "OrderGranted", "SiteCleared"} <= recorded


# --------------------------------------------------------------------------- no_return.py


@settings(max_examples=150, deadline=None)
@given(
    d=st.dates(min_value=date(1994, 11, 3), max_value=date(2099, 12, 31)),
    power=st.sampled_from(POWERS_WITH_WINDOW),
)
def test_no_return_until_is_the_day_before_the_same_day_n_months_later(d: date, power: str) -> None:
    if d < COMMENCEMENT[power].in_force_from:  # the power did not exist: no window
        with pytest.raises(InvalidInput, match="No no-return rule"):
            no_return_window(power, d)
        return
    start, until, rule = no_return_window(power, d)
    assert rule in RULES[power] and rule.effective_from <= d
    assert all(v.effective_from > d or v.effective_from <= rule.effective_from for v in RULES[power])
    year, month0 = divmod(d.year * 12 + d.month - 1 + rule.months, 12)
    month = month0 + 1
    last = monthrange(year, month)[1]
    if d.day <= last:  # the same day N months later exists: the window ends the day before
        assert until == date(year, month, d.day) - timedelta(days=1)
    else:  # no such day: the window ends with the last day of that month
        assert until == date(year, month, last)
    assert start == d
    assert start <= d <= until
    assert (until - d).days >= 28 * rule.months - 1


@given(
    power=st.sampled_from(POWERS_WITH_WINDOW),
    same_land=st.booleans(),
    same_persons=st.sampled_from([True, False, None]),
)
def test_a_window_never_reaches_past_what_its_section_says(
        power: str, same_land: bool, same_persons: bool | None) -> None:
    """CJPOA 1994 s.77(3)(b), s.61(4)(b), s.60C(2)(b): the same land only; s.62B(1)(b): any land
    in the area, but only the persons directed; s.61 whoever returns."""
    from domain.no_return import within_reach

    flagged = within_reach(power, same_land, same_persons)
    if power in ("s77", "s61", "s60c") and not same_land:
        assert not flagged
    if power in ("s77", "s62a", "s60c") and same_persons is False:
        assert not flagged
    if power == "s61":
        assert flagged == same_land
    if same_land and same_persons is not False:
        assert flagged  # the land itself, persons not ruled out: inside every reach
