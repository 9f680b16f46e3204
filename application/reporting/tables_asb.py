"""ASB Case Review tables (processes/asb-case-review.md, "Annual publication").

The statutory figures each relevant body must publish (ASBCPA 2014 s.104(10)): applications,
times the threshold was not met, reviews carried out, reviews that resulted in recommendations;
also threshold decisions by rule, appeals and their results, and the median days from receipt
to the threshold decision, the meeting and the outcome.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from application.reporting.model import Column, Table
from application.reporting.shape import CaseFacts as Facts
from application.reporting.window import Window, days_between, first_mark, marks, median, opened_on
from domain import asb, plain

STATUTORY = ("applications", "threshold_not_met", "reviews_carried_out",
             "reviews_with_recommendations")


def add_statutory(counts: dict[str, int], f: Facts, window: Window) -> None:
    """Count one review into the statutory figures (and appeals determined) for the window, by
    the effective date of each fact: every application received; every decision that the
    threshold was not met; a review carried out when its first meeting was held; a review with
    recommendations when its first recommendations were made."""
    counts["applications"] += window.holds(f["opened"])
    counts["threshold_not_met"] += sum(window.holds(m[0]) and not m[2]
                                       for m in marks(f, asb.ThresholdDecided))
    held = first_mark(f, asb.CaseReviewMeetingHeld)
    counts["reviews_carried_out"] += bool(held and window.holds(held[0]))
    recommended = first_mark(f, asb.RecommendationsMade)
    counts["reviews_with_recommendations"] += bool(recommended and window.holds(recommended[0]))
    counts["appeals_determined"] += sum(window.holds(m[0]) for m in marks(f, asb.AppealDetermined))


def _zero_figures() -> dict[str, int]:
    return dict.fromkeys((*STATUTORY, "appeals_determined"), 0)


def statutory_figures(reviews: Iterable[Facts], window: Window) -> dict[str, int]:
    """The four statutory figures (and appeals determined) of ``reviews`` for the window."""
    counts = _zero_figures()
    for f in reviews:
        add_statutory(counts, f, window)
    return counts


class Statutory:
    """The statutory figures per partnership (and their sum, for more than one)."""

    def __init__(self, window: Window, partnerships: Sequence[tuple[str, str]]) -> None:
        self.window = window
        self.partnerships = partnerships
        self.figures: dict[str | None, dict[str, int]] = {
            slug: _zero_figures() for slug, _ in partnerships}

    def add(self, f: Facts) -> None:
        figures = self.figures.get(f["partnership"])
        if figures is not None:
            add_statutory(figures, f, self.window)

    def table(self) -> Table:
        rows: list[dict[str, Any]] = []
        total = dict.fromkeys(STATUTORY, 0)
        for slug, name in self.partnerships:
            figures = self.figures[slug]
            rows.append({"partnership": name, **{k: figures[k] for k in STATUTORY}})
            for k in STATUTORY:
                total[k] += figures[k]
        if len(self.partnerships) > 1:  # every review is one partnership's: the sum of their rows
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


class ThresholdDecisions:
    """Threshold decisions in the period by rule, met and not met."""

    def __init__(self, window: Window) -> None:
        self.window = window
        self.counts: Counter[tuple[str, bool]] = Counter()

    def add(self, f: Facts) -> None:
        for m in marks(f, asb.ThresholdDecided):
            if self.window.holds(m[0]):
                self.counts[(str(m[3] or "none"), bool(m[2]))] += 1

    def table(self) -> Table:
        counts = self.counts
        rules = sorted({rule for rule, _ in counts})
        rows = tuple({"rule": plain.choice_label("threshold-rule", rule),
                      "met": counts[(rule, True)], "not_met": counts[(rule, False)]}
                     for rule in rules)
        return Table("asb_threshold", "ASB Case Reviews", "Threshold decisions by rule", (
            Column("rule", "Rule", "text"), Column("met", "Met"), Column("not_met", "Not met"),
        ), rows)


DAYS_TO = (asb.ThresholdDecided, asb.CaseReviewMeetingHeld, asb.OutcomeNotified)


class AppealsAndTimes:
    """Appeals lodged and determined in the period, and the days from receipt to the threshold
    decision, the meeting and the outcome."""

    def __init__(self, window: Window) -> None:
        self.window = window
        self.lodged = self.upheld = self.not_upheld = 0
        self.days_to: list[list[int]] = [[] for _ in DAYS_TO]

    def add(self, f: Facts) -> None:
        window = self.window
        self.lodged += sum(window.holds(m[0]) for m in marks(f, asb.AppealLodged))
        for m in marks(f, asb.AppealDetermined):
            if window.holds(m[0]):
                if m[2]:
                    self.upheld += 1
                else:
                    self.not_upheld += 1
        for event, days in zip(DAYS_TO, self.days_to, strict=True):
            first = first_mark(f, event)
            if first and window.holds(first[0]):
                days.append(days_between(opened_on(f), first[0]))

    def table(self) -> Table:
        decisions, meetings, outcomes = self.days_to
        rows = (
            {"measure": "Appeals lodged", "number": self.lodged, "median_days": None},
            {"measure": "Appeals upheld", "number": self.upheld, "median_days": None},
            {"measure": "Appeals not upheld", "number": self.not_upheld, "median_days": None},
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
