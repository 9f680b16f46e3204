"""Tables every board report has, whatever the case type: caseload and pipeline, timeliness per
deadline kind (gross and net of pauses), returns overdue by agency, actions by owner, level and
RAG, and the trend over the last eight quarters (processes/common.md; product.md capability 5).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date
from typing import Any

from application.reporting.model import Chart, Column, Table
from application.reporting.quarters import add_into, case_quarters, quarter_end
from application.reporting.shape import ActionFacts, DeadlineFacts, QuarterFigures
from application.reporting.shape import CaseFacts as Facts
from application.reporting.window import (
    Window,
    days_between,
    deadline_state,
    last_quarters,
    median,
    paused_at,
    percent,
    requested_on,
)
from domain import asb, dardr, encampment

CASE_TYPES = {"dardr": "DARDR", "asb": "ASB Case Review", "encampment": "Encampment"}
STAGES = {"dardr": dardr.DEFINITION.stages, "asb": asb.DEFINITION.stages,
          "encampment": encampment.DEFINITION.stages}


def by_type(cases: Sequence[Facts]) -> dict[str | None, list[Facts]]:
    grouped: dict[str | None, list[Facts]] = {t: [] for t in CASE_TYPES}
    for facts in cases:
        grouped.setdefault(facts["type"], []).append(facts)
    return grouped


def closed_in(facts: Facts, window: Window) -> bool:
    return any(stage == "closed" and window.holds(day) for day, stage in facts["stages"])


def caseload(grouped: dict[str | None, list[Facts]], window: Window) -> Table:
    rows = []
    totals: Counter[str] = Counter()
    for case_type, label in CASE_TYPES.items():
        opened = closed = open_at_end = paused = 0
        for f in grouped.get(case_type, []):
            opened += window.holds(f["opened"])
            closed += closed_in(f, window)
            if window.open_at_end(f):
                open_at_end += 1
                paused += paused_at(f["pauses"], window.at_day)
        row = {"type": label, "opened": opened, "closed": closed, "open": open_at_end,
               "paused": paused}
        totals.update({k: v for k, v in row.items() if k != "type"})
        rows.append(row)
    rows.append({"type": "All cases", **{k: totals[k] for k in ("opened", "closed", "open", "paused")}})
    return Table("caseload", "Caseload", "Cases opened and closed in the period, and open at its end", (
        Column("type", "Case type", "text"), Column("opened", "Opened"), Column("closed", "Closed"),
        Column("open", "Open at end"), Column("paused", "of which paused"),
    ), tuple(rows))


def pipeline(grouped: dict[str | None, list[Facts]], window: Window) -> Table:
    rows = []
    for case_type, label in CASE_TYPES.items():
        at_stage: Counter[str] = Counter()
        for facts in grouped.get(case_type, []):
            stage = window.stage_at_end(facts)
            if stage is not None and stage != "closed":
                at_stage[stage] += 1
        rows += [{"stage": f"{label}: {stage}", "open": at_stage[stage]}
                 for stage in STAGES[case_type] if stage != "closed" and at_stage[stage]]
    return Table("pipeline", "Caseload", "Pipeline: open cases by stage at the end of the period", (
        Column("stage", "Case type: stage", "text"), Column("open", "Open cases"),
    ), tuple(rows))


PIPELINE_CHART = Chart("pipeline", "Open cases by stage", "hbar", "pipeline", "stage", ("open",))


InPeriod = tuple[str, DeadlineFacts, str, bool]  # case type, deadline, state at end, met in period


def deadlines_in_period(grouped: dict[str | None, list[Facts]], window: Window) -> list[InPeriod]:
    """Every deadline that can count in the period's tables, that is, not met or cancelled
    before the period (most deadlines are), with its state at the end and whether it was met
    in the period: worked out once for the tables that count deadlines."""
    found: list[InPeriod] = []
    for case_type in CASE_TYPES:
        for facts in grouped.get(case_type, []):
            for deadline in facts["deadlines"].values():
                settled = deadline["met"] or deadline["cancelled"]
                if settled is not None and settled < window.first:
                    continue
                found.append((case_type, deadline,
                              deadline_state(deadline, window.at_day, window.at_utc),
                              window.holds(deadline["met"])))
    return found


def timeliness(deadlines: Sequence[InPeriod]) -> Table:
    """Per case type and deadline kind: deadlines met in the period, on time (net of pauses:
    by the due time pauses moved; gross: by the due time without them), median days from start
    to met (gross, and net of paused days), and deadlines overdue or paused at the end."""
    stats: dict[tuple[str, str], dict[str, Any]] = {}
    for case_type, deadline, state, met_now in deadlines:
        if not met_now and state not in ("overdue", "paused"):
            continue
        key = (case_type, deadline["kind"])
        s = stats.get(key)
        if s is None:
            s = stats[key] = {"met": 0, "on_time": 0, "on_time_gross": 0, "gross": [], "net": [],
                              "overdue": 0, "paused": 0}
        if met_now:
            gross = deadline["days"]
            s["met"] += 1
            s["on_time"] += bool(deadline["on_time"])
            s["on_time_gross"] += bool(deadline["on_time_gross"])
            s["gross"].append(gross)
            s["net"].append(gross - deadline["paused_days"])
        elif state == "overdue":
            s["overdue"] += 1
        else:
            s["paused"] += 1
    rows = []
    for (case_type, kind), s in sorted(stats.items(), key=lambda i: (list(CASE_TYPES).index(i[0][0]), i[0][1])):
        rows.append({"type": CASE_TYPES[case_type], "deadline": kind, "met": s["met"],
                     "on_time_pct": percent(s["on_time"], s["met"]),
                     "on_time_gross_pct": percent(s["on_time_gross"], s["met"]),
                     "median_days": median(s["gross"]), "median_days_net": median(s["net"]),
                     "overdue": s["overdue"], "paused": s["paused"]})
    return Table("timeliness", "Timeliness", "Deadlines met in the period and overdue at its end", (
        Column("type", "Case type", "text"), Column("deadline", "Deadline", "text"),
        Column("met", "Met in period"), Column("on_time_pct", "On time (net of pauses)", "percent"),
        Column("on_time_gross_pct", "On time (gross)", "percent"),
        Column("median_days", "Median days (gross)", "days"),
        Column("median_days_net", "Median days (net of pauses)", "days"),
        Column("overdue", "Overdue at end"), Column("paused", "Paused at end"),
    ), tuple(rows), note="Net of pauses: judged against the due date moved by stop-the-clock "
                         "pauses; gross: as if no pause had been granted.")


def overdue_by_agency(deadlines: Sequence[InPeriod], window: Window,
                      agency_names: dict[str, str]) -> Table:
    """Returns (requests to agencies) per agency: requested and received in the period, received
    on time, and overdue at the end with the longest wait — the league table boards ask for."""
    rows: dict[str, dict[str, Any]] = {}
    for _, deadline, state, met_now in deadlines:
        if not deadline["kind"].startswith("return:"):
            continue
        requested_now = window.holds(requested_on(deadline))
        if not (requested_now or met_now or state == "overdue"):
            continue
        agency = deadline["resp"]
        row = rows.get(agency)
        if row is None:
            row = rows[agency] = {"requested": 0, "received": 0, "on_time": 0, "overdue": 0,
                                  "longest": 0}
        row["requested"] += requested_now
        if met_now:
            row["received"] += 1
            row["on_time"] += bool(deadline["on_time"])
        if state == "overdue":
            row["overdue"] += 1
            due_day = deadline["due"][:10]
            row["longest"] = max(row["longest"], days_between(due_day, window.at_day))
    table_rows = [
        {"agency": agency_names.get(agency, agency), "requested": r["requested"],
         "received": r["received"], "on_time_pct": percent(r["on_time"], r["received"]),
         "overdue": r["overdue"], "longest_overdue_days": r["longest"] if r["overdue"] else None}
        for agency, r in rows.items()
    ]
    table_rows.sort(key=lambda r: (-r["overdue"], -(r["longest_overdue_days"] or 0), r["agency"]))
    return Table("overdue_by_agency", "Agencies", "Returns by agency: overdue at the end of the period", (
        Column("agency", "Agency", "text"), Column("overdue", "Overdue at end"),
        Column("longest_overdue_days", "Longest overdue (days)", "days"),
        Column("requested", "Requested in period"), Column("received", "Received in period"),
        Column("on_time_pct", "Received on time", "percent"),
    ), tuple(table_rows))


OVERDUE_CHART = Chart("overdue_by_agency", "Returns overdue at the end of the period: the 15 agencies "
                      "with most", "hbar", "overdue_by_agency", "agency", ("overdue",), limit=15)


RAG_COUNTS = ("open", "red", "amber", "green", "overdue", "closed")


def _rag_at(action: ActionFacts, day: str) -> str:
    rag = "amber"
    for changed, value in action["rags"]:
        if changed <= day:
            rag = value
    return rag


def actions_by_owner(cases: Sequence[Facts], window: Window, agency_names: dict[str, str]) -> Table:
    rows: dict[str, Counter[str]] = {}
    for facts in cases:
        for action in facts["actions"].values():
            counts = rows.get(action["owner"])
            if counts is None:
                counts = rows[action["owner"]] = Counter(dict.fromkeys(RAG_COUNTS, 0))
            closed = action["closed"]
            if window.holds(closed):
                counts["closed"] += 1
            if action["added"] > window.at_day or (closed and closed <= window.at_day):
                continue
            counts["open"] += 1
            counts[_rag_at(action, window.at_day)] += 1
            counts["overdue"] += action["due"] < window.at_utc
    ranked = sorted(((owner, c) for owner, c in rows.items() if c["open"] or c["closed"]),
                    key=lambda item: (-item[1]["red"], -item[1]["open"],
                                      agency_names.get(item[0], item[0])))
    table_rows = [{"owner": agency_names.get(owner, owner), **{k: c[k] for k in
                   ("open", "red", "amber", "green", "overdue", "closed")}} for owner, c in ranked]
    return Table("actions_by_owner", "Actions", "Open actions by owner and RAG at the end of the period", (
        Column("owner", "Owner", "text"), Column("open", "Open"), Column("red", "Red"),
        Column("amber", "Amber"), Column("green", "Green"), Column("overdue", "Overdue"),
        Column("closed", "Closed in period"),
    ), tuple(table_rows))


LEVELS = ("single-agency", "multi-agency", "local", "regional", "national")


def actions_by_level(cases: Sequence[Facts], window: Window) -> Table:
    counts: dict[str, Counter[str]] = {level: _zeros() for level in LEVELS}
    for facts in cases:
        for action in facts["actions"].values():
            c = counts.get(action["level"])
            if c is None:
                c = counts[action["level"]] = _zeros()
            closed = action["closed"]
            c["added"] += window.holds(action["added"])
            c["closed"] += window.holds(closed)
            c["open"] += action["added"] <= window.at_day and not (closed and closed <= window.at_day)
    rows = [{"level": level, "added": c["added"], "open": c["open"], "closed": c["closed"]}
            for level, c in counts.items()]
    return Table("actions_by_level", "Actions", "Actions and recommendations by level", (
        Column("level", "Level", "text"), Column("added", "Added in period"),
        Column("open", "Open at end"), Column("closed", "Closed in period"),
    ), tuple(rows))


def _zeros() -> Counter[str]:
    return Counter({"added": 0, "closed": 0, "open": 0})


def trend(cases: Sequence[Facts], date_to: date, window: Window, quarters: int,
          settled: QuarterFigures | None = None) -> Table:
    """The last eight quarters up to the period's end: cases opened and closed, deadlines met
    (and on time, net of pauses) and deadlines overdue at each quarter's end; ``settled``: the
    figures of settled cases, kept with their facts (reporting/quarters.py)."""
    spans = last_quarters(date_to, quarters)
    from_day = spans[0][1].isoformat()
    ended = [label for label, _, _ in spans if quarter_end(label)[1] <= window.at_utc]
    cut_from = spans[len(ended)][1].isoformat() if len(ended) < len(spans) else None
    total: QuarterFigures = {label: [0, 0, 0, 0, 0] for label, _, _ in spans}
    kept_figures: dict[str, list[list[int]]] = {label: [] for label in ended}  # summed below
    tails: Counter[str] = Counter()
    for facts in cases:
        kept = facts.get("trend")
        if kept is None:  # re-folded as known at an earlier instant: counted afresh
            add_into(total, case_quarters(facts, window.at_day, window.at_utc, from_day))
            continue
        figures, tail_from, tail = kept
        for label, found in figures.items():
            if (into := kept_figures.get(label)) is not None:
                into.append(found)
        if tail:
            tails[tail_from] += tail
        if cut_from is not None:  # a quarter not ended by the as-at instant: cut short there
            add_into(total, case_quarters(facts, window.at_day, window.at_utc, cut_from))
    for label, found_lists in kept_figures.items():
        if found_lists:
            add_into(total, {label: [sum(column) for column in zip(*found_lists, strict=True)]})
        total[label][4] += sum(tail for tail_from, tail in tails.items() if tail_from <= label)
    add_into(total, settled or {})
    rows = []
    for label, _, _ in spans:
        opened, closed, met, on_time, overdue = total.get(label, [0, 0, 0, 0, 0])
        rows.append({"quarter": label, "opened": opened, "closed": closed, "met": met,
                     "on_time_pct": percent(on_time, met), "overdue": overdue})
    return Table("trend", "Trends", "The last eight quarters", (
        Column("quarter", "Quarter", "text"), Column("opened", "Cases opened"),
        Column("closed", "Cases closed"), Column("met", "Deadlines met"),
        Column("on_time_pct", "Met on time", "percent"), Column("overdue", "Overdue at quarter end"),
    ), tuple(rows), note="The current quarter is counted up to the end of the period.")


TREND_CHARTS = (
    Chart("timeliness_trend", "Deadlines met on time, by quarter (%)", "line", "trend", "quarter",
          ("on_time_pct",), unit="percent"),
    Chart("caseload_trend", "Cases opened and closed, by quarter", "bar", "trend", "quarter",
          ("opened", "closed")),
)
