"""The runner the three stage-machine property tests share (DARDR, ASB, encampments).

Each test file draws its own command steps (its process's verbs and arguments); this module
applies them and checks what every case type must keep (processes/common.md; architecture.md,
"Tests"): a refused command records nothing and changes nothing; each DeadlineSet stores the due
time its stored clock gives from its start; a closed case has no running deadline; replaying the
events gives the live state, and no deadline moves on replay, nor when a later fact is recorded
with a different calendar.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from domain import times
from domain.calendar import ClockRule, due_time
from domain.errors import CaseledgerError
from domain.process import ProcessDefinition
from tests.unit.dardr_helpers import NO_HOLIDAYS, ctx, replay, state

Call = tuple[str, tuple[Any, ...], dict[str, Any], str | None]


def apply(case: Any, call: Call, context: Any) -> list[Any] | None:
    """Run one command on the live case: its new events, or None when it was refused — in which
    case nothing was recorded and nothing changed."""
    name, args, kwargs, _ = call
    before_version, before_state = case.version, copy.deepcopy(state(case))
    try:
        getattr(case, name)(context, *args, **kwargs)
    except CaseledgerError:
        assert case.collect_events() == [], f"{name} was refused but recorded events"
        assert case.version == before_version
        assert state(case) == before_state, f"{name} was refused but changed the state"
        return None
    new = list(case.collect_events())
    assert new, f"{name} succeeded but recorded nothing"
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


def run_steps(case: Any, calls: Callable[[Any], Any], calendar: Any,
              check: Callable[[Any, list[Any]], None],
              observe: Callable[[str, bool], None] | None = None) -> tuple[Any, list[Any]]:
    """Apply the calls drawn by ``calls(case)`` (an iterator yielding (call, effective) pairs as the
    case evolves) and check after each accepted one."""
    events: list[Any] = list(case.collect_events())
    check_deadlines_computed_and_stored(events, calendar)
    for call, effective in calls(case):
        new = apply(case, call, ctx(effective, call[3], calendar=calendar))
        if observe:
            observe(call[0], new is not None)
        if new is None:
            continue
        events.extend(new)
        check_deadlines_computed_and_stored(new, calendar)
        check(case, events)
    return case, events


def check_replay_never_moves_a_deadline(case: Any, events: list[Any], later: str) -> None:
    """Replay equals the live state; every due time is the one stored in the events; a fact
    recorded ``later`` under another calendar moves none of them."""
    replayed = replay(events)
    assert state(replayed) == state(case)
    dues = {name: d.due for name, d in case.deadlines.items()}
    assert {name: d.due for name, d in replayed.deadlines.items()} == dues
    stored = {e.name: e.due for e in events
              if type(e).__name__ in ("DeadlineSet", "DeadlineExtended", "DeadlineResumed")}
    assert stored == dues
    if not replayed.is_closed:
        replayed.add_note(ctx(later, calendar=NO_HOLIDAYS), "calendar data changed")
        assert {name: d.due for name, d in replayed.deadlines.items()} == dues
        assert [type(e).__name__ for e in replayed.collect_events()] == ["NoteAdded"]
