"""Ports: what the application needs from the outside world, as Protocols."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


class Clock(Protocol):
    """The current instant; injected so that tests never sleep on the wall clock."""

    def now(self) -> datetime: ...


@dataclass(frozen=True)
class DeadlineFilter:
    partnership: str | None = None
    hub: str | None = None
    agency: str | None = None
    case_type: str | None = None
    case_id: str | None = None
    include_closed_statuses: bool = False
    include_met: bool = False  # met deadlines too, to judge a past as-at time


class ReadModel(Protocol):
    """Queries over the projected views (infrastructure/views.py implements it)."""

    def list_cases(self, partnership: str | None, case_type: str | None,
                   stage: str | None) -> Sequence[dict[str, Any]]: ...

    def open_deadlines(self, where: DeadlineFilter) -> Sequence[dict[str, Any]]: ...

    def reminder_ladders_in_use(self) -> Sequence[str | None]: ...

    def reminder_candidates(self, due_until: datetime | None = None) -> Sequence[dict[str, Any]]: ...

    def history(self, case_id: str) -> Sequence[dict[str, Any]]: ...

    def partnerships(self) -> Sequence[dict[str, Any]]: ...

    def agencies(self) -> Sequence[dict[str, Any]]: ...
