"""ASB Case Reviews (processes/asb-case-review.md), formerly the "Community Trigger".

Legal basis: Anti-social Behaviour, Crime and Policing Act 2014 ss.104-105 and Schedule 4, with the
Home Office statutory guidance for frontline professionals (July 2025). The relevant bodies carry
out a review when an application meets the threshold, tell the applicant the threshold decision and
the outcome, and offer a route for the dissatisfied. In Cumbria the local focus hubs coordinate.
Every default clock is local procedure (the Cumbria procedure); the duties are statutory.
"""

# ruff: noqa: E501  (the stage table reads best one row per line, as in dardr.py)
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import field
from datetime import date
from enum import StrEnum
from typing import NotRequired, TypedDict
from uuid import UUID

from domain import times
from domain.asb_threshold import Complaint, Evaluation, ThresholdRule, evaluate
from domain.calendar import ClockUnit, add_calendar_months, due_time
from domain.case import (
    COMMON_COMMANDS,
    Case,
    CaseEvent,
    CaseOpened,
    CommandContext,
    StageEntered,
)
from domain.choices import one_of
from domain.errors import DateRuleViolated, InvalidInput, NotFound, RuleRefused
from domain.plain import Json, JsonObject, Text, Texts
from domain.policy import Basis, CasePolicy, clock
from domain.process import ProcessDefinition, transition
from domain.rules import Rule


class Channel(StrEnum):
    """How the application arrived."""

    ONLINE = "online"
    PHONE = "phone"
    PAPER = "paper"
    EMAIL = "email"
    ON_BEHALF = "on-behalf"


class ApplicantType(StrEnum):
    """Who applies; a senior manager only where the local variant allows it."""

    INDIVIDUAL = "individual"
    BUSINESS = "business"
    COMMUNITY_GROUP = "community-group"
    THIRD_PARTY_WITH_CONSENT = "third-party-with-consent"
    SENIOR_MANAGER = "senior-manager"


class NotifyMethod(StrEnum):
    """How the applicant was told (ASBCPA 2014 s.104(6): the threshold decision; s.104(9): the
    outcome and any recommendations)."""

    LETTER = "letter"
    EMAIL = "email"
    PHONE = "phone"
    IN_PERSON = "in-person"


class Stage(StrEnum):
    """The stages of an ASB Case Review (processes/asb-case-review.md, "Stages")."""

    RECEIVED = "received"
    GATHERING_INFORMATION = "gathering-information"
    THRESHOLD_NOT_MET = "threshold-not-met"
    REVIEW_PENDING = "review-pending"
    REVIEW_HELD = "review-held"
    OUTCOME_PENDING = "outcome-pending"
    MONITORING_ACTIONS = "monitoring-actions"
    APPEAL = "appeal"
    CLOSED = "closed"


class AppealTarget(StrEnum):
    """The stages an upheld appeal may send the case back to."""

    GATHERING_INFORMATION = "gathering-information"
    REVIEW_PENDING = "review-pending"
    REVIEW_HELD = "review-held"
    OUTCOME_PENDING = "outcome-pending"


CHANNELS = tuple(Channel)
NOTIFY_METHODS = tuple(NotifyMethod)


class InvolvementLevel(StrEnum):
    """How involved the victim chooses to be (2025 statutory guidance, as summarised)."""

    ATTEND_MEETING = "attend-meeting"
    WRITTEN_VIEWS = "written-views"
    KEPT_INFORMED = "kept-informed"
    NONE = "none"


class NotMetCategory(StrEnum):
    """Why the threshold is not met, told to the applicant with the reasons."""

    BELOW_THRESHOLD = "below-threshold"
    VEXATIOUS = "vexatious"
    MALICIOUS = "malicious"
    NOT_ANTI_SOCIAL_BEHAVIOUR = "not-anti-social-behaviour"
    OTHER = "other"
APPEAL_TARGETS = tuple(AppealTarget)

STAGES = tuple(Stage)
OPEN = [s for s in Stage if s != Stage.CLOSED]
BEFORE_DECISION = [Stage.RECEIVED, Stage.GATHERING_INFORMATION]
WITH_ACTIONS = [Stage.OUTCOME_PENDING, Stage.MONITORING_ACTIONS]

S104 = "ASBCPA 2014 s.104"
GUIDE = "Home Office ASB statutory guidance (2025)"
LOCAL = "caseledger's ASB Case Review process (processes/asb-case-review.md)"
"""The engine's own steps: assumed local practice, not a published procedure."""
EDEN = ("illustrative: the legacy Carlisle and Eden CSP ASB case review timescales (research A.9; "
        "the current Cumberland and Westmorland and Furness timescales were not found published)")
UNSOURCED = "assumed local practice: no published Cumbria timescale found"
SCH4_3 = "ASBCPA 2014 Sch.4 para 3"
S104_LINK = "https://www.legislation.gov.uk/ukpga/2014/12/section/104"
SCH4_LINK = "https://www.legislation.gov.uk/ukpga/2014/12/schedule/4"

_table = [
    transition("add-complaint", BEFORE_DECISION, None, "statute", f"{S104}(11): qualifying complaints"),
    transition("mark-duplicate", BEFORE_DECISION, None, "statutory guidance", f"{GUIDE}: one incident reported to several agencies counts once"),
    transition("acknowledge", Stage.RECEIVED, Stage.GATHERING_INFORMATION, "assumed local practice", LOCAL),
    transition("decide-threshold", Stage.GATHERING_INFORMATION, [Stage.THRESHOLD_NOT_MET, Stage.REVIEW_PENDING], "statute", f"{S104}(4)-(5): threshold decision"),
    transition("notify-threshold", [Stage.THRESHOLD_NOT_MET, Stage.REVIEW_PENDING], None, "statute", f"{S104}(6): applicant informed of the threshold decision"),
    transition("choose-involvement", [Stage.RECEIVED, Stage.GATHERING_INFORMATION, Stage.REVIEW_PENDING], None, "statutory guidance", f"{GUIDE}: the victim chooses their level of involvement (paragraph not verified)"),
    transition("assign-victim-contact", OPEN, None, "statutory guidance", f"{GUIDE}: a single point of contact for the victim (paragraph not verified)"),
    transition("schedule-meeting", Stage.REVIEW_PENDING, None, "assumed local practice", LOCAL),
    transition("hold-meeting", Stage.REVIEW_PENDING, Stage.REVIEW_HELD, "statute", f"{S104}(1): the review is carried out"),
    transition("recommend", Stage.REVIEW_HELD, Stage.OUTCOME_PENDING, "statute", f"{S104}(7): recommendations"),
    transition("share-action-plan", Stage.OUTCOME_PENDING, None, "statutory guidance", f"{GUIDE}: victim consulted on the action plan"),
    transition("record-victim-comments", Stage.OUTCOME_PENDING, None, "statutory guidance", f"{GUIDE}: victim consulted on the action plan"),
    transition("notify-outcome", Stage.OUTCOME_PENDING, Stage.MONITORING_ACTIONS, "statute", f"{S104}(9): applicant informed of the outcome and any recommendations"),
    transition("lodge-appeal", [Stage.THRESHOLD_NOT_MET, Stage.MONITORING_ACTIONS], Stage.APPEAL, "statute", f"{SCH4_3}: what happens when the applicant is dissatisfied with how the application was dealt with or the review carried out"),
    transition("record-no-appeal", [Stage.THRESHOLD_NOT_MET, Stage.MONITORING_ACTIONS], None, "statute", f"{SCH4_3}: the applicant says they will not ask for a review of how the application was dealt with"),
    transition("determine-appeal", Stage.APPEAL, [*APPEAL_TARGETS, Stage.THRESHOLD_NOT_MET, Stage.MONITORING_ACTIONS], "assumed local practice", f"{LOCAL}: appeal"),
    *[transition(cmd, OPEN, None, "assumed local practice", "processes/common.md (caseledger's record-keeping)") for cmd in COMMON_COMMANDS
      if cmd not in ("add-action", "update-action", "close-action", "close")],
    transition("add-action", WITH_ACTIONS, None, "statute", f"{S104}(8): a person exercising public functions has regard to the recommendations"),
    transition("update-action", WITH_ACTIONS, None, "assumed local practice", f"{LOCAL}: action monitoring"),
    transition("close-action", WITH_ACTIONS, None, "assumed local practice", f"{LOCAL}: action monitoring"),
    transition("close", [s for s in OPEN if s != Stage.APPEAL], Stage.CLOSED, "assumed local practice", f"{LOCAL}: closure (the victim is told when and why: tell-victim-closure)"),
    transition("reopen", Stage.CLOSED, OPEN, "assumed local practice", f"{LOCAL}: re-opening"),
    transition("tell-victim-closure", Stage.CLOSED, None, "statutory guidance", f"{GUIDE}: the victim is told when and why the case is closed (paragraph not verified)"),
]


