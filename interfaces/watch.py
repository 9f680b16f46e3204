"""Long-running workers: one step again and again until stopped.

``caseledger projections run`` and ``caseledger reminders deliver --watch`` run beside the API
workers (several on one PostgreSQL): each step is safe to run in several processes at once (the
catch-up locks its tracking row; a delivery is claimed before it is sent). After a step that found
nothing to do, the worker waits ``every`` seconds, or less if it is stopped meanwhile.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


def keep_running(step: Callable[[], int], stop: threading.Event, every: float) -> int:
    """Run ``step`` (it returns how much it did) until ``stop`` is set; returns the rounds run.
    A round that did something is followed at once by the next: a backlog is worked through
    without waiting."""
    rounds = 0
    while not stop.is_set():
        done = step()
        rounds += 1
        if done == 0 and stop.wait(every):
            break
    return rounds
