"""Random command sequences through the ASB Case Review stage machine (domain/asb.py).

Modelled on tests/unit/test_dardr_properties.py. Hypothesis draws an application (its complaints)
and a list of steps (command, arguments, days since the last step, reason), valid and invalid
alike: every verb of ``DEFINITION.transitions`` with plausible and implausible arguments, plus an
``advance`` step that issues the next command of the happy path for the case's stage (so that the
review, the outcome, appeals, closure and re-opening are reached). The properties:

- a refused command (any ``CaseledgerError``) records nothing: no pending events, the same
  version and the same state as before;
- no other exception escapes a command;
- replaying the recorded events gives the live state;
- a DeadlineSet stores the due computed from its stored clock and start with the calendar used
  live; replaying, or recording a later fact with another calendar, never moves a due;
- the stage is always one of the stages of the definition; a closed case has no open or paused
  deadline;
- the threshold: whenever the statutory rule is met by the recorded complaints (the engine's
  ``evaluate``), ``decide_threshold(met=False)`` is refused.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from typing import Any
from uuid import uuid4

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain import times
from domain.asb import (
    APPEAL_TARGETS,
    DEFINITION,
    NOTIFY_METHODS,
    AsbCaseReview,
    national_policy,
)
from domain.asb_threshold import DISCRETION, RULES, evaluate
from domain.errors import CaseledgerError
from tests.unit.dardr_helpers import ENGLAND_AND_WALES_2025_2027, NO_HOLIDAYS, ctx, replay, state
from tests.unit.property_harness import (
    Call,
    check_common_invariants,
    check_replay_never_moves_a_deadline,
    run_steps,
)

RECEIVED_ON = date(2026, 3, 2)
AGENCIES = ("cumbria-police", "home-group", "cumberland-council")
DEADLINE_NAMES = (
    "acknowledgement",
    "threshold-decision",
    "threshold-notification",
    "review-meeting",
    "outcome-notification",
    "appeal-decision",
    "return:cumbria-police:information",
    "return:home-group:information",
    "action:A1",
    "nope",
)
#: stands for the first open deadline of the case, when there is one
OPEN_DEADLINE = "*open*"
REASONS = st.sampled_from([None, "agreed with the hub coordinator"])

# --------------------------------------------------------------------------- the application


@st.composite
def initial_complaint(draw: st.DrawFn) -> dict[str, Any]:
    """A valid complaint at application time (its qualifying or not is left to the engine)."""
    behaviour = RECEIVED_ON - timedelta(days=draw(st.integers(0, 240)))
    reported = min(behaviour + timedelta(days=draw(st.integers(0, 45))), RECEIVED_ON)
    return {
        "behaviour": behaviour.isoformat(),
        "reported": reported.isoformat(),
        "agency": draw(st.sampled_from(AGENCIES)),
        "reference": draw(st.sampled_from([None, "INC-1", "inc-1 ", "INC-2"])),
        "hate": draw(st.booleans()),
        "complainant": draw(st.sampled_from([None, "K1", "K2"])),
    }


application = st.fixed_dictionaries(
    {
        "complaints": st.lists(initial_complaint(), max_size=5),
        "applicant_type": st.sampled_from(["individual", "senior-manager", "business"]),
        "threshold_minimum": st.sampled_from(["3", "3", "2", "1"]),
    }
)

# --------------------------------------------------------------------------- the steps

#: A step: (command, parameters, days after the previous step, reason).
Step = tuple[str, dict[str, Any], int, str | None]

agency = st.one_of(st.sampled_from(AGENCIES[:2]), st.sampled_from([*AGENCIES, " "]))
agencies = st.lists(agency, max_size=3)
offset = st.integers(-5, 60)  # days after the effective date, for due dates and meetings
text = st.sampled_from(["", "  ", "a note", "Persistent harm to a vulnerable victim"])
return_kind = st.sampled_from(["information", "information", "scoping"])
complaint_id = st.sampled_from(["C1", "C2", "C3", "C4", "C9"])

PARAMS: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "advance": st.fixed_dictionaries({"branch": st.integers(0, 5)}),
    "add_complaint": st.fixed_dictionaries(
        {
            "behaviour": st.integers(-60, 5),
            "lag": st.integers(-3, 40),
            "agency": agency,
            "reference": st.sampled_from([None, "INC-1", "INC-3", ""]),
            "hate": st.booleans(),
            "complainant": st.sampled_from([None, "K1", "K3"]),
        }
    ),
    "mark_duplicate": st.fixed_dictionaries(
        {
            "complaints": st.one_of(
                st.lists(st.sampled_from(["C1", "C2", "C3"]), min_size=2, max_size=2, unique=True),
                st.lists(complaint_id, max_size=3),
            ),
            "why": st.sampled_from(["same night, same address", ""]),
        }
    ),
    "acknowledge": st.fixed_dictionaries({"agencies": st.one_of(st.none(), agencies)}),
    "decide_threshold": st.fixed_dictionaries(
        {
            "met": st.booleans(),
            "rule": st.sampled_from([None, *RULES, DISCRETION, "not-met", "bogus"]),
            "reasons": text,
        }
    ),
    "notify_threshold": st.fixed_dictionaries({"method": st.sampled_from([*NOTIFY_METHODS, "pigeon"])}),
    "schedule_meeting": st.fixed_dictionaries({"days": offset}),
    "hold_meeting": st.fixed_dictionaries(
        {
            "chair": st.sampled_from(["Chair Person", " "]),
            "independent_chair": st.booleans(),
            "victim_invited": st.booleans(),
            "victim_attended": st.booleans(),
            "agencies": st.one_of(st.none(), agencies),
        }
    ),
    "recommend": st.fixed_dictionaries(
        {
            "recommendations": st.sampled_from([None, [], [" "], ["Joint visit", "Mediation"]]),
            "none": st.booleans(),
        }
    ),
    "share_action_plan": st.just({}),
    "record_victim_comments": st.fixed_dictionaries({"comments": text}),
    "notify_outcome": st.fixed_dictionaries({"method": st.sampled_from([*NOTIFY_METHODS, "pigeon"])}),
    "lodge_appeal": st.fixed_dictionaries({"grounds": text}),
    "determine_appeal": st.fixed_dictionaries(
        {
            "upheld": st.booleans(),
            "back_to": st.sampled_from([None, *APPEAL_TARGETS, "closed", "bogus"]),
        }
    ),
    "request_return": st.fixed_dictionaries(
        {"agency": agency, "kind": return_kind, "due": st.one_of(st.none(), offset)}
    ),
    "receive_return": st.fixed_dictionaries({"agency": agency, "kind": return_kind}),
    "accept_return": st.fixed_dictionaries({"agency": agency, "kind": return_kind}),
    "challenge_return": st.fixed_dictionaries(
        {"agency": agency, "kind": return_kind, "due": st.one_of(st.none(), offset)}
    ),
    "withdraw_return": st.fixed_dictionaries({"agency": agency, "kind": return_kind}),
    "extend_deadline": st.fixed_dictionaries(
        {
            "name": st.one_of(st.just(OPEN_DEADLINE), st.sampled_from(DEADLINE_NAMES)),
            "to": st.integers(-10, 200),
        }
    ),
    "pause": st.fixed_dictionaries(
        {"clocks": st.one_of(st.none(), st.lists(st.sampled_from(DEADLINE_NAMES), max_size=1))}
    ),
    "resume": st.just({}),
    "link_process": st.fixed_dictionaries(
        {"kind": st.sampled_from(["criminal", "civil-injunction"]), "pause": st.booleans()}
    ),
    "update_process": st.fixed_dictionaries({"process_id": st.sampled_from(["P1", "P2"])}),
    "conclude_process": st.fixed_dictionaries({"process_id": st.sampled_from(["P1", "P2"])}),
    "add_action": st.fixed_dictionaries(
        {
            "recommendation": text,
            "level": st.sampled_from(["multi-agency", "single-agency", "global"]),
            "due": offset,
        }
    ),
    "update_action": st.fixed_dictionaries(
        {"action_id": st.sampled_from(["A1", "A2"]), "rag": st.sampled_from(["red", "green", "purple"])}
    ),
    "close_action": st.fixed_dictionaries({"action_id": st.sampled_from(["A1", "A2"]), "evidence": text}),
    "add_note": st.fixed_dictionaries({"text": text}),
    "migrate_policy": st.fixed_dictionaries(
        {
            "version": st.sampled_from(["national-asb-2025", "cumbria-asb-2026"]),
            "threshold_minimum": st.sampled_from(["1", "2", "3", "7"]),
        }
    ),
    "close": st.fixed_dictionaries({"outcome": st.sampled_from(["Actions complete", ""])}),
    "reopen": st.just({}),
}

#: ``advance`` is drawn as often as all other commands together, so that sequences go deep (the
#: threshold and clock commands are drawn more often, so that they also succeed sometimes);
#: the days between steps are mostly small so that appeal windows are often still open.
COMMAND_NAMES = sorted(c for c in PARAMS if c != "advance")
THRESHOLD_COMMANDS = ("add_complaint", "mark_duplicate", "decide_threshold", "acknowledge")
CLOCK_COMMANDS = (
    "request_return",
    "receive_return",
    "accept_return",
    "challenge_return",
    "extend_deadline",
    "pause",
    "resume",
    "update_action",
    "close_action",
)
command_name = st.one_of(
    st.just("advance"),
    st.just("advance"),
    st.just("advance"),
    st.sampled_from(COMMAND_NAMES),
    st.sampled_from(THRESHOLD_COMMANDS),
    st.sampled_from(CLOCK_COMMANDS),
)
day_step = st.one_of(st.just(0), st.integers(1, 5), st.integers(1, 10), st.integers(-3, -1), st.integers(20, 40))


@st.composite
def steps(draw: st.DrawFn) -> Step:
    name = draw(command_name)
    return name, draw(PARAMS[name]), draw(day_step), draw(REASONS)


def day(base: date, days: int) -> str:
    return (base + timedelta(days=days)).isoformat()


def test_every_verb_of_the_definition_is_drawn() -> None:
    verbs = {command.replace("-", "_") for command in DEFINITION.transitions}
    assert verbs == set(COMMAND_NAMES)


# --------------------------------------------------------------------------- running a step



def statutory_met(case: AsbCaseReview) -> bool:
    """The engine's verdict on the recorded complaints (independently of decide_threshold)."""
    return evaluate(
        case.complaint_objects(),
        times.effective_date(case.opened_on),
        case.policy.settings,
        case.applicant_type,
    ).statutory_met