def national_policy(settings: Mapping[str, str] | None = None) -> CasePolicy:
    """Default clocks (processes/asb-case-review.md, "Clocks"): none is statutory; where a
    published (legacy) Cumbria timescale was found it is cited as illustrative, otherwise the
    clock says it is assumed local practice."""
    W = ClockUnit.WORKING_DAYS
    il, al = "illustrative local practice", "assumed local practice"
    return CasePolicy(
        version="national-asb-2025",
        effective_from="2014-10-20",
        settings={"threshold_minimum": "3", **dict(settings or {})},
        clocks={
            "acknowledgement": clock(W, 2, il, f"{EDEN}: record and acknowledge within 2 WD"),
            "return:information": clock(W, 5, al, UNSOURCED),
            "threshold-decision": clock(W, 10, il, f"{EDEN}: threshold advice within 10 WD"),
            "threshold-notification": clock(W, 2, al, f"{UNSOURCED}; the duty to inform is {S104}(6)"),
            "review-meeting": clock(W, 10, il, f"{EDEN}: review panel within 10 WD"),
            "outcome-notification": clock(W, 5, il, f"{EDEN}: feedback within 5 WD; the duty to inform is {S104}(9)"),
            "appeal-window": clock(W, 20, al, UNSOURCED),
            "appeal-decision": clock(W, 10, il, f"{EDEN}: the appeal panel meets within 10 WD"),
            "action": clock(W, 60, "action plan", "due date agreed with the owner"),
        },
    )


DEFINITION = ProcessDefinition(
    case_type="asb",
    reference_code="ASB",
    stages=STAGES,
    transitions={t.command: t for t in _table},
    return_kinds=("information",),
    national_policy=national_policy,
)

RECEIVE_BASIS = Basis("statute", f"{S104}(1): application for an ASB Case Review")

CUMBERLAND_PAGE = "https://www.allerdale.gov.uk/en/community-advice-safety/community-safety/asb-case-review/"
WAF_PAGE = ("https://www.westmorlandandfurness.gov.uk/your-environment/your-community/"
            "community-safety/anti-social-behaviour-case-review")
CONSENT_SOURCE = ("Cumberland and Westmorland and Furness ASB case review pages: 'a third party who "
                  "can make an application for a case review on behalf of a victim, with their "
                  "consent'")
CONSENT_BASIS = Basis("local procedure", CONSENT_SOURCE)

PASS_ON_BASIS = Basis(
    "statute", f"{S104}(3)(b): the procedures 'ensure that applications made to that point of "
    "contact are passed on to all the relevant bodies'; co-opted social housing providers are "
    "relevant bodies (s.105, Sch.4 para 5)")

NOT_MET_BASIS = Basis(
    "statutory guidance",
    f"{S104}(6) (the applicant is informed of the decision) and {GUIDE}: reasons given; refusal as "
    "vexatious or malicious with a recorded reason (guidance paragraph not verified)")

