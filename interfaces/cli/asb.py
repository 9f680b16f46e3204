"""``caseledger asb …``: ASB Case Reviews (cli.md, processes/asb-case-review.md).

Each verb runs the domain method of the same name through ``CaseService.change``; ``receive``
creates the case and ``evaluate-threshold`` is a query. The common verbs are mounted here too.
``report_app`` holds ``caseledger report asb-annual`` (the statutory annual figures).
"""

from typing import Annotated, Any, Literal

import typer

from application import asb as asb_use_cases
from domain import asb, times
from interfaces.cli.case import Ref, register_common
from interfaces.cli.common import (
    TIME_HELP,
    Invocation,
    command,
    parse_list,
    parse_time,
    table,
)

app = typer.Typer(
    help="ASB Case Reviews: application, threshold, review, outcome, appeals and closure.",
    no_args_is_help=True,
)
report_app = typer.Typer(help="Reports (ASB statutory annual figures).", no_args_is_help=True)

Channel = Literal[asb.CHANNELS]  # type: ignore[valid-type]
ApplicantType = Literal[asb.APPLICANT_TYPES]  # type: ignore[valid-type]
Method = Literal[asb.NOTIFY_METHODS]  # type: ignore[valid-type]
AppealTarget = Literal[asb.APPEAL_TARGETS]  # type: ignore[valid-type]

ComplaintOpt = Annotated[list[str] | None, typer.Option(
    "--complaint", metavar="SPEC",
    help=f"A complaint: {asb_use_cases.COMPLAINT_HELP} (repeatable).")]
MethodOpt = Annotated[Method, typer.Option("--method", help="How the applicant was told.")]


@command(app, "receive", "asb")
def receive(
    inv: Invocation,
    partnership: Annotated[str, typer.Option("--partnership", metavar="SLUG", help="The partnership.")],
    hub: Annotated[str, typer.Option("--hub", metavar="SLUG", help="The local focus hub.")],
    channel: Annotated[Channel, typer.Option("--channel", help="How the application came in.")],
    applicant_type: Annotated[ApplicantType, typer.Option("--applicant-type", help="Who applies.")],
    applicant_name: Annotated[str, typer.Option("--applicant-name", metavar="NAME",
                                                help="The applicant's name (personal data).")],
    applicant_contact: Annotated[str, typer.Option("--applicant-contact", metavar="TEXT",
                                                   help="How to contact the applicant.")] = "",
    consent: Annotated[bool, typer.Option("--consent/--no-consent",
                                          help="Consent to share information.")] = True,
    complaint: ComplaintOpt = None,
) -> None:
    """Receive an application (creates the case; --on = date received)."""
    result = asb_use_cases.receive_application(
        inv.services.cases, inv.meta(), partnership=partnership, hub=hub, channel=channel,
        applicant_type=applicant_type, applicant_name=applicant_name,
        applicant_contact=applicant_contact, consent=consent,
        complaints=[asb_use_cases.parse_complaint(c) for c in complaint or []],
    )
    inv.done(result)


@command(app, "add-complaint", "asb")
def add_complaint(inv: Invocation, ref: Ref,
                  complaint: Annotated[str, typer.Option(
                      "--complaint", metavar="SPEC",
                      help=f"The complaint: {asb_use_cases.COMPLAINT_HELP}.")]) -> None:
    """Add a complaint to the application (before the threshold decision)."""
    inv.change(ref, "add-complaint", **asb_use_cases.parse_complaint(complaint))


@command(app, "mark-duplicate", "asb")
def mark_duplicate(
    inv: Invocation, ref: Ref,
    complaints: Annotated[str, typer.Option("--complaints", metavar="C1,C2,…",
                                            help="The complaint kept, then its duplicates.")],
    why: Annotated[str, typer.Option("--why", metavar="TEXT",
                                     help="Why they are the same incident.")],
) -> None:
    """Record that complaints are the same incident reported to several agencies (counted once)."""
    inv.change(ref, "mark-duplicate", complaints=parse_list(complaints, "--complaints"), why=why)


