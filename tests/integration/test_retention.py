"""Retention, legal holds and erasure on SQLite and PostgreSQL (application/retention.py): the
whole cycle of a published DARDR review and an ASB Case Review with a return document, from
``retention due`` through refusals, erasure (and finishing an interrupted one), a rebuild of
every read model, the integrity chain, ``case show``, the history, the board report, the
document and the keys."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa

from application.commands import AddNote
from application.commands.common import ErasePersonalData, LiftLegalHold, PlaceLegalHold
from application.demo import Scenario, recorded_time, run_demo
from application.demo import scenarios as dardr_scenarios
from application.demo_asb import open_asb
from application.demo_asb import scenarios as asb_scenarios
from application.documents import DocumentService, DocumentSettings
from application.reporting.render_json import render_json
from application.sealing import PERSONAL, is_seal, seal_context
from application.service import Meta
from domain.errors import NotFound, RuleRefused
from domain.setup import Agency
from infrastructure.clock import FixedClock
from infrastructure.database import is_postgres
from infrastructure.documents import SqlDocumentStore
from infrastructure.keys import data_keys
from interfaces.bootstrap import Services, build
from interfaces.cli import common
from interfaces.cli.main import main
from tests.integration.support import notify, seed, services_for
from tests.integration.test_audit import CALENDAR

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
LATER = datetime(2045, 8, 1, 12, 0, tzinfo=UTC)  # both cases' retention has ended
COORDINATOR = Meta(actor="coordinator")
WHY = "Claim by Arden Fellowes against the council"


READ_PURPOSE = "Ombudsman complaint 2031/7"


def run(url: str, capsys: pytest.CaptureFixture[str], *args: str, expect: int = 0) -> Any:
    code = main(["--database", url, *args, "--json"])
    out, err = capsys.readouterr()
    assert code == expect, f"caseledger {' '.join(args)} exited {code}: {out}\n{err}"
    return json.loads(out) if code == 0 else err


def cases(services: Services) -> tuple[str, str, str]:
    """Given: a DARDR review published on 10 July 2025 and closed on 9 January 2026 (demo); an
    ASB Case Review closed on 22 August 2025 whose police information return came as a
    document; the document's id."""
    ctx = services.cases.context(Meta(actor="admin", on="2024-04-01"))
    services.app.save(Agency.register(ctx, "home-group", "Home Group", "other", ["cumberland"]))
    clock = services.clock
    assert isinstance(clock, FixedClock)
    [dardr_story] = [s for s in dardr_scenarios() if s.key == "closed"]
    [asb_story] = [s for s in asb_scenarios() if s.key == "asb-closed"]
    first, rest = asb_story.steps[:1], [s for s in asb_story.steps[1:]
                                        if getattr(s.command, "agency", None) != "cumbria-police"]
    refs = run_demo(services.cases, clock.set,
                    stories=[dardr_story, Scenario("asb", "cumberland", asb_story.notify, first,
                                                   kind="asb")],
                    openers={"asb": open_asb})
    clock.set(recorded_time("2025-05-13"))
    docs = documents(services)
    document = docs.submit(refs["asb"], "cumbria-police", "information", PDF, "application/pdf",
                           "Arden Fellowes police return.pdf", Meta(actor="police", on="2025-05-13"))
    for step in rest:
        clock.set(recorded_time(step.on))
        services.cases.execute(refs["asb"], step.command, Meta(actor="coordinator", on=step.on))
    clock.set(LATER)
    return refs["closed"], refs["asb"], document.document_id


def documents(services: Services) -> DocumentService:
    store = SqlDocumentStore(services.engine, services.app.personal_data)
    return DocumentService(services.cases, store, services.clock, DocumentSettings())


def board(services: Services) -> bytes:
    return render_json(services.reports.board(partnership="cumberland", date_from=date(2025, 4, 1),
                                              date_to=date(2026, 3, 31)))


def sealed_personal(services: Services, case_id: str) -> tuple[bytes, bytes]:
    """A stored seal of the case's opening event, and the context it was sealed in."""
    [stored] = services.app.recorder.select_events(UUID(case_id), limit=1)
    state = json.loads(stored.state)
    assert is_seal(state[PERSONAL])
    return (base64.b64decode(state[PERSONAL]["data"]),
            seal_context(stored.originator_id, stored.originator_version, stored.topic))


@pytest.fixture
def services(database_url: str):
    built = services_for(database_url)
    seed(built)
    yield built
    built.close()


