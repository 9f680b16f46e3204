"""Random command sequences through the DARDR stage machine (architecture.md, "Tests").

Hypothesis draws a guidance version and a list of steps (command, arguments, days since the last
step, reason), valid and invalid alike, plus an ``advance`` step that issues the next command of
the happy path for whatever stage the review is in (so that deep stages are reached). Each step
runs on the live aggregate. The properties:

- a refused command (any ``CaseledgerError``) records nothing: no pending events, the same
  version and the same state as before;
- no other exception escapes a command;
- replaying the recorded events gives the live state;
- a deadline's due time is computed when it is recorded and stored: the stored due equals the due
  recomputed from the stored clock, starting time and the calendar used live; replaying, or
  recording a later fact with a different bank-holiday calendar, never moves it;
- the stage is always one of the stages of the definition; a closed review has no open or
  paused deadline.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain import times
from domain.dardr import (
    DEFERRAL_REASONS,
    DEFINITION,
    GUIDANCE_2024_DRAFT,
    GUIDANCE_VERSIONS,
    HOME_OFFICE_VIEWS,
    PROCESS_KINDS,
    QA_OUTCOMES,
    DardrReview,
)
from domain.errors import CaseledgerError
from tests.unit.dardr_helpers import (
    ENGLAND_AND_WALES_2025_2027,
    NO_HOLIDAYS,
    ctx,
    notified_review,
    replay,
    state,
)
from tests.unit.property_harness import (
    Call,
    check_common_invariants,
    check_replay_never_moves_a_deadline,
    run_steps,
)

NOTIFIED_ON = date(2026, 1, 31)
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

#: A step: (command, parameters, days after the previous step, reason).
Step = tuple[str, dict[str, Any], int, str | None]

agency = st.one_of(st.sampled_from(("police", "gp")), st.sampled_from(AGENCIES))
agencies = st.lists(agency, unique=True, max_size=3)
offset = st.integers(-3, 60)  # days after the effective date, for due dates and periods
text = st.sampled_from(["", "  ", "a note", "Recommendation: train staff"])

PARAMS: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "advance": st.fixed_dictionaries({"branch": st.integers(0, 5)}),
    "start_scoping": st.fixed_dictionaries({"agencies": agencies}),
    "complete_scoping_review": st.fixed_dictionaries({"summary": text}),
    "decide": st.fixed_dictionaries(
        {
            "outcome": st.sampled_from(["review", "no-review", "maybe"]),
            "rationale": st.sampled_from(["criteria met", ""]),
        }
    ),
    "notify_home_office": st.just({}),
    "record_home_office_view": st.fixed_dictionaries(
        {"view": st.sampled_from([*HOME_OFFICE_VIEWS, "maybe"])}
    ),
    "appoint_chair": st.fixed_dictionaries({"name": st.sampled_from(["A. Chair", " "])}),
    "add_panel_member": st.fixed_dictionaries({"agency": agency}),
    "record_panel_meeting": st.just({}),
    "agree_terms": st.fixed_dictionaries(
        {
            "period_from": st.integers(-2000, 10),
            "period_to": st.integers(-1000, 10),
            "agencies": agencies,
        }
    ),
    "circulate_draft": st.fixed_dictionaries({"version": st.one_of(st.none(), st.integers(0, 5))}),
    "agree_report": st.just({}),
    "sign_off": st.just({}),
    "submit": st.just({}),
    "record_qa_outcome": st.fixed_dictionaries(
        {
            "outcome": st.sampled_from([*QA_OUTCOMES, "rejected"]),
            "points": st.sampled_from([[], ["tighten the chronology"]]),
        }
    ),
    "complete_amendments": st.just({}),
    "send_commissioner_copy": st.just({}),
    "adopt_action_plan": st.just({}),
    "defer_publication": st.fixed_dictionaries(
        {"deferral": st.sampled_from([*DEFERRAL_REASONS, "holiday"])}
    ),
    "publish": st.fixed_dictionaries(
        {
            "url": st.sampled_from(["https://example.org/r", "report.pdf"]),
            "override": st.booleans(),
        }
    ),
    "record_family_contact": st.fixed_dictionaries({"text": text}),
    "record_family_contribution": st.fixed_dictionaries({"text": text}),
    "agree_pseudonyms": st.fixed_dictionaries({"text": text}),
    "offer_advocacy": st.fixed_dictionaries({"provider": st.just("AAFDA")}),
    "show_family_draft": st.just({}),
    "record_family_declined": st.just({}),
    "request_return": st.fixed_dictionaries(
        {
            "agency": agency,
            "kind": return_kind,
            "due": st.one_of(st.none(), offset),
        }
    ),
    "receive_return": st.fixed_dictionaries({"agency": agency, "kind": return_kind}),
    "accept_return": st.fixed_dictionaries({"agency": agency, "kind": return_kind}),
    "challenge_return": st.fixed_dictionaries(
        {
            "agency": agency,
            "kind": return_kind,
            "due": st.one_of(st.none(), offset),
        }
    ),
    "withdraw_return": st.fixed_dictionaries({"agency": agency, "kind": return_kind}),
    "extend_deadline": st.fixed_dictionaries(
        {
            "name": st.sampled_from(DEADLINE_NAMES),
            "to": st.integers(-10, 200),
        }
    ),
    "pause": st.fixed_dictionaries(
        {
            "clocks": st.one_of(st.none(), st.lists(st.sampled_from(DEADLINE_NAMES), max_size=1)),
        }
    ),
    "resume": st.just({}),
    "link_process": st.fixed_dictionaries(
        {
            "kind": st.sampled_from([*PROCESS_KINDS, "tribunal"]),
            "pause": st.booleans(),
        }
    ),
    "update_process": st.fixed_dictionaries({"process_id": st.sampled_from(["P1", "P2"])}),
    "conclude_process": st.fixed_dictionaries({"process_id": st.sampled_from(["P1", "P2"])}),
    "add_action": st.fixed_dictionaries(
        {
            "recommendation": text,
            "level": st.sampled_from(["local", "national", "global"]),
            "due": offset,
        }
    ),
    "update_action": st.fixed_dictionaries(
        {
            "action_id": st.sampled_from(["A1", "A2"]),
            "rag": st.sampled_from(["red", "green", "purple"]),
        }
    ),
    "close_action": st.fixed_dictionaries(
        {
            "action_id": st.sampled_from(["A1", "A2"]),
            "evidence": text,
        }
    ),
    "add_note": st.fixed_dictionaries({"text": text}),
    "close": st.fixed_dictionaries({"outcome": st.sampled_from(["review complete", ""])}),
    "reopen": st.just({}),
}

#: ``advance`` is drawn about twice as often as all other commands together, so that sequences
#: go deep; the days between steps are mostly small so that the injected "now" is rarely passed.
COMMAND_NAMES = sorted(c for c in PARAMS if c != "advance")
CLOCK_COMMANDS = (
    "pause",
    "resume",
    "link_process",
    "conclude_process",
    "receive_return",
    "challenge_return",
    "extend_deadline",
    "request_return",
)
command_name = st.one_of(
    st.just("advance"),
    st.just("advance"),
    st.sampled_from(COMMAND_NAMES),
    st.sampled_from(CLOCK_COMMANDS),
)
day_step = st.one_of(
    st.just(0), st.integers(1, 5), st.integers(1, 10), st.integers(-3, -1), st.integers(20, 60)
)


@st.composite
def steps(draw: st.DrawFn) -> Step:
    name = draw(command_name)
    return name, draw(PARAMS[name]), draw(day_step), draw(REASONS)


def day(base: date, days: int) -> str:
    return (base + timedelta(days=days)).isoformat()


# --------------------------------------------------------------------------- running a step



def happy_path(review: Any, branch: int, reason: str | None) -> Call:
    """The next command of the happy path for the review's stage (branch picks among ways on)."""
    stage = review.stage
    if stage == "notified":
        return "start_scoping", (["police", "nhs-trust"],), {}, reason
    if stage == "scoping":
        if review.guidance == GUIDANCE_2024_DRAFT and not review.scoping_review_done:
            return "complete_scoping_review", ("early learning",), {}, reason
        return "decide", ("no-review" if branch == 0 else "review", "criteria met"), {}, reason
    if stage == "decided-no-review":
        return "notify_home_office", (), {}, reason
    if stage == "awaiting-home-office-view":
        return "record_home_office_view", (HOME_OFFICE_VIEWS[branch % 3],), {}, reason
    if stage == "commissioning":
        if not review.chair_appointed:
            return "appoint_chair", ("A. Chair",), {}, reason
        if not review.panel:
            return "add_panel_member", ("police", "M. Member", "member"), {}, reason
        return "agree_terms", ("2021-01-01", "2026-01-20", ["police", "gp"]), {}, reason
    if stage == "evidence-gathering":
        return "circulate_draft", (), {}, reason
    if stage == "drafting":
        if branch == 0:
            return "add_action", ("Train staff", "police", "local", "2026-12-31"), {}, reason
        return (
            ("circulate_draft", (), {}, reason) if branch == 1 else ("agree_report", (), {}, reason)
        )
    if stage == "local-sign-off":
        return ("submit", (), {}, reason) if review.signed_off else ("sign_off", (), {}, reason)
    if stage == "submitted-to-home-office":
        outcome = QA_OUTCOMES[branch % 3]
        return (
            "record_qa_outcome",
            (outcome, [] if outcome == "approved" else ["points"]),
            {},
            reason,
        )
    if stage == "amending":
        if review.qa_outcome == "approved-subject-to-amendments":
            return "complete_amendments", (), {}, reason
        return "submit", (), {}, reason
    if stage == "approved":
        return "publish", ("https://example.org/r",), {"override": branch == 0}, "CPS agree"
    if stage == "published":
        open_actions = review.open_actions()
        if open_actions and branch > 0:
            return "close_action", (open_actions[0].id, "done"), {}, reason
        return "close", ("review complete",), {}, "actions move to the board's tracker"
    return "reopen", (), {}, "Home Office direction"


