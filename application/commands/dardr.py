"""Domestic Abuse Related Death Review commands (processes/dardr.md; DVCVA 2004 s.9)."""

from __future__ import annotations

from pydantic import Field

from application.commands.base import (
    CaseCommand,
    DateOfDeath,
    EffectiveTime,
    Name,
    OpeningCommand,
    ReviewPeriodTime,
    Slug,
    Slugs,
    Text,
)
from domain.dardr import (
    AgeBand,
    DeathType,
    DeferralReason,
    Guidance,
    HomeOfficeView,
    ProcessKind,
    QaOutcome,
    Relationship,
    ReviewOutcome,
)
from domain.limits import MAX_ITEMS, MAX_REPORT_VERSION


class NotifyDeath(OpeningCommand):
    """Record the notification of a death (opens the case; the effective time is the date the
    partnership was notified). DVCVA 2004 s.9(1); statutory guidance: notification to the CSP."""

    date_of_death: DateOfDeath = Field(description="Date of death.")
    victim_pseudonym: Name = Field(description="The victim's pseudonym.")
    notified_by: Slug = Field(description="The notifying agency's short id.")
    relationship: Relationship = Field(description="Relationship to the suspected perpetrator.")
    death_type: DeathType = Field(description="Type of death.")
    guidance: Guidance | None = Field(
        default=None, description="Guidance version (default: the partnership's policy).")
    age_band: AgeBand = Field(default=AgeBand.UNKNOWN, description="The victim's age band.")
    police_force_area: Name = Field(default="", description="Police force area.")

    def agencies_named(self) -> tuple[str, ...]:
        return (self.notified_by,)


class StartScoping(CaseCommand):
    """Start scoping: each agency is asked for a scoping return (10 working days)."""

    agencies: Slugs = Field(min_length=1, description="Agency short ids.")

    def agencies_named(self) -> tuple[str, ...]:
        return tuple(self.agencies)


class CompleteScopingReview(CaseCommand):
    """Record the Scoping Review (dardr-2024-draft guidance only), before the decision."""

    summary: Text = Field(description="The Scoping Review's early learning.")


class DecideReview(CaseCommand):
    """Decide whether to hold a review (DVCVA 2004 s.9(1))."""

    outcome: ReviewOutcome = Field(
        description="review, no-review, joint-review (with another review) or referred (to it).")
    rationale: Text = Field(description="Why (s.9 criteria met or not).")
    other_review: ProcessKind | None = Field(
        default=None,
        description="For joint-review or referred: sar, cspr, mhhr or owhr.")


class NotifyHomeOffice(CaseCommand):
    """Record that the Home Office was told of the decision."""


class RecordHomeOfficeView(CaseCommand):
    """Record the Home Office's view of a decision not to review."""

    view: HomeOfficeView = Field(
        description="no-review-agreed closes; reconsider goes back to scoping; direction "
                    "(s.9(2)) commissions a review.")


class AppointChair(CaseCommand):
    """Appoint the chair of the review."""

    name: Name = Field(description="The chair's name.")
    independent: bool = Field(default=True, description="Whether the chair is independent.")


class AddPanelMember(CaseCommand):
    """Add a member to the review panel."""

    agency: Slug = Field(description="Agency short id.")
    name: Name = Field(description="The member's name.")
    role: Name = Field(description="Their role on the panel.")

    def agencies_named(self) -> tuple[str, ...]:
        return (self.agency,)


class RecordPanelMeeting(CaseCommand):
    """Record that the panel met (the effective time is the date of the meeting)."""


class AgreeTerms(CaseCommand):
    """Agree the terms of reference; each agency in scope is asked for an IMR."""

    period_from: ReviewPeriodTime = Field(description="Start of the period under review.")
    period_to: ReviewPeriodTime = Field(description="End of the period under review.")
    agencies: Slugs = Field(min_length=1, description="Agency short ids.")
    key_lines: list[Text] = Field(default_factory=list, max_length=MAX_ITEMS,
                                  description="A key line of enquiry.")

    def agencies_named(self) -> tuple[str, ...]:
        return tuple(self.agencies)


REPORT_VERSION = "Report version (default: the latest draft)."


class CirculateDraft(CaseCommand):
    """Circulate a draft overview report (default: the next version)."""

    version: int | None = Field(default=None, ge=1, le=MAX_REPORT_VERSION, description=REPORT_VERSION)


