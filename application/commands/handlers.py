"""The handler of every command: the domain method it calls, with typed arguments.

Each handler maps a command's fields onto the domain method's parameters and nothing more; the
rules live in the domain. Importing this module fills ``REGISTRY``.
"""

from __future__ import annotations

from typing import Any

from application.commands import asb as a
from application.commands import common as c
from application.commands import dardr as d
from application.commands import encampment as e
from application.commands import personal as p
from application.commands.registry import REGISTRY, NewCase, Opening
from application.encampment import find_no_return_window
from domain import times
from domain.asb import AsbCaseReview
from domain.case import Case, CommandContext
from domain.dardr import DardrReview
from domain.dardr import national_policy as dardr_policy
from domain.encampment import DirectionPower, EncampmentCase, EnforcementStep, location_key
from domain.policy import CasePolicy
from domain.setup import Partnership

on = REGISTRY.on


# --------------------------------------------------------------------------- any case


@on(Case, c.RequestReturn)
def request_return(case: Case, command: c.RequestReturn, ctx: CommandContext) -> None:
    case.request_return(ctx, agency=command.agency, kind=command.kind, due=command.due)


@on(Case, c.ReceiveReturn)
def receive_return(case: Case, command: c.ReceiveReturn, ctx: CommandContext) -> None:
    case.receive_return(ctx, agency=command.agency, kind=command.kind)


@on(Case, c.SubmitReturnDocument)
def submit_return_document(case: Case, command: c.SubmitReturnDocument,
                           ctx: CommandContext) -> str:
    """Answers with the document's version (1, 2, …)."""
    return str(case.submit_return_document(
        ctx, agency=command.agency, kind=command.kind, document_id=command.document_id,
        sha256=command.sha256, size=command.size, content_type=command.content_type,
        filename=command.filename))


@on(Case, c.AcceptReturn)
def accept_return(case: Case, command: c.AcceptReturn, ctx: CommandContext) -> None:
    case.accept_return(ctx, agency=command.agency, kind=command.kind)


@on(Case, c.ChallengeReturn)
def challenge_return(case: Case, command: c.ChallengeReturn, ctx: CommandContext) -> None:
    case.challenge_return(ctx, agency=command.agency, kind=command.kind, due=command.due)


@on(Case, c.WithdrawReturn)
def withdraw_return(case: Case, command: c.WithdrawReturn, ctx: CommandContext) -> None:
    case.withdraw_return(ctx, agency=command.agency, kind=command.kind)


@on(Case, c.ExtendDeadline)
def extend_deadline(case: Case, command: c.ExtendDeadline, ctx: CommandContext) -> None:
    case.extend_deadline(ctx, name=command.name, to=command.to)


@on(Case, c.PauseCase)
def pause(case: Case, command: c.PauseCase, ctx: CommandContext) -> None:
    case.pause(ctx, clocks=list(command.clocks) if command.clocks else None)


@on(Case, c.ResumeCase)
def resume(case: Case, command: c.ResumeCase, ctx: CommandContext) -> None:
    case.resume(ctx)


@on(Case, c.LinkProcess)
def link_process(case: Case, command: c.LinkProcess, ctx: CommandContext) -> str:
    return case.link_process(ctx, kind=command.kind, reference=command.reference,
                             pause=command.pause)


@on(Case, c.UpdateProcess)
def update_process(case: Case, command: c.UpdateProcess, ctx: CommandContext) -> None:
    case.update_process(ctx, process_id=command.process_id, status=command.status,
                        key_dates=dict(command.key_dates))


@on(Case, c.ConcludeProcess)
def conclude_process(case: Case, command: c.ConcludeProcess, ctx: CommandContext) -> None:
    case.conclude_process(ctx, process_id=command.process_id, outcome=command.outcome)


