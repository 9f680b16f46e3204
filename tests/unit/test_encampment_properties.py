"""Random command sequences through the encampment stage machine (architecture.md, "Tests").

Modelled on test_dardr_properties.py. Hypothesis draws a list of steps (command, arguments, hours
since the last step, reason), valid and invalid alike (every verb of ``DEFINITION.transitions``,
threat and likelihood 0..4, hearings before and after service, notices before and after the
welfare assessment), plus an ``advance`` step that issues the next command of the happy path for
the case's stage, so that tolerated, enforcing, the court route, vacated and closed are reached.
Effective times are date-times. The properties:

- a refused command (any ``CaseledgerError``) records nothing and leaves the state unchanged;
- no other exception escapes a command;
- replaying the recorded events gives the live state;
- a stored DeadlineSet due equals the due recomputed from its stored clock and start; replaying,
  or recording a later fact under another calendar, never moves it;
- the stage is always one of the definition's stages; a closed case has no open deadline;
- no direction, summons, possession claim or served order is recorded before a welfare
  assessment, nor effective before the first one;
- every stored no-return window equals ``no_return_window(power, direction date)``.

And, on no_return.py: for any date and power, ``until`` is the day before the same calendar day N
months later (the last day of that month when it has no such day), and the date is inside.
"""

from __future__ import annotations

import contextlib
from calendar import monthrange
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain import times
from domain.encampment import (
    DECISIONS,
    DEFINITION,
    DIRECTION_POWERS,
    HEARING_RESULTS,
    LAND_KINDS,
    ORDER_KINDS,
    POWERS,
    EncampmentCase,
    national_policy,
)
from domain.errors import CaseledgerError
from domain.no_return import POWERS_WITH_WINDOW, RULES, no_return_window
from domain.policy import CasePolicy
from tests.unit.dardr_helpers import (
    ENGLAND_AND_WALES_2025_2027,
    NO_HOLIDAYS,
    ctx,
    replay,
    state,
)
from tests.unit.property_harness import (
    Call,
    check_common_invariants,
    check_replay_never_moves_a_deadline,
    run_steps,
)

REPORTED_AT = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)
EARLIEST = REPORTED_AT - timedelta(hours=3)
OTHER_POLICY = CasePolicy.from_dict({**national_policy().to_dict(), "version": "local-ue-2026"})

# --------------------------------------------------------------------------- the steps

#: A step: (command, parameters, hours after the previous step, reason).
Step = tuple[str, dict[str, Any], int, str | None]

REASONS = st.sampled_from([None, "agreed with the landowner"])
hours = st.integers(-30, 120)  # hours after the effective time, for hearings and due times
maybe_hours = st.one_of(st.none(), hours)
power = st.one_of(st.sampled_from(POWERS), st.sampled_from(["s.62A", "s60C-request", "s999"]))
agency = st.sampled_from(("police", "council"))
return_kind = st.sampled_from(("information", "information", "imr"))
risk = st.integers(0, 4)
count = st.one_of(st.none(), st.integers(-1, 8))
cost = st.one_of(st.none(), st.sampled_from([-1.0, 0.0, 120.5, 800]))
text = st.sampled_from(["", "  ", "a note"])
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

