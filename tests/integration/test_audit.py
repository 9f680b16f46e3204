"""Audit (product.md capability 4) on SQLite and PostgreSQL: the cross-case event query, the
access log (every read of a case through the CLI is an event, projected and queryable) and the
export for an auditor, checked by its own standalone verify_export.py."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import pytest
import sqlalchemy as sa

from application.audit import AuditService, recorded_window
from application.commands import AddNote, DecideReview, NotifyDeath, StartScoping
from application.projections import project
from application.service import Meta
from domain.access import CaseAccess, CaseRead
from domain.calendar import FixedCalendar
from domain.errors import InvalidInput, NotFound
from domain.setup import Agency, Partnership
from infrastructure.clock import FixedClock
from interfaces.bootstrap import build
from interfaces.cli import common
from interfaces.cli.main import main
from tests.e2e.support import recorded
from tests.integration.support import NOW, notify, seed, services_for
from tests.unit.calendar_fixture import ENGLAND_AND_WALES_2025_2027

CALENDAR = FixedCalendar(ENGLAND_AND_WALES_2025_2027, source="test calendar")


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def audit_of(services) -> AuditService:
    return services.audit


@pytest.fixture
def services(database_url):
    s = services_for(database_url)
    seed(s)
    yield s
    s.close()


class InProcessCli:
    """``caseledger --database URL …`` in this process (fast), with a clock set per call."""

    def __init__(self, url: str, monkeypatch, capsys) -> None:
        self.url, self.capsys = url, capsys
        self.now = NOW
        monkeypatch.setattr(common, "services_factory",
                            lambda settings: build(settings, clock=FixedClock(self.now),
                                                   calendar=CALENDAR))

    def __call__(self, *args: str, expect: int = 0, now: datetime | None = None) -> str:
        self.now = now or self.now
        code = main(["--database", self.url, *args])
        out, err = self.capsys.readouterr()
        assert code == expect, f"caseledger {' '.join(args)} exited {code}: {out}\n{err}"
        return out if code == 0 else err


@pytest.fixture
def cli(database_url, monkeypatch, capsys, services) -> InProcessCli:
    return InProcessCli(database_url, monkeypatch, capsys)


def access_rows(services, **filters) -> list[dict]:
    return audit_of(services).access(**filters)


# --------------------------------------------------------------------------- audit events


def test_audit_events_filter_on_actor_partnership_recorded_time_and_event(services):
    ctx = services.cases.context(Meta(actor="admin", on="2024-04-01"))
    waf = Partnership.register(ctx, "westmorland-furness", "WAF", "Westmorland and Furness CSP")
    services.app.save(waf, Agency.register(ctx, "waf-police", "WAF Police", "police",
                                           ["westmorland-furness"]))
    clock = services.clock
    clock.set(at(2026, 3, 1, 10))  # recorded on 1 March
    a = notify(services, on="2026-02-27", actor="coordinator")
    clock.set(at(2026, 3, 2, 23, 30))  # 23:30 GMT: still 2 March in London
    b = services.cases.open(NotifyDeath(
        partnership="westmorland-furness", date_of_death="2026-02-25", victim_pseudonym="Bea",
        notified_by="waf-police", relationship="family", death_type="homicide"),
        Meta(actor="officer", on="2026-03-02")).reference
    clock.set(at(2026, 3, 31, 23, 30))  # 00:30 BST on 1 April in London
    services.cases.execute(a, StartScoping(agencies=["probation"]), Meta(actor="analyst", on="2026-03-31"))
    audit = audit_of(services)

    everything = audit.events()
    assert [r["case"] for r in everything][:1] == [a] and {r["case"] for r in everything} == {a, b}
    assert all(set(r) == {"case", "partnership", "version", "event", "effective", "recorded",
                          "actor", "reason", "basis", "data"} for r in everything)
    assert "Anna" not in json.dumps(everything) and "Bea" not in json.dumps(everything)
    recorded = [r["recorded"] for r in everything]
    assert recorded == sorted(recorded)

    assert {r["case"] for r in audit.events(actor="officer")} == {b}
    assert {r["actor"] for r in audit.events(actor="analyst")} == {"analyst"}
    assert {r["case"] for r in audit.events(partnership="westmorland-furness")} == {b}
    assert {r["case"] for r in audit.events(case=a)} == {a}
    scoping = audit.events(event="ScopingStarted")
    assert [(r["case"], r["event"], r["actor"]) for r in scoping] == [(a, "ScopingStarted", "analyst")]

    def window(start, end):
        return {r["case"] for r in audit.events(**dict(zip(
            ("recorded_from", "recorded_before"), recorded_window(start, end), strict=True)))}

    assert window("2026-03-01", "2026-03-01") == {a}
    assert window("2026-03-02", "2026-03-02") == {b}  # 23:30 GMT is still 2 March
    assert window("2026-03-02", None) == {a, b}  # a's scoping, on 1 April in London
    assert window("2026-04-01", "2026-04-01") == {a}  # 23:30 UTC on 31 March = 1 April BST
    assert window("2026-03-31", "2026-03-31") == set()
    assert window(None, "2026-03-02T23:30") == {a, b}  # a date-time --to includes that instant
    assert window(None, "2026-03-02T23:29") == {a}
    with pytest.raises(InvalidInput, match=r"The start \(2026-03-02\) is after the end \(2026-03-01\)") as refused:
        recorded_window("2026-03-02", "2026-03-01")
    assert refused.value.field == "from"
    with pytest.raises(NotFound):
        audit.events(partnership="nowhere")


# --------------------------------------------------------------------------- the access log


def test_every_read_records_one_access_event_and_a_failed_read_none(services, cli, tmp_path):
    ref = notify(services)
    services.cases.execute(ref, StartScoping(agencies=["probation"]), Meta(actor="c", on="2026-02-02"))
    case_id = str(services.cases.resolve(ref))
    version = services.cases.load_case(ref).version

    cli("case", "show", ref, "--as", "auditor", "--purpose", "QA sample", now=at(2026, 11, 22, 12, 1))
    cli("case", "show", ref, "--as", "auditor", "--as-known-at", "2026-11-22", "--json",
        now=at(2026, 11, 22, 12, 2))
    cli("case", "show", ref, "--as", "auditor", "--at-version", "1", now=at(2026, 11, 22, 12, 3))
    cli("case", "history", ref, "--as", "chair", "--purpose", "  ", "--csv", now=at(2026, 11, 22, 12, 4))
    cli("audit", "export", ref, "--as", "inspector", "--out", str(tmp_path / "export"),
        "--purpose", "Home Office QA request 14", now=at(2026, 11, 22, 12, 5))
    before = services.app.recorder.max_notification_id()
    assert "No case with reference CUM-DARDR-2026-009" in cli(
        "case", "show", "CUM-DARDR-2026-009", "--purpose", "p", expect=4)
    cli("case", "history", "CUM-DARDR-2026-009", expect=4)
    cli("case", "show", ref, "--at-version", "99", expect=2)
    missing = cli("audit", "export", ref, "--out", str(tmp_path / "no-purpose"), "--json", expect=2)
    assert json.loads(missing.splitlines()[-1])["error"]["message"].endswith("(--purpose).")
    assert not (tmp_path / "no-purpose").exists()
    assert services.app.recorder.max_notification_id() == before  # failed reads record nothing

    rows = access_rows(services)
    assert [(r["actor"], r["what"], r["purpose"], r["case"], r["case_id"]) for r in rows] == [
        (recorded("auditor"), "show", "QA sample", ref, case_id),
        (recorded("auditor"), "show --as-known-at 2026-11-22", None, ref, case_id),
        (recorded("auditor"), "show --at-version 1", None, ref, case_id),
        (recorded("chair"), "history", None, ref, case_id),
        (recorded("inspector"), "export", "Home Office QA request 14", ref, case_id),
    ]
    assert rows[0]["recorded"] == "2026-11-22T12:01:00+00:00"
    assert services.cases.load_case(ref).version == version  # reads never change the case
    assert [r["what"] for r in access_rows(services, actor="chair")] == ["history"]
    assert len(access_rows(services, case=ref)) == 5
    lo, hi = recorded_window("2026-11-22T12:02", "2026-11-22T12:04")
    assert [r["actor"] for r in access_rows(services, recorded_from=lo, recorded_before=hi)] == \
        [recorded("auditor"), recorded("auditor"), recorded("chair")]
    shown = json.loads(cli("audit", "access", "--case", ref, "--actor", "inspector", "--json"))
    assert [(r["what"], r["purpose"]) for r in shown] == [("export", "Home Office QA request 14")]
    assert "Home Office QA request 14" in cli("audit", "access")  # the readable table

    # The reads are events in the one store (so the integrity chain covers them), not in the
    # case's history, and the view holds no purpose (it is personal data).
    reads = [e for n in services.app.recorder.select_notifications(start=1, limit=10_000)
             if n.topic.endswith(":CaseRead")
             for e in [services.app.mapper.to_domain_event(n)]]
    assert [(e.actor, e.what, e.originator_version) for e in reads][-1] == (recorded("inspector"), "export", 1)
    assert len(reads) == 5
    chain = services.integrity.verify().to_dict()  # every read is a link of the chain
    assert chain["ok"] and chain["links"] == services.app.recorder.max_notification_id()
    assert all(r["event"] != "CaseRead" for r in services.views.history(case_id))
    with services.engine.connect() as conn:
        stored = json.dumps([list(r) for r in conn.execute(sa.text("SELECT * FROM access_log"))])
    assert "QA sample" not in stored


def test_a_read_is_a_new_aggregate_and_its_projection_has_no_purpose():
    read = CaseAccess.record_read(
        access_id=uuid4(), case_id=uuid4(),
        reference="CUM-DARDR-2026-001", actor="auditor", what="show --at-version 2",
        purpose=" Mrs Smith's complaint ", now=NOW)
    [event] = read.collect_events()
    assert isinstance(event, CaseRead) and event.originator_version == 1
    assert event.personal == {"purpose": "Mrs Smith's complaint"}
    [change] = project(event)
    assert change.table == "access_log" and "Smith" not in json.dumps(change.values)
    with pytest.raises(InvalidInput):
        CaseAccess.record_read(access_id=read.id, case_id=read.id, reference="R", actor=" ",
                               what="show", purpose=None, now=NOW)


# --------------------------------------------------------------------------- export


def verify(folder: Path) -> subprocess.CompletedProcess[str]:
    """The export's own checker, as an auditor runs it: standalone, isolated from this project."""
    return subprocess.run([sys.executable, "-I", str(folder / "verify_export.py")],
                          capture_output=True, text=True, cwd=folder.parent, timeout=60)


