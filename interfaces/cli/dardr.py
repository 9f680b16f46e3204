"""``caseledger dardr …``: Domestic Abuse Related Death Reviews (cli.md, processes/dardr.md).

Each verb runs the domain method of the same name (``start-scoping`` → ``start_scoping``) through
``CaseService.change``; ``notify`` creates the case. The common verbs (returns, pauses, actions,
close…) are mounted here too.
"""

from typing import Annotated, Literal

import typer

from application.ports import DeadlineFilter
from domain import dardr
from interfaces.cli.case import Ref, register_common
from interfaces.cli.common import (
    TIME_HELP,
    Invocation,
    command,
    parse_list,
    parse_time,
)

app = typer.Typer(
    help="Domestic Abuse Related Death Reviews: from notification to publication and closure.",
    no_args_is_help=True,
)

Relationship = Literal[dardr.RELATIONSHIPS]  # type: ignore[valid-type]
DeathType = Literal[dardr.DEATH_TYPES]  # type: ignore[valid-type]
Guidance = Literal[dardr.GUIDANCE_VERSIONS]  # type: ignore[valid-type]
AgeBand = Literal[dardr.AGE_BANDS]  # type: ignore[valid-type]
HomeOfficeView = Literal[dardr.HOME_OFFICE_VIEWS]  # type: ignore[valid-type]
QaOutcome = Literal[dardr.QA_OUTCOMES]  # type: ignore[valid-type]
Deferral = Literal[dardr.DEFERRAL_REASONS]  # type: ignore[valid-type]
Decision = Literal["review", "no-review"]

VersionOpt = Annotated[int | None, typer.Option(
    "--version", metavar="N", min=1, help="Report version (default: the latest draft).")]
AgenciesOpt = Annotated[str, typer.Option("--agencies", metavar="A,B,…",
                                          help="Agency short ids, separated by commas.")]
TextOpt = Annotated[str, typer.Option("--text", metavar="TEXT", help="What happened (free text).")]


# --------------------------------------------------------------------------- notification


@command(app, "notify", "dardr")
def notify(
    inv: Invocation,
    partnership: Annotated[str, typer.Option("--partnership", metavar="SLUG",
                                             help="The partnership notified (e.g. cumberland).")],
    date_of_death: Annotated[str, typer.Option("--date-of-death", metavar="DATE",
                                               help=f"Date of death: {TIME_HELP}.")],
    victim_pseudonym: Annotated[str, typer.Option("--victim-pseudonym", metavar="NAME",
                                                  help="The victim's pseudonym.")],
    notified_by: Annotated[str, typer.Option("--notified-by", metavar="AGENCY",
                                             help="The notifying agency's short id.")],
    relationship: Annotated[Relationship, typer.Option(
        "--relationship", help="Relationship to the suspected perpetrator.")],
    death_type: Annotated[DeathType, typer.Option("--death-type", help="Type of death.")],
    guidance: Annotated[Guidance | None, typer.Option(
        "--guidance", help="Guidance version (default: the partnership's policy).")] = None,
    age_band: Annotated[AgeBand, typer.Option("--age-band", help="The victim's age band.")] = "unknown",
    police_force_area: Annotated[str, typer.Option("--police-force-area", metavar="AREA",
                                                   help="Police force area.")] = "",
) -> None:
    """Record the notification of a death (creates the case; --on = date the partnership was notified)."""
    services = inv.services
    result = services.cases.notify_death(
        inv.meta(), partnership=partnership, guidance=guidance,
        date_of_death=parse_time(date_of_death, "--date-of-death"),
        victim_pseudonym=victim_pseudonym, notified_by=notified_by, relationship=relationship,
        death_type=death_type, age_band=age_band, police_force_area=police_force_area,
    )
    inv.case_id = result.id
    inv.refresh_views()
    note = None
    if not inv.json:
        rows = services.views.open_deadlines(DeadlineFilter(case_id=result.id))
        decision = next((r for r in rows if r["name"] == "decision"), None)
        if decision:
            note = f"the decision is due {decision['due'][:10]}"
    inv.done(result, note, refresh=False)


