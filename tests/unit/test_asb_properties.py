"""Random command sequences through the ASB Case Review stage machine (domain/asb.py).

Hypothesis draws an application (its complaints) and a list of steps (command, keyword arguments,
days since the last step, reason), valid and invalid alike: every verb of
``DEFINITION.transitions`` with plausible and implausible arguments, plus an advance step that
issues the next command of the happy path for the case's stage (so that the review, the outcome,
appeals, closure and re-opening are reached). Each step runs on the live aggregate
(tests/unit/property_harness.py). The properties:

- a refused command (any ``CaseledgerError``) records nothing: no pending events, the same
  version and the same state as before;
- no other exception escapes a command;
- replaying the recorded events gives the live state;
- a DeadlineSet stores the due computed from its stored clock and start with the calendar used
  live; replaying, or recording a later fact that computes a due time under another calendar,
  never moves a due;
- the stage is always one of the stages of the definition; a closed case has no open or paused
  deadline;
- the threshold: whenever the statutory rule is met by the recorded complaints (the engine's
  ``evaluate``), ``decide_threshold(met=False)`` is refused.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain import times
from domain.asb import DEFINITION, AppealTarget, AsbCaseReview, Channel, NotifyMethod, national_policy
from domain.asb_threshold import ThresholdRule, evaluate
from domain.errors import CaseledgerError
from domain.policy import CasePolicy
from tests.unit.dardr_helpers import ENGLAND_AND_WALES_2025_2027, NO_HOLIDAYS, ctx, replay, state
from tests.unit.property_harness import (
    Advance,
    Call,
    Command,
    OpenDeadline,
    Step,
    Timeline,
    check_common_invariants,
    check_replay_never_moves_a_deadline,
    command_names,
    days_after_due,
    days_later,
    resolve,
    run_steps,
    steps,
)

R = AsbCaseReview
RECEIVED_ON = datetime(2026, 3, 2, tzinfo=UTC)
TIMELINE = Timeline(RECEIVED_ON, RECEIVED_ON - timedelta(days=3), timedelta(days=1), as_date=True)
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
REASONS = st.sampled_from([None, "agreed with the hub coordinator"])

# --------------------------------------------------------------------------- the application


@st.composite
def initial_complaint(draw: st.DrawFn) -> dict[str, Any]:
    """A valid complaint at application time (its qualifying or not is left to the engine)."""
    received = RECEIVED_ON.date()
    behaviour = received - timedelta(days=draw(st.integers(0, 240)))
    reported = min(behaviour + timedelta(days=draw(st.integers(0, 45))), received)
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

agency = st.one_of(st.sampled_from(AGENCIES[:2]), st.sampled_from([*AGENCIES, " "]))
agencies = st.lists(agency, max_size=3)
days = st.integers(-5, 60).map(days_later)  # for due dates and meetings
text = st.sampled_from(["", "  ", "a note", "Persistent harm to a vulnerable victim"])
return_kind = st.sampled_from(["information", "information", "scoping"])
complaint_id = st.sampled_from(["C1", "C2", "C3", "C4", "C9"])
nothing: st.SearchStrategy[dict[str, Any]] = st.just({})
fixed = st.fixed_dictionaries


def added_complaint(
    behaviour: int, lag: int, agency: str, reference: str | None, hate: bool, complainant: str | None
) -> dict[str, Any]:
    """A complaint added ``behaviour`` days after the step, reported ``lag`` days after that."""
    return {
        "behaviour": days_later(behaviour),
        "reported": days_later(behaviour + lag),
        "agency": agency,
        "reference": reference,
        "hate": hate,
        "description": "Shouting at night",
        "complainant": complainant,
    }


def migrated_policy(version: str, threshold_minimum: str) -> CasePolicy:
    return replace(national_policy({"threshold_minimum": threshold_minimum}), version=version)


ARGUMENTS: dict[Command, st.SearchStrategy[dict[str, Any]]] = {
    R.add_complaint: st.builds(
        added_complaint,
        st.integers(-60, 5),
        st.integers(-3, 40),
        agency,
        st.sampled_from([None, "INC-1", "INC-3", ""]),
        st.booleans(),
        st.sampled_from([None, "K1", "K3"]),
    ),
    R.mark_duplicate: fixed(
        {
            "complaints": st.one_of(
                st.lists(st.sampled_from(["C1", "C2", "C3"]), min_size=2, max_size=2, unique=True),
                st.lists(complaint_id, max_size=3),
            ),
            "why": st.sampled_from(["same night, same address", ""]),
        }
    ),
    R.acknowledge: fixed({"agencies": st.one_of(st.none(), agencies)}),
    R.decide_threshold: fixed(
        {
            "met": st.booleans(),
            "rule": st.sampled_from([None, *ThresholdRule, "not-met", "bogus"]),
            "reasons": text,
        }
    ),
    R.notify_threshold: fixed({"method": st.sampled_from([*NotifyMethod, "pigeon"])}),
    R.choose_involvement: fixed({"level": st.sampled_from(["attend-meeting", "written-views", "none", "x"])}),
    R.tell_victim_closure: fixed({"method": st.sampled_from(["letter", "pigeon"]), "why": text}),
    R.assign_victim_contact: fixed({"agency": agency, "name": st.sampled_from(["Officer", " "])}),
    R.schedule_meeting: fixed({"meeting_date": days}),
    R.hold_meeting: fixed(
        {
            "chair": st.sampled_from(["Chair Person", " "]),
            "independent_chair": st.booleans(),
            "victim_invited": st.sampled_from([None, True, False]),
            "victim_attended": st.booleans(),
            "agencies": st.one_of(st.none(), agencies),
        }
    ),
    R.recommend: fixed(
        {
            "recommendations": st.sampled_from([None, [], [" "], ["Joint visit", "Mediation"]]),
            "none": st.booleans(),
        }
    ),
    R.share_action_plan: nothing,
    R.record_victim_comments: fixed({"comments": text}),
    R.notify_outcome: fixed({"method": st.sampled_from([*NotifyMethod, "pigeon"])}),
    R.lodge_appeal: fixed({"grounds": text, "heard_by": st.sampled_from([None, "PCC", " "])}),
    R.record_no_appeal: nothing,
    R.determine_appeal: fixed(
        {"upheld": st.booleans(), "back_to": st.sampled_from([None, *AppealTarget, "closed", "bogus"])}
    ),
    R.request_return: fixed({"agency": agency, "kind": return_kind, "due": st.one_of(st.none(), days)}),
    R.receive_return: fixed({"agency": agency, "kind": return_kind}),
    R.accept_return: fixed({"agency": agency, "kind": return_kind}),
    R.challenge_return: fixed({"agency": agency, "kind": return_kind, "due": st.one_of(st.none(), days)}),
    R.withdraw_return: fixed({"agency": agency, "kind": return_kind}),
    # mostly later than the current due, sometimes not
    R.extend_deadline: fixed(
        {
            "name": st.one_of(st.just(OpenDeadline()), st.sampled_from(DEADLINE_NAMES)),
            "to": st.integers(-10, 200).map(lambda n: days_after_due(n // 10)),
        }
    ),
    R.pause: fixed({"clocks": st.one_of(st.none(), st.lists(st.sampled_from(DEADLINE_NAMES), max_size=1))}),
    R.resume: nothing,
    R.link_process: fixed(
        {
            "kind": st.sampled_from(["criminal", "civil-injunction"]),
            "reference": st.just("CRIME/1"),
            "pause": st.booleans(),
        }
    ),
    R.update_process: fixed(
        {
            "process_id": st.sampled_from(["P1", "P2"]),
            "status": st.just("trial listed"),
            "key_dates": st.just({"trial": days_later(30)}),
        }
    ),
    R.conclude_process: fixed({"process_id": st.sampled_from(["P1", "P2"]), "outcome": st.just("concluded")}),
    R.add_action: fixed(
        {
            "recommendation": text,
            "owner": st.just("cumbria-police"),
            "level": st.sampled_from(["multi-agency", "single-agency", "global"]),
            "due": days,
        }
    ),
    R.update_action: fixed(
        {
            "action_id": st.sampled_from(["A1", "A2"]),
            "rag": st.sampled_from(["red", "green", "purple"]),
            "note": st.just("progress"),
        }
    ),
    R.close_action: fixed({"action_id": st.sampled_from(["A1", "A2"]), "evidence": text}),
    R.add_note: fixed({"text": text}),
    R.migrate_policy: fixed(
        {
            "policy": st.builds(
                migrated_policy,
                st.sampled_from(["national-asb-2025", "cumbria-asb-2026"]),
                st.sampled_from(["1", "2", "3", "7"]),
            )
        }
    ),
    R.close: fixed({"outcome": st.sampled_from(["Actions complete", ""])}),
    R.reopen: nothing,
}

#: the threshold and clock commands are drawn more often, so that they also succeed sometimes
THRESHOLD_COMMANDS = (R.add_complaint, R.mark_duplicate, R.decide_threshold, R.acknowledge)
CLOCK_COMMANDS = (
    R.request_return,
    R.receive_return,
    R.accept_return,
    R.challenge_return,
    R.extend_deadline,
    R.pause,
    R.resume,
    R.update_action,
    R.close_action,
)
#: the days between steps are mostly small so that appeal windows are often still open
day_step = st.one_of(st.just(0), st.integers(1, 5), st.integers(1, 10), st.integers(-3, -1), st.integers(20, 40))
STEPS = steps(ARGUMENTS, advance=3, often=[THRESHOLD_COMMANDS, CLOCK_COMMANDS], gaps=day_step, reasons=REASONS)


def test_every_verb_of_the_definition_is_drawn() -> None:
    assert command_names(ARGUMENTS) == set(DEFINITION.transitions)


# --------------------------------------------------------------------------- the happy path


def statutory_met(case: AsbCaseReview) -> bool:
    """The engine's verdict on the recorded complaints (independently of decide_threshold)."""
    return evaluate(
        case.complaint_objects(),
        times.effective_date(case.opened_on),
        case.policy.settings,
        case.applicant_type,
    ).statutory_met


