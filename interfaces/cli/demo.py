"""``caseledger demo``: a realistic Cumbria in a fresh embedded database (product.md, "The demo").

Deterministic: a fixed clock for recorded times, the demo's own as-at date, the shipped Cumbria
set-up, and scenarios recorded in the order they happened. The same output every run.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path
from typing import Annotated, Any

import typer

from application import demo_asb, demo_encampments
from application.demo import DEMO_AS_AT, Opener, run_demo, scenarios
from application.identity import AccountService, parse_grant
from application.ports import DeadlineFilter
from application.queries import deadline_rows
from application.reminders import SCHEDULER_ACTOR
from application.reporting.window import last_complete_quarter
from application.service import Meta
from application.setup_import import example_path, import_setup, load_setup
from domain.asb import DEFINITION as ASB
from domain.dardr import DEFINITION as DARDR
from domain.encampment import DEFINITION as ENCAMPMENT
from domain.errors import InvalidInput
from infrastructure.accounts import SqlAccountStore
from infrastructure.clock import FixedClock
from infrastructure.loopback_smtp import LoopbackMailDrop
from infrastructure.settings import Settings, SmtpSettings
from infrastructure.smtp import SmtpMailer
from interfaces.bootstrap import Services, build
from interfaces.cli.common import Invocation, command, table
from interfaces.cli.outputs import folder_target
from interfaces.cli.reports import write_report

SHOWN_EMAILS = 12
SETUP_RECORDED = datetime(2024, 4, 1, 8, 0, tzinfo=UTC)  # the set-up is recorded before any case
OutOption = Annotated[Path, typer.Option("--out", help=(
    "Folder for the demo database and files: a new or empty folder, or the output of an earlier "
    "demo (only what that demo wrote is replaced)."))]
#: The file that marks a folder as demo output and lists what the demo wrote there, so that a
#: later run replaces exactly that and nothing else.
MARKER = ".caseledger-demo"
FOLDERS = ("data", "mail", "reports")  # the demo's own folders inside --out, created fresh
DATABASE = "caseledger.db"  # in data/


top = typer.Typer()
"""``caseledger demo`` lives at the top level."""


@command(top, "demo")
def demo(inv: Invocation, out: OutOption = Path("demo-out")) -> None:
    """Build two years of Cumbrian cases of all three types; show the pipelines, what is overdue
    and the ASB statutory figures for the last complete financial year; run the reminder job as
    at the demo's date, sending through a loopback SMTP server into a local mail drop."""
    out = folder_target(out)
    _clear_previous_output(out)
    data, mail = out / "data", out / "mail"
    _mark(out, complete=False)  # before anything else is written: an interrupted run is ours too
    data.mkdir(mode=0o700)  # the database holds (fictitious) personal data: private, as always
    clock = FixedClock(DEMO_AS_AT)
    with LoopbackMailDrop(mail) as drop:
        smtp = SmtpSettings(host="127.0.0.1", port=drop.port, sender="caseledger@cumbria.example.org")
        services = build(Settings.from_env(database_url=f"sqlite:///{data / DATABASE}"),
                         clock=clock, mailer=SmtpMailer(smtp))
        try:
            summary = _record(inv, services, clock, out)
            summary["web"] = _demo_accounts(services, clock)
        finally:
            services.close()  # every connection closed: the folder holds the database alone
    summary["reminders"]["mail_drop"] = str(mail)
    summary["reminders"]["sent_to"] = _mail_drop(drop.files)
    summary["database"] = str(data / DATABASE)
    _mark(out, complete=True)
    inv.emit(summary, lambda: _human(summary))


#: One account per role, for trying the web application (``caseledger serve``) on the demo's
#: database. The demo's data is fictitious; so is this shared password.
DEMO_PASSWORD = "demo-only-password"
DEMO_ACCOUNTS = (
    ("demo-coordinator", "coordinator:cumberland", "Coordinator, Cumberland"),
    ("demo-hub-officer", "hub-officer:cumberland/allerdale", "Hub officer, Allerdale hub"),
    ("demo-agency", "agency-contact:cumbria-police", "Agency contact, Cumbria Police"),
    ("demo-auditor", "auditor:cumberland", "Auditor, Cumberland"),
    ("demo-board", "board-member:cumberland", "Board member, Cumberland"),
    ("demo-admin", "administrator", "Administrator"),
)
WEB_ADDRESS = "http://127.0.0.1:8000/"


def _demo_accounts(services: Services, clock: FixedClock) -> dict[str, Any]:
    accounts = AccountService(SqlAccountStore(services.engine), clock)
    for username, grant, role in DEMO_ACCOUNTS:
        accounts.add(username, display_name=role, email=None, grants=[parse_grant(grant)],
                     password=DEMO_PASSWORD, by="caseledger demo")
    return {"address": WEB_ADDRESS, "password": DEMO_PASSWORD,
            "accounts": [{"username": u, "grant": g, "role": r} for u, g, r in DEMO_ACCOUNTS]}