@command(app, "start-scoping", "dardr")
def start_scoping(inv: Invocation, ref: Ref, agencies: AgenciesOpt) -> None:
    """Start scoping: each agency is asked for a scoping return (10 working days)."""
    inv.change(ref, "start-scoping", agencies=parse_list(agencies, "--agencies"))


@command(app, "complete-scoping-review", "dardr")
def complete_scoping_review(
    inv: Invocation, ref: Ref,
    summary: Annotated[str, typer.Option("--summary", metavar="TEXT",
                                         help="The Scoping Review's early learning.")],
) -> None:
    """Record the Scoping Review (dardr-2024-draft guidance only), before the decision."""
    inv.change(ref, "complete-scoping-review", summary=summary)


@command(app, "decide", "dardr")
def decide(
    inv: Invocation, ref: Ref,
    outcome: Annotated[Decision, typer.Option("--outcome", help="review or no-review.")],
    rationale: Annotated[str, typer.Option("--rationale", metavar="TEXT",
                                           help="Why (s.9 criteria met or not).")],
) -> None:
    """Decide whether to hold a review (DVCVA 2004 s.9(1))."""
    inv.change(ref, "decide", outcome=outcome, rationale=rationale)


@command(app, "notify-home-office", "dardr")
def notify_home_office(inv: Invocation, ref: Ref) -> None:
    """Record that the Home Office was told of the decision."""
    inv.change(ref, "notify-home-office")


@command(app, "record-home-office-view", "dardr")
def record_home_office_view(
    inv: Invocation, ref: Ref,
    view: Annotated[HomeOfficeView, typer.Option(
        "--view", help="no-review-agreed closes; reconsider goes back to scoping; direction "
                       "(s.9(2)) commissions a review.")],
) -> None:
    """Record the Home Office's view of a decision not to review."""
    inv.change(ref, "record-home-office-view", view=view)


# --------------------------------------------------------------------------- commissioning


@command(app, "appoint-chair", "dardr")
def appoint_chair(
    inv: Invocation, ref: Ref,
    name: Annotated[str, typer.Option("--name", metavar="NAME", help="The chair's name.")],
    independent: Annotated[bool, typer.Option("--independent/--not-independent",
                                              help="Whether the chair is independent.")] = True,
) -> None:
    """Appoint the chair of the review."""
    inv.change(ref, "appoint-chair", name=name, independent=independent)


@command(app, "add-panel-member", "dardr")
def add_panel_member(
    inv: Invocation, ref: Ref,
    agency: Annotated[str, typer.Option("--agency", metavar="AGENCY", help="Agency short id.")],
    name: Annotated[str, typer.Option("--name", metavar="NAME", help="The member's name.")],
    role: Annotated[str, typer.Option("--role", metavar="ROLE", help="Their role on the panel.")],
) -> None:
    """Add a member to the review panel."""
    inv.change(ref, "add-panel-member", agency=agency, name=name, role=role)


@command(app, "record-panel-meeting", "dardr")
def record_panel_meeting(inv: Invocation, ref: Ref) -> None:
    """Record that the panel met (--on = the date of the meeting)."""
    inv.change(ref, "record-panel-meeting")


@command(app, "agree-terms", "dardr")
def agree_terms(
    inv: Invocation, ref: Ref,
    period_from: Annotated[str, typer.Option("--period-from", metavar="DATE",
                                             help="Start of the period under review.")],
    period_to: Annotated[str, typer.Option("--period-to", metavar="DATE",
                                           help="End of the period under review.")],
    agencies: AgenciesOpt,
) -> None:
    """Agree the terms of reference; each agency in scope is asked for an IMR."""
    inv.change(ref, "agree-terms", period_from=parse_time(period_from, "--period-from"),
               period_to=parse_time(period_to, "--period-to"),
               agencies=parse_list(agencies, "--agencies"))


# --------------------------------------------------------------------------- report


@command(app, "circulate-draft", "dardr")
def circulate_draft(inv: Invocation, ref: Ref, version: VersionOpt = None) -> None:
    """Circulate a draft overview report (default: the next version)."""
    inv.change(ref, "circulate-draft", version=version)


@command(app, "agree-report", "dardr")
def agree_report(inv: Invocation, ref: Ref, version: VersionOpt = None) -> None:
    """Record that the panel agreed the report (meets the review-completion target)."""
    inv.change(ref, "agree-report", version=version)


