"""A rule the engine enforces, with the source it rests on (the rules catalogue).

Clocks and stage transitions already carry their ``Basis``; a rule that is a check in code (a
refusal, a condition) is declared beside the code that enforces it, in its module's ``RULES``, so
that the catalogue (``caseledger rules``, ``docs/rules.md``) lists what the engine actually does.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.policy import Basis


@dataclass(frozen=True)
class Rule:
    """One rule: what the engine does, and why it may."""

    case_type: str
    """``dardr``, ``asb``, ``encampment``, or ``common`` for every case type."""

    name: str
    """A short, stable id, e.g. ``dardr.close.commissioner-copy``."""

    says: str
    """What the engine does, in plain English (one or two sentences)."""

    basis: Basis
    """The source: its kind and citation, as read; unverifiable ones say so."""

    link: str = ""
    """Where the source can be read (legislation.gov.uk, gov.uk), where known."""
