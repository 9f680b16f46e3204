"""Ports: what the application needs from the outside world, as Protocols."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from domain.errors import RuleRefused


class Clock(Protocol):
    """The current instant; injected so that tests never sleep on the wall clock."""

    def now(self) -> datetime: ...


@dataclass(frozen=True)
class DeadlineFilter:
    partnership: str | None = None
    hub: str | None = None
    agency: str | None = None
    case_type: str | None = None
    case_id: str | None = None
    include_closed_statuses: bool = False
    include_met: bool = False  # met deadlines too, to judge a past as-at time


class ReadModel(Protocol):
    """Queries over the projected views (infrastructure/views.py implements it)."""

    def list_cases(self, partnership: str | None, case_type: str | None,
                   stage: str | None) -> Sequence[dict[str, Any]]: ...

    def open_deadlines(self, where: DeadlineFilter) -> Sequence[dict[str, Any]]: ...

    def reminder_ladders_in_use(self) -> Sequence[str | None]: ...

    def reminder_candidates(self, due_until: datetime | None = None) -> Sequence[dict[str, Any]]: ...

    def history(self, case_id: str) -> Sequence[dict[str, Any]]: ...

    def partnerships(self) -> Sequence[dict[str, Any]]: ...

    def agencies(self) -> Sequence[dict[str, Any]]: ...


class BrokenSeal(RuntimeError):
    """Sealed personal data that does not open under its own key: it was altered where it is
    stored (or moved from where it was sealed)."""


class KeyDestroyed(RuleRefused):
    """Personal data sealed for an owner whose key was destroyed: its personal data was erased,
    and nothing personal can be recorded for it again."""


class PersonalDataCipher(Protocol):
    """Seals personal data under the key of the aggregate it belongs to (its owner: a case, a
    partnership, an agency); infrastructure/keys.py implements it with AES-GCM per-owner data keys
    wrapped by the master key.

    ``context`` is bound into the seal (authenticated, not secret): a sealed value opens only
    where it was sealed, so one event's personal data cannot be moved to another event or case.
    """

    def seal(self, owner: UUID, context: bytes, plaintext: bytes) -> bytes:
        """The sealed bytes; ``KeyDestroyed`` when the owner's key was destroyed."""
        ...

    def open(self, owner: UUID, context: bytes, sealed: bytes) -> bytes | None:
        """The plaintext, or None when the owner's key was destroyed (erased) or is not held;
        ``BrokenSeal`` when the sealed bytes were altered."""
        ...

    def destroy(self, owner: UUID) -> bool:
        """Destroy the owner's data key (crypto-shredding); True if there was one to destroy."""
        ...

    def is_destroyed(self, owner: UUID) -> bool: ...

    def prefetch(self, owners: Iterable[UUID | str]) -> None:
        """A hint that these owners' seals are about to be opened (a projection page): their
        keys may be read together rather than one at a time."""
        ...


class SubjectIndex(Protocol):
    """Blind tokens for finding where a person appears without decrypting the store
    (application/subject_access.py): a keyed hash of each normalised word, under an index key
    that infrastructure keeps wrapped like a data key and never hands out."""

    def tokens(self, words: Iterable[str]) -> set[str]: ...