RULES: tuple[Rule, ...] = (
    Rule("asb", "asb.threshold.statutory-minimum",
         "'Not met' is refused when at least three (or the partnership's lower number, "
         "threshold_minimum) qualifying complaints were made; the same incident reported to "
         "several agencies counts once.",
         Basis("statute", f"{S104}(4) (read: 'at least three (or, if a different number is "
               "specified in the review procedures, at least that number of) qualifying complaints "
               "... the relevant bodies must decide that the threshold for a review is met'); "
               "counting a multi-agency incident once is local practice (research A.2)"),
         S104_LINK),
    Rule("asb", "asb.threshold.discretion-reasons",
         "A 'met' decision that no rule supports is discretionary and needs reasons.",
         Basis("statute", f"{S104}(5) (read: decided 'in accordance with the review procedures', "
               "which may refer to persistence, harm or potential harm, and the adequacy of the "
               "response)"), S104_LINK),
    Rule("asb", "asb.complaint.qualifying",
         "A complaint qualifies when made within one calendar month of the behaviour and the "
         "application is made within six months of the complaint.",
         Basis("statute", f"{S104}(11), as described by the Explanatory Notes, para 231 (the "
               "subsection's own text not re-read for this release)"),
         "https://www.legislation.gov.uk/ukpga/2014/12/section/104/notes"),
    Rule("asb", "asb.victim.told-of-closure",
         "After closing, the victim being told when and why the case closed is recorded "
         "(tell-victim-closure: method, and what they were told as personal data); once per "
         "closure. Not enforced: closing does not wait for it.",
         Basis("statutory guidance", f"{GUIDE}: the victim is told when and why the case closes "
               "(as summarised by ASB Help 2025, research A.8; the guidance text not verified)")),
    Rule("asb", "asb.victim.second-report-flag",
         "A case shows second_report_within_six_months when one complainant (by key) made a "
         "second complaint within six months of an earlier one, so that they are told about the "
         "case review. Shown in the case's details and, as a starred reference, on the case list "
         "and the deadlines view (JSON: second_report); complaints marked as duplicates count "
         "once.",
         Basis("statutory guidance", f"{GUIDE}: explain the case review to a victim who makes a "
               "second report within six months (as summarised by Cobb Warren and ASB Help, "
               "research A.5; the guidance text not verified)")),
    Rule("asb", "asb.victim.involvement",
         "The victim's chosen level of involvement (attend-meeting, written-views, kept-informed, "
         "none) is recorded and the meeting follows it: invited when they chose to attend, not "
         "invited (no reason needed) when they chose otherwise; inviting against their choice "
         "needs a reason. Without a recorded choice the meeting still defaults to invited.",
         Basis("statutory guidance", f"{GUIDE}: the victim chooses their level of involvement "
               "(as summarised by ASB Help and Cobb Warren, research A.8; the guidance text not "
               "verified)")),
    Rule("asb", "asb.victim.single-point-of-contact",
         "A single point of contact for the victim can be assigned (agency; the name is personal "
         "data). Not enforced at any stage.",
         Basis("statutory guidance", f"{GUIDE}: 'should ensure ... a single point of contact' "
               "(as quoted by ASB Help 2025, research A.8; the guidance text not verified)")),
    Rule("asb", "asb.acknowledge.passed-on",
         "Acknowledging names the relevant bodies the application is passed on to, at least one "
         "(ApplicationPassedOn), and an information return is asked of each; where the victim is "
         "a tenant of a social housing provider (recorded at receive), the application must be "
         "passed to that provider. Not checked: that every relevant body of the area (council, "
         "police, each ICB, each co-opted provider) is named.",
         PASS_ON_BASIS, S104_LINK),
    Rule("asb", "asb.threshold.complainant-keys",
         "The local 'five complaints from different people' variant counts complainants by their "
         "keys only: a complaint without a complainant key is never taken to be a different "
         "person. The number and window are policy settings (complainants_number, default 5; "
         "complainants_window_months, default 6).",
         Basis("local procedure", "legacy Allerdale ASB case review page: '5 reports by different "
               f"people' (research A.2); a local threshold under {S104}(5)"), S104_LINK),
    Rule("asb", "asb.threshold.hate-incident-window",
         "The local hate-incident variant's window is a policy setting "
         "(hate_incident_window_months, default 3: legacy Allerdale; six months elsewhere).",
         Basis("local procedure", f"legacy Allerdale ASB case review page (research A.2); a local "
               f"threshold under {S104}(5)"), S104_LINK),
    Rule("asb", "asb.threshold.senior-manager",
         "Where the partnership's policy switches it on (variant_senior_manager_from), a senior "
         "council manager may start a review for a vulnerable victim (applicant type "
         "senior-manager); shipped for both Cumbria partnerships from 2024-04-01.",
         Basis("local procedure", "Cumberland and Westmorland and Furness ASB case review pages: "
               "'a senior manager ... who decides that case review is necessary to safeguard a "
               "vulnerable victim' (W&F: 'regardless of whether an application has been received')"),
         WAF_PAGE),
    Rule("asb", "asb.receive.third-party-consent",
         "A third party (applicant type third-party-with-consent, or the on-behalf channel) "
         "applies only with the victim's consent: without it the application is refused (not "
         "recorded as 'consent to be sought'), so no clock runs and no victim data is held "
         "before the victim agrees; with it, VictimConsentConfirmed is recorded.",
         Basis("local procedure", f"{CONSENT_SOURCE} (read on both councils' published pages). "
               f"The Act itself lets 'that person, or any other person' apply ({S104}(1)(a)): "
               "consent is the published local procedure, not statute"),
         WAF_PAGE),
    Rule("asb", "asb.threshold.not-met-reasons",
         "A 'not met' decision needs reasons and a category (below-threshold, vexatious, "
         "malicious, not-anti-social-behaviour, other); below-threshold is assumed only when no "
         "threshold rule is met. The not-met notice records that the applicant was told the "
         "category and the reasons. A category never overrides s.104(4): three qualifying "
         "complaints still mean 'met'.",
         Basis("statutory guidance", f"{S104}(6) (read: 'After the relevant bodies have decided "
               "whether or not the threshold for a review is met, they must inform the applicant'); "
               "reasons and the vexatious/malicious category are practice seen in published local "
               "procedures (Westminster) and the 2025 statutory guidance as summarised by ASB Help "
               "and Cobb Warren: the guidance text itself not verified"),
         S104_LINK),
    Rule("asb", "asb.close.appeal-window",
         "A case is not closed inside the appeal window after a threshold-not-met notice or an "
         "outcome notice, unless the applicant has said they will not appeal (record-no-appeal) or "
         "a reason is recorded.",
         Basis("statute", f"{SCH4_3}: the review procedures must provide for what happens where an "
               "applicant is dissatisfied with the way the relevant bodies have (a) dealt with an "
               "application or (b) carried out a review (read on legislation.gov.uk). The window's "
               "length (20 working days) is local procedure, not statute"),
         SCH4_LINK),
    Rule("asb", "asb.appeal.body-recorded",
         "Each appeal records the body that hears it: named on the appeal (--heard-by) or the "
         "partnership's policy setting appeal_body; when neither names one the record says so.",
         Basis("statute", f"{SCH4_3} (the body is for the local review procedures to name; "
               "the Act names none)"),
         SCH4_LINK),
)


# --------------------------------------------------------------------------- events


class ApplicationReceived(CaseOpened["AsbCaseReview"]):
    """The application: channel, applicant type, consent and the complaints (non-personal parts);
    the applicant's name and contact and the complaints' descriptions are in ``personal``."""

    TOPIC = "caseledger.domain.asb:ApplicationReceived"

    channel: str
    applicant_type: str
    consent: bool
    complaints: list[ComplaintRecord]

    def apply_to(self, case: AsbCaseReview) -> None:
        case.channel = self.channel
        case.applicant_type = self.applicant_type
        case.consent = self.consent
        case.complaints = complaints_recorded(self)


class VictimConsentConfirmed(CaseEvent["AsbCaseReview"]):
    """A third party applies: the victim's consent to the application is confirmed."""

    TOPIC = "caseledger.domain.asb:VictimConsentConfirmed"

    def apply_to(self, case: AsbCaseReview) -> None:
        case.victim_consent = self.effective


class VictimTenancyRecorded(CaseEvent["AsbCaseReview"]):
    """The victim is a tenant of a social housing provider (a co-opted relevant body, s.105 and
    Sch.4 para 5): the application is passed to it."""

    TOPIC = "caseledger.domain.asb:VictimTenancyRecorded"

    landlord: str

    def apply_to(self, case: AsbCaseReview) -> None:
        case.victim_landlord = self.landlord


class ApplicationPassedOn(CaseEvent["AsbCaseReview"]):
    """The application was passed on to these relevant bodies (s.104(3)(b))."""

    TOPIC = "caseledger.domain.asb:ApplicationPassedOn"

    bodies: list[str]

    def apply_to(self, case: AsbCaseReview) -> None:
        case.passed_to = sorted({*(case.passed_to or []), *self.bodies})


class VictimInvolvementChosen(CaseEvent["AsbCaseReview"]):
    """The level of involvement the victim chose (not assumed)."""

    TOPIC = "caseledger.domain.asb:VictimInvolvementChosen"

    level: str

    def apply_to(self, case: AsbCaseReview) -> None:
        case.involvement = self.level


class VictimContactAssigned(CaseEvent["AsbCaseReview"]):
    """The victim's single point of contact: the agency; the officer's name is personal."""

    TOPIC = "caseledger.domain.asb:VictimContactAssigned"

    agency: str
    personal: Text  # the contact's name

    def apply_to(self, case: AsbCaseReview) -> None:
        case.victim_contact_agency = self.agency


class VictimToldOfClosure(CaseEvent["AsbCaseReview"]):
    """The victim was told that, and why, the case closed; what they were told is personal."""

    TOPIC = "caseledger.domain.asb:VictimToldOfClosure"

    method: str
    personal: Text  # what the victim was told (free text)

    def apply_to(self, case: AsbCaseReview) -> None:
        case.victim_told_of_closure = self.effective


