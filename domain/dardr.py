"""Domestic Abuse Related Death Reviews (processes/dardr.md).

Legal basis: Domestic Violence, Crime and Victims Act 2004 s.9, as amended by the Domestic Abuse
Act 2021 and (prospectively) the Victims and Prisoners Act 2024 s.19; conduct follows the Home
Office multi-agency statutory guidance (2016 in force; a 2024 draft revision). The partnership
commissions the review; a coordinator runs it; an independent chair leads it.
"""

from __future__ import annotations

from dataclasses import field
from enum import StrEnum
from uuid import UUID

from domain import times
from domain.calendar import ClockUnit
from domain.case import (
    COMMON_COMMANDS,
    ActionPlanAdopted,
    Case,
    CaseClosed,
    CaseEvent,
    CaseOpened,
    CasePaused,
    CaseResumed,
    CommandContext,
    DeadlinePaused,
    ParallelProcess,
    StageEntered,
)
from domain.choices import one_of
from domain.errors import DateRuleViolated, InvalidInput, NotFound, RuleRefused
from domain.plain import Json, Text, Texts
from domain.policy import Basis, CasePolicy, clock
from domain.process import ProcessDefinition, Transition, transition
from domain.rules import Rule


class Guidance(StrEnum):
    """The statutory guidance a review runs under; it sets the completion clock."""

    DHR_2016 = "dhr-2016"
    DARDR_2024_DRAFT = "dardr-2024-draft"


class Relationship(StrEnum):
    """DVCVA 2004 s.9(1)(a)-(b): how the person who died was related to the person suspected."""

    INTIMATE_PARTNER = "intimate-partner"
    FORMER_PARTNER = "former-partner"
    FAMILY = "family"
    HOUSEHOLD = "household"


class DeathType(StrEnum):
    HOMICIDE = "homicide"
    SUSPECTED_SUICIDE = "suspected-suicide"
    OTHER = "other"


class AgeBand(StrEnum):
    UNDER_16 = "under-16"
    AGED_16_17 = "16-17"
    AGED_18_24 = "18-24"
    AGED_25_34 = "25-34"
    AGED_35_44 = "35-44"
    AGED_45_54 = "45-54"
    AGED_55_64 = "55-64"
    AGED_65_74 = "65-74"
    AGED_75_PLUS = "75+"
    UNKNOWN = "unknown"


class ReviewOutcome(StrEnum):
    """DVCVA 2004 s.9(1): the partnership's decision whether to hold a review."""

    REVIEW = "review"
    NO_REVIEW = "no-review"
    JOINT_REVIEW = "joint-review"
    """A review held jointly with another statutory review (a SAR, CSPR, MHHR or OWHR)."""
    REFERRED = "referred"
    """No DARDR here: the death is referred to another statutory review, which covers it."""


class HomeOfficeView(StrEnum):
    """The Home Office's view of a no-review decision; a direction is DVCVA 2004 s.9(2)."""

    NO_REVIEW_AGREED = "no-review-agreed"
    RECONSIDER = "reconsider"
    DIRECTION = "direction"


class QaOutcome(StrEnum):
    """The Home Office Quality Assurance Panel's outcome."""

    APPROVED = "approved"
    APPROVED_SUBJECT_TO_AMENDMENTS = "approved-subject-to-amendments"
    RESUBMISSION_REQUIRED = "resubmission-required"


class DeferralReason(StrEnum):
    CRIMINAL_PROCEEDINGS = "criminal-proceedings"
    INQUEST = "inquest"
    FAMILY = "family"
    OTHER = "other"


class ProcessKind(StrEnum):
    """Parallel processes a review may wait for (criminal trial, inquest, IOPC, other reviews)."""

    CRIMINAL = "criminal"
    INQUEST = "inquest"
    IOPC = "iopc"
    SAR = "sar"
    CSPR = "cspr"
    MHHR = "mhhr"
    OWHR = "owhr"
    OTHER = "other"


class Stage(StrEnum):
    """The stages of a review (processes/dardr.md, "Stages")."""

    NOTIFIED = "notified"
    SCOPING = "scoping"
    DECIDED_NO_REVIEW = "decided-no-review"
    AWAITING_HOME_OFFICE_VIEW = "awaiting-home-office-view"
    COMMISSIONING = "commissioning"
    EVIDENCE_GATHERING = "evidence-gathering"
    DRAFTING = "drafting"
    LOCAL_SIGN_OFF = "local-sign-off"
    SUBMITTED_TO_HOME_OFFICE = "submitted-to-home-office"
    AMENDING = "amending"
    APPROVED = "approved"
    PUBLISHED = "published"
    CLOSED = "closed"


GUIDANCE_2016 = Guidance.DHR_2016
GUIDANCE_2024_DRAFT = Guidance.DARDR_2024_DRAFT
GUIDANCE_VERSIONS = tuple(Guidance)
RELATIONSHIPS = tuple(Relationship)
DEATH_TYPES = tuple(DeathType)
AGE_BANDS = tuple(AgeBand)
HOME_OFFICE_VIEWS = tuple(HomeOfficeView)
QA_OUTCOMES = tuple(QaOutcome)
DEFERRAL_REASONS = tuple(DeferralReason)
PROCESS_KINDS = tuple(ProcessKind)

#: The other statutory reviews a decision may join or refer to (a subset of ProcessKind).
OTHER_REVIEWS = (ProcessKind.SAR, ProcessKind.CSPR, ProcessKind.MHHR, ProcessKind.OWHR)
UNDER_18 = (AgeBand.UNDER_16, AgeBand.AGED_16_17)

STAGES = tuple(Stage)
OPEN = [s for s in Stage if s != Stage.CLOSED]
AFTER_REVIEW_DECISION = OPEN[OPEN.index(Stage.COMMISSIONING):]
UNTIL_SIGN_OFF = AFTER_REVIEW_DECISION[: AFTER_REVIEW_DECISION.index(Stage.LOCAL_SIGN_OFF) + 1]
FROM_DRAFTING = OPEN[OPEN.index(Stage.DRAFTING):]
FROM_SIGN_OFF = OPEN[OPEN.index(Stage.LOCAL_SIGN_OFF):]

AFTER_SUBMISSION = [Stage.SUBMITTED_TO_HOME_OFFICE, Stage.AMENDING, Stage.APPROVED, Stage.PUBLISHED]

S9 = "DVCVA 2004 s.9"
GUIDE = "Home Office DHR statutory guidance (2016)"
DRAFT = "draft DARDR guidance (2024; a consultation draft, not in force)"
LOCAL = "no published DARDR procedure found; a working default"
LOCAL_KIND = "assumed local practice"
PUBLICATION_NOTICE_REF = ("Home Office DHR statutory guidance (2016): the CSP tells the Home "
                          "Office when and where the report is published (paragraph not verified)")
WITHHOLD_REF = (
    f"{GUIDE}: publication, unless there are exceptional circumstances not to publish (as stated "
    "by the Minister, Hansard (Lords) 27 January 2021; the guidance paragraph not verified)"
)
S9_LINK = ("https://www.legislation.gov.uk/ukpga/2004/28/part/1/crossheading/"
           "domestic-homicide-reviews")
GUIDE_LINK = ("https://www.gov.uk/government/publications/"
              "revised-statutory-guidance-for-the-conduct-of-domestic-homicide-reviews")

