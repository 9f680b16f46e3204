"""Unauthorised encampment tables (processes/unauthorised-encampments.md, "What councils report").

Counts per period by land kind and decision (tolerated / not tolerated, as in the national
caravan count); duration reported → vacated; time to first visit and to welfare assessment;
powers used; court outcomes; costs; welfare referrals; returns within no-return windows;
repeat sites.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from application.reporting.model import Column, Table
from application.reporting.shape import CaseFacts as Facts
from application.reporting.window import (
    Window,
    first_mark,
    hours_between,
    marks,
    mean,
    median,
    opened_utc,
    whole,
)
from domain import encampment, plain

TOLERATED = ("tolerate", "negotiated-stopping")


def _decision(facts: Facts, day: str) -> str:
    decided = [m for m in marks(facts, encampment.EncampmentDecided) if m[0] <= day]
    if not decided:
        return "undecided"
    return "tolerated" if decided[-1][2] in TOLERATED else "not_tolerated"


class Counts:
    """Encampments reported in the period, by land kind and the decision as at its end."""

    def __init__(self, window: Window) -> None:
        self.window = window
        self.by_land: dict[str, Counter[str]] = {
            kind: Counter() for kind in (*encampment.LAND_KINDS, "unknown")}

    def add(self, f: Facts) -> None:
        window = self.window
        if not window.holds(f["opened"]):
            return
        land = first_mark(f, encampment.LandOwnershipEstablished)
        kind = str(land[2]) if land and land[0] <= window.at_day else "unknown"
        self.by_land[kind][_decision(f, window.at_day)] += 1

    def table(self) -> Table:
        rows = [{"land": plain.choice_label("land-kind", kind), "reported": sum(c.values()),
                 "tolerated": c["tolerated"],
                 "not_tolerated": c["not_tolerated"], "undecided": c["undecided"]}
                for kind, c in self.by_land.items() if kind != "unknown" or c]
        return Table("encampment_counts", "Encampments", "Encampments reported, by land and decision", (
            Column("land", "Land", "text"), Column("reported", "Reported"),
            Column("tolerated", "Tolerated"), Column("not_tolerated", "Not tolerated"),
            Column("undecided", "Not yet decided"),
        ), tuple(rows))


class Measures:
    """Durations reported → vacated, times to first visit and welfare assessment, welfare
    referrals, returns within a no-return window and repeat sites."""

    def __init__(self, window: Window) -> None:
        self.window = window
        self.durations: list[float] = []
        self.visits: list[float] = []
        self.welfare: list[float] = []
        self.referrals = self.returning = 0
        self.sites: Counter[Any] = Counter()

    def add(self, f: Facts) -> None:
        window = self.window
        if (m := first_mark(f, encampment.EncampmentVacated)) and window.holds(m[0]):
            self.durations.append(hours_between(opened_utc(f), m[1]) / 24)
        if window.holds(f["opened"]):
            if (m := first_mark(f, encampment.InitialVisitCompleted)) and m[0] <= window.at_day:
                self.visits.append(hours_between(opened_utc(f), m[1]))
            if (m := first_mark(f, encampment.WelfareAssessmentCompleted)) and m[0] <= window.at_day:
                self.welfare.append(hours_between(opened_utc(f), m[1]))
            self.returning += bool(f["attrs"].get("within_no_return_window"))
            if location := f["attrs"].get("location_key"):
                self.sites[location] += 1
        self.referrals += sum(int(m[2] or 0) for m in marks(f, encampment.WelfareAssessmentCompleted)
                              if window.holds(m[0]))

    def table(self) -> Table:
        durations, visits, welfare = self.durations, self.visits, self.welfare
        rows = (
            {"measure": "Days from report to vacated", "number": len(durations),
             "median": whole(median(durations)), "mean": whole(mean(durations))},
            {"measure": "Hours from report to first visit", "number": len(visits),
             "median": median(visits), "mean": mean(visits)},
            {"measure": "Hours from report to welfare assessment", "number": len(welfare),
             "median": median(welfare), "mean": mean(welfare)},
            {"measure": "Welfare referrals made", "number": self.referrals, "median": None, "mean": None},
            {"measure": "Returns within a no-return window", "number": self.returning,
             "median": None, "mean": None},
            {"measure": "Sites with more than one encampment",
             "number": sum(n > 1 for n in self.sites.values()), "median": None, "mean": None},
        )
        return Table("encampment_measures", "Encampments", "Durations, welfare and returns", (
            Column("measure", "Measure", "text"), Column("number", "Number"),
            Column("median", "Median", "hours"), Column("mean", "Mean", "hours"),
        ), rows, note="Days are whole days; hours are to one decimal place.")


POWERS = ((encampment.DirectionServed, "Direction served", 2, "direction-power"),
          (encampment.PoliceReferralMade, "Referred to the police", 2, "police-power"),
          (encampment.EncampmentDecided, "Not allowed: power chosen", 3, "power"),
          (encampment.SummonsIssued, "Summons issued (s.78)", None, ""),
          (encampment.PossessionClaimIssued, "Possession claim issued (CPR 55)", None, ""),
          (encampment.HearingHeld, "Hearing held", 2, "hearing-result"),
          (encampment.OrderGranted, "Order granted", 2, "order-kind"),
          (encampment.EnforcementExecuted, "Enforcement executed", None, ""))
"""Each step counted: its event, its words, where its detail is, and which choice that is."""


class PowersAndCourt:
    """Powers used and court outcomes in the period."""

    def __init__(self, window: Window) -> None:
        self.window = window
        self.counted: Counter[tuple[str, str]] = Counter()

    def add(self, f: Facts) -> None:
        window = self.window
        for event, what, detail, choice in POWERS:
            for m in marks(f, event):
                if window.holds(m[0]) and (detail is None or m[detail] is not None):
                    shown = plain.choice_label(choice, str(m[detail])) if detail is not None else ""
                    self.counted[(what, shown)] += 1

    def table(self) -> Table:
        rows = tuple({"step": what, "detail": detail, "number": n}
                     for (what, detail), n in sorted(self.counted.items()))
        return Table("encampment_powers", "Encampments", "Powers used and court outcomes", (
            Column("step", "Step", "text"), Column("detail", "Power or result", "text"),
            Column("number", "Number"),
        ), rows)


COSTS = (("Clean-up", 2), ("Legal", 3), ("Damage", 4))


class Costs:
    """Costs of the sites cleared in the period, in whole pounds (recorded in pence)."""

    def __init__(self, window: Window) -> None:
        self.window = window
        self.sites = 0
        self.pence = [0 for _ in COSTS]

    def add(self, f: Facts) -> None:
        for m in marks(f, encampment.SiteCleared):
            if self.window.holds(m[0]):
                self.sites += 1
                for n, (_, i) in enumerate(COSTS):
                    self.pence[n] += int(m[i] or 0)

    def table(self) -> Table:
        rows = [{"cost": label, "sites": self.sites, "total": round(pence / 100),
                 "mean": round(pence / 100 / self.sites) if self.sites else None}
                for (label, _), pence in zip(COSTS, self.pence, strict=True)]
        return Table("encampment_costs", "Encampments", "Costs of sites cleared in the period", (
            Column("cost", "Cost", "text"), Column("sites", "Sites cleared"),
            Column("total", "Total", "money"), Column("mean", "Mean per site", "money"),
        ), tuple(rows))