@command(app, "acknowledge", "asb")
def acknowledge(
    inv: Invocation, ref: Ref,
    request_from: Annotated[str | None, typer.Option(
        "--request-from", metavar="A,B,…",
        help="Relevant bodies asked for information (5 working days).")] = None,
) -> None:
    """Acknowledge the application; information returns are requested."""
    inv.change(ref, "acknowledge",
               agencies=parse_list(request_from, "--request-from", required=False))


@command(app, "evaluate-threshold", "asb", query=True)
def evaluate_threshold(inv: Invocation, ref: Ref) -> None:
    """Which threshold rule is met, or why none is, complaint by complaint."""
    data = asb_use_cases.evaluate_threshold(inv.services.cases, ref)

    def human() -> str:
        head = (f"{data['reference']}: threshold met by rule {data['rule']}" if data["met"]
                else f"{data['reference']}: no threshold rule is met")
        rules = "\n".join(f"  {'met ' if r['met'] else 'not '} {r['rule']}: {r['explanation']}"
                          for r in data["rules"])
        rows = [(c["id"], c["behaviour"], c["reported"], c["agency"], c["reference"] or "",
                 "yes" if c["hate"] else "", "yes" if c["qualifying"] and c["counted"] else "no",
                 c["reason"]) for c in data["complaints"]]
        return "\n".join([head, rules, table(
            ("id", "behaviour", "reported", "agency", "reference", "hate", "counts", "reason"),
            rows)])

    inv.emit(data, human)


@command(app, "decide-threshold", "asb")
def decide_threshold(
    inv: Invocation, ref: Ref,
    met: Annotated[bool, typer.Option("--met/--not-met", help="The decision.")],
    rule: Annotated[str | None, typer.Option(
        "--rule", metavar="RULE",
        help="statutory-minimum, five-complaints, hate-incident, senior-manager or discretion "
             "(default: the rule the evaluation found).")] = None,
    reasons: Annotated[str, typer.Option("--reasons", metavar="TEXT",
                                         help="Reasons (required for discretion).")] = "",
) -> None:
    """Record the threshold decision; 'not met' is refused when the statutory rule is met."""
    inv.change(ref, "decide-threshold", met=met, rule=rule, reasons=reasons)


@command(app, "notify-threshold", "asb")
def notify_threshold(inv: Invocation, ref: Ref, method: MethodOpt) -> None:
    """Record that the applicant was told the threshold decision (opens the appeal window if not met)."""
    inv.change(ref, "notify-threshold", method=method)


@command(app, "schedule-meeting", "asb")
def schedule_meeting(inv: Invocation, ref: Ref,
                     date: Annotated[str, typer.Option("--date", metavar="DATE",
                                                       help=f"Meeting date: {TIME_HELP}.")]) -> None:
    """Record the date of the case review meeting."""
    inv.change(ref, "schedule-meeting", meeting_date=parse_time(date, "--date"))


@command(app, "hold-meeting", "asb")
def hold_meeting(
    inv: Invocation, ref: Ref,
    chair: Annotated[str, typer.Option("--chair", metavar="NAME", help="Who chaired.")],
    date: Annotated[str | None, typer.Option("--date", metavar="DATE",
                                             help=f"Meeting date (default: --on): {TIME_HELP}.")] = None,
    independent_chair: Annotated[bool, typer.Option("--independent-chair",
                                                    help="The chair was independent.")] = False,
    victim_invited: Annotated[bool, typer.Option(
        "--victim-invited/--victim-not-invited",
        help="Whether the victim was invited (if not, give --reason).")] = True,
    victim_attended: Annotated[bool, typer.Option("--victim-attended",
                                                  help="The victim attended.")] = False,
    attendees: Annotated[str | None, typer.Option("--attendees", metavar="A,B,…",
                                                  help="Agencies that attended.")] = None,
) -> None:
    """Record the case review meeting (after the applicant was told the threshold decision)."""
    if date is not None:
        inv.on = inv.on or parse_time(date, "--date")
    inv.change(ref, "hold-meeting", chair=chair, independent_chair=independent_chair,
               victim_invited=victim_invited, victim_attended=victim_attended,
               agencies=parse_list(attendees, "--attendees", required=False))


