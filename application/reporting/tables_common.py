"""Tables every board report has, whatever the case type: caseload and pipeline, timeliness per
deadline kind (gross and net of pauses), returns overdue by agency, actions by owner, level and
RAG, and the trend over the last eight quarters (processes/common.md; product.md capability 5).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date

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
from domain import asb, dardr, encampment, plain

CASE_TYPES = plain.CASE_TYPES_SHORT
STAGES = {"dardr": dardr.DEFINITION.stages, "asb": asb.DEFINITION.stages,
          "encampment": encampment.DEFINITION.stages}


def closed_in(facts: Facts, window: Window) -> bool:
    return any(stage == "closed" and window.holds(day) for day, stage in facts["stages"])


class Caseload:
    """Cases opened and closed in the period, open (and paused) at its end, per case type."""

    def __init__(self, window: Window) -> None:
        self.window = window
        self.counts: dict[str | None, list[int]] = {t: [0, 0, 0, 0] for t in CASE_TYPES}

    def add(self, facts: Facts) -> None:
        counts = self.counts.get(facts["type"])
        if counts is None:
            return
        window = self.window
        counts[0] += window.holds(facts["opened"])
        counts[1] += closed_in(facts, window)
        if window.open_at_end(facts):
            counts[2] += 1
            counts[3] += paused_at(facts["pauses"], window.at_day)

    def table(self) -> Table:
        rows = []
        totals: Counter[str] = Counter()
        for case_type, label in CASE_TYPES.items():
            opened, closed, open_at_end, paused = self.counts[case_type]
            row = {"type": label, "opened": opened, "closed": closed, "open": open_at_end,
                   "paused": paused}
            totals.update({k: v for k, v in row.items() if k != "type"})
            rows.append(row)
        rows.append({"type": "All cases", **{k: totals[k] for k in ("opened", "closed", "open", "paused")}})
        return Table("caseload", "Caseload", "Cases opened and closed in the period, and open at its end", (
            Column("type", "Case type", "text"), Column("opened", "Opened"), Column("closed", "Closed"),
            Column("open", "Open at end"), Column("paused", "of which paused"),
        ), tuple(rows))


class Pipeline:
    """Open cases by stage at the end of the period."""

    def __init__(self, window: Window) -> None:
        self.window = window
        self.at_stage: dict[str | None, Counter[str]] = {t: Counter() for t in CASE_TYPES}

    def add(self, facts: Facts) -> None:
        at_stage = self.at_stage.get(facts["type"])
        if at_stage is None:
            return
        stage = self.window.stage_at_end(facts)
        if stage is not None and stage != "closed":
            at_stage[stage] += 1

    def table(self) -> Table:
        rows = []
        for case_type, label in CASE_TYPES.items():
            at_stage = self.at_stage[case_type]
            rows += [{"stage": f"{label}: {plain.stage_label(case_type, stage)}",
                      "open": at_stage[stage]}
                     for stage in STAGES[case_type] if stage != "closed" and at_stage[stage]]
        return Table("pipeline", "Caseload", "Pipeline: open cases by stage at the end of the period", (
            Column("stage", "Case type: stage", "text"), Column("open", "Open cases"),
        ), tuple(rows))


PIPELINE_CHART = Chart("pipeline", "Open cases by stage", "hbar", "pipeline", "stage", ("open",))


InPeriod = tuple[str, DeadlineFacts, str, bool]  # case type, deadline, state at end, met in period


def deadlines_in_period(facts: Facts, window: Window) -> list[InPeriod]:
    """The case's deadlines that can count in the period's tables, that is, not met or
    cancelled before the period (most deadlines are), with the state at the end and whether
    met in the period: worked out once per case for the tables that count deadlines."""
    case_type = facts["type"]
    if case_type is None or case_type not in CASE_TYPES:
        return []
    found: list[InPeriod] = []
    first = window.first
    for deadline in facts["deadlines"].values():
        settled = deadline["met"] or deadline["cancelled"]
        if settled is not None and settled < first:
            continue
        found.append((case_type, deadline, deadline_state(deadline, window.at_day, window.at_utc),
                      window.holds(deadline["met"])))
    return found


class DeadlineTables:
    """The tables that count deadlines (``Timeliness``, ``OverdueByAgency``), fed each case's
    deadlines that count in the period, worked out once."""

    def __init__(self, window: Window, agency_names: dict[str, str]) -> None:
        self.window = window
        self.timeliness = Timeliness()
        self.overdue_by_agency = OverdueByAgency(window, agency_names)

    def add(self, facts: Facts) -> None:
        found = deadlines_in_period(facts, self.window)
        if found:
            self.timeliness.add_deadlines(found)
            self.overdue_by_agency.add_deadlines(found)


class _Timely:
    """One row of the timeliness table, as it is counted."""

    __slots__ = ("met", "on_time", "on_time_gross", "gross", "net", "overdue", "paused")

    def __init__(self) -> None:
        self.met = self.on_time = self.on_time_gross = self.overdue = self.paused = 0
        self.gross: list[int] = []
        self.net: list[int] = []


class Timeliness:
    """Per case type and deadline kind: deadlines met in the period, on time (net of pauses:
    by the due time pauses moved; gross: by the due time without them), median days from start
    to met (gross, and net of paused days), and deadlines overdue or paused at the end."""

    def __init__(self) -> None:
        self.stats: dict[tuple[str, str], _Timely] = {}

    def add_deadlines(self, deadlines: Sequence[InPeriod]) -> None:
        stats = self.stats
        for case_type, deadline, state, met_now in deadlines:
            if not met_now and state not in ("overdue", "paused"):
                continue
            key = (case_type, deadline["kind"])
            s = stats.get(key)
            if s is None:
                s = stats[key] = _Timely()
            if met_now:
                gross = deadline["days"]
                s.met += 1
                s.on_time += bool(deadline["on_time"])
                s.on_time_gross += bool(deadline["on_time_gross"])
                s.gross.append(gross)
                s.net.append(gross - deadline["paused_days"])
            elif state == "overdue":
                s.overdue += 1
            else:
                s.paused += 1

    def table(self) -> Table:
        rows = []
        order = list(CASE_TYPES)
        for (case_type, kind), s in sorted(self.stats.items(), key=lambda i: (order.index(i[0][0]), i[0][1])):
            rows.append({"type": CASE_TYPES[case_type],
                         "deadline": plain.deadline_kind_label(case_type, kind), "met": s.met,
                         "on_time_pct": percent(s.on_time, s.met),
                         "on_time_gross_pct": percent(s.on_time_gross, s.met),
                         "median_days": median(s.gross), "median_days_net": median(s.net),
                         "overdue": s.overdue, "paused": s.paused})
        return Table("timeliness", "Timeliness", "Deadlines met in the period and overdue at its end", (
            Column("type", "Case type", "text"), Column("deadline", "Deadline", "text"),
            Column("met", "Met in period"), Column("on_time_pct", "On time (net of pauses)", "percent"),
            Column("on_time_gross_pct", "On time (gross)", "percent"),
            Column("median_days", "Median days (gross)", "days"),
            Column("median_days_net", "Median days (net of pauses)", "days"),
            Column("overdue", "Overdue at end"), Column("paused", "Paused at end"),
        ), tuple(rows), note="Net of pauses: judged against the due date moved by stop-the-clock "
                             "pauses; gross: as if no pause had been granted.")


class OverdueByAgency:
    """Returns (requests to agencies) per agency: requested and received in the period, received
    on time, and overdue at the end with the longest wait — the league table boards ask for."""

    def __init__(self, window: Window, agency_names: dict[str, str]) -> None:
        self.window = window
        self.agency_names = agency_names
        self.rows: dict[str, list[int]] = {}  # requested, received, on time, overdue, longest

    def add_deadlines(self, deadlines: Sequence[InPeriod]) -> None:
        window = self.window
        for _, deadline, state, met_now in deadlines:
            if not deadline["kind"].startswith("return:"):
                continue
            requested_now = window.holds(requested_on(deadline))
            if not (requested_now or met_now or state == "overdue"):
                continue
            agency = deadline["resp"]
            row = self.rows.get(agency)
            if row is None:
                row = self.rows[agency] = [0, 0, 0, 0, 0]
            row[0] += requested_now
            if met_now:
                row[1] += 1
                row[2] += bool(deadline["on_time"])
            if state == "overdue":
                row[3] += 1
                row[4] = max(row[4], days_between(deadline["due"][:10], window.at_day))

    def table(self) -> Table:
        names = self.agency_names
        ranked = sorted(((names.get(agency, agency), row) for agency, row in self.rows.items()),
                        key=lambda item: (-item[1][3], -(item[1][4] if item[1][3] else 0), item[0]))
        table_rows = [
            {"agency": name, "requested": requested, "received": received,
             "on_time_pct": percent(on_time, received), "overdue": overdue,
             "longest_overdue_days": longest if overdue else None}
            for name, (requested, received, on_time, overdue, longest) in ranked
        ]
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


class ActionsByOwner:
    """Open actions by owner and RAG at the end of the period, and those closed in it."""

    def __init__(self, window: Window, agency_names: dict[str, str]) -> None:
        self.window = window
        self.agency_names = agency_names
        self.rows: dict[str, Counter[str]] = {}

    def add(self, facts: Facts) -> None:
        window = self.window
        for action in facts["actions"].values():
            counts = self.rows.get(action["owner"])
            if counts is None:
                counts = self.rows[action["owner"]] = Counter(dict.fromkeys(RAG_COUNTS, 0))
            closed = action["closed"]
            if window.holds(closed):
                counts["closed"] += 1
            if action["added"] > window.at_day or (closed and closed <= window.at_day):
                continue
            counts["open"] += 1
            counts[_rag_at(action, window.at_day)] += 1
            counts["overdue"] += action["due"] < window.at_utc

    def table(self) -> Table:
        names = self.agency_names
        ranked = sorted(((owner, c) for owner, c in self.rows.items() if c["open"] or c["closed"]),
                        key=lambda item: (-item[1]["red"], -item[1]["open"],
                                          names.get(item[0], item[0])))
        table_rows = [{"owner": names.get(owner, owner), **{k: c[k] for k in
                       ("open", "red", "amber", "green", "overdue", "closed")}} for owner, c in ranked]
        return Table("actions_by_owner", "Actions", "Open actions by owner and RAG at the end of the period", (
            Column("owner", "Owner", "text"), Column("open", "Open"), Column("red", "Red"),
            Column("amber", "Amber"), Column("green", "Green"), Column("overdue", "Overdue"),
            Column("closed", "Closed in period"),
        ), tuple(table_rows))


LEVELS = ("single-agency", "multi-agency", "local", "regional", "national")


class ActionsByLevel:
    """Actions and recommendations added, open at the end and closed, by level."""

    def __init__(self, window: Window) -> None:
        self.window = window
        self.counts: dict[str, list[int]] = {level: [0, 0, 0] for level in LEVELS}  # added, closed, open

    def add(self, facts: Facts) -> None:
        window = self.window
        for action in facts["actions"].values():
            c = self.counts.get(action["level"])
            if c is None:
                c = self.counts[action["level"]] = [0, 0, 0]
            closed = action["closed"]
            c[0] += window.holds(action["added"])
            c[1] += window.holds(closed)
            c[2] += action["added"] <= window.at_day and not (closed and closed <= window.at_day)

    def table(self) -> Table:
        rows = [{"level": plain.ACTION_LEVELS.get(level) or plain.words(level), "added": added,
                 "open": open_, "closed": closed}
                for level, (added, closed, open_) in self.counts.items()]
        return Table("actions_by_level", "Actions", "Actions and recommendations by level", (
            Column("level", "Level", "text"), Column("added", "Added in period"),
            Column("open", "Open at end"), Column("closed", "Closed in period"),
        ), tuple(rows))


class Trend:
    """The last eight quarters up to the as-at day (the period's end, or the as-known-at instant
    if that is earlier): cases opened and closed, deadlines met (and on time, net of pauses) and
    deadlines overdue at each quarter's end. A quarter that has not begun by the as-at day is
    not in the trend: a board reads a quarter of zeros as a quarter in which nothing happened.
    Each case adds its figures kept with its facts (reporting/quarters.py) for the quarters that
    have ended, and counts afresh only a quarter the as-at instant cuts short; ``settled``: the
    summed figures of settled cases left unread."""

    def __init__(self, window: Window, quarters: int,
                 settled: QuarterFigures | None = None) -> None:
        self.window = window
        self.settled = settled or {}
        self.spans = last_quarters(date.fromisoformat(window.at_day), quarters)
        self.from_day = self.spans[0][1].isoformat()
        self.ended = [label for label, _, _ in self.spans if quarter_end(label)[1] <= window.at_utc]
        self.cut_from = (self.spans[len(self.ended)][1].isoformat()
                         if len(self.ended) < len(self.spans) else None)
        self.total: QuarterFigures = {label: [0, 0, 0, 0, 0] for label, _, _ in self.spans}
        self.ended_set = set(self.ended)
        self.tails: Counter[str] = Counter()

    def add(self, facts: Facts) -> None:
        window = self.window
        kept = facts.get("trend")
        if kept is None:  # re-folded as known at an earlier instant: counted afresh
            add_into(self.total, case_quarters(facts, window.at_day, window.at_utc, self.from_day))
            return
        figures, tail_from, tail = kept
        for label, found in figures.items():
            if label in self.ended_set:
                into = self.total[label]
                for i, value in enumerate(found):
                    into[i] += value
        if tail:
            self.tails[tail_from] += tail
        if self.cut_from is not None:  # a quarter not ended by the as-at instant: cut short there
            add_into(self.total, case_quarters(facts, window.at_day, window.at_utc, self.cut_from))

    def table(self) -> Table:
        total = {label: list(figures) for label, figures in self.total.items()}
        for label in self.ended:
            total[label][4] += sum(tail for tail_from, tail in self.tails.items() if tail_from <= label)
        add_into(total, self.settled)
        rows = []
        for label, _, _ in self.spans:
            opened, closed, met, on_time, overdue = total.get(label, [0, 0, 0, 0, 0])
            rows.append({"quarter": label, "opened": opened, "closed": closed, "met": met,
                         "on_time_pct": percent(on_time, met), "overdue": overdue})
        return Table("trend", "Trends", "The last eight quarters", (
            Column("quarter", "Quarter", "text"), Column("opened", "Cases opened"),
            Column("closed", "Cases closed"), Column("met", "Deadlines met"),
            Column("on_time_pct", "Met on time", "percent"), Column("overdue", "Overdue at quarter end"),
        ), tuple(rows), note=self._note())

    def _note(self) -> str | None:
        """Which quarter is counted only in part, and up to which day."""
        if self.cut_from is None:
            return None
        label, _, last = self.spans[-1]
        at_day = date.fromisoformat(self.window.at_day)
        if at_day >= last:  # cut short only by the end of its last day
            return None
        return f"{label} is counted up to {at_day.day} {at_day:%B %Y}, where the report ends."


TREND_CHARTS = (
    Chart("timeliness_trend", "Deadlines met on time, by quarter (%)", "line", "trend", "quarter",
          ("on_time_pct",), unit="percent"),
    Chart("caseload_trend", "Cases opened and closed, by quarter", "bar", "trend", "quarter",
          ("opened", "closed")),
)
