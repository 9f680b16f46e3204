"""``caseledger audit events|access|export`` as an auditor drives them (product.md capability 4).

Few calls on purpose (each is a process start); the filters and the checker's failure modes are
covered in tests/integration/test_audit.py.
"""

from __future__ import annotations

import csv
import io
import json
import stat
import subprocess
import sys

from tests.e2e.support import AS_RECORDED, REF, Cli, notify, recorded


def test_an_auditor_reads_exports_and_checks_a_case(cli: Cli, tmp_path):
    notify(cli)
    cli.json("dardr", "start-scoping", REF, "--agencies", "cumbria-police,probation",
             "--on", "2026-01-29", "--as", "analyst")

    # Reads are recorded: show with a purpose, and time travel without one.
    assert cli.show(REF, "--purpose", "weekly review")["reference"] == REF
    cli("case", "show", REF, "--as-effective-at", "2026-01-20", "--as", "inspector")
    error = cli.fails(2, "audit", "export", REF, "--out", str(tmp_path / "nothing"))
    assert error["field"] == "purpose" and "--purpose" in error["message"]
    assert not (tmp_path / "nothing").exists()
    out = tmp_path / "export"
    done = cli("audit", "export", REF, "--out", str(out), "--purpose", "Home Office QA",
               "--as", "inspector")
    assert "verify_export.py" in done.out

    checked = subprocess.run([sys.executable, "-I", str(out / "verify_export.py")],
                             capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0 and checked.stdout.startswith("OK"), checked.stdout
    assert "no readable personal data" in done.out and not (out / "personal.json").exists()
    # an export is private to whoever made it: the folder 0700, its files 0600 (the checker 0700)
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in out.rglob("*") if p.is_file()
            and p.name != "verify_export.py"} == {0o600}

    access = cli.json("audit", "access", "--case", REF)
    assert [(r["actor"], r["what"], r["purpose"]) for r in access] == [
        (AS_RECORDED, "show", "weekly review"),
        (recorded("inspector"), "show --as-effective-at 2026-01-20", None),
        (recorded("inspector"), "export", "Home Office QA"),
    ]

    # Every fact across cases, for people, machines (JSON) and spreadsheets (CSV).
    rows = cli.json("audit", "events", "--actor", "analyst", "--event", "ScopingStarted")
    assert [(r["case"], r["version"], r["event"], r["actor"]) for r in rows] == [
        (REF, rows[0]["version"], "ScopingStarted", recorded("analyst"))]
    table = cli("audit", "events", "--partnership", "cumberland", "--from", "2000-01-01").out
    assert "DeathNotified" in table and "ScopingStarted" in table and "Anna" not in table
    sheet = list(csv.DictReader(io.StringIO(cli("audit", "events", "--case", REF, "--csv").out)))
    assert [int(r["version"]) for r in sheet] == list(range(1, len(sheet) + 1))
    assert json.loads(sheet[0]["data"])["reference"] == REF
    assert "recorded time" in cli("audit", "events", "--help").out.lower()
