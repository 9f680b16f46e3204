"""The demo dataset: two years of Cumbrian DARDR reviews at every stage, deterministically.

Every fact is recorded through the same service the CLI uses, in the order it happened, with a
recorded time one working morning after its effective date (coordinators record late), so that
"as known at" and "as effective at" views differ as they do in real life. All names are
fictitious pseudonyms.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from application.commands import CaseCommand, NotifyDeath
from application.commands.common import (
    AcceptReturn,
    AddAction,
    ChallengeReturn,
    CloseAction,
    CloseCase,
    LinkProcess,
    ReceiveReturn,
    UpdateAction,
    UpdateProcess,
)
from application.commands.dardr import (
    AddPanelMember,
    AdoptActionPlan,
    AgreeReport,
    AgreeTerms,
    AppointChair,
    CirculateDraft,
    CompleteAmendments,
    DecideReview,
    DeferPublication,
    NotifyHomeOffice,
    OfferAdvocacy,
    PublishReport,
    RecordFamilyContact,
    RecordHomeOfficeView,
    RecordQaOutcome,
    SendCommissionerCopy,
    SignOff,
    StartScoping,
    SubmitReport,
)
from application.service import CaseResult, CaseService, Meta
from domain.case import Rag
from domain.dardr import DeferralReason, HomeOfficeView, QaOutcome, ReviewOutcome

DEMO_AS_AT = datetime(2026, 11, 2, 17, 0, tzinfo=UTC)
COORDINATORS = {"cumberland": "j.armstrong", "westmorland-furness": "r.hodgson"}


@dataclass
class Step:
    on: str
    command: CaseCommand
    reason: str | None = None


@dataclass
class Scenario:
    """One case's story: how it opens (``notify``: the opening command's arguments with ``on``)
    and the facts that follow. ``kind`` names the opener (see ``OPENERS``)."""

    key: str
    partnership: str
    notify: dict[str, Any]
    steps: list[Step]
    kind: str = "dardr"


Opener = Callable[[CaseService, Meta, str, dict[str, Any]], CaseResult]


def open_dardr(cases: CaseService, meta: Meta, partnership: str, args: dict[str, Any]) -> CaseResult:
    return cases.open(NotifyDeath(partnership=partnership, **args), meta)


OPENERS: dict[str, Opener] = {"dardr": open_dardr}


def s(on: str, command: CaseCommand, reason: str | None = None) -> Step:
    return Step(on, command, reason)


def full_review(start: str, agencies: list[str]) -> list[Step]:
    """The common opening of a review: scoping, decision, Home Office, chair, panel, terms."""
    d = date.fromisoformat(start)

    def on(days: int) -> str:
        return (d + timedelta(days=days)).isoformat()

    return [
        s(on(2), StartScoping(agencies=agencies)),
        *[s(on(9), ReceiveReturn(agency=a, kind="scoping")) for a in agencies],
        s(on(20), DecideReview(outcome=ReviewOutcome.REVIEW, rationale="The statutory criteria are met.")),
        s(on(22), NotifyHomeOffice()),
        s(on(25), RecordFamilyContact(text="Letter to the family with the Home Office leaflet (demo)")),
        s(on(30), AppointChair(name="Independent Chair (demo)")),
        s(on(32), AddPanelMember(agency=agencies[0], name="Panel member (demo)", role="senior manager")),
        s(on(32), AddPanelMember(agency=agencies[1], name="Panel member (demo)", role="safeguarding lead")),
        s(on(40), AgreeTerms(period_from=on(-1100), period_to=on(-5), agencies=agencies)),
    ]


def after_imrs(start: str, agencies: list[str], days: int) -> list[Step]:
    d = date.fromisoformat(start)
    return [s((d + timedelta(days=days)).isoformat(), ReceiveReturn(agency=a, kind="imr"))
            for a in agencies]


def scenarios() -> list[Scenario]:
    police, probation, health = "cumbria-police", "probation", "north-cumbria-hospitals"
    mh, housing, waf_council = "cumbria-mental-health", "home-group", "westmorland-furness-council"
    cum_council = "cumberland-council"
    cum = [police, cum_council, health, probation]
    waf = [police, waf_council, "lsc-icb", probation]

    def notify(on: str, pseudonym: str, relationship: str = "intimate-partner",
               death_type: str = "homicide", notified_by: str = police,
               age_band: str = "35-44") -> dict[str, Any]:
        died = (date.fromisoformat(on) - timedelta(days=9)).isoformat()
        return {"on": on, "date_of_death": died, "victim_pseudonym": pseudonym,
                "notified_by": notified_by, "relationship": relationship,
                "death_type": death_type, "age_band": age_band,
                "police_force_area": "Cumbria"}

    return [
        Scenario("closed", "cumberland", notify("2024-11-04", "Alice"), [
            *full_review("2024-11-04", cum), *after_imrs("2024-11-04", cum, 95),
            s("2025-03-03", CirculateDraft()), s("2025-04-07", AgreeReport()),
            s("2025-04-14", SignOff()), s("2025-04-16", SendCommissionerCopy()),
            s("2025-04-16", SubmitReport()), s("2025-06-20", RecordQaOutcome(outcome=QaOutcome.APPROVED)),
            s("2025-06-23", AdoptActionPlan()),
            s("2025-06-23", AddAction(recommendation="Routine enquiry in A&E", owner=health, level="single-agency", due="2025-12-31")),
            s("2025-07-10", PublishReport(url="https://www.cumberland.gov.uk/dardr/alice")),
            s("2025-12-12", CloseAction(action_id="A1", evidence="Audit shows 92% enquiry rate")),
            s("2026-01-09", CloseCase(outcome="Review published; action plan complete")),
        ]),
        Scenario("published", "westmorland-furness", notify("2025-01-13", "Beth", "former-partner"), [
            *full_review("2025-01-13", waf), *after_imrs("2025-01-13", waf, 100),
            s("2025-05-12", CirculateDraft()), s("2025-06-02", CirculateDraft()),
            s("2025-07-14", AgreeReport()), s("2025-07-21", SignOff()),
            s("2025-07-22", SubmitReport()), s("2025-07-22", SendCommissionerCopy()),
            s("2025-09-26", RecordQaOutcome(outcome=QaOutcome.APPROVED_SUBJECT_TO_AMENDMENTS, points=["Clarify the chronology"])),
            s("2025-10-10", CompleteAmendments()),
            s("2025-10-13", AddAction(recommendation="Joint DA training for housing officers", owner=waf_council, level="multi-agency", due="2026-03-31")),
            s("2025-10-13", AddAction(recommendation="Probation risk reviews on release", owner=probation, level="single-agency", due="2026-09-30")),
            s("2025-10-14", AdoptActionPlan()),
            s("2025-11-07", PublishReport(url="https://www.westmorlandandfurness.gov.uk/dardr/beth")),
            s("2026-04-15", UpdateAction(action_id="A1", rag=Rag.RED, note="Training postponed")),
        ]),
        Scenario("deferred", "cumberland", notify("2025-03-10", "Carol", "family", age_band="65-74"), [
            *full_review("2025-03-10", cum), *after_imrs("2025-03-10", cum, 90),
            s("2025-06-23", LinkProcess(kind="inquest", reference="Coroner ref 2025-114")),
            s("2025-07-14", CirculateDraft()), s("2025-08-18", AgreeReport()),
            s("2025-08-26", SignOff()), s("2025-08-27", SubmitReport()),
            s("2025-10-30", RecordQaOutcome(outcome=QaOutcome.APPROVED)),
            s("2025-11-03", DeferPublication(deferral=DeferralReason.INQUEST), reason="Coroner asked to wait for the inquest"),
        ]),
        Scenario("submitted", "cumberland", notify("2025-05-19", "Dana", "household", "suspected-suicide", health, "25-34"), [
            *full_review("2025-05-19", [health, police, mh, housing]),
            *after_imrs("2025-05-19", [health, police, mh, housing], 110),
            s("2025-10-06", CirculateDraft()), s("2025-12-15", AgreeReport()),
            s("2026-01-12", SignOff()), s("2026-01-14", SubmitReport()),
        ]),
        Scenario("amending", "westmorland-furness", notify("2025-06-02", "Erin"), [
            *full_review("2025-06-02", waf), *after_imrs("2025-06-02", waf, 100),
            s("2025-11-10", CirculateDraft()), s("2026-01-19", AgreeReport()),
            s("2026-02-02", SignOff()), s("2026-02-03", SubmitReport()),
            s("2026-04-24", RecordQaOutcome(outcome=QaOutcome.RESUBMISSION_REQUIRED, points=["Family voice missing", "Terms of reference too narrow"])),
        ]),
        Scenario("paused-trial", "cumberland", notify("2025-08-11", "Fiona"), [
            *full_review("2025-08-11", cum),
            s("2025-10-01", LinkProcess(kind="criminal", reference="Op. Larch", pause=True), reason="Awaiting the criminal trial"),
            s("2025-12-01", UpdateProcess(process_id="P1", status="trial listed", key_dates={"trial": "2027-02-08"})),
        ]),
        Scenario("drafting", "westmorland-furness", notify("2025-10-06", "Gemma", "family", age_band="45-54"), [
            *full_review("2025-10-06", waf), *after_imrs("2025-10-06", waf, 95),
            s("2026-04-20", CirculateDraft()),
            s("2026-05-11", RecordFamilyContact(text="Met the victim's sister with the advocate")),
            s("2026-05-11", OfferAdvocacy(provider="AAFDA")),
        ]),
        Scenario("evidence-overdue", "cumberland", notify("2026-01-12", "Hannah"), [
            *full_review("2026-01-12", cum),
            s("2026-05-20", ReceiveReturn(agency=police, kind="imr")),
            s("2026-05-28", ReceiveReturn(agency=probation, kind="imr")),
            s("2026-06-01", AcceptReturn(agency=police, kind="imr")),
            s("2026-06-03", ChallengeReturn(agency=probation, kind="imr", due="2026-07-01"), reason="Chronology incomplete"),
        ]),
        Scenario("awaiting-home-office", "westmorland-furness", notify("2026-03-09", "Isla", "family", "other", age_band="75+"), [
            s("2026-03-11", StartScoping(agencies=waf)),
            *[s("2026-03-20", ReceiveReturn(agency=a, kind="scoping")) for a in waf],
            s("2026-04-02", DecideReview(outcome=ReviewOutcome.NO_REVIEW, rationale="No domestic abuse context found in any agency's records")),
            s("2026-04-13", NotifyHomeOffice()),
        ]),
        Scenario("no-review-agreed", "cumberland", notify("2026-05-04", "Jade", "household", "suspected-suicide", mh, "18-24"), [
            s("2026-05-06", StartScoping(agencies=[mh, police])),
            s("2026-05-15", ReceiveReturn(agency=mh, kind="scoping")),
            s("2026-05-15", ReceiveReturn(agency=police, kind="scoping")),
            s("2026-05-29", DecideReview(outcome=ReviewOutcome.NO_REVIEW, rationale="Criteria not met")),
            s("2026-06-03", NotifyHomeOffice()),
            s("2026-07-15", RecordHomeOfficeView(view=HomeOfficeView.NO_REVIEW_AGREED)),
        ]),
        Scenario("commissioning", "cumberland", notify("2026-08-17", "Kirsty", "former-partner"), [
            s("2026-08-19", StartScoping(agencies=cum)),
            *[s("2026-08-28", ReceiveReturn(agency=a, kind="scoping")) for a in cum],
            s("2026-09-14", DecideReview(outcome=ReviewOutcome.REVIEW, rationale="The statutory criteria are met.")),
        ]),
        Scenario("scoping-overdue", "westmorland-furness", notify("2026-10-05", "Laura"), [
            s("2026-10-07", StartScoping(agencies=waf)),
            s("2026-10-16", ReceiveReturn(agency=police, kind="scoping")),
        ]),
        Scenario("notified", "cumberland", notify("2026-10-26", "Megan", "intimate-partner", "suspected-suicide", police, "16-17"), []),
    ]


def recorded_time(effective: str) -> datetime:
    """Recorded the next morning at 09:30 (a late entry), never after the demo's as-at time."""
    day = date.fromisoformat(effective[:10]) + timedelta(days=1)
    return min(datetime.combine(day, time(9, 30), tzinfo=UTC), DEMO_AS_AT)