@on(Case, c.AddAction)
def add_action(case: Case, command: c.AddAction, ctx: CommandContext) -> str:
    return case.add_action(ctx, recommendation=command.recommendation, owner=command.owner,
                           level=command.level, due=command.due)


@on(Case, c.UpdateAction)
def update_action(case: Case, command: c.UpdateAction, ctx: CommandContext) -> None:
    case.update_action(ctx, action_id=command.action_id, rag=command.rag, note=command.note)


@on(Case, c.CloseAction)
def close_action(case: Case, command: c.CloseAction, ctx: CommandContext) -> None:
    case.close_action(ctx, action_id=command.action_id, evidence=command.evidence)


@on(Case, c.AddNote)
def add_note(case: Case, command: c.AddNote, ctx: CommandContext) -> None:
    case.add_note(ctx, text=command.text)


@on(Case, c.CloseCase)
def close(case: Case, command: c.CloseCase, ctx: CommandContext) -> None:
    case.close(ctx, outcome=command.outcome)


@on(Case, c.ReopenCase)
def reopen(case: Case, command: c.ReopenCase, ctx: CommandContext) -> None:
    case.reopen(ctx)


@on(Case, c.RestrictCase)
def restrict(case: Case, command: c.RestrictCase, ctx: CommandContext) -> None:
    case.restrict(ctx, people=list(command.people), why=command.why)


@on(Case, c.LiftRestriction)
def lift_restriction(case: Case, command: c.LiftRestriction, ctx: CommandContext) -> None:
    case.lift_restriction(ctx, why=command.why)


@on(Case, c.PlaceLegalHold)
def place_legal_hold(case: Case, command: c.PlaceLegalHold, ctx: CommandContext) -> None:
    case.place_legal_hold(ctx, label=command.label, why=command.why)


@on(Case, c.LiftLegalHold)
def lift_legal_hold(case: Case, command: c.LiftLegalHold, ctx: CommandContext) -> None:
    case.lift_legal_hold(ctx, label=command.label, why=command.why)


@on(Case, c.ErasePersonalData)
def erase_personal_data(case: Case, command: c.ErasePersonalData, ctx: CommandContext) -> None:
    """The rule is the one the service resolved for the effective date (application/retention.py)."""
    case.erase_personal_data(ctx, command.rule())


# --------------------------------------------------------------------------- DARDR


def notify(command: d.NotifyDeath, new: NewCase) -> DardrReview:
    return DardrReview.notify(
        new.ctx, case_id=new.case_id, reference=new.reference, partnership=command.partnership,
        policy=new.policy, date_of_death=command.date_of_death,
        victim_pseudonym=command.victim_pseudonym, notified_by=command.notified_by,
        relationship=command.relationship, death_type=command.death_type,
        age_band=command.age_band, police_force_area=command.police_force_area,
    )


def dardr_policy_for(command: d.NotifyDeath, partnership: Partnership, on: str) -> CasePolicy:
    """The partnership's policy in force; a guidance version named in the command wins over the
    local version's setting, with that guidance's review-completion clock."""
    guidance = command.guidance
    chosen = guidance or partnership.local_setting("dardr", on, "guidance") or "dhr-2016"
    policy = partnership.policy_for("dardr", on, dardr_policy(chosen))
    if guidance:
        policy = policy.with_overrides(
            policy.version, policy.effective_from,
            {"review-completion": dardr_policy(guidance).clocks["review-completion"]},
            {"guidance": guidance},
        )
    return policy


REGISTRY.opens(d.NotifyDeath, Opening(DardrReview, notify, policy=dardr_policy_for))


@on(DardrReview, d.StartScoping)
def start_scoping(case: DardrReview, command: d.StartScoping, ctx: CommandContext) -> None:
    case.start_scoping(ctx, agencies=list(command.agencies))


@on(DardrReview, d.CompleteScopingReview)
def complete_scoping_review(case: DardrReview, command: d.CompleteScopingReview,
                            ctx: CommandContext) -> None:
    case.complete_scoping_review(ctx, summary=command.summary)


