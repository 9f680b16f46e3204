"""Reminder delivery through a real SMTP server (aiosmtpd on 127.0.0.1), on both backends.

processes/common.md, "Reminders and escalation": delivery happens after the fact is recorded, is
retried on failure, and its outcome is visible. Here: once per recipient; a restart between
issuing and sending loses nothing; temporary refusals and a server that is down are retried with
back-off (only when the injected clock says so); permanent refusals and missing addresses fail
with a clear, address-free reason; rebuilding the views re-sends nothing; two deliverers at once
send each message once.
"""

# ruff: noqa: F811 (the smtp_server fixture is imported, then named as a parameter)

from __future__ import annotations

import socket
import threading
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.smtp import AuthResult, LoginPassword

from application.commands import RequestReturn
from application.service import Meta
from domain.calendar import FixedCalendar
from domain.setup import Partnership
from infrastructure.clock import FixedClock
from infrastructure.deliveries import MAX_ATTEMPTS, reminder_deliveries, retry_after
from infrastructure.settings import Settings, SmtpSettings
from infrastructure.smtp import (
    MailDropMailer,
    Mailer,
    PermanentDeliveryError,
    SmtpMailer,
    TransientDeliveryError,
)
from infrastructure.smtp import mailer_for as mailer_for_settings
from interfaces.bootstrap import Services, build
from tests.conftest import master_key
from tests.integration.support import notify, seed
from tests.smtp_server import SmtpServer, free_port, smtp_server  # noqa: F401 (fixture)
from tests.unit.calendar_fixture import ENGLAND_AND_WALES_2025_2027

NOW = datetime(2026, 4, 30, 12, 0, tzinfo=UTC)
SENDER = "reminders@cumberland.example"
COORDINATOR = ("Colin Coordinator", "coordinator@cumberland.example")
CHAIR = ("Carla Chair", "chair@cumberland.example")
POLICE_CONTACT = ("Pat Contact", "pat.contact@police.example")
POLICE_LEAD = ("Lee Lead", "lee.lead@police.example")
VICTIM = "Anna"  # the pseudonym tests/integration/support.notify records


def mailer_for(server: SmtpServer | None) -> Mailer | None:
    if server is None:
        return None
    return SmtpMailer(SmtpSettings(host="127.0.0.1", port=server.port, sender=SENDER, timeout=5))


def services(url: str, server: SmtpServer | None, now: datetime = NOW, mailer: Mailer | None = None) -> Services:
    calendar = FixedCalendar(ENGLAND_AND_WALES_2025_2027, source="test calendar")
    settings = Settings.from_env(env={"CASELEDGER_SMTP_FROM": SENDER, **master_key()}, database_url=url)
    return build(settings, clock=FixedClock(now), calendar=calendar, mailer=mailer or mailer_for(server))


class ProcessDied(BaseException):
    """Stands for the deliverer's process ending mid-send: nothing it can catch and record."""


class DiesWhileSending:
    def send(self, message: EmailMessage) -> None:
        raise ProcessDied


def set_up(s: Services, police_lead: tuple[str, str | None] = POLICE_LEAD) -> None:
    seed(s)
    ctx = s.cases.context(Meta(actor="admin", on="2024-04-01"))
    cumberland: Partnership = s.cases.partnership("cumberland")
    cumberland.change_chair(ctx, {"name": CHAIR[0], "email": CHAIR[1]})
    cumberland.change_coordinator(ctx, {"name": COORDINATOR[0], "email": COORDINATOR[1]})
    police = s.cases.agency("cumbria-police")
    police.change_contacts(ctx, {
        "contact": {"name": POLICE_CONTACT[0], "email": POLICE_CONTACT[1]},
        "escalation": {"name": police_lead[0], "email": police_lead[1]},
    })
    s.app.save(cumberland, police)


def overdue_decision(s: Services) -> str:
    """A death notified on 31 January: the decision (due 28 February) is 2 steps overdue on 30
    April: +3wd (Wed 4 Mar) to the coordinator and the chair, issued by a run that day, and
    +10wd to the chair (once), issued by the next run."""
    ref = notify(s, on="2026-01-31")
    s.reminders.run(Meta(actor="t"), as_at=datetime(2026, 3, 4, 8, 0, tzinfo=UTC))
    return ref


