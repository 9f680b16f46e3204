"""Unauthorised encampment tables (processes/unauthorised-encampments.md, "What councils report").

Counts per period by land kind and decision (tolerated / not tolerated, as in the national
caravan count); duration reported → vacated; time to first visit and to welfare assessment;
powers used; court outcomes; costs; welfare referrals; returns within no-return windows;
repeat sites.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

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
)
from domain import encampment

TOLERATED = ("tolerate", "negotiated-stopping")


def _decision(facts: Facts, day: str) -> str:
    decided = [m for m in marks(facts, encampment.EncampmentDecided) if m[0] <= day]
    if not decided:
        return "undecided"
    return "tolerated" if decided[-1][2] in TOLERATED else "not_tolerated"


def counts(camps: Sequence[Facts], window: Window) -> Table:
    """Encampments reported in the period, by land kind and the decision as at its end."""
    by_land: dict[str, Counter[str]] = {kind: Counter() for kind in (*encampment.LAND_KINDS, "unknown")}
    for f in camps:
        if not window.holds(f["opened"]):
            continue
        land = first_mark(f, encampment.LandOwnershipEstablished)
        kind = str(land[2]) if land and land[0] <= window.at_day else "unknown"
        by_land[kind][_decision(f, window.at_day)] += 1
    rows = [{"land": kind, "reported": sum(c.values()), "tolerated": c["tolerated"],
             "not_tolerated": c["not_tolerated"], "undecided": c["undecided"]}
            for kind, c in by_land.items() if kind != "unknown" or c]
    return Table("encampment_counts", "Encampments", "Encampments reported, by land and decision", (
        Column("land", "Land", "text"), Column("reported", "Reported"),
        Column("tolerated", "Tolerated"), Column("not_tolerated", "Not tolerated"),
        Column("undecided", "Not yet decided"),
    ), tuple(rows))


def measures(camps: Sequence[Facts], window: Window) -> Table:
    reported = [f for f in camps if window.holds(f["opened"])]
    vacated = [(f, m) for f in camps if (m := first_mark(f, encampment.EncampmentVacated)) and window.holds(m[0])]
    durations = [hours_between(opened_utc(f), m[1]) / 24 for f, m in vacated]
    visits = [hours_between(opened_utc(f), m[1]) for f in reported
              if (m := first_mark(f, encampment.InitialVisitCompleted)) and m[0] <= window.at_day]
    welfare = [hours_between(opened_utc(f), m[1]) for f in reported
               if (m := first_mark(f, encampment.WelfareAssessmentCompleted)) and m[0] <= window.at_day]
    referrals = sum(int(m[2] or 0) for f in camps for m in marks(f, encampment.WelfareAssessmentCompleted)
                    if window.holds(m[0]))
    returning = sum(bool(f["attrs"].get("within_no_return_window")) for f in reported)
    sites = Counter(f["attrs"].get("location_key") for f in reported if f["attrs"].get("location_key"))
    rows = (
        {"measure": "Days from report to vacated", "number": len(durations),
         "median": median(durations), "mean": mean(durations)},
        {"measure": "Hours from report to first visit", "number": len(visits),
         "median": median(visits), "mean": mean(visits)},
        {"measure": "Hours from report to welfare assessment", "number": len(welfare),
         "median": median(welfare), "mean": mean(welfare)},
        {"measure": "Welfare referrals made", "number": referrals, "median": None, "mean": None},
        {"measure": "Returns within a no-return window", "number": returning, "median": None, "mean": None},
        {"measure": "Sites with more than one encampment", "number": sum(n > 1 for n in sites.values()),
         "median": None, "mean": None},
    )
    return Table("encampment_measures", "Encampments", "Durations, welfare and returns", (
        Column("measure", "Measure", "text"), Column("number", "Number"),
        Column("median", "Median", "days"), Column("mean", "Mean", "days"),
    ), rows)


def powers_and_court(camps: Sequence[Facts], window: Window) -> Table:
    counted: Counter[tuple[str, str]] = Counter()
    for f in camps:
        for event, what, detail in ((encampment.DirectionServed, "Direction served", 2),
                                    (encampment.PoliceReferralMade, "Referred to the police", 2),
                                    (encampment.EncampmentDecided, "Not allowed: power chosen", 3),
                                    (encampment.SummonsIssued, "Summons issued (s.78)", None),
                                    (encampment.PossessionClaimIssued, "Possession claim issued (CPR 55)", None),
                                    (encampment.HearingHeld, "Hearing held", 2),
                                    (encampment.OrderGranted, "Order granted", 2),
                                    (encampment.EnforcementExecuted, "Enforcement executed", None)):
            for m in marks(f, event):
                if window.holds(m[0]) and (detail is None or m[detail] is not None):
                    counted[(what, str(m[detail]) if detail is not None else "")] += 1
    rows = tuple({"step": what, "detail": detail, "number": n}
                 for (what, detail), n in sorted(counted.items()))
    return Table("encampment_powers", "Encampments", "Powers used and court outcomes", (
        Column("step", "Step", "text"), Column("detail", "Power or result", "text"),
        Column("number", "Number"),
    ), rows)


def costs(camps: Sequence[Facts], window: Window) -> Table:
    """Costs of the sites cleared in the period, in whole pounds (recorded in pence)."""
    cleared = [m for f in camps for m in marks(f, encampment.SiteCleared) if window.holds(m[0])]
    rows = []
    for label, i in (("Clean-up", 2), ("Legal", 3), ("Damage", 4)):
        pence = sum(int(m[i] or 0) for m in cleared)
        rows.append({"cost": label, "sites": len(cleared), "total": round(pence / 100),
                     "mean": round(pence / 100 / len(cleared)) if cleared else None})
    return Table("encampment_costs", "Encampments", "Costs of sites cleared in the period", (
        Column("cost", "Cost", "text"), Column("sites", "Sites cleared"),
        Column("total", "Total", "money"), Column("mean", "Mean per site", "money"),
    ), tuple(rows))
