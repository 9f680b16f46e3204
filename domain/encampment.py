# ruff: noqa: E501  (stage, clock and scenario tables read best one row per line)
"""Unauthorised encampments (processes/unauthorised-encampments.md).

One case per site occupation. Councils, the police and landowners respond under a joint protocol
(in Cumbria, the Joint Agency Protocol): an initial visit, welfare and impact assessments, a
decision to tolerate or not allow, and then enforcement. Powers: Criminal Justice and Public Order
Act 1994 s.77 (council direction) and s.78 (magistrates' removal order); police powers s.61,
s.62A-E and s.60C (Police, Crime, Sentencing and Courts Act 2022); possession claims under CPR
Part 55; injunctions. A move to another site is a new case linked by a group reference; a return
within a no-return window (domain/no_return.py) is flagged on the new case when it is reported.

Effective times here are date-times (``--on 2026-03-02T14:30``): the initial-visit and compliance
clocks count hours.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import field
from datetime import date, timedelta
from enum import StrEnum
from typing import TypedDict
from uuid import UUID

from domain import no_return, times
from domain.calendar import ClockUnit, clear_days, earliest_after_clear_days
from domain.case import (
    COMMON_COMMANDS,
    Case,
    CaseEvent,
    CaseOpened,
    CommandContext,
    StageEntered,
)
from domain.choices import one_of
from domain.errors import DateRuleViolated, InvalidInput, RuleRefused
from domain.plain import Json, Text
from domain.policy import Basis, CasePolicy, clock
from domain.process import ProcessDefinition, transition
from domain.rules import Rule


class LandKind(StrEnum):
    """Whose land it is; the landowner leads on private land."""

    COUNCIL = "council"
    PRIVATE = "private"
    HIGHWAY = "highway"
    OTHER_PUBLIC = "other-public"


class Decision(StrEnum):
    """Tolerate, agree a negotiated stopping place, or not allow (then a power is chosen)."""

    TOLERATE = "tolerate"
    NEGOTIATED_STOPPING = "negotiated-stopping"
    NOT_ALLOW = "not-allow"


class Power(StrEnum):
    """The power chosen for a not-allow decision."""

    S77 = "s77"
    S61 = "s61"
    S62A = "s62a"
    S60C = "s60c"
    CPR55 = "cpr55"
    INJUNCTION = "injunction"


class DirectionPower(StrEnum):
    """The powers that give a direction to leave."""

    S77 = "s77"
    S61 = "s61"
    S62A = "s62a"
    S60C = "s60c"


class PolicePower(StrEnum):
    """The police powers a case may be referred for (CJPOA 1994 s.61, s.62A-E, s.60C)."""

    S61 = "s61"
    S62A = "s62a"
    S60C = "s60c"


class S61Ground(StrEnum):
    """The grounds of CJPOA 1994 s.61(1), besides the occupier's reasonable steps: (a) damage,
    and as enacted threatening, abusive or insulting words or behaviour; from 28 June 2022 in
    England and Wales (PCSCA 2022 s.84(3)) damage, disruption or distress (s.61(10)); or (b) six
    or more vehicles between them on the land."""

    DAMAGE = "damage"
    THREATENING_BEHAVIOUR = "threatening-behaviour"
    DISRUPTION = "disruption"
    DISTRESS = "distress"
    SIX_VEHICLES = "six-vehicles"


S61_GROUNDS_1994 = (S61Ground.DAMAGE, S61Ground.THREATENING_BEHAVIOUR, S61Ground.SIX_VEHICLES)
S61_GROUNDS_2022 = (S61Ground.DAMAGE, S61Ground.DISRUPTION, S61Ground.DISTRESS,
                    S61Ground.SIX_VEHICLES)


class WelfareNeed(StrEnum):
    """Needs found by the welfare assessment."""

    HEALTH = "health"
    PREGNANCY = "pregnancy"
    NEWBORN = "newborn"
    DISABILITY = "disability"
    ELDERLY = "elderly"
    EDUCATION = "education"
    MECHANICAL_BREAKDOWN = "mechanical-breakdown"


class Premises(StrEnum):
    """CPR 55.5: land or residential premises (2 or 5 clear days)."""

    LAND = "land"
    RESIDENTIAL = "residential"


class ClaimService(StrEnum):
    """How a possession claim was served. Against persons unknown CPR 55.6 allows only (a)
    attaching copies to the main door or some other part of the land, or (b) stakes in the land
    with copies in sealed transparent envelopes addressed to "the occupiers"; or a method the
    court has ordered (CPR 6.15). Named defendants: personal service, post, or left at an address
    (CPR 6.3)."""

    ATTACHED_TO_LAND = "attached-to-land"
    STAKES = "stakes"
    COURT_ORDERED = "court-ordered"
    PERSONAL = "personal"
    POST = "post"
    LEFT_AT_ADDRESS = "left-at-address"


#: CPR 55.6: the methods of service on persons unknown (with a court-ordered alternative).
PERSONS_UNKNOWN_SERVICE = (ClaimService.ATTACHED_TO_LAND, ClaimService.STAKES,
                           ClaimService.COURT_ORDERED)


class HearingResult(StrEnum):
    ORDER_GRANTED = "order-granted"
    ADJOURNED = "adjourned"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


class OrderKind(StrEnum):
    S78 = "s78"
    POSSESSION = "possession"
    INJUNCTION = "injunction"


class EnforcementStep(StrEnum):
    SCHEDULED = "scheduled"
    EXECUTED = "executed"


class Stage(StrEnum):
    """The stages of an encampment case (processes/unauthorised-encampments.md)."""

    REPORTED = "reported"
    TRIAGE = "triage"
    ASSESSING = "assessing"
    DECIDING = "deciding"
    TOLERATED = "tolerated"
    ENFORCING = "enforcing"
    VACATED = "vacated"
    CLOSED = "closed"


LAND_KINDS = tuple(LandKind)
DECISIONS = tuple(Decision)
POWERS = tuple(Power)
DIRECTION_POWERS = tuple(DirectionPower)
HEARING_RESULTS = tuple(HearingResult)
ORDER_KINDS = tuple(OrderKind)
RISK_SCALE = (1, 2, 3)

#: CPR 55.5(2): in a possession claim against trespassers, service not less than 5 days
#: (residential property) or 2 days (other land) before the hearing; counted under CPR 2.8.
CPR55_CLEAR_DAYS = {Premises.LAND: 2, Premises.RESIDENTIAL: 5}
#: CJPOA 1994 s.78(3): at least 24 hours' notice to the owner and occupier before the council
#: enters occupied land to enforce a removal order (text recalled, not re-read; see RULES).
S78_ENTRY_NOTICE = timedelta(hours=24)
#: CJPOA 1994 s.78: the summons gives at least 24 hours' notice of the hearing.
S78_NOTICE = timedelta(hours=24)

STAGES = tuple(Stage)
OPEN = [s for s in Stage if s != Stage.CLOSED]
BEFORE_VACATED = OPEN[: OPEN.index(Stage.VACATED)]
AFTER_VISIT = [Stage.ASSESSING, Stage.DECIDING, Stage.TOLERATED, Stage.ENFORCING]
DECIDED = [Stage.TOLERATED, Stage.ENFORCING]

PROTOCOL = "Cumbria Joint Agency Protocol"
CJPOA = "CJPOA 1994"
S77, S78 = f"{CJPOA} s.77", f"{CJPOA} s.78"
S61, S62A, S60C = f"{CJPOA} s.61", f"{CJPOA} s.62A-E", f"{CJPOA} s.60C (PCSCA 2022)"
CPR55 = "CPR Part 55"
POWER_BASIS = {
    "s77": S77, "s61": S61, "s62a": S62A, "s60c": S60C, "cpr55": CPR55,
    "injunction": "Senior Courts Act 1981 s.37 / LGA 1972 s.222 (injunction)",
}

_table = [
    transition("establish-ownership", [Stage.REPORTED, Stage.TRIAGE], Stage.TRIAGE, "local procedure", f"{PROTOCOL}: land ownership and lead agency"),
    transition("visit", [Stage.TRIAGE, *AFTER_VISIT], [Stage.ASSESSING, *AFTER_VISIT], "local procedure", f"{PROTOCOL}: initial assessment visit"),
    transition("assess-welfare", AFTER_VISIT, AFTER_VISIT, "statute", "Equality Act 2010 s.149 (the public sector equality duty) behind the welfare assessment; the DCLG guidance on encampments (2015) describes it, as advice rather than statutory guidance"),
    transition("assess-impact", AFTER_VISIT, AFTER_VISIT, "local procedure", f"{PROTOCOL}: impact assessment (threat x likelihood risk matrix)"),
    transition("decide", [Stage.DECIDING, *DECIDED], DECIDED, "local procedure", f"{PROTOCOL}: decision to tolerate or not allow; proportionality (ECHR art.8)"),
    transition("serve-direction", Stage.ENFORCING, None, "statute", f"{S77}; {S61}; {S62A}; {S60C}: direction to leave"),
    transition("refer-to-police", [Stage.ASSESSING, Stage.DECIDING, *DECIDED], None, "local procedure", f"{PROTOCOL}: referral for police powers ({S61}; {S62A}; {S60C})"),
    transition("check-compliance", Stage.ENFORCING, None, "local procedure", f"{PROTOCOL}: compliance check after a direction or order"),
    transition("issue-summons", Stage.ENFORCING, None, "statute", f"{S78}: complaint to the magistrates' court, summons"),
    transition("issue-claim", Stage.ENFORCING, None, "statute", f"{CPR55}: possession claim against trespassers"),
    transition("record-hearing", Stage.ENFORCING, None, "statute", f"{S78}; {CPR55}: hearing"),
    transition("grant-order", Stage.ENFORCING, None, "statute", f"{S78}; {CPR55}: order"),
    transition("serve-order", Stage.ENFORCING, None, "statute", f"{S78}; {CPR55}: service of the order"),
    transition("give-entry-notice", Stage.ENFORCING, None, "statute", f"{S78}(3): notice to the owner and occupier before entering occupied land"),
    transition("enforce", Stage.ENFORCING, None, "statute", f"{S78}(2); {CPR55}: enforcement of the order"),
    transition("vacate", BEFORE_VACATED, Stage.VACATED, "local procedure", f"{PROTOCOL}: site vacated"),
    transition("clear-site", Stage.VACATED, Stage.CLOSED, "local procedure", f"{PROTOCOL}: site inspected, cleared and costs recorded"),
    *[transition(cmd, OPEN, None, "assumed local practice", "processes/common.md (caseledger's record-keeping)") for cmd in COMMON_COMMANDS
      if cmd != "close"],
    transition("close", OPEN, Stage.CLOSED, "local procedure", f"{PROTOCOL}: case closed"),
    transition("reopen", Stage.CLOSED, OPEN, "local procedure", f"{PROTOCOL}: case re-opened"),
]


def national_policy() -> CasePolicy:
    """Default clocks (processes/unauthorised-encampments.md, "Clocks"); all policy."""
    H, D, W = ClockUnit.HOURS, ClockUnit.CALENDAR_DAYS, ClockUnit.WORKING_DAYS
    local, assumed = "local procedure", "assumed local practice"
    return CasePolicy(
        version="national-encampment-2026",
        effective_from="2015-03-01",
        clocks={
            # The Cumbria protocol describes these steps; its own timings were not found, so the
            # figures (other councils' published practice) are assumed, and say so.
            "initial-visit": clock(H, 24, assumed, "24 hours, as other councils publish (e.g. RBWM, Conwy); no Cumbria timing verified (a weekend, holiday or out-of-hours report: end of the next working day)", out_of_hours_next_working_day=True),
            "welfare-assessment": clock(W, 3, assumed, "3 working days, and before any notice; no Cumbria timing verified"),
            "decision": clock(W, 1, assumed, "1 working day; no Cumbria timing verified"),
            "direction-compliance": clock(H, 24, assumed, f"24 hours ({S77} says 'as soon as practicable')"),
            "order-compliance": clock(H, 24, assumed, "24 hours after service of the order"),
            "leaving-date": clock(D, 0, "agreement", "the agreed leaving date"),
            "cleanup": clock(W, 5, assumed, "5 working days for the site clean-up"),
            "return:information": clock(W, 5, local, f"local protocol: {PROTOCOL}"),
            "action": clock(D, 0, "action plan", "due date set per action"),
        },
    )


DEFINITION = ProcessDefinition(
    case_type="encampment",
    reference_code="UE",
    stages=STAGES,
    transitions={t.command: t for t in _table},
    return_kinds=("information",),
    process_kinds=("criminal", "civil", "other"),
    national_policy=lambda _settings: national_policy(),
)

REPORT_BASIS = Basis("local procedure", f"local protocol: {PROTOCOL}: report of an encampment")

NoReturnWindow = TypedDict("NoReturnWindow", {"power": str, "from": str, "until": str,
                                               "rule": str | None})
"""A direction's no-return window (domain/no_return.py), as the case keeps it."""


