"""``caseledger projections …``: maintenance of the read models."""

import sys

import typer

from interfaces.cli.common import Invocation, command

app = typer.Typer(help="Read models (views): rebuild them from the event log.",
                  no_args_is_help=True)


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