PARAMS: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "advance": st.fixed_dictionaries({"branch": st.integers(0, 5)}),
    "establish_ownership": st.fixed_dictionaries(
        {"land": st.sampled_from([*LAND_KINDS, "moon"]), "lead": st.sampled_from([None, "police"])}
    ),
    "visit": st.fixed_dictionaries({"caravans": count, "adults": count, "children": count}),
    "assess_welfare": st.fixed_dictionaries(
        {"needs": st.sampled_from([[], ["education"], ["health", "newborn"], ["bogus"]])}
    ),
    "assess_impact": st.fixed_dictionaries({"threat": risk, "likelihood": risk, "never": st.booleans()}),
    "decide": st.fixed_dictionaries(
        {
            "decision": st.sampled_from([*DECISIONS, "maybe"]),
            "power": st.one_of(st.none(), power),
            "leave_by": st.one_of(st.none(), st.integers(-3, 20)),  # days
            "reasons": st.sampled_from(["", "proportionate"]),
        }
    ),
    "serve_direction": st.fixed_dictionaries({"power": power, "due": maybe_hours}),
    "refer_to_police": st.fixed_dictionaries({"power": power}),
    "check_compliance": st.fixed_dictionaries({"still_present": st.booleans()}),
    "issue_summons": st.fixed_dictionaries({"hearing": hours, "served": maybe_hours}),
    "issue_claim": st.fixed_dictionaries(
        {
            "hearing": st.integers(-48, 240),
            "served": maybe_hours,
            "premises": st.sampled_from(["land", "residential", "boat"]),
        }
    ),
    "record_hearing": st.fixed_dictionaries({"result": st.sampled_from([*HEARING_RESULTS, "won"])}),
    "grant_order": st.fixed_dictionaries({"order": st.sampled_from([*ORDER_KINDS, "eviction"]), "due": maybe_hours}),
    "serve_order": st.fixed_dictionaries({"due": maybe_hours}),
    "enforce": st.fixed_dictionaries({"step": st.sampled_from(["scheduled", "executed", "later"]), "at": maybe_hours}),
    "vacate": st.fixed_dictionaries({"enforced": st.booleans()}),
    "clear_site": st.fixed_dictionaries({"cleanup": cost, "legal": cost, "damage": cost}),
    "request_return": st.fixed_dictionaries({"agency": agency, "kind": return_kind, "due": maybe_hours}),
    "receive_return": st.fixed_dictionaries({"agency": agency, "kind": return_kind}),
    "accept_return": st.fixed_dictionaries({"agency": agency, "kind": return_kind}),
    "challenge_return": st.fixed_dictionaries({"agency": agency, "kind": return_kind, "due": maybe_hours}),
    "withdraw_return": st.fixed_dictionaries({"agency": agency, "kind": return_kind}),
    "extend_deadline": st.fixed_dictionaries({"name": st.sampled_from(DEADLINE_NAMES), "to": st.integers(-24, 240)}),
    "pause": st.fixed_dictionaries(
        {"clocks": st.one_of(st.none(), st.lists(st.sampled_from(DEADLINE_NAMES), max_size=1))}
    ),
    "resume": st.just({}),
    "link_process": st.fixed_dictionaries(
        {"kind": st.sampled_from(["criminal", "civil", "other", "tribunal"]), "pause": st.booleans()}
    ),
    "update_process": st.fixed_dictionaries({"process_id": st.sampled_from(["P1", "P2"])}),
    "conclude_process": st.fixed_dictionaries({"process_id": st.sampled_from(["P1", "P2"])}),
    "add_action": st.fixed_dictionaries(
        {"recommendation": text, "level": st.sampled_from(["local", "global"]), "due": hours}
    ),
    "update_action": st.fixed_dictionaries(
        {"action_id": st.sampled_from(["A1", "A2"]), "rag": st.sampled_from(["red", "purple"])}
    ),
    "close_action": st.fixed_dictionaries({"action_id": st.sampled_from(["A1", "A2"]), "evidence": text}),
    "migrate_policy": st.fixed_dictionaries({"other": st.booleans()}),
    "add_note": st.fixed_dictionaries({"text": text}),
    "close": st.fixed_dictionaries({"outcome": st.sampled_from(["moved on", ""])}),
    "reopen": st.just({}),
}