def overdue_imr(s: Services, ref: str) -> None:
    """An IMR requested from the police on 2 February (due 30 March): +3wd (Thu 2 Apr) to its
    contact and escalation contact, issued by a run that day, +10wd to the escalation contact and
    the partnership chair, issued by the next run."""
    s.cases.execute(ref, RequestReturn(agency="cumbria-police", kind="imr"), Meta(actor="coordinator", on="2026-02-02"))
    s.reminders.run(Meta(actor="t"), as_at=datetime(2026, 4, 2, 8, 0, tzinfo=UTC))


def rows(s: Services) -> list[dict[str, Any]]:
    with s.engine.connect() as conn:
        return [dict(r) for r in conn.execute(
            sa.select(reminder_deliveries).order_by(reminder_deliveries.c.issued,
                                                    reminder_deliveries.c.version,
                                                    reminder_deliveries.c.recipient)).mappings()]


def statuses(s: Services) -> list[str]:
    return [r["status"] for r in rows(s)]


def advance(s: Services, by: timedelta) -> None:
    clock = s.clock
    assert isinstance(clock, FixedClock)
    clock.set(clock.current + by)


@pytest.fixture
def live(database_url, smtp_server):
    s = services(database_url, smtp_server)
    set_up(s)
    yield s
    s.close()


# --------------------------------------------------------------------------- (a)


def test_each_recipient_gets_one_email_and_a_second_delivery_sends_nothing(live, smtp_server):
    ref = overdue_decision(live)
    overdue_imr(live, ref)
    issued = live.reminders.run(Meta(actor="system:scheduler"))
    # the runs of 4 Mar and 2 Apr issued the earlier steps; today's run the IMR's +10wd
    assert [(i["deadline"], i["step"]) for i in issued.issued] == [
        ("return:cumbria-police:imr", "10wd-overdue")]

    report = live.deliveries.deliver().to_dict()

    # decision: coordinator + chair, then chair; IMR: contact + lead, then lead + chair
    assert report["configured"] is True
    assert report["counts"] == {"sent": 7, "retrying": 0, "failed": 0, "waiting": 0}
    received = smtp_server.messages
    assert sorted(m.rcpt_tos[0] for m in received) == sorted([
        COORDINATOR[1], CHAIR[1], CHAIR[1],  # decision: +3wd coordinator and chair; +10wd chair
        POLICE_CONTACT[1], POLICE_LEAD[1], POLICE_LEAD[1], CHAIR[1],  # IMR: +3wd, +10wd
    ])
    assert all(m.mail_from == SENDER for m in received)
    assert max(smtp_server.count_by_message_id().values()) == 1

    imr_to_contact = next(m for m in smtp_server.to(POLICE_CONTACT[1]))
    assert imr_to_contact.message["To"].addresses[0].addr_spec == POLICE_CONTACT[1]
    assert imr_to_contact.subject == (
        f"[{ref}] Overdue reminder: Individual Management Review (IMR) from Cumbria Police "
        "- overdue by 31 days")
    body = " ".join(imr_to_contact.body.split())  # line wrapping undone
    for expected in (ref, "Domestic Abuse Related Death Review", "Cumberland CSP",
                     "Monday 30 March 2026", "overdue by 31 days",
                     "3 working days after the due date", "the contact at Cumbria Police",
                     COORDINATOR[0], COORDINATOR[1], "No personal details"):
        assert expected in body, expected
    for personal in (VICTIM, POLICE_CONTACT[0], POLICE_LEAD[0], CHAIR[0]):
        assert personal not in body and personal not in imr_to_contact.subject

    decision_to_chair = [m for m in smtp_server.to(CHAIR[1]) if "Decision" in m.subject]
    assert {m.subject for m in decision_to_chair} == {
        f"[{ref}] Escalation: Decision on whether to hold a review - overdue by 61 days"}

    assert set(statuses(live)) == {"sent"}
    again = live.deliveries.deliver().to_dict()
    assert again["counts"] == {"sent": 0, "retrying": 0, "failed": 0, "waiting": 0}
    assert len(smtp_server.messages) == 7


def test_the_delivery_table_holds_no_personal_data(live, smtp_server):
    overdue_imr(live, overdue_decision(live))
    live.reminders.run(Meta(actor="t"))
    live.deliveries.deliver()
    text = repr(rows(live)) + repr(live.deliveries.status())
    for value in (*COORDINATOR, *CHAIR, *POLICE_CONTACT, *POLICE_LEAD, VICTIM, "@police", "@cumberland"):
        assert value not in text


# --------------------------------------------------------------------------- (b)


