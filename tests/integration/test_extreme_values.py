"""Nothing a command accepts can break a read: every command model, driven with extreme but
well-typed values, on both backends.

Every command in the registry (so a new one is covered without touching this test) is built from
values at the edges of its limits (domain/limits.py): dates at the ends of each field's window and
of the years the ledger holds, the longest allowed texts and one character more, characters of
every Unicode category, control characters, counts and amounts at their bounds. Each is run
through the application service against the demo's cases (26 cases at every stage of the three
processes). Whatever the outcome, it is either recorded or refused with a CaseledgerError that
recorded nothing; text holding a NUL byte or a lone surrogate is always refused as invalid input.
After every command the reads work (case list, case show, case history, deadlines, the board
report, the integrity chain), and at the end of each example rebuilding the views from the events
gives exactly the same rows.
"""

from __future__ import annotations

import types
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from application import demo_asb, demo_encampments, setup_import
from application.commands import REGISTRY, Command, OpeningCommand, command_from
from application.demo import DEMO_AS_AT, run_demo, scenarios
from application.queries import DeadlineFilter, case_to_dict, deadline_rows
from application.service import Meta
from domain import limits
from domain.case import Case
from domain.errors import CaseledgerError, InvalidInput, WrongStage
from infrastructure.clock import FixedClock
from infrastructure.settings import Settings
from infrastructure.views import TABLES, tracking
from interfaces.bootstrap import Services, build

TODAY = DEMO_AS_AT.date()
EXAMPLES = 2  # each example drives every command once; two per backend keep it well under 40 s

# --------------------------------------------------------------------------- values


