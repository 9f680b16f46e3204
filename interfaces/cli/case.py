"""The commands common to every case type (cli.md, "Common to every case type").

They are registered under ``caseledger case …`` and again under each area (``caseledger dardr …``),
so that a coordinator can stay in one area. Queries on cases (list, show, history) are added to
``caseledger case`` by ``queries.py``.
"""

from typing import Annotated, Literal

import typer

from interfaces.cli.common import (
    REF_HELP,
    TIME_HELP,
    Invocation,
    command,
    parse_key_dates,
    parse_list,
    parse_time,
)

app = typer.Typer(
    help="Commands and queries common to every case type (returns, deadlines, pauses, parallel "
         "processes, actions, notes, closing).",
    no_args_is_help=True,
)

Ref = Annotated[str, typer.Argument(metavar="REF", help=REF_HELP)]
AgencyOpt = Annotated[str, typer.Option("--agency", metavar="AGENCY", help="Agency short id.")]
KindOpt = Annotated[str, typer.Option(
    "--kind", metavar="KIND",
    help="Return kind (DARDR: scoping, chronology, imr, short-report, information).")]
DueOpt = Annotated[str | None, typer.Option(
    "--due", metavar="DATE", help=f"Due date instead of the policy's clock: {TIME_HELP}.")]
ProcessOpt = Annotated[str, typer.Option("--process", metavar="ID", help="Linked process id (P1…).")]
ActionOpt = Annotated[str, typer.Option("--action", metavar="ID", help="Action id (A1…).")]
Rag = Literal["red", "amber", "green"]


