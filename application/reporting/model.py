"""The board report as data: titled tables and the charts drawn from them.

The HTML, CSV and JSON files are renderings of one ``Report`` (reporting/render_*.py), so they
always agree. Everything in a report is a plain value with a fixed format (no "generated at
now"), so the same inputs give the same bytes (product.md capability 5, reproducible reports).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from application.reporting.shape import CaseFacts

COLUMN_KINDS = ("text", "count", "percent", "days", "hours", "money")

SUPPRESSED = "<{threshold}"
"""How a suppressed small count is shown (``<5``)."""


@dataclass(frozen=True)
class Column:
    """One column: ``kind`` says how its values are formatted (``count`` 1,234; ``percent``
    87.5%; ``days`` 13, whole days; ``hours`` 12.5; ``money`` £1,234; ``text`` as it is). A value is a number,
    a string (a label, or a suppressed count such as ``<5``) or None (nothing to show)."""

    key: str
    label: str
    kind: str = "count"


@dataclass(frozen=True)
class Table:
    """A table of the report; ``id`` names its CSV file (``{id}.csv``)."""

    id: str
    section: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[dict[str, Any], ...]
    note: str | None = None


class TableOf(Protocol):
    """A table counted as cases stream past: each case is ``add``-ed once (then dropped by the
    caller), and only the table's running figures are kept until ``table``."""

    def add(self, facts: CaseFacts) -> None: ...

    def table(self) -> Table: ...


@dataclass(frozen=True)
class Chart:
    """A chart drawn from a table: one category per row (``label`` column), one series per
    ``series`` column. ``kind``: ``bar`` (vertical bars), ``hbar`` (horizontal bars, for
    league tables) or ``line`` (a trend). ``stacked`` stacks the series of a bar chart."""

    id: str
    title: str
    kind: str
    table: str
    label: str
    series: tuple[str, ...]
    stacked: bool = False
    unit: str = "count"  # the series' column kind (percent charts run 0–100)
    limit: int | None = None  # draw only the first N rows (a league table's top; the table has all)


@dataclass(frozen=True)
class Report:
    title: str
    scope: dict[str, Any]  # {"kind": "partnership"|"county", "slug", "name", "partnerships": [{"slug", "name"}]}
    period: dict[str, str]  # {"from": date, "to": date}
    as_known_at: str  # the facts recorded by this instant (ISO, UTC)
    as_at: str  # the instant "open", "overdue" and "paused" are judged at: min(period end, as_known_at)
    publishable: bool
    suppress_below: int
    tables: tuple[Table, ...]
    charts: tuple[Chart, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    def table(self, table_id: str) -> Table:
        for table in self.tables:
            if table.id == table_id:
                return table
        raise KeyError(table_id)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
