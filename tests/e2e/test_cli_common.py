"""The common verbs under ``caseledger case …``, the no-review path, set-up, and logging."""

from __future__ import annotations

import json
import re

from tests.e2e.support import ACTOR, AS_RECORDED, REF, Cli, notify, recorded


def deadline(case: dict, name: str) -> dict:
    return next(d for d in case["deadlines"] if d["name"] == name)


def test_common_verbs_under_case(cli: Cli):
    notify(cli)
    cli.json("dardr", "start-scoping", REF, "--agencies", "cumbria-police,probation",
             "--on", "2026-01-29")

    # Returns: request with an explicit due date, receive, challenge (needs a reason), withdraw.
    cli.json("case", "request-return", REF, "--agency", "cumberland-council",
             "--kind", "chronology", "--due", "2026-03-01", "--on", "2026-02-02")
    cli.json("case", "receive-return", REF, "--agency", "cumberland-council",
             "--kind", "chronology", "--on", "2026-02-10")
    error = cli.fails(2, "case", "challenge-return", REF, "--agency", "cumberland-council",
                      "--kind", "chronology", "--on", "2026-02-11")
    assert "--reason" in error["message"]
    cli.json("case", "challenge-return", REF, "--agency", "cumberland-council",
             "--kind", "chronology", "--due", "2026-03-15", "--reason", "incomplete",
             "--on", "2026-02-11")
    cli.json("case", "withdraw-return", REF, "--agency", "cumbria-police", "--kind", "scoping",
             "--on", "2026-02-11")
    error = cli.fails(4, "case", "receive-return", REF, "--agency", "probation", "--kind", "imr",
                      "--on", "2026-02-11")
    assert "No imr return has been requested from probation" in error["message"]

    # Extending a deadline needs a reason and a later date.
    assert cli.fails(2, "case", "extend-deadline", REF, "--deadline", "return:probation:scoping",
                     "--to", "2026-02-27", "--on", "2026-02-11")["code"] == "invalid-input"
    assert cli.fails(3, "case", "extend-deadline", REF, "--deadline", "return:probation:scoping",
                     "--to", "2026-02-01", "--reason", "r", "--on", "2026-02-11")["code"] == "date-rule"
    assert cli.fails(4, "case", "extend-deadline", REF, "--deadline", "nothing",
                     "--to", "2026-02-27", "--reason", "r", "--on", "2026-02-11")["code"] == "not-found"
    cli.json("case", "extend-deadline", REF, "--deadline", "return:probation:scoping",
             "--to", "2026-02-27", "--reason", "agreed with the chair", "--on", "2026-02-11")

    # Pause chosen clocks, then resume: the due date moves on by the paused span.
    before = cli.show()
    cli.json("case", "pause", REF, "--clocks", "decision", "--reason", "awaiting the post-mortem",
             "--on", "2026-02-12")
    paused = cli.show()
    assert paused["paused"] is True and deadline(paused, "decision")["status"] == "paused"
    assert deadline(paused, "return:probation:scoping")["status"] == "overdue"  # as at today
    assert cli.fails(3, "case", "pause", REF, "--reason", "again", "--on", "2026-02-13")["code"] == \
        "refused"
    cli.json("case", "resume", REF, "--on", "2026-02-19")
    resumed = cli.show()
    assert resumed["paused"] is False
    assert deadline(resumed, "decision")["due"] > deadline(before, "decision")["due"]
    assert deadline(resumed, "decision")["paused_days"] == 7

    # A parallel process that pauses the case; concluding it resumes the case.
    linked = cli.json("case", "link-process", REF, "--kind", "inquest", "--reference", "INQ-1",
                      "--pause", "--on", "2026-02-20")
    assert linked["created"] == "P1" and cli.show()["paused"] is True
    cli.json("case", "update-process", REF, "--process", "P1", "--status", "opened",
             "--key-date", "hearing=2026-03-02T10:00", "--on", "2026-02-21")
    assert cli.fails(2, "case", "update-process", REF, "--process", "P1", "--status", "s",
                     "--key-date", "hearing")["code"] == "invalid-input"
    assert cli.fails(4, "case", "conclude-process", REF, "--process", "P9", "--outcome", "x",
                     "--on", "2026-02-22")["code"] == "not-found"
    cli.json("case", "conclude-process", REF, "--process", "P1", "--outcome", "natural causes",
             "--on", "2026-03-02")
    case = cli.show()
    assert case["paused"] is False
    assert case["parallel_processes"][0]["key_dates"] == {"hearing": "2026-03-02T10:00:00+00:00"}

    # Notes, and the action plan only from drafting on (wrong stage names the stage).
    cli.json("case", "add-note", REF, "--text", "Chronology chased", "--on", "2026-03-03")
    error = cli.fails(3, "case", "add-action", REF, "--recommendation", "r", "--owner", "probation",
                      "--level", "local", "--due", "2026-09-01", "--on", "2026-03-03")
    assert error["code"] == "wrong-stage" and "at stage 'scoping'" in error["message"]
    assert cli.fails(3, "case", "close", REF, "--outcome", "x")["code"] == "wrong-stage"
    assert cli.fails(3, "case", "reopen", REF, "--reason", "x")["code"] == "wrong-stage"
    assert cli.fails(2, "case", "update-action", REF, "--action", "A1", "--rag", "purple",
                     "--note", "n")["code"] == "invalid-input"

    returns = {(r["agency"], r["kind"]): r["status"] for r in case["returns"]}
    assert returns == {("cumbria-police", "scoping"): "withdrawn",
                       ("probation", "scoping"): "requested",
                       ("cumberland-council", "chronology"): "challenged"}
    assert deadline(case, "return:cumbria-police:scoping")["status"] == "cancelled"
    # Due 15 March after the challenge; paused with the case 20 Feb – 2 Mar (10 days).
    assert deadline(case, "return:cumberland-council:chronology")["due"][:10] == "2026-03-25"
    assert deadline(case, "return:probation:scoping")["extensions"] == 1
    history = cli.json("case", "history", REF)
    assert [h["reason"] for h in history if h["event"] == "DeadlineExtended"] == \
        ["agreed with the chair"]
    # for people: one block per fact, with its basis, reason and data in readable form
    text = cli("case", "history", REF).out
    extended = next(b for b in text.split("\nv") if " DeadlineExtended " in b)
    assert "effective 2026-02-11" in extended and f"by {ACTOR}" in extended
    assert "reason: agreed with the chair" in extended and "basis:  " in extended
    assert "name=return:probation:scoping" in extended and "previous_due=" in extended
    assert "Anna" not in text  # the victim's pseudonym is personal data: never in the history


