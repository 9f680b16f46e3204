"""`caseledger demo`: a realistic Cumbria, the same output every run."""

from __future__ import annotations

import re
from pathlib import Path

from application import demo
from tests.e2e.support import Cli


def test_the_demo_is_deterministic_and_covers_every_stage(tmp_path):
    cli = Cli(f"sqlite:///{tmp_path}/unused.db", tmp_path)
    first = cli.json("demo", "--out", "out")
    reports = {f: (tmp_path / f).read_bytes() for r in first["reports"]["files"] for f in (r["html"], r["csv"])}
    second = cli.json("demo", "--out", "out")
    assert first == second
    assert {f: (tmp_path / f).read_bytes() for f in reports} == reports  # byte for byte
    assert [r["scope"] for r in first["reports"]["files"]] == [
        "Safer Cumbria", "Cumberland Community Safety Partnership",
        "Westmorland and Furness Community Safety Partnership"]
    assert first["reports"]["period"] == {"from": "2026-07-01", "to": "2026-09-30"}
    assert first["as_at"] == "2026-11-02"
    assert first["cases"] == 26
    assert set(first["pipelines"]["dardr"]) == {
        "notified", "scoping", "awaiting-home-office-view", "commissioning", "evidence-gathering",
        "drafting", "submitted-to-home-office", "amending", "approved", "published", "closed"}
    assert sum(first["pipelines"]["asb"].values()) == 8
    assert sum(first["pipelines"]["encampment"].values()) == 5
    assert first["asb_year"] == "2025/26"
    assert set(first["asb_annual"]["cumberland"]) >= {
        "applications", "threshold_not_met", "reviews_carried_out", "reviews_with_recommendations"}
    paused = first["scenarios"]["paused-trial"]
    assert first["paused"] == [paused]
    overdue = {(row["case"], row["name"]) for row in first["overdue"]}
    evidence = first["scenarios"]["evidence-overdue"]
    assert (evidence, "return:cumberland-council:imr") in overdue
    assert (evidence, "return:cumbria-police:imr") not in overdue  # received on time
    assert not any(case == paused for case, _ in overdue)  # paused clocks are not overdue

    # the reminder job ran as at the demo's date, through a loopback SMTP server into a mail drop
    reminders = first["reminders"]
    assert reminders["issued"] > 0 and reminders["failed"] == 0 and reminders["retrying"] == 0
    assert reminders["sent"] == len(reminders["sent_to"]) >= reminders["issued"]
    mail = sorted((tmp_path / "out" / "mail").glob("*.eml"))
    assert [m.name for m in mail] == [m["file"] for m in reminders["sent_to"]]
    texts = [m.read_text() for m in mail]
    assert any("CUM-DARDR-2026-001" in t and "Individual Management Review" in t for t in texts)
    demo_text = "\n".join(p.read_text() for p in Path(demo.__file__).parent.glob("demo*.py"))
    pseudonyms = set(re.findall(r'notify\("[0-9-]+", "([^"]+)"', demo_text))
    assert len(pseudonyms) >= 10
    assert not any(name in t for name in pseudonyms for t in texts)  # no victim in any email
    pages = [b.decode() for f, b in reports.items() if f.endswith(".html")]
    assert not any(name in page for name in pseudonyms for page in pages)  # nor in a report

    database = f"sqlite:///{tmp_path}/{first['database']}"
    shown = Cli(database, tmp_path).json("case", "show", paused)
    assert shown["paused"] is True
    assert [p["kind"] for p in shown["parallel_processes"]] == ["criminal"]
    human = Cli(database, tmp_path)("demo", "--out", "out").out
    assert "Pipelines as at 2026-11-02" in human and "Overdue as at 2026-11-02" in human
    assert "ASB Case Review statutory figures, financial year 2025/26" in human
    assert f"Reminders as at 02 Nov 2026: {reminders['issued']} step(s) issued" in human