def test_a_restart_between_issuing_and_delivery_loses_nothing(database_url, smtp_server):
    first = services(database_url, None)  # no mail configured: issue only
    set_up(first)
    overdue_decision(first)
    first.reminders.run(Meta(actor="t"))
    report = first.deliveries.deliver().to_dict()
    assert report["configured"] is False
    assert report["counts"] == {"sent": 0, "retrying": 0, "failed": 0, "waiting": 3}
    assert "not configured" in report["message"]
    first.close()

    restarted = services(database_url, smtp_server)
    assert restarted.deliveries.deliver().to_dict()["counts"]["sent"] == 3
    assert restarted.deliveries.deliver().to_dict()["counts"]["sent"] == 0
    assert len(smtp_server.messages) == 3
    restarted.close()


def test_issued_but_not_yet_queued_facts_are_queued_after_a_restart(database_url, smtp_server):
    """The crash came after the facts were saved and before the queue caught up."""
    first = services(database_url, smtp_server)
    set_up(first)
    overdue_decision(first)
    first.reminders.run(Meta(actor="t"))  # issued; deliver() never called
    first.close()

    restarted = services(database_url, smtp_server)
    assert restarted.deliveries.deliver().to_dict()["counts"]["sent"] == 3
    assert max(smtp_server.count_by_message_id().values()) == 1
    restarted.close()


def test_a_deliverer_that_died_mid_send_is_taken_over_when_its_lease_runs_out(
        database_url, smtp_server):
    first = services(database_url, smtp_server, mailer=DiesWhileSending())
    set_up(first)
    overdue_decision(first)
    first.reminders.run(Meta(actor="t"))
    with pytest.raises(ProcessDied):
        first.deliveries.deliver()  # the batch is claimed, then the process dies on the first send
    assert statuses(first) == ["sending"] * 3
    first.close()

    restarted = services(database_url, smtp_server)
    assert restarted.deliveries.deliver().to_dict()["counts"]["sent"] == 0  # the lease holds
    advance(restarted, restarted.deliveries.lease + timedelta(seconds=1))
    assert restarted.deliveries.deliver().to_dict()["counts"]["sent"] == 3
    assert len(smtp_server.messages) == 3
    assert {r["attempts"] for r in rows(restarted)} == {2}  # the lost attempt counts
    restarted.close()


# --------------------------------------------------------------------------- (c)


def test_temporary_refusals_are_retried_with_back_off_then_sent(live, smtp_server):
    overdue_decision(live)
    live.reminders.run(Meta(actor="t"))
    smtp_server.refuse_data("451 4.3.0 Mail server temporarily rejected message", times=3)
    smtp_server.refuse_data("421 4.7.0 Try again later, closing connection", times=1)

    first = live.deliveries.deliver().to_dict()
    assert first["counts"] == {"sent": 0, "retrying": 3, "failed": 0, "waiting": 0}
    assert all(r["last_error"].startswith("451 ") for r in rows(live))
    assert {r["next_attempt"] for r in rows(live)} == {"2026-04-30T12:05:00"}

    attempts = smtp_server.attempts
    assert live.deliveries.deliver().to_dict()["counts"]["retrying"] == 0  # not due yet
    assert smtp_server.attempts == attempts

    advance(live, retry_after(1))
    second = live.deliveries.deliver().to_dict()
    assert second["counts"]["retrying"] == 3
    # 421 closes the session whatever the message: the run sends nothing more to that server
    assert smtp_server.attempts == attempts + 1
    assert [r["last_error"] for r in rows(live)] == [
        "421 4.7.0 Try again later, closing connection",
        *["not tried: 421 4.7.0 Try again later, closing connection"] * 2]
    assert all(r["attempts"] == 2 for r in rows(live))
    assert {r["next_attempt"] for r in rows(live)} == {"2026-04-30T12:15:00"}  # 10 minutes on

    advance(live, retry_after(2) - timedelta(seconds=1))
    assert live.deliveries.deliver().to_dict()["deliveries"] == []
    advance(live, timedelta(seconds=1))
    third = live.deliveries.deliver().to_dict()
    assert third["counts"]["sent"] == 3
    assert set(statuses(live)) == {"sent"}
    assert all(r["last_error"] is None and r["attempts"] == 3 for r in rows(live))
    assert sorted(smtp_server.count_by_message_id().values()) == [1, 1, 1]