_table = [
    transition("start-scoping", Stage.NOTIFIED, Stage.SCOPING, "statutory guidance", f"{GUIDE}: agencies secure records"),
    transition("complete-scoping-review", Stage.SCOPING, None, "draft guidance (not in force)", f"{DRAFT}: Scoping Review"),
    transition("decide", Stage.SCOPING, [Stage.COMMISSIONING, Stage.DECIDED_NO_REVIEW], "statute", f"{S9}(1); {GUIDE}: decision within one month"),
    transition("notify-home-office", [Stage.DECIDED_NO_REVIEW, *AFTER_REVIEW_DECISION], [Stage.AWAITING_HOME_OFFICE_VIEW, *AFTER_REVIEW_DECISION], "statutory guidance", f"{GUIDE}: inform the Home Office of the decision"),
    transition("record-home-office-view", Stage.AWAITING_HOME_OFFICE_VIEW, [Stage.CLOSED, Stage.SCOPING, Stage.COMMISSIONING], "statute", f"{S9}(2): Secretary of State may direct a review"),
    transition("appoint-chair", UNTIL_SIGN_OFF, None, "statutory guidance", f"{GUIDE}: independent chair"),
    transition("add-panel-member", UNTIL_SIGN_OFF, None, "statutory guidance", f"{GUIDE}: review panel"),
    transition("record-panel-meeting", UNTIL_SIGN_OFF, None, "statutory guidance", f"{GUIDE}: review panel"),
    transition("agree-terms", Stage.COMMISSIONING, Stage.EVIDENCE_GATHERING, "statutory guidance", f"{GUIDE}: terms of reference"),
    transition("circulate-draft", [Stage.EVIDENCE_GATHERING, Stage.DRAFTING], Stage.DRAFTING, "statutory guidance", f"{GUIDE}: overview report"),
    transition("agree-report", Stage.DRAFTING, Stage.LOCAL_SIGN_OFF, "statutory guidance", f"{GUIDE}: panel agrees the overview report"),
    transition("sign-off", Stage.LOCAL_SIGN_OFF, None, "statutory guidance", f"{GUIDE}: CSP sign-off"),
    transition("submit", [Stage.LOCAL_SIGN_OFF, Stage.AMENDING], Stage.SUBMITTED_TO_HOME_OFFICE, "statutory guidance", f"{GUIDE}: submission to the Home Office QA Panel"),
    transition("record-qa-outcome", Stage.SUBMITTED_TO_HOME_OFFICE, [Stage.AMENDING, Stage.APPROVED], "statutory guidance", f"{GUIDE}: Home Office Quality Assurance Panel"),
    transition("complete-amendments", Stage.AMENDING, Stage.APPROVED, "statutory guidance", f"{GUIDE}: QA Panel amendments"),
    transition("address-qa-point", AFTER_SUBMISSION, None, "statutory guidance", f"{GUIDE}: QA Panel feedback"),
    transition("close-qa-point", AFTER_SUBMISSION, None, "statutory guidance", f"{GUIDE}: QA Panel feedback"),
    transition("notify-home-office-of-publication", Stage.PUBLISHED, None, "statutory guidance", PUBLICATION_NOTICE_REF),
    transition("send-commissioner-copy", FROM_SIGN_OFF, None, "statute", f"{S9}(3B) (Domestic Abuse Act 2021)"),
    transition("adopt-action-plan", FROM_SIGN_OFF, None, "statutory guidance", f"{GUIDE}: action plan"),
    transition("defer-publication", [Stage.SUBMITTED_TO_HOME_OFFICE, Stage.AMENDING, Stage.APPROVED], None, "statutory guidance", f"{GUIDE}: publication after proceedings"),
    transition("end-publication-deferral", [Stage.SUBMITTED_TO_HOME_OFFICE, Stage.AMENDING, Stage.APPROVED], None, "statutory guidance", f"{GUIDE}: publication after proceedings"),
    transition("publish", Stage.APPROVED, Stage.PUBLISHED, "statutory guidance", f"{GUIDE}: publication"),
    transition("withhold-publication", Stage.APPROVED, Stage.CLOSED, "statutory guidance", WITHHOLD_REF),
    *[
        transition(cmd, OPEN, None, "statutory guidance", f"{GUIDE}: involving family and friends")
        for cmd in ("record-family-contact", "offer-advocacy", "record-family-contribution",
                    "show-family-draft", "agree-pseudonyms", "record-family-declined",
                    "give-family-leaflet", "record-advocacy-response", "record-family-terms-input",
                    "tell-family-publication-date")
    ],
    *[transition(cmd, OPEN, None, "assumed local practice", "processes/common.md (caseledger's record-keeping)") for cmd in COMMON_COMMANDS
      if cmd not in ("add-action", "update-action", "close-action", "close")],
    transition("add-action", FROM_DRAFTING, None, "statutory guidance", f"{GUIDE}: action plan"),
    transition("update-action", FROM_DRAFTING, None, "statutory guidance", f"{GUIDE}: action plan monitoring"),
    transition("close-action", FROM_DRAFTING, None, "statutory guidance", f"{GUIDE}: action plan monitoring"),
    transition("close", Stage.PUBLISHED, Stage.CLOSED, "statutory guidance", f"{GUIDE}: action plan completed"),
    transition("reopen", Stage.CLOSED, OPEN, "statute", f"{S9}(2): e.g. a later Home Office direction"),
]


def national_policy(guidance: str = Guidance.DHR_2016) -> CasePolicy:
    """National default clocks (processes/dardr.md, "Clocks"), for a guidance version."""
    guidance = one_of(Guidance, guidance, field="guidance")
    M, D, W = ClockUnit.CALENDAR_MONTHS, ClockUnit.CALENDAR_DAYS, ClockUnit.WORKING_DAYS
    completion_months = 6 if guidance == GUIDANCE_2016 else 12
    completion_kind = "statutory guidance" if guidance == GUIDANCE_2016 else "draft guidance (not in force)"
    completion_ref = GUIDE if guidance == GUIDANCE_2016 else f"{DRAFT}, adopted as local policy"
    return CasePolicy(
        version=f"national-{guidance}",
        effective_from="2016-12-01" if guidance == GUIDANCE_2016 else "2024-01-01",
        settings={"guidance": guidance},
        clocks={
            "decision": clock(M, 1, "statutory guidance", f"{GUIDE}: decide within one month of notification"),
            "home-office-notification": clock(W, 5, LOCAL_KIND, f"{GUIDE} requires it; the 5 working days are a working default"),
            "return:scoping": clock(W, 10, LOCAL_KIND, LOCAL),
            "return:chronology": clock(W, 20, LOCAL_KIND, LOCAL),
            "return:imr": clock(W, 40, LOCAL_KIND, LOCAL),
            "return:short-report": clock(W, 20, LOCAL_KIND, LOCAL),
            "return:information": clock(W, 20, LOCAL_KIND, LOCAL),
            "chair-appointment": clock(W, 20, LOCAL_KIND, f"{LOCAL} (a KPI)"),
            "review-completion": clock(M, completion_months, completion_kind, f"{completion_ref}: completion target"),
            "commissioner-copy": clock(W, 10, "statute", f"{S9}(3B) 'as soon as reasonably practicable'; the 10 working days are a working default"),
            "publication": clock(W, 20, LOCAL_KIND, LOCAL),
            "action": clock(D, 0, "action plan", "due date set per action"),
        },
    )


DEFINITION = ProcessDefinition(
    case_type="dardr",
    reference_code="DARDR",
    stages=STAGES,
    transitions={t.command: t for t in _table},
    return_kinds=("scoping", "chronology", "imr", "short-report", "information"),
    process_kinds=PROCESS_KINDS,
    national_policy=lambda settings: national_policy(settings.get("guidance", GUIDANCE_2016)),
)

NOTIFY_BASIS = Basis("statute", f"{S9}(1); {GUIDE}: notification to the CSP")

FAMILY_BASIS = Basis("statutory guidance", f"{GUIDE}: involving family and friends (families "
                     "are integral to the review; AAFDA model)")
CORE_PANEL_BASIS = Basis(
    "assumed local practice", "the partnership's DARDR policy, setting 'core-panel' (the statutory "
    "guidance asks for senior representatives of the agencies involved and a specialist domestic "
    "abuse service, but fixes no list)")

COMMISSIONER_COPY, HOME_OFFICE_NOTIFICATION = "commissioner-copy", "home-office-notification"
DUTY_TEXT = {
    COMMISSIONER_COPY: "the copy owed to the Domestic Abuse Commissioner (DVCVA 2004 s.9(3B)) "
                       "has not been sent",
    HOME_OFFICE_NOTIFICATION: "the Home Office was never told of the decision",
}
DUTY_BASIS = {
    COMMISSIONER_COPY: Basis("statute", f"{S9}(3B) (inserted by the Domestic Abuse Act 2021 s.17)"),
    HOME_OFFICE_NOTIFICATION: Basis("statutory guidance", f"{GUIDE}: inform the Home Office of the decision"),
}