@on(DardrReview, d.DecideReview)
def decide_review(case: DardrReview, command: d.DecideReview, ctx: CommandContext) -> None:
    case.decide(ctx, outcome=command.outcome, rationale=command.rationale,
                other_review=command.other_review)


@on(DardrReview, d.NotifyHomeOffice)
def notify_home_office(case: DardrReview, command: d.NotifyHomeOffice, ctx: CommandContext) -> None:
    case.notify_home_office(ctx)


@on(DardrReview, d.RecordHomeOfficeView)
def record_home_office_view(case: DardrReview, command: d.RecordHomeOfficeView,
                            ctx: CommandContext) -> None:
    case.record_home_office_view(ctx, view=command.view)


@on(DardrReview, d.AppointChair)
def appoint_chair(case: DardrReview, command: d.AppointChair, ctx: CommandContext) -> None:
    case.appoint_chair(ctx, name=command.name, independent=command.independent)


@on(DardrReview, d.AddPanelMember)
def add_panel_member(case: DardrReview, command: d.AddPanelMember, ctx: CommandContext) -> None:
    case.add_panel_member(ctx, agency=command.agency, name=command.name, role=command.role)


@on(DardrReview, d.RecordPanelMeeting)
def record_panel_meeting(case: DardrReview, command: d.RecordPanelMeeting,
                         ctx: CommandContext) -> None:
    case.record_panel_meeting(ctx)


@on(DardrReview, d.AgreeTerms)
def agree_terms(case: DardrReview, command: d.AgreeTerms, ctx: CommandContext) -> None:
    case.agree_terms(ctx, period_from=command.period_from, period_to=command.period_to,
                     agencies=list(command.agencies), key_lines=list(command.key_lines))


@on(DardrReview, d.CirculateDraft)
def circulate_draft(case: DardrReview, command: d.CirculateDraft, ctx: CommandContext) -> None:
    case.circulate_draft(ctx, version=command.version)


@on(DardrReview, d.AgreeReport)
def agree_report(case: DardrReview, command: d.AgreeReport, ctx: CommandContext) -> None:
    case.agree_report(ctx, version=command.version)


@on(DardrReview, d.SignOff)
def sign_off(case: DardrReview, command: d.SignOff, ctx: CommandContext) -> None:
    case.sign_off(ctx)


@on(DardrReview, d.SubmitReport)
def submit(case: DardrReview, command: d.SubmitReport, ctx: CommandContext) -> None:
    case.submit(ctx, version=command.version)


@on(DardrReview, d.RecordQaOutcome)
def record_qa_outcome(case: DardrReview, command: d.RecordQaOutcome, ctx: CommandContext) -> None:
    case.record_qa_outcome(ctx, outcome=command.outcome, points=list(command.points),
                           letter_dated=command.letter_dated)


@on(DardrReview, d.AddressQaPoint)
def address_qa_point(case: DardrReview, command: d.AddressQaPoint, ctx: CommandContext) -> None:
    case.address_qa_point(ctx, point_id=command.point, text=command.text)


@on(DardrReview, d.CloseQaPoint)
def close_qa_point(case: DardrReview, command: d.CloseQaPoint, ctx: CommandContext) -> None:
    case.close_qa_point(ctx, point_id=command.point)


@on(DardrReview, d.NotifyHomeOfficeOfPublication)
def notify_home_office_of_publication(case: DardrReview, command: d.NotifyHomeOfficeOfPublication,
                                      ctx: CommandContext) -> None:
    case.notify_home_office_of_publication(ctx)


@on(DardrReview, d.CompleteAmendments)
def complete_amendments(case: DardrReview, command: d.CompleteAmendments,
                        ctx: CommandContext) -> None:
    case.complete_amendments(ctx)


