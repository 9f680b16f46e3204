"""A realistic board report, written by hand, for the renderer tests (unit and browser).

Safer Cumbria (the county: Cumberland, and Westmorland and Furness) for January to March 2026.
It has what the renderers must cope with: a grouped bar chart, a stacked bar chart, a line chart
over eight quarters with a quarter that has no value, a horizontal bar chart with long agency
names, a table with no rows (and a chart of it), money, days and percentages, a total row, a
value that does not exist (None) and, when ``publishable``, counts under 5 suppressed as ``<5``
by the product's own ``board.suppress`` (which also withholds the rates and medians of those rows).
"""

from __future__ import annotations

from application.reporting.board import suppress
from application.reporting.model import Chart, Column, Report, Table

SUPPRESS_BELOW = 5

CUMBERLAND = {"slug": "cumberland", "name": "Cumberland Community Safety Partnership"}
WESTMORLAND = {"slug": "westmorland-furness", "name": "Westmorland and Furness Community Safety Partnership"}


def _caseload() -> Table:
    return Table(
        id="caseload",
        section="Caseload",
        title="Cases opened, closed and open at the end of the period, by case type",
        columns=(
            Column("type", "Case type", "text"),
            Column("open_start", "Open at start"),
            Column("opened", "Opened"),
            Column("closed", "Closed"),
            Column("open_end", "Open at end"),
            Column("paused_end", "Paused at end"),
        ),
        rows=(
            {"type": "Domestic Abuse Related Death Review", "open_start": 9, "opened": 3, "closed": 2,
             "open_end": 10, "paused_end": 2},
            {"type": "ASB Case Review", "open_start": 14, "opened": 27, "closed": 25, "open_end": 16,
             "paused_end": 0},
            {"type": "Unauthorised encampment", "open_start": 2, "opened": 11, "closed": 12, "open_end": 1,
             "paused_end": 0},
            {"type": "Total", "open_start": 25, "opened": 41, "closed": 39, "open_end": 27, "paused_end": 2},
        ),
        note="A case is open from its first recorded fact until it is closed.",
    )  # fmt: skip


def _pipeline() -> Table:
    return Table(
        id="dardr-pipeline",
        section="Caseload",
        title="Domestic Abuse Related Death Reviews open at the end of the period, by stage",
        columns=(
            Column("stage", "Stage", "text"),
            Column("cumberland", "Cumberland"),
            Column("westmorland", "Westmorland and Furness"),
            Column("total", "Total"),
        ),
        rows=(
            {"stage": "Notified", "cumberland": 1, "westmorland": 0, "total": 1},
            {"stage": "Scoping", "cumberland": 1, "westmorland": 1, "total": 2},
            {"stage": "Under review", "cumberland": 2, "westmorland": 1, "total": 3},
            {"stage": "Home Office quality assurance", "cumberland": 1, "westmorland": 1, "total": 2},
            {"stage": "Awaiting publication", "cumberland": 2, "westmorland": 0, "total": 2},
        ),
    )


def _timeliness() -> Table:
    return Table(
        id="timeliness",
        section="Timeliness",
        title="Deadlines that fell due in the period, by kind",
        columns=(
            Column("kind", "Deadline", "text"),
            Column("due", "Fell due"),
            Column("met", "Met on time"),
            Column("on_time_net", "On time, net of pauses", "percent"),
            Column("on_time_gross", "On time, gross", "percent"),
            Column("median_days", "Median days taken", "days"),
            Column("overdue", "Overdue now"),
        ),
        rows=(
            {"kind": "Decision to review (one month)", "due": 3, "met": 3, "on_time_net": 100.0,
             "on_time_gross": 100.0, "median_days": 24.0, "overdue": 0},
            {"kind": "Agency returns (IMR and chronology)", "due": 22, "met": 17, "on_time_net": 77.3,
             "on_time_gross": 72.7, "median_days": 31.5, "overdue": 4},
            {"kind": "Review completion", "due": 2, "met": 1, "on_time_net": 50.0, "on_time_gross": 0.0,
             "median_days": 201.0, "overdue": 1},
            {"kind": "ASB threshold decision", "due": 27, "met": 26, "on_time_net": 96.3,
             "on_time_gross": 96.3, "median_days": 6.5, "overdue": 0},
            {"kind": "Home Office quality assurance", "due": 0, "met": 0, "on_time_net": None,
             "on_time_gross": None, "median_days": None, "overdue": 0},
        ),
        note="Net of pauses: a deadline moves on by the days its case was paused (for example, for a "
        "criminal trial). Gross: as first set.",
    )  # fmt: skip


QUARTERS = ("2024 Q2", "2024 Q3", "2024 Q4", "2025 Q1", "2025 Q2", "2025 Q3", "2025 Q4", "2026 Q1")
NET = (71.4, 75.0, 80.0, None, 78.9, 84.2, 86.7, 87.5)
GROSS = (64.3, 68.8, 70.0, None, 73.7, 78.9, 80.0, 83.3)


def _trend() -> Table:
    return Table(
        id="timeliness-trend",
        section="Timeliness",
        title="Deadlines met on time, last eight quarters",
        columns=(
            Column("quarter", "Quarter", "text"),
            Column("due", "Fell due"),
            Column("on_time_net", "On time, net of pauses", "percent"),
            Column("on_time_gross", "On time, gross", "percent"),
        ),
        rows=tuple(
            {"quarter": q, "due": 0 if net is None else 14 + i * 2, "on_time_net": net, "on_time_gross": gross}
            for i, (q, net, gross) in enumerate(zip(QUARTERS, NET, GROSS, strict=True))
        ),
        note="No deadline fell due in 2025 Q1.",
    )


