"""Choices as ``StrEnum``s, and the one check that turns user input into a member.

A member is a ``str``: stored events keep the plain text (``"intimate-partner"``), and events
read back from the store hold that text, which compares equal to the member.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from domain.errors import InvalidInput

E = TypeVar("E", bound=StrEnum)


def one_of(kind: type[E], value: str, *, field: str, what: str | None = None) -> E:
    """``value`` as a member of ``kind``; InvalidInput naming the field and the choices if not."""
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise InvalidInput(
            f"Unknown {what or field.replace('_', ' ')} '{value}'; use one of {allowed}.", field=field
        ) from None