def _mark(out: Path, *, complete: bool) -> None:
    """Write the marker: the demo's folders and, once it has finished, every file in them."""
    out.mkdir(parents=True, exist_ok=True)
    files = sorted(str(path.relative_to(out)) for folder in FOLDERS
                   for path in (out / folder).rglob("*") if not path.is_dir()) if complete else []
    marker = {"written_by": "caseledger demo", "complete": complete, "folders": list(FOLDERS),
              "files": files}
    (out / MARKER).write_text(json.dumps(marker, indent=1) + "\n", encoding="utf-8")


def _clear_previous_output(out: Path) -> None:
    """Make ``out`` ready for a new run, deleting only what an earlier demo wrote there.

    A folder that is neither empty nor marked as demo output is refused. So is a marked one
    whose demo folders now hold files the demo did not write: nothing is deleted then.
    After an interrupted run (marked, not complete) the demo's folders are its own: they were
    created empty by that run."""
    if not out.exists() or not any(out.iterdir()):
        return
    marker = out / MARKER
    if not marker.is_file():
        raise InvalidInput(f"--out {out} is a folder that is not empty and not the output of an "
                           "earlier demo; give a new or empty folder (nothing was deleted).",
                           field="--out")
    listed = _read_marker(marker, out)
    folders = [out / name for name in FOLDERS if (out / name).exists()]
    ours: list[Path] = []
    for folder in folders:
        if folder.is_symlink() or not folder.is_dir():
            raise _not_ours(out, folder)
        for path in sorted(folder.rglob("*"), reverse=True):  # contents before their folders
            is_folder = path.is_dir() and not path.is_symlink()  # emptied, then removed
            if not (is_folder or listed is None or path in listed or _of_database(out, path)):
                raise _not_ours(out, path)
            ours.append(path)
    for path in ours:
        if path.is_dir() and not path.is_symlink():
            path.rmdir()
        else:
            path.unlink()
    for folder in folders:
        folder.rmdir()
    marker.unlink()


def _of_database(out: Path, path: Path) -> bool:
    """The demo's database may be used after the demo (its examples say how): SQLite's journal,
    write-ahead log and shared memory, and a scheduler's lock file, are the database's own."""
    return path.parent == out / "data" and path.name.startswith(DATABASE)


def _read_marker(marker: Path, out: Path) -> set[Path] | None:
    """The files a finished demo listed (None: the run did not finish)."""
    try:
        content = json.loads(marker.read_text(encoding="utf-8"))
        files = {out / name for name in content["files"]}
        complete = bool(content["complete"])
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise InvalidInput(f"--out {out}: its {MARKER} file is not one the demo wrote; give a "
                           "new or empty folder (nothing was deleted).", field="--out") from None
    return files if complete else None


def _not_ours(out: Path, path: Path) -> InvalidInput:
    return InvalidInput(f"--out {out}: {path.relative_to(out)} was not written by the demo; move "
                        "it or give another folder (nothing was deleted).", field="--out")


def _board_reports(services: Any, out: Path) -> dict[str, Any]:
    """The board report for the county and each partnership, last complete quarter, as known
    at the demo's as-at time: HTML (charts) and CSV (a zip of one file per table)."""
    first, last = last_complete_quarter(DEMO_AS_AT.date())
    label = f"{first.year}-Q{(first.month - 1) // 3 + 1}"
    folder = out / "reports"
    written = []
    for scope in ({"county": "cumbria"}, {"partnership": "cumberland"},
                  {"partnership": "westmorland-furness"}):
        slug = next(iter(scope.values()))
        report = services.reports.board(**scope, date_from=first, date_to=last,
                                        as_known_at=DEMO_AS_AT)
        html, csv = folder / f"{slug}-{label}.html", folder / f"{slug}-{label}-csv.zip"
        write_report(report, "html", html)
        write_report(report, "csv", csv)
        written.append({"scope": report.scope["name"], "html": str(html), "csv": str(csv)})
    return {"period": {"from": first.isoformat(), "to": last.isoformat()}, "files": written}


def _record(inv: Invocation, services: Any, clock: FixedClock, out: Path) -> dict[str, Any]:
    say = (lambda _: None) if inv.json else (lambda line: print(f"  {line}"))
    if not inv.json:
        print("Importing the Cumbria set-up and recording two years of cases…")
    clock.set(SETUP_RECORDED)
    import_setup(services.cases, load_setup(example_path("cumbria")),
                 Meta(actor="demo:setup"))
    stories = scenarios() + demo_asb.scenarios() + demo_encampments.scenarios()
    openers: dict[str, Opener] = {"asb": demo_asb.open_asb,
                                  "encampment": demo_encampments.open_encampment}
    references = run_demo(services.cases, clock.set, say, stories, openers)
    clock.set(DEMO_AS_AT)
    if not inv.json:
        print(f"Running the reminder job as at {DEMO_AS_AT:%d %b %Y %H:%M} and sending by SMTP…")
    run = services.reminders.run(Meta(actor=SCHEDULER_ACTOR))
    delivery = services.deliveries.deliver()
    summary = _summary(services, references)
    summary["reminders"] = {"issued": len(run.issued), **delivery.to_dict()["counts"]}
    summary["reports"] = _board_reports(services, out)
    return summary