@on(DardrReview, d.SendCommissionerCopy)
def send_commissioner_copy(case: DardrReview, command: d.SendCommissionerCopy,
                           ctx: CommandContext) -> None:
    case.send_commissioner_copy(ctx)


@on(DardrReview, d.AdoptActionPlan)
def adopt_action_plan(case: DardrReview, command: d.AdoptActionPlan, ctx: CommandContext) -> None:
    case.adopt_action_plan(ctx)


@on(DardrReview, d.DeferPublication)
def defer_publication(case: DardrReview, command: d.DeferPublication, ctx: CommandContext) -> None:
    case.defer_publication(ctx, deferral=command.deferral)


@on(DardrReview, d.EndPublicationDeferral)
def end_publication_deferral(case: DardrReview, command: d.EndPublicationDeferral,
                             ctx: CommandContext) -> None:
    case.end_publication_deferral(ctx)


@on(DardrReview, d.WithholdPublication)
def withhold_publication(case: DardrReview, command: d.WithholdPublication,
                         ctx: CommandContext) -> None:
    case.withhold_publication(ctx)


@on(DardrReview, d.PublishReport)
def publish(case: DardrReview, command: d.PublishReport, ctx: CommandContext) -> None:
    case.publish(ctx, url=command.url, override=command.override)


@on(DardrReview, d.RecordFamilyContact)
def record_family_contact(case: DardrReview, command: d.RecordFamilyContact,
                          ctx: CommandContext) -> None:
    case.record_family_contact(ctx, text=command.text)


@on(DardrReview, d.OfferAdvocacy)
def offer_advocacy(case: DardrReview, command: d.OfferAdvocacy, ctx: CommandContext) -> None:
    case.offer_advocacy(ctx, provider=command.provider)


@on(DardrReview, d.RecordFamilyContribution)
def record_family_contribution(case: DardrReview, command: d.RecordFamilyContribution,
                               ctx: CommandContext) -> None:
    case.record_family_contribution(ctx, text=command.text)


@on(DardrReview, d.ShowFamilyDraft)
def show_family_draft(case: DardrReview, command: d.ShowFamilyDraft, ctx: CommandContext) -> None:
    case.show_family_draft(ctx, version=command.version)


@on(DardrReview, d.AgreePseudonyms)
def agree_pseudonyms(case: DardrReview, command: d.AgreePseudonyms, ctx: CommandContext) -> None:
    case.agree_pseudonyms(ctx, text=command.text)


@on(DardrReview, d.GiveFamilyLeaflet)
def give_family_leaflet(case: DardrReview, command: d.GiveFamilyLeaflet, ctx: CommandContext) -> None:
    case.give_family_leaflet(ctx)


@on(DardrReview, d.RecordAdvocacyResponse)
def record_advocacy_response(case: DardrReview, command: d.RecordAdvocacyResponse,
                             ctx: CommandContext) -> None:
    case.record_advocacy_response(ctx, accepted=command.accepted)


@on(DardrReview, d.RecordFamilyTermsInput)
def record_family_terms_input(case: DardrReview, command: d.RecordFamilyTermsInput,
                              ctx: CommandContext) -> None:
    case.record_family_terms_input(ctx, text=command.text)


@on(DardrReview, d.TellFamilyPublicationDate)
def tell_family_publication_date(case: DardrReview, command: d.TellFamilyPublicationDate,
                                 ctx: CommandContext) -> None:
    case.tell_family_publication_date(ctx, publication_date=command.publication_date)


@on(DardrReview, d.RecordFamilyDeclined)
def record_family_declined(case: DardrReview, command: d.RecordFamilyDeclined,
                           ctx: CommandContext) -> None:
    case.record_family_declined(ctx)


# --------------------------------------------------------------------------- ASB