def _overdue_returns() -> Table:
    rows = (
        ("Cumbria, Northumberland, Tyne and Wear NHS Foundation Trust", 6, 3, 41.0),
        ("North East and North Cumbria Integrated Care Board", 5, 2, 18.0),
        ("Cumbria Constabulary", 7, 1, 6.0),
        ("Probation Service (Cumbria and Lancashire)", 4, 1, 3.0),
        ("Cumberland Council", 6, 0, None),
        ("Home Group", 2, 0, None),
    )
    return Table(
        id="overdue-returns-by-agency",
        section="Agencies and actions",
        title="Returns overdue by agency at the end of the period",
        columns=(
            Column("agency", "Agency", "text"),
            Column("requested", "Returns requested"),
            Column("overdue", "Overdue now"),
            Column("oldest_days", "Oldest overdue, working days", "days"),
        ),
        rows=tuple({"agency": a, "requested": r, "overdue": o, "oldest_days": d} for a, r, o, d in rows),
        note="Most overdue first. IMR: individual management review.",
    )


def _actions() -> Table:
    return Table(
        id="actions-by-rag",
        section="Agencies and actions",
        title="Open actions from reviews, by level and status",
        columns=(
            Column("level", "Level", "text"),
            Column("green", "On track"),
            Column("amber", "At risk"),
            Column("red", "Off track"),
        ),
        rows=(
            {"level": "Local", "green": 12, "amber": 5, "red": 2},
            {"level": "Regional", "green": 3, "amber": 1, "red": 0},
            {"level": "National", "green": 1, "amber": 0, "red": 0},
        ),
    )


def _asb_appeals() -> Table:
    return Table(
        id="asb-appeals",
        section="ASB Case Reviews",
        title="Appeals against ASB Case Review decisions, by outcome",
        columns=(Column("outcome", "Outcome", "text"), Column("appeals", "Appeals")),
        rows=(),
    )


def _encampments() -> Table:
    return Table(
        id="encampments-by-land",
        section="Unauthorised encampments",
        title="Encampments by kind of land",
        columns=(
            Column("land", "Land", "text"),
            Column("encampments", "Encampments"),
            Column("median_hours", "Median duration, hours", "hours"),
            Column("directions", "Directions to leave"),
            Column("costs", "Clean-up and legal costs", "money"),
        ),
        rows=(
            {"land": "Council land", "encampments": 6, "median_hours": 52.5, "directions": 3, "costs": 4850},
            {"land": "Private land", "encampments": 3, "median_hours": 96.0, "directions": 0, "costs": 1200},
            {"land": "Highway verge", "encampments": 2, "median_hours": 30.25, "directions": 1, "costs": None},
            {"land": "Total", "encampments": 11, "median_hours": 52.5, "directions": 4, "costs": 6050},
        ),
    )


def sample_report(publishable: bool = False) -> Report:
    """The sample report; ``publishable`` suppresses counts under 5 as ``<5``."""
    tables: tuple[Table, ...] = (
        _caseload(),
        _pipeline(),
        _timeliness(),
        _trend(),
        _overdue_returns(),
        _actions(),
        _asb_appeals(),
        _encampments(),
    )
    if publishable:
        tables = tuple(suppress(table, SUPPRESS_BELOW) for table in tables)
    charts = (
        Chart("caseload-chart", "Cases opened and closed in the period, by case type", "bar", "caseload",
              "type", ("opened", "closed")),
        Chart("pipeline-chart", "Reviews open at the end of the period, by stage and partnership", "bar",
              "dardr-pipeline", "stage", ("cumberland", "westmorland"), stacked=True),
        Chart("trend-chart", "Deadlines met on time, last eight quarters", "line", "timeliness-trend", "quarter",
              ("on_time_net", "on_time_gross"), unit="percent"),
        Chart("overdue-chart", "Returns overdue by agency", "hbar", "overdue-returns-by-agency", "agency",
              ("overdue",)),
        Chart("actions-chart", "Open actions by level and status", "hbar", "actions-by-rag", "level",
              ("green", "amber", "red"), stacked=True),
        Chart("appeals-chart", "Appeals by outcome", "bar", "asb-appeals", "outcome", ("appeals",)),
    )  # fmt: skip
    return Report(
        title="Community safety reviews: quarterly board report",
        scope={"kind": "county", "slug": "cumbria", "name": "Safer Cumbria", "partnerships": [CUMBERLAND, WESTMORLAND]},
        period={"from": "2026-01-01", "to": "2026-03-31"},
        as_known_at="2026-04-07T08:30:00",
        as_at="2026-03-31T22:59:59",
        publishable=publishable,
        suppress_below=SUPPRESS_BELOW,
        tables=tables,
        charts=charts,
        notes=(
            "Figures cover Domestic Abuse Related Death Reviews (formerly Domestic Homicide Reviews), "
            "ASB Case Reviews and unauthorised encampments recorded in caseledger.",
            "Working days exclude weekends and bank holidays in England.",
        ),
    )
