"""Queries (cli.md, "Queries"): ``case list``, ``case show``, ``case history`` and ``deadlines``.

Every query first brings the views up to date (read-your-writes), then answers from them; ``case
show`` replays the case from the event store, as it stands now or as it stood (time travel).
"""

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from application.audit import HISTORY_COLUMNS, csv_cell, history_row
from application.ports import DeadlineFilter
from application.queries import (
    SetupNames,
    case_list_entry,
    case_to_dict,
    deadline_rows,
    due_within_limit,
    parse_as_at,
    personal_events_needed,
    shown_personal,
)
from domain import plain, times
from domain.calendar import LONDON
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

if TYPE_CHECKING:
    from interfaces.bootstrap import Services

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
    rows = [case_list_entry(r) for r in services.views.list_cases(partnership, case_type, stage)]

    def human() -> str:
        names = setup_names(services)
        return table(
            ("reference", "type", "partnership", "hub", "stage", "opened", "version", "paused"),
            [(flagged(r), plain.case_type_label(r["type"], short=True),
              names.partnership(r["partnership"]), names.hub(r["partnership"], r["hub"]),
              plain.stage_label(r["type"], r["stage"]), day(r["opened_on"]), r["version"],
              r["paused"]) for r in rows],
            empty="No cases.",
        ) + second_report_note(rows)

    inv.emit(rows, human)


def setup_names(services: "Services") -> SetupNames:
    """The set-up's names, to show agencies, partnerships and hubs as people know them."""
    return SetupNames.read(services.views, lambda slug: services.cases.partnership(slug).hubs)


def flagged(row: dict[str, Any], reference: str = "reference") -> str:
    """The case reference, starred when a complainant reported again within six months."""
    return f"{row[reference]} *" if row["second_report"] else str(row[reference])


def second_report_note(rows: list[dict[str, Any]]) -> str:
    """What the star means, under a table that has one."""
    if not any(r["second_report"] for r in rows):
        return ""
    return ("\n* " + plain.SECOND_REPORT)


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
    opened = services.cases.app.repository.event_store.get(
        case.id, lte=personal_events_needed(case))
    names = setup_names(services)
    data = case_to_dict(case, as_at, personal=shown_personal(opened), names=names)
    inv.case_id = data["id"]
    what = " ".join(["show", *(f"{option} {value}" for option, value in (
        ("--at-version", at_version), ("--as-known-at", known), ("--as-effective-at", effective))
        if value is not None)])
    record_read(inv, data["id"], what, purpose, reference=data["reference"])
    inv.emit(data, lambda: render_case(data, names))


AGENCY_DETAILS = frozenset({"notified_by", "lead_agency"})
"""Details that name an agency (or the council, or the landowner) by its slug."""