def day(moment: datetime, days: int) -> str:
    return (moment.date() + timedelta(days=days)).isoformat()


def happy_path(case: AsbCaseReview, branch: int, on: datetime, reason: str | None) -> Call:
    """The next command of the happy path for the case's stage (branch picks among ways on)."""
    stage = case.stage
    if branch == 5 and not case.is_closed:  # the information returns come in, and are accepted
        for r in case.returns.values():
            if r.status in ("requested", "challenged"):
                return Call(R.receive_return, {"agency": r.agency, "kind": r.kind}, reason)
            if r.status == "received":
                return Call(R.accept_return, {"agency": r.agency, "kind": r.kind}, reason)
    if stage == "received":
        return Call(R.acknowledge, {"agencies": ["cumbria-police"] if branch % 2 else []}, reason)
    if stage == "gathering-information":
        try:
            met = statutory_met(case)
        except CaseledgerError:  # e.g. a migrated policy with an impossible setting
            met = False
        if branch == 0 and not met:
            return Call(R.decide_threshold, {"met": False, "reasons": "no rule met"}, reason)
        return Call(R.decide_threshold, {"met": True, "reasons": "persistent harm"}, reason)
    if stage == "threshold-not-met":
        if not case.threshold_notified:
            return Call(R.notify_threshold, {"method": "letter"}, reason)
        if case.appeal_until and branch % 2:
            return Call(R.lodge_appeal, {"grounds": "Not all complaints counted"}, reason)
        return Call(R.close, {"outcome": "threshold not met"}, reason)
    if stage == "review-pending":
        if not case.threshold_notified:
            return Call(R.notify_threshold, {"method": "letter"}, reason)
        if branch == 0 and not case.meeting_scheduled:
            return Call(R.schedule_meeting, {"meeting_date": day(on, 5)}, reason)
        return Call(R.hold_meeting, {"chair": "Chair Person", "victim_attended": branch == 1}, reason)
    if stage == "review-held":
        if branch == 0:
            return Call(R.recommend, {"none": True}, "response already adequate")
        return Call(R.recommend, {"recommendations": ["Joint visit", "Mediation referral"]}, reason)
    if stage == "outcome-pending":
        if branch in (0, 1) and not case.actions:
            action = {"recommendation": "Joint visit", "owner": "cumbria-police", "level": "multi-agency"}
            return Call(R.add_action, {**action, "due": day(on, 30)}, reason)
        if case.recommendations and not case.action_plan_shared:
            return Call(R.share_action_plan, {}, reason)
        if branch == 2 and case.action_plan_shared and not case.victim_comments:
            return Call(R.record_victim_comments, {"comments": "Happy with the plan"}, reason)
        return Call(R.notify_outcome, {"method": "email"}, reason)
    if stage == "monitoring-actions":
        if case.appeal_until and branch in (0, 1):
            return Call(R.lodge_appeal, {"grounds": "Actions too weak"}, reason)
        open_actions = case.open_actions()
        if open_actions and branch > 2:
            return Call(R.close_action, {"action_id": open_actions[0].id, "evidence": "done"}, reason)
        return Call(R.close, {"outcome": "Actions complete"}, "actions handed to the hub")
    if stage == "appeal":
        back_to = list(AppealTarget)[branch % 4] if branch > 3 else None
        return Call(R.determine_appeal, {"upheld": branch % 2 == 0, "back_to": back_to}, reason)
    return Call(R.reopen, {}, "the applicant reported more incidents")


