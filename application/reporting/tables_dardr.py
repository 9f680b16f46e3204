"""DARDR tables (processes/dardr.md, "What a coordinator and a board want to see").

Decisions within one month (statutory guidance: the `decision` deadline), completion within
target (the `review-completion` deadline, gross and net of pauses), the median days
notification → decision → panel agreement, submission → QA outcome, approval → publication,
time in Home Office QA, reviews awaiting publication and why, and themes for learning.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
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
from domain import dardr

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


def timeliness(reviews: Sequence[Facts], window: Window) -> Table:
    notified = [f for f in reviews if window.holds(f["opened"])]
    decided = [(f, m) for f in reviews if (m := first_mark(f, dardr.ReviewDecided)) and window.holds(m[0])]
    in_month = [f for f, _ in decided
                if (d := f["deadlines"].get("decision")) is not None and d["on_time"]]
    to_review = [f for f, m in decided if m[2] == "review"]
    completed = [(f, d) for f in reviews if (d := _met_in(f, "review-completion", window))]
    submitted = [m for f in reviews for m in marks(f, dardr.SubmittedToHomeOffice) if window.holds(m[0])]
    qa_days = [days for f in reviews for days, day in _qa_waits(f) if window.holds(day)]
    published = [(f, m) for f in reviews if (m := first_mark(f, dardr.ReportPublished)) and window.holds(m[0])]
    approval_to_publication = [days_between(_approved(f) or m[0], m[0]) for f, m in published]
    rows = (
        _row("Deaths notified", len(notified)),
        _row("Decisions made", len(decided), None,
             median([days_between(opened_on(f), m[0]) for f, m in decided])),
        _row("… within one month of notification", len(in_month), percent(len(in_month), len(decided))),
        _row("… to hold a review", len(to_review), percent(len(to_review), len(decided))),
        _row("Reviews completed (report agreed by the panel)", len(completed), None,
             median([d["days"] for _, d in completed]),
             median([d["days"] - d["paused_days"] for _, d in completed])),
        _row("… within the target (net of pauses)", sum(bool(d["on_time"]) for _, d in completed),
             percent(sum(bool(d["on_time"]) for _, d in completed), len(completed))),
        _row("… within the target (gross)", sum(bool(d["on_time_gross"]) for _, d in completed),
             percent(sum(bool(d["on_time_gross"]) for _, d in completed), len(completed))),
        _row("Submissions to the Home Office", len(submitted)),
        _row("QA outcomes received", len(qa_days), None, median(qa_days)),
        _row("Reports published", len(published), None, median(approval_to_publication)),
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


def in_progress(reviews: Sequence[Facts], window: Window) -> Table:
    """Reviews in Home Office QA and awaiting publication at the end of the period, and why."""
    day = window.at_day
    in_qa = [days_between(m[0], day) for f in reviews
             if window.stage_at_end(f) == "submitted-to-home-office"
             for m in marks(f, dardr.SubmittedToHomeOffice)[-1:]]
    awaiting: dict[str, list[int]] = {}
    for f in reviews:
        if window.stage_at_end(f) != "approved":
            continue
        awaiting.setdefault(_why_unpublished(f, day), []).append(days_between(_approved(f) or day, day))
    paused = [f for f in reviews if window.open_at_end(f) and paused_at(f["pauses"], day)]
    rows = [
        {"status": "In Home Office QA", "number": len(in_qa), "median_days": median(in_qa)},
        *({"status": f"Awaiting publication: {why}", "number": len(waits), "median_days": median(waits)}
          for why, waits in sorted(awaiting.items())),
        {"status": "Paused (stop-the-clock)", "number": len(paused), "median_days": median(
            [days_between(_open_pause(f), day) for f in paused])},
    ]
    return Table("dardr_in_progress", "DARDR", "Reviews waiting at the end of the period", (
        Column("status", "Waiting for", "text"), Column("number", "Reviews"),
        Column("median_days", "Median days waiting so far", "days"),
    ), tuple(rows))


def _why_unpublished(facts: Facts, day: str) -> str:
    deferrals = [m for m in marks(facts, dardr.PublicationDeferred) if m[0] <= day]
    if deferrals:
        return str(deferrals[-1][2]).replace("-", " ")
    criminal = [p for p in facts["processes"].values() if p["kind"] == "criminal"
                and p["linked"] <= day and (p["concluded"] is None or p["concluded"] > day)]
    return "criminal process open" if criminal else "no reason recorded"


def _open_pause(facts: Facts) -> str:
    return str(facts["pauses"][-1][0])


def themes(reviews: Sequence[Facts], window: Window) -> Table:
    """Reviews notified in the period by relationship and death type (learning themes)."""
    notified = [f for f in reviews if window.holds(f["opened"])]
    rows = []
    for theme, key, values in (("Relationship", "relationship", dardr.RELATIONSHIPS),
                               ("Death type", "death_type", dardr.DEATH_TYPES)):
        counts = Counter(f["attrs"].get(key) for f in notified)
        rows += [{"theme": theme, "value": value.replace("-", " "), "number": counts[value]}
                 for value in values]
    return Table("dardr_themes", "DARDR", "Deaths notified in the period, by theme", (
        Column("theme", "Theme", "text"), Column("value", "Value", "text"),
        Column("number", "Deaths notified"),
    ), tuple(rows))
