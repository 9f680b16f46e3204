"""`caseledger demo`: a realistic Cumbria, the same output every run."""

from __future__ import annotations

from pathlib import Path

from application.identity import AccountService
from infrastructure.accounts import SqlAccountStore
from infrastructure.clock import SystemClock
from tests.e2e.support import Cli
from tests.integration.support import services_for


def test_the_demo_is_deterministic_and_covers_every_stage(tmp_path: Path) -> None:
    cli = Cli(f"sqlite:///{tmp_path}/unused.db", tmp_path)
    first = cli.json("demo", "--out", "out")
    reports = {f: (tmp_path / f).read_bytes() for r in first["reports"]["files"] for f in (r["html"], r["csv"])}
    (tmp_path / "out" / "notes.txt").write_text("mine")  # a file of the user's, beside the demo's
    second = cli.json("demo", "--out", "out")
    assert first == second
    assert {f: (tmp_path / f).read_bytes() for f in reports} == reports  # byte for byte
    assert (tmp_path / "out" / "notes.txt").read_text() == "mine"  # only what the demo wrote goes
    assert [r["scope"] for r in first["reports"]["files"]] == [
        "Safer Cumbria", "Cumberland Community Safety Partnership",
        "Westmorland and Furness Community Safety Partnership"]
    assert first["reports"]["period"] == {"from": "2026-07-01", "to": "2026-09-30"}
    assert first["as_at"] == "2026-11-02"
    assert first["cases"] == 26
    assert first["pipelines"] == {
        "dardr": {"notified": 1, "scoping": 1, "awaiting-home-office-view": 1, "commissioning": 1,
                  "evidence-gathering": 2, "drafting": 1, "submitted-to-home-office": 1, "amending": 1,
                  "approved": 1, "published": 1, "closed": 2},
        "asb": {"received": 1, "gathering-information": 1, "review-pending": 2, "outcome-pending": 1,
                "monitoring-actions": 1, "closed": 2},
        "encampment": {"assessing": 1, "enforcing": 1, "closed": 3},
    }
    assert first["asb_year"] == "2025/26"
    figures = ("applications", "threshold_not_met", "reviews_carried_out", "reviews_with_recommendations",
               "appeals_determined")
    assert {p: [annual[f] for f in figures] for p, annual in first["asb_annual"].items()} == {
        "cumberland": [2, 1, 1, 1, 1], "westmorland-furness": [2, 1, 1, 1, 0]}
    paused = first["scenarios"]["paused-trial"]
    assert first["paused"] == [paused]
    overdue = {(row["case"], row["name"]) for row in first["overdue"]}
    evidence = first["scenarios"]["evidence-overdue"]
    assert (evidence, "return:cumberland-council:imr") in overdue
    assert (evidence, "return:cumbria-police:imr") not in overdue  # received on time
    assert not any(case == paused for case, _ in overdue)  # paused clocks are not overdue

    # the reminder job ran as at the demo's date, through a loopback SMTP server into a mail drop
    reminders = first["reminders"]
    assert (reminders["issued"], reminders["failed"], reminders["retrying"]) == (33, 0, 0)
    assert reminders["sent"] == len(reminders["sent_to"]) == 79  # a step goes to one or more people
    mail = sorted((tmp_path / "out" / "mail").glob("*.eml"))
    assert [m.name for m in mail] == [m["file"] for m in reminders["sent_to"]]
    texts = [m.read_text() for m in mail]
    assert any("CUM-DARDR-2026-001" in t and "Individual Management Review" in t for t in texts)

    # every victim's pseudonym, as case show gives it, is in no email and no report
    database = Cli(f"sqlite:///{tmp_path}/{first['database']}", tmp_path)
    reviews = [row["reference"] for row in database.json("case", "list", "--type", "dardr")]
    assert sorted(reviews) == sorted(ref for ref in first["scenarios"].values() if "-DARDR-" in ref)
    shown_reviews = [database.json("case", "show", ref) for ref in reviews]
    pseudonyms = {review["personal"]["victim_pseudonym"] for review in shown_reviews}
    assert len(pseudonyms) == len(reviews) == 13
    assert [name for name in pseudonyms if any(name in t for t in texts)] == []
    pages = [b.decode() for f, b in reports.items() if f.endswith(".html")]
    assert [name for name in pseudonyms if any(name in page for page in pages)] == []

    # one account per role for the web application, signed in with the code `users code` gives
    web = first["web"]
    assert [a["grant"].split(":")[0] for a in web["accounts"]] == [
        "coordinator", "hub-officer", "agency-contact", "auditor", "board-member", "administrator"]
    assert web["address"] == "http://127.0.0.1:8000/"
    code = database.json("users", "code", "demo-coordinator")["code"]
    assert len(code) == 6 and code.isdigit()
    services = services_for(f"sqlite:///{tmp_path}/{first['database']}")
    accounts = AccountService(SqlAccountStore(services.engine), SystemClock())
    assert accounts.verify_sign_in("demo-coordinator", web["password"], code).username == "demo-coordinator"
    services.close()

    shown = database.json("case", "show", paused)
    assert shown["paused"] is True
    assert [p["kind"] for p in shown["parallel_processes"]] == ["criminal"]
    human = database("demo", "--out", "out").out
    assert "serve" in human and "demo-coordinator" in human and "users code" in human
    assert "Pipelines as at 2026-11-02" in human and "Overdue as at 2026-11-02" in human
    assert "ASB Case Review statutory figures, financial year 2025/26" in human
    assert f"Reminders as at 02 Nov 2026: {reminders['issued']} step(s) issued" in human

    # a file the user put among the demo's own is never deleted: the next run is refused instead
    (tmp_path / "out" / "reports" / "annotated.html").write_text("my notes")
    written = sorted(p for p in (tmp_path / "out").rglob("*"))
    refused = cli.fails(2, "demo", "--out", "out")
    assert refused["message"] == ("--out out: reports/annotated.html was not written by the demo; "
                                  "move it or give another folder (nothing was deleted).")
    assert sorted(p for p in (tmp_path / "out").rglob("*")) == written
