"""``caseledger demo``: a realistic Cumbria in a fresh embedded database (product.md, "The demo").

Deterministic: a fixed clock for recorded times, the demo's own as-at date, the shipped Cumbria
set-up, and scenarios recorded in the order they happened. The same output every run.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer

from caseledger.application.demo import DEMO_AS_AT, run_demo
from caseledger.application.ports import DeadlineFilter
from caseledger.application.queries import deadline_rows
from caseledger.application.service import Meta
from caseledger.application.setup_import import example_path, import_setup, load_setup
from caseledger.bootstrap import build
from caseledger.domain.dardr import STAGES
from caseledger.infrastructure.clock import FixedClock
from caseledger.infrastructure.settings import Settings
from caseledger.interfaces.cli.common import Invocation, command, table

OutOption = Annotated[Path, typer.Option("--out", help="Folder for the demo database and files.")]


def register(app: typer.Typer) -> None:
    command(app, "demo")(demo)


def demo(inv: Invocation, out: OutOption = Path("demo-out")) -> None:
    """Build two years of Cumbrian DARDR reviews and show the pipeline and what is overdue."""
    data = out / "data"
    if data.exists():
        shutil.rmtree(data)
    data.mkdir(parents=True)
    clock = FixedClock(DEMO_AS_AT)
    services = build(Settings.from_env(database_url=f"sqlite:///{data / 'caseledger.db'}"),
                     clock=clock)
    try:
        say = (lambda _: None) if inv.json else (lambda line: print(f"  {line}"))
        if not inv.json:
            print("Importing the Cumbria set-up and recording two years of reviews…")
        import_setup(services.cases, load_setup(example_path("cumbria")),
                     Meta(actor="demo:setup"))
        references = run_demo(services.cases, clock.set, say)
        services.catch_up()
        summary = _summary(services, references)
    finally:
        services.close()
    summary["database"] = str(data / "caseledger.db")
    inv.emit(summary, lambda: _human(summary))


def _summary(services: Any, references: dict[str, str]) -> dict[str, Any]:
    cases = services.views.list_cases(None, "dardr", None)
    by_stage = Counter(c["stage"] for c in cases)
    overdue = deadline_rows(services.views, DeadlineFilter(), DEMO_AS_AT, overdue_only=True)
    return {
        "as_at": DEMO_AS_AT.date().isoformat(),
        "cases": len(cases),
        "pipeline": {stage: by_stage[stage] for stage in STAGES if by_stage[stage]},
        "paused": sorted(c["reference"] for c in cases if c["paused"]),
        "overdue": [{k: row[k] for k in ("case", "name", "due", "responsible", "days_overdue")}
                    for row in overdue],
        "scenarios": references,
        "events": services.app.recorder.max_notification_id(),
    }


def _human(summary: dict[str, Any]) -> str:
    pipeline = table(["stage", "reviews"], summary["pipeline"].items())
    overdue = table(
        ["case", "deadline", "due", "responsible", "days overdue"],
        [(r["case"], r["name"], r["due"][:10], r["responsible"], r["days_overdue"])
         for r in summary["overdue"]],
    )
    return "\n".join([
        "",
        f"DARDR pipeline as at {summary['as_at']} ({summary['cases']} reviews, "
        f"{summary['events']} events):",
        pipeline,
        "",
        f"Paused: {', '.join(summary['paused']) or 'none'}",
        "",
        f"Overdue as at {summary['as_at']}:",
        overdue,
        "",
        f"Database: {summary['database']}",
        "Try:  caseledger --database sqlite:///" + summary["database"]
        + " case show " + summary["scenarios"]["paused-trial"],
    ])
