"""The board report: a pure function of case facts, a scope, a period and an instant
(product.md capability 5; the "what a board wants to see" sections of processes/).

``build_board_report`` reads nothing and writes nothing: the same facts, period and as-known-at
instant give the same report, so a quarter's report can be reproduced byte for byte later.
``--publishable`` suppresses small numbers: a count from 1 to ``suppress_below - 1`` is shown
as ``<N``, and the rates and medians of a row with a suppressed count are withheld, because
these are deaths and victims who could be identified from small numbers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from application.reporting import tables_asb, tables_common, tables_dardr, tables_encampment
from application.reporting.model import SUPPRESSED, Chart, Report, Table, TableOf
from application.reporting.shape import CaseFacts as Facts
from application.reporting.shape import QuarterFigures
from application.reporting.window import Window, instant_text, last_quarters, whole

DEFAULT_SUPPRESS_BELOW = 5
"""National default: counts under 5 are suppressed in published reports (local policy may set
``suppress_below`` in a partnership's policy settings)."""

TREND_QUARTERS = 8

TYPE_SECTIONS = {"dardr": "DARDR", "asb": "ASB Case Reviews", "encampment": "Encampments"}


def build_board_report(
    cases: Iterable[Facts], *, scope: dict[str, Any], date_from: date, date_to: date,
    as_known_at: datetime, publishable: bool = False,
    suppress_below: int = DEFAULT_SUPPRESS_BELOW, agency_names: dict[str, str] | None = None,
    settled_quarters: QuarterFigures | None = None,
) -> Report:
    """The report for ``scope`` ({"kind", "slug", "name", "partnerships": [{"slug", "name"}]}).
    ``cases`` are consumed once, one at a time: each case is fed to every table that counts it
    and then dropped, so a report keeps only the tables' running figures, however many cases.
    ``settled_quarters``: the summed trend figures of cases settled before the period whose
    facts were not read (they count in nothing else)."""
    window = Window.of(date_from, date_to, as_known_at)
    tables = [whole_days(table) for table in
              count_tables(cases, scope, window, date_to, agency_names or {}, settled_quarters)]
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


def count_tables(
    cases: Iterable[Facts], scope: dict[str, Any], window: Window, date_to: date,
    names: dict[str, str], settled_quarters: QuarterFigures | None,
) -> list[Table]:
    """Every table of the report, in the order shown: each case in scope is fed once to every
    table that counts it, then dropped."""
    slugs = {p["slug"] for p in scope["partnerships"]}
    partnerships = [(p["slug"], p["name"]) for p in scope["partnerships"]]
    caseload, pipeline = tables_common.Caseload(window), tables_common.Pipeline(window)
    deadlines = tables_common.DeadlineTables(window, names)
    by_owner = tables_common.ActionsByOwner(window, names)
    by_level = tables_common.ActionsByLevel(window)
    trend = tables_common.Trend(window, TREND_QUARTERS, settled_quarters)
    typed: dict[str | None, list[TableOf]] = {
        "dardr": [tables_dardr.Timeliness(window), tables_dardr.InProgress(window),
                  tables_dardr.Themes(window)],
        "asb": [tables_asb.Statutory(window, partnerships), tables_asb.ThresholdDecisions(window),
                tables_asb.AppealsAndTimes(window)],
        "encampment": [tables_encampment.Counts(window), tables_encampment.Measures(window),
                       tables_encampment.PowersAndCourt(window), tables_encampment.Costs(window)],
    }
    common: list[TableOf] = [caseload, pipeline, by_owner, by_level]
    no_tables: list[TableOf] = []
    for facts in cases:
        if facts["partnership"] not in slugs or facts["opened"] is None \
                or facts["opened"] > window.at_day:
            continue
        trend.add(facts)  # the trend looks back eight quarters: every case
        if not _active(facts, window):  # the period's tables need only these
            continue
        deadlines.add(facts)
        for accumulator in common:
            accumulator.add(facts)
        for accumulator in typed.get(facts["type"], no_tables):
            accumulator.add(facts)
    return [
        caseload.table(), pipeline.table(), deadlines.timeliness.table(),
        deadlines.overdue_by_agency.table(),
        *(accumulator.table() for case_type in TYPE_SECTIONS for accumulator in typed[case_type]),
        by_owner.table(), by_level.table(), trend.table(),
    ]


def relevant_from(date_from: date, as_at_day: date) -> date:
    """The first day a report looks at: the period's, or its trend's (eight quarters up to the
    as-at day) if that is earlier. A case settled before it (closed, nothing open) counts in no
    figure, so it need not be read."""
    return min(date_from, last_quarters(as_at_day, TREND_QUARTERS)[0][1])


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


def whole_days(table: Table) -> Table:
    """Days shown as whole days (a median of 9.5 days reads 10, rounded half up as people
    round), in every rendering alike: a board reads days, not fractions of them."""
    days = [c.key for c in table.columns if c.kind == "days"]
    if not days:
        return table
    rows = tuple({**row, **{k: whole(row[k]) for k in days if isinstance(row.get(k), float)}}
                 for row in table.rows)
    return replace(table, rows=rows)


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
