"""Rectification (UK GDPR Art. 16): ``CorrectPersonalData`` and the check that needs the event it
corrects (domain/personal.py holds the event and its rule).

A handler sees only the case, whose state holds no personal data; the value being corrected is
in an earlier event. ``CaseService.execute`` therefore reads the case's events from the corrected
one on and hands this module's ``corrected_value`` to the domain, which refuses an unchanged value,
a path that names no text, and an erased case.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from pydantic import Field

from application.commands.base import CaseCommand, Name, Text
from domain.personal import personal_of
from domain.plain import Json


class CorrectPersonalData(CaseCommand):
    """Correct a wrong personal value (a name, contact details, free text) recorded by an
    earlier fact: the old value is kept, marked superseded, and no longer shown."""

    version: Annotated[int, Field(ge=1, le=10**9, description=(
        "The version of the case whose fact recorded the wrong value (see the case's history)."))]
    field: Name = Field(default="", description=(
        "Where the value is in that fact's personal data: its name (e.g. victim_pseudonym), a "
        "dotted path for a value inside a list or record (e.g. points.1), or empty when the "
        "fact's personal data is a single text."))
    value: Text = Field(description="The right value.")


def corrected_value(events: Sequence[object], version: int) -> Json:
    """The personal value of the event at ``version`` as it stands now (after earlier
    corrections), from the case's events from that version on; None if it holds none (or it was
    erased)."""
    return personal_of(events, version)