def test_no_review_path_under_the_2024_draft_guidance_and_reopening(cli: Cli):
    created = notify(cli, "2026-02-02", "2026-01-30", "cumberland", "--guidance", "dardr-2024-draft")
    assert created["stage"] == "notified"
    cli.json("dardr", "start-scoping", REF, "--agencies", "probation", "--on", "2026-02-03")
    error = cli.fails(3, "dardr", "decide", REF, "--outcome", "no-review", "--rationale", "r",
                      "--on", "2026-02-20")
    assert "Scoping Review must be completed before the decision" in error["message"]
    cli.json("dardr", "complete-scoping-review", REF, "--summary", "No agency contact of note",
             "--on", "2026-02-10")
    assert cli.json("dardr", "decide", REF, "--outcome", "no-review", "--rationale",
                    "criteria not met", "--on", "2026-02-20")["stage"] == "decided-no-review"
    assert cli.json("dardr", "notify-home-office", REF, "--on", "2026-02-23")["stage"] == \
        "awaiting-home-office-view"
    assert cli.fails(2, "dardr", "record-home-office-view", REF, "--view", "maybe")["code"] == \
        "invalid-input"
    assert cli.json("dardr", "record-home-office-view", REF, "--view", "no-review-agreed",
                    "--on", "2026-03-20")["stage"] == "closed"
    case = cli.show()
    assert case["closed_on"] == "2026-03-20"
    assert case["details"]["guidance"] == "dardr-2024-draft"
    assert all(d["status"] in ("met", "cancelled") for d in case["deadlines"])

    assert cli.fails(2, "dardr", "reopen", REF, "--on", "2026-04-01")["code"] == "invalid-input"
    reopened = cli.json("dardr", "reopen", REF, "--reason", "Home Office direction",
                        "--on", "2026-04-01")
    assert reopened["stage"] == "awaiting-home-office-view"
    assert cli.json("dardr", "record-home-office-view", REF, "--view", "direction",
                    "--on", "2026-04-02")["stage"] == "commissioning"

    # The Scoping Review belongs to the 2024 draft guidance only.
    notify(cli, "2026-02-05", "2026-02-01")
    cli.json("dardr", "start-scoping", "CUM-DARDR-2026-002", "--agencies", "probation",
             "--on", "2026-02-06")
    error = cli.fails(3, "dardr", "complete-scoping-review", "CUM-DARDR-2026-002",
                      "--summary", "s", "--on", "2026-02-06")
    assert "runs under dhr-2016" in error["message"]


