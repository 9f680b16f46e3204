"""The same suite on SQLite and PostgreSQL: saving, references, concurrency, time travel."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from eventsourcing.application import project_aggregate

from application.commands import (
    AddNote,
    AgreeReport,
    DecideReview,
    LinkProcess,
    MigratePolicy,
    NotifyDeath,
    ReceiveReturn,
    RequestReturn,
    ResumeCase,
    StartScoping,
)
from application.ports import DeadlineFilter
from application.projections import Change
from application.queries import case_to_dict
from application.service import Meta
from domain.dardr import DeathType, Relationship, ReviewOutcome
from domain.errors import InvalidInput, NotFound, RuleRefused, WrongStage
from infrastructure.clock import FixedClock
from interfaces.bootstrap import Services
from tests.integration.support import NOW, notify, seed, services_for


@pytest.fixture
def services(database_url: str) -> Iterator[Services]:
    s = services_for(database_url)
    seed(s)
    yield s
    s.close()


def test_references_are_gap_free_per_partnership_type_and_year(services: Services) -> None:
    refs = [notify(services, on=on) for on in ("2025-12-30", "2026-01-31", "2026-02-03")]
    assert refs == ["CUM-DARDR-2025-001", "CUM-DARDR-2026-001", "CUM-DARDR-2026-002"]
    assert services.cases.load_case("CUM-DARDR-2026-002").opened_on == "2026-02-03"


def test_unknown_reference_and_partnership_are_not_found(services: Services) -> None:
    with pytest.raises(NotFound, match="No case with reference CUM-DARDR-2026-009"):
        services.cases.load_case("CUM-DARDR-2026-009")
    with pytest.raises(NotFound, match="Unknown partnership 'eden'"):
        services.cases.open(NotifyDeath(partnership="eden", date_of_death="2026-01-20",
                                        victim_pseudonym="A", notified_by="cumbria-police",
                                        relationship=Relationship.FAMILY, death_type=DeathType.HOMICIDE),
                            Meta(actor="c", on="2026-01-31"))


def test_a_refused_command_records_nothing(services: Services) -> None:
    ref = notify(services)
    before = services.app.recorder.max_notification_id()
    with pytest.raises(WrongStage):
        services.cases.execute(ref, AgreeReport(), Meta(actor="c", on="2026-02-01"))
    with pytest.raises(RuleRefused):
        services.cases.execute(ref, StartScoping(agencies=["probation"]), Meta(actor="c", on="2026-01-30"))
    with pytest.raises(NotFound):
        services.cases.execute(ref, StartScoping(agencies=["nobody"]), Meta(actor="c", on="2026-02-01"))
    assert services.app.recorder.max_notification_id() == before


def test_two_writers_on_one_case_lose_no_update(database_url: str) -> None:
    """Each writer retries on the conflict it loses; both notes are in the log."""
    first, second = services_for(database_url), services_for(database_url)
    seed(first)
    ref = notify(first)
    barrier = threading.Barrier(2)
    errors: list[Exception] = []

    def write(services: Services, text: str) -> None:
        try:
            barrier.wait()
            for i in range(10):
                services.cases.execute(ref, AddNote(text=f"{text} {i}"), Meta(actor=text, on="2026-02-01"))
        except Exception as e:  # surfaced below
            errors.append(e)

    threads = [threading.Thread(target=write, args=(s, name))
               for s, name in ((first, "alpha"), (second, "beta"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    case = first.cases.load_case(ref)
    assert case.notes == 20
    first.catch_up()
    actors = [row["actor"] for row in first.views.history(str(case.id))]
    assert actors.count("alpha") == 10 and actors.count("beta") == 10
    first.close()
    second.close()


def test_concurrent_notifications_get_distinct_gap_free_references(database_url: str) -> None:
    writers = [services_for(database_url) for _ in range(3)]
    seed(writers[0])
    refs: list[str] = []
    barrier = threading.Barrier(3)

    def write(services: Services) -> None:
        barrier.wait()
        for _ in range(4):
            refs.append(notify(services))

    threads = [threading.Thread(target=write, args=(s,)) for s in writers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(refs) == [f"CUM-DARDR-2026-{n:03d}" for n in range(1, 13)]
    for s in writers:
        s.close()


def test_time_travel_with_late_entries(services: Services) -> None:
    """A scoping start recorded a week after it happened, and a decision recorded late too."""
    clock = services.clock
    assert isinstance(clock, FixedClock)
    clock.set(NOW - timedelta(days=300))  # recorded 2026-01-26
    ref = notify(services, on="2026-01-20")
    clock.set(NOW - timedelta(days=290))  # recorded 2026-02-05, effective 2026-01-29
    services.cases.execute(ref, StartScoping(agencies=["probation"]), Meta(actor="c", on="2026-01-29"))
    clock.set(NOW - timedelta(days=250))  # recorded 2026-03-17, effective 2026-02-16
    services.cases.execute(ref, DecideReview(outcome=ReviewOutcome.REVIEW, rationale="criteria met"),
                           Meta(actor="c", on="2026-02-16"))

    known_feb_1, as_at = services.cases.case_as(ref, as_known_at=NOW - timedelta(days=294))
    assert known_feb_1.stage == "notified"  # the scoping start was not yet recorded
    assert case_to_dict(known_feb_1, as_at)["deadlines"][0]["status"] == "open"

    effective_feb_1, as_at = services.cases.case_as(ref, as_effective_at="2026-02-01")
    assert effective_feb_1.stage == "scoping"  # as we know now, scoping began on 29 January
    statuses = {d["name"]: d["status"] for d in case_to_dict(effective_feb_1, as_at)["deadlines"]}
    assert statuses == {"decision": "open", "return:probation:scoping": "open"}

    effective_mar_1, as_at = services.cases.case_as(ref, as_effective_at="2026-03-01")
    statuses = {d["name"]: d["status"] for d in case_to_dict(effective_mar_1, as_at)["deadlines"]}
    assert statuses["decision"] == "met"  # decided 16 Feb, due 20 Feb
    assert statuses["return:probation:scoping"] == "overdue"  # due 12 Feb, never received

    # What the partnership knew on 1 March: the decision (taken 16 Feb) was only recorded on
    # 17 March, so then it looked overdue; as we know now it was met on time.
    known_mar_1, as_at = services.cases.case_as(ref, as_known_at=datetime(2026, 3, 1, 23, 59, tzinfo=UTC))
    assert known_mar_1.stage == "scoping"
    statuses = {d["name"]: d["status"] for d in case_to_dict(known_mar_1, as_at)["deadlines"]}
    assert statuses == {"decision": "overdue", "return:probation:scoping": "overdue"}
    assert case_to_dict(known_mar_1, as_at)["version"] == 5  # notified (2 events), scoping (3)

    v2, _ = services.cases.case_as(ref, at_version=2)
    assert v2.stage == "notified" and v2.version == 2


def test_views_catch_up_exactly_once_and_rebuild_identically(services: Services) -> None:
    ref = notify(services)
    services.cases.execute(ref, StartScoping(agencies=["probation", "cumbria-police"]),
                           Meta(actor="c", on="2026-02-02"))
    assert services.catch_up() > 0
    assert services.catch_up() == 0
    rows = services.views.open_deadlines(DeadlineFilter())
    assert [r["name"] for r in rows] == [
        "return:cumbria-police:scoping", "return:probation:scoping", "decision"]
    case_id = str(services.cases.resolve(ref))
    history_before = services.views.history(case_id)
    services.projections.rebuild()
    assert services.views.open_deadlines(DeadlineFilter()) == rows
    assert services.views.history(case_id) == history_before


def test_projection_resumes_after_a_crash_mid_page(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure while applying a page rolls back the view and its position together."""
    ref = notify(services)
    calls = {"n": 0}
    real = services.projections.project

    def crash_on_fifth(event: Any) -> list[Change]:
        calls["n"] += 1
        if calls["n"] == 5:
            raise RuntimeError("power cut")
        return real(event)

    monkeypatch.setattr(services.projections, "project", crash_on_fifth)
    with pytest.raises(RuntimeError):
        services.catch_up()
    assert services.projections.position() == 0
    assert services.views.list_cases(None, None, None) == []
    monkeypatch.setattr(services.projections, "project", real)
    services.catch_up()
    assert services.projections.position() == services.app.recorder.max_notification_id()
    assert [c["reference"] for c in services.views.list_cases(None, None, None)] == [ref]


