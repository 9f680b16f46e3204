"""Benchmark: the county board report over a national-scale synthetic county.

Not a test: ``python -m bench.board [--cases N] [--only sqlite|postgres] [--keep DIR]
[--profile]``; PostgreSQL too when CASELEDGER_TEST_POSTGRES_URL is set.

The data (``bench/board_data.py``): one county board over 40 partnerships, 50,000 cases opened
from April 2024 to October 2026 (10% DARDR reviews, 50% ASB Case Reviews, 40% encampments) at
every stage, recorded through the real domain in recorded order: about 1.4 million events. It is
built on each backend from scratch (generation and the read models' catch-up are timed), unless
``--keep DIR`` finds it there from an earlier run (for iterating; the default builds afresh).

Measured, median of 5 runs after one warm-up, each beside references taken in the same run on the
same database, because these machines are noisy:

- **the target**: the county board report for the last complete quarter (1 Jul - 30 Sep 2026),
  current knowledge, built from the read models (``services.reports.board``) and rendered to HTML
  (``render_html``): build + render < 1 s; the split is printed;
- the same with ``publishable=True`` (small numbers suppressed);
- the same as known at 15 Oct 2026 12:00 UTC: every case changed after that instant is re-folded
  from its history rows recorded by then (how many is printed);
- the report of the largest partnership;
- references: a raw read of every ``report_cases`` row (``SELECT case_id, facts``, all fetched),
  the same plus parsing every facts column (with the reports' own parser, all kept in a list,
  as a report no longer does; also with the garbage collector off), and a raw ``count(*)`` of the
  events; for the catch-up, a raw read of the same notifications in pages of 1,000;
- a what-if: the county report with Python's cyclic garbage collector off throughout.

``--profile`` adds where one county report's time goes: every function of the report modules
timed (no profiler overhead), then a cProfile of one report (build + render).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from application.projections import recorded_utc
from application.reporting.facts import loads as parse  # the reports' own parser
from application.reporting.render_html import render_html
from application.reporting.shape import CaseFacts
from bench.board_data import COUNTY, NOW, build_dataset, count_events
from infrastructure.clock import FixedClock
from infrastructure.settings import Settings
from interfaces.bootstrap import Services, build

QUARTER = (date(2026, 7, 1), date(2026, 9, 30))
PAST = datetime(2026, 10, 15, 12, 0, tzinfo=UTC)
RUNS = 5
TARGET_S = 1.0


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


# --------------------------------------------------------------------------- databases


def admin_url() -> str:
    return os.environ["CASELEDGER_TEST_POSTGRES_URL"]


def pg_url(name: str) -> str:
    return admin_url().rsplit("/", 1)[0] + "/" + name


def pg_exists(name: str) -> bool:
    import psycopg

    with psycopg.connect(admin_url(), autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


def pg_create(name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url(), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name} TEMPLATE template0")


def drop(url: str) -> None:
    """About 1.5 GB per database: a run's databases go when it ends (unless kept)."""
    if url.startswith("postgres"):
        import psycopg

        with psycopg.connect(admin_url(), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")
    else:
        for suffix in ("", "-wal", "-shm"):
            path = url.removeprefix("sqlite:///") + suffix
            if os.path.exists(path):
                os.remove(path)


def database(kind: str, cases: int, tmp: str, keep: str | None) -> tuple[str, dict[str, Any] | None]:
    """(url, what the kept run measured while building it, or None if it must be built)."""
    if keep is None:
        name = f"bench_board_{os.getpid()}"
        if kind == "postgres":
            pg_create(name)
            return pg_url(name), None
        return f"sqlite:///{tmp}/{name}.db", None
    Path(keep).mkdir(parents=True, exist_ok=True)
    marker = Path(keep) / f"board-{kind}-{cases}.json"
    name = f"bench_board_keep_{cases}"
    url = pg_url(name) if kind == "postgres" else f"sqlite:///{Path(keep).resolve()}/board-{cases}.db"
    if marker.exists() and (kind != "postgres" or pg_exists(name)):
        return url, json.loads(marker.read_text())
    if kind == "postgres":
        pg_create(name)
    else:
        drop(url)
    return url, None


def analyse(services: Services) -> None:
    """What autovacuum does in production (the throwaway test cluster runs without it)."""
    if services.engine.dialect.name == "postgresql":
        with services.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
    else:
        with services.engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))