def test_partnership_import_is_idempotent_and_listed(bare_cli: Cli, tmp_path):
    assert bare_cli.json("partnership", "list") == {"partnerships": [], "agencies": []}
    first = bare_cli.json("partnership", "import", "--example", "cumbria")
    assert first["partnerships"] == 2 and first["hubs"] == 6 and first["events"] > 0
    again = bare_cli("partnership", "import", "--example", "cumbria")
    assert "nothing changed" in again.out
    assert bare_cli.json("partnership", "import", "--example", "cumbria")["events"] == 0

    listed = bare_cli.json("partnership", "list")
    partnerships = {p["slug"]: p for p in listed["partnerships"]}
    assert partnerships["cumberland"]["code"] == "CUM"
    assert sorted(partnerships["cumberland"]["hubs"]) == ["allerdale", "carlisle", "copeland"]
    assert partnerships["westmorland-furness"]["code"] == "WAF"
    agencies = {a["slug"]: a for a in listed["agencies"]}
    assert len(agencies) == 12
    assert agencies["lsc-icb"]["partnerships"] == ["westmorland-furness"]
    assert "Robin Example" not in json.dumps(listed)  # contacts are personal data
    assert "cumbria-police" in bare_cli("partnership", "list").out

    assert bare_cli.fails(4, "partnership", "import", str(tmp_path / "missing.toml"))["code"] == \
        "not-found"
    broken = tmp_path / "broken.toml"
    broken.write_text("[[partnership]]\nslug = 'Bad Slug'\n")
    error = bare_cli.fails(2, "partnership", "import", str(broken))
    assert "partnership[1]" in error["message"]
    assert bare_cli.fails(2, "partnership", "import")["code"] == "invalid-input"
    assert bare_cli.fails(4, "partnership", "import", "--example", "atlantis")["code"] == "not-found"


def test_one_log_line_per_command_without_personal_data(cli: Cli):
    quiet = cli("dardr", "notify", "--partnership", "cumberland", "--on", "2026-01-20",
                "--date-of-death", "2026-01-15", "--victim-pseudonym", "Anna",
                "--notified-by", "cumbria-police", "--relationship", "family",
                "--death-type", "homicide", "--json")
    assert quiet.err == ""  # WARNING by default: nothing for a command that worked
    case_id = quiet.json()["id"]

    logged = {"CASELEDGER_LOG_LEVEL": "INFO", "CASELEDGER_LOG_FORMAT": "json"}
    ok = cli("dardr", "add-note", REF, "--text", "Spoke to Anna's sister", "--on", "2026-01-21",
             "--as", "analyst", env=logged)
    lines = [json.loads(line) for line in ok.err.splitlines()]
    assert len(lines) == 1
    line = lines[0]
    assert {k: line[k] for k in ("event", "command", "case_id", "actor", "outcome", "exit_code")} \
        == {"event": "command", "command": "dardr add-note", "case_id": case_id,
            "actor": recorded("analyst"), "outcome": "ok", "exit_code": 0}
    assert isinstance(line["duration_ms"], int | float) and line["level"] == "info"
    assert "Anna" not in ok.err and "sister" not in ok.err

    refused = cli("dardr", "agree-report", REF, "--on", "2026-01-22", "--json", env=logged,
                  expect=3)
    entries = [json.loads(line) for line in refused.err.splitlines()]
    assert entries[0]["error"]["code"] == "wrong-stage"
    assert entries[1]["outcome"] == "wrong-stage" and entries[1]["actor"] == AS_RECORDED

    console = cli("case", "list", env={"CASELEDGER_LOG_LEVEL": "INFO"})
    assert "command='case list'" in console.err and "outcome=ok" in console.err
    bad = cli("case", "list", env={"CASELEDGER_LOG_LEVEL": "LOUD"}, expect=2)
    assert "CASELEDGER_LOG_LEVEL" in bad.err