class ComplaintAdded(CaseEvent["AsbCaseReview"]):
    TOPIC = "caseledger.domain.asb:ComplaintAdded"

    complaint: ComplaintRecord
    personal: JsonObject  # the description (free text)

    def apply_to(self, case: AsbCaseReview) -> None:
        case.complaints.extend(complaints_recorded(self))


class ComplaintsMarkedDuplicate(CaseEvent["AsbCaseReview"]):
    """The coordinator records that complaints are the same incident (counted once)."""

    TOPIC = "caseledger.domain.asb:ComplaintsMarkedDuplicate"

    kept: str
    duplicates: list[str]
    personal: Text  # why (free text)

    def apply_to(self, case: AsbCaseReview) -> None:
        for c in case.complaints:
            if c["id"] in self.duplicates:
                c["duplicate_of"] = self.kept


class ApplicationAcknowledged(StageEntered["AsbCaseReview"]):
    TOPIC = "caseledger.domain.asb:ApplicationAcknowledged"

    agencies: list[str]


class ThresholdDecided(StageEntered["AsbCaseReview"]):
    TOPIC = "caseledger.domain.asb:ThresholdDecided"

    met: bool
    rule: str
    evaluation: JsonObject
    personal: Text  # the reasons (free text)

    def apply_to(self, case: AsbCaseReview) -> None:
        case.threshold_met = self.met
        case.threshold_rule = self.rule
        case.threshold_decided = self.effective
        case.threshold_notified = None


class ThresholdNotMetCategorised(CaseEvent["AsbCaseReview"]):
    """The category of a "not met" decision (its reasons are in ThresholdDecided.personal)."""

    TOPIC = "caseledger.domain.asb:ThresholdNotMetCategorised"

    category: str

    def apply_to(self, case: AsbCaseReview) -> None:
        case.not_met_category = self.category
        case.not_met_told = None


class NotMetReasonsNotified(CaseEvent["AsbCaseReview"]):
    """The not-met notice told the applicant the decision's category and its reasons."""

    TOPIC = "caseledger.domain.asb:NotMetReasonsNotified"

    category: str

    def apply_to(self, case: AsbCaseReview) -> None:
        case.not_met_told = self.effective


class ThresholdDecisionNotified(CaseEvent["AsbCaseReview"]):
    TOPIC = "caseledger.domain.asb:ThresholdDecisionNotified"

    method: str
    appeal_until: str | None

    def apply_to(self, case: AsbCaseReview) -> None:
        case.threshold_notified = self.effective
        case.appeal_until = self.appeal_until
        case.appeal_against = "threshold" if self.appeal_until else None
        case.appeal_waived = None


class ReviewMeetingScheduled(CaseEvent["AsbCaseReview"]):
    TOPIC = "caseledger.domain.asb:ReviewMeetingScheduled"

    meeting_date: str

    def apply_to(self, case: AsbCaseReview) -> None:
        case.meeting_scheduled = self.meeting_date


class CaseReviewMeetingHeld(StageEntered["AsbCaseReview"]):
    TOPIC = "caseledger.domain.asb:CaseReviewMeetingHeld"

    independent_chair: bool
    agencies: list[str]
    victim_invited: bool
    victim_attended: bool
    personal: Text  # the chair's name

    def apply_to(self, case: AsbCaseReview) -> None:
        case.meeting_held = self.effective
        case.victim_invited = self.victim_invited
        case.victim_attended = self.victim_attended


class RecommendationsMade(StageEntered["AsbCaseReview"]):
    TOPIC = "caseledger.domain.asb:RecommendationsMade"

    count: int
    personal: Texts  # the recommendations (free text)

    def apply_to(self, case: AsbCaseReview) -> None:
        case.recommendations = self.count
        case.recommended_on = self.effective


class NoRecommendationsMade(StageEntered["AsbCaseReview"]):
    TOPIC = "caseledger.domain.asb:NoRecommendationsMade"

    def apply_to(self, case: AsbCaseReview) -> None:
        case.recommendations = 0
        case.recommended_on = self.effective


class ActionPlanSharedWithVictim(CaseEvent["AsbCaseReview"]):
    TOPIC = "caseledger.domain.asb:ActionPlanSharedWithVictim"

    def apply_to(self, case: AsbCaseReview) -> None:
        case.action_plan_shared = self.effective


class VictimCommentsRecorded(CaseEvent["AsbCaseReview"]):
    TOPIC = "caseledger.domain.asb:VictimCommentsRecorded"

    personal: Text  # the victim's comments (free text)

    def apply_to(self, case: AsbCaseReview) -> None:
        case.victim_comments = self.effective


class OutcomeNotified(StageEntered["AsbCaseReview"]):
    TOPIC = "caseledger.domain.asb:OutcomeNotified"

    method: str
    appeal_until: str

    def apply_to(self, case: AsbCaseReview) -> None:
        case.outcome_notified = self.effective
        case.appeal_until = self.appeal_until
        case.appeal_against = "outcome"
        case.appeal_waived = None


class AppealLodged(StageEntered["AsbCaseReview"]):
    TOPIC = "caseledger.domain.asb:AppealLodged"

    against: str
    return_stage: str
    personal: Text  # the grounds (free text)

    def apply_to(self, case: AsbCaseReview) -> None:
        case.appeal_lodged = self.effective
        case.appeal_return_stage = self.return_stage
        case.appeal_until = None
        case.appeals += 1


class AppealWaived(CaseEvent["AsbCaseReview"]):
    """The applicant said they will not appeal against the notice (the case may then close inside
    the appeal window)."""

    TOPIC = "caseledger.domain.asb:AppealWaived"

    against: str

    def apply_to(self, case: AsbCaseReview) -> None:
        case.appeal_waived = self.effective


class AppealBodyRecorded(CaseEvent["AsbCaseReview"]):
    """The body that hears the appeal (Sch.4 para 3 leaves it to the review procedures): named on
    the appeal, or the partnership's policy setting ``appeal_body``; ``named`` is false when neither
    said, so that the gap shows."""

    TOPIC = "caseledger.domain.asb:AppealBodyRecorded"

    body: str
    named: bool

    def apply_to(self, case: AsbCaseReview) -> None:
        case.appeal_heard_by = self.body if self.named else None


class AppealDetermined(StageEntered["AsbCaseReview"]):
    TOPIC = "caseledger.domain.asb:AppealDetermined"

    upheld: bool
    against: str

    def apply_to(self, case: AsbCaseReview) -> None:
        case.appeal_result = "upheld" if self.upheld else "not-upheld"
        case.appeal_lodged = None
        if self.upheld and self.against == "threshold":
            case.threshold_met = True
            case.threshold_rule = "appeal"
            case.threshold_notified = None
            case.not_met_category = None


# --------------------------------------------------------------------------- aggregate