@command(app, "recommend", "asb")
def recommend(
    inv: Invocation, ref: Ref,
    recommendation: Annotated[list[str] | None, typer.Option(
        "--recommendation", metavar="TEXT", help="A recommendation (repeatable).")] = None,
    none: Annotated[bool, typer.Option("--none", help="No recommendations (give --reason).")] = False,
) -> None:
    """Record the review's recommendations, or that there are none."""
    inv.change(ref, "recommend", recommendations=list(recommendation or []), none=none)


@command(app, "share-action-plan", "asb")
def share_action_plan(inv: Invocation, ref: Ref) -> None:
    """Share the action plan with the victim for comment before it is final (2025 guidance)."""
    inv.change(ref, "share-action-plan")


@command(app, "record-victim-comments", "asb")
def record_victim_comments(inv: Invocation, ref: Ref,
                           comments: Annotated[str, typer.Option(
                               "--comments", metavar="TEXT",
                               help="The victim's comments on the plan.")]) -> None:
    """Record the victim's comments on the action plan."""
    inv.change(ref, "record-victim-comments", comments=comments)


@command(app, "notify-outcome", "asb")
def notify_outcome(inv: Invocation, ref: Ref, method: MethodOpt) -> None:
    """Record that the applicant was told the outcome (opens the 20-working-day appeal window)."""
    inv.change(ref, "notify-outcome", method=method)


@command(app, "lodge-appeal", "asb")
def lodge_appeal(inv: Invocation, ref: Ref,
                 grounds: Annotated[str, typer.Option("--grounds", metavar="TEXT",
                                                      help="The grounds of the appeal.")]) -> None:
    """Lodge an appeal within the window after a not-met notice or an outcome notice."""
    inv.change(ref, "lodge-appeal", grounds=grounds)


@command(app, "determine-appeal", "asb")
def determine_appeal(
    inv: Invocation, ref: Ref,
    upheld: Annotated[bool, typer.Option("--upheld/--not-upheld", help="The appeal's result.")],
    back_to: Annotated[AppealTarget | None, typer.Option(
        "--back-to", help="Upheld: the stage the case goes back to.")] = None,
) -> None:
    """Determine an appeal: upheld → back to the stage named; not upheld → the previous stage."""
    inv.change(ref, "determine-appeal", upheld=upheld, back_to=back_to)


register_common(app, "asb")


@command(report_app, "asb-annual", "report", query=True)
def asb_annual(
    inv: Invocation,
    partnership: Annotated[str, typer.Option("--partnership", metavar="SLUG", help="The partnership.")],
    year: Annotated[int, typer.Option("--year", metavar="YYYY", min=2014,
                                      help="Financial year starting 1 April YYYY.")],
    as_known_at: Annotated[str | None, typer.Option(
        "--as-known-at", metavar="TIME",
        help=f"Only facts recorded by then (a date means the end of that day): {TIME_HELP}.")] = None,
) -> None:
    """The statutory annual ASB Case Review figures for a financial year and partnership."""
    known = parse_time(as_known_at, "--as-known-at")
    services = inv.fresh()
    data: dict[str, Any] = services.reports.asb_annual(
        partnership, year, times.effective_end(known) if known else None)
    inv.emit(data, lambda: table(("figure", "number"), [
        (k.replace("_", " "), data[k]) for k in
        ("applications", "threshold_not_met", "reviews_carried_out",
         "reviews_with_recommendations")]))
