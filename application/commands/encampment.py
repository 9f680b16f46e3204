"""Unauthorised encampment commands (processes/unauthorised-encampments.md; CJPOA 1994 ss.61,
62A, 77-78; CPR 55; the Cumbria Joint Agency Protocol). Effective times are date-times."""

from __future__ import annotations

from pydantic import Field

from application.commands.base import (
    CaseCommand,
    EffectiveTime,
    Name,
    OpeningCommand,
    Pounds,
    Slug,
    Text,
)
from domain import limits
from domain.encampment import (
    ClaimService,
    Decision,
    DirectionPower,
    HearingResult,
    LandKind,
    OrderKind,
    PolicePower,
    Power,
    Premises,
    S61Ground,
    WelfareNeed,
)


class ReportEncampment(OpeningCommand):
    """Report an encampment (opens the case; the effective time is the date-time reported). A
    return to the same land or by the same group inside a no-return window is flagged."""

    location: Text = Field(description="Where (description).")
    hub: Slug | None = Field(default=None, description="Local focus hub.")
    grid_ref: Name | None = Field(default=None, description="OS grid reference.")
    lat: float | None = Field(default=None, ge=-90, le=90, allow_inf_nan=False,
                               description="Latitude.")
    lon: float | None = Field(default=None, ge=-180, le=180, allow_inf_nan=False,
                               description="Longitude.")
    caravans: int = Field(default=0, ge=0, le=limits.MAX_CARAVANS, description="Caravans.")
    vehicles: int = Field(default=0, ge=0, le=limits.MAX_VEHICLES, description="Other vehicles.")
    group: Name | None = Field(default=None, description="Group reference linking the group's sites.")
    reporter: Name | None = Field(default=None, description="Who reported it (kept as personal data).")

    def hub_named(self) -> str | None:
        return self.hub


class EstablishOwnership(CaseCommand):
    """Record the land ownership and lead agency (→ triage)."""

    land: LandKind = Field(description="Kind of land.")
    landowner: Name = Field(default="", description="The landowner.")
    lead_agency: Name | None = Field(
        default=None, description="Lead agency (default: council; landowner on private land).")


class Visit(CaseCommand):
    """Record the initial (or a later) visit (→ assessing; starts the welfare clock)."""

    caravans: int | None = Field(default=None, ge=0, le=limits.MAX_CARAVANS,
                                  description="Caravans seen.")
    vehicles: int | None = Field(default=None, ge=0, le=limits.MAX_VEHICLES,
                                  description="Vehicles seen.")
    adults: int | None = Field(default=None, ge=0, le=limits.MAX_PEOPLE, description="Adults.")
    children: int | None = Field(default=None, ge=0, le=limits.MAX_PEOPLE,
                                  description="Children.")
    animals: int | None = Field(default=None, ge=0, le=limits.MAX_ANIMALS,
                                 description="Animals.")
    officer: Name = Field(default="", description="Visiting officer.")
    conditions: Text = Field(default="", description="Site conditions.")


class AssessWelfare(CaseCommand):
    """Record the welfare assessment (required before any notice or direction)."""

    needs: list[WelfareNeed] = Field(
        default_factory=list, max_length=len(WelfareNeed),
        description=f"Needs: {', '.join(WelfareNeed)}.")
    referrals: list[Name] = Field(default_factory=list, max_length=50, description="Referrals made.")
    notes: Text = Field(default="", description="Notes (personal).")


class AssessImpact(CaseCommand):
    """Record the impact assessment: risk = threat × likelihood (1-9)."""

    threat: int = Field(ge=1, le=3, description="Threat 1-3.")
    likelihood: int = Field(ge=1, le=3, description="Likelihood 1-3.")
    factors: list[Name] = Field(default_factory=list, max_length=50, description="Impact factors.")
    never_acceptable: bool = Field(default=False, description="A location that is never acceptable.")


class DecideEncampment(CaseCommand):
    """Decide: tolerate or negotiated stopping (→ tolerated), or not allow (→ enforcing), with the
    reasons, including proportionality."""

    decision: Decision = Field(description="Tolerate, negotiated stopping, or not allow.")
    leave_by: EffectiveTime | None = Field(default=None, description="The agreed leaving date.")
    power: Power | None = Field(default=None, description="Power for not-allow.")
    reasons: Text = Field(default="", description="Reasons, including proportionality.")
    conditions: Text = Field(default="", description="Conditions of toleration.")
    services: Text = Field(default="", description="Services provided.")