class AsbCaseReview(Case):
    """An ASB Case Review, from application to closure."""

    TOPIC = "caseledger.domain.asb:AsbCaseReview"

    class Event(Case.Event):
        TOPIC = "caseledger.domain.asb:AsbCaseReview.Event"

    class Created(Event, Case.Created):
        TOPIC = "caseledger.domain.asb:AsbCaseReview.Created"

    definition = DEFINITION
    class_version = 2

    # Set by ApplicationReceived; the applicant's name and contact and the complaints'
    # descriptions stay in the events' personal fields.
    channel: str = field(init=False)
    applicant_type: str = field(init=False)
    consent: bool = field(init=False)
    complaints: list[ComplaintRecord] = field(init=False, default_factory=list)
    threshold_met: bool | None = field(init=False, default=None)
    threshold_rule: str | None = field(init=False, default=None)
    threshold_decided: str | None = field(init=False, default=None)
    threshold_notified: str | None = field(init=False, default=None)
    meeting_scheduled: str | None = field(init=False, default=None)
    meeting_held: str | None = field(init=False, default=None)
    victim_invited: bool | None = field(init=False, default=None)
    victim_attended: bool | None = field(init=False, default=None)
    recommendations: int | None = field(init=False, default=None)
    recommended_on: str | None = field(init=False, default=None)
    action_plan_shared: str | None = field(init=False, default=None)
    victim_comments: str | None = field(init=False, default=None)
    outcome_notified: str | None = field(init=False, default=None)
    appeal_until: str | None = field(init=False, default=None)
    appeal_against: str | None = field(init=False, default=None)
    appeal_lodged: str | None = field(init=False, default=None)
    appeal_return_stage: str | None = field(init=False, default=None)
    appeal_result: str | None = field(init=False, default=None)
    appeals: int = field(init=False, default=0)
    appeal_waived: str | None = field(init=False, default=None)
    not_met_category: str | None = field(init=False, default=None)
    victim_consent: str | None = field(init=False, default=None)
    victim_landlord: str | None = field(init=False, default=None)
    passed_to: list[str] | None = field(init=False, default=None)
    involvement: str | None = field(init=False, default=None)
    victim_contact_agency: str | None = field(init=False, default=None)
    victim_told_of_closure: str | None = field(init=False, default=None)
    not_met_told: str | None = field(init=False, default=None)
    appeal_heard_by: str | None = field(init=False, default=None)

    @staticmethod
    def upcast_v1_v2(state: dict[str, Json]) -> None:
        """Snapshots taken while the application's personal data was kept in the state: the
        complainant keys move to their complaints, and the personal data is dropped."""
        personal = state.pop("personal", None)
        private = personal.get("complaints") if isinstance(personal, Mapping) else None
        complaints = state.get("complaints")
        if isinstance(complaints, list):
            for c in complaints:
                if isinstance(c, dict) and isinstance(private, Mapping):
                    c.setdefault("complainant", _complainant_in(private.get(str(c.get("id")))))

    # -- opening ----------------------------------------------------------------------

    @classmethod
    def receive(
        cls, ctx: CommandContext, *, case_id: UUID, reference: str, partnership: str, hub: str,
        policy: CasePolicy, channel: Channel, applicant_type: ApplicantType, applicant_name: str,
        applicant_contact: str, consent: bool, complaints: Sequence[Mapping[str, object]],
        victim_consent: bool = False, victim_landlord: str | None = None,
    ) -> AsbCaseReview:
        """ApplicationReceived, the acknowledgement and threshold-decision clocks; a third party's
        application only with the victim's consent (VictimConsentConfirmed)."""
        channel = one_of(Channel, channel, field="channel")
        applicant_type = one_of(ApplicantType, applicant_type, field="applicant_type")
        if not applicant_name.strip():
            raise InvalidInput("Give the applicant's name.", field="applicant_name")
        third_party = (applicant_type == ApplicantType.THIRD_PARTY_WITH_CONSENT
                       or channel == Channel.ON_BEHALF)
        if third_party and not victim_consent:
            raise RuleRefused(
                "A third party applies on the victim's behalf only with the victim's consent; "
                "seek it, then record the application with --victim-consent "
                f"({CONSENT_SOURCE}).", field="victim_consent")
        public: list[ComplaintRecord] = []
        private: dict[str, Text] = {}
        for number, raw in enumerate(complaints, start=1):
            item, personal = _complaint(f"C{number}", raw, ctx)
            public.append(item)
            private[item["id"]] = personal
        review = cls.open_case(
            ApplicationReceived, ctx, case_id=case_id, reference=reference,
            partnership=partnership, hub=hub, policy=policy, stage=Stage.RECEIVED,
            basis=RECEIVE_BASIS,
            personal={"applicant_name": applicant_name, "applicant_contact": applicant_contact,
                      "complaints": private},
            channel=channel, applicant_type=applicant_type, consent=consent, complaints=public,
        )
        if third_party:
            review.record(VictimConsentConfirmed, ctx, CONSENT_BASIS)
        if victim_landlord and victim_landlord.strip():
            review.record(VictimTenancyRecorded, ctx, PASS_ON_BASIS, landlord=victim_landlord.strip())
        review.set_deadline(ctx, "acknowledgement", "acknowledgement", "hub")
        review.set_deadline(ctx, "threshold-decision", "threshold-decision", "partnership")
        return review

    def view_details(self) -> dict[str, Json]:
        return {
            "channel": self.channel, "applicant_type": self.applicant_type,
            "consent": self.consent, "victim_consent": self.victim_consent,
            "victim_landlord": self.victim_landlord, "passed_to": self.passed_to,
            "involvement": self.involvement, "victim_contact_agency": self.victim_contact_agency,
            "victim_told_of_closure": self.victim_told_of_closure,
            "second_report_within_six_months": self.second_report_within_six_months(), "threshold_met": self.threshold_met,
            "threshold_rule": self.threshold_rule, "threshold_decided": self.threshold_decided,
            "threshold_notified": self.threshold_notified,
            "not_met_category": self.not_met_category, "not_met_told": self.not_met_told,
            "meeting_scheduled": self.meeting_scheduled, "meeting_held": self.meeting_held,
            "victim_invited": self.victim_invited, "victim_attended": self.victim_attended,
            "recommendations": self.recommendations,
            "action_plan_shared": self.action_plan_shared,
            "outcome_notified": self.outcome_notified, "appeal_until": self.appeal_until,
            "appeal_lodged": self.appeal_lodged, "appeal_result": self.appeal_result,
            "appeals": self.appeals, "appeal_waived": self.appeal_waived,
            "appeal_heard_by": self.appeal_heard_by, "complaints": len(self.complaints),
        }

    def view_extra(self) -> dict[str, Json]:
        return {"complaints": [
            {"id": c["id"], "behaviour": c["behaviour"], "reported": c["reported"],
             "agency": c["agency"], "reference": c["reference"], "hate": c["hate"],
             "duplicate_of": c["duplicate_of"], "complainant": c.get("complainant")}
            for c in self.complaints
        ]}

    # -- complaints and the threshold --------------------------------------------------

    def add_complaint(self, ctx: CommandContext, behaviour: str, reported: str, agency: str,
                      reference: str | None = None, hate: bool = False, description: str = "",
                      complainant: str | None = None) -> str:
        found = self.begin("add-complaint", ctx)
        item, personal = _complaint(f"C{len(self.complaints) + 1}", {
            "behaviour": behaviour, "reported": reported, "agency": agency,
            "reference": reference, "hate": hate, "description": description,
            "complainant": complainant}, ctx)
        self.record(ComplaintAdded, ctx, found.basis, complaint=item, personal=personal)
        return item["id"]

    def mark_duplicate(self, ctx: CommandContext, complaints: list[str], why: str) -> None:
        """The first complaint named is kept; the others are the same incident."""
        found = self.begin("mark-duplicate", ctx)
        if len(complaints) < 2:
            raise InvalidInput("Name at least two complaints: the one kept, then its duplicates.",
                               field="complaints")
        if not why.strip():
            raise InvalidInput("Say why the complaints are the same incident.", field="why")
        known = {c["id"] for c in self.complaints}
        for cid in complaints:
            if cid not in known:
                raise NotFound(f"{self.reference} has no complaint '{cid}'; complaints: "
                               f"{', '.join(sorted(known)) or 'none'}.", field="complaints")
        if len(set(complaints)) != len(complaints):
            raise InvalidInput("A complaint is named more than once.", field="complaints")
        self.record(ComplaintsMarkedDuplicate, ctx, found.basis, kept=complaints[0],
                    duplicates=complaints[1:], personal={"reason": why})

    def complaint_objects(self) -> list[Complaint]:
        return [
            Complaint(
                id=c["id"], behaviour=date.fromisoformat(c["behaviour"]),
                reported=date.fromisoformat(c["reported"]), agency=c["agency"],
                reference=c.get("reference"), hate=bool(c.get("hate")),
                complainant=c.get("complainant"), duplicate_of=c.get("duplicate_of"),
            )
            for c in self.complaints
        ]

    def evaluate_threshold(self) -> Evaluation:
        """The threshold evaluated from the recorded complaints and the case's policy."""
        return evaluate(self.complaint_objects(), times.effective_date(self.opened_on),
                        self.policy.settings, self.applicant_type)

    def acknowledge(self, ctx: CommandContext, agencies: list[str] | None = None) -> None:
        """ApplicationAcknowledged; the application is passed on to each relevant body named
        (ApplicationPassedOn) and an information return is requested from each."""
        found = self.begin("acknowledge", ctx)
        agencies = list(agencies or [])
        if not agencies:
            raise RuleRefused(
                f"Name the relevant bodies the application is passed on to, at least one ({S104}"
                f"(3)(b): 'passed on to all the relevant bodies'); an information return is asked "
                f"of each.", field="agencies")
        self.check_can_request(agencies, "information")
        if self.victim_landlord and self.victim_landlord not in agencies:
            raise RuleRefused(
                f"The victim is a tenant of {self.victim_landlord}, a co-opted relevant body: pass "
                f"the application to it too ({S104}(3)(b): 'passed on to all the relevant bodies').",
                field="agencies")
        self.enter(ApplicationAcknowledged, ctx, found, Stage.GATHERING_INFORMATION, agencies=agencies)
        if agencies:
            self.record(ApplicationPassedOn, ctx, PASS_ON_BASIS, bodies=agencies)
        self.meet_deadline(ctx, "acknowledgement")
        for agency in agencies:
            self._request(ctx, agency, "information", None)

    def decide_threshold(self, ctx: CommandContext, met: bool, rule: ThresholdRule | None = None,
                         reasons: str = "", category: str | None = None) -> None:
        """ThresholdDecided; a "not met" also records its category (ThresholdNotMetCategorised)."""
        found = self.begin("decide-threshold", ctx)
        chosen = None if rule is None else one_of(ThresholdRule, rule, field="rule")
        evaluation = self.evaluate_threshold()
        if not met and evaluation.statutory_met:
            raise RuleRefused(
                f"The statutory threshold is met ({evaluation.rules[0].explanation}); "
                f"{S104}(4) requires it to be treated as met, so 'not met' cannot be recorded.",
                field="met",
            )
        kind = self._not_met_category(met, category, evaluation, reasons)
        recorded = self._rule_for(met, chosen, evaluation, reasons)
        stage = Stage.REVIEW_PENDING if met else Stage.THRESHOLD_NOT_MET
        self.enter(ThresholdDecided, ctx, found, stage, met=met, rule=recorded,
                   evaluation=evaluation.to_dict(), personal={"reasons": reasons})
        if kind is not None:
            self.record(ThresholdNotMetCategorised, ctx, NOT_MET_BASIS, category=kind)
        self.meet_deadline(ctx, "threshold-decision")
        self.set_deadline(ctx, "threshold-notification", "threshold-notification", "hub")
        if met:
            self.set_deadline(ctx, "review-meeting", "review-meeting", "partnership")

    @staticmethod
    def _not_met_category(met: bool, category: str | None, evaluation: Evaluation,
                          reasons: str) -> NotMetCategory | None:
        """Rule asb.threshold.not-met-reasons: reasons and a category; "below-threshold" is the
        default only when the evaluation finds no rule met."""
        if met:
            if category is not None:
                raise InvalidInput("A category is only for a 'not met' decision.", field="category")
            return None
        if not reasons.strip():
            raise InvalidInput("A 'not met' decision needs reasons: they are told to the applicant.",
                               field="reasons")
        if category is None:
            if evaluation.met:
                raise InvalidInput(
                    f"The rule '{evaluation.rule}' is met on the recorded complaints; a 'not met' "
                    f"decision needs a category ({', '.join(NotMetCategory)}).",
                    field="category")
            return NotMetCategory.BELOW_THRESHOLD
        return one_of(NotMetCategory, category, field="category", what="category")

    @staticmethod
    def _rule_for(met: bool, chosen: ThresholdRule | None, evaluation: Evaluation,
                  reasons: str) -> str:
        """The rule a decision records: the one chosen or the first met; "not-met" when not met."""
        if not met:
            return "not-met"
        rule = chosen or evaluation.rule or ThresholdRule.DISCRETION
        if rule == ThresholdRule.DISCRETION:
            if not reasons.strip():
                raise InvalidInput(
                    "No threshold rule is met; a discretionary 'met' (s.104(5)) needs reasons "
                    "(persistence, harm or potential harm, adequacy of the response).",
                    field="reasons",
                )
        elif rule not in evaluation.met_rules:
            met_rules = ", ".join(evaluation.met_rules) or "none"
            raise RuleRefused(
                f"The rule '{rule}' is not met on the recorded complaints (met: {met_rules}); "
                f"use the rule {ThresholdRule.DISCRETION} with reasons for a discretionary "
                "decision.",
                field="rule",
            )
        return str(rule)

    def notify_threshold(self, ctx: CommandContext, method: NotifyMethod) -> None:
        found = self.begin("notify-threshold", ctx, after=self.threshold_decided,
                           after_what="the threshold decision")
        method = one_of(NotifyMethod, method, field="method")
        if self.threshold_notified:
            raise RuleRefused(f"The applicant was already told of the decision on {self.threshold_notified}.")
        until = None if self.threshold_met else self._appeal_until(ctx)
        self.record(ThresholdDecisionNotified, ctx, found.basis, method=method, appeal_until=until)
        if not self.threshold_met and self.not_met_category:
            self.record(NotMetReasonsNotified, ctx, NOT_MET_BASIS, category=self.not_met_category)
        self.meet_deadline(ctx, "threshold-notification")

    def _appeal_until(self, ctx: CommandContext) -> str:
        rule = self.policy.clock_for("appeal-window").rule
        return due_time(rule, times.effective_instant(ctx.effective), ctx.calendar).isoformat()

    # -- the review -----------------------------------------------------------------------

    def schedule_meeting(self, ctx: CommandContext, meeting_date: str) -> None:
        found = self.begin("schedule-meeting", ctx)
        when = times.parse_effective(meeting_date)
        times.must_not_precede(when, self.stage_effective, "the threshold decision")
        self.record(ReviewMeetingScheduled, ctx, found.basis, meeting_date=when)

    def tell_victim_closure(self, ctx: CommandContext, method: NotifyMethod, why: str) -> None:
        """VictimToldOfClosure, after the closure (and again after a re-opening and closure)."""
        found = self.begin("tell-victim-closure", ctx, after=self.closed_on,
                           after_what="the closure")
        method = one_of(NotifyMethod, method, field="method")
        if not why.strip():
            raise InvalidInput("Say what the victim was told about why the case closed.", field="why")
        if self.victim_told_of_closure and self.closed_on and not times.is_before(
                self.victim_told_of_closure, self.closed_on):
            raise RuleRefused(f"The victim was already told of this closure on "
                              f"{self.victim_told_of_closure[:10]}.")
        self.record(VictimToldOfClosure, ctx, found.basis, method=method, personal={"why": why})

    def second_report_within_six_months(self) -> bool:
        """A complainant (by key) with a second complaint reported within six months of an
        earlier one: the 2025 guidance says they should be told about the case review."""
        by_key: dict[str, list[str]] = {}
        for c in self.complaints:
            key = c.get("complainant")
            if key and not c.get("duplicate_of"):
                by_key.setdefault(key, []).append(c["reported"])  # ISO dates sort as dates
        for reported in by_key.values():
            ordered = sorted(reported)
            if any(later <= second_report_window_end(earlier)
                   for earlier, later in zip(ordered, ordered[1:], strict=False)):
                return True
        return False

    def choose_involvement(self, ctx: CommandContext, level: str) -> None:
        """VictimInvolvementChosen: the victim's own choice, which the meeting then follows."""
        found = self.begin("choose-involvement", ctx)
        chosen = one_of(InvolvementLevel, level, field="level", what="involvement level")
        self.record(VictimInvolvementChosen, ctx, found.basis, level=chosen)

    def assign_victim_contact(self, ctx: CommandContext, agency: str, name: str) -> None:
        """VictimContactAssigned: one named contact for the victim (replaces any earlier one)."""
        found = self.begin("assign-victim-contact", ctx)
        if not agency.strip():
            raise InvalidInput("Give the contact's agency.", field="agency")
        if not name.strip():
            raise InvalidInput("Give the contact's name.", field="name")
        self.record(VictimContactAssigned, ctx, found.basis, agency=agency.strip(),
                    personal={"name": name})

    def hold_meeting(self, ctx: CommandContext, chair: str, independent_chair: bool = False,
                     victim_invited: bool | None = None, victim_attended: bool = False,
                     agencies: list[str] | None = None) -> None:
        """The victim is invited when they chose to attend; not given and no choice recorded:
        invited (as before the 2025 guidance)."""
        found = self.begin("hold-meeting", ctx)
        if victim_invited is None:
            victim_invited = self.involvement in (None, InvolvementLevel.ATTEND_MEETING)
        elif victim_invited and self.involvement not in (None, InvolvementLevel.ATTEND_MEETING) and not ctx.reason:
            raise RuleRefused(
                f"The victim chose '{self.involvement}', not to attend the meeting; record a new "
                "choice (choose-involvement) or give a reason.", field="reason")
        if not self.threshold_notified:
            raise RuleRefused("Tell the applicant the threshold decision (notify-threshold) before "
                              "the review meeting is held.")
        if not chair.strip():
            raise InvalidInput("Give the chair's name.", field="chair")
        if not victim_invited and not ctx.reason and self.involvement in (None, InvolvementLevel.ATTEND_MEETING):
            raise InvalidInput("Say why the victim was not invited.", field="reason")
        if victim_attended and not victim_invited:
            raise InvalidInput("The victim cannot have attended without being invited.")
        self.enter(CaseReviewMeetingHeld, ctx, found, Stage.REVIEW_HELD,
                   independent_chair=independent_chair, agencies=list(agencies or []),
                   victim_invited=victim_invited, victim_attended=victim_attended,
                   personal={"chair": chair})
        self.meet_deadline(ctx, "review-meeting")
        self.set_deadline(ctx, "outcome-notification", "outcome-notification", "hub")

    def recommend(self, ctx: CommandContext, recommendations: list[str] | None = None,
                  none: bool = False) -> None:
        found = self.begin("recommend", ctx)
        items = [r for r in (recommendations or []) if r.strip()]
        if none:
            if items:
                raise InvalidInput("Give recommendations or none, not both.", field="none")
            if not ctx.reason:
                raise InvalidInput("Say why no recommendations were made.", field="reason")
            self.enter(NoRecommendationsMade, ctx, found, Stage.OUTCOME_PENDING)
            return
        if not items:
            raise InvalidInput("Give at least one recommendation, or none with a reason.",
                               field="recommendations")
        self.enter(RecommendationsMade, ctx, found, Stage.OUTCOME_PENDING, count=len(items),
                   personal={"recommendations": items})

    def share_action_plan(self, ctx: CommandContext) -> None:
        found = self.begin("share-action-plan", ctx)
        self.record(ActionPlanSharedWithVictim, ctx, found.basis)

    def record_victim_comments(self, ctx: CommandContext, comments: str) -> None:
        found = self.begin("record-victim-comments", ctx)
        if not self.action_plan_shared:
            raise RuleRefused("Share the action plan with the victim (share-action-plan) first.")
        times.must_not_precede(ctx.effective, self.action_plan_shared, "the plan being shared")
        if not comments.strip():
            raise InvalidInput("The comments are empty.", field="comments")
        self.record(VictimCommentsRecorded, ctx, found.basis, personal={"comments": comments})

    def notify_outcome(self, ctx: CommandContext, method: NotifyMethod) -> None:
        found = self.begin("notify-outcome", ctx)
        method = one_of(NotifyMethod, method, field="method")
        if self.recommendations and not self.action_plan_shared and not ctx.reason:
            raise RuleRefused(
                f"{GUIDE}: share the action plan with the victim for comment before it is final "
                "(share-action-plan), or give a reason.",
                field="reason",
            )
        self.enter(OutcomeNotified, ctx, found, Stage.MONITORING_ACTIONS, method=method,
                   appeal_until=self._appeal_until(ctx))
        self.meet_deadline(ctx, "outcome-notification")

    # -- appeals ------------------------------------------------------------------------------

    def lodge_appeal(self, ctx: CommandContext, grounds: str, heard_by: str | None = None) -> None:
        """AppealLodged, and AppealBodyRecorded: the body named, else the policy's ``appeal_body``."""
        found = self.begin("lodge-appeal", ctx)
        if not self.appeal_until or not self.appeal_against:
            raise RuleRefused(
                f"No appeal window is open on {self.reference}: an appeal follows a threshold-not-met "
                "notice or an outcome notice, once."
            )
        if times.effective_instant(ctx.effective) > times.effective_instant(self.appeal_until):
            raise RuleRefused(
                f"The appeal window closed on {self.appeal_until[:10]} (20 working days after the "
                "notice); the appeal cannot be lodged."
            )
        if not grounds.strip():
            raise InvalidInput("Give the grounds of the appeal.", field="grounds")
        body = (heard_by or "").strip() or self.policy.settings.get("appeal_body", "").strip()
        self.enter(AppealLodged, ctx, found, Stage.APPEAL, against=self.appeal_against,
                   return_stage=self.stage, personal={"grounds": grounds})
        self.record(AppealBodyRecorded, ctx, Basis("statute", SCH4_3),
                    body=body or "not named in the review procedures", named=bool(body))
        self.set_deadline(ctx, "appeal-decision", "appeal-decision", "partnership")

    def record_no_appeal(self, ctx: CommandContext) -> None:
        """The applicant said they will not appeal against the notice that opened the window."""
        found = self.begin("record-no-appeal", ctx)
        if not self.appeal_until or not self.appeal_against:
            raise RuleRefused(f"No appeal window is open on {self.reference}.")
        if self.appeal_waived:
            raise RuleRefused(f"The applicant already said on {self.appeal_waived[:10]} that they "
                              "will not appeal.")
        self.record(AppealWaived, ctx, found.basis, against=self.appeal_against)

    def determine_appeal(self, ctx: CommandContext, upheld: bool,
                         back_to: AppealTarget | None = None) -> None:
        """Upheld: back to the stage named (default: the review for a threshold appeal, the
        review's recommendations for an outcome appeal), with a new clock; not upheld: the
        previous stage."""
        found = self.begin("determine-appeal", ctx)
        against = self.appeal_against or "outcome"
        if not upheld:
            if back_to:
                raise InvalidInput("A stage to go back to is only for an upheld appeal.", field="back_to")
            stage = self.appeal_return_stage or Stage.MONITORING_ACTIONS
            self.enter(AppealDetermined, ctx, found, stage, upheld=False, against=against)
            self.meet_deadline(ctx, "appeal-decision")
            return
        default = AppealTarget.REVIEW_PENDING if against == "threshold" else AppealTarget.REVIEW_HELD
        target = one_of(AppealTarget, back_to or default, field="back_to",
                        what="stage to go back to")
        self.enter(AppealDetermined, ctx, found, target, upheld=True, against=against)
        self.meet_deadline(ctx, "appeal-decision")
        if target == AppealTarget.GATHERING_INFORMATION:
            self.set_deadline(ctx, "threshold-decision", "threshold-decision", "partnership")
        elif target == AppealTarget.REVIEW_PENDING:
            self.set_deadline(ctx, "threshold-notification", "threshold-notification", "hub")
            self.set_deadline(ctx, "review-meeting", "review-meeting", "partnership")
        else:
            self.set_deadline(ctx, "outcome-notification", "outcome-notification", "hub")

    # -- closing ----------------------------------------------------------------------------

    def check_can_close(self, ctx: CommandContext) -> None:
        if self.stage == Stage.THRESHOLD_NOT_MET:
            if not self.threshold_notified:
                raise RuleRefused("Tell the applicant the threshold decision (notify-threshold) "
                                  "before closing a not-met case.")
            self._check_appeal_window_closed(ctx)
            return
        if self.stage == Stage.MONITORING_ACTIONS:
            self._check_appeal_window_closed(ctx)
            still_open = self.open_actions()
            if still_open and not ctx.reason:
                listed = ", ".join(f"{a.id} ({a.owner}, due {a.due[:10]})" for a in still_open)
                raise RuleRefused(f"{self.reference} has open actions: {listed}. Close them "
                                  "first, or give a reason.", field="reason")
            return
        if not ctx.reason:
            raise InvalidInput(f"Closing at stage '{self.stage}' (e.g. a withdrawn application) "
                               "needs a reason.", field="reason")


    def _check_appeal_window_closed(self, ctx: CommandContext) -> None:
        """Rule asb.close.appeal-window: not closed inside the window after a not-met or outcome
        notice unless the applicant said they will not appeal or a reason is recorded."""
        if not self.appeal_until or self.appeal_waived or ctx.reason:
            return
        if times.effective_instant(ctx.effective) <= times.effective_instant(self.appeal_until):
            raise RuleRefused(
                f"The applicant may still appeal until {self.appeal_until[:10]} ({SCH4_3}); "
                "record that they will not appeal (record-no-appeal), wait for the window to "
                "close, or give a reason.", field="reason")