# --------------------------------------------------------------------------- helpers


def location_key(grid_ref: str | None = None, lat: float | None = None, lon: float | None = None,
                 description: str | None = None) -> str:
    """The key that says "the same land": the grid reference, else lat/lon rounded to 3 places
    (about 100 m), else a digest of the normalised description (kept out of the clear: free text
    lives only in ``personal``)."""
    if grid_ref and grid_ref.strip():
        return "grid:" + re.sub(r"\s+", "", grid_ref).upper()
    if lat is not None and lon is not None:
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise InvalidInput(f"({lat}, {lon}) is not a latitude and longitude.")
        return f"latlon:{lat:.3f},{lon:.3f}"
    if description and description.strip():
        normalised = " ".join(re.sub(r"[^a-z0-9 ]", " ", description.lower()).split())
        return "desc:" + hashlib.sha256(normalised.encode()).hexdigest()[:16]
    raise InvalidInput("Say where the encampment is: a description, and a grid reference or "
                       "latitude and longitude.", field="location")


def risk_score(threat: int, likelihood: int) -> int:
    """The risk matrix: threat 1-3 x likelihood 1-3 = risk 1-9."""
    for name, value in (("threat", threat), ("likelihood", likelihood)):
        if isinstance(value, bool) or value not in RISK_SCALE:
            raise InvalidInput(f"The {name} must be 1, 2 or 3 (got {value}).")
    return threat * likelihood