class ServeDirection(CaseCommand):
    """Serve a direction to leave; its no-return window is computed and stored."""

    power: DirectionPower = Field(description="s77 (council) or a police power.")
    served_on: Name = Field(default="", description="Whom it was served on (personal).")
    method: Name = Field(default="in person", description="How served.")
    compliance_due: EffectiveTime | None = Field(default=None, description="Instead of 24 hours.")
    occupier_asked: bool = Field(
        default=False, description="s.61: the occupier took reasonable steps to ask them to leave; "
                                   "s.62A: the occupier asked the police to remove them.")
    grounds: list[S61Ground] = Field(
        default_factory=list, max_length=len(S61Ground),
        description=f"s.61 grounds: {', '.join(S61Ground)}.")
    pitch_available: bool = Field(
        default=False, description="s.62A: a suitable pitch on a relevant caravan site.")


class ReferToPolice(CaseCommand):
    """Refer the encampment to the police for their powers."""

    power: PolicePower = Field(description="Police power: s61, s62a or s60c.")


class CheckCompliance(CaseCommand):
    """Record a compliance check after a direction or order."""

    still_present: bool = Field(default=True, description="Whether the encampment is still there.")


class IssueSummons(CaseCommand):
    """s.78 summons: the hearing at least 24 hours after service."""

    hearing: EffectiveTime = Field(description="When the hearing is.")
    served_on: EffectiveTime | None = Field(
        default=None, description="When served (default: the effective time).")


class IssueClaim(CaseCommand):
    """CPR 55 possession claim against trespassers: served at least 2 clear days (5 residential)
    before the hearing, weekends and bank holidays not counting (CPR 55.5(2), 2.8(4)); the method
    of service recorded (CPR 55.6 for persons unknown)."""

    hearing: EffectiveTime = Field(description="When the hearing is.")
    served_on: EffectiveTime | None = Field(
        default=None, description="When served (default: the effective time).")
    premises: Premises = Field(default=Premises.LAND, description="land (2 clear days) or residential (5).")
    method: ClaimService = Field(description="How served: attached-to-land or stakes (CPR 55.6, "
                                             "persons unknown), court-ordered, personal, post, "
                                             "left-at-address.")
    persons_unknown: bool = Field(default=True, description="The claim is against persons unknown.")


class RecordHearing(CaseCommand):
    """Record a hearing."""

    result: HearingResult = Field(description="Outcome of the hearing.")


class GrantOrder(CaseCommand):
    """Record an order granted."""

    order: OrderKind = Field(default=OrderKind.S78, description="s78, possession or injunction.")
    compliance_due: EffectiveTime | None = Field(default=None, description="When it must be complied with.")


class ServeOrder(CaseCommand):
    """Serve the order (starts the 24-hour order-compliance clock)."""

    order: OrderKind | None = Field(default=None, description="Which order.")
    compliance_due: EffectiveTime | None = Field(default=None, description="Instead of 24 hours.")


class GiveEntryNotice(CaseCommand):
    """s.78(3): notice to the owner and occupier before entering the land under a s.78 order."""

    notified_on: EffectiveTime | None = Field(
        default=None, description="When notice was given (default: the effective time).")
    names_unknown: bool = Field(
        default=False, description="Names and addresses not found after reasonable inquiries.")


class Enforce(CaseCommand):
    """Record enforcement executed, or scheduled for a later time."""

    scheduled_for: EffectiveTime | None = Field(default=None, description="Schedule enforcement instead.")


class Vacate(CaseCommand):
    """Record the site vacated (→ vacated; starts the clean-up clock)."""

    enforced: bool = Field(default=False, description="How the site was vacated: enforced or voluntary.")


class ClearSite(CaseCommand):
    """Record the site cleared with its costs, then close the case."""

    cleanup_cost: Pounds | None = Field(default=None, description="Clean-up cost (£).")
    legal_cost: Pounds | None = Field(default=None, description="Legal cost (£).")
    damage: Pounds | None = Field(default=None, description="Cost of damage (£).")
    damage_notes: Text = Field(default="", description="Damage (personal).")
    outcome: Text = Field(default="site cleared", description="Outcome.")
