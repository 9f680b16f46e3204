"""``caseledger projections …``: maintenance of the read models."""

import sys
import threading
from typing import Annotated

import typer

from interfaces.cli.common import Invocation, command

app = typer.Typer(help="Read models (views): keep them up to date, or rebuild them from the event log.",
                  no_args_is_help=True)


@command(app, "run", "projections")
def run(
    inv: Invocation,
    every: Annotated[float, typer.Option(
        "--every", min=0.1, max=3600, metavar="SECONDS",
        help="When up to date, look for new events this often.")] = 1.0,
    once: Annotated[bool, typer.Option("--once", help="Catch up once and stop (for cron).")] = False,
) -> None:
    """Keep the views up to date as events are recorded, until Ctrl-C or SIGTERM: a worker beside
    the API's on PostgreSQL (each request also catches up before it answers, so this only keeps
    the views warm). Several may run: they take turns."""
    from interfaces.cli.scheduler import stop_on_signals
    from interfaces.watch import keep_running

    runner = inv.services.projections
    applied = 0

    def step() -> int:
        nonlocal applied
        count = runner.catch_up()
        applied += count
        return count

    stop = threading.Event()
    if once:
        step()
    else:
        with stop_on_signals(stop, "the views worker"):
            keep_running(step, stop, every)
    inv.extra_log["events"] = applied
    inv.emit({"events": applied, "position": runner.position()},
             f"Views up to date: applied {applied} event{'s' if applied != 1 else ''} "
             f"(position {runner.position()}).")


@command(app, "rebuild", "projections")
def rebuild(inv: Invocation) -> None:
    """Empty every view and replay the whole event log into it (a progress line per page)."""
    services = inv.services
    runner = services.projections

    def progress(position: int) -> None:
        print(f"rebuilding views: applied events up to notification {position}",
              file=sys.stderr, flush=True)

    previous, runner.on_page = runner.on_page, progress
    try:
        applied = runner.rebuild()
    finally:
        runner.on_page = previous
    position = runner.position()
    inv.extra_log["events"] = applied
    inv.emit({"events": applied, "position": position},
             f"Views rebuilt from {applied} event{'s' if applied != 1 else ''} "
             f"(position {position}).")