def _count(what: str, value: int | None) -> None:
    if value is not None and (isinstance(value, bool) or value < 0):
        raise InvalidInput(f"The number of {what} cannot be negative ({value}).")


def _pence(what: str, pounds: float | None) -> int:
    if pounds is None:
        return 0
    if pounds < 0:
        raise InvalidInput(f"The {what} cannot be negative ({pounds}).")
    return round(pounds * 100)


# --------------------------------------------------------------------------- events


class EncampmentReported(CaseOpened["EncampmentCase"]):
    """Stage 1 `reported`: where, how many caravans and vehicles; the no-return finding."""

    TOPIC = "caseledger.domain.encampment:EncampmentReported"

    location_key: str
    grid_ref: str | None
    lat: float | None
    lon: float | None
    caravans: int
    vehicles: int
    group: str | None
    within_no_return_window: dict[str, str] | None

    def apply_to(self, case: EncampmentCase) -> None:
        case.location_key = self.location_key
        case.grid_ref = self.grid_ref
        case.caravans = self.caravans
        case.vehicles = self.vehicles
        case.group = self.group
        case.within_no_return_window = self.within_no_return_window


class LandOwnershipEstablished(StageEntered["EncampmentCase"]):
    """Stage 2 `triage`: the kind of land and the lead agency (the landowner leads on private land)."""

    TOPIC = "caseledger.domain.encampment:LandOwnershipEstablished"

    land: str
    lead_agency: str
    personal: Text  # the owner's name

    def apply_to(self, case: EncampmentCase) -> None:
        case.land = self.land
        case.lead_agency = self.lead_agency


class InitialVisitCompleted(StageEntered["EncampmentCase"]):
    TOPIC = "caseledger.domain.encampment:InitialVisitCompleted"

    caravans: int
    vehicles: int
    adults: int | None
    children: int | None
    animals: int | None
    personal: Text  # officer, conditions (free text)

    def apply_to(self, case: EncampmentCase) -> None:
        case.visited_on = case.visited_on or self.effective
        case.caravans, case.vehicles = self.caravans, self.vehicles
        case.adults, case.children = self.adults, self.children


class WelfareAssessmentCompleted(StageEntered["EncampmentCase"]):
    TOPIC = "caseledger.domain.encampment:WelfareAssessmentCompleted"

    needs: list[str]
    referrals: list[str]
    personal: Text  # notes (free text)

    def apply_to(self, case: EncampmentCase) -> None:
        case.welfare_assessed = self.effective
        case.needs = list(self.needs)
        case.referrals = sorted(set(case.referrals) | set(self.referrals))


class ImpactAssessed(StageEntered["EncampmentCase"]):
    TOPIC = "caseledger.domain.encampment:ImpactAssessed"

    threat: int
    likelihood: int
    risk: int
    factors: list[str]
    never_acceptable: bool

    def apply_to(self, case: EncampmentCase) -> None:
        case.impact_assessed = self.effective
        case.threat, case.likelihood, case.risk = self.threat, self.likelihood, self.risk
        case.never_acceptable = self.never_acceptable


class EncampmentDecided(StageEntered["EncampmentCase"]):
    TOPIC = "caseledger.domain.encampment:EncampmentDecided"

    decision: str
    power: str | None
    leave_by: str | None
    personal: Text  # reasons, conditions, services (free text)

    def apply_to(self, case: EncampmentCase) -> None:
        case.decision, case.power, case.leave_by = self.decision, self.power, self.leave_by


class DirectionServed(CaseEvent["EncampmentCase"]):
    """A direction to leave; the no-return window under the rule in force that day is stored."""

    TOPIC = "caseledger.domain.encampment:DirectionServed"

    power: str
    method: str
    compliance_due: str
    no_return_from: str | None
    no_return_until: str | None
    no_return_rule: str | None
    personal: Text  # served on whom

    def apply_to(self, case: EncampmentCase) -> None:
        case.directions += 1
        if self.no_return_from and self.no_return_until:
            case.no_return_windows.append(NoReturnWindow({
                "power": self.power, "from": self.no_return_from,
                "until": self.no_return_until, "rule": self.no_return_rule,
            }))


class DirectionConditionsRecorded(CaseEvent["EncampmentCase"]):
    """The statutory conditions a police direction rests on, recorded before it is served:
    s.61(1) the occupier's reasonable steps and the grounds; s.62A(2) the occupier's request to
    the police and a suitable pitch on a relevant caravan site."""

    TOPIC = "caseledger.domain.encampment:DirectionConditionsRecorded"

    power: str
    occupier_asked: bool
    grounds: list[str]
    pitch_available: bool
    vehicles_on_land: int


class PoliceReferralMade(CaseEvent["EncampmentCase"]):
    TOPIC = "caseledger.domain.encampment:PoliceReferralMade"

    power: str


class ComplianceChecked(CaseEvent["EncampmentCase"]):
    TOPIC = "caseledger.domain.encampment:ComplianceChecked"

    still_present: bool

    def apply_to(self, case: EncampmentCase) -> None:
        case.last_compliance_check = self.effective


class SummonsIssued(CaseEvent["EncampmentCase"]):
    """CJPOA 1994 s.78: complaint and summons; at least 24 hours' notice of the hearing."""

    TOPIC = "caseledger.domain.encampment:SummonsIssued"

    hearing: str
    served_on: str

    def apply_to(self, case: EncampmentCase) -> None:
        case.summonses += 1
        case.hearing_due = self.hearing


class PossessionClaimIssued(CaseEvent["EncampmentCase"]):
    """CPR 55: claim against trespassers; 2 clear days (land) or 5 (residential) before hearing."""

    TOPIC = "caseledger.domain.encampment:PossessionClaimIssued"

    hearing: str
    served_on: str
    premises: str

    def apply_to(self, case: EncampmentCase) -> None:
        case.claims += 1
        case.hearing_due = self.hearing


class ClaimServed(CaseEvent["EncampmentCase"]):
    """How and when the possession claim was served (CPR 55.6 for persons unknown), and the clear
    days it left before the hearing (CPR 55.5(2), counted under CPR 2.8)."""

    TOPIC = "caseledger.domain.encampment:ClaimServed"

    served_on: str
    method: str
    persons_unknown: bool
    clear_days: int


class HearingHeld(CaseEvent["EncampmentCase"]):
    TOPIC = "caseledger.domain.encampment:HearingHeld"

    result: str

    def apply_to(self, case: EncampmentCase) -> None:
        case.hearings += 1
        case.hearing_due = None


class OrderGranted(CaseEvent["EncampmentCase"]):
    TOPIC = "caseledger.domain.encampment:OrderGranted"

    order: str
    compliance_due: str | None

    def apply_to(self, case: EncampmentCase) -> None:
        case.orders += 1
        case.order_granted = self.effective