def receive(command: a.ReceiveApplication, new: NewCase) -> AsbCaseReview:
    return AsbCaseReview.receive(
        new.ctx, case_id=new.case_id, reference=new.reference, partnership=command.partnership,
        hub=command.hub, policy=new.policy, channel=command.channel,
        applicant_type=command.applicant_type, applicant_name=command.applicant_name,
        applicant_contact=command.applicant_contact, consent=command.consent,
        complaints=[complaint.model_dump() for complaint in command.complaints],
        victim_consent=command.victim_consent, victim_landlord=command.victim_landlord,
    )


REGISTRY.opens(a.ReceiveApplication, Opening(AsbCaseReview, receive))


@on(AsbCaseReview, a.AddComplaint)
def add_complaint(case: AsbCaseReview, command: a.AddComplaint, ctx: CommandContext) -> str:
    complaint = command.complaint
    return case.add_complaint(
        ctx, behaviour=complaint.behaviour, reported=complaint.reported, agency=complaint.agency,
        reference=complaint.reference, hate=complaint.hate, description=complaint.description,
        complainant=complaint.complainant,
    )


@on(AsbCaseReview, a.MarkDuplicate)
def mark_duplicate(case: AsbCaseReview, command: a.MarkDuplicate, ctx: CommandContext) -> None:
    case.mark_duplicate(ctx, complaints=list(command.complaints), why=command.why)


@on(AsbCaseReview, a.AcknowledgeApplication)
def acknowledge(case: AsbCaseReview, command: a.AcknowledgeApplication,
                ctx: CommandContext) -> None:
    case.acknowledge(ctx, agencies=list(command.agencies))


@on(AsbCaseReview, a.DecideThreshold)
def decide_threshold(case: AsbCaseReview, command: a.DecideThreshold, ctx: CommandContext) -> None:
    case.decide_threshold(ctx, met=command.met, rule=command.rule, reasons=command.reasons,
                          category=command.category)


@on(AsbCaseReview, a.NotifyThreshold)
def notify_threshold(case: AsbCaseReview, command: a.NotifyThreshold, ctx: CommandContext) -> None:
    case.notify_threshold(ctx, method=command.method)


@on(AsbCaseReview, a.TellVictimClosure)
def tell_victim_closure(case: AsbCaseReview, command: a.TellVictimClosure,
                        ctx: CommandContext) -> None:
    case.tell_victim_closure(ctx, method=command.method, why=command.why)


@on(AsbCaseReview, a.ChooseInvolvement)
def choose_involvement(case: AsbCaseReview, command: a.ChooseInvolvement, ctx: CommandContext) -> None:
    case.choose_involvement(ctx, level=command.level)


@on(AsbCaseReview, a.AssignVictimContact)
def assign_victim_contact(case: AsbCaseReview, command: a.AssignVictimContact,
                          ctx: CommandContext) -> None:
    case.assign_victim_contact(ctx, agency=command.agency, name=command.name)


@on(AsbCaseReview, a.ScheduleMeeting)
def schedule_meeting(case: AsbCaseReview, command: a.ScheduleMeeting, ctx: CommandContext) -> None:
    case.schedule_meeting(ctx, meeting_date=command.meeting_date)


@on(AsbCaseReview, a.HoldMeeting)
def hold_meeting(case: AsbCaseReview, command: a.HoldMeeting, ctx: CommandContext) -> None:
    case.hold_meeting(ctx, chair=command.chair, independent_chair=command.independent_chair,
                      victim_invited=command.victim_invited,
                      victim_attended=command.victim_attended, agencies=list(command.agencies))


@on(AsbCaseReview, a.Recommend)
def recommend(case: AsbCaseReview, command: a.Recommend, ctx: CommandContext) -> None:
    case.recommend(ctx, recommendations=list(command.recommendations), none=command.none)


@on(AsbCaseReview, a.ShareActionPlan)
def share_action_plan(case: AsbCaseReview, command: a.ShareActionPlan, ctx: CommandContext) -> None:
    case.share_action_plan(ctx)


