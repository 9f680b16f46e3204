"""Queries (cli.md, "Queries"): ``case list``, ``case show``, ``case history`` and ``deadlines``.

Every query first brings the views up to date (read-your-writes), then answers from them; ``case
show`` replays the case from the event store, as it stands now or as it stood (time travel).
"""

from datetime import date, datetime
from typing import Annotated, Any, Literal

import typer

from application.audit import HISTORY_COLUMNS, csv_cell, history_row
from application.ports import DeadlineFilter
from application.queries import (
    case_to_dict,
    deadline_rows,
    due_within_limit,
    parse_as_at,
    shown_personal,
)
from domain import times
from domain.errors import InvalidInput
from interfaces.cli import case as case_cli
from interfaces.cli.audit import PURPOSE_HELP, record_read
from interfaces.cli.common import (
    TIME_HELP,
    Invocation,
    Ref,
    command,
    csv_text,
    day,
    parse_time,
    table,
)

CaseType = Literal["dardr", "asb", "encampment"]
PartnershipOpt = Annotated[str | None, typer.Option("--partnership", metavar="SLUG",
                                                    help="Only this partnership.")]
TypeOpt = Annotated[CaseType | None, typer.Option("--type", help="Only this case type.")]
PurposeOpt = Annotated[str | None, typer.Option("--purpose", metavar="TEXT", help=PURPOSE_HELP)]



# --------------------------------------------------------------------------- case list


@command(case_cli.app, "list", "case", query=True)
def list_cases(
    inv: Invocation,
    partnership: PartnershipOpt = None,
    case_type: TypeOpt = None,
    stage: Annotated[str | None, typer.Option("--stage", metavar="STAGE",
                                              help="Only cases at this stage.")] = None,
) -> None:
    """List cases, oldest first."""
    services = inv.fresh()
    rows = [_case_row(r) for r in services.views.list_cases(partnership, case_type, stage)]
    inv.emit(rows, lambda: table(
        ("reference", "type", "partnership", "hub", "stage", "opened", "version", "paused"),
        [(r["reference"], r["type"], r["partnership"], r["hub"], r["stage"], day(r["opened_on"]),
          r["version"], r["paused"]) for r in rows],
        empty="No cases.",
    ))


def _case_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["case_id"], "reference": row["reference"], "type": row["case_type"],
        "partnership": row["partnership"], "hub": row["hub"], "stage": row["stage"],
        "stage_since": row["stage_since"], "version": row["version"],
        "opened_on": row["opened_on"], "closed_on": row["closed_on"],
        "paused": bool(row["paused"]), "policy_version": row["policy_version"],
        "updated": row["updated"],
    }


# --------------------------------------------------------------------------- case show


@command(case_cli.app, "show", "case", query=True)
def show_case(
    inv: Invocation,
    ref: Ref,
    at_version: Annotated[int | None, typer.Option(
        "--at-version", metavar="N", min=1, help="The case as it was at this version.")] = None,
    as_known_at: Annotated[str | None, typer.Option(
        "--as-known-at", metavar="TIME",
        help=f"Only facts recorded by then (a date means the end of that day): {TIME_HELP}.")] = None,
    as_effective_at: Annotated[str | None, typer.Option(
        "--as-effective-at", metavar="TIME",
        help=f"Facts that happened by then, as known now: {TIME_HELP}.")] = None,
    purpose: PurposeOpt = None,
) -> None:
    """Show a case: stage, deadlines with their status, returns, actions, parallel processes.

    Every read is recorded in the access log (see caseledger audit access)."""
    given = [name for name, value in (("--at-version", at_version), ("--as-known-at", as_known_at),
                                      ("--as-effective-at", as_effective_at)) if value is not None]
    if len(given) > 1:
        raise InvalidInput(
            f"Use only one of --at-version, --as-known-at and --as-effective-at (got {' and '.join(given)})."
        )
    known = parse_time(as_known_at, "as_known_at")
    effective = parse_time(as_effective_at, "as_effective_at")
    services = inv.fresh()
    case, as_at = services.cases.case_as(
        ref, at_version=at_version,
        as_known_at=times.effective_end(known) if known else None,
        as_effective_at=effective,
    )
    opened = services.cases.app.repository.event_store.get(case.id, lte=1)
    data = case_to_dict(case, as_at, personal=shown_personal(opened))
    inv.case_id = data["id"]
    what = " ".join(["show", *(f"{option} {value}" for option, value in (
        ("--at-version", at_version), ("--as-known-at", known), ("--as-effective-at", effective))
        if value is not None)])
    record_read(inv, data["id"], what, purpose, reference=data["reference"])
    inv.emit(data, lambda: render_case(data))


