"""A DARDR review driven through the real command line, on SQLite and PostgreSQL.

Every run is a subprocess of ``python -m interfaces.cli.main`` against a fresh database
set up with ``caseledger partnership import --example cumbria``. "Now" is the real clock, so every
``--on`` is a date in the past (2026); deadline statuses are judged with ``--as-at``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from infrastructure.clock import FixedClock
from interfaces import bootstrap
from interfaces.cli import common
from tests.e2e.support import AS_RECORDED, REF, Cli, notify, recorded

LONDON = ZoneInfo("Europe/London")
RESULT_KEYS = {"id", "reference", "version", "stage"}


def step(cli: Cli, verb: str, *args: str, stage: str, ref: str = REF) -> dict:
    """``caseledger dardr VERB REF … --json``: the result names the case and its new stage."""
    result = cli.json("dardr", verb, ref, *args)
    assert set(result) >= RESULT_KEYS, result
    assert result["reference"] == ref
    assert result["stage"] == stage, (verb, result)
    return result


# --------------------------------------------------------------------------- the whole review


def test_a_review_from_notification_to_closure(cli: Cli):
    created = notify(cli)
    assert set(created) == RESULT_KEYS
    assert created["reference"] == REF and created["stage"] == "notified" and created["version"] == 2

    # People get a one-line summary; machines get JSON.
    human = cli("dardr", "start-scoping", REF, "--agencies", "cumbria-police,probation",
                "--on", "2026-01-29")
    assert re.fullmatch(rf"{REF} → scoping \(version (\d+)\)\n", human.out), human.out
    assert human.err == ""
    version = int(re.findall(r"version (\d+)", human.out)[0])
    assert cli.show()["version"] == version

    step(cli, "record-family-contact", "--text", "Letter to the sister", "--on", "2026-02-02",
         stage="scoping")
    step(cli, "offer-advocacy", "--provider", "AAFDA", "--on", "2026-02-02", stage="scoping")
    step(cli, "receive-return", "--agency", "cumbria-police", "--kind", "scoping",
         "--on", "2026-02-05", stage="scoping")
    step(cli, "accept-return", "--agency", "cumbria-police", "--kind", "scoping",
         "--on", "2026-02-06", stage="scoping")
    step(cli, "decide", "--outcome", "review", "--rationale", "s.9 criteria met",
         "--on", "2026-02-16", stage="commissioning")
    step(cli, "notify-home-office", "--on", "2026-02-18", stage="commissioning")
    step(cli, "appoint-chair", "--name", "Chris Chair", "--on", "2026-03-02", stage="commissioning")
    step(cli, "add-panel-member", "--agency", "cumbria-police", "--name", "DI Example",
         "--role", "police lead", "--on", "2026-03-03", stage="commissioning")
    step(cli, "record-panel-meeting", "--on", "2026-03-10", stage="commissioning")
    step(cli, "agree-terms", "--period-from", "2023-01-01", "--period-to", "2026-01-15",
         "--agencies", "cumbria-police,probation,cumberland-council", "--on", "2026-03-10",
         stage="evidence-gathering")
    linked = step(cli, "link-process", "--kind", "criminal", "--reference", "CR/2026/123",
                  "--on", "2026-03-12", stage="evidence-gathering")
    assert linked["created"] == "P1"
    step(cli, "update-process", "--process", "P1", "--status", "trial listed",
         "--key-date", "trial=2026-06-01", "--on", "2026-03-20", stage="evidence-gathering")
    for agency in ("cumbria-police", "probation", "cumberland-council"):
        step(cli, "receive-return", "--agency", agency, "--kind", "imr", "--on", "2026-04-20",
             stage="evidence-gathering")
    step(cli, "circulate-draft", "--on", "2026-05-01", stage="drafting")
    action = step(cli, "add-action", "--recommendation", "Train call handlers on coercive control",
                  "--owner", "cumbria-police", "--level", "single-agency", "--due", "2026-10-01",
                  "--on", "2026-05-05", stage="drafting")
    assert action["created"] == "A1"
    step(cli, "circulate-draft", "--version", "2", "--on", "2026-05-20", stage="drafting")
    step(cli, "show-family-draft", "--version", "2", "--on", "2026-05-25", stage="drafting")
    step(cli, "agree-report", "--version", "2", "--on", "2026-06-15", stage="local-sign-off")
    step(cli, "sign-off", "--on", "2026-06-20", stage="local-sign-off")
    step(cli, "send-commissioner-copy", "--on", "2026-06-22", stage="local-sign-off")
    step(cli, "adopt-action-plan", "--on", "2026-06-22", stage="local-sign-off")
    step(cli, "submit", "--version", "2", "--on", "2026-06-25", stage="submitted-to-home-office")
    step(cli, "record-qa-outcome", "--outcome", "approved-subject-to-amendments",
         "--points", "Clarify the chronology", "--points", "Add the GP's contact",
         "--on", "2026-08-01", stage="amending")
    step(cli, "complete-amendments", "--on", "2026-08-20", stage="approved")
    step(cli, "defer-publication", "--deferral", "criminal-proceedings",
         "--reason", "trial not concluded", "--on", "2026-08-21", stage="approved")

    # Publication waits for the criminal process unless overridden with a reason.
    error = cli.fails(3, "dardr", "publish", REF, "--url", "https://example.org/dhr.pdf",
                      "--on", "2026-08-25")
    assert "criminal process (P1) is still open" in error["message"]

    step(cli, "conclude-process", "--process", "P1", "--outcome", "convicted",
         "--on", "2026-09-01", stage="approved")
    step(cli, "publish", "--url", "https://example.org/dhr.pdf", "--on", "2026-09-10",
         stage="published")
    step(cli, "update-action", "--action", "A1", "--rag", "green", "--note", "training booked",
         "--on", "2026-09-15", stage="published")

    # A published review does not close while an action is open; the message lists it.
    error = cli.fails(3, "dardr", "close", REF, "--outcome", "complete", "--on", "2026-09-20")
    assert "A1 (cumbria-police, due 2026-10-01)" in error["message"]

    step(cli, "close-action", "--action", "A1", "--evidence", "all call handlers trained",
         "--on", "2026-09-30", "--as", "police-lead", stage="published")
    closed = step(cli, "close", "--outcome", "action plan complete", "--on", "2026-10-01",
                  stage="closed")

    case = cli.show()
    assert case["stage"] == "closed" and case["version"] == closed["version"]
    assert case["opened_on"] == "2026-01-20" and case["closed_on"] == "2026-10-01"
    assert case["type"] == "dardr" and case["partnership"] == "cumberland"
    assert case["paused"] is False
    status = {d["name"]: d["status"] for d in case["deadlines"]}
    for name in ("decision", "home-office-notification", "chair-appointment", "review-completion",
                 "commissioner-copy", "publication", "action:A1",
                 "return:cumbria-police:scoping", "return:cumberland-council:imr"):
        assert status[name] == "met", (name, status)
    assert status["return:probation:scoping"] == "cancelled"  # never received; closed with the case
    returns = {(r["agency"], r["kind"]): r["status"] for r in case["returns"]}
    assert returns[("cumbria-police", "scoping")] == "accepted"
    assert returns[("probation", "imr")] == "received"
    assert case["actions"] == [{"id": "A1", "owner": "cumbria-police", "level": "single-agency",
                                "due": case["actions"][0]["due"], "rag": "green",
                                "status": "closed"}]
    assert case["parallel_processes"][0]["status"] == "concluded"
    assert case["parallel_processes"][0]["key_dates"] == {"trial": "2026-06-01"}
    details = case["details"]
    assert details["decision"] == "review" and details["qa_outcome"] == "approved-subject-to-amendments"
    assert details["published_on"] == "2026-09-10" and details["draft_version"] == 2

    listed = cli.json("case", "list")
    assert [(c["reference"], c["stage"], c["version"]) for c in listed] == \
        [(REF, "closed", case["version"])]

    history = cli.json("case", "history", REF)
    assert [h["version"] for h in history] == list(range(1, case["version"] + 1))
    assert history[0]["event"] == "DeathNotified" and history[0]["effective"] == "2026-01-20"
    assert {h["actor"] for h in history} == {AS_RECORDED, recorded("police-lead")}
    deferred = next(h for h in history if h["event"] == "PublicationDeferred")
    assert deferred["reason"] == "trial not concluded"
    assert deferred["data"] == {"deferral": "criminal-proceedings"}
    # Personal data (pseudonym, names, free text) never reaches the audit view.
    text = json.dumps(history)
    for personal in ("Anna", "Chris Chair", "DI Example", "Letter to the sister",
                     "coercive control", "CR/2026/123"):
        assert personal not in text


# --------------------------------------------------------------------------- errors


def test_exit_codes_and_messages_and_refusals_record_nothing(cli: Cli):
    notify(cli)
    cli.json("dardr", "start-scoping", REF, "--agencies", "cumbria-police,probation",
             "--on", "2026-01-29")
    before = cli.show()
    history_before = cli.json("case", "history", REF)

    # 4: unknown partnership, agency, reference.
    error = cli.fails(4, "dardr", "notify", "--partnership", "nowhere", "--on", "2026-01-20",
                      "--date-of-death", "2026-01-15", "--victim-pseudonym", "Bea",
                      "--notified-by", "cumbria-police", "--relationship", "family",
                      "--death-type", "homicide")
    assert error["code"] == "not-found" and "Unknown partnership 'nowhere'" in error["message"]
    error = cli.fails(4, "dardr", "request-return", REF, "--agency", "nobody", "--kind", "imr",
                      "--on", "2026-02-01")
    assert "Unknown agency 'nobody'" in error["message"]
    error = cli.fails(4, "dardr", "notify", "--partnership", "cumberland", "--on", "2026-01-20",
                      "--date-of-death", "2026-01-15", "--victim-pseudonym", "Bea",
                      "--notified-by", "lsc-icb", "--relationship", "family",
                      "--death-type", "homicide")
    assert "'lsc-icb' does not work with partnership 'cumberland'" in error["message"]
    error = cli.fails(4, "case", "show", "CUM-DARDR-2026-099")
    assert error == {"code": "not-found", "message": "No case with reference CUM-DARDR-2026-099."}
    assert cli.fails(4, "dardr", "add-note", "CUM-DARDR-2025-001", "--text", "x")["code"] == \
        "not-found"

    # 2: malformed input says what is allowed.
    error = cli.fails(2, "dardr", "decide", REF, "--outcome", "review", "--rationale", "r",
                      "--on", "2026-02-30")
    assert error["code"] == "invalid-input"
    assert "'2026-02-30' is not a date or date-time; use YYYY-MM-DD" in error["message"]
    error = cli.fails(2, "dardr", "request-return", REF, "--agency", "probation",
                      "--kind", "chronology", "--due", "next week", "--on", "2026-02-01")
    assert error["message"].startswith("--due: 'next week' is not a date")
    error = cli.fails(2, "dardr", "decide", REF, "--outcome", "maybe", "--rationale", "r")
    assert "'maybe' is not one of 'review', 'no-review', 'joint-review', 'referred'" in \
        error["message"]
    error = cli.fails(2, "dardr", "circulate-draft", REF, "--version", "two")
    assert "--version" in error["message"]
    assert cli.fails(2, "dardr", "decide", REF, "--bogus")["code"] == "invalid-input"
    error = cli.fails(2, "case", "show", "not-a-reference")
    assert "references look like CUM-DARDR-2026-003" in error["message"]
    error = cli.fails(2, "dardr", "request-return", REF, "--agency", "probation",
                      "--kind", "essay", "--on", "2026-02-01")
    assert "use one of scoping, chronology, imr, short-report, information" in error["message"]

    # 3: a date in the future; a decision before the notification; the wrong stage.
    error = cli.fails(3, "dardr", "add-note", REF, "--text", "x", "--on", "2027-01-05")
    assert error["code"] == "date-rule" and "is in the future" in error["message"]
    error = cli.fails(3, "dardr", "decide", REF, "--outcome", "review", "--rationale", "r",
                      "--on", "2026-01-10")
    assert error["code"] == "date-rule"
    assert "2026-01-10 is earlier than the opening of the case (2026-01-20)" in error["message"]
    error = cli.fails(3, "dardr", "notify", "--partnership", "cumberland", "--on", "2026-01-10",
                      "--date-of-death", "2026-01-15", "--victim-pseudonym", "Bea",
                      "--notified-by", "cumbria-police", "--relationship", "family",
                      "--death-type", "homicide")
    assert "before the date of death" in error["message"]
    error = cli.fails(3, "dardr", "agree-report", REF, "--on", "2026-02-01")
    assert error["code"] == "wrong-stage"
    assert f"'agree-report' is not allowed while {REF} is at stage 'scoping'" in error["message"]
    assert "Allowed at 'scoping': " in error["message"] and "decide" in error["message"]

    # People get "error: message" on stderr and nothing on stdout.
    plain = cli("dardr", "agree-report", REF, "--on", "2026-02-01", expect=3)
    assert plain.out == ""
    assert plain.err.startswith(f"error: 'agree-report' is not allowed while {REF}")
    usage = cli("dardr", "decide", REF, "--outcome", "maybe", "--rationale", "r", expect=2)
    assert "error: Invalid value for '--outcome'" in usage.err and usage.out == ""

    # Nothing was recorded by any refused command.
    after = cli.show()
    assert after["version"] == before["version"] and after["stage"] == "scoping"
    assert cli.json("case", "history", REF) == history_before
    assert [c["reference"] for c in cli.json("case", "list")] == [REF]


# --------------------------------------------------------------------------- queries


def test_deadlines_overdue_as_at_a_date(cli: Cli):
    notify(cli)
    cli.json("dardr", "start-scoping", REF, "--agencies", "cumbria-police,probation",
             "--on", "2026-01-29")
    cli.json("dardr", "receive-return", REF, "--agency", "cumbria-police", "--kind", "scoping",
             "--on", "2026-02-05")

    rows = cli.json("deadlines", "--overdue", "--as-at", "2026-04-01")
    assert [{k: r[k] for k in ("case", "name", "status", "responsible", "days_overdue")}
            for r in rows] == [
        {"case": REF, "name": "return:probation:scoping", "status": "overdue",
         "responsible": "probation", "days_overdue": 48},
        {"case": REF, "name": "decision", "status": "overdue", "responsible": "partnership",
         "days_overdue": 40},
    ]
    assert [r["due"][:10] for r in rows] == ["2026-02-12", "2026-02-20"]

    # Nothing was overdue yet on 1 February; both scoping returns fell due within 10 working
    # days (the police return, received on 5 February, was still open on 1 February).
    assert cli.json("deadlines", "--overdue", "--as-at", "2026-02-01") == []
    soon = cli.json("deadlines", "--as-at", "2026-02-01", "--due-within", "10wd")
    assert [(r["name"], r["status"]) for r in soon] == [
        ("return:cumbria-police:scoping", "open"), ("return:probation:scoping", "open")]
    assert [r["name"] for r in cli.json("deadlines", "--agency", "probation",
                                        "--as-at", "2026-04-01")] == ["return:probation:scoping"]
    assert cli.json("deadlines", "--partnership", "westmorland-furness") == []
    assert len(cli.json("deadlines", "--case", REF, "--type", "dardr")) == 2

    table = cli("deadlines", "--overdue", "--as-at", "2026-04-01").out
    assert "days overdue" in table and "48" in table
    assert "Scoping response from Probation Service (Cumbria and Lancashire)" in table
    assert "is not a period" in cli.fails(2, "deadlines", "--due-within", "ten days")["message"]


@pytest.fixture
def ticking_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """One clock for every command of the test, a second on each time it is read: successive
    commands are recorded seconds apart, without waiting for the wall clock."""
    clock = FixedClock(datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1),
                       step=timedelta(seconds=1))
    monkeypatch.setattr(common, "services_factory",
                        lambda settings: bootstrap.build(settings, clock=clock))


def test_case_show_at_a_version_as_known_at_and_as_effective_at(cli: Cli, ticking_clock: None):
    notify(cli)
    first = cli.json("case", "history", REF)
    assert cli.show(REF, "--at-version", "1")["version"] == 1
    cli.json("dardr", "start-scoping", REF, "--agencies", "cumbria-police,probation",
             "--on", "2026-01-29")
    cli.json("dardr", "decide", REF, "--outcome", "review", "--rationale", "criteria met",
             "--on", "2026-02-16")
    history = cli.json("case", "history", REF)
    now = cli.show()
    assert now["stage"] == "commissioning" and now["version"] == history[-1]["version"]

    at_2 = cli.show(REF, "--at-version", "2")
    assert (at_2["stage"], at_2["version"]) == ("notified", 2)
    assert [d["name"] for d in at_2["deadlines"]] == ["decision"]

    # As effective at 1 February: scoping had started; the decision was not yet due.
    feb = cli.show(REF, "--as-effective-at", "2026-02-01")
    assert feb["stage"] == "scoping"
    assert feb["version"] == max(h["version"] for h in history if h["effective"] <= "2026-02-01")
    assert feb["as_at"] == "2026-02-01T23:59:59+00:00"
    assert {d["name"]: d["status"] for d in feb["deadlines"]}["decision"] == "open"
    assert {r["status"] for r in feb["returns"]} == {"requested"}
    march = cli.show(REF, "--as-effective-at", "2026-03-01")
    statuses = {d["name"]: d["status"] for d in march["deadlines"]}
    assert march["stage"] == "commissioning"
    assert statuses["decision"] == "met" and statuses["return:probation:scoping"] == "overdue"
    assert cli.fails(4, "case", "show", REF, "--as-effective-at", "2026-01-19")["code"] == "not-found"

    # As known at a moment after the notification was recorded and before scoping was.
    notified_at = datetime.fromisoformat(first[-1]["recorded"])
    moment = notified_at.replace(microsecond=0) + timedelta(seconds=1)
    scoping_at = datetime.fromisoformat(next(h for h in history
                                             if h["event"] == "ScopingStarted")["recorded"])
    assert notified_at < moment < scoping_at
    known = cli.show(REF, "--as-known-at", moment.isoformat())
    assert (known["stage"], known["version"]) == ("notified", 2)
    today = datetime.fromisoformat(history[-1]["recorded"]).astimezone(LONDON).date()
    assert cli.show(REF, "--as-known-at", today.isoformat())["version"] == now["version"]
    error = cli.fails(4, "case", "show", REF, "--as-known-at",
                      (notified_at.astimezone(LONDON).date() - timedelta(days=1)).isoformat())
    assert "was not yet recorded" in error["message"]

    # One way of travelling at a time; versions that exist; well-formed times.
    error = cli.fails(2, "case", "show", REF, "--at-version", "2", "--as-known-at", "2026-03-01")
    assert "only one of --at-version, --as-known-at and --as-effective-at" in error["message"]
    assert "there is no version 99" in cli.fails(2, "case", "show", REF, "--at-version", "99")["message"]
    assert cli.fails(2, "case", "show", REF, "--as-effective-at", "March")["code"] == "invalid-input"

    # The UUID addresses the case as well as the reference; people get a readable block.
    assert cli.show(now["id"])["reference"] == REF
    block = cli("case", "show", REF, "--as-effective-at", "2026-03-01").out
    assert "stage" in block and "Commissioning the review" in block
    assert re.search(r"Scoping response from Probation Service \(Cumbria and Lancashire\)\s+"
                     r"2026-02-12\s+overdue\s+Probation Service \(Cumbria and Lancashire\)\s+17\b",
                     block), block


def test_case_history_as_csv(cli: Cli):
    created = notify(cli)
    cli.json("dardr", "add-note", REF, "--text", "Phoned the family liaison officer",
             "--reason", "late entry", "--as", "analyst", "--on", "2026-01-21")
    out = cli("case", "history", REF, "--csv").out
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ["version", "event", "effective", "recorded", "actor", "reason",
                             "basis", "data"]
    assert [r["version"] for r in rows] == ["1", "2", "3"]
    assert [r["event"] for r in rows] == ["DeathNotified", "DeadlineSet", "NoteAdded"]
    assert rows[0]["actor"] == AS_RECORDED and rows[0]["effective"] == "2026-01-20"
    assert rows[0]["basis"].startswith("statute: DVCVA 2004 s.9(1)")
    assert json.loads(rows[0]["data"])["reference"] == REF
    assert json.loads(rows[1]["data"])["name"] == "decision"
    assert (rows[2]["actor"], rows[2]["reason"], rows[2]["effective"]) == \
        (recorded("analyst"), "late entry", "2026-01-21")
    assert datetime.fromisoformat(rows[2]["recorded"]) <= datetime.now(UTC)
    assert "Anna" not in out and "liaison" not in out
    assert len(cli.json("case", "history", created["id"])) == 3
    assert "either --json or --csv" in cli.fails(2, "case", "history", REF, "--csv")["message"]
    assert cli.fails(4, "case", "history", "CUM-DARDR-2026-002")["code"] == "not-found"


def test_projections_rebuild_gives_the_same_views(cli: Cli):
    notify(cli)
    notify(cli, "2026-02-03", "2026-02-01", "westmorland-furness")
    cli.json("dardr", "start-scoping", REF, "--agencies", "cumbria-police,probation",
             "--on", "2026-01-29")
    cli.json("dardr", "decide", REF, "--outcome", "review", "--rationale", "criteria met",
             "--on", "2026-02-16")
    cli.json("dardr", "pause", "WAF-DARDR-2026-001", "--reason", "awaiting the inquest",
             "--on", "2026-02-10")
    cases_before = cli.json("case", "list")
    deadlines_before = cli.json("deadlines", "--as-at", "2026-04-01")
    history_before = cli.json("case", "history", REF)
    assert [c["reference"] for c in cases_before] == [REF, "WAF-DARDR-2026-001"]
    assert [c["paused"] for c in cases_before] == [False, True]

    run = cli("projections", "rebuild", "--json")
    rebuilt = run.json()
    assert rebuilt["events"] > 0 and rebuilt["position"] >= rebuilt["events"]
    assert "rebuilding views: applied events up to notification" in run.err

    assert cli.json("case", "list") == cases_before
    assert cli.json("deadlines", "--as-at", "2026-04-01") == deadlines_before
    assert cli.json("case", "history", REF) == history_before
    assert cli.json("case", "list", "--partnership", "westmorland-furness") == cases_before[1:]
    assert cli.json("case", "list", "--stage", "commissioning", "--type", "dardr") == cases_before[:1]
    table = cli("case", "list").out.splitlines()
    assert table[0].split() == ["reference", "type", "partnership", "hub", "stage", "opened",
                                "version", "paused"]
    assert "Views rebuilt from" in cli("projections", "rebuild").out


# --------------------------------------------------------------------------- statutory duties


def to_approved(cli: Cli, *, notify_home_office: bool = True,
                qa: tuple[str, ...] = ("--outcome", "approved")) -> None:
    """A review from notification to QA approval, without the Commissioner's copy."""
    notify(cli)
    for verb, *args in (
        ("start-scoping", "--agencies", "cumbria-police", "--on", "2026-01-29"),
        ("decide", "--outcome", "review", "--rationale", "s.9 criteria met", "--on", "2026-02-16"),
        *([("notify-home-office", "--on", "2026-02-18")] if notify_home_office else []),
        ("record-family-contact", "--text", "Letter to the sister", "--on", "2026-02-20"),
        ("appoint-chair", "--name", "Chris Chair", "--on", "2026-03-02"),
        ("add-panel-member", "--agency", "cumbria-police", "--name", "DI Example",
         "--role", "police lead", "--on", "2026-03-03"),
        ("agree-terms", "--period-from", "2023-01-01", "--period-to", "2026-01-15",
         "--agencies", "cumbria-police", "--on", "2026-03-10"),
        ("circulate-draft", "--on", "2026-05-01"),
        ("agree-report", "--on", "2026-06-15"),
        ("sign-off", "--on", "2026-06-20"),
        ("submit", "--on", "2026-06-25"),
        ("record-qa-outcome", *qa, "--on", "2026-08-01"),
    ):
        cli.json("dardr", verb, REF, *args)