class OrderServed(CaseEvent["EncampmentCase"]):
    TOPIC = "caseledger.domain.encampment:OrderServed"

    order: str

    def apply_to(self, case: EncampmentCase) -> None:
        case.order_served = self.effective
        case.served_order = self.order


class EntryNoticeGiven(CaseEvent["EncampmentCase"]):
    """CJPOA 1994 s.78(3): notice to the owner and occupier of the council's intention to enter
    the land under a removal order; or their names and addresses could not be found after
    reasonable inquiries."""

    TOPIC = "caseledger.domain.encampment:EntryNoticeGiven"

    notified_on: str
    names_unknown: bool

    def apply_to(self, case: EncampmentCase) -> None:
        case.entry_notice = self.notified_on
        case.entry_notice_names_unknown = self.names_unknown


class EnforcementScheduled(CaseEvent["EncampmentCase"]):
    TOPIC = "caseledger.domain.encampment:EnforcementScheduled"

    scheduled_for: str


class EnforcementExecuted(CaseEvent["EncampmentCase"]):
    TOPIC = "caseledger.domain.encampment:EnforcementExecuted"

    pass


class EncampmentVacated(StageEntered["EncampmentCase"]):
    TOPIC = "caseledger.domain.encampment:EncampmentVacated"

    how: str  # voluntary | enforced

    def apply_to(self, case: EncampmentCase) -> None:
        case.vacated_on, case.vacated_how = self.effective, self.how


class SiteCleared(CaseEvent["EncampmentCase"]):
    """Costs in pence: clean-up, legal, damage."""

    TOPIC = "caseledger.domain.encampment:SiteCleared"

    cleanup_cost: int
    legal_cost: int
    damage_cost: int
    personal: Text  # a description of the damage (free text)

    def apply_to(self, case: EncampmentCase) -> None:
        case.cleanup_cost, case.legal_cost = self.cleanup_cost, self.legal_cost
        case.damage_cost = self.damage_cost
        case.cleared_on = self.effective


# --------------------------------------------------------------------------- aggregate