def test_a_server_that_is_down_then_up(database_url):
    port = free_port()
    server = SmtpServer(port)  # not started: connection refused
    s = services(database_url, server)
    set_up(s)
    overdue_decision(s)
    s.reminders.run(Meta(actor="t"))

    report = s.deliveries.deliver().to_dict()
    assert report["counts"]["retrying"] == 3
    assert all("connection refused" in r["last_error"] for r in rows(s))

    with server:
        advance(s, retry_after(1))
        assert s.deliveries.deliver().to_dict()["counts"]["sent"] == 3
        assert len(server.messages) == 3
    s.close()


def test_after_the_last_attempt_a_delivery_fails(database_url):
    server = SmtpServer(free_port())  # never up
    s = services(database_url, server)
    set_up(s)
    overdue_decision(s)
    s.reminders.run(Meta(actor="t"))
    for attempt in range(1, MAX_ATTEMPTS + 1):
        s.deliveries.deliver()
        advance(s, retry_after(attempt))
    assert set(statuses(s)) == {"failed"}
    assert all(r["attempts"] == MAX_ATTEMPTS and r["last_error"].startswith(f"gave up after {MAX_ATTEMPTS}")
               for r in rows(s))
    assert retry_after(7) == timedelta(hours=5, minutes=20) and retry_after(8) == timedelta(hours=6)
    s.close()


# --------------------------------------------------------------------------- (d), (e)


def test_a_permanent_refusal_fails_at_once_with_a_reason_without_the_address(live, smtp_server):
    overdue_imr(live, overdue_decision(live))
    live.reminders.run(Meta(actor="t"))
    smtp_server.reject_recipient(POLICE_LEAD[1], f"550 5.1.1 <{POLICE_LEAD[1]}>: Recipient address rejected")

    report = live.deliveries.deliver().to_dict()

    assert report["counts"] == {"sent": 5, "retrying": 0, "failed": 2, "waiting": 0}
    failed = [r for r in rows(live) if r["status"] == "failed"]
    assert {(r["role"], r["recipient_of"]) for r in failed} == {("escalation", "agency:cumbria-police")}
    for row in failed:
        assert row["attempts"] == 1 and row["last_error"].startswith("550 ")
        assert "@" not in row["last_error"] and "lee.lead" not in row["last_error"]
        assert "Recipient address rejected" in row["last_error"]
    for shown in report["deliveries"]:
        assert "@" not in (shown["last_error"] or "")
    advance(live, timedelta(days=1))
    assert live.deliveries.deliver().to_dict()["deliveries"] == []  # not retried

    # the mail server is fixed: the coordinator puts the failed ones back in the queue
    smtp_server.handler.rejected.clear()
    assert live.deliveries.retry_failed() == 2
    again = live.deliveries.deliver().to_dict()
    assert again["counts"] == {"sent": 2, "retrying": 0, "failed": 0, "waiting": 0}
    assert set(statuses(live)) == {"sent"}
    assert max(smtp_server.count_by_message_id().values()) == 1  # each sent once, at last


def test_no_address_on_record_fails_with_a_clear_message(database_url, smtp_server):
    s = services(database_url, smtp_server)
    set_up(s, police_lead=("Lee Lead", None))
    overdue_imr(s, overdue_decision(s))
    s.reminders.run(Meta(actor="t"))

    report = s.deliveries.deliver().to_dict()

    assert report["counts"]["failed"] == 2
    failed = [r for r in rows(s) if r["status"] == "failed"]
    assert {r["last_error"] for r in failed} == {
        "no address on record for the escalation contact of cumbria-police; add it to the set-up"}
    assert len(smtp_server.messages) == report["counts"]["sent"] == 5
    assert s.deliveries.retry_failed() == 0  # no address: retrying cannot help these
    s.close()


# --------------------------------------------------------------------------- (f)


def test_rebuilding_the_views_neither_requeues_nor_resends(live, smtp_server):
    overdue_decision(live)
    live.reminders.run(Meta(actor="t"))
    live.deliveries.deliver()
    before = rows(live)

    live.projections.rebuild()
    report = live.deliveries.deliver().to_dict()

    assert report["queued"] == 0 and report["deliveries"] == []
    assert rows(live) == before
    assert len(smtp_server.messages) == 3
    assert [r["case"] for r in live.deliveries.status()] == [before[0]["reference"]] * 3


# --------------------------------------------------------------------------- (g)