RULES: tuple[Rule, ...] = (
    Rule("dardr", "dardr.close.commissioner-copy",
         "A review is not closed while the copy of the report owed to the Domestic Abuse "
         "Commissioner has not been sent, unless a reason is recorded; the duty left undone is "
         "recorded (DutyOutstandingAtClosure) before its deadline is cancelled.",
         Basis("statute", f"{S9}(3B)-(3C): a body that establishes a review must send a copy of "
               "the report 'as soon as reasonably practicable after the report is completed' "
               "(as read in the legislation.gov.uk cross-heading; subsection numbering taken from "
               "it, not re-checked against the revised text for this release)"),
         S9_LINK),
    Rule("dardr", "dardr.close.home-office-notification",
         "A review is not closed while the Home Office was never told of the decision whether "
         "to review, unless a reason is recorded; the duty left undone is recorded.",
         Basis("statutory guidance", f"{GUIDE}: the CSP informs the Home Office of its decision "
               "(the timing, 5 working days, is local procedure)"),
         GUIDE_LINK),
    Rule("dardr", "dardr.publication.withheld",
         "An approved review may close unpublished ('withhold-publication') only with a recorded "
         "reason (the exceptional circumstances); distinct from a deferral, which waits.",
         Basis("statutory guidance", WITHHOLD_REF),
         "https://search-prototype.herokuapp.com/search-prototype/objects?object=http%3A%2F%2F"
         "hansard.intranet.data.parliament.uk%2FLords%2F2021-01-27%2F21012779000005"),
    Rule("dardr", "dardr.publication.deferral-pauses-clock",
         "While publication is deferred the publication clock is paused (so reminders do not "
         "escalate a lawful deferral); it resumes, moved on by the pause, when the deferral ends.",
         Basis("statutory guidance", f"{GUIDE}: publication after criminal proceedings; the "
               "20-working-day publication clock itself is local procedure")),
    Rule("dardr", "dardr.decide.aged-16-or-over",
         "A review is of the death of a person aged 16 or over: deciding to review the death of "
         "a child under 16 is refused with a pointer to a Child Safeguarding Practice Review; "
         "the decision may instead be recorded as referred to, or a joint review with, a CSPR.",
         Basis("statute", f"{S9}(1) 'a person aged 16 or over'; Children Act 2004 s.16F (local "
               "child safeguarding practice reviews; section number not re-read for this "
               "release) and Working Together to Safeguard Children 2023"),
         S9_LINK),
    Rule("dardr", "dardr.decide.other-reviews",
         "Besides review / no review, a decision may be a joint review with, or a referral to, "
         "a Safeguarding Adults Review, a Child Safeguarding Practice Review, a Mental Health "
         "Homicide Review or an Offensive Weapons Homicide Review; a SAR or OWHR is refused "
         "for a person under 18. A referral goes to the Home Office like a no-review decision.",
         Basis("statute", "Care Act 2014 s.44 (SAR, adults); PCSC Act 2022 s.24 (OWHR; victims "
               "aged 18 or over per the Home Office factsheet, and an OWHR is not required where "
               "a DHR is); MHHR: NHS England guidance, not verified; treating a referral as a "
               "no-review decision for the Home Office is assumed local practice"),
         "https://www.legislation.gov.uk/ukpga/2022/32/part/2/chapter/2"),
    Rule("dardr", "dardr.qa.points",
         "The QA Panel's feedback is kept as points (Q1, Q2, …) that are addressed and closed; "
         "a point is closed once addressed (or with a reason); the panel letter's date is kept; "
         "resubmission is refused while a point is open, unless a reason is given.",
         Basis("statutory guidance", f"{GUIDE}: Home Office Quality Assurance Panel; the letter's "
               "'areas for final development' (Home Office outcome letters, as described in "
               "dardr-research.md); refusing resubmission with open points is assumed local "
               "practice"),
         GUIDE_LINK),
    Rule("dardr", "dardr.publication.home-office-told",
         "The Home Office is told of publication (recorded once, after publication).",
         Basis("statutory guidance", PUBLICATION_NOTICE_REF)),
    Rule("dardr", "dardr.chair.independent",
         "A chair who is not independent is appointed only with a recorded reason.",
         Basis("statutory guidance", f"{GUIDE}: an independent chair (as described by "
               "partnership pages, e.g. Cambridgeshire DASV and Royal Greenwich; the guidance "
               "paragraph not verified)"),
         GUIDE_LINK),
    Rule("dardr", "dardr.terms.key-lines",
         "The terms of reference keep their key lines of enquiry (free text, in the personal "
         "field; their number is shown). They are not required: the guidance describes them as "
         "part of the terms without a form.",
         Basis("statutory guidance", f"{GUIDE}: terms of reference (review period, agencies in "
               "scope, key lines of enquiry; paragraph not verified)"),
         GUIDE_LINK),
    Rule("dardr", "dardr.terms.core-panel",
         "At the terms of reference the panel must include every agency the partnership's "
         "policy names as a core member (setting 'core-panel', comma-separated agency ids), "
         "unless a reason is given, and then the gap is recorded (CorePanelIncomplete). The "
         "national default names none: the guidance fixes no list.",
         CORE_PANEL_BASIS),
    Rule("dardr", "dardr.family.drafts",
         "The family is shown a draft only once one has been circulated, and only a version "
         "that exists.",
         Basis("statutory guidance", f"{GUIDE}: involving family and friends (the family sees "
               "the report before it is final; AAFDA practice: with privacy and time)"),
         GUIDE_LINK),
    Rule("dardr", "dardr.family.advocacy",
         "Specialist advocacy is offered, then accepted or declined; a response needs an offer.",
         Basis("statutory guidance", f"{GUIDE} section 6: families are entitled to specialist "
               "and expert advocacy (as quoted by Clare Walker Consultancy; not re-read)"),
         GUIDE_LINK),
    Rule("dardr", "dardr.family.facts",
         "Family facts recorded: contact, the Home Office family leaflet, input to the terms of "
         "reference, pseudonyms agreed, told the publication date (once signed off).",
         Basis("statutory guidance", f"{GUIDE}: involving family and friends; Home Office "
               "family leaflets (as described by Croydon and Hounslow pages); AAFDA model")),
    Rule("dardr", "dardr.sign-off.family",
         "Before the partnership signs off the report, family engagement is recorded (contact, "
         "contribution, input to the terms, a draft shown, or the family declining), or a reason "
         "is given, and then the sign-off without engagement is recorded.",
         FAMILY_BASIS, GUIDE_LINK),
    Rule("dardr", "dardr.draft-2024.labels",
         "Under the 2024 draft guidance the completion clock (12 months) and the Scoping Review "
         "step carry the kind 'draft guidance (not in force)': a partnership adopts them only as "
         "its local policy.",
         Basis("draft guidance (not in force)", f"{DRAFT} (Home Office consultation, 2024)")),
    Rule("dardr", "dardr.vpa-2024-s19",
         "Renaming: the Victims and Prisoners Act 2024 s.19 substitutes a new s.9 (domestic abuse "
         "related death reviews; copy also to the Secretary of State). Prospective: not in force "
         "when this catalogue was written; the engine still applies s.9 as amended in 2021.",
         Basis("statute", "Victims and Prisoners Act 2024 s.19 (prospective; commencement not "
               "verified)"),
         "https://www.legislation.gov.uk/ukpga/2024/21/section/19/enacted"),
)


# --------------------------------------------------------------------------- events


class DeathNotified(CaseOpened["DardrReview"]):
    """Stage 1 `notified`: the partnership is told of a death that may meet s.9 criteria."""

    TOPIC = "caseledger.domain.dardr:DeathNotified"

    notified_by: str
    relationship: str
    death_type: str
    age_band: str
    police_force_area: str
    guidance: str

    def apply_to(self, case: DardrReview) -> None:
        case.notified_by = self.notified_by
        case.relationship = self.relationship
        case.death_type = self.death_type
        case.age_band = self.age_band
        case.guidance = self.guidance


class ScopingStarted(StageEntered["DardrReview"]):
    """Stage 2 `scoping`: agencies asked whether they had contact and to secure records."""

    TOPIC = "caseledger.domain.dardr:ScopingStarted"

    agencies: list[str]


class ScopingReviewCompleted(CaseEvent["DardrReview"]):
    """Draft DARDR guidance (2024): early learning recorded in a Scoping Review."""

    TOPIC = "caseledger.domain.dardr:ScopingReviewCompleted"

    personal: Text  # free text

    def apply_to(self, case: DardrReview) -> None:
        case.scoping_review_done = self.effective


class ReviewDecided(StageEntered["DardrReview"]):
    """DVCVA 2004 s.9(1): the partnership decides whether to hold a review."""

    TOPIC = "caseledger.domain.dardr:ReviewDecided"

    outcome: str
    personal: Text  # the rationale (free text)

    def apply_to(self, case: DardrReview) -> None:
        case.decision = self.outcome
        case.decided_on = self.effective


class ReviewDecidedWithOtherReview(StageEntered["DardrReview"]):
    """The decision is a joint review with, or a referral to, another statutory review."""

    TOPIC = "caseledger.domain.dardr:ReviewDecidedWithOtherReview"

    outcome: str
    other_review: str
    personal: Text  # the rationale (free text)

    def apply_to(self, case: DardrReview) -> None:
        case.decision = self.outcome
        case.decided_on = self.effective
        case.other_review = self.other_review


