"""Random command sequences through the DARDR stage machine (architecture.md, "Tests").

Hypothesis draws a guidance version and a list of steps (command, keyword arguments, days since the
last step, reason), valid and invalid alike, plus an advance step that issues the next command of
the happy path for whatever stage the review is in (so that deep stages are reached). Each step
runs on the live aggregate (tests/unit/property_harness.py). The properties:

- a refused command (any ``CaseledgerError``) records nothing: no pending events, the same
  version and the same state as before;
- no other exception escapes a command;
- replaying the recorded events gives the live state;
- a deadline's due time is computed when it is recorded and stored: the stored due equals the due
  recomputed from the stored clock, starting time and the calendar used live; replaying, or
  recording a later fact that computes a due time under another calendar, never moves it;
- the stage is always one of the stages of the definition; a closed review has no open or
  paused deadline.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.dardr import (
    DEFINITION,
    DardrReview,
    DeferralReason,
    Guidance,
    HomeOfficeView,
    ProcessKind,
    QaOutcome,
    national_policy,
)
from tests.unit.dardr_helpers import ENGLAND_AND_WALES_2025_2027, NO_HOLIDAYS, notified_review, replay, state
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
    days_after_due,
    days_later,
    run_steps,
    steps,
)

R = DardrReview
NOTIFIED_ON = datetime(2026, 1, 31, tzinfo=UTC)
TIMELINE = Timeline(NOTIFIED_ON, NOTIFIED_ON - timedelta(days=3), timedelta(days=1), as_date=True)
AGENCIES = ("police", "nhs-trust", "gp", "probation")
RETURN_KINDS = ("scoping", "chronology", "imr", "short-report", "information", "gossip")
#: the kinds requested by the happy path, drawn more often so that returns are received
return_kind = st.one_of(st.sampled_from(("scoping", "imr")), st.sampled_from(RETURN_KINDS))
DEADLINE_NAMES = (
    "decision",
    "home-office-notification",
    "chair-appointment",
    "review-completion",
    "commissioner-copy",
    "publication",
    "return:police:scoping",
    "return:police:imr",
    "return:gp:information",
    "action:A1",
    "nope",
)
REASONS = st.sampled_from([None, "agreed with the CSP chair"])

# --------------------------------------------------------------------------- the steps

agency = st.one_of(st.sampled_from(("police", "gp")), st.sampled_from(AGENCIES))
agencies = st.lists(agency, unique=True, max_size=3)
days = st.integers(-3, 60).map(days_later)  # for due dates and periods
text = st.sampled_from(["", "  ", "a note", "Recommendation: train staff"])
nothing: st.SearchStrategy[dict[str, Any]] = st.just({})
fixed = st.fixed_dictionaries

ARGUMENTS: dict[Command, st.SearchStrategy[dict[str, Any]]] = {
    R.start_scoping: fixed({"agencies": agencies}),
    R.complete_scoping_review: fixed({"summary": text}),
    R.decide: fixed(
        {
            "outcome": st.sampled_from(["review", "no-review", "joint-review", "referred", "maybe"]),
            "rationale": st.sampled_from(["criteria met", ""]),
            "other_review": st.sampled_from([None, "sar", "cspr", "owhr", "criminal"]),
        }
    ),
    R.notify_home_office: nothing,
    R.record_home_office_view: fixed({"view": st.sampled_from([*HomeOfficeView, "maybe"])}),
    R.appoint_chair: fixed({"name": st.sampled_from(["A. Chair", " "])}),
    R.add_panel_member: fixed({"agency": agency, "name": st.just("M. Member"), "role": st.just("member")}),
    R.record_panel_meeting: nothing,
    R.agree_terms: fixed(
        {
            "period_from": st.integers(-2000, 10).map(days_later),
            "period_to": st.integers(-1000, 10).map(days_later),
            "agencies": agencies,
        }
    ),
    R.circulate_draft: fixed({"version": st.one_of(st.none(), st.integers(0, 5))}),
    R.agree_report: nothing,
    R.sign_off: nothing,
    R.submit: nothing,
    R.record_qa_outcome: fixed(
        {
            "outcome": st.sampled_from([*QaOutcome, "rejected"]),
            "points": st.sampled_from([[], ["tighten the chronology"]]),
        }
    ),
    R.complete_amendments: nothing,
    R.address_qa_point: fixed({"point_id": st.sampled_from(["Q1", "Q2"]), "text": text}),
    R.close_qa_point: fixed({"point_id": st.sampled_from(["Q1", "Q2"])}),
    R.notify_home_office_of_publication: nothing,
    R.end_publication_deferral: nothing,
    R.withhold_publication: nothing,
    R.give_family_leaflet: nothing,
    R.record_advocacy_response: fixed({"accepted": st.booleans()}),
    R.record_family_terms_input: fixed({"text": text}),
    R.tell_family_publication_date: fixed({"publication_date": days}),
    R.send_commissioner_copy: nothing,
    R.adopt_action_plan: nothing,
    R.defer_publication: fixed({"deferral": st.sampled_from([*DeferralReason, "holiday"])}),
    R.publish: fixed({"url": st.sampled_from(["https://example.org/r", "report.pdf"]), "override": st.booleans()}),
    R.record_family_contact: fixed({"text": text}),
    R.record_family_contribution: fixed({"text": text}),
    R.agree_pseudonyms: fixed({"text": text}),
    R.offer_advocacy: fixed({"provider": st.just("AAFDA")}),
    R.show_family_draft: nothing,
    R.record_family_declined: nothing,
    R.request_return: fixed({"agency": agency, "kind": return_kind, "due": st.one_of(st.none(), days)}),
    R.receive_return: fixed({"agency": agency, "kind": return_kind}),
    R.accept_return: fixed({"agency": agency, "kind": return_kind}),
    R.challenge_return: fixed({"agency": agency, "kind": return_kind, "due": st.one_of(st.none(), days)}),
    R.withdraw_return: fixed({"agency": agency, "kind": return_kind}),
    # mostly later than the current due, sometimes not
    R.extend_deadline: fixed(
        {"name": st.sampled_from(DEADLINE_NAMES), "to": st.integers(-10, 200).map(lambda n: days_after_due(n // 10))}
    ),
    R.pause: fixed({"clocks": st.one_of(st.none(), st.lists(st.sampled_from(DEADLINE_NAMES), max_size=1))}),
    R.resume: nothing,
    R.link_process: fixed(
        {"kind": st.sampled_from([*ProcessKind, "tribunal"]), "reference": st.just("CRIME/1"), "pause": st.booleans()}
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
            "owner": st.just("police"),
            "level": st.sampled_from(["local", "national", "global"]),
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
    R.migrate_policy: fixed({"policy": st.sampled_from(Guidance).map(national_policy)}),
    R.add_note: fixed({"text": text}),
    R.close: fixed({"outcome": st.sampled_from(["review complete", ""])}),
    R.reopen: nothing,
}

CLOCK_COMMANDS = (
    R.pause,
    R.resume,
    R.link_process,
    R.conclude_process,
    R.receive_return,
    R.challenge_return,
    R.extend_deadline,
    R.request_return,
)
#: the days between steps are mostly small so that the injected "now" is rarely passed
day_step = st.one_of(st.just(0), st.integers(1, 5), st.integers(1, 10), st.integers(-3, -1), st.integers(20, 60))
STEPS = steps(ARGUMENTS, advance=2, often=[CLOCK_COMMANDS], gaps=day_step, reasons=REASONS)


def test_every_verb_of_the_definition_is_drawn() -> None:
    assert command_names(ARGUMENTS) == set(DEFINITION.transitions)


# --------------------------------------------------------------------------- the happy path


def happy_path(review: DardrReview, branch: int, on: datetime, reason: str | None) -> Call:
    """The next command of the happy path for the review's stage (branch picks among ways on)."""
    stage = review.stage
    if stage == "notified":
        return Call(R.start_scoping, {"agencies": ["police", "nhs-trust"]}, reason)
    if stage == "scoping":
        if review.guidance == Guidance.DARDR_2024_DRAFT and not review.scoping_review_done:
            return Call(R.complete_scoping_review, {"summary": "early learning"}, reason)
        outcome = "no-review" if branch == 0 else "review"
        return Call(R.decide, {"outcome": outcome, "rationale": "criteria met"}, reason)
    if stage == "decided-no-review":
        return Call(R.notify_home_office, {}, reason)
    if stage == "awaiting-home-office-view":
        return Call(R.record_home_office_view, {"view": list(HomeOfficeView)[branch % 3]}, reason)
    if stage == "commissioning":
        if not review.chair_appointed:
            return Call(R.appoint_chair, {"name": "A. Chair"}, reason)
        if not review.panel:
            return Call(R.add_panel_member, {"agency": "police", "name": "M. Member", "role": "member"}, reason)
        terms = {"period_from": "2021-01-01", "period_to": "2026-01-20", "agencies": ["police", "gp"]}
        return Call(R.agree_terms, terms, reason)
    if stage == "evidence-gathering":
        return Call(R.circulate_draft, {}, reason)
    if stage == "drafting":
        if branch == 0:
            action = {"recommendation": "Train staff", "owner": "police", "level": "local", "due": "2026-12-31"}
            return Call(R.add_action, action, reason)
        return Call(R.circulate_draft if branch == 1 else R.agree_report, {}, reason)
    if stage == "local-sign-off":
        return Call(R.submit if review.signed_off else R.sign_off, {},
                    reason or "the family could not be traced")
    if stage == "submitted-to-home-office":
        outcome = list(QaOutcome)[branch % 3]
        points = [] if outcome == "approved" else ["points"]
        return Call(R.record_qa_outcome, {"outcome": outcome, "points": points}, reason)
    if stage == "amending":
        if review.qa_outcome == "approved-subject-to-amendments":
            return Call(R.complete_amendments, {}, reason)
        return Call(R.submit, {}, reason or "the points are answered in the covering letter")
    if stage == "approved":
        return Call(R.publish, {"url": "https://example.org/r", "override": branch == 0}, "CPS agree")
    if stage == "published":
        open_actions = review.open_actions()
        if open_actions and branch > 0:
            return Call(R.close_action, {"action_id": open_actions[0].id, "evidence": "done"}, reason)
        return Call(R.close, {"outcome": "review complete"}, "actions move to the board's tracker")
    return Call(R.reopen, {}, "Home Office direction")


