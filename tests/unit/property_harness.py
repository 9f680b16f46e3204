"""The runner the three stage-machine property tests share (DARDR, ASB, encampments).

Each test file declares, per command of its case type (the aggregate's method), a strategy for
its keyword arguments, valid and invalid alike; this module turns those into drawn steps, runs
them on the live aggregate and checks what every case type must keep (processes/common.md;
architecture.md, "Tests"): a refused command records nothing and changes nothing; each DeadlineSet
stores the due time its stored clock gives from its start under the calendar used live; a closed
case has no running deadline; replaying the events gives the live state; no deadline moves on
replay, nor when a later fact that computes a due time is recorded under another calendar.

Arguments that depend on when a step runs (a due date some days on, an extension past a
deadline's current due, the first open deadline) are drawn as ``Later`` and ``OpenDeadline``
values and resolved here, one way for the three case types, when the step runs.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from hypothesis import strategies as st

from domain import times
from domain.calendar import ClockRule, FixedCalendar, WorkingCalendar, due_time
from domain.errors import CaseledgerError
from domain.process import ProcessDefinition
from tests.unit.dardr_helpers import ctx, replay, state

#: An aggregate method taking a command context and keyword arguments (``DardrReview.decide``).
Command = Callable[..., object]


@dataclass(frozen=True)
class Later:
    """A time drawn relative to the step: ``offset`` after the moment the step runs, or (with
    ``after_due``) after the current due of the deadline the call names in its ``name`` argument
    (the moment of the step when it names none). Given as a date or as an instant."""

    offset: timedelta
    as_date: bool
    after_due: bool = False

    def resolve(self, case: Any, moment: datetime, arguments: Mapping[str, Any]) -> str:
        base = moment
        deadline = case.deadlines.get(arguments.get("name")) if self.after_due else None
        if deadline is not None:
            due = deadline.due
            base = datetime.combine(times.effective_date(due), time()) if self.as_date else times.effective_instant(due)
        later = base + self.offset
        return later.date().isoformat() if self.as_date else times.parse_effective(later.isoformat())


def days_later(days: int) -> Later:
    return Later(timedelta(days=days), as_date=True)


def hours_later(hours: int) -> Later:
    return Later(timedelta(hours=hours), as_date=False)


def days_after_due(days: int) -> Later:
    return Later(timedelta(days=days), as_date=True, after_due=True)


def hours_after_due(hours: int) -> Later:
    return Later(timedelta(hours=hours), as_date=False, after_due=True)


@dataclass(frozen=True)
class OpenDeadline:
    """The name of the case's first open deadline when the step runs ("nope" when none is open)."""

    def resolve(self, case: Any) -> str:
        running = case.open_deadlines()
        return str(running[0].name) if running else "nope"


@dataclass(frozen=True)
class Call:
    """One command on the live aggregate: the method, its keyword arguments and the reason."""

    command: Command
    arguments: Mapping[str, Any] = field(default_factory=dict)
    reason: str | None = None

    @property
    def name(self) -> str:
        return self.command.__name__

    def run(self, case: Any, context: Any) -> object:
        return self.command(case, context, **self.arguments)


@dataclass(frozen=True)
class Advance:
    """The next command of the happy path for the case's stage; ``branch`` picks among ways on."""

    branch: int
    reason: str | None = None


@dataclass(frozen=True)
class Step:
    """A drawn step: a call or an advance, ``gap`` units of the timeline after the previous step."""

    action: Call | Advance
    gap: int


#: The happy path of a case type: (case, branch, moment of the step, reason) -> the next call.
HappyPath = Callable[[Any, int, datetime, str | None], Call]
#: Called before each call runs; returns what to call with whether the case accepted it.
Watch = Callable[[Any, Call], Callable[[bool], None]]


def command_names(arguments: Mapping[Command, Any]) -> set[str]:
    """The verbs of a definition's transition table drawn by these argument strategies."""
    return {command.__name__.replace("_", "-") for command in arguments}


def steps(
    arguments: Mapping[Command, st.SearchStrategy[dict[str, Any]]],
    *,
    advance: int,
    often: Sequence[Sequence[Command]] = (),
    gaps: st.SearchStrategy[int],
    reasons: st.SearchStrategy[str | None],
) -> st.SearchStrategy[Step]:
    """Steps drawn from ``advance`` + 1 + len(often) equally likely choices: an advance (so that
    sequences go deep), any command of the table, or one of each group ``often`` (drawn more so
    that they also succeed sometimes); each call's arguments from its command's strategy."""
    command = st.one_of(
        *[st.none()] * advance,
        *[st.sampled_from(sorted(group, key=lambda c: c.__name__)) for group in [list(arguments), *often]],
    )

    @st.composite
    def step(draw: st.DrawFn) -> Step:
        chosen = draw(command)
        reason = draw(reasons)
        if chosen is None:
            return Step(Advance(draw(st.integers(0, 5)), reason), draw(gaps))
        return Step(Call(chosen, draw(arguments[chosen]), reason), draw(gaps))

    return step()


def resolve(case: Any, call: Call, moment: datetime) -> Call:
    """The call with its ``Later`` and ``OpenDeadline`` arguments resolved on the live case."""
    resolved: dict[str, Any] = {}

    def value_of(value: Any) -> Any:
        if isinstance(value, OpenDeadline):
            return value.resolve(case)
        if isinstance(value, Later):
            return value.resolve(case, moment, resolved)
        if isinstance(value, dict):
            return {k: value_of(v) for k, v in value.items()}
        if isinstance(value, list):
            return [value_of(v) for v in value]
        return value

    for key, value in call.arguments.items():
        resolved[key] = value_of(value)
    return replace(call, arguments=resolved)


