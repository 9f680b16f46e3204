"""The board report: a pure function of case facts, a scope, a period and an instant
(product.md capability 5; the "what a board wants to see" sections of processes/).

``build_board_report`` reads nothing and writes nothing: the same facts, period and as-known-at
instant give the same report, so a quarter's report can be reproduced byte for byte later.
``--publishable`` suppresses small numbers: a count from 1 to ``suppress_below - 1`` is shown
as ``<N``, and the rates and medians of a row with a suppressed count are withheld, because
these are deaths and victims who could be identified from small numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from application.reporting import tables_asb, tables_common, tables_dardr, tables_encampment
from application.reporting.model import SUPPRESSED, Chart, Report, Table
from application.reporting.shape import CaseFacts as Facts
from application.reporting.shape import QuarterFigures
from application.reporting.window import Window, instant_text, last_quarters

DEFAULT_SUPPRESS_BELOW = 5
"""National default: counts under 5 are suppressed in published reports (local policy may set
``suppress_below`` in a partnership's policy settings)."""

TREND_QUARTERS = 8

TYPE_SECTIONS = {"dardr": "DARDR", "asb": "ASB Case Reviews", "encampment": "Encampments"}


def build_board_report(
    cases: Sequence[Facts], *, scope: dict[str, Any], date_from: date, date_to: date,
    as_known_at: datetime, publishable: bool = False,
    suppress_below: int = DEFAULT_SUPPRESS_BELOW, agency_names: dict[str, str] | None = None,
    settled_quarters: QuarterFigures | None = None,
) -> Report:
    """The report for ``scope`` ({"kind", "slug", "name", "partnerships": [{"slug", "name"}]}).
    ``settled_quarters``: the summed trend figures of cases settled before the period whose
    facts were not read (they count in nothing else)."""
    names = agency_names or {}
    window = Window.of(date_from, date_to, as_known_at)
    slugs = {p["slug"] for p in scope["partnerships"]}
    cases = [f for f in cases if f["partnership"] in slugs and f["opened"] is not None
             and f["opened"] <= window.at_day]
    everything = cases  # the trend looks back eight quarters
    cases = [f for f in cases if _active(f, window)]  # the period's tables need only these
    grouped = tables_common.by_type(cases)
    deadlines = tables_common.deadlines_in_period(grouped, window)
    partnerships = [(p["slug"], p["name"]) for p in scope["partnerships"]]
    tables: list[Table] = [
        tables_common.caseload(grouped, window),
        tables_common.pipeline(grouped, window),
        tables_common.timeliness(deadlines),
        tables_common.overdue_by_agency(deadlines, window, names),
        tables_dardr.timeliness(grouped["dardr"], window),
        tables_dardr.in_progress(grouped["dardr"], window),
        tables_dardr.themes(grouped["dardr"], window),
        tables_asb.statutory(grouped["asb"], window, partnerships),
        tables_asb.threshold_decisions(grouped["asb"], window),
        tables_asb.appeals_and_times(grouped["asb"], window),
        tables_encampment.counts(grouped["encampment"], window),
        tables_encampment.measures(grouped["encampment"], window),
        tables_encampment.powers_and_court(grouped["encampment"], window),
        tables_encampment.costs(grouped["encampment"], window),
        tables_common.actions_by_owner(cases, window, names),
        tables_common.actions_by_level(cases, window),
        tables_common.trend(everything, date_to, window, TREND_QUARTERS, settled_quarters),
    ]
    if publishable:
        tables = [suppress(table, suppress_below) for table in tables]
    charts: tuple[Chart, ...] = (tables_common.PIPELINE_CHART, *tables_common.TREND_CHARTS,
                                 tables_common.OVERDUE_CHART)
    kind = "County board" if scope["kind"] == "county" else "Partnership"
    return Report(
        title=f"{scope['name']}: board report, {_period_label(date_from, date_to)}",
        scope={**scope, "kind": scope["kind"], "label": kind},
        period={"from": date_from.isoformat(), "to": date_to.isoformat()},
        as_known_at=instant_text(as_known_at),
        as_at=window.at_utc + "Z",
        publishable=publishable,
        suppress_below=suppress_below,
        tables=tuple(tables),
        charts=charts,
        notes=_notes(publishable, suppress_below),
    )


def relevant_from(date_from: date, date_to: date) -> date:
    """The first day a report looks at: the period's, or its trend's if that is earlier. A case
    settled before it (closed, nothing open) counts in no figure, so it need not be read."""
    return min(date_from, last_quarters(date_to, TREND_QUARTERS)[0][1])


def _active(facts: Facts, window: Window) -> bool:
    """Whether a case can count in the period's tables (all but the trend): it has a fact on or
    after the period's first day, or is open at its end, or has an action open then."""
    if (facts.get("last") or "9999") >= window.first or window.open_at_end(facts):
        return True
    return any(a["closed"] is None or a["closed"] > window.at_day for a in facts["actions"].values())


def _period_label(date_from: date, date_to: date) -> str:
    def fmt(d: date) -> str:
        return f"{d.day} {d.strftime('%B')} {d.year}"
    return f"{fmt(date_from)} to {fmt(date_to)}"


def _notes(publishable: bool, threshold: int) -> tuple[str, ...]:
    notes = [
        "Counts are of facts effective in the period, as recorded by the 'as known at' time; "
        "'at end' figures are as at the end of the period (or the 'as known at' time, if earlier).",
        "Reproducible: run the same command with the same --as-known-at to get the same report.",
    ]
    if publishable:
        notes.append(f"Published version: counts from 1 to {threshold - 1} are shown as "
                     f"'{SUPPRESSED.format(threshold=threshold)}', and the rates and medians of "
                     "those rows are withheld, to protect the people concerned.")
    return tuple(notes)


def suppress(table: Table, threshold: int) -> Table:
    """Small counts shown as ``<N``; rates and medians of their rows withheld (None)."""
    shown = SUPPRESSED.format(threshold=threshold)
    counts = [c.key for c in table.columns if c.kind == "count"]
    derived = [c.key for c in table.columns if c.kind in ("percent", "days", "hours")]
    rows = []
    for row in table.rows:
        small = [k for k in counts if isinstance(row.get(k), int) and 0 < row[k] < threshold]
        if not small:
            rows.append(row)
            continue
        rows.append({**row, **dict.fromkeys(small, shown), **dict.fromkeys(derived, None)})
    return replace(table, rows=tuple(rows))
