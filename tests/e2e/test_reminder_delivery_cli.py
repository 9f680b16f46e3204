"""``caseledger reminders run|deliver|status`` with email going to a real SMTP server (aiosmtpd on
127.0.0.1) named by CASELEDGER_SMTP_HOST/PORT, as an operator would set it up (cli.md)."""

# ruff: noqa: F811 (the smtp_server fixture is imported, then named as a parameter)

from __future__ import annotations

from tests.e2e.support import REF, Cli, notify
from tests.smtp_server import SmtpServer, free_port, smtp_server  # noqa: F401 (fixture)

FROM = "reminders@cumberland.example.org"
CHAIR = "csp-chair@cumberland.example.org"  # from the shipped Cumbria example
COORDINATOR = "csp.coordinator@cumberland.example.org"
POLICE = ("dhr.spoc@cumbria-police.example.org", "public-protection.lead@cumbria-police.example.org")


def smtp_env(server: SmtpServer) -> dict[str, str]:
    return {"CASELEDGER_SMTP_HOST": "127.0.0.1", "CASELEDGER_SMTP_PORT": str(server.port),
            "CASELEDGER_SMTP_FROM": FROM, "CASELEDGER_SMTP_TIMEOUT": "10"}


def overdue_case(cli: Cli) -> None:
    notify(cli, on="2026-01-20", death="2026-01-15")
    cli.json("case", "request-return", REF, "--agency", "cumbria-police", "--kind", "imr",
             "--on", "2026-01-22")


def test_run_issues_and_delivers_then_status_shows_each_recipient_sent(cli, smtp_server):
    overdue_case(cli)
    env = smtp_env(smtp_server)

    run = cli("reminders", "run", "--as-at", "2026-04-30", "--json", env=env).json()

    # both deadlines are past +3wd and +10wd: one escalation each, covering the +3wd step, to
    # everyone the two steps would have reached, each person once
    assert [(i["deadline"], i["step"], i["covers"]) for i in run["issued"]] == [
        ("decision", "10wd-overdue", ["3wd-overdue"]),
        ("return:cumbria-police:imr", "10wd-overdue", ["3wd-overdue"]),
    ]
    assert run["delivery"]["configured"] is True
    assert run["delivery"]["counts"] == {"sent": 5, "retrying": 0, "failed": 0, "waiting": 0}
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == sorted(
        [COORDINATOR, CHAIR, POLICE[0], POLICE[1], CHAIR])
    assert {m.mail_from for m in smtp_server.messages} == {FROM}
    assert all(m.subject.startswith(f"[{REF}] ") for m in smtp_server.messages)
    assert all("Anna" not in m.body for m in smtp_server.messages)

    status = cli("reminders", "status", "--json", env=env).json()
    rows = status["deliveries"]
    assert status["configured"] is True
    assert len(rows) == 5 and {r["status"] for r in rows} == {"sent"}
    assert {r["case"] for r in rows} == {REF}
    assert {(r["deadline"], r["step"], r["role"], r["of"]) for r in rows} >= {
        ("decision", "10wd-overdue", "contact", "partnership:cumberland"),
        ("return:cumbria-police:imr", "10wd-overdue", "escalation", "agency:cumbria-police"),
        ("return:cumbria-police:imr", "10wd-overdue", "chair", "partnership:cumberland"),
    }
    raw = cli("reminders", "status", "--json", env=env).out
    assert "@" not in raw.replace("@caseledger>", "")  # Message-IDs only: no address anywhere

    again = cli("reminders", "deliver", "--retry-failed", "--json", env=env).json()
    assert again["counts"]["sent"] == 0 and again["requeued"] == 0  # nothing failed
    assert len(smtp_server.messages) == 5


def test_without_mail_settings_reminders_wait_then_deliver_sends_them(cli, smtp_server):
    overdue_case(cli)

    run = cli.json("reminders", "run", "--as-at", "2026-04-30")
    assert run["delivery"]["configured"] is False
    assert run["delivery"]["counts"]["waiting"] == 5
    human = cli("reminders", "status").out
    assert "5 waiting" in human and "not configured" in human
    assert "coordinator, cumberland" in human and "escalation, cumbria-police" in human

    sent = cli("reminders", "deliver", "--json", env=smtp_env(smtp_server)).json()
    assert sent["counts"] == {"sent": 5, "retrying": 0, "failed": 0, "waiting": 0}
    failed = cli.json("reminders", "status", "--status", "failed")
    assert failed["deliveries"] == []
    only = cli.json("reminders", "status", "--case", REF, "--status", "sent")
    assert len(only["deliveries"]) == 5


def test_no_deliver_issues_only(cli, smtp_server):
    overdue_case(cli)
    run = cli("reminders", "run", "--as-at", "2026-04-30", "--no-deliver", "--json",
              env=smtp_env(smtp_server)).json()
    assert len(run["issued"]) == 2 and "delivery" not in run
    assert smtp_server.messages == []
    assert {r["status"] for r in cli.json("reminders", "status")["deliveries"]} == {"waiting"}


def test_a_bad_status_filter_is_invalid_input(cli):
    error = cli.fails(2, "reminders", "status", "--status", "lost")
    assert "waiting, sending, sent, retrying, failed" in error["message"]


def test_a_mail_server_that_refuses_stops_the_run_and_deliver_says_when_it_retries(cli):
    overdue_case(cli)
    port = free_port()  # nothing listens there: connection refused
    env = {"CASELEDGER_SMTP_HOST": "127.0.0.1", "CASELEDGER_SMTP_PORT": str(port),
           "CASELEDGER_SMTP_FROM": FROM}
    cli("reminders", "run", "--as-at", "2026-04-30", "--no-deliver", env=env)

    human = cli("reminders", "deliver", env=env).out
    assert "Delivery: 5 retrying." in human
    assert (f"The mail server could not be used: connection refused by the mail server (port "
            f"{port}). Nothing more was sent to it in this run.") in human
    assert "5 waiting to retry; the next retry is due at 20" in human and "(UK time)" in human

    again = cli("reminders", "deliver", "--json", env=env).json()  # not due yet: nothing tried
    assert again["counts"] == {"sent": 0, "retrying": 0, "failed": 0, "waiting": 0}
    assert again["waiting_to_retry"] == 5 and again["unreachable"] is None
    rows = cli.json("reminders", "status")["deliveries"]
    assert again["next_retry"] == min(r["next_attempt"] for r in rows) + "+00:00"
    assert sorted(r["last_error"] for r in rows) == [
        f"connection refused by the mail server (port {port})",
        *[f"not tried: connection refused by the mail server (port {port})"] * 4]
