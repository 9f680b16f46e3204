"""``caseledger scheduler``: run the reminder scheduler in the foreground (architecture.md,
"Scheduler"; the design is in ``interfaces.scheduler``).

Ctrl-C or SIGTERM stops it cleanly: a running job finishes, then the lock is released so that a
waiting scheduler takes over. A second Ctrl-C stops at once.
"""

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer

from interfaces.cli.common import Invocation, command, configure_logging

top = typer.Typer()
"""``caseledger scheduler`` lives at the top level."""


@command(top, "scheduler", query=True)
def scheduler(
    inv: Invocation,
    run_now: Annotated[bool, typer.Option(
        "--run-now", help="Also run the daily reminders once at start (then follow the schedule).")] = False,
) -> None:
    """Run the scheduler in the foreground: daily reminders at $CASELEDGER_REMINDER_TIME (default
    07:00 Europe/London) and delivery retries every $CASELEDGER_DELIVERY_RETRY_MINUTES (default 5).
    Only one runs per database; another waits until it stops. Stop with Ctrl-C or SIGTERM."""
    from interfaces.scheduler import serve  # APScheduler is not needed for --help

    # A long-running process: each run's one-line summary is shown unless asked otherwise.
    configure_logging({**os.environ,
                       "CASELEDGER_LOG_LEVEL": os.environ.get("CASELEDGER_LOG_LEVEL", "INFO")})
    settings = inv.state.settings()
    stop = threading.Event()
    with stop_on_signals(stop):
        code = serve(settings, stop, sys.stderr, run_now=run_now)
    raise typer.Exit(code)


@contextmanager
def stop_on_signals(stop: threading.Event, what: str = "the scheduler") -> Iterator[None]:
    """SIGINT and SIGTERM set ``stop`` (a clean shutdown); a second SIGINT interrupts at once."""

    def handle(signum: int, _frame: Any) -> None:
        if stop.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt
        if not stop.is_set():
            print(f"Stopping {what} (waiting for a running job to finish)…", file=sys.stderr,
                  flush=True)
        stop.set()

    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set in the main thread (e.g. in-process tests)
        return
    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
