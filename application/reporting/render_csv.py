"""The board report as CSV: one file per table (``{table.id}.csv``), or all of them in one zip.

CSV is for people who want to re-use the figures, so numbers are written plainly (``1234``,
``87.5``; no thousands separators, no ``%`` or ``£``), a value that does not exist is an empty cell,
and a suppressed small count stays as it is shown in the report (``<5``). Files are UTF-8 with
CRLF line ends (RFC 4180). The zip is byte-identical for the same report: fixed names, order,
dates, permissions and compression (product.md capability 5, reproducible reports).
"""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

from application.reporting.model import Report, Table
from application.reporting.render_html import format_instant, format_period

ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
"""Every member's timestamp: the earliest a zip can hold, so nothing depends on when it was made."""

ZIP_COMPRESSION_LEVEL = 9
ZIP_FILE_MODE = 0o100644  # a regular file, rw-r--r--
ZIP_CREATED_ON_UNIX = 3  # zipfile would otherwise record the platform it runs on

SUMMARY_NAME = "report.txt"


def csv_value(value: Any) -> str:
    """A cell as written in CSV: numbers plainly, None empty, strings (``<5``) as they are."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def render_table_csv(table: Table) -> bytes:
    """One table: a header row of the column labels, then one row per table row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([column.label for column in table.columns])
    for row in table.rows:
        writer.writerow([csv_value(row.get(column.key)) for column in table.columns])
    return buffer.getvalue().encode("utf-8")


def render_csv(report: Report) -> dict[str, bytes]:
    """Every table of the report as ``{"<table id>.csv": bytes}``, in the report's table order."""
    files: dict[str, bytes] = {}
    for table in report.tables:
        name = f"{table.id}.csv"
        if name in files or name == SUMMARY_NAME:
            raise ValueError(f"two tables of the report would both be written to {name}")
        files[name] = render_table_csv(table)
    return files


def render_summary(report: Report) -> bytes:
    """``report.txt``: what the figures are of, when they were known, and the report's notes."""
    scope = report.scope
    partnerships = ", ".join(str(p.get("name", p.get("slug", ""))) for p in scope.get("partnerships", ()))
    lines = [
        report.title,
        "",
        f"Scope: {scope.get('name', scope.get('slug', ''))}",
    ]
    if partnerships:
        lines.append(f"Partnerships: {partnerships}")
    lines += [
        f"Period: {format_period(report.period)} ({report.period.get('from', '')} to {report.period.get('to', '')})",
        f"As known at: {format_instant(report.as_known_at)} ({report.as_known_at} UTC)",
        f"As at: {format_instant(report.as_at)} ({report.as_at} UTC)",
        f"Publishable: {'yes' if report.publishable else 'no'}",
    ]
    if report.publishable:
        lines.append(f"Counts under {report.suppress_below} are shown as <{report.suppress_below}.")
    lines += ["", "Tables:"]
    lines += [f"  {table.id}.csv  {table.title}" for table in report.tables]
    if report.notes:
        lines += ["", "Notes:"]
        lines += [f"  - {note}" for note in report.notes]
    return ("\n".join(lines) + "\n").encode("utf-8")


def render_zip(report: Report) -> bytes:
    """The CSV files and ``report.txt`` in one zip, byte-identical for the same report."""
    members = dict(render_csv(report))
    members[SUMMARY_NAME] = render_summary(report)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = ZIP_CREATED_ON_UNIX
            info.external_attr = ZIP_FILE_MODE << 16
            archive.writestr(info, members[name], compresslevel=ZIP_COMPRESSION_LEVEL)
    return buffer.getvalue()
