"""Stage machines as data: one mechanism, one table per case type (processes/common.md, "Stages").

A ``ProcessDefinition`` names the stages of a case type and, for every command, the stages it is
allowed in and the stages it may lead to, with its basis. A refused command raises ``WrongStage``
naming the current stage and what is allowed there; nothing is recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from domain.errors import WrongStage
from domain.policy import Basis, CasePolicy


@dataclass(frozen=True)
class Transition:
    """A command of the process: where it may be used, where it may lead, and why it exists."""

    command: str
    allowed_in: frozenset[str]
    leads_to: frozenset[str]
    basis: Basis


def transition(command: str, allowed_in: str | Sequence[str],
               leads_to: str | Sequence[str] | None, kind: str, reference: str) -> Transition:
    """Shorthand for the transition tables: a stage, or a list of stages."""

    def as_set(value: str | Sequence[str] | None) -> frozenset[str]:
        if value is None:
            return frozenset()
        return frozenset([value] if isinstance(value, str) else value)

    return Transition(command, as_set(allowed_in), as_set(leads_to), Basis(kind, reference))


@dataclass(frozen=True)
class ProcessDefinition:
    """Everything particular to a case type that the common mechanics need to know."""

    case_type: str
    reference_code: str
    stages: tuple[str, ...]
    transitions: dict[str, Transition]
    return_kinds: tuple[str, ...]
    action_levels: tuple[str, ...] = (
        "single-agency", "multi-agency", "local", "regional", "national",
    )
    process_kinds: tuple[str, ...] = ()
    # The national default policy, given a case's policy settings (e.g. its guidance version).
    national_policy: Callable[[Mapping[str, str]], CasePolicy] = lambda _: CasePolicy("none", "1970-01-01")
    closed_stage: str = "closed"

    def allowed_commands(self, stage: str) -> list[str]:
        return sorted(t.command for t in self.transitions.values() if stage in t.allowed_in)

    def check(self, command: str, stage: str, reference: str) -> Transition:
        """The transition for ``command`` if allowed at ``stage``; else ``WrongStage``."""
        found = self.transitions[command]
        if stage not in found.allowed_in:
            raise WrongStage(command, reference, stage, self.allowed_commands(stage))
        return found

    def open_stages(self, *, but: tuple[str, ...] = ()) -> list[str]:
        return [s for s in self.stages if s != self.closed_stage and s not in but]

    def stages_from(self, first: str, *, until: str | None = None) -> list[str]:
        """Open stages from ``first`` onwards in table order (up to and including ``until``)."""
        ordered = self.open_stages()
        start = ordered.index(first)
        end = ordered.index(until) + 1 if until else len(ordered)
        return ordered[start:end]
