"""ASB Case Review tables (processes/asb-case-review.md, "Annual publication").

The statutory figures each relevant body must publish (ASBCPA 2014 s.104(10)): applications,
times the threshold was not met, reviews carried out, reviews that resulted in recommendations;
also threshold decisions by rule, appeals and their results, and the median days from receipt
to the threshold decision, the meeting and the outcome.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from application.reporting.model import Column, Table
from application.reporting.shape import CaseFacts as Facts
from application.reporting.window import Window, days_between, first_mark, marks, median, opened_on
from domain import asb
from domain.case import CaseEvent

STATUTORY = ("applications", "threshold_not_met", "reviews_carried_out",
             "reviews_with_recommendations")


def statutory_figures(reviews: Sequence[Facts], window: Window) -> dict[str, int]:
    """The four statutory figures (and appeals determined) for the window, counted by the
    effective date of each fact: every application received; every decision that the threshold
    was not met; a review carried out when its first meeting was held; a review with
    recommendations when its first recommendations were made."""
    counts = dict.fromkeys((*STATUTORY, "appeals_determined"), 0)
    for f in reviews:
        counts["applications"] += window.holds(f["opened"])
        counts["threshold_not_met"] += sum(window.holds(m[0]) and not m[2]
                                           for m in marks(f, asb.ThresholdDecided))
        held = first_mark(f, asb.CaseReviewMeetingHeld)
        counts["reviews_carried_out"] += bool(held and window.holds(held[0]))
        recommended = first_mark(f, asb.RecommendationsMade)
        counts["reviews_with_recommendations"] += bool(recommended and window.holds(recommended[0]))
        counts["appeals_determined"] += sum(window.holds(m[0]) for m in marks(f, asb.AppealDetermined))
    return counts


def statutory(reviews: Sequence[Facts], window: Window, partnerships: Sequence[tuple[str, str]]) -> Table:
    by_partnership: dict[str | None, list[Facts]] = {slug: [] for slug, _ in partnerships}
    for f in reviews:
        by_partnership.setdefault(f["partnership"], []).append(f)
    rows: list[dict[str, Any]] = []
    total = dict.fromkeys(STATUTORY, 0)
    for slug, name in partnerships:
        figures = statutory_figures(by_partnership[slug], window)
        rows.append({"partnership": name, **{k: figures[k] for k in STATUTORY}})
        for k in STATUTORY:
            total[k] += figures[k]
    if len(partnerships) > 1:  # every review is one partnership's: the sum of their rows
        rows.append({"partnership": "All partnerships", **total})
    return Table("asb_statutory", "ASB Case Reviews",
                 "ASB Case Reviews: the statutory figures (ASBCPA 2014 s.104(10))", (
                     Column("partnership", "Partnership", "text"),
                     Column("applications", "Applications"),
                     Column("threshold_not_met", "Threshold not met"),
                     Column("reviews_carried_out", "Reviews carried out"),
                     Column("reviews_with_recommendations", "Reviews with recommendations"),
                 ), tuple(rows),
                 note="Published each financial year (1 April – 31 March); here for the period.")


def threshold_decisions(reviews: Sequence[Facts], window: Window) -> Table:
    counts: Counter[tuple[str, bool]] = Counter()
    for f in reviews:
        for m in marks(f, asb.ThresholdDecided):
            if window.holds(m[0]):
                counts[(str(m[3] or "none"), bool(m[2]))] += 1
    rules = sorted({rule for rule, _ in counts})
    rows = tuple({"rule": rule, "met": counts[(rule, True)], "not_met": counts[(rule, False)]}
                 for rule in rules)
    return Table("asb_threshold", "ASB Case Reviews", "Threshold decisions by rule", (
        Column("rule", "Rule", "text"), Column("met", "Met"), Column("not_met", "Not met"),
    ), rows)


def appeals_and_times(reviews: Sequence[Facts], window: Window) -> Table:
    lodged = [m for f in reviews for m in marks(f, asb.AppealLodged) if window.holds(m[0])]
    determined = [m for f in reviews for m in marks(f, asb.AppealDetermined) if window.holds(m[0])]

    def days_to(event: type[CaseEvent[Any]]) -> list[int]:
        return [days_between(opened_on(f), m[0]) for f in reviews
                if (m := first_mark(f, event)) and window.holds(m[0])]

    decisions, meetings, outcomes = (days_to(e) for e in (
        asb.ThresholdDecided, asb.CaseReviewMeetingHeld, asb.OutcomeNotified))
    rows = (
        {"measure": "Appeals lodged", "number": len(lodged), "median_days": None},
        {"measure": "Appeals upheld", "number": sum(bool(m[2]) for m in determined), "median_days": None},
        {"measure": "Appeals not upheld", "number": sum(not m[2] for m in determined), "median_days": None},
        {"measure": "Threshold decisions (days from receipt)", "number": len(decisions),
         "median_days": median(decisions)},
        {"measure": "Review meetings held (days from receipt)", "number": len(meetings),
         "median_days": median(meetings)},
        {"measure": "Outcomes notified (days from receipt)", "number": len(outcomes),
         "median_days": median(outcomes)},
    )
    return Table("asb_appeals_times", "ASB Case Reviews", "Appeals, and days from receipt", (
        Column("measure", "Measure", "text"), Column("number", "Number"),
        Column("median_days", "Median days", "days"),
    ), rows)