# --------------------------------------------------------------------------- building


def build_data(services: Services, cases: int) -> dict[str, Any]:
    made = build_dataset(services, cases)
    print(f"  generated {made.cases:,} cases ({', '.join(f'{k} {v:,}' for k, v in made.by_type.items())})"
          f", {made.commands:,} commands, {made.events:,} events in {made.seconds:.1f} s "
          f"({made.events_per_s:,.0f} events/s)", file=sys.stderr, flush=True)
    started = time.perf_counter()
    last = [started]

    def on_page(position: int) -> None:
        if time.perf_counter() - last[0] > 5:
            last[0] = time.perf_counter()
            print(f"\r  catching up: {position:,} notifications, "
                  f"{position / (last[0] - started):,.0f}/s", end="", file=sys.stderr, flush=True)

    services.projections.on_page = on_page
    catch_up_s, applied = timed(services.projections.catch_up)
    services.projections.on_page = None
    print(f"\r  caught up: {applied:,} notifications in {catch_up_s:.1f} s"
          + " " * 20, file=sys.stderr, flush=True)
    raw_s = timed(lambda: raw_notifications(services))[0]
    return {"generation (s)": made.seconds, "generation events/s": made.events_per_s,
            "commands": made.commands, "catch-up (s)": catch_up_s,
            "catch-up notifications/s": applied / catch_up_s,
            "reference: raw read of the notifications (s)": raw_s,
            "raw read notifications/s": applied / raw_s}


def raw_notifications(services: Services) -> int:
    """The catch-up's reference: the same notifications read in pages of 1,000, nothing done."""
    recorder = services.app.recorder
    start, read = 1, 0
    while True:
        page = recorder.select_notifications(start=start, limit=1000)
        if not page:
            return read
        read += len(page)
        start = page[-1].id + 1


# --------------------------------------------------------------------------- measuring


def medians(fn: Callable[[], dict[str, float]]) -> dict[str, float]:
    fn()  # warm-up
    runs = [fn() for _ in range(RUNS)]
    out = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    out["fastest"] = min(r["total"] for r in runs)
    out["slowest"] = max(r["total"] for r in runs)
    return out


def report_run(services: Services, **arguments: Any) -> Callable[[], dict[str, float]]:
    def once() -> dict[str, float]:
        build_s, report = timed(lambda: services.reports.board(
            date_from=QUARTER[0], date_to=QUARTER[1], **arguments))
        render_s, html = timed(lambda: render_html(report))
        return {"build": build_s, "render": render_s, "total": build_s + render_s,
                "bytes": float(len(html))}
    return once


def changed_since(services: Services, known: datetime) -> int:
    """The cases a report as known at ``known`` re-folds from history: recorded by then and
    changed since."""
    at = recorded_utc(known)
    with services.engine.connect() as conn:
        return int(conn.execute(sa.text(
            "SELECT count(*) FROM report_cases WHERE first_recorded_utc <= :at "
            "AND last_recorded_utc > :at"), {"at": at}).scalar_one())


def raw_facts(services: Services, decode: bool) -> int:
    """Every facts row read (and decoded, all kept at once: what a report did before its tables
    streamed, so this shows what holding every case's facts costs)."""
    with services.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT case_id, facts FROM report_cases")).fetchall()
    if decode:
        kept = [parse(row[1]) for row in rows]
        return len(kept)
    return len(rows)