class MeetFirst:
    """A mailer that holds its first message until the other deliverer holds one too: both
    have then claimed rows, at the same time, before anything is sent."""

    def __init__(self, inner: Mailer, meeting: threading.Barrier) -> None:
        self.inner, self.meeting, self.met = inner, meeting, False

    def send(self, message: Any) -> None:
        if not self.met:
            self.met = True
            self.meeting.wait(timeout=30)
        self.inner.send(message)


def test_two_deliverers_at_once_send_each_message_once(database_url, smtp_server):
    s = services(database_url, smtp_server)
    set_up(s)
    for _ in range(8):
        overdue_decision(s)
    s.reminders.run(Meta(actor="t"))
    s.close()
    expected = 8 * 3

    meeting = threading.Barrier(2)
    deliverers = [services(database_url, smtp_server) for _ in range(2)]
    for d in deliverers:
        d.deliveries.batch_size = 5  # many small claims, interleaved
        d.deliveries.mailer = MeetFirst(d.deliveries.mailer, meeting)
    start = threading.Barrier(2)
    reports: list[dict[str, Any]] = []
    errors: list[BaseException] = []

    def work(d: Services) -> None:
        try:
            start.wait(timeout=30)
            reports.append(d.deliveries.deliver().to_dict())
        except BaseException as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(d,)) for d in deliverers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert sorted(r["counts"]["sent"] > 0 for r in reports) == [True, True]  # both took part
    assert sum(r["counts"]["sent"] for r in reports) == expected
    counts = smtp_server.count_by_message_id()
    assert len(counts) == expected and set(counts.values()) == {1}
    assert set(statuses(deliverers[0])) == {"sent"}
    for d in deliverers:
        d.close()


# --------------------------------------------------------------------------- the adapters


def a_message(number: int = 1) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"] = SENDER, POLICE_CONTACT[1]
    message["Subject"], message["Message-ID"] = "Test", f"<reminder.case.{number}.0@caseledger>"
    message.set_content("Hello")
    return message


def smtp(port: int, **options: Any) -> SmtpMailer:
    return SmtpMailer(SmtpSettings(host="127.0.0.1", port=port, sender=SENDER, **options))


def test_smtp_replies_are_classified_and_stripped_of_addresses(smtp_server):
    smtp_server.refuse_data("554 5.7.1 Message rejected as spam for <x.y@example.org>")
    with pytest.raises(PermanentDeliveryError) as permanent:
        smtp(smtp_server.port).send(a_message())
    assert permanent.value.code == 554 and "@" not in permanent.value.summary
    assert permanent.value.summary == "554 5.7.1 Message rejected as spam for [address]"

    smtp_server.refuse_data("452 4.3.1 Insufficient system storage")
    with pytest.raises(TransientDeliveryError) as transient:
        smtp(smtp_server.port).send(a_message())
    assert transient.value.code == 452

    smtp(smtp_server.port).send(a_message())
    assert [m.message_id for m in smtp_server.messages] == ["<reminder.case.1.0@caseledger>"]


def test_a_server_that_never_answers_is_a_timeout_worth_retrying():
    with socket.socket() as silent:  # accepts connections (backlog), never says hello
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        with pytest.raises(TransientDeliveryError, match="timed out"):
            smtp(silent.getsockname()[1], timeout=0.3).send(a_message())


def test_login_when_configured_and_a_refused_login_is_retried_not_failed():
    def authenticator(server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and auth_data.password == b"right"
        return AuthResult(success=ok, handled=False)

    with SmtpServer(authenticator=authenticator, auth_require_tls=False) as server:
        with pytest.raises(TransientDeliveryError, match="login refused") as refused:
            smtp(server.port, username="reminders", password="wrong").send(a_message())
        assert refused.value.code == 535
        smtp(server.port, username="reminders", password="right").send(a_message(2))
        assert len(server.messages) == 1


def test_the_mail_drop_writes_one_file_per_message_id(tmp_path):
    drop = mailer_for_settings(SmtpSettings(host="ignored", mail_drop=tmp_path / "mail"))
    assert isinstance(drop, MailDropMailer)
    drop.send(a_message())
    drop.send(a_message())  # a resend replaces its file
    drop.send(a_message(2))
    assert sorted(p.name for p in (tmp_path / "mail").iterdir()) == [
        "reminder.case.1.0.eml", "reminder.case.2.0.eml"]
    assert isinstance(mailer_for_settings(SmtpSettings(host="mail.example")), SmtpMailer)
    assert mailer_for_settings(SmtpSettings()) is None