def test_an_export_holds_history_states_and_a_proof_its_checker_verifies(services, cli, tmp_path):
    ref = notify(services)
    other = notify(services, on="2026-02-01")  # interleaved in the log
    services.cases.execute(ref, StartScoping(agencies=["probation"]), Meta(actor="c", on="2026-02-02"))
    services.cases.execute(other, AddNote(text="Anna's note"), Meta(actor="c", on="2026-02-02"))
    services.cases.execute(ref, DecideReview(outcome="review", rationale="criteria met"),
                           Meta(actor="chair", on="2026-02-20", reason="met"))
    out = tmp_path / "export"

    summary = json.loads(cli("audit", "export", ref, "--out", str(out), "--purpose", "QA", "--json"))
    case = services.cases.load_case(ref)
    assert summary["reference"] == ref and summary["events"] == case.version
    names = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert {"README.txt", "history.json", "history.csv", "proof.json", "verify_export.py"} <= set(names)
    states = [n for n in names if n.startswith("states/")]
    assert states and states == [f for f in summary["files"] if f.startswith("states/")]
    first = json.loads((out / states[0]).read_text())
    assert first["version"] == 1 and "personal" not in first and first["stage"]
    assert json.loads((out / states[-1]).read_text())["stage"] == case.stage
    history = json.loads((out / "history.json").read_text())["rows"]
    assert [r["version"] for r in history] == list(range(1, case.version + 1))
    proof = json.loads((out / "proof.json").read_text())
    assert [e["originator_version"] for e in proof["events"]] == list(range(1, case.version + 1))
    readme = (out / "README.txt").read_text()
    assert "NO READABLE PERSONAL DATA" in readme and "head" in readme and "verify_export.py" in readme
    # No readable personal data by default, and every data file says so.
    assert "personal.json" not in names
    for name in names:
        text = (out / name).read_text()
        assert "Anna" not in text, name
        if name.endswith(".json"):
            assert json.loads(text)["contains_personal_data"] is False, name
    assert (out / "history.csv").read_text().startswith("# contains_personal_data: no.")

    # Asked for, the personal data comes in personal.json, and the access log says so.
    full = tmp_path / "with-personal-data"
    cli("audit", "export", ref, "--out", str(full), "--purpose", "Coroner's request",
        "--include-personal-data")
    personal = json.loads((full / "personal.json").read_text())
    assert personal["contains_personal_data"] is True
    assert personal["versions"][0]["personal"]["victim_pseudonym"] == "Anna"
    assert "CONTAINS PERSONAL DATA" in (full / "README.txt").read_text()
    assert verify(full).returncode == 0
    assert sorted((r["what"], r["purpose"]) for r in services.audit.access(case=ref)) == [
        ("export", "QA"), ("export with personal data", "Coroner's request")]

    checked = verify(out)
    assert checked.returncode == 0 and checked.stdout.startswith("OK"), checked.stdout + checked.stderr

    # One byte of one stored event altered: its hash no longer matches.
    tampered = json.loads(json.dumps(proof))
    state = bytearray(base64.b64decode(tampered["events"][1]["state"]))
    state[len(state) // 2] ^= 0x01
    tampered["events"][1]["state"] = base64.b64encode(bytes(state)).decode()
    (out / "proof.json").write_text(json.dumps(tampered))
    checked = verify(out)
    assert checked.returncode == 1 and "hash does not match" in checked.stdout, checked.stdout
    (out / "proof.json").write_text(json.dumps(proof))
    assert verify(out).returncode == 0

    # A row of the history deleted, or its actor changed: it no longer matches the proof.
    marker = {"contains_personal_data": False, "personal_data": "None."}
    (out / "history.json").write_text(json.dumps({**marker, "rows": history[:1] + history[2:]}))
    checked = verify(out)
    assert checked.returncode == 1 and "removed, added or moved" in checked.stdout, checked.stdout
    changed = json.loads(json.dumps(history))
    changed[-1]["actor"] = "someone else"
    (out / "history.json").write_text(json.dumps({**marker, "rows": changed}))
    checked = verify(out)
    assert checked.returncode == 1 and "actor" in checked.stdout, checked.stdout

    # The export is refused into a folder that holds something (nothing read, nothing recorded).
    before = services.app.recorder.max_notification_id()
    cli("audit", "export", ref, "--out", str(out), "--purpose", "again", expect=2)
    cli("audit", "export", "CUM-DARDR-2026-009", "--out", str(tmp_path / "x"), "--purpose", "p",
        expect=4)
    assert services.app.recorder.max_notification_id() == before
    assert not (tmp_path / "x").exists()


def test_an_erased_case_exports_saying_so_and_still_verifies(services, database_url, tmp_path):
    """A closed ASB review erased at the end of its retention: every file of its export says
    when and under which rule; personal.json shows each personal value as "erased"; the proof
    (sealed bytes under a destroyed key) still verifies."""
    from application.commands.common import ErasePersonalData
    from tests.integration.test_retention import LATER, cases

    _, asb, _ = cases(services)
    later = services_for(database_url, now=LATER)
    try:
        later.cases.execute(asb, ErasePersonalData(), Meta(actor="coordinator"))
        export = later.audit.export(asb, actor="inspector", purpose="ICO complaint",
                                    include_personal_data=True)
    finally:
        later.close()
    out = tmp_path / "erased"
    for name, text in export.files.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(text, encoding="utf-8")
    for name in ("history.json", "proof.json", "personal.json", *export.states):
        assert "personal data was erased on" in json.loads(export.files[name])["personal_data"], name
    assert "personal data was erased on" in export.files["history.csv"].splitlines()[0]
    assert "personal data was erased on" in export.files["README.txt"]
    values = json.loads(export.files["personal.json"])["versions"]
    assert values and {v["personal"] for v in values} == {"erased"}
    checked = verify(out)
    assert checked.returncode == 0 and checked.stdout.startswith("OK"), checked.stdout
