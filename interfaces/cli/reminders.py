"""``caseledger reminders run|deliver|status`` (cli.md; processes/common.md, "Reminders and escalation").

``run`` issues every ladder step that is due and not yet issued, as ``ReminderIssued`` facts on
the cases, then (unless ``--no-deliver``) delivers what is waiting. ``deliver`` sends what is
issued and not yet sent; ``status`` shows each reminder's delivery outcome.
"""

import sys
from datetime import datetime
from typing import Annotated, Any

import typer

from application.queries import parse_as_at
from domain.calendar import LONDON
from domain.errors import InvalidInput
from infrastructure.deliveries import NOT_CONFIGURED
from interfaces.cli.common import TIME_HELP, Invocation, command, day, table

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
    if inv.on:
        raise InvalidInput("reminders run is timed by --as-at (the moment the steps are judged due "
                           "and issued), not --on.")
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
    rows = [(r["case"], r["deadline"],
             r["step"] + (f" (covers {', '.join(r['covers'])})" if r.get("covers") else ""),
             day(r["due"]), ", ".join(r["recipients"]), r["responsible"]) for r in data["issued"]]
    parts = [head]
    if rows:
        parts.append(table(("case", "deadline", "step", "due", "to", "responsible"), rows))
    delivery = data.get("delivery")
    if delivery:
        parts.append(render_delivery(delivery))
    return "\n".join(parts)


def render_delivery(delivery: dict[str, Any]) -> str:
    counts = ", ".join(f"{v} {k}" for k, v in delivery.get("counts", {}).items() if v) or "nothing to send"
    lines = [f"Delivery: {counts}."]
    if delivery.get("unreachable"):
        lines.append(f"The mail server could not be used: {delivery['unreachable']}. Nothing "
                     "more was sent to it in this run.")
    waiting = delivery.get("waiting_to_retry") or 0
    if waiting and delivery.get("next_retry"):
        lines.append(f"{waiting} waiting to retry; the next retry is due at "
                     f"{_minute(delivery['next_retry'])} (UK time).")
    if delivery.get("configured") is False:
        lines.append(NOT_CONFIGURED)
    return "\n".join(lines)


@command(app, "deliver", "reminders")
def deliver(
    inv: Invocation,
    retry_failed: Annotated[bool, typer.Option(
        "--retry-failed",
        help="First put failed deliveries back in the queue (after the mail server was fixed); "
             "those that failed for want of an address stay failed.")] = False,
    watch: Annotated[bool, typer.Option(
        "--watch", help="Keep sending as reminders are issued, until Ctrl-C or SIGTERM.")] = False,
    every: Annotated[float, typer.Option(
        "--every", min=1, max=3600, metavar="SECONDS",
        help="With --watch: when nothing is waiting, look again this often.")] = 30.0,
) -> None:
    """Send the reminders that are issued and not yet sent (and retries that are due)."""
    requeued = inv.services.deliveries.retry_failed() if retry_failed else 0
    if watch:
        _deliver_until_stopped(inv, every)
    report = inv.services.deliveries.deliver().to_dict()
    if retry_failed:
        report["requeued"] = requeued
    inv.extra_log.update(report["counts"])
    inv.emit(report, lambda: render_deliver(report))


def _deliver_until_stopped(inv: Invocation, every: float) -> None:
    """Deliver again and again (a worker beside the API's); each round's counts in the log."""
    import threading

    from interfaces.cli.scheduler import stop_on_signals
    from interfaces.watch import keep_running

    def step() -> int:
        counts = inv.services.deliveries.deliver().counts()
        return sum(counts.values())

    stop = threading.Event()
    with stop_on_signals(stop, "the delivery worker"):
        keep_running(step, stop, every)


def render_deliver(report: dict[str, Any]) -> str:
    parts = [render_delivery(report)]
    if report["deliveries"]:
        parts.append(delivery_table(report["deliveries"]))
    return "\n".join(parts)


STATUSES = ("waiting", "sending", "sent", "retrying", "failed")


@command(app, "status", "reminders", query=True)
def status(
    inv: Invocation,
    case: Annotated[str | None, typer.Option(
        "--case", metavar="REF", help="Only this case (reference or UUID).")] = None,
    state: Annotated[str | None, typer.Option(
        "--status", metavar="STATUS", help=f"Only deliveries in this state: {', '.join(STATUSES)}.")] = None,
) -> None:
    """Each issued reminder and recipient: sent, waiting, retrying (and when next) or failed (why)."""
    if state is not None and state not in STATUSES:
        raise InvalidInput(f"--status {state!r}: use one of {', '.join(STATUSES)}.")
    services = inv.services
    case_id = str(services.cases.resolve(case)) if case else None
    services.deliveries.queue()  # read-your-writes: what is issued shows, at least as waiting
    rows = services.deliveries.status(case_id=case_id, status=state)
    data = {"configured": services.deliveries.configured, "deliveries": rows}
    inv.emit(data, lambda: render_status(data))


def render_status(data: dict[str, Any]) -> str:
    counts: dict[str, int] = {}
    for row in data["deliveries"]:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "no reminders issued"
    parts = [f"Reminder deliveries: {summary}."]
    if not data["configured"]:
        parts.append(NOT_CONFIGURED)
    if data["deliveries"]:
        parts.append(delivery_table(data["deliveries"]))
    return "\n".join(parts)


def delivery_table(rows: list[dict[str, Any]]) -> str:
    return table(
        ("case", "deadline", "step", "to", "issued", "status", "attempts", "last error", "sent"),
        [(r["case"], r["deadline"], r["step"], recipient(r), _minute(r["issued"]), _status(r),
          r["attempts"], r["last_error"], _minute(r["sent_at"])) for r in rows])


def recipient(row: dict[str, Any]) -> str:
    """``escalation, cumbria-police``; ``coordinator, cumberland``: the role and whose (never a
    name or an address). A partnership's contact is its coordinator, its escalation its chair."""
    kind, _, whose = (row.get("of") or "").partition(":")
    role = row["role"]
    if kind == "partnership":
        role = "coordinator" if role == "contact" else "chair"
    return f"{role}, {whose}" if whose else role


def _status(row: dict[str, Any]) -> str:
    if row["status"] == "retrying" and row.get("next_attempt"):
        return f"retrying at {_minute(row['next_attempt'] + '+00:00')}"
    return str(row["status"])


def _minute(iso: str | None) -> str | None:
    """A stored UTC time as Europe/London, to the minute."""
    if not iso:
        return None
    return f"{datetime.fromisoformat(iso).astimezone(LONDON):%Y-%m-%d %H:%M}"
