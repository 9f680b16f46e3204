"""The reminder email: one plain-text message for one reminder step to one recipient.

processes/common.md, "Reminders and escalation": each ``ReminderIssued`` fact is delivered by
email after it is recorded. The message says what is due (e.g. "Individual Management Review
(IMR) from Cumbria Constabulary"), for which case, when (Europe/London), whether it is due in N
days, today or overdue, which step of the ladder this is, and whom to contact.

By design it carries no personal data of the people involved in a case (processes/common.md,
"Identity": cases hold as little personal data as the job needs): it is built only from the
non-personal facts of the reminder and the case (reference, type, partnership, deadline, basis).
The one person named is the partnership coordinator, a member of staff, as the contact. The
recipient is addressed by role, so even their own name stays in the To header.

Pure functions: the caller supplies the time of sending and the display names.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from domain.calendar import END_OF_DAY, LONDON
from domain.plain import PARTIES, case_type_label, deadline_label, listed, party_label

LINE = 76  # plain-text email lines (RFC 3676 recommends 78 at most)

NOTICE = ("No personal details of the people involved in the case are included in this email, "
          "by design. Please do not send any by email in reply: quote the case reference.")


@dataclass(frozen=True)
class ReminderFacts:
    """What one reminder is about: the non-personal facts of the case and the step."""

    reference: str
    case_type: str  # dardr | asb | encampment
    partnership: str  # display name, e.g. "Cumberland CSP"
    deadline: str  # e.g. "return:cumbria-police:imr", "decision", "action:A1"
    step: str  # e.g. "5wd-before", "due-day", "3wd-overdue"
    at: str  # e.g. "-5wd", "0", "+3wd"
    due: datetime  # aware
    responsible: str  # agency slug, or partnership | hub | council | occupants
    recipients: tuple[str, ...]  # the step's roles: contact | escalation | chair
    basis: str | None = None
    hub: str | None = None  # display name of the case's hub, if it has one


@dataclass(frozen=True)
class Addressee:
    """Whom this copy goes to, by role: ``of`` is ``agency:SLUG`` or ``partnership:SLUG``."""

    role: str
    of: str


@dataclass(frozen=True)
class StaffContact:
    """The partnership coordinator, named in every reminder as the person to contact."""

    name: str | None
    email: str | None


@dataclass(frozen=True)
class ReminderEmail:
    subject: str
    body: str


def facts_from(case: Any, event: Any, partnership: str, hub: str | None = None) -> ReminderFacts:
    """The facts of a ``ReminderIssued`` event on a case (never its ``personal`` fields)."""
    return ReminderFacts(
        reference=str(case.reference), case_type=str(case.case_type), partnership=partnership,
        deadline=str(event.name), step=str(event.step), at=str(event.at),
        due=datetime.fromisoformat(str(event.due)), responsible=str(event.responsible),
        recipients=tuple(str(r) for r in event.recipients), basis=event.basis, hub=hub,
    )


def render(facts: ReminderFacts, to: Addressee, now: datetime,
           coordinator: StaffContact | None = None,
           names: Mapping[str, str] | None = None,
           upload_link: str | None = None) -> ReminderEmail:
    """The subject and plain-text body for one recipient, as at ``now`` (the time of sending).

    ``names`` maps agency slugs to display names (``cumbria-police`` → ``Cumbria Constabulary``);
    ``upload_link``: a single-use link to upload the return with, for the agency asked for it.
    """
    names = names or {}
    what = describe_deadline(facts, names)
    status = timing(facts.due, now)
    kind = step_kind(facts.at, to.role)
    subject = f"[{facts.reference}] {kind}: {what} - {status}"
    rows = [
        ("Case", f"{facts.reference} ({case_type_label(facts.case_type)})"),
        ("Partnership", facts.partnership + (f", {facts.hub}" if facts.hub else "")),
        ("What is due", what),
        ("Responsible", party(facts.responsible, facts, names)),
        ("Due date", long_date(facts.due)),
        ("Status", status),
        ("Reminder step", f"{kind}, {step_phrase(facts.at)}"),
        ("Basis", facts.basis or "-"),
        ("Sent to you as", role_phrase(to.role, to.of, facts, names)),
        ("This step goes to", listed([role_phrase(r, addressee_of(facts), facts, names)
                                    for r in unique(facts.recipients)])),
    ]
    width = max(len(label) for label, _ in rows) + 2
    table = "\n".join(_fill(value, LINE, initial_indent=f"{label + ':':<{width}}",
                                     subsequent_indent=" " * width) for label, value in rows)
    body = "\n".join([
        _fill(f"{kind}: {what} is {status}.", LINE),
        "",
        table,
        "",
        "What to do",
        _indent(advice(facts, now)),
        "",
        *upload_lines(upload_link),
        "Who to contact",
        _indent(contact_lines(coordinator, facts)),
        "",
        "--",
        _fill(f"An automatic reminder from the {facts.partnership} case management system.", LINE),
        _fill(NOTICE, LINE),
        "",
    ])
    return ReminderEmail(subject=subject, body=body)


# --------------------------------------------------------------------------- wording


def describe_deadline(facts: ReminderFacts, names: Mapping[str, str]) -> str:
    """A readable name for a deadline, from the one vocabulary (domain/plain.py):
    ``return:cumbria-police:imr`` → "Individual Management Review (IMR) from Cumbria
    Constabulary"; ``action:A1`` → "Action A1 of the action plan (…)"."""
    return deadline_label(facts.case_type, facts.deadline, names, facts.responsible,
                          facts.partnership, facts.hub)


