"""Local policy as data: every timescale carries its basis (processes/common.md, "Local policy").

Statute fixes few numbers; most clocks are statutory guidance or local procedure and change
over time. A case stores the resolved policy it was opened under (``CasePolicy``) inside its
opening event, so replay never depends on policy data that changes later.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypedDict

from domain.calendar import ClockData, ClockRule, ClockUnit
from domain.errors import InvalidInput
from domain.reminders import Ladders

BASIS_KINDS = (
    "statute",
    "statutory guidance",
    "draft guidance (not in force)",  # a consultation draft: a partnership may adopt it as policy
    "case law",
    "civil procedure rule",
    "local procedure",  # a partnership's published procedure, cited as published
    "illustrative local practice",  # an example partnership's figure, not a published document
    "assumed local practice",  # no verifiable source: said so rather than invented
    "agreement",  # e.g. an extension agreed with the Home Office
    "action plan",
)
"""The kinds of source a rule, a clock or a recorded fact rests on. Facts keep the kind they were
recorded with, so a kind is added here and never removed."""


class BasisData(TypedDict):
    kind: str
    reference: str


class ClockPolicyData(TypedDict):
    """A ``ClockPolicy`` as policy events and a case's opening event store it."""

    rule: ClockData
    basis: BasisData


@dataclass(frozen=True)
class Basis:
    """Why an obligation exists: its kind and a short citation, shown in audit and reports."""

    kind: str
    reference: str

    def __post_init__(self) -> None:
        if self.kind not in BASIS_KINDS:
            raise InvalidInput(f"Unknown basis kind '{self.kind}'; use one of {', '.join(BASIS_KINDS)}.")

    def __str__(self) -> str:
        return f"{self.kind}: {self.reference}"

    def to_dict(self) -> BasisData:
        return {"kind": self.kind, "reference": self.reference}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Basis:
        return cls(kind=str(data["kind"]), reference=str(data["reference"]))


@dataclass(frozen=True)
class ClockPolicy:
    """One deadline kind: how its due time is computed and on what basis."""

    rule: ClockRule
    basis: Basis

    def to_dict(self) -> ClockPolicyData:
        return {"rule": self.rule.to_dict(), "basis": self.basis.to_dict()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ClockPolicy:
        return cls(rule=ClockRule.from_dict(data["rule"]), basis=Basis.from_dict(data["basis"]))


def clock(unit: ClockUnit, amount: int, kind: str, reference: str, *,
          out_of_hours_next_working_day: bool = False) -> ClockPolicy:
    """Shorthand used by the national default tables."""
    rule = ClockRule(unit=unit, amount=amount,
                     out_of_hours_next_working_day=out_of_hours_next_working_day)
    return ClockPolicy(rule, Basis(kind, reference))


@dataclass(frozen=True)
class CasePolicy:
    """The policy a case runs under: an identified version, its settings and its clocks."""

    version: str
    effective_from: str
    settings: dict[str, str] = field(default_factory=dict)
    clocks: dict[str, ClockPolicy] = field(default_factory=dict)
    reminders: Ladders = field(default_factory=dict)
    """Reminder ladders per deadline kind (domain/reminders.py); kinds left out use the national
    ladder. Policies stored before ladders existed have none, so they use the national ladder."""

    def clock_for(self, kind: str) -> ClockPolicy:
        try:
            return self.clocks[kind]
        except KeyError:
            raise InvalidInput(
                f"The policy {self.version} defines no clock '{kind}'; "
                f"defined: {', '.join(sorted(self.clocks))}."
            ) from None

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "effective_from": self.effective_from,
            "settings": dict(self.settings),
            "clocks": {name: c.to_dict() for name, c in sorted(self.clocks.items())},
            "reminders": {kind: list(steps) for kind, steps in sorted(self.reminders.items())},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CasePolicy:
        return cls(
            version=str(data["version"]),
            effective_from=str(data["effective_from"]),
            settings={str(k): str(v) for k, v in data.get("settings", {}).items()},
            clocks={str(k): ClockPolicy.from_dict(v) for k, v in data.get("clocks", {}).items()},
            reminders={str(k): list(v) for k, v in data.get("reminders", {}).items()},
        )

    def with_overrides(self, version: str, effective_from: str, clocks: dict[str, ClockPolicy],
                       settings: dict[str, str],
                       reminders: Ladders | None = None) -> CasePolicy:
        """A local version: the national defaults with a partnership's own numbers."""
        return CasePolicy(
            version=version,
            effective_from=effective_from,
            settings={**self.settings, **settings},
            clocks={**self.clocks, **clocks},
            reminders={**self.reminders, **(reminders or {})},
        )