@on(AsbCaseReview, a.RecordVictimComments)
def record_victim_comments(case: AsbCaseReview, command: a.RecordVictimComments,
                           ctx: CommandContext) -> None:
    case.record_victim_comments(ctx, comments=command.comments)


@on(AsbCaseReview, a.NotifyOutcome)
def notify_outcome(case: AsbCaseReview, command: a.NotifyOutcome, ctx: CommandContext) -> None:
    case.notify_outcome(ctx, method=command.method)


@on(AsbCaseReview, a.LodgeAppeal)
def lodge_appeal(case: AsbCaseReview, command: a.LodgeAppeal, ctx: CommandContext) -> None:
    case.lodge_appeal(ctx, grounds=command.grounds, heard_by=command.heard_by)


@on(AsbCaseReview, a.RecordNoAppeal)
def record_no_appeal(case: AsbCaseReview, command: a.RecordNoAppeal, ctx: CommandContext) -> None:
    case.record_no_appeal(ctx)


@on(AsbCaseReview, a.DetermineAppeal)
def determine_appeal(case: AsbCaseReview, command: a.DetermineAppeal, ctx: CommandContext) -> None:
    case.determine_appeal(ctx, upheld=command.upheld, back_to=command.back_to)


# --------------------------------------------------------------------------- encampments


def report(command: e.ReportEncampment, new: NewCase) -> EncampmentCase:
    """The case, flagged when it returns to land or a group inside an earlier no-return window."""
    key = location_key(command.grid_ref, command.lat, command.lon, command.location)
    finding = find_no_return_window(new.earlier(), key, command.group,
                                    times.effective_date(new.ctx.effective))
    return EncampmentCase.report(
        new.ctx, case_id=new.case_id, reference=new.reference, partnership=command.partnership,
        hub=command.hub, policy=new.policy, location=command.location, grid_ref=command.grid_ref,
        lat=command.lat, lon=command.lon, caravans=command.caravans, vehicles=command.vehicles,
        group=command.group, reporter=command.reporter, within_no_return_window=finding,
    )


def report_detail(case: EncampmentCase) -> dict[str, Any]:
    return {"within_no_return_window": case.within_no_return_window}


REGISTRY.opens(e.ReportEncampment, Opening(EncampmentCase, report, detail=report_detail))


@on(EncampmentCase, e.EstablishOwnership)
def establish_ownership(case: EncampmentCase, command: e.EstablishOwnership,
                        ctx: CommandContext) -> None:
    case.establish_ownership(ctx, land=command.land, landowner=command.landowner,
                             lead_agency=command.lead_agency)


@on(EncampmentCase, e.Visit)
def visit(case: EncampmentCase, command: e.Visit, ctx: CommandContext) -> None:
    case.visit(ctx, caravans=command.caravans, vehicles=command.vehicles, adults=command.adults,
               children=command.children, animals=command.animals, officer=command.officer,
               conditions=command.conditions)


@on(EncampmentCase, e.AssessWelfare)
def assess_welfare(case: EncampmentCase, command: e.AssessWelfare, ctx: CommandContext) -> None:
    case.assess_welfare(ctx, needs=list(command.needs), referrals=list(command.referrals),
                        notes=command.notes)


@on(EncampmentCase, e.AssessImpact)
def assess_impact(case: EncampmentCase, command: e.AssessImpact, ctx: CommandContext) -> None:
    case.assess_impact(ctx, threat=command.threat, likelihood=command.likelihood,
                       factors=list(command.factors), never_acceptable=command.never_acceptable)


@on(EncampmentCase, e.DecideEncampment)
def decide_encampment(case: EncampmentCase, command: e.DecideEncampment,
                      ctx: CommandContext) -> None:
    case.decide(ctx, decision=command.decision, power=command.power, leave_by=command.leave_by,
                reasons=command.reasons, conditions=command.conditions, services=command.services)


