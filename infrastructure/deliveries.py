"""Delivering issued reminders by email: a queue with its own tracking, retries and outcomes.

processes/common.md, "Reminders and escalation": every step is recorded as ``ReminderIssued``
exactly once; "delivery (email) happens after the fact is recorded, is retried on failure, and
its outcome is visible". architecture.md, "Application": delivery is a separate consumer of those
events with its own tracking.

- ``queue()``: the views' catch-up mechanism (``ProjectionRunner``) under its own tracking name,
  ``reminder-deliveries``, turns each ``ReminderIssued`` into one row per recipient: exactly once,
  resumable after a crash. The table is not a view, so ``projections rebuild`` never empties it
  and never re-sends; queuing an event again would leave its rows' delivery state alone.
- ``deliver()``: claims the rows that are due (waiting, or retrying with ``next_attempt`` passed,
  or ``sending`` with its lease run out: a deliverer that died mid-send) in a short transaction
  (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite serialises writers), sends each, and records
  sent / retrying (exponential back-off) / failed. Crashing between handing a message over and
  recording it means it goes again, with the same Message-ID so that the receiving system can
  drop the copy: delivery is at least once, never silently lost.
- A server that cannot be reached costs one attempt per run, not one timeout per message: after
  the first ``ServerUnavailable`` (refused, timed out, unknown host, TLS or login refused) the run
  sends nothing more, and every other row due in it is marked retrying with the same reason
  ("not tried: …"). That counts as one of their attempts, as the send would have failed alike,
  so the back-off and the give-up after ``MAX_ATTEMPTS`` are what they would have been.
  The report says how many are waiting to retry and when the next retry is due.
- A reminder to an agency about its outstanding return carries a single-use upload link for it
  when links in reminders are configured (``upload_link``: application/documents.py). Each
  attempt's message gets its own link; one that is never delivered is never used, and expires.
- No personal data in the table: the addresses are read from the stored event when sending, and
  errors are stored as an SMTP code and a short reason with any address removed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa
import structlog

from application.ports import Clock
from application.projections import Change, Upsert
from application.reminder_email import Addressee, StaffContact, facts_from, render
from application.service import CaseLedgerApplication, CaseService
from domain.case import Case, ReminderIssued
from domain.setup import Partnership
from domain.times import sortable_utc
from infrastructure.projection_runner import ProjectionRunner
from infrastructure.smtp import (
    DeliveryError,
    Mailer,
    PermanentDeliveryError,
    ServerUnavailable,
    TransientDeliveryError,
    sanitise,
)
from infrastructure.views import agencies as agencies_view
from infrastructure.views import cases as cases_view

TRACKING_NAME = "reminder-deliveries"
NOT_CONFIGURED = ("Email delivery is not configured (set CASELEDGER_SMTP_HOST, or "
                  "CASELEDGER_MAIL_DROP); issued reminders wait until it is.")
TABLE = "reminder_deliveries"
STATUSES = ("waiting", "sending", "sent", "retrying", "failed")
MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(minutes=5)
LONGEST_RETRY = timedelta(hours=6)
LEASE = timedelta(minutes=15)  # a claim older than this belongs to a deliverer that died
BATCH = 20

ROLE_WORDS = {"contact": "contact", "escalation": "escalation contact", "chair": "chair"}

log = structlog.get_logger("caseledger.deliveries")

UploadLinkFor = Callable[[Case, str, str], "str | None"]
"""The upload link a reminder carries (case, deadline, recipient_of → URL or None):
``DocumentService.reminder_link`` when links in reminders are configured."""

metadata = sa.MetaData()

reminder_deliveries = sa.Table(
    TABLE, metadata,
    sa.Column("case_id", sa.String(36), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),  # the ReminderIssued event's version
    sa.Column("recipient", sa.Integer, primary_key=True),  # index in the event's recipients
    sa.Column("reference", sa.String(40)),  # set when first attempted
    sa.Column("deadline", sa.String(120), nullable=False),
    sa.Column("step", sa.String(40), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("recipient_of", sa.String(100), nullable=False),  # agency:SLUG | partnership:SLUG
    sa.Column("due", sa.String(32), nullable=False),
    sa.Column("issued", sa.String(40), nullable=False),  # the event's recorded time (UTC)
    sa.Column("status", sa.String(10), nullable=False, server_default="waiting"),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt", sa.String(20)),  # UTC, sortable; NULL: now. For sending: the lease
    sa.Column("claim", sa.String(32)),  # the deliverer holding it while sending
    sa.Column("last_error", sa.String(300)),  # SMTP code and short reason, never an address
    sa.Column("sent_at", sa.String(40)),
    sa.Column("message_id", sa.String(200), nullable=False),
    sa.Index("ix_reminder_deliveries_due", "status", "next_attempt"),
    sa.Index("ix_reminder_deliveries_case", "case_id"),
)
COLUMNS = reminder_deliveries.c


def message_id(case_id: str, version: int, recipient: int) -> str:
    """The same Message-ID for every attempt of one reminder to one recipient, so that a
    receiving system can de-duplicate a resend. It names no person."""
    return f"<reminder.{case_id}.{version}.{recipient}@caseledger>"


def queue_rows(event: object) -> list[Change]:
    """The projection of the delivery queue: one row per ``ReminderIssued`` recipient.

    Only descriptive columns are written, so queuing an event twice keeps its delivery state.
    """
    if not isinstance(event, ReminderIssued):
        return []
    case_id, version = str(event.originator_id), int(event.originator_version)
    people = (event.personal or {}).get("to") or []
    return [Upsert(TABLE, {"case_id": case_id, "version": version, "recipient": index}, {
        "deadline": event.name, "step": event.step, "role": str(person.get("role") or ""),
        "recipient_of": str(person.get("of") or ""), "due": event.due,
        "issued": event.timestamp.astimezone(UTC).isoformat(),
        "message_id": message_id(case_id, version, index),
    }) for index, person in enumerate(people)]


def retry_after(attempts: int) -> timedelta:
    """5 minutes after the first failure, doubling each time, at most 6 hours."""
    delay: timedelta = FIRST_RETRY * 2 ** max(attempts - 1, 0)
    return min(delay, LONGEST_RETRY)


def no_address(role: str, of: str) -> str:
    """"no address on record for the escalation contact of cumbria-police; add it to the set-up"."""
    kind, _, slug = of.partition(":")
    words = ROLE_WORDS.get(role, role)
    if kind == "partnership":
        words = "coordinator" if role == "contact" else "chair"
    return f"no address on record for the {words} of {slug or 'the partnership'}; add it to the set-up"


@dataclass
class DeliveryReport:
    """What one ``deliver()`` did: outcomes of this run; ``waiting``: rows never attempted;
    ``waiting_to_retry`` and ``next_retry``: every row retrying after the run, and the earliest
    time one is due (UTC); ``unreachable``: why the run stopped sending, if it did."""

    configured: bool
    queued: int = 0
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    waiting: int = 0
    waiting_to_retry: int = 0
    next_retry: str | None = None
    unreachable: str | None = None

    def counts(self) -> dict[str, int]:
        out = {"sent": 0, "retrying": 0, "failed": 0}
        for row in self.deliveries:
            if row["status"] in out:
                out[row["status"]] += 1
        return {**out, "waiting": self.waiting}

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"counts": self.counts(), "configured": self.configured,
                                "queued": self.queued, "waiting_to_retry": self.waiting_to_retry,
                                "next_retry": self.next_retry, "unreachable": self.unreachable,
                                "deliveries": self.deliveries}
        if not self.configured:
            data["message"] = NOT_CONFIGURED
        return data


@dataclass
class _Outcome:
    status: str  # sent | retrying | failed
    error: str | None = None


class Deliveries:
    """The delivery queue of reminder emails (see the module docstring)."""

    def __init__(self, app: CaseLedgerApplication, engine: sa.Engine, cases: CaseService,
                 clock: Clock, mailer: Mailer | None, sender: str,
                 catch_up_views: Callable[[], int] | None = None,
                 batch_size: int = BATCH, lease: timedelta = LEASE,
                 upload_link: UploadLinkFor | None = None) -> None:
        self.app, self.engine, self.cases, self.clock = app, engine, cases, clock
        self.upload_link = upload_link
        self.mailer, self.sender = mailer, sender
        self.catch_up_views = catch_up_views
        self.batch_size, self.lease = batch_size, lease
        self.runner = ProjectionRunner(app, engine, name=TRACKING_NAME, project=queue_rows,
                                       tables={TABLE: reminder_deliveries})

    @property
    def configured(self) -> bool:
        return self.mailer is not None

    # -- queue --------------------------------------------------------------------------

    def queue(self) -> int:
        """Queue every ``ReminderIssued`` not yet queued; returns how many events were read."""
        if self.catch_up_views is not None:
            self.catch_up_views()  # display names for the emails and references for status
        return self.runner.catch_up()

    # -- deliver ------------------------------------------------------------------------

    def deliver(self, now: datetime | None = None) -> DeliveryReport:
        """Queue, then send every due row once; without a mailer, rows stay ``waiting``."""
        report = DeliveryReport(configured=self.configured, queued=self.queue())
        if self.mailer is not None:
            run = _Run(self)
            seen: set[tuple[str, int, int]] = set()
            while True:
                moment = now or self.clock.now()
                claimed = [r for r in self._claim(moment) if _key(r) not in seen]
                if not claimed:
                    break
                for row in claimed:
                    seen.add(_key(row))
                    report.deliveries.append(self._deliver_one(row, moment, run))
            report.unreachable = run.unreachable
        report.waiting = self._count("waiting")
        report.waiting_to_retry, report.next_retry = self._retries()
        return report

    def _retries(self) -> tuple[int, str | None]:
        """How many rows wait to retry, and when the first is due (ISO, UTC)."""
        c = COLUMNS
        with self.engine.connect() as conn:
            count, first = conn.execute(sa.select(sa.func.count(), sa.func.min(c.next_attempt))
                                        .where(c.status == "retrying")).one()
        return int(count), f"{first}+00:00" if first else None

    def _due(self, now_text: str) -> sa.ColumnElement[bool]:
        c = COLUMNS
        return sa.or_(
            sa.and_(c.status.in_(("waiting", "retrying")),
                    sa.or_(c.next_attempt.is_(None), c.next_attempt <= now_text)),
            sa.and_(c.status == "sending", c.next_attempt <= now_text),
        )

    def _claim(self, moment: datetime) -> list[dict[str, Any]]:
        """Mark up to a batch of due rows ``sending`` under a new claim; returns them."""
        now_text, token = sortable_utc(moment), uuid4().hex
        c = COLUMNS
        with self.engine.begin() as conn:
            query = (sa.select(c.case_id, c.version, c.recipient).where(self._due(now_text))
                     .order_by(c.issued, c.case_id, c.version, c.recipient).limit(self.batch_size))
            if conn.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            for case_id, version, recipient in conn.execute(query).all():
                conn.execute(
                    sa.update(reminder_deliveries)
                    .where(c.case_id == case_id, c.version == version, c.recipient == recipient,
                           self._due(now_text))
                    .values(status="sending", claim=token, attempts=c.attempts + 1,
                            next_attempt=sortable_utc(moment + self.lease)))
            rows = conn.execute(sa.select(reminder_deliveries).where(c.claim == token)
                                .order_by(c.issued, c.case_id, c.version, c.recipient)).all()
        return [dict(r._mapping) for r in rows]

    def _deliver_one(self, row: dict[str, Any], moment: datetime, run: _Run) -> dict[str, Any]:
        reference, mailer = None, self.mailer
        try:
            if mailer is None:
                raise TransientDeliveryError("email delivery is not configured")
            reference = run.case(row["case_id"]).reference
            if run.unreachable is not None:
                raise TransientDeliveryError(f"not tried: {run.unreachable}")
            mailer.send(run.message(row, moment))
            outcome = _Outcome("sent")
        except PermanentDeliveryError as error:
            outcome = _Outcome("failed", error.summary)
        except ServerUnavailable as error:
            run.unreachable = error.summary
            outcome = self._retry_or_give_up(row, error.summary)
        except TransientDeliveryError as error:
            outcome = self._retry_or_give_up(row, error.summary)
        except Exception as error:  # a bug or a broken record must not stop the others
            log.error("reminder-delivery-error", case_id=row["case_id"], version=row["version"],
                      recipient=row["recipient"], error_type=type(error).__name__)
            outcome = self._retry_or_give_up(row, f"internal error ({type(error).__name__})")
        self._record(row, outcome, moment, reference)
        log.info("reminder-delivery", case_id=row["case_id"], version=row["version"],
                 recipient=row["recipient"], deadline=row["deadline"], step=row["step"],
                 outcome=outcome.status, attempts=row["attempts"], error=outcome.error)
        return _public({**row, "reference": reference or row["reference"], "status": outcome.status,
                        "last_error": outcome.error,
                        "sent_at": moment.astimezone(UTC).isoformat() if outcome.status == "sent" else None,
                        "next_attempt": self._next_attempt(row, outcome, moment)})

    def _retry_or_give_up(self, row: dict[str, Any], error: str) -> _Outcome:
        if row["attempts"] >= MAX_ATTEMPTS:
            return _Outcome("failed", sanitise(f"gave up after {row['attempts']} attempts: {error}"))
        return _Outcome("retrying", error)

    def _next_attempt(self, row: dict[str, Any], outcome: _Outcome, moment: datetime) -> str | None:
        if outcome.status != "retrying":
            return None
        return sortable_utc(moment + retry_after(row["attempts"]))

    def _record(self, row: dict[str, Any], outcome: _Outcome, moment: datetime,
                reference: str | None) -> None:
        """Write the outcome, unless the claim was lost (the lease ran out and another took it)."""
        c = COLUMNS
        values: dict[str, Any] = {
            "status": outcome.status, "claim": None,
            "last_error": sanitise(outcome.error) if outcome.error else None,
            "next_attempt": self._next_attempt(row, outcome, moment),
        }
        if outcome.status == "sent":
            values["sent_at"] = moment.astimezone(UTC).isoformat()
        if reference:
            values["reference"] = reference
        with self.engine.begin() as conn:
            conn.execute(sa.update(reminder_deliveries)
                         .where(c.case_id == row["case_id"], c.version == row["version"],
                                c.recipient == row["recipient"], c.claim == row["claim"],
                                c.status == "sending")
                         .values(values))

    def retry_failed(self, case_id: str | None = None) -> int:
        """Put failed deliveries back in the queue with a fresh set of attempts (after the mail
        server or its settings were fixed); returns how many. Deliveries that failed for want of
        an address stay failed: the recipients of a reminder are those on record when it was
        issued, so fixing the set-up helps the reminders issued from then on."""
        c = COLUMNS
        query = (sa.update(reminder_deliveries)
                 .where(c.status == "failed", sa.not_(c.last_error.like("no address on record%")))
                 .values(status="waiting", attempts=0, next_attempt=None, claim=None))
        if case_id is not None:
            query = query.where(c.case_id == case_id)
        with self.engine.begin() as conn:
            return int(conn.execute(query).rowcount or 0)

    def _count(self, status: str) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(reminder_deliveries)
                                    .where(COLUMNS.status == status)).scalar_one())

    # -- status -------------------------------------------------------------------------

    def status(self, case_id: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
        """Every delivery (oldest first), for display: no personal data."""
        c = COLUMNS
        query = (sa.select(reminder_deliveries,
                           sa.func.coalesce(c.reference, cases_view.c.reference).label("case_reference"))
                 .select_from(reminder_deliveries.outerjoin(
                     cases_view, cases_view.c.case_id == c.case_id))
                 .order_by(c.issued, c.case_id, c.version, c.recipient))
        if case_id:
            query = query.where(c.case_id == case_id)
        if status:
            query = query.where(c.status == status)
        with self.engine.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(query)]
        return [_public({**row, "reference": row.pop("case_reference")}) for row in rows]


def _key(row: dict[str, Any]) -> tuple[str, int, int]:
    return (row["case_id"], row["version"], row["recipient"])


def _public(row: dict[str, Any]) -> dict[str, Any]:
    """A delivery row as shown by ``reminders status`` and in reports (nothing personal)."""
    return {
        "case": row.get("reference"), "case_id": row["case_id"], "version": row["version"],
        "recipient": row["recipient"], "deadline": row["deadline"], "step": row["step"],
        "role": row["role"], "of": row["recipient_of"], "due": row["due"],
        "issued": row["issued"], "status": row["status"], "attempts": row["attempts"],
        "next_attempt": row.get("next_attempt"), "last_error": row.get("last_error"),
        "sent_at": row.get("sent_at"), "message_id": row["message_id"],
    }


class _Run:
    """What one ``deliver()`` looks up once: cases, partnerships, agency names; and the messages."""

    def __init__(self, deliveries: Deliveries) -> None:
        self.d = deliveries
        self.unreachable: str | None = None  # set at the first ServerUnavailable: send no more
        self._cases: dict[str, Case] = {}
        self._partnerships: dict[str, Partnership] = {}
        self._names: dict[str, str] | None = None

    def names(self) -> dict[str, str]:
        if self._names is None:
            with self.d.engine.connect() as conn:
                self._names = {slug: name for slug, name in conn.execute(
                    sa.select(agencies_view.c.slug, agencies_view.c.name))}
        return self._names

    def case(self, case_id: str) -> Case:
        if case_id not in self._cases:
            self._cases[case_id] = self.d.cases.load_case(case_id)
        return self._cases[case_id]

    def partnership(self, slug: str) -> Partnership:
        if slug not in self._partnerships:
            self._partnerships[slug] = self.d.cases.partnership(slug)
        return self._partnerships[slug]

    def event(self, row: dict[str, Any]) -> ReminderIssued:
        version = int(row["version"])
        found = list(self.d.app.repository.event_store.get(
            UUID(row["case_id"]), gt=version - 1, lte=version))
        if not found or not isinstance(found[0], ReminderIssued):
            raise PermanentDeliveryError(f"the reminder (version {version} of the case) is not in the event store")
        return found[0]

    def message(self, row: dict[str, Any], moment: datetime) -> EmailMessage:
        """The email for one row; PermanentDeliveryError when there is no (valid) address on
        record for the recipient."""
        event = self.event(row)
        people = (event.personal or {}).get("to") or []
        person = people[row["recipient"]] if row["recipient"] < len(people) else {}
        case = self.case(row["case_id"])
        email = (person.get("email") or "").strip()
        if not email:
            raise PermanentDeliveryError(no_address(row["role"], row["recipient_of"]))
        partnership = self.partnership(case.partnership)
        coordinator = partnership.coordinator or {}
        facts = facts_from(case, event, partnership.name,
                           partnership.hubs.get(case.hub) if case.hub else None)
        link = (self.d.upload_link(case, row["deadline"], row["recipient_of"])
                if self.d.upload_link is not None else None)
        text = render(facts, Addressee(row["role"], row["recipient_of"]), moment,
                      StaffContact(coordinator.get("name"), coordinator.get("email")), self.names(),
                      upload_link=link)
        message = EmailMessage()
        message["From"] = self.d.sender
        message["To"] = _address(person.get("name"), email, row)
        message["Subject"] = text.subject
        message["Message-ID"] = row["message_id"]
        message["Date"] = format_datetime(moment.astimezone(UTC))
        message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
        message["X-Caseledger-Reference"] = case.reference
        message.set_content(text.body)
        return message


def _address(name: object, email: str, row: dict[str, Any]) -> Address:
    try:
        return Address(display_name=str(name or ""), addr_spec=email)
    except (ValueError, IndexError, HeaderParseError):  # their messages quote the address
        words = ROLE_WORDS.get(row["role"], row["role"])
        raise PermanentDeliveryError(
            f"the address on record for the {words} of {row['recipient_of'].partition(':')[2]} "
            "is not a valid email address; correct it in the set-up") from None


__all__ = ["DeliveryError", "DeliveryReport", "Deliveries", "queue_rows", "reminder_deliveries"]