def _unwrap(annotation: Any, metadata: list[Any]) -> tuple[Any, list[Any], bool]:
    """(the bare type, every constraint met on the way, whether None is allowed)."""
    optional = False
    while True:
        if get_origin(annotation) is Annotated:
            annotation, *extra = get_args(annotation)
            metadata = [*metadata, *extra]
        elif get_origin(annotation) in (Union, types.UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            optional = optional or len(args) < len(get_args(annotation))
            annotation = args[0]
        else:
            return annotation, metadata, optional


def _bound(metadata: list[Any], name: str) -> Any:
    for item in metadata:
        value = getattr(item, name, None)
        if value is not None:
            return value
    return None


EDGE_CHARACTERS = ["\x00", "\n", "\t", "\r", "\x1b", "\x7f", "\u2028", "\ud800", "\u202e",
                   "\ufeff", "é", "漢", "🙂", "\U0010fffd", " "]


@dataclass(frozen=True)
class Pools:
    """Values the demo's cases make meaningful: known slugs, deadline names and ids."""

    slugs: tuple[str, ...]
    names: tuple[str, ...]


def text(metadata: list[Any], pools: Pools, slug: bool) -> st.SearchStrategy[str]:
    longest = _bound(metadata, "max_length") or 300
    real = pools.slugs if slug else pools.names
    return st.one_of(
        st.sampled_from(real),
        st.text(st.characters(codec=None), max_size=12),  # every Unicode category, surrogates too
        st.builds(lambda c, n: c * n, st.sampled_from(EDGE_CHARACTERS),
                  st.sampled_from([1, longest, longest + 1])),
        st.builds(lambda base, c: base + c + base, st.sampled_from(real),
                  st.sampled_from(EDGE_CHARACTERS)),
    )


def a_date(window: limits.DateWindow | None, on: date) -> st.SearchStrategy[str]:
    days = [date(limits.FIRST_YEAR, 1, 1), date(limits.LAST_YEAR, 12, 31), on,
            on + timedelta(days=1), date(2024, 2, 29)]
    if window is not None:
        if window.years_before is not None:
            edge = limits.years_before(on, window.years_before)
            days += [edge, edge - timedelta(days=1)]
        if window.years_after is not None:
            edge = limits.years_after(on, window.years_after)
            days += [edge, edge + timedelta(days=1)]
        if window.not_before is not None:
            days += [window.not_before, window.not_before - timedelta(days=1)]
    return st.builds(lambda day, clock: day.isoformat() + clock, st.sampled_from(days),
                     st.sampled_from(["", "T00:00", "T23:59", "T12:00+14:00", "T00:30-12:00"]))


def value(info_annotation: Any, metadata: list[Any], pools: Pools, on: date,
          name: str) -> st.SearchStrategy[Any]:
    base, constraints, optional = _unwrap(info_annotation, metadata)
    strategy: st.SearchStrategy[Any]
    window = next((m for m in constraints if isinstance(m, limits.DateWindow)), None)
    if window is not None or name in ("due", "to"):
        strategy = a_date(window, on)
    elif isinstance(base, type) and issubclass(base, BaseModel):
        strategy = model_values(base, pools, on)
    elif get_origin(base) is Literal:
        strategy = st.sampled_from(get_args(base))
    elif isinstance(base, type) and issubclass(base, Enum):
        strategy = st.sampled_from([m.value for m in base])
    elif base is bool:
        strategy = st.booleans()
    elif base is int:
        low, high = _bound(constraints, "ge"), _bound(constraints, "le")
        edges = [v for v in (low, high, 0, 1) if v is not None]
        strategy = st.sampled_from(sorted({*edges, (high or 10**6) + 1, (low or 0) - 1}))
    elif base is float:
        high = _bound(constraints, "le") or 1e6
        strategy = st.sampled_from([0.0, float(high), high + 0.01, -0.01, float("inf"),
                                    float("nan"), 1e308, 54.6])
    elif get_origin(base) is list:
        (item,) = get_args(base)
        strategy = st.lists(value(item, [], pools, on, name), max_size=3)
    elif get_origin(base) is dict:
        key, item = get_args(base)
        strategy = st.dictionaries(value(key, [], pools, on, name),
                                   value(item, [], pools, on, name), max_size=2)
    else:
        strategy = text(constraints, pools, slug=name in SLUG_FIELDS)
    return st.one_of(st.none(), strategy) if optional else strategy


SLUG_FIELDS = frozenset({"partnership", "hub", "agency", "agencies", "owner", "notified_by"})


def model_values(model: type[BaseModel], pools: Pools, on: date) -> st.SearchStrategy[dict[str, Any]]:
    """A dict of values for ``model``, some fields left out (their defaults)."""
    fields: dict[str, st.SearchStrategy[Any]] = {
        name: value(info.annotation, list(info.metadata), pools, on, name)
        for name, info in model.model_fields.items()}
    required = {name for name, info in model.model_fields.items() if info.is_required()}
    return st.fixed_dictionaries(
        {name: strategy for name, strategy in fields.items() if name in required},
        optional={name: strategy for name, strategy in fields.items() if name not in required})


def effective_times(case_type: str) -> st.SearchStrategy[str | None]:
    earliest = limits.EARLIEST_EFFECTIVE[case_type]
    days = [TODAY, earliest, earliest - timedelta(days=1), date(limits.FIRST_YEAR, 1, 1)]
    return st.one_of(st.none(), st.just("T"), st.builds(
        lambda day, clock: day.isoformat() + clock, st.sampled_from(days),
        st.sampled_from(["", "T09:30", "T16:59"])))


# --------------------------------------------------------------------------- what is checked


def poisoned(data: Any) -> bool:
    """Whether any text in ``data`` holds a NUL byte or a lone surrogate."""
    if isinstance(data, str):
        return "\x00" in data or any(0xD800 <= ord(c) <= 0xDFFF for c in data)
    if isinstance(data, dict):
        return any(poisoned(k) or poisoned(v) for k, v in data.items())
    if isinstance(data, list):
        return any(poisoned(v) for v in data)
    return False


def notifications(services: Services) -> int:
    return services.app.recorder.max_notification_id() or 0


def the_reads_of_a_case_work(services: Services, reference: str | None) -> None:
    """What a coordinator reads after a command: the views caught up, the list, the case and its
    history, the deadlines."""
    services.catch_up()
    services.views.list_cases(None, None, None)
    if reference is not None:
        case = services.cases.load_case(reference)
        case_to_dict(case, DEMO_AS_AT)
        services.views.history(str(case.id))
    deadline_rows(services.views, DeadlineFilter(), DEMO_AS_AT)


def every_read_works(services: Services) -> None:
    """Every case shown with its history, the deadlines, both partnerships' board reports over
    every year the ledger holds, and the integrity chain."""
    services.catch_up()
    for row in services.views.list_cases(None, None, None):
        the_reads_of_a_case_work(services, row["reference"])
    for partnership in ("cumberland", "westmorland-furness"):
        services.reports.board(partnership=partnership, date_from=date(limits.FIRST_YEAR, 1, 1),
                               date_to=date(2026, 12, 31))
    assert services.integrity.verify().ok


def read_models(engine: sa.Engine) -> dict[str, list[dict[str, Any]]]:
    with engine.connect() as conn:
        rows = {name: [dict(r) for r in conn.execute(
            sa.select(table).order_by(*table.primary_key.columns)).mappings()]
            for name, table in TABLES.items()}
        rows[tracking.name] = [dict(r) for r in conn.execute(sa.select(tracking)).mappings()]
    return rows


# --------------------------------------------------------------------------- the test


@pytest.fixture
def demo(database_url: str) -> Iterator[tuple[Services, FixedClock, dict[str, list[str]]]]:
    """The demo's 26 cases on a fresh database, by case type."""
    clock = FixedClock(DEMO_AS_AT)
    services = build(Settings.from_env(database_url=database_url), clock=clock)
    setup_import.import_setup(services.cases, setup_import.load_setup(
        setup_import.example_path("cumbria")), Meta(actor="admin"))
    stories = scenarios() + demo_asb.scenarios() + demo_encampments.scenarios()
    references = run_demo(services.cases, clock.set, stories=stories, openers={
        "asb": demo_asb.open_asb, "encampment": demo_encampments.open_encampment})
    by_type: dict[str, list[str]] = {}
    for reference in references.values():
        by_type.setdefault(services.cases.load_case(reference).case_type, []).append(reference)
    try:
        yield services, clock, by_type
    finally:
        services.close()


def pools_of(services: Services, references: list[str]) -> Pools:
    names: set[str] = {"decision", "P1", "A1", "C1", "C2", "criminal", "imr", "review"}
    for reference in references:
        case = services.cases.load_case(reference)
        names |= set(case.deadlines) | set(case.actions) | set(case.processes)
    slugs = ("cumberland", "westmorland-furness", "allerdale", "carlisle", "cumbria-police",
             "probation", "cumberland-council")
    return Pools(slugs=slugs, names=tuple(sorted(names)))


def commands() -> list[tuple[type[Command], str]]:
    """Every registered command with the case type it applies to ('' for any case)."""
    found: list[tuple[type[Command], str]] = [
        (model, case_class.definition.case_type)
        for model, case_class in REGISTRY.opening_commands().items()]
    found += [(model, "" if case_class is Case else case_class.definition.case_type)
              for model, case_class in REGISTRY.case_commands().items()]
    return sorted(found, key=lambda pair: pair[0].__name__)


def test_every_command_with_extreme_values_records_only_what_every_read_can_hold(demo) -> None:
    services, clock, by_type = demo
    references = [ref for refs in by_type.values() for ref in refs]
    pools = pools_of(services, references)
    every_command = commands()

    # No shrinking: a failure names the command and its drawn values already, and shrinking a
    # draw that spans every command would take minutes.
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate],
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(st.data())
    def run(data: st.DataObject) -> None:
        for model, case_type in every_command:
            kind = case_type or data.draw(st.sampled_from(sorted(by_type)))
            on = data.draw(effective_times(kind), label=f"{model.__name__} --on")
            raw = data.draw(model_values(model, pools, TODAY), label=model.__name__)
            before, touched = notifications(services), None
            meta = Meta(actor="coordinator", on=on, reason=data.draw(
                st.one_of(st.none(), text([], pools, slug=False)), label="reason"))
            try:
                command = command_from(model, raw)
                if isinstance(command, OpeningCommand):
                    touched = services.cases.open(command, meta, views=services.views).reference
                else:
                    targets = data.draw(st.permutations(by_type[kind]), label="targets")
                    for reference in targets:
                        try:
                            touched = services.cases.execute(reference, command, meta).reference
                            break
                        except WrongStage:
                            continue
            except CaseledgerError as refused:
                assert notifications(services) == before, f"{model.__name__} refused yet recorded"
                if poisoned(raw) or poisoned(meta.reason or ""):
                    assert isinstance(refused, InvalidInput), refused
            else:
                assert not poisoned(raw), f"{model.__name__} recorded a NUL or surrogate"
            the_reads_of_a_case_work(services, touched)
        every_read_works(services)
        before_rebuild = read_models(services.engine)
        services.projections.rebuild()
        assert read_models(services.engine) == before_rebuild

    run()
