"""`caseledger report board` and `report diff` driven as a board officer would: the
three formats, the same bytes again for the same --as-known-at after more is recorded, what
changed in between, and clear refusals that write nothing."""

from __future__ import annotations

import csv
import io
import zipfile

from tests.e2e.support import notify

COUNTY_Q3 = ("--county", "cumbria", "--from", "2026-07-01", "--to", "2026-09-30")


def board(cli, out, *extra: str) -> dict:
    return cli.json("report", "board", *COUNTY_Q3, "--out", str(out), *extra)


def test_a_board_report_in_each_format_reproduced_byte_for_byte(cli, tmp_path):
    ref = notify(cli, on="2026-07-06", death="2026-07-01")["reference"]
    first = board(cli, tmp_path / "q3.html")
    known = first["as_known_at"]
    assert first["scope"]["name"] == "Safer Cumbria"
    assert first["caseload"][0] == {"type": "DARDR", "opened": 1, "closed": 0, "open": 1, "paused": 0}
    html = (tmp_path / "q3.html").read_bytes()
    assert html.startswith(b"<!DOCTYPE html>") and b'data-chart="pipeline"' in html

    board(cli, tmp_path / "q3.json", "--format", "json", "--as-known-at", known)
    board(cli, tmp_path / "q3.zip", "--format", "csv", "--as-known-at", known)
    folder = board(cli, tmp_path / "q3-csv", "--format", "csv", "--as-known-at", known)
    assert str(tmp_path / "q3-csv" / "caseload.csv") in folder["files"]
    rows = list(csv.reader(io.StringIO((tmp_path / "q3-csv" / "caseload.csv").read_text())))
    assert rows[0] == ["Case type", "Opened", "Closed", "Open at end", "of which paused"]
    assert rows[1] == ["DARDR", "1", "0", "1", "0"]
    with zipfile.ZipFile(tmp_path / "q3.zip") as archive:
        assert archive.read("caseload.csv") == (tmp_path / "q3-csv" / "caseload.csv").read_bytes()

    # More is recorded after the report, including a fact effective inside the period.
    cli("dardr", "start-scoping", ref, "--agencies", "cumbria-police", "--on", "2026-07-08")
    for name, fmt in (("again.html", "html"), ("again.json", "json"), ("again.zip", "csv")):
        board(cli, tmp_path / name, "--format", fmt, "--as-known-at", known)
    assert (tmp_path / "again.html").read_bytes() == html
    assert (tmp_path / "again.json").read_bytes() == (tmp_path / "q3.json").read_bytes()
    assert (tmp_path / "again.zip").read_bytes() == (tmp_path / "q3.zip").read_bytes()

    now = board(cli, tmp_path / "now.json", "--format", "json")
    assert now["as_known_at"] > known
    assert (tmp_path / "now.json").read_bytes() != (tmp_path / "q3.json").read_bytes()

    diff = cli.json("report", "diff", *COUNTY_Q3, "--earlier", known)
    pipeline = [(c["row"], c["before"], c["after"]) for c in diff["figures"] if c["table_id"] == "pipeline"]
    assert ("DARDR: Death notified", 1, None) in pipeline
    assert ("DARDR: Scoping", None, 1) in pipeline
    assert [e["event"] for e in diff["late_entries"] if e["reference"] == ref][0] == "ScopingStarted"
    text = cli("report", "diff", *COUNTY_Q3, "--earlier", known).out
    assert "Figures that changed" in text and "ScopingStarted" in text


def test_the_publishable_report_and_a_partnership_report(cli, tmp_path):
    notify(cli, on="2026-07-06", death="2026-07-01")
    out = board(cli, tmp_path / "pub.json", "--format", "json", "--publishable")
    assert out["publishable"] is True
    assert out["caseload"][0]["opened"] == "<5"
    text = cli("report", "board", "--partnership", "westmorland-furness", "--from", "2026-07-01",
               "--to", "2026-09-30", "--out", str(tmp_path / "waf.html")).out
    assert "Westmorland and Furness Community Safety Partnership" in text
    assert "--as-known-at" in text  # how to reproduce it


def test_bad_requests_exit_with_the_documented_code_and_write_nothing(cli, tmp_path):
    out = tmp_path / "never.html"
    period = ("--from", "2026-07-01", "--to", "2026-09-30", "--out", str(out))
    cases = [
        (2, ("--county", "cumbria", "--partnership", "cumberland", *period),
         "Give either a partnership or a county board (one of them) (--partnership)."),
        (2, ("--from", "2026-07-01", "--to", "2026-09-30", "--out", str(out)),
         "Give either a partnership or a county board (one of them) (--partnership)."),
        (4, ("--county", "lancashire", *period), "Unknown county 'lancashire'"),
        (4, ("--partnership", "lancashire", *period), "Unknown partnership 'lancashire'"),
        (2, ("--county", "cumbria", "--from", "2026-09-30", "--to", "2026-07-01", "--out", str(out)),
         "The period starts (2026-09-30) after it ends (2026-07-01)"),
        (2, ("--county", "cumbria", "--from", "2026-02-30", "--to", "2026-07-01", "--out", str(out)),
         "--from: '2026-02-30' is not a date"),
        (3, ("--county", "cumbria", *period, "--as-known-at", "2199-01-01"), "in the future"),
    ]
    for code, args, message in cases:
        error = cli.fails(code, "report", "board", *args)
        assert message in error["message"], (args, error)
    assert not out.exists()
    (tmp_path / "a-file").write_text("x")
    error = cli.fails(2, "report", "board", "--county", "cumbria", "--from", "2026-07-01",
                      "--to", "2026-09-30", "--format", "csv", "--out", str(tmp_path / "a-file"))
    assert "is a file; give a folder" in error["message"]
