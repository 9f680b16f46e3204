"""Who read which case, when, why and what (product.md capability 4: "a log of who viewed which
case").

Every read of a case through an interface (``case show``, including time travel, ``case history``
and ``audit export``) is recorded as a fact in the same event store as the cases, so that the
integrity chain over the whole log covers the access log too. Each read is a tiny aggregate of its
own (``CaseAccess``, one ``CaseRead`` event, version 1, a fresh id supplied by the caller): reads
never conflict with each other or with writers, and never change the case's version.

The purpose is free text typed by the reader and may name people, so it is kept in the
``personal`` field (never projected into a view, never logged).

An attempt the access policy refused is recorded the same way, as a ``CaseAccessDenied`` event
(access.md: "every denied attempt too"): who, which case, what was attempted and the policy's
reason; the access log shows reads and denials side by side.
"""

from __future__ import annotations

from dataclasses import field
from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain import limits
from domain.errors import InvalidInput
from domain.topics import PinnedTopic

#: What a read was: the query and, for time travel, the option that chose the past state
#: (``subject-access search`` or ``export``: the case held the text a subject access looked for).
READ_KINDS = ("show", "history", "export", "subject-access")
MAX_PURPOSE = 2000
#: A denied attempt's ``what`` (the attempt) and ``why`` (the policy's reason), one line each.
MAX_WHAT = 200
MAX_WHY = 500


class CaseRead(PinnedTopic, Aggregate.Created):
    """A case was read: by ``actor``, at the recorded time (the event timestamp), ``what`` was
    read (``show``, ``show --as-known-at 2026-03-01T23:59:59+00:00``, ``history``, ``export``),
    and ``personal["purpose"]`` why (None when no purpose was given). The purpose may name the
    case's people, so it is sealed under the case's key (``SEALED_UNDER``), not a key of the
    read's own: erasing the case's personal data erases it too."""

    TOPIC = "caseledger.domain.access:CaseRead"
    SEALED_UNDER = "case_id"

    case_id: str
    reference: str
    actor: str
    what: str
    personal: dict[str, str | None]

    def apply(self, aggregate: CaseAccess) -> None:
        aggregate.case_id, aggregate.reference = self.case_id, self.reference
        aggregate.actor, aggregate.what = self.actor, self.what


class CaseAccessDenied(PinnedTopic, Aggregate.Created):
    """An attempt the access policy refused (access.md: "every denied attempt too"): by
    ``actor``, at the recorded time, ``what`` was attempted (``show``, ``history``, ``export``,
    ``execute DecideReview``, ``submit-return cumbria-police imr``…) on which case (None: an
    attempt on no one case, e.g. opening a case in another partnership), and ``why`` the policy
    refused it. Nothing in it is personal: what a user typed for the attempt is not kept."""

    TOPIC = "caseledger.domain.access:CaseAccessDenied"

    case_id: str | None
    reference: str | None
    actor: str
    what: str
    why: str

    def apply(self, aggregate: CaseAccess) -> None:
        aggregate.case_id, aggregate.reference = self.case_id, self.reference
        aggregate.actor, aggregate.what = self.actor, self.what
        aggregate.denied = True


class CaseAccess(Aggregate):
    """One read of one case, or one attempt refused (product.md capability 4)."""

    TOPIC = "caseledger.domain.access:CaseAccess"

    class Event(PinnedTopic, Aggregate.Event):
        TOPIC = "caseledger.domain.access:CaseAccess.Event"

    class Created(Event, Aggregate.Created):
        TOPIC = "caseledger.domain.access:CaseAccess.Created"

    # Set by CaseRead or CaseAccessDenied; the purpose is personal data and stays in the event.
    case_id: str | None = field(init=False)
    reference: str | None = field(init=False)
    actor: str = field(init=False)
    what: str = field(init=False)
    denied: bool = field(init=False, default=False)

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

    @classmethod
    def record_denied(cls, *, access_id: UUID, case_id: UUID | None, reference: str | None,
                      actor: str, what: str, why: str, now: datetime) -> CaseAccess:
        """The fact that ``actor`` attempted ``what`` on the case (if any) at ``now`` and the
        access policy refused it, ``why``. ``what`` and ``why`` come from the interface and the
        policy, never from what the user typed, and are held to one line."""
        if not actor.strip():
            raise InvalidInput("The actor is empty.", field="actor")
        for name, text, maximum in (("what", what, MAX_WHAT), ("why", why, MAX_WHY)):
            if not text.strip():
                raise InvalidInput(f"Say {name} of the denied attempt.", field=name)
            problem = limits.text_problem(text, free_text=False, maximum=maximum)
            if problem is not None:
                raise InvalidInput(f"The {name} of a denied attempt {problem}.", field=name)
        return cls._create(
            CaseAccessDenied, id=access_id, timestamp=now,
            case_id=str(case_id) if case_id is not None else None, reference=reference,
            actor=actor, what=what, why=why,
        )


def purpose_given(purpose: str | None) -> str | None:
    """A purpose as recorded: surrounding blanks dropped; nothing typed means no purpose."""
    if purpose is None or not purpose.strip():
        return None
    return purpose.strip()
