"""Plain data as events store it: JSON values, and the shapes personal fields take.

Personal data (names, contact details, addresses, dates of birth, free text) lives only in an
event's ``personal`` field, never in a case's state, so that it can be encrypted with a per-case
key and erased when retention ends while deadlines, statistics and the audit chain keep working.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import TypeAlias

Json: TypeAlias = str | int | float | bool | None | Sequence["Json"] | Mapping[str, "Json"]
JsonObject: TypeAlias = Mapping[str, Json]

Text: TypeAlias = dict[str, str]
"""A personal field of named texts: ``{"name": "A. Chair"}``, ``{"note": "…"}``."""

Texts: TypeAlias = dict[str, list[str]]
"""A personal field of lists of texts: ``{"points": ["…", "…"]}``."""

Addressees: TypeAlias = dict[str, list[dict[str, str]]]
"""Who a reminder went to: ``{"to": [{"role", "of", "name", "email"}]}``."""


def stored(fields: Mapping[str, object]) -> dict[str, object]:
    """Event fields as they are stored and read back: a choice (``StrEnum``) as its plain text."""
    return {name: _plain(value) for name, value in fields.items()}


def _plain(value: object) -> object:
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