def test_unexpected_errors_and_conflicts_map_to_exit_codes_1_and_5(tmp_path, monkeypatch, capsys):
    """In-process: failures that a user cannot provoke on purpose still end in the contract."""
    import structlog

    from application.service import CaseService
    from domain.errors import ConcurrentChange
    from interfaces.cli.main import main

    url = f"sqlite:///{tmp_path}/caseledger.db"
    monkeypatch.setenv("CASELEDGER_ACTOR", ACTOR)
    monkeypatch.setattr(structlog, "configure", lambda **_: None)  # keep the test process's config

    def conflict(*_args, **_kwargs):
        raise ConcurrentChange("The record changed under us 8 times in a row; please try again.")

    monkeypatch.setattr(CaseService, "execute", conflict)
    assert main(["--database", url, "case", "add-note", REF, "--text", "t", "--json"]) == 5
    assert json.loads(capsys.readouterr().err)["error"]["code"] == "conflict"

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(CaseService, "execute", broken)
    assert main(["--database", url, "case", "add-note", REF, "--text", "t"]) == 1
    err = capsys.readouterr().err
    # named by its type and where it was raised, never by its text (which can quote input)
    assert re.match(r"error: unexpected error \(RuntimeError in interfaces/cli/\w+\.py line \d+\)", err), err
    assert "disk on fire" not in err and "CASELEDGER_DEBUG=1" in err
    assert main(["--database", url, "case", "add-note", REF, "--text", "t", "--json"]) == 1
    assert json.loads(capsys.readouterr().err.splitlines()[0])["error"]["code"] == "unexpected"
    assert main(["--database", url, "case", "add-note", REF, "--help"]) == 0
    assert "--reason" in capsys.readouterr().out


def test_the_console_script_in_a_process_of_its_own(database_url, tmp_path):
    """The other e2e tests run the entry point in-process; this one runs it as the shell does."""
    # given the command line as a separate process on a fresh database
    cli = Cli(database_url, tmp_path, separate_process=True)
    cli.json("partnership", "import", "--example", "cumbria")

    # when a case is opened, shown, and commands are refused for each reason
    assert notify(cli)["reference"] == REF
    assert cli.show()["stage"] == "notified"
    invalid = cli.fails(2, "dardr", "decide", REF, "--outcome", "maybe", "--rationale", "r")
    refused = cli.fails(3, "dardr", "agree-report", REF)
    missing = cli.fails(4, "case", "show", "CUM-DARDR-2026-999")
    human = cli("case", "show", REF)

    # then each ends with the contract's exit code and message, and people get text
    assert (invalid["code"], refused["code"], missing["code"]) == (
        "invalid-input", "wrong-stage", "not-found")
    assert REF in human.out and human.err == ""
    assert "Usage: caseledger" in cli("--help").out


def test_a_long_actor_is_recorded_and_read_back(cli: Cli) -> None:
    """Given a name near the longest an actor may be (200 characters, domain/limits.py, with the
    OS user beside it), when a death is notified under it, then the case list and its history
    read it back on both backends (the views once held 120 and PostgreSQL stopped catching up)."""
    name = "a" * (200 - len(recorded("")))
    notify(cli, "2026-01-20", "2026-01-15", "cumberland", "--as", name)
    assert [c["reference"] for c in cli.json("case", "list")] == [REF]
    assert cli.json("case", "history", REF)[0]["actor"] == recorded(name)
    assert cli.json("audit", "events", "--actor", name)[0]["actor"] == recorded(name)


def test_the_views_worker_catches_up_once_for_cron(cli: Cli) -> None:
    """Given a recorded case, when ``projections run --once`` runs twice, then the views stand at
    the log's last event and the second run has nothing left to apply."""
    notify(cli)
    first = cli.json("projections", "run", "--once")
    again = cli.json("projections", "run", "--once")
    assert first["position"] > 0 and again == {"events": 0, "position": first["position"]}
    assert "Views up to date" in cli("projections", "run", "--once").out
