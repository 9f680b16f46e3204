"""``caseledger dardr …``: Domestic Abuse Related Death Reviews (cli.md, processes/dardr.md).

Each verb is a command model of application/commands/dardr.py; ``notify`` opens the case. The
commands common to every case type are mounted here too.
"""

import typer

from application.commands import dardr as d
from application.ports import DeadlineFilter
from application.service import CaseResult
from interfaces.cli.case import COMMON
from interfaces.cli.common import Invocation
from interfaces.cli.verbs import Verb, register

app = typer.Typer(
    help="Domestic Abuse Related Death Reviews: from notification to publication and closure.",
    no_args_is_help=True,
)


def decision_due(inv: Invocation, result: CaseResult) -> str | None:
    """For people: when the decision whether to review is due."""
    if inv.json:
        return None
    rows = inv.services.views.open_deadlines(DeadlineFilter(case_id=result.id))
    decision = next((r for r in rows if r["name"] == "decision"), None)
    return f"the decision is due {decision['due'][:10]}" if decision else None


NAME, AGENCIES = {"name": "NAME"}, {"agencies": "A,B,…"}
VERSION = {"version": "N"}

DARDR = (
    Verb("notify", d.NotifyDeath, note=decision_due, metavars={
        "partnership": "SLUG", "date_of_death": "DATE", "victim_pseudonym": "NAME",
        "notified_by": "AGENCY", "police_force_area": "AREA"}),
    Verb("start-scoping", d.StartScoping, metavars=AGENCIES),
    Verb("complete-scoping-review", d.CompleteScopingReview),
    Verb("decide", d.DecideReview),
    Verb("notify-home-office", d.NotifyHomeOffice),
    Verb("record-home-office-view", d.RecordHomeOfficeView),
    Verb("appoint-chair", d.AppointChair, off={"independent": "--not-independent"},
         metavars=NAME),
    Verb("add-panel-member", d.AddPanelMember,
         metavars={"agency": "AGENCY", "name": "NAME", "role": "ROLE"}),
    Verb("record-panel-meeting", d.RecordPanelMeeting),
    Verb("agree-terms", d.AgreeTerms, repeat=frozenset({"key_lines"}),
         metavars={"period_from": "DATE", "period_to": "DATE", **AGENCIES}),
    Verb("circulate-draft", d.CirculateDraft, metavars=VERSION),
    Verb("agree-report", d.AgreeReport, metavars=VERSION),
    Verb("sign-off", d.SignOff),
    Verb("submit", d.SubmitReport, metavars=VERSION),
    Verb("record-qa-outcome", d.RecordQaOutcome, repeat=frozenset({"points"}),
         metavars={"letter_dated": "DATE"}),
    Verb("address-qa-point", d.AddressQaPoint, metavars={"point": "Q1"}),
    Verb("close-qa-point", d.CloseQaPoint, metavars={"point": "Q1"}),
    Verb("complete-amendments", d.CompleteAmendments),
    Verb("send-commissioner-copy", d.SendCommissionerCopy),
    Verb("adopt-action-plan", d.AdoptActionPlan),
    Verb("defer-publication", d.DeferPublication),
    Verb("end-publication-deferral", d.EndPublicationDeferral),
    Verb("publish", d.PublishReport, metavars={"url": "URL"}),
    Verb("withhold-publication", d.WithholdPublication),
    Verb("notify-home-office-of-publication", d.NotifyHomeOfficeOfPublication),
    Verb("record-family-contact", d.RecordFamilyContact),
    Verb("offer-advocacy", d.OfferAdvocacy, metavars={"provider": "NAME"}),
    Verb("record-family-contribution", d.RecordFamilyContribution),
    Verb("show-family-draft", d.ShowFamilyDraft, metavars=VERSION),
    Verb("agree-pseudonyms", d.AgreePseudonyms),
    Verb("record-family-declined", d.RecordFamilyDeclined),
    Verb("give-family-leaflet", d.GiveFamilyLeaflet),
    Verb("record-advocacy-response", d.RecordAdvocacyResponse, off={"accepted": "--declined"}),
    Verb("record-family-terms-input", d.RecordFamilyTermsInput),
    Verb("tell-family-publication-date", d.TellFamilyPublicationDate,
         metavars={"publication_date": "DATE"}),
)

register(app, "dardr", DARDR + COMMON)
