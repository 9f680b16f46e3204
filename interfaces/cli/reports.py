"""``caseledger report …``: the board report and its differences (product.md capability 5), and
the statutory annual ASB Case Review figures.

The board report is written as one self-contained HTML file, CSV files (one per table, in a
folder, or a ``.zip``), or JSON; every file is written whole or not at all.
"""

from __future__ import annotations

import os
import tempfile
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from application.queries import parse_instant
from application.reporting.model import Report
from application.reporting.render_csv import render_csv, render_zip
from application.reporting.render_html import render_html
from application.reporting.render_json import render_json
from domain import times
from domain.errors import InvalidInput
from interfaces.cli.common import TIME_HELP, Invocation, command, parse_time, table
from interfaces.cli.outputs import file_target, folder_target

app = typer.Typer(help="Reports: the board report, what changed between two, and the ASB "
                       "statutory annual figures.", no_args_is_help=True)


class ReportFormat(StrEnum):
    html = "html"
    csv = "csv"
    json = "json"


PartnershipOption = Annotated[str | None, typer.Option(
    "--partnership", metavar="SLUG", help="One partnership (or give --county).")]
CountyOption = Annotated[str | None, typer.Option(
    "--county", metavar="SLUG", help="A county board: its partnerships together (e.g. cumbria).")]
FromOption = Annotated[str, typer.Option("--from", metavar="YYYY-MM-DD",
                                         help="First day of the period (Europe/London).")]
ToOption = Annotated[str, typer.Option("--to", metavar="YYYY-MM-DD",
                                       help="Last day of the period, included.")]


def parse_day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(f"{option}: '{value}' is not a date; use YYYY-MM-DD.") from None


def parse_known_at(value: str | None, field: str) -> datetime | None:
    return parse_instant(value, field) if value is not None else None


@command(app, "board", "report", query=True)
def board(
    inv: Invocation,
    date_from: FromOption,
    date_to: ToOption,
    out: Annotated[Path, typer.Option("--out", metavar="PATH", help=(
        "Where to write: a file for html/json; for csv a folder (one file per table) "
        "or a file ending .zip."))],
    partnership: PartnershipOption = None,
    county: CountyOption = None,
    as_known_at: Annotated[str | None, typer.Option(
        "--as-known-at", metavar="TIME",
        help=f"Only facts recorded by then (default: now): {TIME_HELP}.")] = None,
    report_format: Annotated[ReportFormat, typer.Option(
        "--format", help="html (charts, printable), csv or json.")] = ReportFormat.html,
    publishable: Annotated[bool, typer.Option(
        "--publishable", help="Suppress small counts (shown as <5) for publication.")] = False,
) -> None:
    """The board report for a partnership or a county board: caseload, timeliness, statutory
    figures, overdue agencies, actions and trends, as known at a time (reproducible)."""
    to_folder = report_format is ReportFormat.csv and out.suffix.lower() != ".zip"
    out = folder_target(out) if to_folder else file_target(out)
    services = inv.fresh()
    report = services.reports.board(
        partnership=partnership, county=county, date_from=parse_day(date_from, "--from"),
        date_to=parse_day(date_to, "--to"), as_known_at=parse_known_at(as_known_at, "as_known_at"),
        publishable=publishable)
    written = write_report(report, report_format.value, out)
    caseload = report.table("caseload")
    data: dict[str, Any] = {
        "path": str(out), "format": report_format.value, "files": written, "title": report.title,
        "scope": report.scope, "period": report.period, "as_known_at": report.as_known_at,
        "as_at": report.as_at, "publishable": report.publishable,
        "caseload": list(caseload.rows)}
    inv.emit(data, lambda: "\n".join([
        f"{report.title}",
        f"Written to {out} ({report_format.value}"
        + (f", {len(written)} files" if len(written) > 1 else "") + ")",
        f"As known at {report.as_known_at}; to reproduce it exactly, run again with "
        f"--as-known-at {report.as_known_at}",
        "",
        table([c.label for c in caseload.columns],
              [[row.get(c.key) for c in caseload.columns] for row in caseload.rows]),
    ]))


def write_report(report: Report, report_format: str, out: Path) -> list[str]:
    """Write the report; returns the files written. Each file appears whole or not at all."""
    if report_format == "html":
        files = {out: render_html(report)}
    elif report_format == "json":
        files = {out: render_json(report)}
    elif out.suffix.lower() == ".zip":
        files = {out: render_zip(report)}
    else:
        if out.exists() and not out.is_dir():
            raise InvalidInput(f"--out {out} is a file; for csv give a folder, or a file ending .zip.")
        files = {out / name: content for name, content in sorted(render_csv(report).items())}
    for path, content in files.items():
        _write_atomically(path, content)
    return [str(p) for p in files]


def _write_atomically(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        os.chmod(temporary, 0o644)  # mkstemp makes it private; a report is for sharing
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@command(app, "diff", "report", query=True)
def diff(
    inv: Invocation,
    date_from: FromOption,
    date_to: ToOption,
    earlier: Annotated[str, typer.Option(
        "--earlier", metavar="TIME", help=f"The first report's as-known-at time: {TIME_HELP}.")],
    partnership: PartnershipOption = None,
    county: CountyOption = None,
    later: Annotated[str | None, typer.Option(
        "--later", metavar="TIME", help="The second report's as-known-at time (default: now).")] = None,
) -> None:
    """What changed in a board report between two as-known-at times: each figure that differs,
    and the facts recorded in between that are effective in or before the period."""
    services = inv.fresh()
    data = services.reports.diff(
        partnership=partnership, county=county, date_from=parse_day(date_from, "--from"),
        date_to=parse_day(date_to, "--to"),
        earlier=parse_instant(earlier, "earlier"),
        later=parse_known_at(later, "later"))

    def human() -> str:
        lines = [f"{data['scope']['name']}, {data['period']['from']} to {data['period']['to']}: "
                 f"as known at {data['earlier']} → as known at {data['later']}", "",
                 f"Figures that changed ({len(data['figures'])}):",
                 table(("table", "row", "figure", "before", "after"),
                       [(c["table"], c["row"], c["column"], c["before"], c["after"])
                        for c in data["figures"]], empty="(none: the report is the same)"),
                 "", f"Facts recorded in between, effective by {data['period']['to']} "
                     f"({len(data['late_entries'])}):",
                 table(("recorded", "case", "event", "effective", "actor", "reason"),
                       [(e["recorded"], e["reference"], e["event"], e["effective"], e["actor"],
                         e["reason"]) for e in data["late_entries"]])]
        return "\n".join(lines)

    inv.emit(data, human)


@command(app, "asb-annual", "report", query=True)
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
    known = parse_time(as_known_at, "as_known_at")
    services = inv.fresh()
    data: dict[str, Any] = services.reports.asb_annual(
        partnership, year, times.effective_end(known) if known else None)
    inv.emit(data, lambda: table(("figure", "number"), [
        (k.replace("_", " "), data[k]) for k in
        ("applications", "threshold_not_met", "reviews_carried_out",
         "reviews_with_recommendations")]))