@on(EncampmentCase, e.ServeDirection)
def serve_direction(case: EncampmentCase, command: e.ServeDirection, ctx: CommandContext) -> None:
    case.serve_direction(ctx, power=command.power, method=command.method,
                         served_on=command.served_on, compliance_due=command.compliance_due,
                         occupier_asked=command.occupier_asked, grounds=list(command.grounds),
                         pitch_available=command.pitch_available)


@on(EncampmentCase, e.ReferToPolice)
def refer_to_police(case: EncampmentCase, command: e.ReferToPolice, ctx: CommandContext) -> None:
    case.refer_to_police(ctx, power=DirectionPower(command.power.value))


@on(EncampmentCase, e.CheckCompliance)
def check_compliance(case: EncampmentCase, command: e.CheckCompliance,
                     ctx: CommandContext) -> None:
    case.check_compliance(ctx, still_present=command.still_present)


@on(EncampmentCase, e.IssueSummons)
def issue_summons(case: EncampmentCase, command: e.IssueSummons, ctx: CommandContext) -> None:
    case.issue_summons(ctx, hearing=command.hearing, served_on=command.served_on)


@on(EncampmentCase, e.IssueClaim)
def issue_claim(case: EncampmentCase, command: e.IssueClaim, ctx: CommandContext) -> None:
    case.issue_claim(ctx, hearing=command.hearing, served_on=command.served_on,
                     premises=command.premises, method=command.method,
                     persons_unknown=command.persons_unknown)


@on(EncampmentCase, e.RecordHearing)
def record_hearing(case: EncampmentCase, command: e.RecordHearing, ctx: CommandContext) -> None:
    case.record_hearing(ctx, result=command.result)


@on(EncampmentCase, e.GrantOrder)
def grant_order(case: EncampmentCase, command: e.GrantOrder, ctx: CommandContext) -> None:
    case.grant_order(ctx, order=command.order, compliance_due=command.compliance_due)


@on(EncampmentCase, e.ServeOrder)
def serve_order(case: EncampmentCase, command: e.ServeOrder, ctx: CommandContext) -> None:
    case.serve_order(ctx, order=command.order, compliance_due=command.compliance_due)


@on(EncampmentCase, e.GiveEntryNotice)
def give_entry_notice(case: EncampmentCase, command: e.GiveEntryNotice,
                      ctx: CommandContext) -> None:
    case.give_entry_notice(ctx, notified_on=command.notified_on,
                           names_unknown=command.names_unknown)


@on(EncampmentCase, e.Enforce)
def enforce(case: EncampmentCase, command: e.Enforce, ctx: CommandContext) -> None:
    if command.scheduled_for is None:
        case.enforce(ctx, step=EnforcementStep.EXECUTED)
    else:
        case.enforce(ctx, step=EnforcementStep.SCHEDULED, scheduled_for=command.scheduled_for)


@on(EncampmentCase, e.Vacate)
def vacate(case: EncampmentCase, command: e.Vacate, ctx: CommandContext) -> None:
    case.vacate(ctx, enforced=command.enforced)


@on(EncampmentCase, e.ClearSite)
def clear_site(case: EncampmentCase, command: e.ClearSite, ctx: CommandContext) -> None:
    case.clear_site(ctx, cleanup_cost=command.cleanup_cost, legal_cost=command.legal_cost,
                    damage=command.damage, damage_notes=command.damage_notes,
                    outcome=command.outcome)


# --------------------------------------------------------------------------- rectification


@on(Case, p.CorrectPersonalData)
def correct_personal_data(case: Case, command: p.CorrectPersonalData, ctx: CommandContext) -> None:
    """Registered so that every interface offers it to every case type; ``CaseService.execute``
    runs it with the corrected event's value (``application/commands/personal.py``), which a
    handler cannot read from the case."""
    raise LookupError("CorrectPersonalData needs the case's events: give it to "
                      "CaseService.execute.")
