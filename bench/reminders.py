"""Benchmark: `reminders run` over 100,000 open deadlines across 20,000 cases (issue 4).

Not a test: run with `make bench` or `python -m bench.reminders [--cases N]`; PostgreSQL too when
CASELEDGER_TEST_POSTGRES_URL is set. Delivery is excluded (`--no-deliver`), as the target says.

The data: 20,000 DARDR cases notified over the 17 months before the as-at date, each with the
decision deadline and four agency returns whose due dates are spread from 60 days before the
as-at date to 300 days after it (5 open deadlines per case, 100,000 in all), under the national
reminder ladder (-5wd, 0, +3wd, +10wd).

Measured, each beside a reference taken in the same run on the same database:
- the first run, which clears the backlog (every overdue step of the last 60 days): steps/s;
- the daily run: the next three working days at 07:00, each issuing what falls due that day —
  this is the sweep the target is about (< 2 s); beside it a dry run (the plan alone), and the
  raw read of the same open-deadline rows from the view.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from application.service import Meta
from bench.__main__ import fresh_url
from domain.case import CommandContext
from domain.dardr import DardrReview, national_policy
from domain.setup import Agency, Partnership, case_id_for
from infrastructure.settings import Settings
from infrastructure.views import deadlines
from interfaces.bootstrap import Services, build

AS_AT = datetime(2026, 11, 2, 7, 0, tzinfo=UTC)  # Mon 2 Nov 2026, 07:00 London (GMT)
AGENCIES = ["police", "probation", "council", "health"]
PERSON = {"name": "Bench Contact", "email": "contact@bench.example.org"}


class MovableClock:
    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current


def seed(services: Services) -> None:
    ctx = services.cases.context(Meta(actor="bench", on="2024-04-01"))
    p = Partnership.register(ctx, "cumberland", "CUM", "Cumberland CSP")
    p.change_chair(ctx, PERSON)
    p.change_coordinator(ctx, PERSON)
    agencies = []
    for slug in AGENCIES:
        a = Agency.register(ctx, slug, slug.title(), "other", ["cumberland"])
        a.change_contacts(ctx, {"contact": PERSON, "escalation": PERSON})
        agencies.append(a)
    services.app.save(p, *agencies)


def generate(services: Services, cases: int, batch: int = 500) -> int:
    """Cases built in memory and saved in batches (the set-up, not what is measured)."""
    rng = random.Random(20261102)
    policy = national_policy("dhr-2016")
    calendar = services.calendar
    pending: list[Any] = []
    first_day, span = date(2025, 6, 1), (AS_AT.date() - date(2025, 6, 1)).days - 1
    for n in range(1, cases + 1):
        notified = first_day + timedelta(days=rng.randrange(span))
        reference = f"CUM-DARDR-{notified.year}-{n:05d}"
        ctx = CommandContext(effective=notified.isoformat(), actor="bench",
                             now=AS_AT - timedelta(days=1), calendar=calendar)
        review = DardrReview.notify(
            ctx, case_id=case_id_for(reference), reference=reference, partnership="cumberland",
            policy=policy, date_of_death=(notified - timedelta(days=3)).isoformat(),
            victim_pseudonym="X", notified_by="police", relationship="family", death_type="homicide",
        )
        for agency in AGENCIES:
            due = AS_AT.date() + timedelta(days=rng.randrange(-60, 300))
            due = max(due, notified)
            review.request_return(ctx, agency, "information", due=due.isoformat())
        pending.append(review)
        if len(pending) == batch:
            services.app.save(*pending)
            pending = []
            print(f"\r  generating: {n}/{cases} cases", end="", file=sys.stderr)
    if pending:
        services.app.save(*pending)
    print(file=sys.stderr)
    return cases


def timed(fn: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def run(kind: str, cases: int, tmp: str) -> dict[str, Any]:
    clock = MovableClock(AS_AT - timedelta(days=1))
    services = build(Settings.from_env(database_url=fresh_url(kind, tmp)), clock=clock)
    seed(services)
    generate(services, cases)
    catch_up_s, events = timed(services.catch_up)
    if kind == "postgres":  # what autovacuum does in production (the throwaway test cluster runs without it)
        with services.engine.connect() as conn:
            conn.execute(sa.text("ANALYZE"))
            conn.commit()
    with services.engine.connect() as conn:
        open_deadlines = conn.execute(sa.select(sa.func.count()).select_from(deadlines)
                                      .where(deadlines.c.status == "open")).scalar_one()
    meta = Meta(actor="system:scheduler")

    clock.current = AS_AT
    backlog_s, backlog = timed(lambda: services.reminders.run(meta))
    out: dict[str, Any] = {
        "open deadlines": open_deadlines, "cases": cases, "events generated": events,
        "views catch-up (s)": catch_up_s,
        "backlog run (s)": backlog_s, "backlog steps issued": len(backlog.issued),
        "backlog steps/s": len(backlog.issued) / backlog_s,
    }
    daily, dry, raw, issued = [], [], [], []
    day = AS_AT
    for _ in range(3):
        day += timedelta(days=1)
        clock.current = day
        dry_s, _ = timed(lambda: services.reminders.run(meta, dry_run=True))
        raw_s, _ = timed(services.views.reminder_candidates)
        run_s, report = timed(lambda: services.reminders.run(meta))
        daily.append(run_s)
        dry.append(dry_s)
        raw.append(raw_s)
        issued.append(len(report.issued))
    out.update({
        "daily run (s), median of 3 days": statistics.median(daily),
        "daily runs (s)": ", ".join(f"{v:.2f}" for v in daily),
        "daily steps issued": ", ".join(str(v) for v in issued),
        "dry run / plan only (s)": statistics.median(dry),
        "reference: read every open-deadline row (s)": statistics.median(raw),
    })
    services.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=20_000)
    args = parser.parse_args()
    kinds = ["sqlite"] + (["postgres"] if os.environ.get("CASELEDGER_TEST_POSTGRES_URL") else [])
    with tempfile.TemporaryDirectory() as tmp:
        for kind in kinds:
            result = run(kind, args.cases, tmp)
            print(f"\n{kind}: reminders over {result['open deadlines']:,} open deadlines, {args.cases:,} cases")
            for key, value in result.items():
                shown = (f"{value:,.3f}" if isinstance(value, float)
                         else f"{value:,}" if isinstance(value, int) else value)
                print(f"  {key:40s} {shown}")


if __name__ == "__main__":
    main()
