"""``caseledger encampment …``: unauthorised encampments (cli.md, processes/unauthorised-encampments.md).

Each verb runs the domain method of the same name through ``CaseService.change``; ``report``
creates the case and flags a return within a no-return window. Effective times are date-times
(``--on 2026-03-02T14:30``). The common verbs (returns, pauses, actions, close…) are mounted here too.
"""

from typing import Annotated, Literal

import typer

from application.encampment import report_encampment
from domain import encampment
from domain.errors import InvalidInput
from interfaces.cli.case import Ref, register_common
from interfaces.cli.common import TIME_HELP, Invocation, command, parse_list, parse_time

app = typer.Typer(
    help="Unauthorised encampments: report, assessment, decision, enforcement, vacated site.",
    no_args_is_help=True,
)

Land = Literal[encampment.LAND_KINDS]  # type: ignore[valid-type]
Power = Literal[encampment.POWERS]  # type: ignore[valid-type]
DirectionPower = Literal[encampment.DIRECTION_POWERS]  # type: ignore[valid-type]
HearingResult = Literal[encampment.HEARING_RESULTS]  # type: ignore[valid-type]
OrderKind = Literal[encampment.ORDER_KINDS]  # type: ignore[valid-type]
Premises = Literal[encampment.PREMISES]  # type: ignore[valid-type]


def _count(name: str, text: str) -> type:
    return Annotated[int | None, typer.Option(name, metavar="N", help=text)]  # type: ignore[return-value]


@command(app, "report", "encampment")
def report(
    inv: Invocation,
    partnership: Annotated[str, typer.Option("--partnership", metavar="SLUG", help="e.g. cumberland.")],
    location: Annotated[str, typer.Option("--location", metavar="TEXT", help="Where (description).")],
    hub: Annotated[str | None, typer.Option("--hub", metavar="HUB", help="Local focus hub.")] = None,
    grid_ref: Annotated[str | None, typer.Option("--grid-ref", metavar="REF", help="OS grid reference.")] = None,
    lat: Annotated[float | None, typer.Option("--lat", help="Latitude.")] = None,
    lon: Annotated[float | None, typer.Option("--lon", help="Longitude.")] = None,
    caravans: Annotated[int, typer.Option("--caravans", metavar="N", help="Caravans.")] = 0,
    vehicles: Annotated[int, typer.Option("--vehicles", metavar="N", help="Other vehicles.")] = 0,
    group: Annotated[str | None, typer.Option("--group", metavar="GROUP-REF",
                                              help="Group reference linking the group's sites.")] = None,
    reporter: Annotated[str | None, typer.Option("--reporter", metavar="TEXT",
                                                 help="Who reported it (kept as personal data).")] = None,
) -> None:
    """Report an encampment (creates the case; --on = date-time reported)."""
    services = inv.fresh()
    result = report_encampment(
        services.cases, services.views, inv.meta(), partnership=partnership, hub=hub,
        location=location, grid_ref=grid_ref, lat=lat, lon=lon, caravans=caravans,
        vehicles=vehicles, group=group, reporter=reporter,
    )
    window = (result.detail or {}).get("within_no_return_window")
    note = None
    if window:
        note = (f"RETURN within the {window['power']} no-return window of {window['case']} "
                f"(until {window['until']})")
    inv.done(result, note)


@command(app, "establish-ownership", "encampment")
def establish_ownership(
    inv: Invocation, ref: Ref,
    land: Annotated[Land, typer.Option("--land", help="Kind of land.")],
    owner: Annotated[str, typer.Option("--owner", metavar="TEXT", help="The landowner.")] = "",
    lead_agency: Annotated[str | None, typer.Option(
        "--lead", metavar="AGENCY", help="Lead agency (default: council; landowner on private land).")] = None,
) -> None:
    """Record the land ownership and lead agency (→ triage)."""
    inv.change(ref, "establish-ownership", land=land, landowner=owner, lead_agency=lead_agency)


@command(app, "visit", "encampment")
def visit(
    inv: Invocation, ref: Ref,
    caravans: _count("--caravans", "Caravans seen.") = None,  # type: ignore[valid-type]
    vehicles: _count("--vehicles", "Vehicles seen.") = None,  # type: ignore[valid-type]
    adults: _count("--adults", "Adults.") = None,  # type: ignore[valid-type]
    children: _count("--children", "Children.") = None,  # type: ignore[valid-type]
    animals: _count("--animals", "Animals.") = None,  # type: ignore[valid-type]
    officer: Annotated[str, typer.Option("--officer", metavar="NAME", help="Visiting officer.")] = "",
    conditions: Annotated[str, typer.Option("--conditions", metavar="TEXT", help="Site conditions.")] = "",
) -> None:
    """Record the initial (or a later) visit (→ assessing; starts the welfare clock)."""
    inv.change(ref, "visit", caravans=caravans, vehicles=vehicles, adults=adults,
               children=children, animals=animals, officer=officer, conditions=conditions)