def run_demo(cases: CaseService, set_clock: Callable[[datetime], None],
             progress: Callable[[str], None] = lambda _: None,
             stories: list[Scenario] | None = None,
             openers: dict[str, Opener] | None = None) -> dict[str, str]:
    """Record every scenario's facts in date order; returns scenario key → case reference."""
    openers = {**OPENERS, **(openers or {})}
    timeline: list[tuple[str, int, int, Scenario, Step | None]] = []
    for order, scenario in enumerate(stories if stories is not None else scenarios()):
        timeline.append((scenario.notify["on"], order, -1, scenario, None))
        for index, step in enumerate(scenario.steps):
            timeline.append((step.on, order, index, scenario, step))
    references: dict[str, str] = {}
    for on, _, _, scenario, maybe_step in sorted(timeline, key=lambda t: t[:3]):
        set_clock(recorded_time(on))
        actor = COORDINATORS[scenario.partnership]
        if maybe_step is None:
            details = {k: v for k, v in scenario.notify.items() if k != "on"}
            result = openers[scenario.kind](cases, Meta(actor=actor, on=on),
                                            scenario.partnership, details)
            references[scenario.key] = result.reference
            progress(f"{on}  {result.reference} opened")
            continue
        cases.execute(references[scenario.key], maybe_step.command,
                      Meta(actor=actor, on=on, reason=maybe_step.reason))
    set_clock(DEMO_AS_AT)
    return references