def test_closing_without_the_commissioner_copy_is_refused_unless_a_reason_is_given(cli: Cli):
    """DVCVA 2004 s.9(3B): the copy to the Domestic Abuse Commissioner; exit 3 (rule refusal)."""
    to_approved(cli)
    cli.json("dardr", "publish", REF, "--url", "https://example.org/dhr.pdf", "--on", "2026-08-10")
    version = cli.show()["version"]
    error = cli.fails(3, "dardr", "close", REF, "--outcome", "complete", "--on", "2026-08-20")
    assert "Domestic Abuse Commissioner (DVCVA 2004 s.9(3B)) has not been sent" in error["message"]
    assert "Anna" not in error["message"]
    assert cli.show()["version"] == version
    step(cli, "close", "--outcome", "complete", "--reason", "copy sent by the chair, unlogged",
         "--on", "2026-08-20", stage="closed")
    names = [e["event"] for e in cli.json("case", "history", REF)]
    assert "DutyOutstandingAtClosure" in names


def test_withholding_publication_needs_a_reason(cli: Cli):
    """Exceptional circumstances (statutory guidance 2016; Hansard (Lords) 27 January 2021):
    withholding without a reason is invalid input, exit 2; with one the review closes."""
    to_approved(cli)
    cli.json("dardr", "send-commissioner-copy", REF, "--on", "2026-08-02")
    error = cli.fails(2, "dardr", "withhold-publication", REF, "--on", "2026-08-10")
    assert error["code"] == "invalid-input" and "--reason" in error["message"]
    step(cli, "withhold-publication", "--reason", "publication would identify the children",
         "--on", "2026-08-10", stage="closed")
    assert cli.show()["details"]["publication_withheld"] == "2026-08-10"


