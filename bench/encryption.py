"""What sealing personal data costs: the same work with sealing on (the default) and off.

Run as ``python -m bench.encryption [--cases 500] [--rounds 7]`` (PostgreSQL too when
CASELEDGER_TEST_POSTGRES_URL is set). Never part of ``make test``. For each backend, two fresh
databases built alike, one with personal data sealed (``build(...)``, the default) and one without
(``build(..., seal_personal_data=False)``, the benchmark-only switch):

- **command path**: DARDR reviews of 10 commands each through ``CaseService``, each review
  carrying personal data (a pseudonym on notification, the chair's and a panel member's names, a
  note of free text): commands/s. The two databases take turns review by review (the order
  swapped each time), so a burst of a neighbour's load falls on both alike; each round adds
  ``cases / rounds`` reviews to each, so the rounds together build the log the rebuild reads;
- **projection rebuild** of every read model (``services.projections.rebuild()``) over that log:
  events/s, the two in turn each round. Each rebuild runs in services built afresh, as
  ``caseledger projections rebuild`` does in a process of its own: no data key is in memory when
  it starts.

Each is timed by the wall clock and by this process's CPU time (what sealing adds is CPU here:
AES-GCM and JSON; CPU time hardly moves when other work takes a core, wall time does). The
overhead is how much longer the sealed work takes, ``plain rate / sealed rate - 1``, for each
round's pair, and its median over the rounds. Beside them, in the same run: a raw read of the same
notifications, which sealing plays no part in (how far its two columns differ is the noise).
Results: a table on stdout and ``bench/results_encryption.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from base64 import b64encode
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from application.commands import (
    AddNote,
    AddPanelMember,
    AgreeTerms,
    AppointChair,
    CaseCommand,
    CirculateDraft,
    DecideReview,
    NotifyDeath,
    NotifyHomeOffice,
    ReceiveReturn,
    StartScoping,
)
from application.service import Meta
from bench.__main__ import AGENCIES, fresh_url, seed, timed
from bench.audit import drop
from domain.dardr import DeathType, Relationship, ReviewOutcome
from infrastructure.clock import FixedClock
from infrastructure.settings import Settings
from interfaces.bootstrap import Services, build

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)
MODES = ("sealed", "plain")
UNINDEXED = "sealed, no subject index"
RESULTS = Path(__file__).with_name("results_encryption.json")
TARGET_PERCENT = 15.0
COMMANDS_PER_REVIEW = 10
#: About the length of a real coordinator's note (the personal data a command most often carries).
NOTE = ("Spoke with the victim's sister about the chronology; she asked that the family's "
        "contact go through the advocate and that the children are not named in the report.")


def review(services: Services, number: int) -> None:
    """One DARDR review, notification to draft: 10 commands, each with its personal data."""
    cases = services.cases
    ref = cases.open(NotifyDeath(partnership="cumberland", date_of_death="2026-01-01",
                                 victim_pseudonym=f"Adult {number:04d}", notified_by="cumbria-police",
                                 relationship=Relationship.FAMILY, death_type=DeathType.HOMICIDE),
                     Meta("bench", "2026-01-05")).reference
    steps: list[tuple[str, CaseCommand]] = [
        ("2026-01-06", StartScoping(agencies=list(AGENCIES))),
        ("2026-01-15", ReceiveReturn(agency="probation", kind="scoping")),
        ("2026-01-20", DecideReview(outcome=ReviewOutcome.REVIEW, rationale="criteria met")),
        ("2026-01-21", NotifyHomeOffice()),
        ("2026-01-22", AppointChair(name=f"Chair {number:04d} Whitfield")),
        ("2026-01-22", AddPanelMember(agency="probation", name=f"Member {number:04d} Ashworth",
                                      role="senior probation officer")),
        ("2026-01-30", AgreeTerms(period_from="2024-01-01", period_to="2025-12-31",
                                  agencies=["probation"])),
        ("2026-02-02", AddNote(text=f"{NOTE} ({number})")),
        ("2026-02-03", CirculateDraft()),
    ]
    for on, command in steps:
        cases.execute(ref, command, Meta("bench", on))


def clocked(fn: Callable[[], object]) -> tuple[float, float]:
    """Wall and this process's CPU seconds of ``fn``: CPU time is what sealing adds here (AES-GCM,
    JSON), and it hardly moves when a neighbour's tests take a core, where wall time does."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def settings(url: str, master_key: str) -> Settings:
    """SQLite makes its key file beside the database; PostgreSQL is given a key (it needs one)."""
    env = {} if url.startswith("sqlite") else {"CASELEDGER_MASTER_KEY": master_key}
    return Settings.from_env(env, database_url=url)


