"""What a save costs on PostgreSQL through the chained event recorder, against references.

Run as ``python -m bench.saves [--before REV]`` with CASELEDGER_TEST_POSTGRES_URL set. Never part
of ``make test``. Through ``CaseLedgerApplication.save``, on a database of its own for each
recorder, in alternating rounds (medians), so a checkpoint or a noisy neighbour hits them alike:

- large saves: 500 ten-event aggregates in one save (5,000 events, about 440 bytes each, as the
  board dataset's biggest saves), events/s;
- one-event saves (the event store's share of a command), saves/s.

Recorders: this code's; with ``--before REV``, the chained recorder of that commit (its
``infrastructure/integrity.py`` read from git into a temporary module); and eventsourcing's own
recorder without the chain, as the reference.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from application.service import CaseLedgerApplication
from bench.__main__ import fresh_url, timed
from bench.audit import TEXT, Entry, drop

AGGREGATES_PER_LARGE_SAVE = 500
LARGE_SAVES = 4
SINGLE_SAVES = 300
ROUNDS = 5


def recorder_from(rev: str, folder: str) -> str:
    """The topic of the chained PostgreSQL recorder as it was at ``rev``."""
    source = subprocess.run(["git", "show", f"{rev}:infrastructure/integrity.py"],
                            check=True, capture_output=True, text=True).stdout
    name = f"integrity_at_{rev.replace('^', '_').replace('~', '_')}"
    Path(folder, f"{name}.py").write_text(source)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    if importlib.util.find_spec(name) is None:
        raise SystemExit(f"cannot import the recorder of {rev}")
    return f"{name}:ChainedPostgresApplicationRecorder"


def application(url: str, recorder: str | None) -> CaseLedgerApplication:
    from infrastructure.database import event_store_env

    env = event_store_env(url, integrity_chain=recorder is not None)
    if recorder:
        env["APPLICATION_RECORDER_TOPIC"] = recorder
    return CaseLedgerApplication(env=env)


def large_saves(app: CaseLedgerApplication) -> float:
    """Events/s over ``LARGE_SAVES`` saves (building the aggregates is not timed)."""
    seconds = 0.0
    for _ in range(LARGE_SAVES):
        batch = [Entry.opened() for _ in range(AGGREGATES_PER_LARGE_SAVE)]
        seconds += timed(lambda b=batch: app.save(*b))  # type: ignore[misc]
    return LARGE_SAVES * AGGREGATES_PER_LARGE_SAVE * 10 / seconds


def single_saves(app: CaseLedgerApplication) -> float:
    entries = [Entry._create(Entry.Opened, id=uuid.uuid4(), text=TEXT)
               for _ in range(SINGLE_SAVES)]
    return SINGLE_SAVES / timed(lambda: [app.save(one) for one in entries])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", help="a git revision whose chained recorder to compare")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    args = parser.parse_args()
    if not os.environ.get("CASELEDGER_TEST_POSTGRES_URL"):
        raise SystemExit("set CASELEDGER_TEST_POSTGRES_URL (scripts/pg.sh start prints one)")
    with tempfile.TemporaryDirectory() as tmp:
        recorders: dict[str, str | None] = {
            "this code": "infrastructure.integrity:ChainedPostgresApplicationRecorder"}
        if args.before:
            recorders[f"chained at {args.before}"] = recorder_from(args.before, tmp)
        recorders["eventsourcing, no chain"] = None
        urls = {label: fresh_url("postgres", tmp) for label in recorders}
        apps = {label: application(urls[label], topic) for label, topic in recorders.items()}
        large: dict[str, list[float]] = {label: [] for label in recorders}
        single: dict[str, list[float]] = {label: [] for label in recorders}
        try:
            for round_number in range(1, args.rounds + 1):
                for label, app in apps.items():
                    large[label].append(large_saves(app))
                    single[label].append(single_saves(app))
                print(f"  round {round_number}: " + "; ".join(
                    f"{label}: {large[label][-1]:,.0f} events/s, {single[label][-1]:,.0f} saves/s"
                    for label in recorders), file=sys.stderr, flush=True)
        finally:
            for app in apps.values():
                app.close()
            for url in urls.values():
                drop(url)
    print(f"\nPostgreSQL, median of {args.rounds} rounds")
    print(f"  {'recorder':28s} {'large saves, events/s':>22s} {'one-event saves/s':>18s}")
    for label in recorders:
        print(f"  {label:28s} {statistics.median(large[label]):>22,.0f} "
              f"{statistics.median(single[label]):>18,.0f}")


if __name__ == "__main__":
    main()