def test_an_under_16_death_is_refused_a_review_and_referred_to_a_cspr(cli: Cli):
    """DVCVA 2004 s.9(1): aged 16 or over; a child's death is for a CSPR (Children Act 2004
    s.16F). Exit 3 for the refusal; the referral is recorded."""
    cli.json("dardr", "notify", "--partnership", "cumberland", "--on", "2026-01-20",
             "--date-of-death", "2026-01-15", "--victim-pseudonym", "Anna",
             "--notified-by", "cumbria-police", "--relationship", "family",
             "--death-type", "homicide", "--age-band", "under-16")
    cli.json("dardr", "start-scoping", REF, "--agencies", "cumbria-police", "--on", "2026-01-29")
    error = cli.fails(3, "dardr", "decide", REF, "--outcome", "review", "--rationale", "r",
                      "--on", "2026-02-16")
    assert "Child Safeguarding Practice Review" in error["message"]
    assert "Anna" not in error["message"]
    step(cli, "decide", "--outcome", "referred", "--other-review", "cspr",
         "--rationale", "child death: CSPR", "--on", "2026-02-16", stage="decided-no-review")
    assert cli.show()["details"]["other_review"] == "cspr"


def test_resubmission_is_refused_while_a_qa_point_is_open(cli: Cli):
    """Statutory guidance (2016), Home Office QA Panel: its points are addressed before the
    report goes back (the refusal is assumed local practice). Exit 3; then addressed, closed,
    resubmitted."""
    to_approved(cli, qa=("--outcome", "resubmission-required", "--points", "Add the analysis",
                         "--letter-dated", "2026-07-30"))
    error = cli.fails(3, "dardr", "submit", REF, "--on", "2026-08-10")
    assert "Q1 are not closed" in error["message"]
    step(cli, "address-qa-point", "--point", "Q1", "--text", "analysis added", "--on", "2026-08-05",
         stage="amending")
    step(cli, "close-qa-point", "--point", "Q1", "--on", "2026-08-06", stage="amending")
    step(cli, "submit", "--on", "2026-08-10", stage="submitted-to-home-office")
    assert cli.show()["details"]["qa_points"] == {"Q1": "closed"}