def counted_afresh(services: Services, as_known_at: datetime | None = None) -> str:
    """A check, not a timing: the county report as the service builds it (settled cases summed
    in SQL, each case's kept quarter figures) against the same report counted afresh from every
    case's facts, with nothing summed and nothing kept: the same JSON, or not."""
    from application.reporting.board import build_board_report
    from application.reporting.render_json import render_json
    from application.reporting.service import SetupAsKnown

    reports = services.reports
    known = as_known_at or NOW
    report = reports.board(county=COUNTY, date_from=QUARTER[0], date_to=QUARTER[1], as_known_at=known)
    setup = SetupAsKnown(reports.cases, known)
    slugs = [p["slug"] for p in report.scope["partnerships"]]
    everything = reports.source.facts(slugs, as_known_at=known).cases
    untrended = (_untrended(facts) for facts in everything)
    afresh = build_board_report(
        untrended, scope={k: v for k, v in report.scope.items() if k != "label"},
        date_from=QUARTER[0], date_to=QUARTER[1], as_known_at=known,
        suppress_below=reports.suppress_below(slugs, QUARTER[1], setup),
        agency_names=reports.agency_names(setup))
    return "identical" if render_json(report) == render_json(afresh) else "DIFFERENT"


def _untrended(facts: CaseFacts) -> CaseFacts:
    """The facts without their kept quarter figures (so the trend counts them afresh)."""
    copy = facts.copy()
    copy.pop("trend", None)
    return copy


def without_gc(fn: Callable[[], Any]) -> Callable[[], Any]:
    """``fn`` with the cyclic garbage collector paused (a what-if: how much of the time is the
    collector walking the decoded facts)."""
    def paused() -> Any:
        gc.disable()
        try:
            return fn()
        finally:
            gc.enable()
    return paused


def largest_partnership(services: Services) -> tuple[str, int]:
    with services.engine.connect() as conn:
        slug, count = conn.execute(sa.text(
            "SELECT partnership, count(*) AS n FROM report_cases GROUP BY partnership "
            "ORDER BY n DESC, partnership LIMIT 1")).one()
    return str(slug), int(count)


def profile(services: Services, **arguments: Any) -> str:
    """cProfile of one report (build + render): the report's own functions by cumulative time,
    then the top functions by their own time."""
    profiler = cProfile.Profile()
    profiler.enable()
    report = services.reports.board(date_from=QUARTER[0], date_to=QUARTER[1], **arguments)
    render_html(report)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(r"(application/reporting|infrastructure/report_facts)", 30)
    stats.sort_stats("tottime").print_stats(20)
    return out.getvalue()


def build_into(url: str, cases: int) -> dict[str, Any]:
    """Generate, catch up and analyse (run in a child process: see ``run``)."""
    services = build(Settings.from_env(database_url=url), clock=FixedClock(NOW))
    built = build_data(services, cases)
    analyse(services)
    services.close()
    return built


