"""``caseledger reminders run|deliver|status`` (cli.md; processes/common.md, "Reminders and escalation").

``run`` issues every ladder step that is due and not yet issued, as ``ReminderIssued`` facts on
the cases, then (unless ``--no-deliver``) delivers what is waiting. ``deliver`` sends what is
issued and not yet sent; ``status`` shows each reminder's delivery outcome.
"""

import sys
from typing import Annotated, Any

import typer

from caseledger.application.queries import parse_as_at
from caseledger.domain.calendar import LONDON
from caseledger.interfaces.cli.common import TIME_HELP, Invocation, command, day, table

app = typer.Typer(help="Issue the reminder ladder's due steps and deliver them by email.",
                  no_args_is_help=True)


@command(app, "run", "reminders")
def run(
    inv: Invocation,
    as_at: Annotated[str | None, typer.Option(
        "--as-at", metavar="TIME",
        help=f"Issue what is due as at this time (a date means the end of that day): {TIME_HELP}. "
             "Default: now.")] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Only list what would be issued; record nothing, send nothing.")] = False,
    no_deliver: Annotated[bool, typer.Option(
        "--no-deliver", help="Issue only; leave delivery to `reminders deliver` or the scheduler.")] = False,
) -> None:
    """Issue every reminder step that is due and not yet issued, then deliver them."""
    services = inv.services
    now = services.clock.now()
    moment = parse_as_at(as_at, now) if as_at else None
    if moment is not None and moment > now and moment.astimezone(LONDON).date() == now.astimezone(LONDON).date():
        moment = now  # "as at today" means now, not tonight

    def progress(done: int, total: int) -> None:
        if not inv.json and sys.stderr.isatty() and (done % 100 == 0 or done == total):
            print(f"\r  issuing: {done}/{total} cases", end="" if done < total else "\n",
                  file=sys.stderr)

    report = services.reminders.run(inv.meta(), as_at=moment, dry_run=dry_run, progress=progress)
    data: dict[str, Any] = report.to_dict()
    deliver = getattr(services, "deliveries", None)
    if not dry_run and not no_deliver and deliver is not None:
        data["delivery"] = deliver.deliver().to_dict()
    inv.emit(data, lambda: render_run(data))


def render_run(data: dict[str, Any]) -> str:
    from datetime import datetime

    as_at = datetime.fromisoformat(data["as_at"]).astimezone(LONDON)
    verb = "would issue" if data["dry_run"] else "issued"
    head = (f"Reminders as at {as_at:%a %d %b %Y %H:%M}: {data['open_deadlines']} open deadlines "
            f"checked, {len(data['issued'])} step(s) {verb}.")
    rows = [(r["case"], r["deadline"], r["step"], day(r["due"]), ", ".join(r["recipients"]),
             r["responsible"]) for r in data["issued"]]
    parts = [head]
    if rows:
        parts.append(table(("case", "deadline", "step", "due", "to", "responsible"), rows))
    delivery = data.get("delivery")
    if delivery:
        parts.append(render_delivery(delivery))
    return "\n".join(parts)


def render_delivery(delivery: dict[str, Any]) -> str:
    counts = ", ".join(f"{v} {k}" for k, v in delivery.get("counts", {}).items() if v) or "nothing to send"
    return f"Delivery: {counts}."