def check_invariants(case: AsbCaseReview, events: list[Any]) -> None:
    check_common_invariants(case, events, DEFINITION)


def receive(app: dict[str, Any], calendar: Any) -> AsbCaseReview:
    return AsbCaseReview.receive(
        ctx(TIMELINE.effective(RECEIVED_ON), calendar=calendar),
        case_id=uuid4(),
        reference="CUM-ASB-2026-001",
        partnership="cumberland",
        hub="allerdale",
        policy=national_policy({"threshold_minimum": app["threshold_minimum"]}),
        channel=Channel.ONLINE,
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
    """Run the steps; also checks that 'not met' is never recorded while the statutory rule is
    met (the engine's own verdict, taken before the command runs)."""

    def count(key: str) -> None:
        if seen is not None:
            seen[key] = seen.get(key, 0) + 1

    def watch(case: AsbCaseReview, call: Call) -> Callable[[bool], None]:
        refuse_not_met = False
        if call.command == R.decide_threshold and call.arguments["met"] is False:
            with contextlib.suppress(CaseledgerError):
                refuse_not_met = statutory_met(case)

        def outcome(accepted: bool) -> None:
            assert not (accepted and refuse_not_met), "'not met' recorded although the statutory rule is met"
            count(call.name if accepted else f"refused {call.name}")
            if accepted:
                count(f"stage {case.stage}")
            elif refuse_not_met:
                count("not-met refused, statutory rule met")

        return outcome

    return run_steps(receive(app, calendar), drawn, TIMELINE, happy_path, calendar, check_invariants, watch)


SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@SETTINGS
@given(app=application, drawn=st.lists(STEPS, min_size=10, max_size=60))
def test_random_command_sequences_keep_the_invariants(app: dict[str, Any], drawn: list[Step]) -> None:
    case, events = run(app, drawn)
    check_replay_never_moves_a_deadline(case, events, "2026-11-22", ENGLAND_AND_WALES_2025_2027)


@SETTINGS
@given(app=application, drawn=st.lists(STEPS, min_size=10, max_size=40))
def test_the_same_commands_under_another_calendar_replay_identically(app: dict[str, Any], drawn: list[Step]) -> None:
    """Deadlines computed with no bank holidays are stored as computed, and replay to them."""
    case, events = run(app, drawn, calendar=NO_HOLIDAYS)
    assert state(replay(events)) == state(case)
    assert all(e.calendar == NO_HOLIDAYS.source for e in events if type(e).__name__ == "DeadlineSet")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(app=application, extra=st.lists(ARGUMENTS[R.add_complaint], max_size=4), duplicate=ARGUMENTS[R.mark_duplicate])
def test_not_met_is_refused_whenever_the_statutory_rule_is_met(
    app: dict[str, Any], extra: list[dict[str, Any]], duplicate: dict[str, Any]
) -> None:
    """Focused on the threshold: complaints added and marked duplicate, then 'not met'."""
    case = receive(app, ENGLAND_AND_WALES_2025_2027)
    on = RECEIVED_ON + timedelta(days=1)
    context = ctx(TIMELINE.effective(on))
    for complaint in extra:
        with contextlib.suppress(CaseledgerError):
            resolve(case, Call(R.add_complaint, complaint), on).run(case, context)
    with contextlib.suppress(CaseledgerError):
        case.mark_duplicate(context, duplicate["complaints"], duplicate["why"])
    case.acknowledge(context, ["cumbria-police"])
    case.collect_events()
    met = statutory_met(case)
    before = copy.deepcopy(state(case))
    try:
        case.decide_threshold(context, False, None, "no rule met")
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
            run(app, [Step(Advance((branch + i) % 6), gap=2) for i in range(40)], seen=seen)
    stages = {key.removeprefix("stage ") for key in seen if key.startswith("stage ")}
    assert stages | {"received"} == set(DEFINITION.stages)
    for command in ("lodge_appeal", "determine_appeal", "close", "reopen", "notify_outcome"):
        assert seen.get(command), command