@dataclass(frozen=True)
class Timeline:
    """When steps run: from ``start``, ``gap`` units after the previous step but never before
    ``earliest``; effective times given as dates (DARDR, ASB) or instants (encampments)."""

    start: datetime
    earliest: datetime
    unit: timedelta
    as_date: bool

    def moments(self, gaps: Sequence[int]) -> Iterator[datetime]:
        moment = self.start
        for gap in gaps:
            moment = max(moment + gap * self.unit, self.earliest)
            yield moment

    def effective(self, moment: datetime) -> str:
        return moment.date().isoformat() if self.as_date else times.parse_effective(moment.isoformat())


def apply(case: Any, call: Call, context: Any) -> list[Any] | None:
    """Run one command on the live case: its new events, or None when it was refused — in which
    case nothing was recorded and nothing changed."""
    before_version, before_state = case.version, copy.deepcopy(state(case))
    try:
        call.run(case, context)
    except CaseledgerError:
        assert case.collect_events() == [], f"{call.name} was refused but recorded events"
        assert case.version == before_version
        assert state(case) == before_state, f"{call.name} was refused but changed the state"
        return None
    new = list(case.collect_events())
    assert new, f"{call.name} succeeded but recorded nothing"
    return new


def check_deadlines_computed_and_stored(new_events: list[Any], calendar: Any) -> None:
    """Each DeadlineSet stores the due computed from its stored clock and start, live."""
    for event in new_events:
        if type(event).__name__ != "DeadlineSet":
            continue
        assert event.calendar == calendar.source
        if event.clock is not None:
            expected = due_time(ClockRule.from_dict(event.clock), times.effective_instant(event.starts), calendar)
            assert event.due == expected.isoformat(), (event.name, event.due, expected)


def check_common_invariants(case: Any, events: list[Any], definition: ProcessDefinition) -> None:
    assert case.stage in definition.stages
    assert case.version == len(events)
    if case.is_closed:
        running = [d.name for d in case.deadlines.values() if d.status in ("open", "paused")]
        assert running == [], f"closed with running deadlines {running}"
    for d in case.deadlines.values():
        assert d.status in ("open", "met", "paused", "cancelled")
        assert (d.status == "met") == (d.met_on_time is not None)


def run_steps(
    case: Any,
    drawn: Sequence[Step],
    timeline: Timeline,
    happy_path: HappyPath,
    calendar: Any,
    check: Callable[[Any, list[Any]], None],
    watch: Watch | None = None,
) -> tuple[Any, list[Any]]:
    """Run the drawn steps on the live case, checking after each accepted one."""
    events: list[Any] = list(case.collect_events())
    check_deadlines_computed_and_stored(events, calendar)
    for step, moment in zip(drawn, timeline.moments([s.gap for s in drawn]), strict=True):
        action = step.action
        chosen = happy_path(case, action.branch, moment, action.reason) if isinstance(action, Advance) else action
        call = resolve(case, chosen, moment)
        outcome = watch(case, call) if watch else None
        new = apply(case, call, ctx(timeline.effective(moment), call.reason, calendar=calendar))
        if outcome:
            outcome(new is not None)
        if new is None:
            continue
        events.extend(new)
        check_deadlines_computed_and_stored(new, calendar)
        check(case, events)
    return case, events


#: A calendar unlike the one the cases run under: every Monday from 2026 to 2028 is a bank
#: holiday, so that any clock counted in working days over a week ends on another day under it.
EVERY_MONDAY = FixedCalendar(
    frozenset(date(2026, 1, 5) + timedelta(weeks=week) for week in range(156)),
    source="test: every Monday a bank holiday",
)
#: The return kind every case type has, requested by the later fact.
LATER_RETURN = ("later-agency", "information")


def dues(case: Any) -> dict[str, str]:
    return {name: d.due for name, d in case.deadlines.items()}


def check_replay_never_moves_a_deadline(case: Any, events: list[Any], later: str, calendar: WorkingCalendar) -> None:
    """Replay equals the live state and every due time is the one stored in the events. Then a
    fact recorded ``later`` under another calendar, one that computes a due time from that
    calendar (a return requested on its clock), moves none of them, live or on replay."""
    replayed = replay(events)
    assert state(replayed) == state(case)
    before = dues(case)
    assert dues(replayed) == before
    stored = {
        e.name: e.due for e in events if type(e).__name__ in ("DeadlineSet", "DeadlineExtended", "DeadlineResumed")
    }
    assert stored == before
    if replayed.is_closed:
        return
    agency, kind = LATER_RETURN
    name = f"return:{agency}:{kind}"
    new = apply(
        replayed,
        Call(type(replayed).request_return, {"agency": agency, "kind": kind}),
        ctx(later, calendar=EVERY_MONDAY),
    )
    assert new is not None, "the later return request was refused"
    assert [type(e).__name__ for e in new] == ["DeadlineSet", "ReturnRequested"]
    check_deadlines_computed_and_stored(new, EVERY_MONDAY)
    rule = ClockRule.from_dict(new[0].clock)
    assert new[0].due != due_time(rule, times.effective_instant(new[0].starts), calendar).isoformat(), (
        "the later calendar gives the same due as the case's own: it shows nothing"
    )
    assert {n: due for n, due in dues(replayed).items() if n != name} == before
    again = replay([*events, *new])
    assert state(again) == state(replayed)
    assert {n: due for n, due in dues(again).items() if n != name} == before