class EncampmentCase(Case):
    """One unauthorised encampment: one site occupation, from report to a cleared site."""

    TOPIC = "caseledger.domain.encampment:EncampmentCase"

    class Event(Case.Event):
        TOPIC = "caseledger.domain.encampment:EncampmentCase.Event"

    class Created(Event, Case.Created):
        TOPIC = "caseledger.domain.encampment:EncampmentCase.Created"

    definition = DEFINITION
    class_version = 2

    # Set by EncampmentReported; the location's description and the reporter stay in its
    # personal field.
    location_key: str = field(init=False)
    grid_ref: str | None = field(init=False, default=None)
    caravans: int = field(init=False, default=0)
    vehicles: int = field(init=False, default=0)
    group: str | None = field(init=False, default=None)
    within_no_return_window: dict[str, str] | None = field(init=False, default=None)
    land: str | None = field(init=False, default=None)
    lead_agency: str | None = field(init=False, default=None)
    visited_on: str | None = field(init=False, default=None)
    adults: int | None = field(init=False, default=None)
    children: int | None = field(init=False, default=None)
    welfare_assessed: str | None = field(init=False, default=None)
    needs: list[str] = field(init=False, default_factory=list)
    referrals: list[str] = field(init=False, default_factory=list)
    impact_assessed: str | None = field(init=False, default=None)
    threat: int | None = field(init=False, default=None)
    likelihood: int | None = field(init=False, default=None)
    risk: int | None = field(init=False, default=None)
    never_acceptable: bool = field(init=False, default=False)
    decision: str | None = field(init=False, default=None)
    power: str | None = field(init=False, default=None)
    leave_by: str | None = field(init=False, default=None)
    directions: int = field(init=False, default=0)
    no_return_windows: list[NoReturnWindow] = field(init=False, default_factory=list)
    last_compliance_check: str | None = field(init=False, default=None)
    summonses: int = field(init=False, default=0)
    claims: int = field(init=False, default=0)
    hearings: int = field(init=False, default=0)
    hearing_due: str | None = field(init=False, default=None)
    orders: int = field(init=False, default=0)
    order_granted: str | None = field(init=False, default=None)
    order_served: str | None = field(init=False, default=None)
    served_order: str | None = field(init=False, default=None)
    entry_notice: str | None = field(init=False, default=None)
    entry_notice_names_unknown: bool = field(init=False, default=False)
    vacated_on: str | None = field(init=False, default=None)
    vacated_how: str | None = field(init=False, default=None)
    cleanup_cost: int = field(init=False, default=0)
    legal_cost: int = field(init=False, default=0)
    damage_cost: int = field(init=False, default=0)
    cleared_on: str | None = field(init=False, default=None)

    @staticmethod
    def upcast_v1_v2(state: dict[str, Json]) -> None:
        """Snapshots taken while the report's personal data was kept in the state drop it."""
        state.pop("personal", None)

    # -- opening ------------------------------------------------------------------------

    @classmethod
    def report(
        cls, ctx: CommandContext, *, case_id: UUID, reference: str, partnership: str,
        hub: str | None, policy: CasePolicy, location: str, grid_ref: str | None = None,
        lat: float | None = None, lon: float | None = None, caravans: int = 0, vehicles: int = 0,
        group: str | None = None, reporter: str | None = None,
        within_no_return_window: dict[str, str] | None = None,
    ) -> EncampmentCase:
        """EncampmentReported and the 24-hour `initial-visit` clock (out-of-hours rule)."""
        if not location.strip():
            raise InvalidInput("Describe the location.", field="location")
        _count("caravans", caravans)
        _count("vehicles", vehicles)
        key = location_key(grid_ref, lat, lon, location)
        personal: Text = {"location": location}
        if reporter:
            personal["reporter"] = reporter
        case = cls.open_case(
            EncampmentReported, ctx, case_id=case_id, reference=reference,
            partnership=partnership, hub=hub, policy=policy, stage=Stage.REPORTED,
            basis=REPORT_BASIS, personal=personal, location_key=key,
            grid_ref=grid_ref.strip().upper() if grid_ref else None, lat=lat, lon=lon,
            caravans=caravans, vehicles=vehicles, group=(group or "").strip() or None,
            within_no_return_window=within_no_return_window,
        )
        case.set_deadline(ctx, "initial-visit", "initial-visit", "council")
        return case

    # -- views --------------------------------------------------------------------------

    @property
    def no_return_flag(self) -> str | None:
        w = self.within_no_return_window
        if not w:
            return None
        reach = no_return.REACH.get(no_return.normalise_power(w["power"]))
        within = f"; reach: {reach.says()}" if reach else ""
        return (f"returned within the {w['power']} no-return window of {w['case']} "
                f"(until {w['until']}{within})")

    def view_details(self) -> dict[str, Json]:
        return {
            "group": self.group, "location_key": self.location_key, "grid_ref": self.grid_ref,
            "caravans": self.caravans, "vehicles": self.vehicles, "land": self.land,
            "lead_agency": self.lead_agency, "visited_on": self.visited_on,
            "adults": self.adults, "children": self.children,
            "welfare_assessed": self.welfare_assessed, "needs": self.needs,
            "referrals": self.referrals, "threat": self.threat, "likelihood": self.likelihood,
            "risk": self.risk, "never_acceptable": self.never_acceptable,
            "decision": self.decision, "power": self.power, "leave_by": self.leave_by,
            "directions": self.directions, "summonses": self.summonses, "claims": self.claims,
            "hearings": self.hearings, "orders": self.orders, "vacated_on": self.vacated_on,
            "vacated_how": self.vacated_how, "cleanup_cost": self.cleanup_cost,
            "legal_cost": self.legal_cost, "damage_cost": self.damage_cost,
            "no_return_flag": self.no_return_flag,
        }

    def view_extra(self) -> dict[str, Json]:
        return {
            "no_return_windows": [
                {"power": w["power"], "from": w["from"], "until": w["until"]}
                for w in self.no_return_windows
            ],
            "within_no_return_window": self.within_no_return_window,
        }

    @property
    def responsible(self) -> str:
        return self.lead_agency or "council"

    # -- triage and assessment ----------------------------------------------------------

    def establish_ownership(self, ctx: CommandContext, land: LandKind, landowner: str = "",
                            lead_agency: str | None = None) -> None:
        found = self.begin("establish-ownership", ctx)
        land = one_of(LandKind, land, field="land", what="land kind")
        lead = lead_agency or ("landowner" if land == LandKind.PRIVATE else "council")
        self.enter(LandOwnershipEstablished, ctx, found, Stage.TRIAGE, land=land, lead_agency=lead,
                   personal={"owner": landowner} if landowner else {})

    def visit(self, ctx: CommandContext, caravans: int | None = None, vehicles: int | None = None,
              adults: int | None = None, children: int | None = None,
              animals: int | None = None, officer: str = "", conditions: str = "") -> None:
        """InitialVisitCompleted (or a later visit); the first starts the welfare clock."""
        found = self.begin("visit", ctx)
        for what, value in (("caravans", caravans), ("vehicles", vehicles), ("adults", adults),
                            ("children", children), ("animals", animals)):
            _count(what, value)
        first = self.visited_on is None
        stage = Stage.ASSESSING if self.stage == Stage.TRIAGE else self.stage
        personal = {k: v for k, v in (("officer", officer), ("conditions", conditions)) if v}
        self.enter(InitialVisitCompleted, ctx, found, stage,
                   caravans=self.caravans if caravans is None else caravans,
                   vehicles=self.vehicles if vehicles is None else vehicles,
                   adults=adults, children=children, animals=animals, personal=personal)
        if first:
            self.meet_deadline(ctx, "initial-visit")
            self.set_deadline(ctx, "welfare-assessment", "welfare-assessment", self.responsible)

    def _assessed_stage(self, welfare: bool, impact: bool) -> str:
        if self.stage == Stage.ASSESSING and welfare and impact:
            return Stage.DECIDING
        return self.stage

    def assess_welfare(self, ctx: CommandContext, needs: list[WelfareNeed] | None = None,
                       referrals: list[str] | None = None, notes: str = "") -> None:
        found = self.begin("assess-welfare", ctx, after=self.visited_on, after_what="the initial visit")
        if self.welfare_assessed is not None:  # a re-assessment follows the one it revisits
            times.must_not_precede(ctx.effective, self.welfare_assessed, "the previous welfare assessment")
        needs = [one_of(WelfareNeed, need, field="needs", what="welfare need")
                 for need in needs or []]
        first = self.welfare_assessed is None
        stage = self._assessed_stage(True, self.impact_assessed is not None)
        self.enter(WelfareAssessmentCompleted, ctx, found, stage, needs=needs,
                   referrals=list(referrals or []), personal={"notes": notes} if notes else {})
        if first:
            self.meet_deadline(ctx, "welfare-assessment")
            self.set_deadline(ctx, "decision", "decision", self.responsible)

    def assess_impact(self, ctx: CommandContext, threat: int, likelihood: int,
                      factors: list[str] | None = None, never_acceptable: bool = False) -> None:
        found = self.begin("assess-impact", ctx, after=self.visited_on, after_what="the initial visit")
        risk = risk_score(threat, likelihood)
        stage = self._assessed_stage(self.welfare_assessed is not None, True)
        self.enter(ImpactAssessed, ctx, found, stage, threat=threat, likelihood=likelihood,
                   risk=risk, factors=list(factors or []), never_acceptable=never_acceptable)

    # -- decision -----------------------------------------------------------------------

    def decide(self, ctx: CommandContext, decision: Decision, power: Power | None = None,
               leave_by: str | None = None, reasons: str = "", conditions: str = "",
               services: str = "") -> None:
        found = self.begin("decide", ctx)
        decision = one_of(Decision, decision, field="decision")
        personal = {k: v for k, v in (("reasons", reasons), ("conditions", conditions),
                                      ("services", services)) if v}
        if decision == Decision.NOT_ALLOW:
            if not power:
                raise InvalidInput("Choose the power for a not-allow decision "
                                   f"({', '.join(Power)}).", field="power")
            chosen = one_of(Power, power, field="power")
            no_return.power_in_force(chosen, times.effective_date(ctx.effective))
            if not reasons.strip():
                raise InvalidInput("Give the reasons, including proportionality.", field="reasons")
            self.enter(EncampmentDecided, ctx, found, Stage.ENFORCING, decision=decision,
                       power=chosen, leave_by=None, personal=personal)
            self.cancel_deadline(ctx, "leaving-date")
        else:
            if power:
                raise InvalidInput(f"A {decision} decision takes no power; a power is for not-allow.",
                                   field="power")
            if self.never_acceptable and not ctx.reason:
                raise RuleRefused(
                    f"The impact assessment of {self.reference} marks the location as never "
                    f"acceptable under local policy; a {decision} decision needs a reason "
                    "(--reason).", field="reason")
            if not leave_by:
                raise InvalidInput(f"Give the agreed leaving date for a {decision} decision.",
                                   field="leave_by")
            leave = times.parse_effective(leave_by)
            if times.is_before(leave, ctx.effective):
                raise DateRuleViolated(f"The leaving date {leave} is before the decision ({ctx.effective}).",
                                       field="leave_by")
            self.enter(EncampmentDecided, ctx, found, Stage.TOLERATED, decision=decision, power=None,
                       leave_by=leave, personal=personal)
            self.set_deadline(ctx, "leaving-date", "leaving-date", "occupants", due=leave)
        self.meet_deadline(ctx, "decision")

    # -- enforcement --------------------------------------------------------------------

    def _require_welfare(self, what: str) -> None:
        """processes/unauthorised-encampments.md: no notice or direction before a welfare
        assessment (the practical legal prerequisite for a proportionate decision)."""
        if self.welfare_assessed is None and not self.is_closed:
            raise RuleRefused(
                f"A {what} may not be served before a welfare assessment is recorded on "
                f"{self.reference} (assess-welfare): it is the prerequisite for a proportionate "
                "decision."
            )

    def _direction_conditions(self, power: DirectionPower, on: date, occupier_asked: bool,
                              grounds: list[S61Ground], pitch_available: bool) -> None:
        """CJPOA 1994 s.61(1) and s.62A(2): refuse a police direction whose conditions are not
        recorded; refuse conditions given for a power that has none of them."""
        on_land = self.caravans + self.vehicles
        if power == DirectionPower.S61:
            if not occupier_asked:
                raise RuleRefused(
                    "A s.61 direction needs reasonable steps taken by or on behalf of the occupier "
                    "to ask the trespassers to leave (s.61(1)): record them (--occupier-asked).",
                    field="occupier_asked")
            allowed = S61_GROUNDS_2022 if on >= no_return.PCSCA_2022_COMMENCEMENT else S61_GROUNDS_1994
            if not grounds:
                raise RuleRefused(
                    "A s.61 direction needs a ground (s.61(1)(a)-(b)): "
                    f"{', '.join(allowed)}.", field="grounds")
            wrong = [g for g in grounds if g not in allowed]
            if wrong:
                raise RuleRefused(
                    f"{', '.join(wrong)} is not a s.61 ground on {on.isoformat()}; the grounds "
                    f"then were {', '.join(allowed)} (s.61(1) as amended by PCSCA 2022 s.84 from "
                    "28 June 2022).", field="grounds")
            if S61Ground.SIX_VEHICLES in grounds and on_land < 6:
                raise RuleRefused(
                    f"The six-vehicles ground (s.61(1)(b)) needs six or more vehicles (caravans "
                    f"included, s.61(9)); the case records {on_land}. Record the visit's count.",
                    field="grounds")
        elif power == DirectionPower.S62A:
            if grounds:
                raise InvalidInput("Grounds are for a s.61 direction.", field="grounds")
            if not occupier_asked:
                raise RuleRefused(
                    "A s.62A direction needs the occupier (or a person acting for them) to have "
                    "asked the police to remove the trespassers (s.62A(2)(e)): record it "
                    "(--occupier-asked).", field="occupier_asked")
            if on_land < 1:
                raise RuleRefused("A s.62A direction needs at least one vehicle on the land "
                                  "(s.62A(2)(b)); the case records none.")
            if self.caravans > 0 and not pitch_available:
                raise RuleRefused(
                    "A s.62A direction to people with caravans needs a suitable pitch on a "
                    "relevant caravan site for each caravan (s.62A(2)(d)), after consulting the "
                    "local authority (s.62A(4)): record it (--pitch-available).",
                    field="pitch_available")
        elif grounds or pitch_available:
            raise InvalidInput(f"A {power} direction takes no s.61 grounds or s.62A pitch.",
                               field="grounds" if grounds else "pitch_available")

    def serve_direction(self, ctx: CommandContext, power: DirectionPower, method: str = "in person",
                        served_on: str = "", compliance_due: str | None = None,
                        occupier_asked: bool = False, grounds: list[S61Ground] | None = None,
                        pitch_available: bool = False) -> None:
        """DirectionServed with the no-return window of the rule in force on its date; a police
        direction's statutory conditions are recorded first (DirectionConditionsRecorded)."""
        power = one_of(DirectionPower, no_return.normalise_power(power), field="power",
                       what="direction power")
        chosen = [one_of(S61Ground, g, field="grounds", what="s.61 ground") for g in grounds or []]
        self._require_welfare("direction")
        self.begin("serve-direction", ctx, after=self.welfare_assessed,
                   after_what="the welfare assessment")
        on = times.effective_date(ctx.effective)
        no_return.power_in_force(power, on)
        self._direction_conditions(power, on, occupier_asked, chosen, pitch_available)
        start, until, rule = no_return.no_return_window(power, on)
        if compliance_due:  # refuse a bad due date before anything is recorded
            self._explicit_due(compliance_due, ctx.effective)
        basis = f"statute: {POWER_BASIS[power]}"
        if power in (DirectionPower.S61, DirectionPower.S62A):
            self.record(DirectionConditionsRecorded, ctx, basis, power=power,
                        occupier_asked=occupier_asked, grounds=list(chosen),
                        pitch_available=pitch_available,
                        vehicles_on_land=self.caravans + self.vehicles)
        name = "direction-compliance"
        self.set_deadline(ctx, name, name, "occupants", due=compliance_due)
        self.record(DirectionServed, ctx, basis, power=power, method=method,
                    compliance_due=self.deadlines[name].due, no_return_from=start.isoformat(),
                    no_return_until=until.isoformat(), no_return_rule=rule.version,
                    personal={"served_on": served_on} if served_on else {})

    def refer_to_police(self, ctx: CommandContext, power: DirectionPower) -> None:
        found = self.begin("refer-to-police", ctx)
        police = one_of(PolicePower, no_return.normalise_power(power), field="power",
                        what="police power")
        no_return.power_in_force(police, times.effective_date(ctx.effective))
        self.record(PoliceReferralMade, ctx, found.basis, power=police)

    def check_compliance(self, ctx: CommandContext, still_present: bool) -> None:
        found = self.begin("check-compliance", ctx)
        self.record(ComplianceChecked, ctx, found.basis, still_present=still_present)
        for name in ("direction-compliance", "order-compliance"):
            d = self.deadlines.get(name)
            # Still present: the deadline stays open (overdue once due); the next step is court.
            if d is not None and not still_present and not times.is_before(ctx.effective, d.starts):
                self.meet_deadline(ctx, name)

    def issue_summons(self, ctx: CommandContext, hearing: str, served_on: str | None = None) -> None:
        """s.78 summons: the hearing at least 24 hours after the summons is served."""
        self._require_welfare("summons")
        found = self.begin("issue-summons", ctx, after=self.welfare_assessed,
                           after_what="the welfare assessment")
        hearing = times.parse_effective(hearing)
        served = times.parse_effective(served_on) if served_on else ctx.effective
        times.must_not_precede(served, ctx.effective, "the issue of the summons")
        notice = times.effective_instant(hearing) - times.effective_end(served)
        if notice < S78_NOTICE:
            raise DateRuleViolated(
                f"A s.78 summons must give at least 24 hours' notice of the hearing: served "
                f"{served}, hearing {hearing}. Give a hearing at least 24 hours after service."
            )
        self.record(SummonsIssued, ctx, found.basis, hearing=hearing, served_on=served)

    def issue_claim(self, ctx: CommandContext, hearing: str, served_on: str | None = None,
                    premises: Premises = Premises.LAND, method: ClaimService | None = None,
                    persons_unknown: bool = True) -> None:
        """CPR 55 possession claim against trespassers: served not less than 2 days (5 for
        residential property) before the hearing (r.55.5(2)), counted as clear days under r.2.8:
        neither the day of service nor the hearing day counts and, the period being 5 days or
        less, nor do Saturdays, Sundays and bank holidays (r.2.8(4)). The method of service is
        recorded; against persons unknown it is one of r.55.6's."""
        self._require_welfare("possession claim")
        found = self.begin("issue-claim", ctx, after=self.welfare_assessed,
                           after_what="the welfare assessment")
        premises = one_of(Premises, premises, field="premises")
        hearing = times.parse_effective(hearing)
        served = times.parse_effective(served_on) if served_on else ctx.effective
        times.must_not_precede(served, ctx.effective, "the issue of the claim")
        needed = CPR55_CLEAR_DAYS[premises]
        served_day, hearing_day = times.effective_date(served), times.effective_date(hearing)
        clear = clear_days(ctx.calendar, served_day, hearing_day, needed)
        if clear < needed:
            earliest = earliest_after_clear_days(ctx.calendar, served_day, needed)
            raise DateRuleViolated(
                f"A CPR 55 hearing needs at least {needed} clear days after service for "
                f"{premises} (CPR 55.5(2); CPR 2.8(4): Saturdays, Sundays and bank holidays do "
                f"not count). Served {served_day}, hearing {hearing_day}: {clear} clear days. "
                f"The earliest hearing is {earliest}."
            )
        if method is None:
            raise InvalidInput("Say how the claim was served (" + ", ".join(ClaimService)
                               + "); CPR 55.6 for persons unknown.", field="method")
        method = one_of(ClaimService, method, field="method", what="method of service")
        if persons_unknown and method not in PERSONS_UNKNOWN_SERVICE:
            raise RuleRefused(
                f"A claim against persons unknown is served under CPR 55.6: copies attached to "
                f"the main door or some other part of the land (attached-to-land), or on stakes "
                f"in the land (stakes), or as the court has ordered (court-ordered); not "
                f"'{method}'.", field="method")
        self.record(PossessionClaimIssued, ctx, found.basis, hearing=hearing, served_on=served,
                    premises=premises)
        self.record(ClaimServed, ctx, "civil procedure rule: CPR 55.5(2); CPR 55.6; CPR 2.8",
                    served_on=served, method=method, persons_unknown=persons_unknown,
                    clear_days=clear)

    def record_hearing(self, ctx: CommandContext, result: HearingResult) -> None:
        found = self.begin("record-hearing", ctx)
        result = one_of(HearingResult, result, field="result", what="hearing result")
        if self.summonses + self.claims == 0:
            raise RuleRefused("No summons or possession claim has been issued (issue-summons, issue-claim).")
        self.record(HearingHeld, ctx, found.basis, result=result)

    def grant_order(self, ctx: CommandContext, order: OrderKind,
                    compliance_due: str | None = None) -> None:
        found = self.begin("grant-order", ctx)
        order = one_of(OrderKind, order, field="order")
        if self.hearings == 0:
            raise RuleRefused("Record the hearing (record-hearing) before the order.")
        due = times.parse_effective(compliance_due) if compliance_due else None
        self.record(OrderGranted, ctx, found.basis, order=order, compliance_due=due)

    def serve_order(self, ctx: CommandContext, order: str | None = None,
                    compliance_due: str | None = None) -> None:
        self._require_welfare("order")
        found = self.begin("serve-order", ctx, after=self.order_granted, after_what="the order")
        if self.welfare_assessed is not None:
            times.must_not_precede(ctx.effective, self.welfare_assessed, "the welfare assessment")
        if self.order_granted is None:
            raise RuleRefused("No order has been granted (grant-order).")
        if compliance_due:  # refuse a bad due date before OrderServed is recorded
            self._explicit_due(compliance_due, ctx.effective)
        self.record(OrderServed, ctx, found.basis, order=order or "s78")
        self.set_deadline(ctx, "order-compliance", "order-compliance", "occupants", due=compliance_due)

    def give_entry_notice(self, ctx: CommandContext, notified_on: str | None = None,
                          names_unknown: bool = False) -> None:
        """s.78(3): the owner and occupier told of the council's intention to enter the land (or
        their names and addresses not found after reasonable inquiries)."""
        found = self.begin("give-entry-notice", ctx)
        if self.served_order != OrderKind.S78:
            raise RuleRefused("The s.78(3) notice is for entering land under a s.78 removal order; "
                              "serve the s.78 order first (serve-order).")
        notified = times.parse_effective(notified_on) if notified_on else ctx.effective
        times.must_not_precede(notified, self.order_served or ctx.effective, "the service of the order")
        self.record(EntryNoticeGiven, ctx, found.basis, notified_on=notified,
                    names_unknown=names_unknown)

    def _require_entry_notice(self, ctx: CommandContext) -> None:
        """s.78(3): no entry onto occupied land (land the council does not itself occupy) under a
        s.78 order without 24 hours' notice to the owner and occupier, unless their names and
        addresses could not be found."""
        if self.served_order != OrderKind.S78 or self.land not in (LandKind.PRIVATE,
                                                                   LandKind.OTHER_PUBLIC):
            return
        if self.entry_notice is None:
            raise RuleRefused(
                "Enforcing a s.78 order on land occupied by another needs at least 24 hours' "
                "notice to the owner and occupier first (s.78(3)): record it (give-entry-notice).")
        if self.entry_notice_names_unknown:
            return
        given = times.effective_instant(self.entry_notice)
        if times.effective_instant(ctx.effective) - given < S78_ENTRY_NOTICE:
            raise RuleRefused(
                f"The s.78(3) notice was given at {self.entry_notice}: entry is allowed 24 hours "
                f"later, from {(given + S78_ENTRY_NOTICE).isoformat()}.")

    def enforce(self, ctx: CommandContext, step: EnforcementStep = EnforcementStep.EXECUTED,
                scheduled_for: str | None = None) -> None:
        found = self.begin("enforce", ctx)
        step = one_of(EnforcementStep, step, field="step", what="enforcement step")
        if self.order_served is None and self.directions == 0:
            raise RuleRefused("Serve a direction or an order before enforcement.")
        if step == EnforcementStep.EXECUTED:
            self._require_entry_notice(ctx)
        if step == EnforcementStep.SCHEDULED:
            if not scheduled_for:
                raise InvalidInput("Give the date enforcement is scheduled for.", field="scheduled_for")
            when = times.parse_effective(scheduled_for)
            if times.is_before(when, ctx.effective):
                raise DateRuleViolated(f"Enforcement cannot be scheduled ({when}) before it is arranged.")
            self.record(EnforcementScheduled, ctx, found.basis, scheduled_for=when)
        else:
            self.record(EnforcementExecuted, ctx, found.basis)

    # -- leaving and closing ------------------------------------------------------------

    def vacate(self, ctx: CommandContext, enforced: bool = False) -> None:
        found = self.begin("vacate", ctx)
        self.enter(EncampmentVacated, ctx, found, Stage.VACATED, how="enforced" if enforced else "voluntary")
        self.meet_deadline(ctx, "leaving-date")
        for name in ("direction-compliance", "order-compliance"):
            self.meet_deadline(ctx, name)
        for d in self.open_deadlines():
            if d.name in ("initial-visit", "welfare-assessment", "decision"):
                self.cancel_deadline(ctx, d.name)
        self.set_deadline(ctx, "cleanup", "cleanup", self.responsible)

    def clear_site(self, ctx: CommandContext, cleanup_cost: float | None = None,
                   legal_cost: float | None = None, damage: float | None = None,
                   damage_notes: str = "", outcome: str = "site cleared") -> None:
        """SiteCleared (costs in pounds, kept in pence), then CaseClosed."""
        # CaseClosed may not precede the vacating: check it before SiteCleared is recorded.
        found = self.begin("clear-site", ctx, after=self.stage_effective,
                           after_what="the site being vacated")
        self.record(SiteCleared, ctx, found.basis, cleanup_cost=_pence("clean-up cost", cleanup_cost),
                    legal_cost=_pence("legal cost", legal_cost),
                    damage_cost=_pence("damage cost", damage),
                    personal={"damage": damage_notes} if damage_notes else {})
        self.meet_deadline(ctx, "cleanup")
        self.close_with(ctx, found, outcome)

    def check_can_close(self, ctx: CommandContext) -> None:
        if self.stage != Stage.VACATED and not ctx.reason:
            raise RuleRefused(
                f"{self.reference} is at '{self.stage}'; an encampment closes once the site is "
                "vacated and cleared (clear-site). Give a reason to close it otherwise.",
                field="reason",
            )