def party(slug: str, facts: ReminderFacts, names: Mapping[str, str]) -> str:
    return party_label(slug, names, facts.partnership, facts.hub)


def addressee_of(facts: ReminderFacts) -> str:
    """Whose contacts a step's roles are (application/reminders.py, RecipientDirectory): the
    responsible agency's, or the partnership's for its own, a hub's, the council's or the
    occupants' deadlines."""
    if facts.responsible in ("partnership", "hub", *PARTIES):
        return "partnership:"
    return f"agency:{facts.responsible}"


def role_phrase(role: str, of: str, facts: ReminderFacts, names: Mapping[str, str]) -> str:
    kind, _, slug = of.partition(":")
    if role == "chair" or (kind == "partnership" and role == "escalation"):
        return f"the chair of {facts.partnership}"
    if kind == "partnership":
        return f"the coordinator of {facts.partnership}"
    agency = names.get(slug, slug)
    if role == "escalation":
        return f"the escalation contact (strategic lead) at {agency}"
    return f"the contact at {agency}"


def step_kind(at: str, role: str) -> str:
    """Reminder before and on the due day; after it, Escalation for escalation contacts and
    chairs, Overdue reminder for the contact."""
    offset = _offset(at)
    if offset <= 0:
        return "Reminder"
    return "Escalation" if role in ("escalation", "chair") else "Overdue reminder"


def step_phrase(at: str) -> str:
    """``-5wd`` → "5 working days before the due date"; ``0`` → "on the due date"."""
    offset = _offset(at)
    if offset == 0:
        return "on the due date"
    unit = "working day" if at.endswith("wd") else "day"
    count = abs(offset)
    return (f"{count} {unit}{'s' if count != 1 else ''} "
            f"{'before' if offset < 0 else 'after'} the due date")


def _offset(at: str) -> int:
    digits = at.strip().rstrip("wd") or "0"
    return int(digits)


def timing(due: datetime, now: datetime) -> str:
    """"due in 5 days", "due today", "due tomorrow", "overdue by 12 days", "overdue since 14:00
    BST today" (calendar days, Europe/London)."""
    due_day, today = _day(due), _day(now)
    if now <= due:
        days = (due_day - today).days
        if days == 0:
            return "due today"
        if days == 1:
            return "due tomorrow"
        return f"due in {days} days"
    days = (today - due_day).days
    if days == 0:
        return f"overdue since {due.astimezone(LONDON):%H:%M %Z} today"
    return f"overdue by {days} day{'s' if days != 1 else ''}"


def long_date(moment: datetime) -> str:
    """"Tuesday 5 May 2026", with the time and its zone when it is not the end of the day (an
    hour-based clock): "Wednesday 10 June 2026 at 14:00 BST"."""
    local = moment.astimezone(LONDON)
    text = f"{local:%A} {local.day} {local:%B %Y}"
    if local.time() != END_OF_DAY:
        text += f" at {local:%H:%M %Z}"
    return text


def _day(moment: datetime) -> date:
    return moment.astimezone(LONDON).date()


def advice(facts: ReminderFacts, now: datetime) -> str:
    overdue = now > facts.due
    if facts.deadline.startswith("return:"):
        first = ("Please send the return now, or tell the coordinator when it will come."
                 if overdue else "Please send the return by the due date.")
    else:
        first = ("Please complete it now, or tell the coordinator when it will be done."
                 if overdue else "Please make sure it is done by the due date.")
    return (f"{first}\nIf it is already done, tell the coordinator so that it is recorded and "
            "the reminders stop.\nIf more time is needed, ask the coordinator for an extension; "
            "it is recorded on the case with the reason.")


def upload_lines(link: str | None) -> list[str]:
    """How to send the return with the link: no account is needed; it works once."""
    if not link:
        return []
    return ["Send the return", _indent(
        "You can upload the return as a document (PDF, Word, OpenDocument text or plain text) "
        "at this link, without an account. It works once, for this return only; do not forward "
        "it."), f"  {link}", ""]


def contact_lines(coordinator: StaffContact | None, facts: ReminderFacts) -> str:
    title = f"Coordinator, {facts.partnership}"
    if coordinator is None or not (coordinator.name or coordinator.email):
        lines = [f"The coordinator of {facts.partnership} (no contact details are on record)."]
    else:
        who = coordinator.name or "The coordinator"
        lines = [f"{who} ({title})"]
        if coordinator.email:
            lines.append(coordinator.email)
    lines.append(f"Please quote the case reference {facts.reference}.")
    return "\n".join(lines)


def unique(values: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(values))




def _fill(text: str, width: int, **options: Any) -> str:
    """Wrapped at spaces only: a reference (CUM-DARDR-2026-003) or address stays whole."""
    return textwrap.fill(text, width, break_on_hyphens=False, break_long_words=False, **options)


def _indent(text: str) -> str:
    """Each line a paragraph, indented by two, wrapped to the line length."""
    return "\n".join(_fill(line, LINE, initial_indent="  ", subsequent_indent="    ")
                     for line in text.splitlines() if line)