def render_case(data: dict[str, Any]) -> str:
    """The readable block of ``case show``."""
    as_at_day = datetime.fromisoformat(data["as_at"]).date()
    fields = [
        ("reference", data["reference"]), ("id", data["id"]), ("type", data["type"]),
        ("partnership", data["partnership"]), ("hub", data["hub"]), ("stage", data["stage"]),
        ("version", data["version"]), ("opened", day(data["opened_on"])),
        ("closed", day(data["closed_on"])),
        ("paused", f"yes, since {data['paused_since']}" if data["paused"] else "no"),
        ("policy", data["policy_version"]),
        ("as at", f"{data['as_at']} ({data['days_open']} days open)"),
    ]
    for key, value in (data.get("details") or {}).items():
        if value not in (None, "", 0, []):
            fields.append((key.replace("_", " "), value))
    for key, value in (data.get("personal") or {}).items():
        fields.append((key.replace("_", " "), value))
    width = max(len(k) for k, _ in fields)
    lines = [f"{k.ljust(width)}  {'-' if v is None else v}" for k, v in fields]

    lines += ["", "Deadlines", table(
        ("name", "due", "status", "responsible", "days overdue", "basis"),
        [(d["name"], day(d["due"]), d["status"], d["responsible"],
          _days_overdue(d, as_at_day) or None, d["basis"]) for d in data["deadlines"]],
    )]
    if data["returns"]:
        lines += ["", "Returns", table(
            ("agency", "kind", "requested", "due", "status", "received"),
            [(r["agency"], r["kind"], day(r["requested"]), day(r["due"]), r["status"],
              day(r["received_on"])) for r in data["returns"]],
        )]
    if data["actions"]:
        lines += ["", "Actions", table(
            ("id", "owner", "level", "due", "rag", "status"),
            [(a["id"], a["owner"], a["level"], day(a["due"]), a["rag"], a["status"])
             for a in data["actions"]],
        )]
    if data["parallel_processes"]:
        lines += ["", "Parallel processes", table(
            ("id", "kind", "status", "linked", "concluded", "pauses case", "key dates"),
            [(p["id"], p["kind"], p["status"], day(p["linked_on"]), day(p["concluded_on"]),
              p["pauses_case"], ", ".join(f"{k} {v}" for k, v in p["key_dates"].items()))
             for p in data["parallel_processes"]],
        )]
    return "\n".join(lines)


def _days_overdue(deadline: dict[str, Any], as_at: date) -> int:
    if deadline["status"] != "overdue":
        return 0
    due = datetime.fromisoformat(deadline["due"]).date()
    return max((as_at - due).days, 0)


# --------------------------------------------------------------------------- case history


@command(case_cli.app, "history", "case", query=True)
def history(
    inv: Invocation,
    ref: Ref,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV on stdout (one row per fact).")] = False,
    purpose: PurposeOpt = None,
) -> None:
    """Every recorded fact of a case: effective and recorded times, actor, reason, basis.

    Every read is recorded in the access log (see caseledger audit access)."""
    if as_csv and inv.json:
        raise InvalidInput("Use either --json or --csv, not both.")
    services = inv.fresh()
    case_id = str(services.cases.resolve(ref))
    stored = services.views.history(case_id)
    if not stored:
        services.cases.load_case(ref)  # NotFound when there is no such case
    inv.case_id = case_id
    record_read(inv, case_id, "history", purpose)
    rows = [history_row(r) for r in stored]
    if as_csv:
        print(csv_text(HISTORY_COLUMNS, [[csv_cell(r, c) for c in HISTORY_COLUMNS] for r in rows]),
              end="")
        return
    inv.emit(rows, lambda: render_history(rows))