class HomeOfficeNotified(StageEntered["DardrReview"]):
    """The Home Office is told of the decision (either way); stage only moves for no-review."""

    TOPIC = "caseledger.domain.dardr:HomeOfficeNotified"

    decision: str

    def apply_to(self, case: DardrReview) -> None:
        case.home_office_notified = self.effective


class HomeOfficeViewReceived(StageEntered["DardrReview"]):
    """The Home Office's view of a no-review decision; a direction is DVCVA 2004 s.9(2)."""

    TOPIC = "caseledger.domain.dardr:HomeOfficeViewReceived"

    view: str

    def apply_to(self, case: DardrReview) -> None:
        if self.view == "no-review-agreed":
            case.closed_on, case.closed_from = self.effective, case.stage
            case.paused, case.paused_since = False, None
        if self.view == "reconsider":
            case.home_office_notified = None  # the new decision must be notified in its turn


class ChairAppointed(CaseEvent["DardrReview"]):
    TOPIC = "caseledger.domain.dardr:ChairAppointed"

    independent: bool
    personal: Text  # the chair's name

    def apply_to(self, case: DardrReview) -> None:
        case.chair_appointed = self.effective


class PanelMemberAdded(CaseEvent["DardrReview"]):
    TOPIC = "caseledger.domain.dardr:PanelMemberAdded"

    agency: str
    role: str
    personal: Text  # the member's name

    def apply_to(self, case: DardrReview) -> None:
        case.panel.append(self.agency)


class PanelMeetingHeld(CaseEvent["DardrReview"]):
    TOPIC = "caseledger.domain.dardr:PanelMeetingHeld"

    def apply_to(self, case: DardrReview) -> None:
        case.panel_meetings += 1


class TermsOfReferenceAgreed(StageEntered["DardrReview"]):
    """Stage 5 `evidence-gathering`: review period, agencies in scope, key lines of enquiry."""

    TOPIC = "caseledger.domain.dardr:TermsOfReferenceAgreed"

    period_from: str
    period_to: str
    agencies: list[str]


class KeyLinesOfEnquiryAgreed(CaseEvent["DardrReview"]):
    """The terms of reference's key lines of enquiry (free text: they may name people)."""

    TOPIC = "caseledger.domain.dardr:KeyLinesOfEnquiryAgreed"

    count: int
    personal: Texts  # the key lines of enquiry

    def apply_to(self, case: DardrReview) -> None:
        case.key_lines = self.count


class CorePanelIncomplete(CaseEvent["DardrReview"]):
    """Terms agreed, with a reason, while agencies the partnership's policy names as core panel
    members were not on the panel."""

    TOPIC = "caseledger.domain.dardr:CorePanelIncomplete"

    missing: list[str]


class DraftReportCirculated(StageEntered["DardrReview"]):
    TOPIC = "caseledger.domain.dardr:DraftReportCirculated"

    version_number: int

    def apply_to(self, case: DardrReview) -> None:
        case.draft_version = self.version_number


class ReportAgreedByPanel(StageEntered["DardrReview"]):
    TOPIC = "caseledger.domain.dardr:ReportAgreedByPanel"

    version_number: int


class SignedOffWithoutFamilyEngagement(CaseEvent["DardrReview"]):
    """The report was signed off with no family engagement recorded; the reason says why."""

    TOPIC = "caseledger.domain.dardr:SignedOffWithoutFamilyEngagement"


class PartnershipSignedOff(CaseEvent["DardrReview"]):
    """The CSP signs off the report; starts the commissioner-copy clock (s.9(3B))."""

    TOPIC = "caseledger.domain.dardr:PartnershipSignedOff"

    def apply_to(self, case: DardrReview) -> None:
        case.signed_off = self.effective


class SubmittedToHomeOffice(StageEntered["DardrReview"]):
    TOPIC = "caseledger.domain.dardr:SubmittedToHomeOffice"

    version_number: int

    def apply_to(self, case: DardrReview) -> None:
        case.submissions += 1
        case.qa_outcome = None


class QualityAssuranceOutcomeReceived(StageEntered["DardrReview"]):
    TOPIC = "caseledger.domain.dardr:QualityAssuranceOutcomeReceived"

    outcome: str
    personal: Texts  # the QA Panel's points (free text)

    def apply_to(self, case: DardrReview) -> None:
        case.qa_outcome = self.outcome
        if self.outcome == QaOutcome.APPROVED:
            case.approved_on = self.effective


class QaPanelLetterDated(CaseEvent["DardrReview"]):
    """The date of the QA Panel's letter (the outcome is recorded on the day it is received)."""

    TOPIC = "caseledger.domain.dardr:QaPanelLetterDated"

    letter_dated: str


class QaPointRecorded(CaseEvent["DardrReview"]):
    """One point of the QA Panel's feedback, made trackable: its text is the ``index``-th point of
    the outcome recorded with it (kept there, in its personal field)."""

    TOPIC = "caseledger.domain.dardr:QaPointRecorded"

    point_id: str
    index: int

    def apply_to(self, case: DardrReview) -> None:
        case.qa_points[self.point_id] = "open"


class QaPointAddressed(CaseEvent["DardrReview"]):
    TOPIC = "caseledger.domain.dardr:QaPointAddressed"

    point_id: str
    personal: Text  # how it was addressed (free text)

    def apply_to(self, case: DardrReview) -> None:
        case.qa_points[self.point_id] = "addressed"


class QaPointClosed(CaseEvent["DardrReview"]):
    TOPIC = "caseledger.domain.dardr:QaPointClosed"

    point_id: str

    def apply_to(self, case: DardrReview) -> None:
        case.qa_points[self.point_id] = "closed"


class HomeOfficeToldOfPublication(CaseEvent["DardrReview"]):
    TOPIC = "caseledger.domain.dardr:HomeOfficeToldOfPublication"

    def apply_to(self, case: DardrReview) -> None:
        case.home_office_told_of_publication = self.effective


class AmendmentsCompleted(StageEntered["DardrReview"]):
    TOPIC = "caseledger.domain.dardr:AmendmentsCompleted"

    def apply_to(self, case: DardrReview) -> None:
        case.approved_on = self.effective


class CopySentToDomesticAbuseCommissioner(CaseEvent["DardrReview"]):
    """DVCVA 2004 s.9(3B): a copy of the report to the Domestic Abuse Commissioner."""

    TOPIC = "caseledger.domain.dardr:CopySentToDomesticAbuseCommissioner"

    def apply_to(self, case: DardrReview) -> None:
        case.commissioner_copy_sent = self.effective


class PublicationDeferred(CaseEvent["DardrReview"]):
    TOPIC = "caseledger.domain.dardr:PublicationDeferred"

    deferral: str

    def apply_to(self, case: DardrReview) -> None:
        case.publication_deferred = self.deferral


class PublicationDeferralEnded(CaseEvent["DardrReview"]):
    """Publication no longer waits (e.g. the trial or inquest concluded); its clock runs again."""

    TOPIC = "caseledger.domain.dardr:PublicationDeferralEnded"

    def apply_to(self, case: DardrReview) -> None:
        case.publication_deferred = None


class PublicationWithheld(StageEntered["DardrReview"]):
    """Exceptional circumstances: the approved report is not published and the review closes
    (distinct from a deferral, which waits). The reason carries the circumstances."""

    TOPIC = "caseledger.domain.dardr:PublicationWithheld"

    closed_from: str

    def apply_to(self, case: DardrReview) -> None:
        case.closed_on, case.closed_from = self.effective, self.closed_from
        case.paused, case.paused_since = False, None
        case.publication_deferred = None
        case.publication_withheld = self.effective


class ReportPublished(StageEntered["DardrReview"]):
    TOPIC = "caseledger.domain.dardr:ReportPublished"

    url: str
    overridden_open_criminal_process: bool

    def apply_to(self, case: DardrReview) -> None:
        case.published_on = self.effective
        case.publication_deferred = None


class FamilyContactRecorded(CaseEvent["DardrReview"]):
    TOPIC = "caseledger.domain.dardr:FamilyContactRecorded"

    personal: Text  # free text

    def apply_to(self, case: DardrReview) -> None:
        case.family_engaged = case.family_engaged or self.effective


class AdvocacyOffered(CaseEvent["DardrReview"]):
    TOPIC = "caseledger.domain.dardr:AdvocacyOffered"

    provider: str

    def apply_to(self, case: DardrReview) -> None:
        case.advocacy = "offered"


class FamilyContributionReceived(CaseEvent["DardrReview"]):
    TOPIC = "caseledger.domain.dardr:FamilyContributionReceived"

    personal: Text  # free text

    def apply_to(self, case: DardrReview) -> None:
        case.family_engaged = case.family_engaged or self.effective