def test_deadlines_as_at_a_past_date_count_later_facts_as_not_yet_happened(services: Services) -> None:
    from application.queries import deadline_rows
    from domain.times import effective_end

    ref = notify(services, on="2026-01-31")  # decision due 28 Feb
    # scoping return due 16 Feb
    services.cases.execute(ref, StartScoping(agencies=["probation"]), Meta(actor="c", on="2026-02-02"))
    services.cases.execute(ref, ReceiveReturn(agency="probation", kind="scoping"),
                           Meta(actor="c", on="2026-02-20"))  # late
    services.catch_up()

    def overdue_at(day: str) -> set[tuple[str, int]]:
        rows = deadline_rows(services.views, DeadlineFilter(), effective_end(day), overdue_only=True)
        return {(r["name"], r["days_overdue"]) for r in rows}

    assert overdue_at("2026-02-01") == set()
    assert overdue_at("2026-02-18") == {("return:probation:scoping", 2)}
    assert overdue_at("2026-02-20") == set()  # received that day
    assert overdue_at("2026-03-02") == {("decision", 2)}
    open_on_feb_1 = deadline_rows(services.views, DeadlineFilter(), effective_end("2026-02-01"))
    assert [r["name"] for r in open_on_feb_1] == ["decision"]  # scoping had not started