def test_a_chair_who_is_not_independent_needs_a_reason_and_terms_keep_key_lines(cli: Cli):
    """Statutory guidance (2016): an independent chair; terms of reference with key lines of
    enquiry. Exit 3 without a reason; with one the appointment is recorded."""
    notify(cli)
    cli.json("dardr", "start-scoping", REF, "--agencies", "cumbria-police", "--on", "2026-01-29")
    cli.json("dardr", "decide", REF, "--outcome", "review", "--rationale", "s.9 met",
             "--on", "2026-02-16")
    error = cli.fails(3, "dardr", "appoint-chair", REF, "--name", "Pat Internal",
                      "--not-independent", "--on", "2026-03-02")
    assert "not independent" in error["message"] and "Pat" not in error["message"]
    step(cli, "appoint-chair", "--name", "Pat Internal", "--not-independent",
         "--reason", "no independent chair free", "--on", "2026-03-02", stage="commissioning")
    cli.json("dardr", "add-panel-member", REF, "--agency", "cumbria-police", "--name", "DI X",
             "--role", "police lead", "--on", "2026-03-03")
    step(cli, "agree-terms", "--period-from", "2023-01-01", "--period-to", "2026-01-15",
         "--agencies", "cumbria-police", "--key-lines", "Was coercive control recognised?",
         "--key-lines", "Was risk shared?", "--on", "2026-03-10", stage="evidence-gathering")
    assert cli.show()["details"]["key_lines_of_enquiry"] == 2