class FamilyShownDraft(CaseEvent["DardrReview"]):
    TOPIC = "caseledger.domain.dardr:FamilyShownDraft"

    version_number: int

    def apply_to(self, case: DardrReview) -> None:
        case.family_engaged = case.family_engaged or self.effective


class PseudonymsAgreed(CaseEvent["DardrReview"]):
    TOPIC = "caseledger.domain.dardr:PseudonymsAgreed"

    personal: Text  # free text


class FamilyLeafletGiven(CaseEvent["DardrReview"]):
    """The Home Office leaflet for families was given."""

    TOPIC = "caseledger.domain.dardr:FamilyLeafletGiven"

    def apply_to(self, case: DardrReview) -> None:
        case.family_leaflet_given = self.effective


class AdvocacyResponseRecorded(CaseEvent["DardrReview"]):
    """The family accepted or declined the specialist advocacy offered."""

    TOPIC = "caseledger.domain.dardr:AdvocacyResponseRecorded"

    accepted: bool

    def apply_to(self, case: DardrReview) -> None:
        case.advocacy = "accepted" if self.accepted else "declined"


class FamilyTermsInputReceived(CaseEvent["DardrReview"]):
    """The family's input to the terms of reference."""

    TOPIC = "caseledger.domain.dardr:FamilyTermsInputReceived"

    personal: Text  # free text

    def apply_to(self, case: DardrReview) -> None:
        case.family_engaged = case.family_engaged or self.effective


class FamilyToldOfPublicationDate(CaseEvent["DardrReview"]):
    """The family was told when the report will be published."""

    TOPIC = "caseledger.domain.dardr:FamilyToldOfPublicationDate"

    publication_date: str


class FamilyDeclinedInvolvement(CaseEvent["DardrReview"]):
    TOPIC = "caseledger.domain.dardr:FamilyDeclinedInvolvement"

    def apply_to(self, case: DardrReview) -> None:
        case.family_engaged = case.family_engaged or self.effective


class DutyOutstandingAtClosure(CaseEvent["DardrReview"]):
    """A review closed, with a reason, while a duty was still undone (the copy owed to the
    Domestic Abuse Commissioner, or telling the Home Office of the decision). Its deadline is
    cancelled with the closure; this fact keeps it from being cancelled silently."""

    TOPIC = "caseledger.domain.dardr:DutyOutstandingAtClosure"

    duty: str


class ReviewPaused(CasePaused):
    """A DARDR pause, e.g. awaiting a criminal trial (processes/dardr.md)."""

    TOPIC = "caseledger.domain.dardr:ReviewPaused"


class ReviewResumed(CaseResumed):
    TOPIC = "caseledger.domain.dardr:ReviewResumed"

    pass


# --------------------------------------------------------------------------- aggregate


