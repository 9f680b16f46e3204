"""Demo ASB Case Reviews across the six Cumbrian hubs, at every stage (fictitious names only).

``scenarios()`` returns ``Scenario(kind="asb")`` stories for ``run_demo``; ``open_asb`` is their
opener (register it as ``openers={"asb": open_asb}``). Dates run from April 2025 to October 2026.
"""

from __future__ import annotations

from typing import Any

from application.commands.asb import (
    AcknowledgeApplication,
    DecideThreshold,
    DetermineAppeal,
    HoldMeeting,
    LodgeAppeal,
    NotifyOutcome,
    NotifyThreshold,
    ReceiveApplication,
    Recommend,
    RecordVictimComments,
    ScheduleMeeting,
    ShareActionPlan,
)
from application.commands.common import AddAction, CloseAction, CloseCase, ReceiveReturn
from application.demo import Scenario, s
from application.service import CaseResult, CaseService, Meta
from domain.asb import NotifyMethod
from domain.asb_threshold import ThresholdRule


def open_asb(cases: CaseService, meta: Meta, partnership: str, args: dict[str, Any]) -> CaseResult:
    return cases.open(ReceiveApplication(partnership=partnership, **args), meta)


def _complaint(behaviour: str, reported: str, agency: str, **extra: Any) -> dict[str, Any]:
    return {"behaviour": behaviour, "reported": reported, "agency": agency, **extra}


def _application(on: str, hub: str, name: str, complaints: list[dict[str, Any]],
                 applicant_type: str = "individual", channel: str = "online") -> dict[str, Any]:
    return {"on": on, "hub": hub, "channel": channel, "applicant_type": applicant_type,
            "applicant_name": name, "applicant_contact": "demo contact (fictitious)",
            "consent": True, "complaints": complaints}


def _three(month: str, agencies: tuple[str, str, str]) -> list[dict[str, Any]]:
    """Three qualifying complaints in ``month`` (YYYY-MM), one per agency."""
    return [_complaint(f"{month}-03", f"{month}-04", agencies[0], description="Noise at night"),
            _complaint(f"{month}-10", f"{month}-12", agencies[1], description="Intimidation"),
            _complaint(f"{month}-17", f"{month}-18", agencies[2], description="Damage to car")]


