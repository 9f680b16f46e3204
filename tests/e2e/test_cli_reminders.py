"""``caseledger reminders run`` as a coordinator (or cron) drives it, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.e2e.support import REF, Cli, notify

# Notified Tue 20 Jan 2026: the decision is due Fri 20 Feb (one calendar month). Scoping
# requested Thu 29 Jan from two agencies: Cumberland's national 10 working days → Thu 12 Feb.
AS_AT = "2026-03-02T08:00"


def reminder_steps(cli: Cli) -> list[str]:
    """``deadline/step`` of every ReminderIssued in the case history."""
    steps = []
    for row in cli.json("case", "history", REF):
        if row["event"] == "ReminderIssued":
            data = json.loads(row["data"]) if isinstance(row["data"], str) else row["data"]
            steps.append(f"{data['name']}/{data['step']}")
    return steps


def given_a_review(cli: Cli) -> None:
    notify(cli)
    cli.json("dardr", "start-scoping", REF, "--agencies", "cumbria-police,probation",
             "--on", "2026-01-29")


def test_run_issues_what_is_due_once_and_says_what(cli: Cli):
    given_a_review(cli)
    dry = cli.json("reminders", "run", "--as-at", AS_AT, "--dry-run")
    assert dry["dry_run"] is True and dry["due"] == 3
    assert reminder_steps(cli) == []

    done = cli.json("reminders", "run", "--as-at", AS_AT, "--no-deliver")
    assert done["open_deadlines"] == 3
    issued = sorted((i["deadline"], i["step"], tuple(i["covers"])) for i in done["issued"])
    assert issued == [
        ("decision", "3wd-overdue", ()),  # due Fri 20 Feb: +3wd Wed 25 Feb (+10wd Fri 6 Mar: not yet)
        # due Thu 12 Feb: +3wd Tue 17 Feb and +10wd Thu 26 Feb, folded into one escalation
        ("return:cumbria-police:scoping", "10wd-overdue", ("3wd-overdue",)),
        ("return:probation:scoping", "10wd-overdue", ("3wd-overdue",)),
    ]
    again = cli.json("reminders", "run", "--as-at", AS_AT, "--no-deliver")
    assert again["issued"] == [] and again["due"] == 0

    text = cli("reminders", "run", "--as-at", "2026-03-06T08:00", "--no-deliver").out
    assert "1 step(s) issued" in text and "decision" in text and "10wd-overdue" in text


def test_two_runs_at_once_record_each_step_once(cli: Cli):
    given_a_review(cli)
    command = [sys.executable, "-m", "interfaces.cli.main", "--database", cli.database_url,
               "reminders", "run", "--as-at", AS_AT, "--no-deliver", "--json"]
    runs = [subprocess.Popen(command, cwd=cli.workdir, env=cli.env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [r.communicate(timeout=180) for r in runs]
    assert [r.returncode for r in runs] == [0, 0], outputs
    issued = [i for out, _ in outputs for i in json.loads(out)["issued"]]
    assert len(issued) == 3
    steps = reminder_steps(cli)
    assert sorted(steps) == sorted(f"{i['deadline']}/{i['step']}" for i in issued)
    assert len(steps) == len(set(steps)) == 3


def test_bad_as_at_is_refused_and_records_nothing(cli: Cli):
    given_a_review(cli)
    assert cli.fails(3, "reminders", "run", "--as-at", "2099-01-01")["code"] == "date-rule"
    assert cli.fails(2, "reminders", "run", "--as-at", "2026-02-30")["code"] == "invalid-input"
    assert "--as-at" in cli.fails(2, "reminders", "run", "--on", "2026-03-02")["message"]
    assert reminder_steps(cli) == []