def check_invariants(review: DardrReview, events: list[Any]) -> None:
    check_common_invariants(review, events, DEFINITION)


def run(
    guidance: str,
    drawn: list[Step],
    *,
    calendar: Any = ENGLAND_AND_WALES_2025_2027,
    watch: Watch | None = None,
) -> tuple[DardrReview, list[Any]]:
    review = notified_review(TIMELINE.effective(NOTIFIED_ON), guidance=guidance, calendar=calendar)
    return run_steps(review, drawn, TIMELINE, happy_path, calendar, check_invariants, watch)


SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@SETTINGS
@given(guidance=st.sampled_from(Guidance), drawn=st.lists(STEPS, min_size=10, max_size=80))
def test_random_command_sequences_keep_the_invariants(guidance: str, drawn: list[Step]) -> None:
    review, events = run(guidance, drawn)
    check_replay_never_moves_a_deadline(review, events, "2026-11-22", ENGLAND_AND_WALES_2025_2027)


@SETTINGS
@given(drawn=st.lists(STEPS, min_size=10, max_size=60))
def test_the_same_commands_under_another_calendar_replay_identically(drawn: list[Step]) -> None:
    """Deadlines computed with no bank holidays are stored as computed, and replay to them."""
    review, events = run(Guidance.DHR_2016, drawn, calendar=NO_HOLIDAYS)
    assert state(replay(events)) == state(review)
    assert all(e.calendar == NO_HOLIDAYS.source for e in events if type(e).__name__ == "DeadlineSet")


def test_the_advance_step_reaches_every_stage() -> None:
    """The generator is able to reach every stage (so the properties above explore them)."""
    seen: set[str] = set()

    def stage_after(review: Any, call: Call) -> Any:
        return lambda accepted: seen.add(review.stage)

    for guidance in Guidance:
        for branch in range(4):
            drawn = [Step(Advance((branch + i) % 4), gap=7) for i in range(40)]
            run(guidance, drawn, watch=stage_after)
    assert seen | {"notified"} == set(DEFINITION.stages)