# --------------------------------------------------------------------------- rules catalogue

LEG = "https://www.legislation.gov.uk/ukpga/1994/33"

RULES: tuple[Rule, ...] = (
    Rule("encampment", "encampment.power.commencement",
         "A direction, a police referral or a not-allow decision under a power dated before the "
         "power came into force is refused: s.77 and s.61 from 3 November 1994, s.62A-62E from "
         "27 February 2004, s.60C-60E from 28 June 2022.",
         Basis("statute", "CJPOA 1994 ss.61, 77; ss.62A-62E inserted by Anti-social Behaviour Act "
                          "2003 s.60 (commencement 27.2.2004 not verified); ss.60C-60E inserted by "
                          "PCSCA 2022 s.83, in force 28.6.2022 (PCSCA 2022 s.208(5)(i))"),
         f"{LEG}/section/60C"),
    Rule("encampment", "encampment.no-return.period",
         "The no-return period is the one in force on the day of the direction: s.77 3 months; "
         "s.61 and s.62B 3 months until 27 June 2022 and 12 months from 28 June 2022; s.60C "
         "12 months. Each runs beginning with the day of the direction (or request).",
         Basis("statute", "CJPOA 1994 s.77(3); s.61(4ZA)(a) and s.62B(2) as amended by PCSCA 2022 "
                          "s.84; s.60C(3) inserted by PCSCA 2022 s.83"),
         "https://www.legislation.gov.uk/ukpga/2022/32/section/84"),
    Rule("encampment", "encampment.no-return.smith-declaration",
         "Noted, not enforced: the High Court declared the extension of the no-return period from "
         "3 to 12 months (s.60C(3), s.61(4ZA)(a), s.62(1A)(a), s.62B(2)) incompatible with ECHR "
         "art.14 read with art.8. A declaration does not change the law (Human Rights Act 1998 "
         "s.4(6)), so the engine still applies 12 months; no enacted return to 3 months with a "
         "commencement date was found (not verified after this was written).",
         Basis("case law", "R (Smith) v Secretary of State for the Home Department [2024] EWHC "
                           "1137 (Admin), 14 May 2024: declaration of incompatibility"),
         "https://caselaw.nationalarchives.gov.uk/ewhc/admin/2024/1137"),
    Rule("encampment", "encampment.decide.never-acceptable",
         "A location the impact assessment marks as never acceptable (parks, playgrounds, "
         "playing fields, village greens, residential open space in the Cumberland list) cannot "
         "be tolerated, or made a negotiated stopping place, without a recorded reason.",
         Basis("illustrative local practice", "Cumberland impact assessment factors: locations "
                                              "that are never acceptable (research notes; the "
                                              "published protocol was not read)")),
    Rule("encampment", "encampment.claim.clear-days",
         "A possession claim against trespassers is served not less than 2 days (land) or 5 days "
         "(residential property) before the hearing, counted as clear days: neither the day of "
         "service nor the hearing day counts, and Saturdays, Sundays and bank holidays (with "
         "Christmas Day and Good Friday) do not count either. The earliest hearing is said.",
         Basis("civil procedure rule", "CPR 55.5(2); CPR 2.8(2)-(4)"),
         "https://www.justice.gov.uk/courts/procedure-rules/civil/rules/part55"),
    Rule("encampment", "encampment.claim.service",
         "The method of service of a possession claim is recorded; against persons unknown it is "
         "attaching copies to the main door or some other part of the land, stakes in the land, "
         "or a method the court ordered. Deemed service (CPR 6.14, 6.26) is not modelled: the "
         "day of service is the day given.",
         Basis("civil procedure rule", "CPR 55.6 (as quoted by Becket Chambers, 6 Dec 2017); "
                                       "CPR 6.15 (alternative service)"),
         "https://www.justice.gov.uk/courts/procedure-rules/civil/rules/part55"),
    Rule("encampment", "encampment.direction.s61-conditions",
         "A s.61 direction is served only with its conditions recorded first: reasonable steps by "
         "or for the occupier to ask the trespassers to leave, and a ground in force that day "
         "(damage or threatening, abusive or insulting words or behaviour until 27 June 2022; "
         "damage, disruption or distress from 28 June 2022; or six or more vehicles, caravans "
         "included, checked against the case's count).",
         Basis("statute", "CJPOA 1994 s.61(1), (9); s.61(1)(a) and (10) as amended by PCSCA 2022 "
                          "s.84(3), (7)"),
         "https://www.legislation.gov.uk/ukpga/2022/32/section/84"),
    Rule("encampment", "encampment.direction.s62a-conditions",
         "A s.62A direction is served only with its conditions recorded first: the occupier (or "
         "someone for them) asked the police to remove the trespassers, at least one vehicle on "
         "the land, and, where they have caravans, a suitable pitch on a relevant caravan site.",
         Basis("statute", "CJPOA 1994 s.62A(2)(b), (d), (e); s.62A(4) (consulting the local "
                          "authority about pitches)"),
         f"{LEG}/section/62A"),
    Rule("encampment", "encampment.enforce.s78-entry-notice",
         "A s.78 removal order is not enforced on land occupied by someone other than the "
         "council (private or other public land) until 24 hours after notice to the owner and "
         "occupier (give-entry-notice), unless their names and addresses could not be found "
         "after reasonable inquiries.",
         Basis("statute", "CJPOA 1994 s.78(3) (not verified: the text was not read on "
                          "legislation.gov.uk; 24 hours and the names-unknown exception as "
                          "recalled and as the research notes infer)"),
         f"{LEG}/section/78"),
    Rule("encampment", "encampment.no-return.reach",
         "A new encampment is flagged as a return only inside the reach of the earlier window: "
         "s.77 and s.60C the same land, unless the group is known to be another; s.61 the same "
         "land, whoever returns; s.62A (s.62B) the same group anywhere in the partnership's area, "
         "or the same land when the persons are not identified. The group reference stands for "
         "the persons directed; a partnership is taken to cover one local authority's area "
         "(assumed).",
         Basis("statute", "CJPOA 1994 s.77(3)(b) (again enters the land); s.61(4)(b) (again enters "
                          "the land); s.62B(1)(b) (enters any land in the area of the relevant "
                          "local authority); s.60C(2)(b) (enters or re-enters the land)"),
         f"{LEG}/section/62B"),
)