def happy_path(case: AsbCaseReview, branch: int, reason: str | None, on: date) -> Call:
    """The next command of the happy path for the case's stage (branch picks among ways on)."""
    stage = case.stage
    if branch == 5 and not case.is_closed:  # the information returns come in, and are accepted
        for r in case.returns.values():
            if r.status in ("requested", "challenged"):
                return "receive_return", (r.agency, r.kind), {}, reason
            if r.status == "received":
                return "accept_return", (r.agency, r.kind), {}, reason
    if stage == "received":
        return "acknowledge", (["cumbria-police"] if branch % 2 else [],), {}, reason
    if stage == "gathering-information":
        try:
            met = statutory_met(case)
        except CaseledgerError:  # e.g. a migrated policy with an impossible setting
            met = False
        if branch == 0 and not met:
            return "decide_threshold", (False, None, "no rule met"), {}, reason
        return "decide_threshold", (True, None, "persistent harm"), {}, reason
    if stage == "threshold-not-met":
        if not case.threshold_notified:
            return "notify_threshold", ("letter",), {}, reason
        if case.appeal_until and branch % 2:
            return "lodge_appeal", ("Not all complaints counted",), {}, reason
        return "close", ("threshold not met",), {}, reason
    if stage == "review-pending":
        if not case.threshold_notified:
            return "notify_threshold", ("letter",), {}, reason
        if branch == 0 and not case.meeting_scheduled:
            return "schedule_meeting", (day(on, 5),), {}, reason
        return "hold_meeting", ("Chair Person",), {"victim_attended": branch == 1}, reason
    if stage == "review-held":
        if branch == 0:
            return "recommend", (), {"none": True}, "response already adequate"
        return "recommend", (["Joint visit", "Mediation referral"],), {}, reason
    if stage == "outcome-pending":
        if branch in (0, 1) and not case.actions:
            args = ("Joint visit", "cumbria-police", "multi-agency", day(on, 30))
            return "add_action", args, {}, reason
        if case.recommendations and not case.action_plan_shared:
            return "share_action_plan", (), {}, reason
        if branch == 2 and case.action_plan_shared and not case.victim_comments:
            return "record_victim_comments", ("Happy with the plan",), {}, reason
        return "notify_outcome", ("email",), {}, reason
    if stage == "monitoring-actions":
        if case.appeal_until and branch in (0, 1):
            return "lodge_appeal", ("Actions too weak",), {}, reason
        open_actions = case.open_actions()
        if open_actions and branch > 2:
            return "close_action", (open_actions[0].id, "done"), {}, reason
        return "close", ("Actions complete",), {}, "actions handed to the hub"
    if stage == "appeal":
        back_to = APPEAL_TARGETS[branch % 4] if branch > 3 else None
        return "determine_appeal", (branch % 2 == 0,), {"back_to": back_to}, reason
    return "reopen", (), {}, "the applicant reported more incidents"