def render_case(data: dict[str, Any], names: SetupNames) -> str:
    """The readable block of ``case show``: codes in words (domain/plain.py), agencies by name,
    hour-based due times with their time and zone, lists as lists."""
    case_type, partnership, hub = data["type"], data["partnership"], data["hub"]
    as_at_day = datetime.fromisoformat(data["as_at"]).date()
    fields: list[tuple[str, Any]] = [
        ("reference", data["reference"]), ("id", data["id"]),
        ("type", plain.case_type_label(case_type)),
        ("partnership", names.partnership(partnership)), ("hub", names.hub(partnership, hub)),
        ("stage", plain.stage_label(case_type, data["stage"])),
        ("version", data["version"]), ("opened", day(data["opened_on"])),
        ("closed", day(data["closed_on"])),
        ("paused", f"yes, since {day(data['paused_since'])}" if data["paused"] else "no"),
        ("policy", data["policy_version"]),
        ("restricted to", ", ".join(data["restricted_to"]) if data.get("restricted_to") else "no"),
        ("legal holds", ", ".join(sorted(data.get("legal_holds") or {})) or "none"),
        ("personal data", _erasure(data.get("personal_data_erased"))),
        ("as at", f"{data['as_at']} ({_count(data['days_open'], 'day')} open)"),
    ]
    for key, value in (data.get("details") or {}).items():
        if value in (None, "", 0, []):
            continue
        if key in AGENCY_DETAILS:
            value = names.party(str(value), partnership, hub)
        fields.append((key.replace("_", " "), plain.detail_label(case_type, key, value)))
    for key, value in (data.get("personal") or {}).items():
        fields.append((key.replace("_", " "), value))
    width = max(len(k) for k, _ in fields)
    lines = [f"{k.ljust(width)}  {shown(v)}" for k, v in fields]

    lines += ["", "Deadlines", table(
        ("deadline", "due", "status", "responsible", "days overdue", "basis"),
        [(d["label"], plain.due_label(d["due"], hourly=d["hours"]), plain.status_label(d["status"]),
          names.party(d["responsible"], partnership, hub),
          _days_overdue(d, as_at_day) or None, d["basis"]) for d in data["deadlines"]],
    )]
    if data["returns"]:
        lines += ["", "Returns", table(
            ("agency", "kind", "requested", "due", "status", "received"),
            [(names.agencies.get(r["agency"], r["agency"]),
              plain.RETURN_KINDS.get(r["kind"], r["kind"]), day(r["requested"]),
              plain.due_label(r["due"]), r["status"], day(r["received_on"]))
             for r in data["returns"]],
        )]
    if data["actions"]:
        lines += ["", "Actions", table(
            ("id", "owner", "level", "due", "rag", "status"),
            [(a["id"], names.party(a["owner"], partnership, hub), a["level"],
              plain.due_label(a["due"]), a["rag"], a["status"]) for a in data["actions"]],
        )]
    if data["parallel_processes"]:
        lines += ["", "Parallel processes", table(
            ("id", "kind", "status", "linked", "concluded", "pauses case", "key dates"),
            [(p["id"], plain.choice_label("process-kind", p["kind"]), p["status"],
              day(p["linked_on"]), day(p["concluded_on"]), p["pauses_case"],
              ", ".join(f"{plain.words(k)} {v}" for k, v in p["key_dates"].items()))
             for p in data["parallel_processes"]],
        )]
    return "\n".join(lines)


def shown(value: Any) -> str:
    """A value for people: lists as comma-separated items, records as ``key value`` pairs,
    yes or no, and a dash for nothing (never a Python ``['a', 'b']`` or ``{'k': 'v'}``)."""
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return "; ".join(shown(v) for v in value) if any(isinstance(v, dict) for v in value) \
            else ", ".join(shown(v) for v in value) or "-"
    if isinstance(value, dict):
        return ", ".join(f"{plain.words(str(k))} {shown(v)}" for k, v in value.items()) or "-"
    return str(value)


def _erasure(erased: Any) -> str:
    """``erased on 2046-10-01 by … (20 years after publication)``, or ``held``."""
    if not erased:
        return "held"
    rule = erased.get("rule") or {}
    return f"erased on {day(erased['on'])} by {erased['by']} ({rule.get('says', 'retention ended')})"


def _count(n: int, unit: str) -> str:
    return f"{n} {unit}{'' if n == 1 else 's'}"


def _days_overdue(deadline: dict[str, Any], as_at: date) -> int:
    if deadline["status"] != "overdue":
        return 0
    due = datetime.fromisoformat(deadline["due"]).astimezone(LONDON).date()
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
    names = setup_names(services)
    heading = None
    if agency:  # the agency contact's view: everything the partnerships have asked of it
        found = services.cases.agency(agency)
        asking = [names.partnership(slug) for slug in found.partnerships]
        heading = f"Asked of {found.name} by {plain.listed(asking)}"
    if partnership:
        services.cases.partnership(partnership)  # NotFound for an unknown partnership
    where = DeadlineFilter(partnership=partnership, hub=hub, agency=agency,
                           case_type=case_type, case_id=case_id)
    rows = deadline_rows(services.views, where, moment, overdue_only=overdue, due_by=due_by,
                         names=names)

    def human() -> str:
        listed = table(
            ("case", "deadline", "due", "status", "responsible", "days overdue", "last reminder"),
            [(flagged(r, "case"), r["label"], plain.due_label(r["due"]),
              plain.status_label(r["status"]),
              names.party(r["responsible"], r["partnership"], r["hub"]),
              r["days_overdue"] or None,
              f"{r['last_reminder']} ({r['last_reminder_day']})" if r["last_reminder"] else None)
             for r in rows],
            empty="Nothing " + ("overdue" if overdue else "due") + ".",
        ) + second_report_note(rows)
        if heading is None:
            return listed
        late = sum(r["status"] == "overdue" for r in rows)
        return f"{heading}: {len(rows)} open, {late} overdue\n{listed}"

    inv.emit(rows, human)