def test_the_retention_cycle_hold_refusals_erasure_rebuild_and_keys(services, database_url,
                                                                    monkeypatch, capsys):
    """Given a closed published DARDR review and a closed ASB review with a return document,
    when ``retention due`` is asked in 2031 nothing is due and in 2045 both are; then erasure
    is refused for an open case, a held case, before retention ends, and once done; a command
    after erasure is refused. When the ASB case is erased on the command line and the DARDR's
    erasure is interrupted before its key is destroyed, then ``retention due`` lists it to
    finish and erasing again finishes it recording nothing. After a rebuild of every read
    model the chain verifies, ``case show`` says erased and shows nothing personal, the history
    reads with the new facts, the board report is byte for byte what it was, the document says
    erased, the seals no longer open even with the master key, and (SQLite) the wrapped keys'
    bytes are in neither the database file nor its write-ahead log."""
    monkeypatch.setattr(common, "services_factory", lambda settings: build(
        settings, clock=FixedClock(LATER), calendar=CALENDAR))
    dardr, asb, document_id = cases(services)
    ids = {ref: str(services.cases.resolve(ref)) for ref in (dardr, asb)}
    open_ref = notify(services, on="2026-01-31")
    services.catch_up()
    report_before = board(services)
    with services.engine.connect() as conn:
        wrapped = [bytes(w) for (w,) in conn.execute(
            sa.select(data_keys.c.wrapped).where(data_keys.c.owner_id.in_(list(ids.values()))))]
    assert len(wrapped) == 2

    # A read's purpose is sealed under its case's key (no key of its own): erasure takes it too.
    def key_rows() -> int:
        with services.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(data_keys)).scalar_one())

    rows = key_rows()
    services.audit.record_read(ids[asb], actor="inspector", what="show", purpose=READ_PURPOSE)
    assert key_rows() == rows
    assert READ_PURPOSE in [a["purpose"] for a in services.audit.access(case=asb)]

    early = run(database_url, capsys, "retention", "due", "--as-at", "2031-01-01")
    assert early["due"] == [] and early["held"] == []
    due = run(database_url, capsys, "retention", "due", "--as-at", "2045-08-01",
              "--partnership", "cumberland")
    assert [(e["reference"], e["retention_started"], e["due"]) for e in due["due"]] == [
        (asb, "2025-08-22", "2031-08-22"), (dardr, "2025-07-10", "2045-07-10")]
    assert due["due"][1]["rule"] == "20 years after publication (after closure when not published)"

    with pytest.raises(RuleRefused, match="is open"):
        services.cases.execute(open_ref, ErasePersonalData(), COORDINATOR)
    with pytest.raises(RuleRefused, match="ends on 2031-08-22"):
        services.cases.execute(asb, ErasePersonalData(), Meta(actor="c", on="2031-08-21"))
    services.cases.execute(dardr, PlaceLegalHold(label="LIT-2045-01", why=WHY), COORDINATOR)
    with pytest.raises(RuleRefused, match="under legal hold"):
        services.cases.execute(dardr, ErasePersonalData(), COORDINATOR)
    held = run(database_url, capsys, "retention", "due", "--as-at", "2045-08-01")
    assert [(e["reference"], e["holds"]) for e in held["held"]] == [(dardr, ["LIT-2045-01"])]
    services.cases.execute(dardr, LiftLegalHold(label="LIT-2045-01", why="Settled"), COORDINATOR)

    erased = run(database_url, capsys, "case", "erase", asb, "--as", "coordinator")
    assert erased["reference"] == asb
    assert "was erased on 2045-08-01" in run(database_url, capsys, "case", "erase", asb, expect=3)
    refusal = run(database_url, capsys, "case", "add-note", asb, "--text", "x", expect=3)
    assert "personal data was erased on 2045-08-01" in refusal
    with pytest.raises(RuleRefused, match="was erased"):
        services.cases.execute(asb, AddNote(text="again"), COORDINATOR)

    keys = services.keys
    assert keys is not None
    real_destroy = keys.cipher.destroy
    monkeypatch.setattr(keys.cipher, "destroy", lambda owner: False)  # a crash before destroying
    services.cases.execute(dardr, ErasePersonalData(), COORDINATOR)
    monkeypatch.setattr(keys.cipher, "destroy", real_destroy)
    unfinished = run(database_url, capsys, "retention", "due", "--as-at", "2045-08-01")
    assert [e["reference"] for e in unfinished["erasures_to_finish"]] == [dardr]
    assert unfinished["due"] == []
    version = services.cases.load_case(dardr).version
    finished = services.cases.execute(dardr, ErasePersonalData(), COORDINATOR)
    assert finished.version == version and finished.notification_id is None
    with pytest.raises(RuleRefused, match="was erased"):
        services.cases.execute(dardr, ErasePersonalData(), COORDINATOR)
    assert run(database_url, capsys, "retention", "due", "--as-at", "2045-08-01")[
        "erasures_to_finish"] == []

    services.projections.rebuild()
    assert services.integrity.verify().ok
    shown = run(database_url, capsys, "case", "show", dardr)
    assert shown["personal_data_erased"]["on"].startswith("2045-08-01")
    assert shown["personal_data_erased"]["rule"]["years"] == 20
    assert not shown.get("personal")
    events = [row["event"] for row in services.views.history(ids[dardr])]
    assert events[-3:] == ["LegalHoldPlaced", "LegalHoldLifted", "PersonalDataErased"]
    assert WHY not in json.dumps(list(services.views.history(ids[dardr])), default=str)
    assert board(services) == report_before
    # Another process (the command line erased the ASB case) caches a key for a short while
    # (infrastructure/keys.py); a process started afterwards reads it as erased at once.
    after = services_for(database_url, now=LATER)
    try:
        with pytest.raises(NotFound, match="erased"):
            documents(after).download(asb, document_id)
        assert after.keys is not None
        for ref in (dardr, asb):
            sealed, context = sealed_personal(after, ids[ref])
            assert after.keys.cipher.open(UUID(ids[ref]), context, sealed) is None
        purposes = [a["purpose"] for a in after.audit.access(case=asb)]
        assert READ_PURPOSE not in purposes and None in purposes
    finally:
        after.close()
    if not is_postgres(database_url):
        path = Path(services.engine.url.database or "")
        stored = path.read_bytes() + (Path(f"{path}-wal").read_bytes()
                                      if Path(f"{path}-wal").exists() else b"")
        assert not any(w in stored for w in wrapped)