def _mail_drop(files: list[Path]) -> list[dict[str, str]]:
    """What the loopback server received: to whom, about what (fictitious demo contacts)."""
    sent = []
    for path in files:
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        sent.append({"to": str(message["To"]), "subject": " ".join(str(message["Subject"]).split()),
                     "file": path.name})
    return sent


def _summary(services: Any, references: dict[str, str]) -> dict[str, Any]:
    cases = services.views.list_cases(None, None, None)
    pipelines = {}
    for definition in (DARDR, ASB, ENCAMPMENT):
        by_stage = Counter(c["stage"] for c in cases if c["case_type"] == definition.case_type)
        pipelines[definition.case_type] = {s: by_stage[s] for s in definition.stages if by_stage[s]}
    overdue = deadline_rows(services.views, DeadlineFilter(), DEMO_AS_AT, overdue_only=True)
    last_year = DEMO_AS_AT.year - 1 if DEMO_AS_AT.month >= 4 else DEMO_AS_AT.year - 2
    return {
        "as_at": DEMO_AS_AT.date().isoformat(),
        "cases": len(cases),
        "pipelines": pipelines,
        "asb_annual": {
            p: services.reports.asb_annual(p, last_year, DEMO_AS_AT)
            for p in ("cumberland", "westmorland-furness")
        },
        "asb_year": f"{last_year}/{str(last_year + 1)[2:]}",
        "paused": sorted(c["reference"] for c in cases if c["paused"]),
        "overdue": [{k: row[k] for k in ("case", "name", "due", "responsible", "days_overdue")}
                    for row in overdue],
        "scenarios": references,
        "events": services.app.recorder.max_notification_id(),
    }


def _reminders_text(reminders: dict[str, Any]) -> str:
    head = (f"Reminders as at {DEMO_AS_AT:%d %b %Y}: {reminders['issued']} step(s) issued, "
            f"{reminders['sent']} email(s) sent, {reminders['failed']} failed, "
            f"{reminders['retrying']} retrying; the messages are in {reminders['mail_drop']}/")
    rows = [(m["to"], m["subject"]) for m in reminders["sent_to"][:SHOWN_EMAILS]]
    more = len(reminders["sent_to"]) - SHOWN_EMAILS
    tail = f"\n… and {more} more in {reminders['mail_drop']}/" if more > 0 else ""
    return head + "\n" + table(["to", "subject"], rows, empty="(nothing was due)") + tail


def _reports_text(reports: dict[str, Any]) -> str:
    period = reports["period"]
    return (f"Board reports for {period['from']} to {period['to']} (the last complete quarter):\n"
            + table(["board", "html (charts)", "csv"],
                    [(f["scope"], f["html"], f["csv"]) for f in reports["files"]]))


def _human(summary: dict[str, Any]) -> str:
    titles = {"dardr": "DARDR reviews", "asb": "ASB Case Reviews", "encampment": "Encampments"}
    pipelines = [f"{titles[kind]}:\n" + table(["stage", "cases"], stages.items())
                 for kind, stages in summary["pipelines"].items()]
    figures = ["applications", "threshold_not_met", "reviews_carried_out",
               "reviews_with_recommendations"]
    annual = table(["partnership", *figures],
                   [(p, *(row[f] for f in figures)) for p, row in summary["asb_annual"].items()])
    overdue = table(
        ["case", "deadline", "due", "responsible", "days overdue"],
        [(r["case"], r["name"], r["due"][:10], r["responsible"], r["days_overdue"])
         for r in summary["overdue"]],
    )
    return "\n".join([
        "",
        f"Pipelines as at {summary['as_at']} ({summary['cases']} cases, "
        f"{summary['events']} events):",
        "\n\n".join(pipelines),
        "",
        f"ASB Case Review statutory figures, financial year {summary['asb_year']}:",
        annual,
        "",
        f"Paused: {', '.join(summary['paused']) or 'none'}",
        "",
        f"Overdue as at {summary['as_at']}:",
        overdue,
        "",
        _reminders_text(summary["reminders"]),
        "",
        _reports_text(summary["reports"]),
        "",
        f"Database: {summary['database']}",
        "Try:  caseledger --database sqlite:///" + summary["database"]
        + " case show " + summary["scenarios"]["paused-trial"],
        "      caseledger --database sqlite:///" + summary["database"] + " reminders status",
        "",
        _web_text(summary["web"], summary["database"]),
    ])


def _web_text(web: dict[str, Any], database: str) -> str:
    run = f"caseledger --database sqlite:///{database}"
    return "\n".join([
        f"The web application:  {run} serve",
        f"then open {web['address']} and sign in as one of these, with the password "
        f"{web['password']!r}:",
        table(["username", "role"], [(a["username"], a["role"]) for a in web["accounts"]]),
        "The code an authenticator app would show (it changes every 30 seconds):",
        f"      {run} users code demo-coordinator",
    ])