COMMAND_NAMES = sorted(c for c in PARAMS if c != "advance")
#: every verb of the stage table has a drawn step
assert {c.replace("-", "_") for c in DEFINITION.transitions} == set(COMMAND_NAMES)
COURT_COMMANDS = (
    "serve_direction",
    "issue_summons",
    "issue_claim",
    "record_hearing",
    "grant_order",
    "serve_order",
    "assess_welfare",
    "check_compliance",
    "extend_deadline",
)
command_name = st.one_of(
    st.just("advance"),
    st.just("advance"),
    st.sampled_from(COMMAND_NAMES),
    st.sampled_from(COURT_COMMANDS),
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


@st.composite
def steps(draw: st.DrawFn) -> Step:
    name = draw(command_name)
    return name, draw(PARAMS[name]), draw(hour_step), draw(REASONS)


def at(base: datetime, h: int) -> str:
    return times.parse_effective((base + timedelta(hours=h)).isoformat())


def day(base: datetime, days: int) -> str:
    return (base + timedelta(days=days)).date().isoformat()


# --------------------------------------------------------------------------- running a step



def happy_path(case: EncampmentCase, branch: int, on: datetime, reason: str | None) -> Call:
    """The next command of the happy path for the case's stage (branch picks among ways on)."""
    stage = case.stage
    if stage == "reported":
        return "establish_ownership", (), {"land": LAND_KINDS[branch % 4]}, reason
    if stage == "triage":
        return "visit", (), {"caravans": 5, "adults": 6, "children": 2}, reason
    if stage == "assessing":
        if case.welfare_assessed is None:
            return "assess_welfare", (), {"needs": ["education"]}, reason
        return "assess_impact", (), {"threat": 2, "likelihood": 3}, reason
    if stage == "deciding" or (stage == "tolerated" and branch > 2):
        if branch == 0 and stage == "deciding":
            return "decide", ("tolerate",), {"leave_by": day(on, 7)}, reason
        return "decide", ("not-allow",), {"power": POWERS[branch], "reasons": "proportionate"}, reason
    if stage == "tolerated":
        return "vacate", (), {}, reason
    if stage == "enforcing":
        if case.power in DIRECTION_POWERS and case.directions == 0:
            return "serve_direction", (case.power,), {}, reason
        if case.summonses + case.claims == 0:
            if branch % 2 == 0:
                return "issue_summons", (), {"hearing": at(on, 30)}, reason
            return "issue_claim", (), {"hearing": at(on, 24 * 4)}, reason
        if case.hearings == 0:
            return "record_hearing", ("order-granted",), {}, reason
        if case.orders == 0:
            return "grant_order", ("s78" if case.summonses else "possession",), {}, reason
        if case.order_served is None:
            return "serve_order", (), {}, reason
        if branch > 2:
            return "enforce", (), {}, reason
        return "vacate", (), {"enforced": True}, reason
    if stage == "vacated":
        return "clear_site", (), {"cleanup_cost": 120.5, "legal_cost": 80}, reason
    return "reopen", (), {}, "the group came back"


def to_call(case: EncampmentCase, step: Step, on: datetime) -> Call:
    """The method, arguments and reason for a drawn step on the live case."""
    name, p, _, reason = step
    if name == "advance":
        return happy_path(case, p["branch"], on, reason)
    args: tuple[Any, ...] = ()
    kw: dict[str, Any] = {}
    if name == "establish_ownership":
        kw = {"land": p["land"], "lead_agency": p["lead"]}
    elif name == "visit":
        kw = {"caravans": p["caravans"], "adults": p["adults"], "children": p["children"]}
    elif name == "assess_welfare":
        kw = {"needs": p["needs"], "referrals": ["school"]}
    elif name == "assess_impact":
        kw = {"threat": p["threat"], "likelihood": p["likelihood"], "never_acceptable": p["never"]}
    elif name == "decide":
        leave = None if p["leave_by"] is None else day(on, p["leave_by"])
        args = (p["decision"],)
        kw = {"power": p["power"], "leave_by": leave, "reasons": p["reasons"]}
    elif name == "serve_direction":
        kw = {"power": p["power"], "compliance_due": None if p["due"] is None else at(on, p["due"])}
    elif name == "refer_to_police":
        args = (p["power"],)
    elif name == "check_compliance":
        args = (p["still_present"],)
    elif name in ("issue_summons", "issue_claim"):
        kw = {
            "hearing": at(on, p["hearing"]),
            "served_on": None if p["served"] is None else at(on, p["served"]),
        }
        if name == "issue_claim":
            kw["premises"] = p["premises"]
    elif name == "record_hearing":
        args = (p["result"],)
    elif name == "grant_order":
        args = (p["order"],)
        kw = {"compliance_due": None if p["due"] is None else at(on, p["due"])}
    elif name == "serve_order":
        kw = {"compliance_due": None if p["due"] is None else at(on, p["due"])}
    elif name == "enforce":
        kw = {"step": p["step"], "scheduled_for": None if p["at"] is None else at(on, p["at"])}
    elif name == "vacate":
        kw = {"enforced": p["enforced"]}
    elif name == "clear_site":
        kw = {"cleanup_cost": p["cleanup"], "legal_cost": p["legal"], "damage": p["damage"]}
    elif name in ("request_return", "challenge_return"):
        args = (p["agency"], p["kind"])
        kw = {"due": None if p["due"] is None else at(on, p["due"])}
    elif name in ("receive_return", "accept_return", "withdraw_return"):
        args = (p["agency"], p["kind"])
    elif name == "extend_deadline":  # mostly later than the current due, sometimes not
        d = case.deadlines.get(p["name"])
        base = times.effective_instant(d.due) if d is not None else on
        args = (p["name"], at(base, p["to"]))
    elif name == "pause":
        args = (p["clocks"],)
    elif name == "link_process":
        args, kw = (p["kind"], "CRIME/1"), {"pause": p["pause"]}
    elif name == "update_process":
        args = (p["process_id"], "listed", {"trial": day(on, 30)})
    elif name == "conclude_process":
        args = (p["process_id"], "concluded")
    elif name == "add_action":
        args = (p["recommendation"], "council", p["level"], at(on, p["due"]))
    elif name == "update_action":
        args = (p["action_id"], p["rag"], "progress")
    elif name == "close_action":
        args = (p["action_id"], p["evidence"])
    elif name == "migrate_policy":
        args = (OTHER_POLICY if p["other"] else national_policy(),)
    elif name == "add_note":
        args = (p["text"],)
    elif name == "close":
        args = (p["outcome"],)
    return name, args, kw, reason


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
        ctx(at(REPORTED_AT, 0), calendar=calendar),
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


def run(drawn: list[Step], *, calendar: Any = ENGLAND_AND_WALES_2025_2027) -> tuple[EncampmentCase, list[Any]]:
    def calls(case: EncampmentCase) -> Iterator[tuple[Call, str]]:
        on = REPORTED_AT
        for step in drawn:
            on = max(on + timedelta(hours=step[2]), EARLIEST)
            yield to_call(case, step, on), at(on, 0)

    return run_steps(report(calendar), calls, calendar, check_invariants)


SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@SETTINGS
@given(drawn=st.lists(steps(), min_size=10, max_size=80))
def test_random_command_sequences_keep_the_invariants(drawn: list[Step]) -> None:
    case, events = run(drawn)
    check_replay_never_moves_a_deadline(case, events, later="2026-11-22T10:00:00+00:00")


@settings(SETTINGS, max_examples=50)
@given(drawn=st.lists(steps(), min_size=10, max_size=60))
def test_the_same_commands_under_another_calendar_replay_identically(drawn: list[Step]) -> None:
    """Deadlines computed with no bank holidays are stored as computed, and replay to them."""
    case, events = run(drawn, calendar=NO_HOLIDAYS)
    assert state(replay(events)) == state(case)
    assert all(e.calendar == NO_HOLIDAYS.source for e in events if type(e).__name__ == "DeadlineSet")


def test_the_advance_step_reaches_every_stage() -> None:
    """The generator reaches every stage and the court route (so the properties explore them)."""
    seen: set[str] = set()
    recorded: set[str] = set()
    for branch in range(6):
        case = report(ENGLAND_AND_WALES_2025_2027)
        on = REPORTED_AT
        for i in range(30):
            on += timedelta(hours=5)
            name, args, kw, reason = happy_path(case, (branch + i // 12) % 6, on, None)
            with contextlib.suppress(CaseledgerError):
                getattr(case, name)(ctx(at(on, 0), reason), *args, **kw)
            seen.add(case.stage)
        recorded |= {type(e).__name__ for e in case.collect_events()}
    assert seen | {"reported"} == set(DEFINITION.stages)
    assert {*WELFARE_FIRST, "HearingHeld", "OrderGranted", "SiteCleared"} <= recorded


# --------------------------------------------------------------------------- no_return.py


@settings(max_examples=150, deadline=None)
@given(
    d=st.dates(min_value=date(1994, 11, 3), max_value=date(2099, 12, 31)),
    power=st.sampled_from(POWERS_WITH_WINDOW),
)
def test_no_return_until_is_the_day_before_the_same_day_n_months_later(d: date, power: str) -> None:
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
