"""Long-running workers (``projections run``, ``reminders deliver --watch``): one step again and
again until stopped, without waiting while there is a backlog."""

from __future__ import annotations

import threading

from interfaces.watch import keep_running


def test_a_backlog_is_worked_through_without_waiting_and_a_stop_ends_the_loop() -> None:
    """Given steps that each did something, then the next runs at once (an hour's wait would
    hang this test); when the third step stops the worker, then no fourth runs."""
    stop = threading.Event()
    done: list[int] = []

    def step() -> int:
        done.append(1)
        if len(done) == 3:
            stop.set()
        return 5

    assert keep_running(step, stop, every=3600) == 3


def test_a_round_with_nothing_to_do_waits_until_stopped() -> None:
    """Given a step that found nothing and a stop already requested, then the wait ends at once
    and the loop with it."""
    stop = threading.Event()

    def step() -> int:
        stop.set()
        return 0

    assert keep_running(step, stop, every=3600) == 1
    assert keep_running(step, stop, every=3600) == 0  # stopped before the first round
