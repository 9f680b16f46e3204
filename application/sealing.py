"""Personal data sealed in the stored events, everything else left readable.

Every event keeps its personal data (names, contact details, addresses, free text) in one field,
``personal`` (architecture.md, "Domain"). The mapper that stores events replaces that field's
value with a seal before the event is written::

    {"sealed": "aes-256-gcm", "data": base64(nonce + ciphertext + tag)[, "under": owner id]}

where the plaintext is the field's JSON (the application's transcoder) and the key is the data
key of the aggregate the event belongs to (``PersonalDataCipher``), or of the aggregate named by
the event's ``SEALED_UNDER`` field, named then in ``under`` (a read of a case is its own
aggregate, but what it holds is about the case, so it is sealed under the case's key and erased
with it; a read made after that erasure is sealed under its own key). The seal is bound to the
event's place, ``f"{originator_id}\\n{originator_version}\\n{topic}"``, so it cannot be moved
to another event or case. Every other field stays as it was: the stage, dates, deadlines,
statistics and the integrity chain (which hashes the stored bytes, seal included) are read and
verified without any key.

Reading opens the seal. When the key is gone (the case's personal data was erased, or this reader
holds no keys, as when an export is replayed elsewhere) the event's ``personal`` is ``None``:
every reader of personal data treats ``None`` as "not available".

Events stored before sealing existed keep their plaintext (they are immutable and chained), and
read as they always did. A mapper with no cipher stores personal data as it is (unit tests in
memory; benchmarks measuring what sealing costs) and reads a seal as ``None``.
"""

from __future__ import annotations

import base64
from collections.abc import Hashable
from typing import Any, cast
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import (
    Mapper,
    MapperDeserialisationError,
    StoredEvent,
    Transcoder,
    find_id_convertor,
)
from eventsourcing.utils import get_topic, resolve_topic

from application.ports import KeyDestroyed, PersonalDataCipher

PERSONAL = "personal"
ALGORITHM = "aes-256-gcm"


def is_seal(value: object) -> bool:
    return isinstance(value, dict) and value.get("sealed") == ALGORITHM and "data" in value


def seal_context(originator_id: UUID | str, originator_version: int, topic: str) -> bytes:
    return f"{originator_id}\n{originator_version}\n{topic}".encode()


def has_personal_data(value: object) -> bool:
    """Whether a ``personal`` value holds anything to seal: empty values (``None``, ``""``, and
    records and lists of nothing but those) are left as they are."""
    if isinstance(value, dict):
        return any(has_personal_data(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(has_personal_data(v) for v in value)
    return value is not None and value != ""


def named_owner(cls: type[object], event_state: dict[str, Any]) -> UUID | None:
    """The aggregate an event's ``SEALED_UNDER`` field names, if any (module docstring)."""
    named = getattr(cls, "SEALED_UNDER", None)
    owner = event_state.get(named) if named else None
    return UUID(str(owner)) if owner else None


class SealingMapper(Mapper[UUID]):
    """eventsourcing's mapper with each event's ``personal`` field sealed (module docstring)."""

    def __init__(self, transcoder: Transcoder, cipher: PersonalDataCipher | None) -> None:
        super().__init__(transcoder)
        self.personal_data = cipher

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        topic = get_topic(domain_event.__class__)
        event_state = dict(vars(domain_event))
        originator_id = event_state.pop("originator_id")
        originator_version = event_state.pop("originator_version")
        class_version = getattr(type(domain_event), "class_version", 1)
        if class_version > 1:
            event_state["class_version"] = class_version
        personal = event_state.get(PERSONAL)
        if self.personal_data is not None and has_personal_data(personal):
            event_state[PERSONAL] = _seal(
                self.personal_data, named_owner(type(domain_event), event_state), originator_id,
                seal_context(originator_id, originator_version, topic),
                self.transcoder.encode(personal))
        return StoredEvent(originator_id=originator_id, originator_version=originator_version,
                           topic=topic, state=self.transcoder.encode(event_state))

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        cls = resolve_topic(stored_event.topic)
        try:
            event_state: dict[str, Any] = self.transcoder.decode(stored_event.state)
        except Exception as e:
            msg = (f"Failed to deserialise state of stored event with topic "
                   f"'{stored_event.topic}', originator_id '{stored_event.originator_id}' and "
                   f"originator_version {stored_event.originator_version}: {e}")
            raise MapperDeserialisationError(msg) from e
        if is_seal(event_state.get(PERSONAL)):
            # Opened before upcasting, so that an upcaster sees the fields it was written for.
            event_state[PERSONAL] = self._open(stored_event, event_state[PERSONAL])
        convert = find_id_convertor(cls, cast(Hashable, type(stored_event.originator_id)))
        event_state["originator_id"] = convert(stored_event.originator_id)
        event_state["originator_version"] = stored_event.originator_version
        class_version = getattr(cls, "class_version", 1)
        from_version = event_state.pop("class_version", 1)
        while from_version < class_version:
            getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(event_state)
            from_version += 1
        domain_event = object.__new__(cls)
        object.__setattr__(domain_event, "__dict__", event_state)
        return cast(DomainEventProtocol[UUID], domain_event)

    def _open(self, stored: StoredEvent, seal: dict[str, Any]) -> Any:
        if self.personal_data is None:
            return None
        originator = stored.originator_id if isinstance(stored.originator_id, UUID) \
            else UUID(str(stored.originator_id))
        owner = UUID(seal["under"]) if seal.get("under") else originator
        plaintext = self.personal_data.open(
            owner, seal_context(originator, stored.originator_version, stored.topic),
            base64.b64decode(seal["data"]))
        return None if plaintext is None else self.transcoder.decode(plaintext)


def _seal(cipher: PersonalDataCipher, named: UUID | None, originator_id: UUID, context: bytes,
          plaintext: bytes) -> dict[str, str]:
    """The seal of an event's personal data: under the owner its ``SEALED_UNDER`` names, unless
    that owner's key was destroyed; else under its own aggregate's key."""
    if named is not None and named != originator_id:
        try:
            sealed = cipher.seal(named, context, plaintext)
        except KeyDestroyed:  # the named owner is erased: this fact keeps its own key
            pass
        else:
            return {"sealed": ALGORITHM, "data": base64.b64encode(sealed).decode("ascii"),
                    "under": str(named)}
    sealed = cipher.seal(originator_id, context, plaintext)
    return {"sealed": ALGORITHM, "data": base64.b64encode(sealed).decode("ascii")}
