"""DARDR tables (processes/dardr.md, "What a coordinator and a board want to see").

Decisions within one month (statutory guidance: the `decision` deadline), completion within
target (the `review-completion` deadline, gross and net of pauses), the median days
notification → decision → panel agreement, submission → QA outcome, approval → publication,
time in Home Office QA, reviews awaiting publication and why, and themes for learning.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from application.reporting.model import Column, Table
from application.reporting.shape import CaseFacts as Facts
from application.reporting.shape import DeadlineFacts
from application.reporting.window import (
    Window,
    days_between,
    first_mark,
    marks,
    median,
    opened_on,
    paused_at,
    percent,
)
from domain import dardr, plain

MEASURE_COLUMNS = (Column("measure", "Measure", "text"), Column("number", "Number"),
                   Column("percent", "Per cent", "percent"),
                   Column("median_days", "Median days", "days"),
                   Column("median_days_net", "Median days net of pauses", "days"))


def _row(measure: str, number: int, pct: float | None = None, days: float | None = None,
         days_net: float | None = None) -> dict[str, Any]:
    return {"measure": measure, "number": number, "percent": pct, "median_days": days,
            "median_days_net": days_net}


def _met_in(facts: Facts, name: str, window: Window) -> DeadlineFacts | None:
    deadline = facts["deadlines"].get(name)
    return deadline if deadline is not None and window.holds(deadline["met"]) else None


class Timeliness:
    """Decisions within one month, completion within target, and the median days notification
    → decision → panel agreement, submission → QA outcome and approval → publication."""

    def __init__(self, window: Window) -> None:
        self.window = window
        self.notified = self.in_month = self.to_review = self.submitted = 0
        self.completed_on_time = self.completed_on_time_gross = 0
        self.decision_days: list[int] = []
        self.completed_days: list[int] = []
        self.completed_days_net: list[int] = []
        self.qa_days: list[int] = []
        self.approval_to_publication: list[int] = []

    def add(self, f: Facts) -> None:
        window = self.window
        self.notified += window.holds(f["opened"])
        if (m := first_mark(f, dardr.ReviewDecided)) and window.holds(m[0]):
            self.decision_days.append(days_between(opened_on(f), m[0]))
            if (d := f["deadlines"].get("decision")) is not None and d["on_time"]:
                self.in_month += 1
            self.to_review += m[2] == "review"
        if completed := _met_in(f, "review-completion", window):
            self.completed_days.append(completed["days"])
            self.completed_days_net.append(completed["days"] - completed["paused_days"])
            self.completed_on_time += bool(completed["on_time"])
            self.completed_on_time_gross += bool(completed["on_time_gross"])
        self.submitted += sum(window.holds(m[0]) for m in marks(f, dardr.SubmittedToHomeOffice))
        self.qa_days += [days for days, day in _qa_waits(f) if window.holds(day)]
        if (m := first_mark(f, dardr.ReportPublished)) and window.holds(m[0]):
            self.approval_to_publication.append(days_between(_approved(f) or m[0], m[0]))

    def table(self) -> Table:
        decided = len(self.decision_days)
        completed = len(self.completed_days)
        rows = (
            _row("Deaths notified", self.notified),
            _row("Decisions made", decided, None, median(self.decision_days)),
            _row("… within one month of notification", self.in_month, percent(self.in_month, decided)),
            _row("… to hold a review", self.to_review, percent(self.to_review, decided)),
            _row("Reviews completed (report agreed by the panel)", completed, None,
                 median(self.completed_days), median(self.completed_days_net)),
            _row("… within the target (net of pauses)", self.completed_on_time,
                 percent(self.completed_on_time, completed)),
            _row("… within the target (gross)", self.completed_on_time_gross,
                 percent(self.completed_on_time_gross, completed)),
            _row("Submissions to the Home Office", self.submitted),
            _row("QA outcomes received", len(self.qa_days), None, median(self.qa_days)),
            _row("Reports published", len(self.approval_to_publication), None,
                 median(self.approval_to_publication)),
        )
        return Table("dardr_timeliness", "DARDR", "Domestic Abuse Related Death Reviews: timeliness",
                     MEASURE_COLUMNS, rows,
                     note="Median days: notification → decision; decision → panel agreement; "
                          "submission → QA outcome; approval → publication.")


def _qa_waits(facts: Facts) -> list[tuple[int, str]]:
    """(days in QA, outcome day) for each QA outcome, from the submission it answers."""
    waits = []
    submissions = [m[0] for m in marks(facts, dardr.SubmittedToHomeOffice)]
    for outcome in marks(facts, dardr.QualityAssuranceOutcomeReceived):
        earlier = [s for s in submissions if s <= outcome[0]]
        if earlier:
            waits.append((days_between(earlier[-1], outcome[0]), outcome[0]))
    return waits


def _approved(facts: Facts) -> str | None:
    for day, stage in facts["stages"]:
        if stage == "approved":
            return str(day)
    return None


class InProgress:
    """Reviews in Home Office QA and awaiting publication at the end of the period, and why."""

    def __init__(self, window: Window) -> None:
        self.window = window
        self.in_qa: list[int] = []
        self.awaiting: dict[str, list[int]] = {}
        self.paused: list[int] = []

    def add(self, f: Facts) -> None:
        window = self.window
        day = window.at_day
        stage = window.stage_at_end(f)
        if stage == "submitted-to-home-office":
            self.in_qa += [days_between(m[0], day) for m in marks(f, dardr.SubmittedToHomeOffice)[-1:]]
        elif stage == "approved":
            self.awaiting.setdefault(_why_unpublished(f, day), []).append(
                days_between(_approved(f) or day, day))
        if window.open_at_end(f) and paused_at(f["pauses"], day):
            self.paused.append(days_between(_open_pause(f), day))

    def table(self) -> Table:
        rows = [
            {"status": "In Home Office QA", "number": len(self.in_qa), "median_days": median(self.in_qa)},
            *({"status": f"Awaiting publication: {why}", "number": len(waits), "median_days": median(waits)}
              for why, waits in sorted(self.awaiting.items())),
            {"status": "Paused (stop-the-clock)", "number": len(self.paused),
             "median_days": median(self.paused)},
        ]
        return Table("dardr_in_progress", "DARDR", "Reviews waiting at the end of the period", (
            Column("status", "Waiting for", "text"), Column("number", "Reviews"),
            Column("median_days", "Median days waiting so far", "days"),
        ), tuple(rows))


def _why_unpublished(facts: Facts, day: str) -> str:
    deferrals = [m for m in marks(facts, dardr.PublicationDeferred) if m[0] <= day]
    if deferrals:
        return plain.choice_label("deferral-reason", str(deferrals[-1][2]))
    criminal = [p for p in facts["processes"].values() if p["kind"] == "criminal"
                and p["linked"] <= day and (p["concluded"] is None or p["concluded"] > day)]
    return "criminal process open" if criminal else "no reason recorded"


def _open_pause(facts: Facts) -> str:
    return str(facts["pauses"][-1][0])


THEMES = (("Relationship", "relationship", dardr.RELATIONSHIPS, "relationship"),
          ("Death type", "death_type", dardr.DEATH_TYPES, "death-type"))


class Themes:
    """Reviews notified in the period by relationship and death type (learning themes)."""

    def __init__(self, window: Window) -> None:
        self.window = window
        self.counts: dict[str, Counter[Any]] = {key: Counter() for _, key, _, _ in THEMES}

    def add(self, f: Facts) -> None:
        if self.window.holds(f["opened"]):
            for key, counts in self.counts.items():
                counts[f["attrs"].get(key)] += 1

    def table(self) -> Table:
        rows = []
        for theme, key, values, choice in THEMES:
            counts = self.counts[key]
            rows += [{"theme": theme, "value": plain.choice_label(choice, value),
                      "number": counts[value]}
                     for value in values]
        return Table("dardr_themes", "DARDR", "Deaths notified in the period, by theme", (
            Column("theme", "Theme", "text"), Column("value", "Value", "text"),
            Column("number", "Deaths notified"),
        ), tuple(rows))