def test_a_case_keeps_its_policy_until_a_coordinator_migrates_it(services: Services) -> None:
    from domain.calendar import ClockRule, ClockUnit
    from domain.policy import Basis, ClockPolicy
    from domain.setup import Partnership, partnership_id

    ref = notify(services, on="2026-01-31")
    assert services.cases.load_case(ref).policy.version == "national-dhr-2016"
    ctx = services.cases.context(Meta(actor="admin", on="2026-03-01"))
    partnership: Partnership = services.app.repository.get(partnership_id("cumberland"))
    partnership.adopt_policy(ctx, "dardr", "cumberland-2026", {"guidance": "dhr-2016"}, {
        "return:chronology": ClockPolicy(ClockRule(ClockUnit.WORKING_DAYS, 15),
                                         Basis("local procedure", "Cumberland 2026 §3")),
    })
    services.app.save(partnership)

    services.cases.execute(ref, StartScoping(agencies=["probation"]), Meta(actor="c", on="2026-02-02"))
    services.cases.execute(ref, RequestReturn(agency="cumbria-police", kind="chronology"),
                           Meta(actor="c", on="2026-04-02"))
    case = services.cases.load_case(ref)
    assert case.deadlines["return:cumbria-police:chronology"].due == "2026-05-05T23:59:59+01:00"

    with pytest.raises(InvalidInput):
        services.cases.execute(ref, MigratePolicy(), Meta(actor="c", on="2026-04-03"))
    result = services.cases.execute(ref, MigratePolicy(), Meta(
        actor="c", on="2026-04-03", reason="board adopted the 2026 procedure"))
    assert result.detail == {"policy_version": "cumberland-2026"}
    services.cases.execute(ref, RequestReturn(agency="probation", kind="chronology"),
                           Meta(actor="c", on="2026-04-02"))
    case = services.cases.load_case(ref)
    assert case.deadlines["return:probation:chronology"].due == "2026-04-27T23:59:59+01:00"
    # the deadline set before the migration did not move
    assert case.deadlines["return:cumbria-police:chronology"].due == "2026-05-05T23:59:59+01:00"
    with pytest.raises(RuleRefused, match="already runs under"):
        services.cases.execute(ref, MigratePolicy(), Meta(actor="c", on="2026-04-03", reason="again"))


def test_a_long_case_is_snapshotted_and_loads_as_its_replay(services: Services) -> None:
    from domain.dardr import DardrReview

    ref = notify(services)
    services.cases.execute(ref, StartScoping(agencies=["probation"]), Meta(actor="c", on="2026-02-02"))
    services.cases.execute(ref, LinkProcess(kind="criminal", reference="Op. X", pause=True),
                           Meta(actor="c", on="2026-02-03"))
    for i in range(110):
        services.cases.execute(ref, AddNote(text=f"note {i}"), Meta(actor="c", on="2026-02-04"))
    case_id = services.cases.resolve(ref)
    assert services.app.snapshots is not None
    snapshots = list(services.app.snapshots.get(case_id))
    assert [s.originator_version for s in snapshots] == [100]

    loaded = services.cases.load_case(ref)
    replayed: DardrReview | None = project_aggregate(None, services.app.events.get(case_id))
    assert isinstance(loaded, DardrReview)
    assert {k: v for k, v in vars(loaded).items() if k != "_pending_events"} == \
        {k: v for k, v in vars(replayed).items() if k != "_pending_events"}
    assert loaded.deadlines["decision"].status == "paused"
    # a command on the snapshotted case still works, and time travel below the snapshot too
    services.cases.execute(ref, ResumeCase(), Meta(actor="c", on="2026-03-02"))
    v50, _ = services.cases.case_as(ref, at_version=50)
    assert v50.version == 50 and v50.paused is True


def test_processes_starting_at_once_on_a_new_database_all_start(database_url: str) -> None:
    """Four starts at the same moment (cron, a scheduler, a coordinator…) on a new database: one
    creates the schema, the others wait for it; none fails (PostgreSQL refuses concurrent DDL)."""
    barrier = threading.Barrier(4)
    started, errors = [], []

    def start() -> None:
        try:
            barrier.wait()
            s = services_for(database_url)
            started.append(s)
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    try:
        assert errors == [] and len(started) == 4
        seed(started[0])
        assert notify(started[1]) == "CUM-DARDR-2026-001"
        assert started[2].integrity.verify().to_dict()["ok"] is True
    finally:
        for s in started:
            s.close()


@pytest.mark.postgres
def test_a_read_does_not_queue_behind_another_process_catching_up(fresh_postgres_url: str) -> None:
    """Given another process applying events (it holds the views' tracking row), when a read
    catches up without waiting, then it leaves them to that process and returns at once; a write's
    catch-up (which must include its own events) applies them once the other is done."""
    services = services_for(fresh_postgres_url)  # SQLite serialises writers in the database itself
    try:
        seed(services)
        services.catch_up()
        notify(services)
        other = services.engine.connect()
        holding = other.begin()
        other.execute(sa.text("SELECT position FROM projection_tracking WHERE name = 'views' FOR UPDATE"))
        assert services.catch_up(wait=False) == 0
        assert services.views.list_cases(None, None, None) == []
        holding.rollback()
        other.close()
        assert services.catch_up() > 0
        assert [c["reference"] for c in services.views.list_cases(None, None, None)] == [
            "CUM-DARDR-2026-001"]
    finally:
        services.close()
