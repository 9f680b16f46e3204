"""Who read which case, when, why and what (product.md capability 4: "a log of who viewed which
case").

Every read of a case through an interface (``case show``, including time travel, ``case history``
and ``audit export``) is recorded as a fact in the same event store as the cases, so that the
integrity chain over the whole log covers the access log too. Each read is a tiny aggregate of its
own (``CaseAccess``, one ``CaseRead`` event, version 1, a fresh id supplied by the caller): reads
never conflict with each other or with writers, and never change the case's version.

The purpose is free text typed by the reader and may name people, so it is kept in the
``personal`` field (never projected into a view, never logged).
"""

from __future__ import annotations

from dataclasses import field
from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.errors import InvalidInput
from domain.topics import PinnedTopic

#: What a read was: the query and, for time travel, the option that chose the past state.
READ_KINDS = ("show", "history", "export")
MAX_PURPOSE = 2000


class CaseRead(PinnedTopic, Aggregate.Created):
    """A case was read: by ``actor``, at the recorded time (the event timestamp), ``what`` was
    read (``show``, ``show --as-known-at 2026-03-01T23:59:59+00:00``, ``history``, ``export``),
    and ``personal["purpose"]`` why (None when no purpose was given)."""

    TOPIC = "caseledger.domain.access:CaseRead"

    case_id: str
    reference: str
    actor: str
    what: str
    personal: dict[str, str | None]

    def apply(self, aggregate: CaseAccess) -> None:
        aggregate.case_id, aggregate.reference = self.case_id, self.reference
        aggregate.actor, aggregate.what = self.actor, self.what


class CaseAccess(Aggregate):
    """One read of one case (product.md capability 4)."""

    TOPIC = "caseledger.domain.access:CaseAccess"

    class Event(PinnedTopic, Aggregate.Event):
        TOPIC = "caseledger.domain.access:CaseAccess.Event"

    class Created(Event, Aggregate.Created):
        TOPIC = "caseledger.domain.access:CaseAccess.Created"

    # Set by CaseRead; the purpose is personal data and stays in the event.
    case_id: str = field(init=False)
    reference: str = field(init=False)
    actor: str = field(init=False)
    what: str = field(init=False)

    @classmethod
    def record_read(cls, *, access_id: UUID, case_id: UUID, reference: str, actor: str,
                    what: str, purpose: str | None, now: datetime) -> CaseAccess:
        """The fact that ``actor`` read the case ``what`` way, at ``now``, for ``purpose``."""
        if not actor.strip():
            raise InvalidInput("The actor is empty.", field="actor")
        if what.split(" ", 1)[0] not in READ_KINDS:
            raise InvalidInput(f"'{what}' is not a kind of read; kinds: {', '.join(READ_KINDS)}.")
        purpose = purpose_given(purpose)
        if purpose is not None and len(purpose) > MAX_PURPOSE:
            raise InvalidInput(f"The purpose is longer than {MAX_PURPOSE} characters; shorten it.")
        return cls._create(
            CaseRead, id=access_id, timestamp=now, case_id=str(case_id), reference=reference,
            actor=actor, what=what, personal={"purpose": purpose},
        )


def purpose_given(purpose: str | None) -> str | None:
    """A purpose as recorded: surrounding blanks dropped; nothing typed means no purpose."""
    if purpose is None or not purpose.strip():
        return None
    return purpose.strip()