def test_a_family_draft_before_any_draft_is_refused(cli: Cli):
    """Statutory guidance (2016), involving family and friends: a draft is shown once it exists
    (exit 3); advocacy accepted or declined after an offer."""
    notify(cli)
    error = cli.fails(3, "dardr", "show-family-draft", REF, "--on", "2026-01-25")
    assert "No draft has been circulated" in error["message"]
    cli.json("dardr", "offer-advocacy", REF, "--provider", "AAFDA", "--on", "2026-01-25")
    step(cli, "record-advocacy-response", "--declined", "--on", "2026-01-26", stage="notified")
    assert cli.show()["details"]["advocacy"] == "declined"


def test_sign_off_without_family_engagement_needs_a_reason(cli: Cli):
    """Statutory guidance (2016), involving family and friends: before sign-off, family
    engagement or the reason why not (exit 3 without)."""
    notify(cli)
    for verb, *args in (
        ("start-scoping", "--agencies", "cumbria-police", "--on", "2026-01-29"),
        ("decide", "--outcome", "review", "--rationale", "s.9 criteria met", "--on", "2026-02-16"),
        ("appoint-chair", "--name", "Chris Chair", "--on", "2026-03-02"),
        ("add-panel-member", "--agency", "cumbria-police", "--name", "DI Example",
         "--role", "police lead", "--on", "2026-03-03"),
        ("agree-terms", "--period-from", "2023-01-01", "--period-to", "2026-01-15",
         "--agencies", "cumbria-police", "--on", "2026-03-10"),
        ("circulate-draft", "--on", "2026-05-01"),
        ("agree-report", "--on", "2026-06-15"),
    ):
        cli.json("dardr", verb, REF, *args)
    error = cli.fails(3, "dardr", "sign-off", REF, "--on", "2026-06-20")
    assert "No family engagement is recorded" in error["message"]
    step(cli, "sign-off", "--reason", "no family could be traced", "--on", "2026-06-20",
         stage="local-sign-off")