@command(app, "assess-welfare", "encampment")
def assess_welfare(
    inv: Invocation, ref: Ref,
    needs: Annotated[str, typer.Option("--needs", metavar="A,B,…",
                                       help=f"Needs: {', '.join(encampment.WELFARE_NEEDS)}.")] = "",
    referrals: Annotated[str, typer.Option("--referrals", metavar="A,B,…", help="Referrals made.")] = "",
    notes: Annotated[str, typer.Option("--notes", metavar="TEXT", help="Notes (personal).")] = "",
) -> None:
    """Record the welfare assessment (required before any notice or direction)."""
    inv.change(ref, "assess-welfare", needs=parse_list(needs, "--needs", required=False),
               referrals=parse_list(referrals, "--referrals", required=False), notes=notes)


@command(app, "assess-impact", "encampment")
def assess_impact(
    inv: Invocation, ref: Ref,
    threat: Annotated[int, typer.Option("--threat", metavar="1-3", help="Threat 1-3.")],
    likelihood: Annotated[int, typer.Option("--likelihood", metavar="1-3", help="Likelihood 1-3.")],
    factors: Annotated[str, typer.Option("--factors", metavar="A,B,…", help="Impact factors.")] = "",
    never_acceptable: Annotated[bool, typer.Option(
        "--never-acceptable", help="A location that is never acceptable.")] = False,
) -> None:
    """Record the impact assessment: risk = threat × likelihood (1-9)."""
    inv.change(ref, "assess-impact", threat=threat, likelihood=likelihood,
               factors=parse_list(factors, "--factors", required=False),
               never_acceptable=never_acceptable)


@command(app, "decide", "encampment")
def decide(
    inv: Invocation, ref: Ref,
    tolerate: Annotated[bool, typer.Option("--tolerate", help="Tolerate until --leave-by.")] = False,
    negotiated: Annotated[bool, typer.Option("--negotiated-stopping",
                                             help="Negotiated stopping until --leave-by.")] = False,
    not_allow: Annotated[bool, typer.Option("--not-allow", help="Not allow; choose --power.")] = False,
    leave_by: Annotated[str | None, typer.Option("--leave-by", metavar="DATE", help=TIME_HELP)] = None,
    power: Annotated[Power | None, typer.Option("--power", help="Power for not-allow.")] = None,
    reasons: Annotated[str, typer.Option("--reasons", metavar="TEXT",
                                         help="Reasons, including proportionality.")] = "",
    conditions: Annotated[str, typer.Option("--conditions", metavar="TEXT")] = "",
    services_provided: Annotated[str, typer.Option("--services", metavar="TEXT")] = "",
) -> None:
    """Decide: --tolerate / --negotiated-stopping (→ tolerated) or --not-allow (→ enforcing)."""
    chosen = [d for d, flag in (("tolerate", tolerate), ("negotiated-stopping", negotiated),
                                ("not-allow", not_allow)) if flag]
    if len(chosen) != 1:
        raise InvalidInput("Give exactly one of --tolerate, --negotiated-stopping, --not-allow.")
    inv.change(ref, "decide", decision=chosen[0], power=power,
               leave_by=parse_time(leave_by, "--leave-by"), reasons=reasons,
               conditions=conditions, services=services_provided)


@command(app, "serve-direction", "encampment")
def serve_direction(
    inv: Invocation, ref: Ref,
    power: Annotated[DirectionPower, typer.Option("--power", help="s77 (council) or a police power.")],
    served_on: Annotated[str, typer.Option("--served-on", metavar="TEXT",
                                           help="Whom it was served on (personal).")] = "",
    method: Annotated[str, typer.Option("--method", metavar="TEXT", help="How served.")] = "in person",
    compliance_due: Annotated[str | None, typer.Option("--compliance-due", metavar="TIME",
                                                       help=f"Instead of 24 hours: {TIME_HELP}.")] = None,
) -> None:
    """Serve a direction to leave; its no-return window is computed and stored."""
    inv.change(ref, "serve-direction", power=power, served_on=served_on, method=method,
               compliance_due=parse_time(compliance_due, "--compliance-due"))


@command(app, "refer-to-police", "encampment")
def refer_to_police(
    inv: Invocation, ref: Ref,
    power: Annotated[str, typer.Option("--power", metavar="s61|s62a|s60c", help="Police power.")],
) -> None:
    """Refer the encampment to the police for their powers."""
    inv.change(ref, "refer-to-police", power=power)


@command(app, "check-compliance", "encampment")
def check_compliance(
    inv: Invocation, ref: Ref,
    still_present: Annotated[bool, typer.Option("--still-present/--gone",
                                                help="Whether the encampment is still there.")] = True,
) -> None:
    """Record a compliance check after a direction or order."""
    inv.change(ref, "check-compliance", still_present=still_present)