def register_common(target: typer.Typer, area: str) -> None:
    """Add the common verbs to ``target`` (``case`` or an area such as ``dardr``)."""

    @command(target, "request-return", area)
    def request_return(inv: Invocation, ref: Ref, agency: AgencyOpt, kind: KindOpt,
                       due: DueOpt = None) -> None:
        """Ask an agency for a return (scoping, chronology, IMR…); its deadline starts."""
        inv.change(ref, "request-return", agency=agency, kind=kind, due=parse_time(due, "--due"))

    @command(target, "receive-return", area)
    def receive_return(inv: Invocation, ref: Ref, agency: AgencyOpt, kind: KindOpt) -> None:
        """Record that a return arrived; its deadline is met (on time or late)."""
        inv.change(ref, "receive-return", agency=agency, kind=kind)

    @command(target, "accept-return", area)
    def accept_return(inv: Invocation, ref: Ref, agency: AgencyOpt, kind: KindOpt) -> None:
        """Accept a received return as good enough."""
        inv.change(ref, "accept-return", agency=agency, kind=kind)

    @command(target, "challenge-return", area)
    def challenge_return(inv: Invocation, ref: Ref, agency: AgencyOpt, kind: KindOpt,
                         due: DueOpt = None) -> None:
        """Challenge the quality of a received return and ask again (give --reason)."""
        inv.change(ref, "challenge-return", agency=agency, kind=kind,
                   due=parse_time(due, "--due"))

    @command(target, "withdraw-return", area)
    def withdraw_return(inv: Invocation, ref: Ref, agency: AgencyOpt, kind: KindOpt) -> None:
        """Withdraw a return request; its deadline is cancelled."""
        inv.change(ref, "withdraw-return", agency=agency, kind=kind)

    @command(target, "extend-deadline", area)
    def extend_deadline(
        inv: Invocation, ref: Ref,
        deadline: Annotated[str, typer.Option("--deadline", metavar="NAME",
                                              help="Deadline name (see case show).")],
        to: Annotated[str, typer.Option("--to", metavar="DATE", help=f"New due date: {TIME_HELP}.")],
    ) -> None:
        """Move a deadline later (give --reason: why, and who agreed)."""
        inv.change(ref, "extend-deadline", name=deadline, to=parse_time(to, "--to"))

    @command(target, "pause", area)
    def pause(
        inv: Invocation, ref: Ref,
        clocks: Annotated[str | None, typer.Option(
            "--clocks", metavar="A,B", help="Deadlines to stop (default: every open one).")] = None,
    ) -> None:
        """Stop the clock (give --reason, e.g. awaiting the criminal trial)."""
        chosen = parse_list(clocks, "--clocks", required=False) or None
        inv.change(ref, "pause", clocks=chosen)

    @command(target, "resume", area)
    def resume(inv: Invocation, ref: Ref) -> None:
        """Restart the paused clocks; their due dates move on by the paused span."""
        inv.change(ref, "resume")

    @command(target, "link-process", area)
    def link_process(
        inv: Invocation, ref: Ref,
        kind: Annotated[str, typer.Option(
            "--kind", metavar="KIND",
            help="criminal, inquest, iopc, sar, cspr, mhhr, owhr or other.")],
        reference: Annotated[str, typer.Option(
            "--reference", metavar="REF", help="The other process's own reference.")],
        pause_case: Annotated[bool, typer.Option(
            "--pause", help="Also pause the case while this process is open.")] = False,
    ) -> None:
        """Link a parallel process (criminal trial, inquest…); prints its id (P1…)."""
        inv.change(ref, "link-process", kind=kind, reference=reference, pause=pause_case)

    @command(target, "update-process", area)
    def update_process(
        inv: Invocation, ref: Ref, process: ProcessOpt,
        status: Annotated[str, typer.Option("--status", metavar="TEXT",
                                            help="Where the process stands.")],
        key_date: Annotated[list[str] | None, typer.Option(
            "--key-date", metavar="NAME=DATE",
            help="A key date, e.g. trial=2026-09-01 (repeatable).")] = None,
    ) -> None:
        """Record progress of a linked process and its key dates."""
        inv.change(ref, "update-process", process_id=process, status=status,
                   key_dates=parse_key_dates(key_date))

    @command(target, "conclude-process", area)
    def conclude_process(
        inv: Invocation, ref: Ref, process: ProcessOpt,
        outcome: Annotated[str, typer.Option("--outcome", metavar="TEXT",
                                             help="How it ended (e.g. convicted).")],
    ) -> None:
        """Record that a linked process ended (a pause it caused ends with it)."""
        inv.change(ref, "conclude-process", process_id=process, outcome=outcome)

    @command(target, "add-action", area)
    def add_action(
        inv: Invocation, ref: Ref,
        recommendation: Annotated[str, typer.Option("--recommendation", metavar="TEXT",
                                                    help="The recommendation or action.")],
        owner: Annotated[str, typer.Option("--owner", metavar="AGENCY",
                                           help="The agency that owns it.")],
        level: Annotated[str, typer.Option(
            "--level", metavar="LEVEL",
            help="single-agency, multi-agency, local, regional or national.")],
        due: Annotated[str, typer.Option("--due", metavar="DATE", help=f"Due date: {TIME_HELP}.")],
    ) -> None:
        """Add an action to the plan; prints its id (A1…)."""
        inv.change(ref, "add-action", recommendation=recommendation, owner=owner, level=level,
                   due=parse_time(due, "--due"))

    @command(target, "update-action", area)
    def update_action(
        inv: Invocation, ref: Ref, action: ActionOpt,
        rag: Annotated[Rag, typer.Option("--rag", help="red, amber or green.")],
        note: Annotated[str, typer.Option("--note", metavar="TEXT", help="Progress note.")],
    ) -> None:
        """Record progress on an action (RAG status and a note)."""
        inv.change(ref, "update-action", action_id=action, rag=rag, note=note)

    @command(target, "close-action", area)
    def close_action(
        inv: Invocation, ref: Ref, action: ActionOpt,
        evidence: Annotated[str, typer.Option("--evidence", metavar="TEXT",
                                              help="Evidence of completion.")],
    ) -> None:
        """Close an action with the evidence that it is done."""
        inv.change(ref, "close-action", action_id=action, evidence=evidence)

    @command(target, "add-note", area)
    def add_note(inv: Invocation, ref: Ref,
                 text: Annotated[str, typer.Option("--text", metavar="TEXT", help="The note.")]) -> None:
        """Add a note to the case."""
        inv.change(ref, "add-note", text=text)

    @command(target, "close", area)
    def close(inv: Invocation, ref: Ref,
              outcome: Annotated[str, typer.Option("--outcome", metavar="TEXT",
                                                   help="The outcome of the case.")]) -> None:
        """Close the case (open actions need a --reason for closing with them open)."""
        inv.change(ref, "close", outcome=outcome)

    @command(target, "migrate-policy", area)
    def migrate_policy(inv: Invocation, ref: Ref) -> None:
        """Move the case to the partnership's policy version in force on --on (give --reason)."""
        result = inv.services.cases.migrate_policy(ref, inv.meta())
        inv.done(result, f"now under policy {(result.detail or {}).get('policy_version')}")

    @command(target, "reopen", area)
    def reopen(inv: Invocation, ref: Ref) -> None:
        """Re-open a closed case at the stage it was closed from (give --reason)."""
        inv.change(ref, "reopen")


register_common(app, "case")