class DardrReview(Case):
    """A Domestic Abuse Related Death Review, from notification to closure."""

    TOPIC = "caseledger.domain.dardr:DardrReview"

    class Event(Case.Event):
        TOPIC = "caseledger.domain.dardr:DardrReview.Event"

    class Created(Event, Case.Created):
        TOPIC = "caseledger.domain.dardr:DardrReview.Created"

    definition = DEFINITION
    paused_event = ReviewPaused
    resumed_event = ReviewResumed
    class_version = 3

    # Set by DeathNotified; the victim's pseudonym and date of death stay in its personal field.
    notified_by: str = field(init=False)
    relationship: str = field(init=False)
    death_type: str = field(init=False)
    age_band: str = field(init=False)
    guidance: str = field(init=False)
    scoping_review_done: str | None = field(init=False, default=None)
    decision: str | None = field(init=False, default=None)
    decided_on: str | None = field(init=False, default=None)
    other_review: str | None = field(init=False, default=None)
    home_office_notified: str | None = field(init=False, default=None)
    chair_appointed: str | None = field(init=False, default=None)
    panel: list[str] = field(init=False, default_factory=list)
    panel_meetings: int = field(init=False, default=0)
    key_lines: int = field(init=False, default=0)
    family_leaflet_given: str | None = field(init=False, default=None)
    advocacy: str | None = field(init=False, default=None)
    family_engaged: str | None = field(init=False, default=None)
    draft_version: int = field(init=False, default=0)
    signed_off: str | None = field(init=False, default=None)
    submissions: int = field(init=False, default=0)
    qa_outcome: str | None = field(init=False, default=None)
    approved_on: str | None = field(init=False, default=None)
    commissioner_copy_sent: str | None = field(init=False, default=None)
    publication_deferred: str | None = field(init=False, default=None)
    published_on: str | None = field(init=False, default=None)
    publication_withheld: str | None = field(init=False, default=None)
    qa_points: dict[str, str] = field(init=False, default_factory=dict)
    home_office_told_of_publication: str | None = field(init=False, default=None)

    @staticmethod
    def upcast_v1_v2(state: dict[str, Json]) -> None:
        """Snapshots taken while the pseudonym and date of death were kept in the state drop them."""
        state.pop("personal", None)

    @staticmethod
    def upcast_v2_v3(state: dict[str, Json]) -> None:
        """Snapshots taken before these facts existed get the new facts' defaults (a snapshot is a cache:
        facts recorded before it, e.g. an advocacy offer, are not re-derived)."""
        for name, default in (("other_review", None), ("publication_withheld", None),
                              ("home_office_told_of_publication", None), ("key_lines", 0),
                              ("family_leaflet_given", None), ("advocacy", None),
                              ("family_engaged", None)):
            state.setdefault(name, default)
        state.setdefault("qa_points", {})

    @classmethod
    def notify(
        cls, ctx: CommandContext, *, case_id: UUID, reference: str, partnership: str,
        policy: CasePolicy, date_of_death: str, victim_pseudonym: str, notified_by: str,
        relationship: Relationship, death_type: DeathType, age_band: AgeBand = AgeBand.UNKNOWN,
        police_force_area: str = "",
    ) -> DardrReview:
        """DeathNotified, and the one-month `decision` clock (statutory guidance)."""
        relationship = one_of(Relationship, relationship, field="relationship")
        death_type = one_of(DeathType, death_type, field="death_type")
        age_band = one_of(AgeBand, age_band, field="age_band")
        guidance = one_of(Guidance, policy.settings.get("guidance", Guidance.DHR_2016),
                          field="guidance")
        death = times.parse_effective(date_of_death)
        times.must_not_be_in_future(death, ctx.now, "The date of death")
        if times.is_before(ctx.effective, death):
            raise DateRuleViolated(
                f"The partnership cannot be notified ({ctx.effective}) before the date of death; "
                "check both dates."
            )
        if not victim_pseudonym.strip():
            raise InvalidInput("Give the victim's pseudonym.", field="victim_pseudonym")
        review = cls.open_case(
            DeathNotified, ctx, case_id=case_id, reference=reference, partnership=partnership,
            hub=None, policy=policy, stage=Stage.NOTIFIED, basis=NOTIFY_BASIS,
            personal={"victim_pseudonym": victim_pseudonym, "date_of_death": death},
            notified_by=notified_by, relationship=relationship, death_type=death_type,
            age_band=age_band, police_force_area=police_force_area, guidance=guidance,
        )
        review.set_deadline(ctx, "decision", "decision", "partnership")
        return review

    def view_details(self) -> dict[str, Json]:
        return {
            "guidance": self.guidance, "relationship": self.relationship,
            "death_type": self.death_type, "age_band": self.age_band,
            "notified_by": self.notified_by, "decision": self.decision,
            "other_review": self.other_review,
            "decided_on": self.decided_on, "home_office_notified": self.home_office_notified,
            "chair_appointed": self.chair_appointed, "signed_off": self.signed_off,
            "submissions": self.submissions, "qa_outcome": self.qa_outcome,
            "approved_on": self.approved_on, "commissioner_copy_sent": self.commissioner_copy_sent,
            "publication_deferred": self.publication_deferred, "published_on": self.published_on,
            "publication_withheld": self.publication_withheld,
            "qa_points": dict(self.qa_points),
            "home_office_told_of_publication": self.home_office_told_of_publication,
            "draft_version": self.draft_version, "key_lines_of_enquiry": self.key_lines,
            "family_leaflet_given": self.family_leaflet_given, "advocacy": self.advocacy,
            "family_engaged": self.family_engaged,
        }

    @property
    def is_guidance_2024(self) -> bool:
        return self.guidance == GUIDANCE_2024_DRAFT

    # -- notification to decision -------------------------------------------------

    def start_scoping(self, ctx: CommandContext, agencies: list[str]) -> None:
        found = self.begin("start-scoping", ctx)
        if not agencies:
            raise InvalidInput("Name the agencies asked to scope their contact.", field="agencies")
        self.check_can_request(agencies, "scoping")
        self.enter(ScopingStarted, ctx, found, "scoping", agencies=agencies)
        for agency in agencies:
            self._request(ctx, agency, "scoping", None)

    def complete_scoping_review(self, ctx: CommandContext, summary: str) -> None:
        self.begin("complete-scoping-review", ctx)
        if not self.is_guidance_2024:
            raise RuleRefused(
                f"The Scoping Review step belongs to the {GUIDANCE_2024_DRAFT} guidance; "
                f"{self.reference} runs under {self.guidance}."
            )
        self.record(ScopingReviewCompleted, ctx, self.definition.transitions["complete-scoping-review"].basis,
                    personal={"summary": summary})

    def decide(self, ctx: CommandContext, outcome: ReviewOutcome, rationale: str,
               other_review: ProcessKind | None = None) -> None:
        found = self.begin("decide", ctx)
        outcome = one_of(ReviewOutcome, outcome, field="outcome")
        if not rationale.strip():
            raise InvalidInput("Record the rationale for the decision.", field="rationale")
        other = self._check_other_review(outcome, other_review)
        if self.is_guidance_2024 and not self.scoping_review_done:
            raise RuleRefused(
                f"Under {GUIDANCE_2024_DRAFT} the Scoping Review must be completed before the "
                "decision (complete-scoping-review)."
            )
        held = outcome in (ReviewOutcome.REVIEW, ReviewOutcome.JOINT_REVIEW)
        stage = Stage.COMMISSIONING if held else Stage.DECIDED_NO_REVIEW
        if other is None:
            self.enter(ReviewDecided, ctx, found, stage, outcome=outcome,
                       personal={"rationale": rationale})
        else:
            self.enter(ReviewDecidedWithOtherReview, ctx, found, stage, outcome=outcome,
                       other_review=other, personal={"rationale": rationale})
        self.meet_deadline(ctx, "decision")
        self.set_deadline(ctx, "home-office-notification", "home-office-notification", "partnership")
        if held:
            self._start_review_clocks(ctx)

    def _check_other_review(self, outcome: ReviewOutcome,
                            other_review: ProcessKind | None) -> ProcessKind | None:
        """s.9(1): a review is of the death of a person aged 16 or over; an under-16 death is
        for a Child Safeguarding Practice Review. A joint or referred review names the other
        review, which must be one that can apply to the person's age."""
        with_other = outcome in (ReviewOutcome.JOINT_REVIEW, ReviewOutcome.REFERRED)
        other = None if other_review is None else one_of(
            ProcessKind, other_review, field="other_review", what="other review")
        if with_other and other not in OTHER_REVIEWS:
            raise InvalidInput(
                f"A {outcome} decision names the other review: one of "
                f"{', '.join(OTHER_REVIEWS)}.", field="other_review")
        if not with_other and other is not None:
            raise InvalidInput(
                f"Only a joint-review or referred decision names another review, not {outcome}.",
                field="other_review")
        if self.age_band == AgeBand.UNDER_16 and other != ProcessKind.CSPR \
                and outcome != ReviewOutcome.NO_REVIEW:
            raise RuleRefused(
                "A domestic homicide review is of the death of a person aged 16 or over "
                "(DVCVA 2004 s.9(1)); this death is of a child under 16. It is for a Child "
                "Safeguarding Practice Review (Children Act 2004 s.16F; Working Together to "
                "Safeguard Children 2023): record the decision as referred, or as a "
                "joint-review, with --other-review cspr.",
                field="outcome")
        if other in (ProcessKind.SAR, ProcessKind.OWHR) and self.age_band in UNDER_18:
            which = ("a Safeguarding Adults Review is about an adult (Care Act 2014 s.44)"
                     if other == ProcessKind.SAR else
                     "an Offensive Weapons Homicide Review is of the death of a person aged 18 "
                     "or over (PCSC Act 2022 s.24 and its regulations)")
            raise RuleRefused(f"{which}; the person who died was in age band {self.age_band}.",
                              field="other_review")
        return other

    def _start_review_clocks(self, ctx: CommandContext) -> None:
        self.set_deadline(ctx, "chair-appointment", "chair-appointment", "partnership")
        self.set_deadline(ctx, "review-completion", "review-completion", "partnership")

    def notify_home_office(self, ctx: CommandContext) -> None:
        found = self.begin("notify-home-office", ctx, after=self.decided_on, after_what="the decision")
        if self.home_office_notified:
            raise RuleRefused(f"The Home Office was already notified on {self.home_office_notified}.")
        decision = self.decision or ReviewOutcome.REVIEW
        not_held = decision in (ReviewOutcome.NO_REVIEW, ReviewOutcome.REFERRED)
        stage = Stage.AWAITING_HOME_OFFICE_VIEW if not_held else self.stage
        self.enter(HomeOfficeNotified, ctx, found, stage, decision=decision)
        self.meet_deadline(ctx, "home-office-notification")

    def record_home_office_view(self, ctx: CommandContext, view: HomeOfficeView) -> None:
        found = self.begin("record-home-office-view", ctx)
        view = one_of(HomeOfficeView, view, field="view")
        if view == HomeOfficeView.NO_REVIEW_AGREED:
            self.enter(HomeOfficeViewReceived, ctx, found, Stage.CLOSED, view=view)
            for d in list(self.deadlines.values()):
                self.cancel_deadline(ctx, d.name)
        elif view == HomeOfficeView.RECONSIDER:
            self.enter(HomeOfficeViewReceived, ctx, found, Stage.SCOPING, view=view)
            self.set_deadline(ctx, "decision", "decision", "partnership")
        else:
            self.enter(HomeOfficeViewReceived, ctx, found, Stage.COMMISSIONING, view=view)
            self._start_review_clocks(ctx)

    # -- commissioning ------------------------------------------------------------------

    def appoint_chair(self, ctx: CommandContext, name: str, independent: bool = True) -> None:
        found = self.begin("appoint-chair", ctx)
        if not name.strip():
            raise InvalidInput("Give the chair's name.", field="name")
        if not independent and not ctx.reason:
            raise RuleRefused("The statutory guidance expects an independent chair: give the "
                              "reason for appointing a chair who is not independent.",
                              field="reason")
        self.record(ChairAppointed, ctx, found.basis, independent=independent, personal={"name": name})
        self.meet_deadline(ctx, "chair-appointment")

    def add_panel_member(self, ctx: CommandContext, agency: str, name: str, role: str) -> None:
        found = self.begin("add-panel-member", ctx)
        self.record(PanelMemberAdded, ctx, found.basis, agency=agency, role=role, personal={"name": name})

    def record_panel_meeting(self, ctx: CommandContext) -> None:
        found = self.begin("record-panel-meeting", ctx)
        self.record(PanelMeetingHeld, ctx, found.basis)

    def agree_terms(self, ctx: CommandContext, period_from: str, period_to: str,
                    agencies: list[str], key_lines: list[str] | None = None) -> None:
        """Terms of reference, with their key lines of enquiry; each agency in scope is asked
        for an IMR (40 working days). The panel must hold the core members the partnership's
        policy names (setting ``core-panel``), unless a reason is given."""
        found = self.begin("agree-terms", ctx)
        if not self.chair_appointed:
            raise RuleRefused("Appoint the independent chair before agreeing the terms of reference.")
        if not self.panel:
            raise RuleRefused("Constitute the panel (add-panel-member) before agreeing the terms of reference.")
        start, end = times.parse_effective(period_from), times.parse_effective(period_to)
        if times.is_before(end, start):
            raise DateRuleViolated(f"The review period ends ({end}) before it starts ({start}).")
        times.must_not_be_in_future(end, ctx.now, "The end of the period under review")
        if not agencies:
            raise InvalidInput("Name the agencies in scope.", field="agencies")
        self.check_can_request(agencies, "imr")
        lines = [line for line in (key_lines or []) if line.strip()]
        missing = self.core_panel_missing()
        if missing and not ctx.reason:
            raise RuleRefused(
                f"The partnership's core panel members are not all on the panel: missing "
                f"{', '.join(missing)} (add-panel-member), or give a reason.", field="reason")
        self.enter(TermsOfReferenceAgreed, ctx, found, Stage.EVIDENCE_GATHERING,
                   period_from=start, period_to=end, agencies=agencies)
        if lines:
            self.record(KeyLinesOfEnquiryAgreed, ctx, found.basis, count=len(lines),
                        personal={"key_lines": lines})
        if missing:
            self.record(CorePanelIncomplete, ctx, CORE_PANEL_BASIS, missing=missing)
        for agency in agencies:
            self._request(ctx, agency, "imr", None)

    def core_panel_missing(self) -> list[str]:
        """The agencies the policy's ``core-panel`` setting names that are not on the panel."""
        core = self.policy.settings.get("core-panel", "")
        return [a for a in (x.strip() for x in core.split(",")) if a and a not in self.panel]

    # -- report -------------------------------------------------------------------------

    def circulate_draft(self, ctx: CommandContext, version: int | None = None) -> None:
        found = self.begin("circulate-draft", ctx)
        number = version if version is not None else self.draft_version + 1
        if number <= self.draft_version:
            raise RuleRefused(f"Draft version {number} is not after the last one ({self.draft_version}).")
        self.enter(DraftReportCirculated, ctx, found, Stage.DRAFTING, version_number=number)

    def agree_report(self, ctx: CommandContext, version: int | None = None) -> None:
        found = self.begin("agree-report", ctx)
        self.enter(ReportAgreedByPanel, ctx, found, Stage.LOCAL_SIGN_OFF,
                   version_number=version or self.draft_version)
        self.meet_deadline(ctx, "review-completion")

    def sign_off(self, ctx: CommandContext) -> None:
        found = self.begin("sign-off", ctx, after=self.stage_effective, after_what="the panel's agreement")
        if self.signed_off:
            raise RuleRefused(f"The partnership already signed off the report on {self.signed_off}.")
        if not self.family_engaged and not ctx.reason:
            raise RuleRefused(
                "No family engagement is recorded (record-family-contact, "
                "record-family-contribution, record-family-terms-input, show-family-draft, or "
                "record-family-declined); record it, or give the reason why the family was not "
                "engaged.", field="reason")
        self.record(PartnershipSignedOff, ctx, found.basis)
        if not self.family_engaged:
            self.record(SignedOffWithoutFamilyEngagement, ctx, FAMILY_BASIS)
        self.set_deadline(ctx, "commissioner-copy", "commissioner-copy", "partnership")

    def submit(self, ctx: CommandContext, version: int | None = None) -> None:
        found = self.begin("submit", ctx)
        if self.stage == Stage.LOCAL_SIGN_OFF and not self.signed_off:
            raise RuleRefused("The partnership must sign off the report (sign-off) before it is submitted.")
        if self.stage == Stage.AMENDING and self.qa_outcome != QaOutcome.RESUBMISSION_REQUIRED:
            raise RuleRefused(
                "The QA Panel approved subject to amendments: record complete-amendments; "
                "resubmission is only for 'resubmission-required'."
            )
        still_open = sorted(p for p, status in self.qa_points.items() if status != "closed")
        if still_open and not ctx.reason:
            raise RuleRefused(
                f"The QA Panel's points {', '.join(still_open)} are not closed "
                "(address-qa-point, close-qa-point); close them, or give a reason for "
                "resubmitting with them open.", field="reason")
        self.enter(SubmittedToHomeOffice, ctx, found, Stage.SUBMITTED_TO_HOME_OFFICE,
                   version_number=version or self.draft_version)

    def record_qa_outcome(self, ctx: CommandContext, outcome: QaOutcome,
                          points: list[str] | None = None, letter_dated: str | None = None) -> None:
        """The QA Panel's outcome; each point becomes trackable (Q1, Q2, … across letters);
        the letter's own date is kept when given."""
        found = self.begin("record-qa-outcome", ctx)
        points = list(points or [])
        outcome = one_of(QaOutcome, outcome, field="outcome", what="QA outcome")
        if outcome != QaOutcome.APPROVED and not points:
            raise InvalidInput("Record the QA Panel's points.", field="points")
        letter = None
        if letter_dated is not None:
            letter = times.parse_effective(letter_dated)
            times.must_not_precede(letter, self.stage_effective, "the submission")
            if times.is_before(ctx.effective, letter):
                raise DateRuleViolated(
                    f"The letter is dated {letter}, after it was received ({ctx.effective}).")
        stage = Stage.APPROVED if outcome == QaOutcome.APPROVED else Stage.AMENDING
        self.enter(QualityAssuranceOutcomeReceived, ctx, found, stage, outcome=outcome,
                   personal={"points": points})
        if letter is not None:
            self.record(QaPanelLetterDated, ctx, found.basis, letter_dated=letter)
        for index in range(len(points)):
            self.record(QaPointRecorded, ctx, found.basis,
                        point_id=f"Q{len(self.qa_points) + 1}", index=index)
        if outcome == QaOutcome.APPROVED:
            self._start_publication_clock(ctx)

    def _qa_point(self, point_id: str) -> str:
        if point_id not in self.qa_points:
            known = ", ".join(self.qa_points) or "none"
            raise NotFound(f"{self.reference} has no QA point '{point_id}'; its points: {known}.")
        return self.qa_points[point_id]

    def address_qa_point(self, ctx: CommandContext, point_id: str, text: str) -> None:
        found = self.begin("address-qa-point", ctx)
        if self._qa_point(point_id) == "closed":
            raise RuleRefused(f"QA point {point_id} is already closed.")
        if not text.strip():
            raise InvalidInput("Say how the point was addressed.", field="text")
        self.record(QaPointAddressed, ctx, found.basis, point_id=point_id, personal={"text": text})

    def close_qa_point(self, ctx: CommandContext, point_id: str) -> None:
        found = self.begin("close-qa-point", ctx)
        status = self._qa_point(point_id)
        if status == "closed":
            raise RuleRefused(f"QA point {point_id} is already closed.")
        if status != "addressed" and not ctx.reason:
            raise RuleRefused(f"QA point {point_id} has not been addressed (address-qa-point); "
                              "address it first, or give a reason for closing it.",
                              field="reason")
        self.record(QaPointClosed, ctx, found.basis, point_id=point_id)

    def notify_home_office_of_publication(self, ctx: CommandContext) -> None:
        found = self.begin("notify-home-office-of-publication", ctx, after=self.published_on,
                           after_what="the publication")
        if self.home_office_told_of_publication:
            raise RuleRefused("The Home Office was already told of the publication on "
                              f"{self.home_office_told_of_publication}.")
        self.record(HomeOfficeToldOfPublication, ctx, found.basis)

    def complete_amendments(self, ctx: CommandContext) -> None:
        found = self.begin("complete-amendments", ctx)
        if self.qa_outcome != QaOutcome.APPROVED_SUBJECT_TO_AMENDMENTS:
            raise RuleRefused(
                "Resubmission is required (submit); complete-amendments is only for "
                "'approved-subject-to-amendments'."
            )
        self.enter(AmendmentsCompleted, ctx, found, Stage.APPROVED)
        self._start_publication_clock(ctx)

    def _start_publication_clock(self, ctx: CommandContext) -> None:
        """Publication runs from QA approval, or from the later end of a criminal process."""
        if not self.open_processes(ProcessKind.CRIMINAL):
            self._set_publication_clock(ctx)

    def _set_publication_clock(self, ctx: CommandContext) -> None:
        """The publication clock; set while publication is deferred, it starts paused."""
        self.set_deadline(ctx, "publication", "publication", "partnership")
        if self.publication_deferred:
            self._pause_publication_clock(ctx)

    def _pause_publication_clock(self, ctx: CommandContext) -> None:
        d = self.deadlines.get("publication")
        if d is not None and d.status == "open":
            self.record(DeadlinePaused, ctx, d.basis, name=d.name)

    def after_process_concluded(self, ctx: CommandContext, process: ParallelProcess) -> None:
        if (process.kind == ProcessKind.CRIMINAL and self.stage == Stage.APPROVED
                and not self.open_processes(ProcessKind.CRIMINAL)
                and "publication" not in self.deadlines):
            self._set_publication_clock(ctx)

    def send_commissioner_copy(self, ctx: CommandContext) -> None:
        found = self.begin("send-commissioner-copy", ctx)
        if not self.signed_off:
            raise RuleRefused("The copy goes to the Commissioner once the partnership has signed off the report.")
        times.must_not_precede(ctx.effective, self.signed_off, "the partnership's sign-off")
        if self.commissioner_copy_sent:
            raise RuleRefused(f"The Commissioner's copy was already sent on {self.commissioner_copy_sent}.")
        self.record(CopySentToDomesticAbuseCommissioner, ctx, found.basis)
        self.meet_deadline(ctx, "commissioner-copy")

    def adopt_action_plan(self, ctx: CommandContext) -> None:
        found = self.begin("adopt-action-plan", ctx)
        if self.action_plan_adopted:
            raise RuleRefused(f"The action plan was already adopted on {self.action_plan_adopted}.")
        self.record(ActionPlanAdopted, ctx, found.basis)

    def defer_publication(self, ctx: CommandContext, deferral: DeferralReason) -> None:
        found = self.begin("defer-publication", ctx)
        deferral = one_of(DeferralReason, deferral, field="deferral", what="deferral reason")
        self.record(PublicationDeferred, ctx, found.basis, deferral=deferral)
        self._pause_publication_clock(ctx)

    def _resume(self, ctx: CommandContext) -> None:
        """Resuming the case leaves the publication clock paused while publication is still
        deferred (the deferral, not the case pause, holds it)."""
        if not self.paused or self.paused_since is None:
            raise RuleRefused(f"{self.reference} is not paused.")
        times.must_not_precede(ctx.effective, self.paused_since, "the start of the pause")
        self.record(self.resumed_event, ctx)
        held = "publication" if self.publication_deferred else None
        for d in [d for d in self.deadlines.values() if d.status == "paused" and d.name != held]:
            self._resume_deadline(ctx, d)

    def end_publication_deferral(self, ctx: CommandContext) -> None:
        """The deferral ends; a paused publication clock resumes, its due time moved on by the
        time it was stopped."""
        found = self.begin("end-publication-deferral", ctx)
        if not self.publication_deferred:
            raise RuleRefused(f"Publication of {self.reference} is not deferred.")
        d = self.deadlines.get("publication")
        if d is not None and d.status == "paused" and d.paused_at:
            times.must_not_precede(ctx.effective, d.paused_at, "the start of the deferral")
        self.record(PublicationDeferralEnded, ctx, found.basis)
        if d is not None and d.status == "paused" and not self.paused:
            self._resume_deadline(ctx, d)

    def withhold_publication(self, ctx: CommandContext) -> None:
        """Exceptional circumstances: the approved review closes unpublished, with the reason;
        duties still undone are recorded, as when closing with a reason."""
        found = self.begin("withhold-publication", ctx)
        if not ctx.reason or not ctx.reason.strip():
            raise InvalidInput("Record the exceptional circumstances for withholding publication "
                               "(--reason).", field="reason")
        times.must_not_precede(ctx.effective, self.stage_effective,
                               f"the start of the current stage '{self.stage}'")
        undone = self.outstanding_duties()
        self.enter(PublicationWithheld, ctx, found, Stage.CLOSED, closed_from=self.stage)
        self._record_undone(ctx, undone)

    def publish(self, ctx: CommandContext, url: str, override: bool = False) -> None:
        """Not before QA approval; not while a criminal process is open unless overridden."""
        found = self.begin("publish", ctx)
        open_criminal = self.open_processes(ProcessKind.CRIMINAL)
        if open_criminal and not (override and ctx.reason):
            raise RuleRefused(
                f"A linked criminal process ({', '.join(p.id for p in open_criminal)}) is still open; "
                "publish after it concludes, or override it with a reason.",
                field="override",
            )
        if not url.startswith(("https://", "http://")):
            raise InvalidInput(f"'{url}' is not a web address; give the published URL (https://…).",
                               field="url")
        self.enter(ReportPublished, ctx, found, Stage.PUBLISHED, url=url,
                   overridden_open_criminal_process=bool(open_criminal))
        self.meet_deadline(ctx, "publication")

    def outstanding_duties(self) -> list[str]:
        """The deadlines for duties still undone that closing would otherwise drop: the copy
        owed to the Commissioner once the report is signed off (s.9(3B)), and telling the
        Home Office of the decision (statutory guidance)."""
        duties = []
        if self.signed_off and not self.commissioner_copy_sent:
            duties.append(COMMISSIONER_COPY)
        if self.decided_on and not self.home_office_notified:
            duties.append(HOME_OFFICE_NOTIFICATION)
        return duties

    def check_can_close(self, ctx: CommandContext) -> None:
        """A published review closes once every action is closed, the Commissioner has their
        copy and the Home Office was told of the decision, unless a reason is given."""
        times.must_not_precede(ctx.effective, self.stage_effective,
                               f"the start of the current stage '{self.stage}'")
        still_open = self.open_actions()
        if still_open and not ctx.reason:
            listed = ", ".join(f"{a.id} ({a.owner}, due {a.due[:10]})" for a in still_open)
            raise RuleRefused(
                f"{self.reference} has open actions: {listed}. Close them first, or give a "
                "reason for closing with open actions.",
                field="reason",
            )
        self._check_duties_done(ctx, "closing")

    def _check_duties_done(self, ctx: CommandContext, doing: str) -> None:
        undone = self.outstanding_duties()
        if undone and not ctx.reason:
            raise RuleRefused(
                f"{self.reference}: {'; '.join(DUTY_TEXT[d] for d in undone)}. Record it "
                f"(send-commissioner-copy / notify-home-office) first, or give a reason for "
                f"{doing} with it undone.",
                field="reason",
            )

    def close_with(self, ctx: CommandContext, found: Transition, outcome: str) -> None:
        """CaseClosed; each duty left undone recorded (with the reason) before its deadline is
        cancelled with the others."""
        undone = self.outstanding_duties()
        self.enter(CaseClosed, ctx, found, Stage.CLOSED, outcome=outcome, closed_from=self.stage)
        self._record_undone(ctx, undone)

    def _record_undone(self, ctx: CommandContext, undone: list[str]) -> None:
        for duty in undone:
            self.record(DutyOutstandingAtClosure, ctx, DUTY_BASIS[duty], duty=duty)
        for d in list(self.deadlines.values()):
            self.cancel_deadline(ctx, d.name)

    # -- family thread --------------------------------------------------------------------

    def record_family_contact(self, ctx: CommandContext, text: str) -> None:
        found = self.begin("record-family-contact", ctx)
        self.record(FamilyContactRecorded, ctx, found.basis, personal={"text": text})

    def record_family_contribution(self, ctx: CommandContext, text: str) -> None:
        found = self.begin("record-family-contribution", ctx)
        self.record(FamilyContributionReceived, ctx, found.basis, personal={"text": text})

    def agree_pseudonyms(self, ctx: CommandContext, text: str) -> None:
        found = self.begin("agree-pseudonyms", ctx)
        self.record(PseudonymsAgreed, ctx, found.basis, personal={"text": text})

    def offer_advocacy(self, ctx: CommandContext, provider: str) -> None:
        found = self.begin("offer-advocacy", ctx)
        self.record(AdvocacyOffered, ctx, found.basis, provider=provider)

    def show_family_draft(self, ctx: CommandContext, version: int | None = None) -> None:
        """Only a draft that exists can be shown: after one is circulated, by its version."""
        found = self.begin("show-family-draft", ctx)
        if not self.draft_version:
            raise RuleRefused("No draft has been circulated yet (circulate-draft); the family is "
                              "shown a draft that exists.")
        number = version or self.draft_version
        if number > self.draft_version:
            raise RuleRefused(f"Draft version {number} has not been circulated; the latest is "
                              f"{self.draft_version}.", field="version")
        self.record(FamilyShownDraft, ctx, found.basis, version_number=number)

    def give_family_leaflet(self, ctx: CommandContext) -> None:
        found = self.begin("give-family-leaflet", ctx)
        self.record(FamilyLeafletGiven, ctx, found.basis)

    def record_advocacy_response(self, ctx: CommandContext, accepted: bool = True) -> None:
        found = self.begin("record-advocacy-response", ctx)
        if self.advocacy is None:
            raise RuleRefused("Specialist advocacy has not been offered (offer-advocacy).")
        self.record(AdvocacyResponseRecorded, ctx, found.basis, accepted=accepted)

    def record_family_terms_input(self, ctx: CommandContext, text: str) -> None:
        found = self.begin("record-family-terms-input", ctx)
        if not text.strip():
            raise InvalidInput("Say what the family asked the terms of reference to cover.",
                               field="text")
        self.record(FamilyTermsInputReceived, ctx, found.basis, personal={"text": text})

    def tell_family_publication_date(self, ctx: CommandContext, publication_date: str) -> None:
        found = self.begin("tell-family-publication-date", ctx)
        if not self.signed_off:
            raise RuleRefused("The publication date is told once the report is signed off.")
        on = times.parse_effective(publication_date)
        self.record(FamilyToldOfPublicationDate, ctx, found.basis, publication_date=on)

    def record_family_declined(self, ctx: CommandContext) -> None:
        found = self.begin("record-family-declined", ctx)
        self.record(FamilyDeclinedInvolvement, ctx, found.basis)