def services(mode: str, url: str, master_key: str) -> Services:
    built = build(settings(url, master_key), clock=FixedClock(NOW),
                  seal_personal_data=mode != "plain")
    if mode == UNINDEXED:
        # To tell the two costs of a sealed rebuild apart: opening the seals, and keeping the
        # subject index (blind tokens of every personal text), which only a store with keys has.
        built.projections.subject_index = None
    return built


def raw_read(built: Services) -> float:
    """Seconds to read every notification in pages of 1,000 (no mapping, no projection)."""
    recorder = built.app.recorder
    last = recorder.max_notification_id() or 0
    return timed(lambda: [recorder.select_notifications(start=i, limit=1000)
                          for i in range(1, last + 1, 1000)])


def run(kind: str, cases: int, rounds: int, tmp: str,
        progress: Callable[[str], None]) -> dict[str, Any]:
    master_key = b64encode(secrets.token_bytes(32)).decode("ascii")
    urls = {mode: fresh_url(kind, tmp) for mode in MODES}
    live = {mode: services(mode, urls[mode], master_key) for mode in MODES}
    # per mode, per round: [wall, cpu] seconds (commands) and rates (rebuild)
    commands: dict[str, list[list[float]]] = {mode: [] for mode in MODES}
    rebuild: dict[str, list[list[float]]] = {mode: [] for mode in (*MODES, UNINDEXED)}
    raw: dict[str, list[float]] = {mode: [] for mode in MODES}
    per_round = max(1, cases // rounds)
    done = 0
    try:
        for mode in MODES:
            seed(live[mode])
        for round_number in range(rounds):
            spent = {mode: [0.0, 0.0] for mode in MODES}
            for number in range(done, done + per_round):
                # Review by review, the two modes in turn (the order swapped each time): a burst
                # of a neighbour's load falls on both alike.
                for mode in MODES if number % 2 == 0 else MODES[::-1]:
                    wall, cpu = clocked(lambda m=mode, n=number: review(live[m], n))  # type: ignore[misc]
                    spent[mode][0] += wall
                    spent[mode][1] += cpu
            done += per_round
            for mode in MODES:
                commands[mode].append([per_round * COMMANDS_PER_REVIEW / t for t in spent[mode]])
            progress(f"  {kind} commands round {round_number + 1}: " + "; ".join(
                f"{m} {commands[m][-1][0]:,.0f}/s" for m in MODES))
        events = {mode: live[mode].app.recorder.max_notification_id() or 0 for mode in MODES}
        events[UNINDEXED] = events["sealed"]
        for built in live.values():
            built.close()
        for round_number in range(rounds):
            for mode in (*MODES, UNINDEXED) if round_number % 2 == 0 else (UNINDEXED, *MODES[::-1]):
                fresh = services(mode, urls[mode if mode != UNINDEXED else "sealed"], master_key)
                try:
                    if mode in raw:
                        raw[mode].append(events[mode] / raw_read(fresh))
                    rebuild[mode].append([events[mode] / t
                                          for t in clocked(fresh.projections.rebuild)])
                finally:
                    fresh.close()
            progress(f"  {kind} rebuild round {round_number + 1}: " + "; ".join(
                f"{m} {rebuild[m][-1][0]:,.0f} events/s" for m in MODES))
    finally:
        for built in live.values():
            built.close()
        for url in urls.values():
            drop(url)
            if url.startswith("sqlite"):
                Path(url.removeprefix("sqlite:///")).with_suffix(".key").unlink(missing_ok=True)
    out: dict[str, Any] = {"backend": kind, "cases": done, "rounds": rounds, "events": events,
                           "raw_read_events_per_s": {m: statistics.median(raw[m]) for m in MODES}}
    for name, rates in (("commands", commands), ("rebuild", rebuild)):
        for index, clock in enumerate(("wall", "cpu")):
            series = {m: [r[index] for r in rounds_of] for m, rounds_of in rates.items()}
            out[f"{name}_{clock}"] = {
                "per_s": {m: statistics.median(values) for m, values in series.items()},
                "per_s_rounds": series,
                "overhead_percent": overhead(series),
                "overhead_percent_rounds": overheads(series),
            }
            if UNINDEXED in series:
                unindexed = {"sealed": series[UNINDEXED], "plain": series["plain"]}
                out[f"{name}_{clock}"]["overhead_without_subject_index_percent"] = \
                    overhead(unindexed)
    return out


def overheads(rates: dict[str, list[float]]) -> list[float]:
    """Each round's overhead in %: how much longer the sealed work took than the plain."""
    return [(plain / sealed - 1) * 100 for sealed, plain in zip(rates["sealed"], rates["plain"],
                                                                strict=True)]


def overhead(rates: dict[str, list[float]]) -> float:
    return statistics.median(overheads(rates))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=500, help="reviews per database (10 commands each)")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], action="append",
                        help="default: SQLite, and PostgreSQL when CASELEDGER_TEST_POSTGRES_URL is set")
    args = parser.parse_args()
    kinds = args.backend or (
        ["sqlite"] + (["postgres"] if os.environ.get("CASELEDGER_TEST_POSTGRES_URL") else []))
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind in kinds:
            results.append(run(kind, args.cases, args.rounds, tmp,
                               lambda line: print(line, file=sys.stderr, flush=True)))
    print(f"\nSealing personal data: on vs off, medians of {args.rounds} alternating rounds; "
          f"overhead: median of the rounds' paired overheads (target: under {TARGET_PERCENT:.0f} %)")
    print(f"  {'backend':9s} {'measure':22s} {'clock':5s} {'sealed':>9s} {'plain':>9s} "
          f"{'overhead':>9s}  each round's overhead, %")
    for r in results:
        backend = r["backend"]
        for name, label in (("commands", "commands/s"), ("rebuild", "rebuild events/s")):
            for clock in ("wall", "cpu"):
                m = r[f"{name}_{clock}"]
                print(f"  {backend:9s} {label:22s} {clock:5s} {m['per_s']['sealed']:>9,.0f} "
                      f"{m['per_s']['plain']:>9,.0f} {m['overhead_percent']:>8.1f}%  "
                      + ", ".join(f"{v:.0f}" for v in m["overhead_percent_rounds"]))
                if UNINDEXED in m["per_s"]:
                    print(f"  {'':9s} {'  without subject index':22s} {clock:5s} "
                          f"{m['per_s'][UNINDEXED]:>9,.0f} {'':>9s} "
                          f"{m['overhead_without_subject_index_percent']:>8.1f}%")
                backend = ""
        print(f"  {'':9s} {'raw read events/s':22s} {'wall':5s} "
              f"{r['raw_read_events_per_s']['sealed']:>9,.0f} "
              f"{r['raw_read_events_per_s']['plain']:>9,.0f}   (reference: sealing plays no part)")
        print(f"  {'':9s} {'events in the log':22s} {'':5s} {r['events']['sealed']:>9,} "
              f"{r['events']['plain']:>9,}")
    RESULTS.write_text(json.dumps({"measured": datetime.now(UTC).isoformat(timespec="seconds"),
                                   "results": results}, indent=2) + "\n")
    print(f"\nwritten to {RESULTS}")


if __name__ == "__main__":
    main()