class ComplaintRecord(TypedDict):
    """A complaint's facts as events store them and the case keeps them. ``complainant`` is an
    opaque key (no names) telling complainants apart: not personal data, so it is kept with the
    complaint; complaints recorded before that kept it in their personal part."""

    id: str
    behaviour: str
    reported: str
    agency: str
    reference: str | None
    hate: bool
    duplicate_of: str | None
    complainant: NotRequired[str | None]


def _complainant_in(personal: Json) -> str | None:
    value = personal.get("complainant") if isinstance(personal, Mapping) else None
    return None if value is None else str(value)


def complaints_recorded(event: ApplicationReceived | ComplaintAdded) -> list[ComplaintRecord]:
    """The complaints an event records, as the case keeps them (with their complainant keys,
    wherever the event kept them)."""
    if isinstance(event, ComplaintAdded):
        return [_folded(event.complaint, event.personal)]
    private = event.personal.get("complaints") if isinstance(event.personal, Mapping) else None
    return [_folded(c, private.get(c["id"]) if isinstance(private, Mapping) else None)
            for c in event.complaints]


def second_report_window_end(reported: str) -> str:
    """The last day a complainant's next report counts as a second report within six months
    (2025 statutory guidance: such a victim is told about the case review)."""
    return add_calendar_months(date.fromisoformat(reported), 6).isoformat()


