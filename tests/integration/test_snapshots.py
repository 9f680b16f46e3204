"""Snapshots of every case type: a case past 100 events is snapshotted (its state must encode as
JSON) and loads exactly as the replay of its events, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from eventsourcing.application import project_aggregate

from application import demo_asb, demo_encampments
from application.commands import AddNote
from application.demo import run_demo, scenarios
from application.service import Meta
from application.setup_import import example_path, import_setup, load_setup
from infrastructure.clock import FixedClock
from interfaces.bootstrap import Services
from tests.integration.support import services_for


def _state(aggregate: Any) -> dict[str, Any]:
    return {k: v for k, v in vars(aggregate).items() if k != "_pending_events"}


@pytest.fixture
def demo(database_url: str) -> Iterator[tuple[Services, dict[str, str]]]:
    services = services_for(database_url)
    clock = services.clock
    assert isinstance(clock, FixedClock)
    import_setup(services.cases, load_setup(example_path("cumbria")),
                 Meta(actor="admin", on="2024-04-01"))
    references = run_demo(
        services.cases, clock.set,
        stories=scenarios() + demo_asb.scenarios() + demo_encampments.scenarios(),
        openers={"asb": demo_asb.open_asb, "encampment": demo_encampments.open_encampment})
    yield services, references
    services.close()


@pytest.mark.parametrize("key", ["paused-trial", "asb-monitoring", "ue-possession"])
def test_each_case_type_snapshots_and_loads_as_its_replay(demo: tuple[Services, dict[str, str]], key: str) -> None:
    services, references = demo
    ref = references[key]
    while services.cases.load_case(ref).version <= 100:
        services.cases.execute(ref, AddNote(text="note"), Meta(actor="auditor", on="2026-11-01"))
    case_id = services.cases.resolve(ref)
    assert services.app.snapshots is not None
    assert [s.originator_version for s in services.app.snapshots.get(case_id)] == [100]
    replayed = project_aggregate(None, services.app.events.get(case_id))
    assert _state(services.cases.load_case(ref)) == _state(replayed)


def test_a_short_case_loads_from_its_events_alone_and_a_stale_hint_still_loads_it_right(
        demo: tuple[Services, dict[str, str]]) -> None:
    """The reminder sweep loads cases the view says are short without the snapshot look-up."""
    services, references = demo
    short, long = references["evidence-overdue"], references["paused-trial"]
    short_id = services.cases.resolve(short)
    current = services.cases.load_case(short)
    assert current.version < 100
    assert _state(services.cases.load_short_case(short_id, current.version)) == _state(current)
    while services.cases.load_case(long).version <= 100:
        services.cases.execute(long, AddNote(text="note"), Meta(actor="auditor", on="2026-11-01"))
    long_id = services.cases.resolve(long)
    stale_hint = 5  # the view was read before the case grew past its first snapshot
    assert _state(services.cases.load_short_case(long_id, stale_hint)) == _state(services.cases.load_case(long))
    assert _state(services.cases.load_short_case(long_id, None)) == _state(services.cases.load_case(long))