def build_in_child(url: str, cases: int) -> dict[str, Any]:
    """The reports are measured in a process that did not generate the data, as they run in
    production: the generator leaves a heap that makes the garbage collector's passes (and so
    every report) several times slower."""
    done = subprocess.run([sys.executable, "-m", "bench.board", "--build-into", url,
                           "--cases", str(cases)], stdout=subprocess.PIPE, check=True, text=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def build_fresh(kind: str, cases: int, tmp: str, keep: str | None) -> tuple[str, dict[str, Any]]:
    """A database with the dataset: kept from an earlier run, or built in a child process."""
    url, kept = database(kind, cases, tmp, keep)
    if kept is not None:
        print(f"  reusing the {kind} database kept in {keep}", file=sys.stderr)
        return url, kept
    built = build_in_child(url, cases)
    if keep is not None:
        Path(keep, f"board-{kind}-{cases}.json").write_text(json.dumps(built))
    return url, built


PHASE_MODULES = ("board", "quarters", "tables_common", "tables_asb", "tables_dardr",
                 "tables_encampment", "render_html")


TIMED_CALLS_AT_MOST = 200


def report_functions(services: Services) -> list[tuple[Any, str, str]]:
    """(owner, attribute, label) of every function of the report modules and the service's
    steps (found by looking, so that it follows the code as it changes)."""
    import importlib

    found: list[tuple[Any, str, str]] = []
    reports = services.reports
    for attribute in ("scope", "agency_names", "suppress_below"):
        if hasattr(reports, attribute):
            found.append((reports, attribute, f"service.{attribute}"))
    if hasattr(reports.cases, "aggregate_known_at"):
        found.append((reports.cases, "aggregate_known_at", "set-up replayed as known at T"))
    found.append((reports.source, "facts", "report_facts.facts (read + parse + re-fold)"))
    for name in PHASE_MODULES:
        module = importlib.import_module(f"application.reporting.{name}")
        for attribute, value in list(vars(module).items()):
            if getattr(value, "__module__", None) != module.__name__ or not callable(value):
                continue
            if not isinstance(value, type):
                found.append((module, attribute, f"{name}.{attribute}"))
            else:  # a table fed one case at a time: its feeding and its table timed apart
                found += [(value, method, f"{name}.{attribute}.{method}") for method in ("add", "table")
                          if callable(getattr(value, method, None))]
    service_module = importlib.import_module("application.reporting.service")
    if hasattr(service_module, "build_board_report"):
        found.append((service_module, "build_board_report", "board.build_board_report"))
    return found


def phases(services: Services, **arguments: Any) -> str:
    """Where one report's time goes, without a profiler's overhead: one report counts the calls
    of every report function; then the functions called at most ``TIMED_CALLS_AT_MOST`` times
    (the steps and the tables, not the per-case helpers, which the cProfile shows) and each
    table's ``add`` (one call a case: the table's whole share of the per-case work) are wrapped
    in timers (inclusive: a function called inside another counts in both), median of
    ``RUNS`` reports."""
    functions = report_functions(services)
    calls: dict[str, int] = {}
    totals: dict[str, list[float]] = {}
    active: set[str] = set()
    run_index = [0]

    def counting(original: Any, label: str) -> Any:
        def counted(*args: Any, **kwargs: Any) -> Any:
            calls[label] = calls.get(label, 0) + 1
            return original(*args, **kwargs)
        return counted

    def timing(original: Any, label: str) -> Any:
        def timed_call(*args: Any, **kwargs: Any) -> Any:
            if label in active:  # recursion: count the outer call only
                return original(*args, **kwargs)
            active.add(label)
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                active.discard(label)
                totals.setdefault(label, [0.0] * RUNS)[run_index[0]] += time.perf_counter() - start
        return timed_call

    def report() -> None:
        render_html(services.reports.board(date_from=QUARTER[0], date_to=QUARTER[1], **arguments))

    def patched(make: Any, chosen: list[tuple[Any, str, str]], runs: int) -> list[float]:
        originals = [(owner, attribute, getattr(owner, attribute)) for owner, attribute, _ in chosen]
        for (owner, attribute, label), (_, _, original) in zip(chosen, originals, strict=True):
            setattr(owner, attribute, make(original, label))
        try:
            whole = []
            for run_index[0] in range(runs):
                whole.append(timed(report)[0])
            return whole
        finally:
            for owner, attribute, original in reversed(originals):
                setattr(owner, attribute, original)

    patched(counting, functions, 1)
    few = [f for f in functions if 0 < calls.get(f[2], 0) <= TIMED_CALLS_AT_MOST
           or (calls.get(f[2]) and f[2].endswith(".add"))]
    whole = patched(timing, few, RUNS)
    lines = [f"  {'whole report (build + render), timed':60s} {statistics.median(whole) * 1000:8.1f} ms"]
    for label, values in sorted(totals.items(), key=lambda item: -statistics.median(item[1])):
        ms = statistics.median(values) * 1000
        if ms >= 1:
            lines.append(f"  {label:60s} {ms:8.1f} ms  ({calls[label]:,} calls)")
    return "\n".join(lines)


def run(kind: str, cases: int, tmp: str, keep: str | None, with_profile: bool) -> dict[str, Any]:
    url, built = build_fresh(kind, cases, tmp, keep)
    services = build(Settings.from_env(database_url=url), clock=FixedClock(NOW))
    analyse(services)  # again: a kept database may just have been migrated
    events_s, events = timed(lambda: count_events(services))
    read_s = statistics.median(timed(lambda: raw_facts(services, False))[0] for _ in range(RUNS))
    decode_s = statistics.median(timed(lambda: raw_facts(services, True))[0] for _ in range(RUNS))
    decode_nogc_s = statistics.median(timed(without_gc(lambda: raw_facts(services, True)))[0]
                                      for _ in range(RUNS))
    rows = raw_facts(services, False)
    slug, in_partnership = largest_partnership(services)

    print("  measuring the county report …", file=sys.stderr, flush=True)
    county = medians(report_run(services, county=COUNTY))
    publishable = medians(report_run(services, county=COUNTY, publishable=True))
    past = medians(report_run(services, county=COUNTY, as_known_at=PAST))
    one = medians(report_run(services, partnership=slug))
    county_nogc = medians(without_gc(report_run(services, county=COUNTY)))
    out: dict[str, Any] = {
        "events (rows of the event store)": events, "cases (rows of report_cases)": rows,
        **built,
        "COUNTY REPORT, build + render (s)": county["total"],
        "  range of the runs (s)": f"{county['fastest']:.2f}–{county['slowest']:.2f}",
        "  build (s)": county["build"], "  render HTML (s)": county["render"],
        "  HTML bytes": int(county["bytes"]),
        "publishable, build + render (s)": publishable["total"],
        "as known at 15 Oct 2026 12:00Z, build + render (s)": past["total"],
        "  as known at: build (s)": past["build"],
        "  cases re-folded from history": changed_since(services, PAST),
        f"one partnership ({slug}, {in_partnership:,} cases), build + render (s)": one["total"],
        "reference: read every report_cases row (s)": read_s,
        "reference: … and parse every facts (s)": decode_s,
        "reference: … the same with the garbage collector off (s)": decode_nogc_s,
        "what-if: the county report with the garbage collector off (s)": county_nogc["total"],
        "reference: count(*) of the events (s)": events_s,
        "target met (< 1 s)": county["total"] < TARGET_S,
        "check: the county report, counted afresh from all the facts": counted_afresh(services),
        "check: … and as known at 15 Oct 2026 12:00Z": counted_afresh(services, PAST),
    }
    if with_profile:
        out["phases"] = (f"county report, current knowledge:\n{phases(services, county=COUNTY)}\n"
                         f"county report as known at {PAST.isoformat()}:\n"
                         f"{phases(services, county=COUNTY, as_known_at=PAST)}")
        out["profile"] = (f"county report, current knowledge:\n{profile(services, county=COUNTY)}\n"
                          f"county report as known at {PAST.isoformat()}:\n"
                          f"{profile(services, county=COUNTY, as_known_at=PAST)}")
    services.close()
    if keep is None:
        drop(url)
    return out


def shown(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        return f"{value:,.3f}" if value < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--keep", metavar="DIR", help="keep the generated databases in DIR and "
                        "reuse them on the next run (the default builds from scratch)")
    parser.add_argument("--profile", action="store_true", help="cProfile one county report")
    parser.add_argument("--build-into", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build_into:
        print(json.dumps(build_into(args.build_into, args.cases)))
        return
    kinds = ["sqlite"] + (["postgres"] if os.environ.get("CASELEDGER_TEST_POSTGRES_URL") else [])
    if args.only:
        kinds = [args.only]
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for kind in kinds:
            print(f"{kind}: {args.cases:,} cases", file=sys.stderr, flush=True)
            results[kind] = run(kind, args.cases, tmp, args.keep, args.profile)
            print(f"\n{kind}: {args.cases:,} cases")
            for key, value in results[kind].items():
                if key not in ("profile", "phases"):
                    print(f"  {key:60s} {shown(value)}")
            if "phases" in results[kind]:
                print(f"\n{kind}: where one report's time goes (timers, no profiler; median of "
                      f"{RUNS})\n{results[kind]['phases']}")
            if "profile" in results[kind]:
                print(f"\n{kind}: cProfile of one report (build + render)\n{results[kind]['profile']}")
            sys.stdout.flush()
    print(f"\nCounty board report, {args.cases:,} cases, median of {RUNS} runs after a warm-up")
    print(f"{'':62s}" + "".join(f"{kind:>16s}" for kind in results))
    for key in next(iter(results.values())):
        if key in ("profile", "phases"):
            continue
        print(f"  {key:60s}" + "".join(f"{shown(r.get(key)):>16s}" for r in results.values()))


if __name__ == "__main__":
    main()