@command(app, "issue-summons", "encampment")
def issue_summons(
    inv: Invocation, ref: Ref,
    hearing: Annotated[str, typer.Option("--hearing", metavar="TIME", help=TIME_HELP)],
    served_on: Annotated[str | None, typer.Option("--served", metavar="TIME",
                                                  help=f"When served (default --on): {TIME_HELP}.")] = None,
) -> None:
    """s.78 summons: the hearing at least 24 hours after service."""
    inv.change(ref, "issue-summons", hearing=parse_time(hearing, "--hearing"),
               served_on=parse_time(served_on, "--served"))


@command(app, "issue-claim", "encampment")
def issue_claim(
    inv: Invocation, ref: Ref,
    hearing: Annotated[str, typer.Option("--hearing", metavar="TIME", help=TIME_HELP)],
    served_on: Annotated[str | None, typer.Option("--served", metavar="TIME",
                                                  help=f"When served (default --on): {TIME_HELP}.")] = None,
    premises: Annotated[Premises, typer.Option("--premises", help="land (2 clear days) or residential (5).")] = "land",
) -> None:
    """CPR 55 possession claim: at least 2 clear days (5 residential) between service and hearing."""
    inv.change(ref, "issue-claim", hearing=parse_time(hearing, "--hearing"),
               served_on=parse_time(served_on, "--served"), premises=premises)


@command(app, "record-hearing", "encampment")
def record_hearing(
    inv: Invocation, ref: Ref,
    result: Annotated[HearingResult, typer.Option("--result", help="Outcome of the hearing.")],
) -> None:
    """Record a hearing."""
    inv.change(ref, "record-hearing", result=result)


@command(app, "grant-order", "encampment")
def grant_order(
    inv: Invocation, ref: Ref,
    order: Annotated[OrderKind, typer.Option("--order", help="s78, possession or injunction.")] = "s78",
    compliance_due: Annotated[str | None, typer.Option(
        "--compliance-due", metavar="TIME", help=TIME_HELP)] = None,
) -> None:
    """Record an order granted."""
    inv.change(ref, "grant-order", order=order,
               compliance_due=parse_time(compliance_due, "--compliance-due"))


@command(app, "serve-order", "encampment")
def serve_order(
    inv: Invocation, ref: Ref,
    order: Annotated[OrderKind | None, typer.Option("--order", help="Which order.")] = None,
    compliance_due: Annotated[str | None, typer.Option("--compliance-due", metavar="TIME",
                                                       help=f"Instead of 24 hours: {TIME_HELP}.")] = None,
) -> None:
    """Serve the order (starts the 24-hour order-compliance clock)."""
    inv.change(ref, "serve-order", order=order,
               compliance_due=parse_time(compliance_due, "--compliance-due"))


@command(app, "enforce", "encampment")
def enforce(
    inv: Invocation, ref: Ref,
    scheduled_for: Annotated[str | None, typer.Option(
        "--scheduled-for", metavar="TIME", help=f"Schedule enforcement instead: {TIME_HELP}.")] = None,
) -> None:
    """Record enforcement executed (or, with --scheduled-for, scheduled)."""
    if scheduled_for:
        inv.change(ref, "enforce", step="scheduled",
                   scheduled_for=parse_time(scheduled_for, "--scheduled-for"))
    else:
        inv.change(ref, "enforce", step="executed")


@command(app, "vacate", "encampment")
def vacate(
    inv: Invocation, ref: Ref,
    enforced: Annotated[bool, typer.Option("--enforced/--voluntary", help="How the site was vacated.")] = False,
) -> None:
    """Record the site vacated (→ vacated; starts the clean-up clock)."""
    inv.change(ref, "vacate", enforced=enforced)


@command(app, "clear-site", "encampment")
def clear_site(
    inv: Invocation, ref: Ref,
    cleanup_cost: Annotated[float | None, typer.Option("--cleanup-cost", metavar="£", help="Clean-up.")] = None,
    legal_cost: Annotated[float | None, typer.Option("--legal-cost", metavar="£", help="Legal cost (£).")] = None,
    damage: Annotated[float | None, typer.Option("--damage", metavar="£", help="Cost of damage (£).")] = None,
    damage_notes: Annotated[str, typer.Option("--damage-notes", metavar="TEXT", help="Damage (personal).")] = "",
    outcome: Annotated[str, typer.Option("--outcome", metavar="TEXT", help="Outcome.")] = "site cleared",
) -> None:
    """Record the site cleared with its costs, then close the case."""
    inv.change(ref, "clear-site", cleanup_cost=cleanup_cost, legal_cost=legal_cost, damage=damage,
               damage_notes=damage_notes, outcome=outcome)


register_common(app, "encampment")