def scenarios() -> list[Scenario]:
    police, council, housing = "cumbria-police", "cumberland-council", "home-group"
    waf_council, impact = "westmorland-furness-council", "impact-housing"
    cum3 = (police, council, housing)
    waf3 = (police, waf_council, impact)
    return [
        Scenario("asb-closed", "cumberland", _application(
            "2025-05-06", "allerdale", "Arden Fellowes", _three("2025-04", cum3)), [
            s("2025-05-07", AcknowledgeApplication(agencies=[police, council])),
            s("2025-05-13", ReceiveReturn(agency=police, kind="information")),
            s("2025-05-14", ReceiveReturn(agency=council, kind="information")),
            s("2025-05-16", DecideThreshold(met=True, reasons="Three qualifying complaints")),
            s("2025-05-19", NotifyThreshold(method=NotifyMethod.LETTER)),
            s("2025-05-28", HoldMeeting(chair="Demo Chair", independent_chair=True, victim_invited=True, victim_attended=True, agencies=[police, council, housing])),
            s("2025-05-28", Recommend(recommendations=["Joint patrols", "Mediation referral"])),
            s("2025-05-30", AddAction(recommendation="Joint patrols", owner=police, level="multi-agency", due="2025-08-29")),
            s("2025-06-02", ShareActionPlan()),
            s("2025-06-04", RecordVictimComments(comments="Content with the plan")),
            s("2025-06-04", NotifyOutcome(method=NotifyMethod.EMAIL)),
            s("2025-08-20", CloseAction(action_id="A1", evidence="Patrol log")),
            s("2025-08-22", CloseCase(outcome="Actions complete; applicant told")),
        ], kind="asb"),
        Scenario("asb-not-met", "westmorland-furness", _application(
            "2025-07-14", "barrow", "Bryony Calder", [
                _complaint("2025-05-01", "2025-06-20", police),  # reported after a month
                _complaint("2025-06-25", "2025-06-26", waf_council)]), [
            s("2025-07-15", AcknowledgeApplication(agencies=[police])),
            s("2025-07-24", DecideThreshold(met=False, reasons="No threshold rule met")),
            s("2025-07-25", NotifyThreshold(method=NotifyMethod.LETTER)),
            s("2025-09-01", CloseCase(outcome="Threshold not met; no appeal in the window")),
        ], kind="asb"),
        Scenario("asb-appeal", "cumberland", _application(
            "2025-11-03", "copeland", "Cedric Wasdale", [
                _complaint("2025-09-01", "2025-09-20", police),
                _complaint("2025-10-01", "2025-10-02", council)]), [
            s("2025-11-04", AcknowledgeApplication(agencies=[police, council])),
            s("2025-11-14", DecideThreshold(met=False, reasons="Two qualifying complaints")),
            s("2025-11-17", NotifyThreshold(method=NotifyMethod.LETTER)),
            s("2025-12-01", LodgeAppeal(grounds="Earlier reports to housing were not counted")),
            s("2025-12-10", DetermineAppeal(upheld=True)),
            s("2025-12-11", NotifyThreshold(method=NotifyMethod.LETTER)),
        ], kind="asb"),
        Scenario("asb-monitoring", "westmorland-furness", _application(
            "2026-02-02", "eden", "Delphine Ullswater", _three("2026-01", waf3)), [
            s("2026-02-03", AcknowledgeApplication(agencies=[police, waf_council])),
            s("2026-02-12", DecideThreshold(met=True, reasons="Statutory minimum")),
            s("2026-02-13", NotifyThreshold(method=NotifyMethod.EMAIL)),
            s("2026-02-25", HoldMeeting(chair="Demo Chair", victim_invited=True)),
            s("2026-02-25", Recommend(recommendations=["Tenancy warning", "Noise monitoring"])),
            s("2026-02-27", AddAction(recommendation="Tenancy warning", owner=impact, level="single-agency", due="2026-12-31")),
            s("2026-03-02", ShareActionPlan()),
            s("2026-03-04", NotifyOutcome(method=NotifyMethod.LETTER)),
        ], kind="asb"),
        Scenario("asb-outcome-pending", "cumberland", _application(
            "2026-06-01", "carlisle", "Ewan Eskdale", _three("2026-05", cum3)), [
            s("2026-06-02", AcknowledgeApplication(agencies=[police])),
            s("2026-06-10", DecideThreshold(met=True, reasons="Statutory minimum")),
            s("2026-06-11", NotifyThreshold(method=NotifyMethod.PHONE)),
            s("2026-06-24", HoldMeeting(chair="Demo Chair", victim_invited=False), reason="Victim asked not to attend"),
            s("2026-06-24", Recommend(none=True), reason="The response was already adequate"),
        ], kind="asb"),
        Scenario("asb-review-pending", "westmorland-furness", _application(
            "2026-08-03", "south-lakeland", "Fenella Kent", [
                _complaint("2026-07-10", "2026-07-11", police, hate=True)]), [
            s("2026-08-04", AcknowledgeApplication(agencies=[police, waf_council])),
            s("2026-08-14", DecideThreshold(met=True, rule=ThresholdRule.DISCRETION, reasons="Hate incident against a vulnerable victim; harm is high")),
            s("2026-08-17", NotifyThreshold(method=NotifyMethod.LETTER)),
            s("2026-08-18", ScheduleMeeting(meeting_date="2026-08-28")),
        ], kind="asb"),
        Scenario("asb-gathering", "cumberland", _application(
            "2026-10-05", "allerdale", "Gideon Solway", _three("2026-09", cum3), channel="phone"), [
            s("2026-10-06", AcknowledgeApplication(agencies=[police, council, housing])),
        ], kind="asb"),
        Scenario("asb-received", "westmorland-furness", _application(
            "2026-10-22", "barrow", "Harriet Walney", _three("2026-10", waf3),
            applicant_type="community-group", channel="email"), [], kind="asb"),
    ]
