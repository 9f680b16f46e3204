"""Clocks: the system clock, and a fixed clock for the demo and tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(tz=UTC)


@dataclass
class FixedClock:
    """A clock that only moves when told to (demo, tests): deterministic recorded times."""

    current: datetime
    step: timedelta = field(default=timedelta(0))

    def now(self) -> datetime:
        moment = self.current
        self.current = self.current + self.step
        return moment

    def set(self, moment: datetime) -> None:
        self.current = moment
