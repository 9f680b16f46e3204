"""ASB Case Review commands (processes/asb-case-review.md; ASBCPA 2014 s.104 and Schedule 4)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from application.commands.base import (
    CaseCommand,
    ComplaintTime,
    EffectiveTime,
    Name,
    OpeningCommand,
    Slug,
    Slugs,
    Text,
)
from domain.asb import (
    AppealTarget,
    ApplicantType,
    Channel,
    InvolvementLevel,
    NotifyMethod,
    NotMetCategory,
)
from domain.asb_threshold import ThresholdRule
from domain.limits import MAX_COMPLAINTS, MAX_ITEMS


class Complaint(BaseModel):
    """One complaint of anti-social behaviour, as reported to an agency."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    behaviour: ComplaintTime = Field(description="When the behaviour happened.")
    reported: ComplaintTime = Field(description="When it was reported to the agency.")
    agency: Slug = Field(description="The agency it was reported to.")
    reference: Name | None = Field(default=None, description="The agency's own reference.")
    hate: bool = Field(default=False, description="Perceived as a hate incident.")
    complainant: Name | None = Field(
        default=None, description="A key telling complainants apart (not their name).")
    description: Text = Field(default="", description="What happened (personal data).")


class ReceiveApplication(OpeningCommand):
    """Receive an application for an ASB Case Review (opens the case; the effective time is the
    date received). ASBCPA 2014 s.104(1)."""

    hub: Slug = Field(description="The local focus hub.")
    channel: Channel = Field(description="How the application came in.")
    applicant_type: ApplicantType = Field(description="Who applies.")
    applicant_name: Name = Field(description="The applicant's name (personal data).")
    applicant_contact: Text = Field(default="", description="How to contact the applicant.")
    consent: bool = Field(default=True, description="Consent to share information.")
    victim_consent: bool = Field(
        default=False, description="A third party applies: the victim consents to the application.")
    victim_landlord: Slug | None = Field(
        default=None, description="The social housing provider the victim is a tenant of.")
    complaints: list[Complaint] = Field(default_factory=list, max_length=MAX_COMPLAINTS,
                                        description="The complaints the application relies on.")

    def hub_named(self) -> str | None:
        return self.hub

    def agencies_named(self) -> tuple[str, ...]:
        landlord = {self.victim_landlord} if self.victim_landlord else set()
        return tuple(sorted({c.agency for c in self.complaints} | landlord))


class AddComplaint(CaseCommand):
    """Add a complaint to the application (before the threshold decision)."""

    complaint: Complaint = Field(description="The complaint.")

    def agencies_named(self) -> tuple[str, ...]:
        return (self.complaint.agency,)


class MarkDuplicate(CaseCommand):
    """Record that complaints are the same incident reported to several agencies (counted once)."""

    complaints: list[Name] = Field(max_length=MAX_ITEMS,
                                   description="The complaint kept, then its duplicates.")
    why: Text = Field(description="Why they are the same incident.")


class AcknowledgeApplication(CaseCommand):
    """Acknowledge the application; information returns are requested."""

    agencies: Slugs = Field(default_factory=list,
                            description="Relevant bodies asked for information (5 working days).")

    def agencies_named(self) -> tuple[str, ...]:
        return tuple(self.agencies)


class DecideThreshold(CaseCommand):
    """Record the threshold decision; 'not met' is refused when the statutory rule is met
    (ASBCPA 2014 s.104(4)); a discretionary 'met' needs reasons (s.104(5))."""

    met: bool = Field(description="The decision.")
    rule: ThresholdRule | None = Field(
        default=None, description="statutory-minimum, five-complaints, hate-incident, senior-manager or "
                          "discretion (default: the rule the evaluation found).")
    reasons: Text = Field(default="", description="Reasons (required for discretion and for 'not met').")
    category: NotMetCategory | None = Field(
        default=None, description="Not met: below-threshold (default when no rule is met), "
                                  "vexatious, malicious, not-anti-social-behaviour or other.")


class NotifyThreshold(CaseCommand):
    """Record that the applicant was told the threshold decision (opens the appeal window if not
    met)."""

    method: NotifyMethod = Field(description="How the applicant was told.")


class TellVictimClosure(CaseCommand):
    """Record that the victim was told when and why the case closed (2025 statutory guidance)."""

    method: NotifyMethod = Field(description="How the victim was told.")
    why: Text = Field(description="What the victim was told about why it closed (personal data).")


class ChooseInvolvement(CaseCommand):
    """Record the level of involvement the victim chose (2025 statutory guidance)."""

    level: InvolvementLevel = Field(description="attend-meeting, written-views, kept-informed or none.")


class AssignVictimContact(CaseCommand):
    """Assign the victim's single point of contact (2025 statutory guidance)."""

    agency: Slug = Field(description="The contact's agency.")
    name: Name = Field(description="The contact's name (personal data).")

    def agencies_named(self) -> tuple[str, ...]:
        return (self.agency,)


class ScheduleMeeting(CaseCommand):
    """Record the date of the case review meeting."""

    meeting_date: EffectiveTime = Field(description="Meeting date.")


class HoldMeeting(CaseCommand):
    """Record the case review meeting (after the applicant was told the threshold decision); the
    effective time is the meeting date."""

    chair: Name = Field(description="Who chaired.")
    independent_chair: bool = Field(default=False, description="The chair was independent.")
    victim_invited: bool | None = Field(
        default=None, description="Whether the victim was invited (default: as the victim chose; "
                                  "invited when no choice was recorded).")
    victim_attended: bool = Field(default=False, description="The victim attended.")
    agencies: Slugs = Field(default_factory=list, description="Agencies that attended.")

    def agencies_named(self) -> tuple[str, ...]:
        return tuple(self.agencies)


class Recommend(CaseCommand):
    """Record the review's recommendations, or that there are none."""

    recommendations: list[Text] = Field(default_factory=list, max_length=MAX_ITEMS,
                                        description="A recommendation.")
    none: bool = Field(default=False, description="No recommendations (the reason says why).")


class ShareActionPlan(CaseCommand):
    """Share the action plan with the victim for comment before it is final (2025 guidance)."""


class RecordVictimComments(CaseCommand):
    """Record the victim's comments on the action plan."""

    comments: Text = Field(description="The victim's comments on the plan.")


class NotifyOutcome(CaseCommand):
    """Record that the applicant was told the outcome (opens the 20-working-day appeal window)."""

    method: NotifyMethod = Field(description="How the applicant was told.")


class LodgeAppeal(CaseCommand):
    """Lodge an appeal within the window after a not-met notice or an outcome notice
    (ASBCPA 2014 Sch.4 para 3)."""

    grounds: Text = Field(description="The grounds of the appeal.")
    heard_by: Name | None = Field(
        default=None, description="The body that hears the appeal (default: the policy's appeal_body).")


class RecordNoAppeal(CaseCommand):
    """Record that the applicant said they will not appeal against the notice (the case may then
    close inside the appeal window)."""


class DetermineAppeal(CaseCommand):
    """Determine an appeal: upheld → back to the stage named; not upheld → the previous stage."""

    upheld: bool = Field(description="The appeal's result.")
    back_to: AppealTarget | None = Field(default=None, description="Upheld: the stage the case goes back to.")