def to_call(review: DardrReview, step: Step, on: date) -> Call:
    """The method, arguments and reason for a drawn step on the live review."""
    name, p, _, reason = step
    if name == "advance":
        return happy_path(review, p["branch"], reason)
    args: tuple[Any, ...]
    kwargs: dict[str, Any] = {}
    if name in ("start_scoping",):
        args = (p["agencies"],)
    elif name == "complete_scoping_review":
        args = (p["summary"],)
    elif name == "decide":
        args = (p["outcome"], p["rationale"])
    elif name == "record_home_office_view":
        args = (p["view"],)
    elif name == "appoint_chair":
        args = (p["name"],)
    elif name == "add_panel_member":
        args = (p["agency"], "M. Member", "member")
    elif name == "agree_terms":
        args = (day(on, p["period_from"]), day(on, p["period_to"]), p["agencies"])
    elif name == "circulate_draft":
        args = (p["version"],)
    elif name == "record_qa_outcome":
        args = (p["outcome"], p["points"])
    elif name == "defer_publication":
        args = (p["deferral"],)
    elif name == "publish":
        args, kwargs = (p["url"],), {"override": p["override"]}
    elif name in (
        "record_family_contact",
        "record_family_contribution",
        "agree_pseudonyms",
        "add_note",
    ):
        args = (p["text"],)
    elif name == "offer_advocacy":
        args = (p["provider"],)
    elif name in ("request_return", "challenge_return"):
        args = (p["agency"], p["kind"])
        kwargs = {"due": None if p["due"] is None else day(on, p["due"])}
    elif name in ("receive_return", "accept_return", "withdraw_return"):
        args = (p["agency"], p["kind"])
    elif name == "extend_deadline":  # mostly later than the current due, sometimes not
        d = review.deadlines.get(p["name"])
        base = times.effective_date(d.due) if d is not None else on
        args = (p["name"], day(base, p["to"] // 10))
    elif name == "pause":
        args = (p["clocks"],)
    elif name == "link_process":
        args, kwargs = (p["kind"], "CRIME/1"), {"pause": p["pause"]}
    elif name == "update_process":
        args = (p["process_id"], "trial listed", {"trial": day(on, 30)})
    elif name == "conclude_process":
        args = (p["process_id"], "concluded")
    elif name == "add_action":
        args = (p["recommendation"], "police", p["level"], day(on, p["due"]))
    elif name == "update_action":
        args = (p["action_id"], p["rag"], "progress")
    elif name == "close_action":
        args = (p["action_id"], p["evidence"])
    elif name == "close":
        args = (p["outcome"],)
    else:
        args = ()
    return name, args, kwargs, reason


def check_invariants(review: DardrReview, events: list[Any]) -> None:
    check_common_invariants(review, events, DEFINITION)


def run(
    guidance: str,
    drawn: list[Step],
    *,
    calendar: Any = ENGLAND_AND_WALES_2025_2027,
    observe: Callable[[str, bool], None] | None = None,
) -> tuple[DardrReview, list[Any]]:
    review = notified_review(NOTIFIED_ON.isoformat(), guidance=guidance, calendar=calendar)

    def calls(review: DardrReview) -> Iterator[tuple[Call, str]]:
        on = NOTIFIED_ON
        for step in drawn:
            on = max(on + timedelta(days=step[2]), NOTIFIED_ON - timedelta(days=3))
            yield to_call(review, step, on), on.isoformat()

    return run_steps(review, calls, calendar, check_invariants, observe)


SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@SETTINGS
@given(
    guidance=st.sampled_from(GUIDANCE_VERSIONS), drawn=st.lists(steps(), min_size=10, max_size=80)
)
def test_random_command_sequences_keep_the_invariants(guidance: str, drawn: list[Step]) -> None:
    review, events = run(guidance, drawn)
    check_replay_never_moves_a_deadline(review, events, later="2026-11-22")


@SETTINGS
@given(drawn=st.lists(steps(), min_size=10, max_size=60))
def test_the_same_commands_under_another_calendar_replay_identically(drawn: list[Step]) -> None:
    """Deadlines computed with no bank holidays are stored as computed, and replay to them."""
    review, events = run("dhr-2016", drawn, calendar=NO_HOLIDAYS)
    replayed = replay(events)
    assert state(replayed) == state(review)
    for e in events:
        if type(e).__name__ == "DeadlineSet":
            assert e.calendar == NO_HOLIDAYS.source


def test_the_advance_step_reaches_every_stage() -> None:
    """The generator is able to reach every stage (so the properties above explore them)."""
    seen: set[str] = set()
    for guidance in GUIDANCE_VERSIONS:
        for branch in range(4):
            drawn: list[Step] = [
                ("advance", {"branch": (branch + i) % 4}, 7, None) for i in range(40)
            ]
            review = notified_review(NOTIFIED_ON.isoformat(), guidance=guidance)
            review.collect_events()
            on = NOTIFIED_ON
            for step in drawn:
                on += timedelta(days=step[2])
                call = to_call(review, step, on)
                with contextlib.suppress(CaseledgerError):
                    getattr(review, call[0])(ctx(on.isoformat(), call[3]), *call[1], **call[2])
                seen.add(review.stage)
    assert seen | {"notified"} == set(DEFINITION.stages)
