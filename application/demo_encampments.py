# ruff: noqa: E501  (stage, clock and scenario tables read best one row per line)
"""Demo encampment cases in the Cumberland hubs (processes/unauthorised-encampments.md).

``scenarios()`` gives ``Scenario(kind="encampment")`` stories: tolerated, directed under s.77, taken
to court (s.78 summons and a CPR 55 claim), and a group returning within its no-return window.
``open_encampment`` is the opener to register under ``OPENERS["encampment"]``. It has no read
model: the no-return look-up then finds earlier cases from the reference counters (an optional
``views`` argument uses the read model instead).
"""

from __future__ import annotations

from typing import Any

from application.demo import Scenario, Step, s
from application.encampment import report_encampment
from application.ports import ReadModel
from application.service import CaseResult, CaseService, Meta


def open_encampment(cases: CaseService, meta: Meta, partnership: str, args: dict[str, Any],
                    views: ReadModel | None = None) -> CaseResult:
    return report_encampment(cases, views, meta, partnership=partnership, **args)


def _report(on: str, hub: str, location: str, grid_ref: str, caravans: int, vehicles: int,
            group: str) -> dict[str, Any]:
    return {"on": on, "hub": hub, "location": location, "grid_ref": grid_ref,
            "caravans": caravans, "vehicles": vehicles, "group": group}


def _assessed(day: str, land: str = "council", threat: int = 1, likelihood: int = 2) -> list[Step]:
    return [
        s(f"{day}T10:00", "establish-ownership", land=land, landowner="Cumberland Council"),
        s(f"{day}T11:30", "visit", caravans=4, vehicles=3, adults=6, children=3, officer="Gypsy and Traveller liaison officer"),
        s(f"{day}T12:00", "assess-welfare", needs=["education", "health"], referrals=["health-visitor"]),
        s(f"{day}T12:15", "assess-impact", threat=threat, likelihood=likelihood, factors=["access"]),
    ]


def scenarios() -> list[Scenario]:
    return [
        Scenario("ue-tolerated", "cumberland", _report("2025-04-14T09:40", "allerdale", "Lay-by near Cockermouth (demo)", "NY 12345 30567", 4, 3, "DEMO-GRP-A"), [
            *_assessed("2025-04-14"),
            s("2025-04-15T10:00", "decide", decision="tolerate", leave_by="2025-04-28", reasons="Low impact; children in school"),
            s("2025-04-27T16:00", "vacate", enforced=False),
            s("2025-04-30T10:00", "clear-site", cleanup_cost=180.0),
        ], kind="encampment"),
        Scenario("ue-directed", "cumberland", _report("2025-09-06T19:30", "copeland", "Car park, Whitehaven (demo)", "NX 97500 18200", 7, 5, "DEMO-GRP-B"), [
            *_assessed("2025-09-08", threat=3, likelihood=3),
            s("2025-09-08T14:00", "decide", decision="not-allow", power="s77", reasons="Blocks the only fire access; proportionate after welfare assessment"),
            s("2025-09-08T15:00", "serve-direction", power="s77", method="in person"),
            s("2025-09-09T15:30", "check-compliance", still_present=False),
            s("2025-09-09T16:00", "vacate", enforced=False),
            s("2025-09-12T10:00", "clear-site", cleanup_cost=950.0, damage=300.0),
        ], kind="encampment"),
        Scenario("ue-court", "cumberland", _report("2026-03-02T14:30", "carlisle", "Playing field, Carlisle (demo)", "NY 40100 55900", 10, 8, "DEMO-GRP-C"), [
            *_assessed("2026-03-03", threat=3, likelihood=2),
            s("2026-03-04T10:00", "decide", decision="not-allow", power="s77", reasons="Sports pitch in use; welfare needs met by referral"),
            s("2026-03-04T11:00", "serve-direction", power="s77"),
            s("2026-03-05T12:00", "check-compliance", still_present=True),
            s("2026-03-05T15:00", "issue-summons", hearing="2026-03-09T10:00"),
            s("2026-03-09T12:00", "record-hearing", result="order-granted"),
            s("2026-03-09T12:30", "grant-order", order="s78"),
            s("2026-03-09T15:00", "serve-order"),
            s("2026-03-10T16:00", "check-compliance", still_present=True),
            s("2026-03-11T08:00", "enforce", step="scheduled", scheduled_for="2026-03-12T07:00"),
            s("2026-03-12T07:00", "enforce", step="executed"),
            s("2026-03-12T09:00", "vacate", enforced=True),
            s("2026-03-17T10:00", "clear-site", cleanup_cost=2400.0, legal_cost=1850.0, damage=600.0),
        ], kind="encampment"),
        Scenario("ue-possession", "cumberland", _report("2026-06-15T10:00", "allerdale", "Private field, Workington (demo)", "NX 99800 28800", 5, 4, "DEMO-GRP-D"), [
            *_assessed("2026-06-15", land="private", threat=2, likelihood=2),
            s("2026-06-16T10:00", "decide", decision="not-allow", power="cpr55", reasons="Landowner seeks possession"),
            s("2026-06-16T12:00", "issue-claim", hearing="2026-06-19T10:00", premises="land"),
        ], kind="encampment"),
        Scenario("ue-returned", "cumberland", _report("2026-05-18T11:00", "carlisle", "Playing field, Carlisle (demo)", "NY 40100 55900", 9, 7, "DEMO-GRP-C"), [
            s("2026-05-18T13:00", "establish-ownership", land="council"),
            s("2026-05-18T15:00", "visit", caravans=9, vehicles=7, adults=14, children=6),
        ], kind="encampment"),
    ]
