"""``caseledger audit …``: the auditor's commands (product.md capability 4, "Audit and replay").

- ``audit verify`` / ``audit anchor``: the integrity chain (audit_chain.py).
- ``audit events``: the history of every case in one query, filtered on recorded time.
- ``audit access``: the access log, who read which case, when, what and why, and every attempt
  the access policy refused (``--denied``: only those).
- ``audit export``: one case for an auditor (history, states, proof, a standalone checker),
  without readable personal data unless ``--include-personal-data`` asks for it; the export is
  itself a read, recorded with its required purpose.
"""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from application.audit import (
    EVENTS_COLUMNS,
    AuditService,
    csv_cell,
    recorded_window,
)
from domain.errors import InvalidInput
from interfaces.cli import audit_chain
from interfaces.cli.common import TIME_HELP, Invocation, Ref, command, csv_text, parse_time, table
from interfaces.cli.outputs import folder_target, write_private_folder

if TYPE_CHECKING:
    from interfaces.bootstrap import Services

app = typer.Typer(help="Audit: verify the integrity chain, query events and case reads, export a case.",
                  no_args_is_help=True)
app.add_typer(audit_chain.app)

PURPOSE_HELP = "Why the case is read (kept in the access log; `caseledger audit access` shows it)."
FROM_HELP = ("Filters on RECORDED time: only what was recorded from then on (a date means from the "
             f"start of that day): {TIME_HELP}.")
TO_HELP = ("Filters on RECORDED time: only what was recorded until then (a date means to the end of "
           f"that day): {TIME_HELP}.")

FromOpt = Annotated[str | None, typer.Option("--from", metavar="TIME", help=FROM_HELP)]
ToOpt = Annotated[str | None, typer.Option("--to", metavar="TIME", help=TO_HELP)]
ActorOpt = Annotated[str | None, typer.Option("--actor", metavar="ACTOR", help="Only this actor.")]
CaseOpt = Annotated[str | None, typer.Option("--case", metavar="REF", help="Only this case.")]


def audit_service(services: "Services") -> AuditService:
    """The auditor's use cases (built once in the composition root)."""
    return services.audit


def record_read(inv: Invocation, case_id: str, what: str, purpose: str | None,
                reference: str | None = None) -> None:
    """product.md capability 4: record that the invocation's actor read the case (call it after
    a successful read, before printing anything)."""
    audit_service(inv.services).record_read(case_id, actor=inv.actor, what=what,
                                            purpose=purpose, reference=reference)


# --------------------------------------------------------------------------- audit events


@command(app, "events", "audit", query=True)
def events(
    inv: Invocation,
    actor: ActorOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    partnership: Annotated[str | None, typer.Option("--partnership", metavar="SLUG",
                                                    help="Only this partnership's cases.")] = None,
    case: CaseOpt = None,
    event: Annotated[str | None, typer.Option(
        "--event", metavar="NAME", help="Only this kind of event (e.g. ReviewDecided).")] = None,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV on stdout (one row per fact).")] = False,
) -> None:
    """Every recorded fact across cases, oldest first, filtered on RECORDED time (--from/--to)."""
    if as_csv and inv.json:
        raise InvalidInput("Use either --json or --csv, not both.")
    lo, hi = recorded_window(parse_time(start, "from"), parse_time(end, "to"))
    rows = audit_service(inv.services).events(
        actor=actor, partnership=partnership, case=case, event=event,
        recorded_from=lo, recorded_before=hi)
    if as_csv:
        print(csv_text(EVENTS_COLUMNS, [[csv_cell(r, c) for c in EVENTS_COLUMNS] for r in rows]),
              end="")
        return
    inv.emit(rows, lambda: table(
        ("case", "version", "event", "effective", "recorded", "actor", "reason"),
        [(r["case"], r["version"], r["event"], r["effective"], (r["recorded"] or "")[:19],
          r["actor"], r["reason"]) for r in rows],
        empty="No events.",
    ))


# --------------------------------------------------------------------------- audit access


@command(app, "access", "audit", query=True)
def access(
    inv: Invocation,
    case: CaseOpt = None,
    actor: ActorOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    denied: Annotated[bool, typer.Option(
        "--denied", help="Only the attempts the access policy refused.")] = False,
) -> None:
    """Who read which case, when (recorded time), what they read and why, oldest first; and
    every attempt refused, with the reason it was refused."""
    lo, hi = recorded_window(parse_time(start, "from"), parse_time(end, "to"))
    rows = audit_service(inv.services).access(case=case, actor=actor, recorded_from=lo,
                                              recorded_before=hi,
                                              outcome="denied" if denied else None)
    inv.emit(rows, lambda: table(
        ("recorded", "actor", "outcome", "case", "what", "why"),
        [(r["recorded"][:19], r["actor"], r["outcome"], r["case"], r["what"],
          r["why"] if r["outcome"] == "denied" else r["purpose"]) for r in rows],
        empty="No reads or denied attempts recorded.",
    ))


# --------------------------------------------------------------------------- audit export


@command(app, "export", "audit", query=True)
def export(
    inv: Invocation,
    ref: Ref,
    out: Annotated[Path, typer.Option("--out", metavar="DIR",
                                      help="A new (or empty) folder to write the export to.")],
    purpose: Annotated[str | None, typer.Option(
        "--purpose", metavar="TEXT",
        help="Required: why the case is exported (kept in the access log).")] = None,
    include_personal_data: Annotated[bool, typer.Option(
        "--include-personal-data",
        help="Add personal.json: the case's personal data, decrypted. Only when the purpose "
             "requires it; the access log records that it was included.")] = False,
) -> None:
    """Export a case for an auditor, with the integrity proof and a standalone checker.

    Writes history.json and history.csv, states/ (the case at each stage change), proof.json
    (the case's stored events with their chain links, and the chain head), README.txt and
    verify_export.py. By default it holds no readable personal data (the proof's personal
    fields are sealed); --include-personal-data adds personal.json. Every file says which. The
    export is recorded in the access log with its purpose."""
    out = folder_target(out, empty=True)
    result = audit_service(inv.services).export(ref, actor=inv.actor, purpose=purpose,
                                                include_personal_data=include_personal_data)
    inv.case_id = result.case_id
    write_private_folder(out, result.files, executable=("verify_export.py",))
    summary = {**result.summary(), "out": str(out)}
    inv.emit(summary, lambda: (
        f"Exported {result.reference} to {out}: {result.events} events, "
        f"{len(result.states)} stage states, the proof and the chain head "
        f"(notification {result.head.get('notification_id')}).\n"
        f"Check it with: python3 {out / 'verify_export.py'}\n"
        + ("It contains personal data (personal.json): handle it as such (see README.txt)."
           if include_personal_data else
           "It holds no readable personal data (see README.txt).")
    ))