def render_history(rows: list[dict[str, Any]]) -> str:
    """``case history`` for people: one block per fact — version, event, when it happened, when
    it was recorded and by whom, then its basis, the reason given and its data."""
    blocks = []
    for r in rows:
        lines = [f"v{r['version']}  {r['event']}  effective {r['effective']}  "
                 f"recorded {(r['recorded'] or '')[:19].replace('T', ' ')}  by {r['actor']}"]
        if r["basis"]:
            lines.append(f"    basis:  {r['basis']}")
        if r["reason"]:
            lines.append(f"    reason: {r['reason']}")
        if r["data"]:
            lines.append("    " + "; ".join(f"{k}={_readable(v)}" for k, v in sorted(r["data"].items())))
        blocks.append("\n".join(lines))
    return "\n".join(blocks) or "No events."


def _readable(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_readable(v) for v in value) or "(none)"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_readable(v)}" for k, v in value.items()) + "}"
    return "-" if value is None else str(value)


# --------------------------------------------------------------------------- deadlines


top = typer.Typer()
"""``caseledger deadlines`` lives at the top level."""


@command(top, "deadlines", query=True)
def deadlines(
    inv: Invocation,
    as_at: Annotated[str | None, typer.Option(
        "--as-at", metavar="TIME",
        help=f"Judge statuses as at this time (a date means the end of that day): {TIME_HELP}. "
             "Default: now.")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only overdue deadlines.")] = False,
    due_within: Annotated[str | None, typer.Option(
        "--due-within", metavar="PERIOD",
        help="Only deadlines due within this period of as-at: e.g. 10wd (working days) or "
             "14d (days).")] = None,
    partnership: PartnershipOpt = None,
    hub: Annotated[str | None, typer.Option("--hub", metavar="SLUG", help="Only this hub.")] = None,
    agency: Annotated[str | None, typer.Option(
        "--agency", metavar="AGENCY", help="Only deadlines this agency is responsible for.")] = None,
    case_type: TypeOpt = None,
    case_ref: Annotated[str | None, typer.Option("--case", metavar="REF",
                                                 help="Only this case.")] = None,
) -> None:
    """Open deadlines with their status as at a time: what is due and what is overdue."""
    services = inv.fresh()
    moment = parse_as_at(parse_time(as_at, "as_at"), services.clock.now())
    due_by = due_within_limit(due_within, moment, services.calendar) if due_within else None
    case_id = None
    if case_ref:
        case_id = str(services.cases.resolve(case_ref))
        inv.case_id = case_id
    heading = None
    if agency:  # the agency contact's view: everything the partnerships have asked of it
        found = services.cases.agency(agency)
        heading = f"Asked of {found.name} by {', '.join(found.partnerships)}"
    if partnership:
        services.cases.partnership(partnership)  # NotFound for an unknown partnership
    where = DeadlineFilter(partnership=partnership, hub=hub, agency=agency,
                           case_type=case_type, case_id=case_id)
    rows = deadline_rows(services.views, where, moment, overdue_only=overdue, due_by=due_by)

    def human() -> str:
        shown = table(
            ("case", "name", "due", "status", "responsible", "days overdue", "last reminder"),
            [(r["case"], r["name"], day(r["due"]), r["status"], r["responsible"],
              r["days_overdue"] or None,
              f"{r['last_reminder']} ({r['last_reminder_day']})" if r["last_reminder"] else None)
             for r in rows],
            empty="Nothing " + ("overdue" if overdue else "due") + ".",
        )
        if heading is None:
            return shown
        late = sum(r["status"] == "overdue" for r in rows)
        return f"{heading}: {len(rows)} open, {late} overdue\n{shown}"

    inv.emit(rows, human)