class AgreeReport(CaseCommand):
    """Record that the panel agreed the report (meets the review-completion target)."""

    version: int | None = Field(default=None, ge=1, le=MAX_REPORT_VERSION, description=REPORT_VERSION)


class SignOff(CaseCommand):
    """Record the partnership's sign-off (starts the Commissioner's copy clock)."""


class SubmitReport(CaseCommand):
    """Submit the report to the Home Office Quality Assurance Panel."""

    version: int | None = Field(default=None, ge=1, le=MAX_REPORT_VERSION, description=REPORT_VERSION)


class RecordQaOutcome(CaseCommand):
    """Record the Home Office QA Panel's outcome."""

    outcome: QaOutcome = Field(description="The QA Panel's outcome.")
    points: list[Text] = Field(default_factory=list, max_length=MAX_ITEMS,
                               description="A point raised by the panel.")
    letter_dated: EffectiveTime | None = Field(
        default=None, description="The date of the QA Panel's letter.")


class AddressQaPoint(CaseCommand):
    """Record how one of the QA Panel's points was addressed."""

    point: Name = Field(description="The point's id (Q1, Q2, …).")
    text: Text = Field(description="How it was addressed (free text).")


class CloseQaPoint(CaseCommand):
    """Close one of the QA Panel's points (once addressed, or with a reason)."""

    point: Name = Field(description="The point's id (Q1, Q2, …).")


class NotifyHomeOfficeOfPublication(CaseCommand):
    """Record that the Home Office was told of the publication."""


class CompleteAmendments(CaseCommand):
    """Record that the amendments asked for by the QA Panel are done (→ approved)."""


class SendCommissionerCopy(CaseCommand):
    """Record the copy sent to the Domestic Abuse Commissioner (DVCVA 2004 s.9(3B))."""


class AdoptActionPlan(CaseCommand):
    """Record that the action plan was adopted (from sign-off on)."""


class DeferPublication(CaseCommand):
    """Defer publication (e.g. criminal proceedings, an inquest, the family's wishes)."""

    deferral: DeferralReason = Field(
        default=DeferralReason.OTHER, description="Why publication waits; the reason carries the detail.")


class EndPublicationDeferral(CaseCommand):
    """End a deferral of publication; the paused publication clock runs again."""


class WithholdPublication(CaseCommand):
    """Close an approved review without publishing it, in exceptional circumstances (the
    reason, required, records them). Distinct from a deferral."""


class PublishReport(CaseCommand):
    """Record publication of the report (after QA approval)."""

    url: Name = Field(description="Where the report is published.")
    override: bool = Field(
        default=False, description="Publish although a criminal process is open (needs a reason).")


class RecordFamilyContact(CaseCommand):
    """Record contact with the family."""

    text: Text = Field(description="What happened (free text).")


class OfferAdvocacy(CaseCommand):
    """Record that specialist advocacy was offered to the family."""

    provider: Name = Field(description="The advocacy provider.")


class RecordFamilyContribution(CaseCommand):
    """Record the family's contribution to the review."""

    text: Text = Field(description="What happened (free text).")


class ShowFamilyDraft(CaseCommand):
    """Record that the family was shown a draft."""

    version: int | None = Field(default=None, ge=1, le=MAX_REPORT_VERSION, description=REPORT_VERSION)


class AgreePseudonyms(CaseCommand):
    """Record the pseudonyms agreed with the family."""

    text: Text = Field(description="What happened (free text).")


class RecordFamilyDeclined(CaseCommand):
    """Record that the family declined to take part."""


class GiveFamilyLeaflet(CaseCommand):
    """Record that the Home Office leaflet for families was given."""


class RecordAdvocacyResponse(CaseCommand):
    """Record whether the family accepted the specialist advocacy offered."""

    accepted: bool = Field(default=True, description="Accepted (default) or declined.")


class RecordFamilyTermsInput(CaseCommand):
    """Record the family's input to the terms of reference."""

    text: Text = Field(description="What the family asked the review to cover (free text).")


class TellFamilyPublicationDate(CaseCommand):
    """Record that the family was told the publication date."""

    publication_date: EffectiveTime = Field(description="The publication date the family was told.")