def to_call(case: AsbCaseReview, step: Step, on: date) -> Call:
    """The method, arguments and reason for a drawn step on the live case."""
    name, p, _, reason = step
    if name == "advance":
        return happy_path(case, p["branch"], reason, on)
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = {}
    if name == "add_complaint":
        behaviour = on + timedelta(days=p["behaviour"])
        args = (behaviour.isoformat(), day(behaviour, p["lag"]), p["agency"])
        kwargs = {
            "reference": p["reference"],
            "hate": p["hate"],
            "description": "Shouting at night",
            "complainant": p["complainant"],
        }
    elif name == "mark_duplicate":
        args = (p["complaints"], p["why"])
    elif name == "acknowledge":
        args = (p["agencies"],)
    elif name == "decide_threshold":
        args = (p["met"], p["rule"], p["reasons"])
    elif name in ("notify_threshold", "notify_outcome"):
        args = (p["method"],)
    elif name == "schedule_meeting":
        args = (day(on, p["days"]),)
    elif name == "hold_meeting":
        args = (p["chair"],)
        kwargs = {k: p[k] for k in ("independent_chair", "victim_invited", "victim_attended")}
        kwargs["agencies"] = p["agencies"]
    elif name == "recommend":
        args, kwargs = (p["recommendations"],), {"none": p["none"]}
    elif name == "record_victim_comments":
        args = (p["comments"],)
    elif name == "lodge_appeal":
        args = (p["grounds"],)
    elif name == "determine_appeal":
        args, kwargs = (p["upheld"],), {"back_to": p["back_to"]}
    elif name in ("request_return", "challenge_return"):
        args = (p["agency"], p["kind"])
        kwargs = {"due": None if p["due"] is None else day(on, p["due"])}
    elif name in ("receive_return", "accept_return", "withdraw_return"):
        args = (p["agency"], p["kind"])
    elif name == "extend_deadline":  # mostly later than the current due, sometimes not
        deadline = p["name"]
        if deadline == OPEN_DEADLINE:
            running = case.open_deadlines()
            deadline = running[0].name if running else "nope"
        d = case.deadlines.get(deadline)
        base = times.effective_date(d.due) if d is not None else on
        args = (deadline, day(base, p["to"] // 10))
    elif name == "pause":
        args = (p["clocks"],)
    elif name == "link_process":
        args, kwargs = (p["kind"], "CRIME/1"), {"pause": p["pause"]}
    elif name == "update_process":
        args = (p["process_id"], "trial listed", {"trial": day(on, 30)})
    elif name == "conclude_process":
        args = (p["process_id"], "concluded")
    elif name == "add_action":
        args = (p["recommendation"], "cumbria-police", p["level"], day(on, p["due"]))
    elif name == "update_action":
        args = (p["action_id"], p["rag"], "progress")
    elif name == "close_action":
        args = (p["action_id"], p["evidence"])
    elif name == "add_note":
        args = (p["text"],)
    elif name == "migrate_policy":
        policy = national_policy({"threshold_minimum": p["threshold_minimum"]})
        args = (replace(policy, version=p["version"]),)
    elif name == "close":
        args = (p["outcome"],)
    return name, args, kwargs, reason


def check_invariants(case: AsbCaseReview, events: list[Any]) -> None:
    check_common_invariants(case, events, DEFINITION)


def receive(app: dict[str, Any], calendar: Any) -> AsbCaseReview:
    return AsbCaseReview.receive(
        ctx(RECEIVED_ON.isoformat(), calendar=calendar),
        case_id=uuid4(),
        reference="CUM-ASB-2026-001",
        partnership="cumberland",
        hub="allerdale",
        policy=national_policy({"threshold_minimum": app["threshold_minimum"]}),
        channel="online",
        applicant_type=app["applicant_type"],
        applicant_name="Ottoline Brackenwhistle",
        applicant_contact="07700 900000",
        consent=True,
        complaints=app["complaints"],
    )


def run(
    app: dict[str, Any],
    drawn: list[Step],
    *,
    calendar: Any = ENGLAND_AND_WALES_2025_2027,
    seen: dict[str, int] | None = None,
) -> tuple[AsbCaseReview, list[Any]]:
    case = receive(app, calendar)
    refuse_not_met = {"now": False}  # the engine's own verdict, taken before the command runs

    def calls(case: AsbCaseReview) -> Iterator[tuple[Call, str]]:
        on = RECEIVED_ON
        for step in drawn:
            on = max(on + timedelta(days=step[2]), RECEIVED_ON - timedelta(days=3))
            call = to_call(case, step, on)
            refuse_not_met["now"] = False
            if call[0] == "decide_threshold" and call[1][0] is False:
                with contextlib.suppress(CaseledgerError):
                    refuse_not_met["now"] = statutory_met(case)
            yield call, on.isoformat()

    def observe(name: str, accepted: bool) -> None:
        assert not (accepted and refuse_not_met["now"]), "'not met' recorded although the statutory rule is met"
        if seen is None:
            return
        key = name if accepted else f"refused {name}"
        seen[key] = seen.get(key, 0) + 1
        if accepted:
            seen[f"stage {case.stage}"] = seen.get(f"stage {case.stage}", 0) + 1
        elif refuse_not_met["now"]:
            seen["not-met refused, statutory rule met"] = seen.get("not-met refused, statutory rule met", 0) + 1

    return run_steps(case, calls, calendar, check_invariants, observe)


SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@SETTINGS
@given(app=application, drawn=st.lists(steps(), min_size=10, max_size=60))
def test_random_command_sequences_keep_the_invariants(app: dict[str, Any], drawn: list[Step]) -> None:
    case, events = run(app, drawn)
    check_replay_never_moves_a_deadline(case, events, later="2026-11-22")


@SETTINGS
@given(app=application, drawn=st.lists(steps(), min_size=10, max_size=40))
def test_the_same_commands_under_another_calendar_replay_identically(app: dict[str, Any], drawn: list[Step]) -> None:
    """Deadlines computed with no bank holidays are stored as computed, and replay to them."""
    case, events = run(app, drawn, calendar=NO_HOLIDAYS)
    assert state(replay(events)) == state(case)
    for e in events:
        if type(e).__name__ == "DeadlineSet":
            assert e.calendar == NO_HOLIDAYS.source


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    app=application,
    extra=st.lists(PARAMS["add_complaint"], max_size=4),
    duplicate=PARAMS["mark_duplicate"],
)
def test_not_met_is_refused_whenever_the_statutory_rule_is_met(
    app: dict[str, Any], extra: list[dict[str, Any]], duplicate: dict[str, Any]
) -> None:
    """Focused on the threshold: complaints added and marked duplicate, then 'not met'."""
    case = receive(app, ENGLAND_AND_WALES_2025_2027)
    on = RECEIVED_ON + timedelta(days=1)
    for p in extra:
        call = to_call(case, ("add_complaint", p, 0, None), on)
        with contextlib.suppress(CaseledgerError):
            case.add_complaint(ctx(on.isoformat()), *call[1], **call[2])
    with contextlib.suppress(CaseledgerError):
        case.mark_duplicate(ctx(on.isoformat()), duplicate["complaints"], duplicate["why"])
    case.acknowledge(ctx(on.isoformat()), [])
    case.collect_events()
    met = statutory_met(case)
    before = copy.deepcopy(state(case))
    try:
        case.decide_threshold(ctx(on.isoformat()), False, None, "no rule met")
    except CaseledgerError:
        assert met, "'not met' refused although the statutory rule is not met"
        assert case.collect_events() == [] and state(case) == before
        return
    assert not met, "'not met' recorded although the statutory rule is met"
    assert case.stage == "threshold-not-met"


def test_the_advance_step_reaches_every_stage() -> None:
    """The generator is able to reach every stage (so the properties above explore them)."""
    seen: dict[str, int] = {}
    three = [
        {"behaviour": "2026-01-05", "reported": "2026-01-06", "agency": "cumbria-police"},
        {"behaviour": "2026-01-20", "reported": "2026-02-10", "agency": "home-group"},
        {"behaviour": "2026-02-01", "reported": "2026-02-01", "agency": "cumberland-council"},
    ]
    for complaints in (three, three[:1]):
        app = {"complaints": complaints, "applicant_type": "individual", "threshold_minimum": "3"}
        for branch in range(6):
            drawn: list[Step] = [("advance", {"branch": (branch + i) % 6}, 2, None) for i in range(40)]
            run(app, drawn, seen=seen)
    stages = {key.removeprefix("stage ") for key in seen if key.startswith("stage ")}
    assert stages | {"received"} == set(DEFINITION.stages)
    for command in ("lodge_appeal", "determine_appeal", "close", "reopen", "notify_outcome"):
        assert seen.get(command), command
