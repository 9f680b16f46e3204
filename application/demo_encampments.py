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

from application.commands.encampment import (
    AssessImpact,
    AssessWelfare,
    CheckCompliance,
    ClearSite,
    DecideEncampment,
    Enforce,
    EstablishOwnership,
    GrantOrder,
    IssueClaim,
    IssueSummons,
    RecordHearing,
    ReportEncampment,
    ServeDirection,
    ServeOrder,
    Vacate,
    Visit,
)
from application.demo import Scenario, Step, s
from application.ports import ReadModel
from application.service import CaseResult, CaseService, Meta
from domain.encampment import (
    ClaimService,
    Decision,
    DirectionPower,
    HearingResult,
    LandKind,
    OrderKind,
    Power,
    Premises,
    WelfareNeed,
)


def open_encampment(cases: CaseService, meta: Meta, partnership: str, args: dict[str, Any],
                    views: ReadModel | None = None) -> CaseResult:
    return cases.open(ReportEncampment(partnership=partnership, **args), meta, views)


def _report(on: str, hub: str, location: str, grid_ref: str, caravans: int, vehicles: int,
            group: str) -> dict[str, Any]:
    return {"on": on, "hub": hub, "location": location, "grid_ref": grid_ref,
            "caravans": caravans, "vehicles": vehicles, "group": group}


def _assessed(day: str, land: LandKind = LandKind.COUNCIL, threat: int = 1, likelihood: int = 2) -> list[Step]:
    return [
        s(f"{day}T10:00", EstablishOwnership(land=land, landowner="Cumberland Council")),
        s(f"{day}T11:30", Visit(caravans=4, vehicles=3, adults=6, children=3, officer="Gypsy and Traveller liaison officer")),
        s(f"{day}T12:00", AssessWelfare(needs=[WelfareNeed.EDUCATION, WelfareNeed.HEALTH], referrals=["health-visitor"])),
        s(f"{day}T12:15", AssessImpact(threat=threat, likelihood=likelihood, factors=["access"])),
    ]


def scenarios() -> list[Scenario]:
    return [
        Scenario("ue-tolerated", "cumberland", _report("2025-04-14T09:40", "allerdale", "Lay-by near Cockermouth (demo)", "NY 12345 30567", 4, 3, "DEMO-GRP-A"), [
            *_assessed("2025-04-14"),
            s("2025-04-15T10:00", DecideEncampment(decision=Decision.TOLERATE, leave_by="2025-04-28", reasons="Low impact; children in school")),
            s("2025-04-27T16:00", Vacate(enforced=False)),
            s("2025-04-30T10:00", ClearSite(cleanup_cost=180.0)),
        ], kind="encampment"),
        Scenario("ue-directed", "cumberland", _report("2025-09-06T19:30", "copeland", "Car park, Whitehaven (demo)", "NX 97500 18200", 7, 5, "DEMO-GRP-B"), [
            *_assessed("2025-09-08", threat=3, likelihood=3),
            s("2025-09-08T14:00", DecideEncampment(decision=Decision.NOT_ALLOW, power=Power.S77, reasons="Blocks the only fire access; proportionate after welfare assessment")),
            s("2025-09-08T15:00", ServeDirection(power=DirectionPower.S77, method="in person")),
            s("2025-09-09T15:30", CheckCompliance(still_present=False)),
            s("2025-09-09T16:00", Vacate(enforced=False)),
            s("2025-09-12T10:00", ClearSite(cleanup_cost=950.0, damage=300.0)),
        ], kind="encampment"),
        Scenario("ue-court", "cumberland", _report("2026-03-02T14:30", "carlisle", "Playing field, Carlisle (demo)", "NY 40100 55900", 10, 8, "DEMO-GRP-C"), [
            *_assessed("2026-03-03", threat=3, likelihood=2),
            s("2026-03-04T10:00", DecideEncampment(decision=Decision.NOT_ALLOW, power=Power.S77, reasons="Sports pitch in use; welfare needs met by referral")),
            s("2026-03-04T11:00", ServeDirection(power=DirectionPower.S77)),
            s("2026-03-05T12:00", CheckCompliance(still_present=True)),
            s("2026-03-05T15:00", IssueSummons(hearing="2026-03-09T10:00")),
            s("2026-03-09T12:00", RecordHearing(result=HearingResult.ORDER_GRANTED)),
            s("2026-03-09T12:30", GrantOrder(order=OrderKind.S78)),
            s("2026-03-09T15:00", ServeOrder()),
            s("2026-03-10T16:00", CheckCompliance(still_present=True)),
            s("2026-03-11T08:00", Enforce(scheduled_for="2026-03-12T07:00")),
            s("2026-03-12T07:00", Enforce()),
            s("2026-03-12T09:00", Vacate(enforced=True)),
            s("2026-03-17T10:00", ClearSite(cleanup_cost=2400.0, legal_cost=1850.0, damage=600.0)),
        ], kind="encampment"),
        Scenario("ue-possession", "cumberland", _report("2026-06-15T10:00", "allerdale", "Private field, Workington (demo)", "NX 99800 28800", 5, 4, "DEMO-GRP-D"), [
            *_assessed("2026-06-15", land=LandKind.PRIVATE, threat=2, likelihood=2),
            s("2026-06-16T10:00", DecideEncampment(decision=Decision.NOT_ALLOW, power=Power.CPR55, reasons="Landowner seeks possession")),
            s("2026-06-16T12:00", IssueClaim(hearing="2026-06-19T10:00", premises=Premises.LAND,
                                                   method=ClaimService.STAKES)),
        ], kind="encampment"),
        Scenario("ue-returned", "cumberland", _report("2026-05-18T11:00", "carlisle", "Playing field, Carlisle (demo)", "NY 40100 55900", 9, 7, "DEMO-GRP-C"), [
            s("2026-05-18T13:00", EstablishOwnership(land=LandKind.COUNCIL)),
            s("2026-05-18T15:00", Visit(caravans=9, vehicles=7, adults=14, children=6)),
        ], kind="encampment"),
    ]