@command(app, "sign-off", "dardr")
def sign_off(inv: Invocation, ref: Ref) -> None:
    """Record the partnership's sign-off (starts the Commissioner's copy clock)."""
    inv.change(ref, "sign-off")


@command(app, "submit", "dardr")
def submit(inv: Invocation, ref: Ref, version: VersionOpt = None) -> None:
    """Submit the report to the Home Office Quality Assurance Panel."""
    inv.change(ref, "submit", version=version)


@command(app, "record-qa-outcome", "dardr")
def record_qa_outcome(
    inv: Invocation, ref: Ref,
    outcome: Annotated[QaOutcome, typer.Option("--outcome", help="The QA Panel's outcome.")],
    points: Annotated[list[str] | None, typer.Option(
        "--points", metavar="TEXT", help="A point raised by the panel (repeatable).")] = None,
) -> None:
    """Record the Home Office QA Panel's outcome."""
    inv.change(ref, "record-qa-outcome", outcome=outcome, points=list(points or []))


@command(app, "complete-amendments", "dardr")
def complete_amendments(inv: Invocation, ref: Ref) -> None:
    """Record that the amendments asked for by the QA Panel are done (→ approved)."""
    inv.change(ref, "complete-amendments")


@command(app, "send-commissioner-copy", "dardr")
def send_commissioner_copy(inv: Invocation, ref: Ref) -> None:
    """Record the copy sent to the Domestic Abuse Commissioner (s.9(3B))."""
    inv.change(ref, "send-commissioner-copy")


@command(app, "adopt-action-plan", "dardr")
def adopt_action_plan(inv: Invocation, ref: Ref) -> None:
    """Record that the action plan was adopted (from sign-off on)."""
    inv.change(ref, "adopt-action-plan")


@command(app, "defer-publication", "dardr")
def defer_publication(
    inv: Invocation, ref: Ref,
    deferral: Annotated[Deferral, typer.Option(
        "--deferral", help="Why publication waits; --reason carries the detail.")] = "other",
) -> None:
    """Defer publication (e.g. criminal proceedings, an inquest, the family's wishes)."""
    inv.change(ref, "defer-publication", deferral=deferral)


@command(app, "publish", "dardr")
def publish(
    inv: Invocation, ref: Ref,
    url: Annotated[str, typer.Option("--url", metavar="URL", help="Where the report is published.")],
    override: Annotated[bool, typer.Option(
        "--override", help="Publish although a criminal process is open (needs --reason).")] = False,
) -> None:
    """Record publication of the report (after QA approval)."""
    inv.change(ref, "publish", url=url, override=override)


# --------------------------------------------------------------------------- family thread


@command(app, "record-family-contact", "dardr")
def record_family_contact(inv: Invocation, ref: Ref, text: TextOpt) -> None:
    """Record contact with the family."""
    inv.change(ref, "record-family-contact", text=text)


@command(app, "offer-advocacy", "dardr")
def offer_advocacy(
    inv: Invocation, ref: Ref,
    provider: Annotated[str, typer.Option("--provider", metavar="NAME",
                                          help="The advocacy provider.")],
) -> None:
    """Record that specialist advocacy was offered to the family."""
    inv.change(ref, "offer-advocacy", provider=provider)


@command(app, "record-family-contribution", "dardr")
def record_family_contribution(inv: Invocation, ref: Ref, text: TextOpt) -> None:
    """Record the family's contribution to the review."""
    inv.change(ref, "record-family-contribution", text=text)


@command(app, "show-family-draft", "dardr")
def show_family_draft(inv: Invocation, ref: Ref, version: VersionOpt = None) -> None:
    """Record that the family was shown a draft."""
    inv.change(ref, "show-family-draft", version=version)


@command(app, "agree-pseudonyms", "dardr")
def agree_pseudonyms(inv: Invocation, ref: Ref, text: TextOpt) -> None:
    """Record the pseudonyms agreed with the family."""
    inv.change(ref, "agree-pseudonyms", text=text)


@command(app, "record-family-declined", "dardr")
def record_family_declined(inv: Invocation, ref: Ref) -> None:
    """Record that the family declined to take part."""
    inv.change(ref, "record-family-declined")


register_common(app, "dardr")
