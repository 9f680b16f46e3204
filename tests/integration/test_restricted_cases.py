"""Restricted cases and denied attempts on SQLite and PostgreSQL (access.md, "Restricted cases";
"every denied attempt too"): the command line restricts and lifts, the case list's
``restricted_to`` follows, the access policy reads it from the row, and denials reach the
access log beside the reads, covered by the integrity chain, with nothing personal in a view."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from application.access_policy import (
    CaseScope,
    Visibility,
    case_visibility,
    may_execute,
    visible_cases,
)
from application.commands import AddNote
from application.principals import Grant, Principal, PrincipalKind, Role
from domain.errors import InvalidInput
from infrastructure.clock import FixedClock
from interfaces.bootstrap import build
from interfaces.cli import common
from interfaces.cli.main import main
from tests.e2e.support import recorded
from tests.integration.support import NOW, notify, seed, services_for
from tests.integration.test_audit import CALENDAR

WHY = "Staff at the hub know Anna's family"


@pytest.fixture
def services(database_url):
    s = services_for(database_url)
    seed(s)
    yield s
    s.close()


def run(url: str, capsys: pytest.CaptureFixture[str], *args: str, expect: int = 0) -> str:
    code = main(["--database", url, *args])
    out, err = capsys.readouterr()
    assert code == expect, f"caseledger {' '.join(args)} exited {code}: {out}\n{err}"
    return out if code == 0 else err


def every_view_row(services) -> str:
    with services.engine.connect() as conn:
        return json.dumps([[list(r) for r in conn.execute(sa.text(f"SELECT * FROM {table}"))]
                           for table in ("cases", "history", "access_log", "deadlines")])


def test_restriction_reaches_the_case_list_and_the_policy(services, database_url, monkeypatch,
                                                          capsys):
    """Given a DARDR case, when a coordinator restricts it to amy and bob on the command line,
    then the case list's row names them and a coordinator not named sees only the listing and
    may give no command, while amy reads it in full; the history shows the people, and why it
    was restricted is in no view. When the restriction is lifted, the row is unrestricted again;
    lifting twice is refused (exit 3) and recording nothing."""
    monkeypatch.setattr(common, "services_factory", lambda settings: build(
        settings, clock=FixedClock(NOW), calendar=CALENDAR))
    ref = notify(services)
    run(database_url, capsys, "case", "restrict", ref, "--people", "bob,amy", "--why", WHY,
        "--as", "coordinator")

    services.catch_up()
    [row] = services.views.list_cases("cumberland", None, None)
    assert json.loads(row["restricted_to"]) == ["amy", "bob"]
    carol = Principal("c", "carol", PrincipalKind.PERSON,
                      (Grant(Role.COORDINATOR, partnership="cumberland"),))
    amy = Principal("a", "amy", PrincipalKind.PERSON, carol.grants)
    scope = CaseScope.of(row)
    assert case_visibility(carol, scope) is Visibility.LISTING
    assert not may_execute(carol, AddNote, scope).allowed
    assert case_visibility(amy, scope) is Visibility.FULL
    [(entry, seen)] = visible_cases(carol, [row])
    assert seen is Visibility.LISTING and set(entry) <= {
        "case_id", "reference", "case_type", "partnership", "hub", "stage", "stage_since",
        "opened_on", "closed_on", "paused", "version", "second_report", "restricted_to"}

    history = json.loads(run(database_url, capsys, "case", "history", ref, "--json"))
    [restricted] = [h for h in history if h["event"] == "CaseRestricted"]
    assert restricted["data"]["people"] == ["amy", "bob"] and restricted["actor"] == recorded("coordinator")
    assert WHY not in every_view_row(services) and "Anna's family" not in every_view_row(services)

    run(database_url, capsys, "case", "unrestrict", ref, "--why", "Staff moved on",
        "--as", "coordinator")
    services.catch_up()
    [row] = services.views.list_cases("cumberland", None, None)
    assert row["restricted_to"] is None
    assert case_visibility(carol, CaseScope.of(row)) is Visibility.FULL
    before = services.app.recorder.max_notification_id()
    refusal = run(database_url, capsys, "case", "unrestrict", ref, "--why", "again", expect=3)
    assert "not restricted" in refusal
    run(database_url, capsys, "case", "restrict", ref, "--people", " ", "--why", WHY, expect=2)
    assert services.app.recorder.max_notification_id() == before


def test_denied_attempts_are_in_the_access_log(services, database_url, monkeypatch, capsys):
    """Given a case read once, when the policy refuses a hub officer's read and a command of an
    auditor, and an attempt on no one case, then the access log lists the read and the three
    denials in order (outcome, what, why), ``--denied`` only the denials; each denial is an
    event of the one store (the chain covers it) and the case's version is unchanged."""
    monkeypatch.setattr(common, "services_factory", lambda settings: build(
        settings, clock=FixedClock(NOW), calendar=CALENDAR))
    ref = notify(services)
    case = services.cases.load_case(ref)
    scope = CaseScope.of_case(case)
    hub_officer = Principal("h", "harry", PrincipalKind.PERSON,
                            (Grant(Role.HUB_OFFICER, partnership="cumberland", hub="allerdale"),))
    auditor = Principal("u", "una", PrincipalKind.PERSON,
                        (Grant(Role.AUDITOR, partnership="cumberland"),))
    assert case_visibility(hub_officer, scope) is Visibility.NONE
    refused = may_execute(auditor, AddNote, scope)
    assert not refused.allowed

    audit = services.audit
    minute = iter(range(1, 5))

    def later() -> None:
        services.clock.set(NOW + timedelta(minutes=next(minute)))

    later()
    audit.record_read(case.id, actor="una", what="show", purpose="QA sample")
    later()
    audit.record_denied(case.id, actor=hub_officer.actor, what="show",
                        why="Hub officers do not see DARDR cases.")
    later()
    audit.record_denied(str(case.id), actor=auditor.actor, what="execute AddNote",
                        why=refused.why, reference=ref)
    later()
    audit.record_denied(None, actor="harry", what="open dardr in cumberland",
                        why="Opening a dardr case in cumberland is outside your role.")

    shown = json.loads(run(database_url, capsys, "audit", "access", "--json"))
    assert [(r["outcome"], r["actor"], r["case"], r["what"], r["purpose"]) for r in shown] == [
        ("read", "una", ref, "show", "QA sample"),
        ("denied", "harry", ref, "show", None),
        ("denied", "una", ref, "execute AddNote", None),
        ("denied", "harry", None, "open dardr in cumberland", None),
    ]
    assert shown[1]["why"] == "Hub officers do not see DARDR cases."
    assert shown[2]["why"] == refused.why and shown[0]["why"] is None
    denied = json.loads(run(database_url, capsys, "audit", "access", "--denied", "--actor",
                            "harry", "--json"))
    assert [r["what"] for r in denied] == ["show", "open dardr in cumberland"]
    table = run(database_url, capsys, "audit", "access", "--case", ref)
    assert "denied" in table and "Hub officers do not see DARDR cases." in table

    denials = [n for n in services.app.recorder.select_notifications(start=1, limit=10_000)
               if n.topic.endswith(":CaseAccessDenied")]
    assert len(denials) == 3
    chain = services.integrity.verify().to_dict()
    assert chain["ok"] and chain["links"] == services.app.recorder.max_notification_id()
    assert services.cases.load_case(ref).version == case.version


def test_a_denial_names_its_attempt_on_one_line(services):
    """Given a case, when a denial's ``what`` holds a line break or is empty, then it is refused
    as invalid input and nothing is recorded."""
    ref = notify(services)
    before = services.app.recorder.max_notification_id()
    with pytest.raises(InvalidInput, match="one-line"):
        services.audit.record_denied(services.cases.resolve(ref), actor="harry",
                                     what="show\nAnna", why="Not in scope.")
    with pytest.raises(InvalidInput, match="Say what"):
        services.audit.record_denied(None, actor="harry", what=" ", why="Not in scope.")
    assert services.app.recorder.max_notification_id() == before