def _folded(recorded: ComplaintRecord, personal: Json) -> ComplaintRecord:
    """The complaint as the case keeps it, with its complainant key wherever it was recorded."""
    folded = recorded.copy()
    if folded.get("complainant") is None:
        folded["complainant"] = _complainant_in(personal)
    return folded


def _complaint(cid: str, raw: Mapping[str, object],
               ctx: CommandContext) -> tuple[ComplaintRecord, Text]:
    """Validate one complaint: (its non-personal fields, its personal fields)."""
    try:
        behaviour = times.parse_effective(str(raw["behaviour"]))
        reported = times.parse_effective(str(raw["reported"]))
        agency = str(raw["agency"]).strip()
    except KeyError as missing:
        raise InvalidInput(f"A complaint needs behaviour=DATE, reported=DATE and agency=AGENCY "
                           f"(missing {missing}).", field="complaints") from None
    if not agency:
        raise InvalidInput("A complaint needs the agency it was reported to (agency=AGENCY).",
                           field="complaints")
    times.must_not_be_in_future(reported, ctx.now, "The date the complaint was reported")
    if times.is_before(reported, behaviour):
        raise DateRuleViolated(
            f"Complaint {cid} was reported ({times.effective_date(reported)}) before the behaviour "
            f"it complains of ({times.effective_date(behaviour)}); check both dates."
        )
    if times.is_before(ctx.effective, reported):
        raise DateRuleViolated(
            f"Complaint {cid} was reported ({times.effective_date(reported)}) after the date this "
            f"is recorded as effective ({times.effective_date(ctx.effective)})."
        )
    reference = str(raw.get("reference") or "").strip() or None
    complainant = str(raw.get("complainant") or "").strip() or None
    public = ComplaintRecord(
        id=cid, behaviour=times.effective_date(behaviour).isoformat(),
        reported=times.effective_date(reported).isoformat(), agency=agency, reference=reference,
        hate=bool(raw.get("hate", False)), duplicate_of=None, complainant=complainant,
    )
    return public, {"description": str(raw.get("description") or "")}
