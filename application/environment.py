"""Settings read from the CASELEDGER_* environment: one reading of each kind of value, with the
same plain message for a bad one wherever it is read."""

from __future__ import annotations

from collections.abc import Mapping

from domain.errors import InvalidInput


def whole_number(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    """A whole number in [low, high]; ``default`` when the variable is unset or empty."""
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(f"{name}={raw!r} is not a whole number.") from None
    if not low <= value <= high:
        raise InvalidInput(f"{name}={value} is out of range; use {low} to {high}.")
    return value
