"""The commands common to every case type (processes/common.md): returns, deadlines, pauses,
parallel processes, actions, notes, policy, closing and re-opening.

Which return kinds, process kinds and action levels exist depends on the case type; the case checks
them and names the ones it allows.
"""

from __future__ import annotations

from typing import Self

from pydantic import Field, PrivateAttr

from application.commands.base import CaseCommand, EffectiveTime, Name, Slug, Text
from domain import limits
from domain.case import Rag
from domain.retention import RetentionRule

RETURN_KIND = "The kind of return (DARDR: scoping, chronology, imr, short-report, information)."


class ReturnCommand(CaseCommand):
    """A command about one agency's return of one kind."""

    agency: Slug = Field(description="The agency's short id.")
    kind: Name = Field(description=RETURN_KIND)

    def agencies_named(self) -> tuple[str, ...]:
        return (self.agency,)


class RequestReturn(ReturnCommand):
    """Ask an agency for a return (scoping, chronology, IMR…); its deadline starts."""

    due: EffectiveTime | None = Field(default=None, description="Due date instead of the policy's clock.")


class ReceiveReturn(ReturnCommand):
    """Record that a return arrived; its deadline is met (on time or late)."""


class SubmitReturnDocument(ReturnCommand):
    """Record a return submitted as a document: a requested (or challenged) return is received
    with it; a received one gets a new version that supersedes the last. The content is stored
    apart by the document service; the command carries its id, hash, size and type."""

    document_id: Name = Field(min_length=1, max_length=64, description="The stored document's id.")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="The content's SHA-256 (hex).")
    size: int = Field(ge=1, description="The content's size in bytes.")
    content_type: Name = Field(min_length=1, description="The content's media type.")
    filename: Name = Field(default="", description="The name it was uploaded with (personal).")


class AcceptReturn(ReturnCommand):
    """Accept a received return as good enough."""


class ChallengeReturn(ReturnCommand):
    """Challenge the quality of a received return and ask again (the reason is required)."""

    due: EffectiveTime | None = Field(default=None, description="Due date instead of the policy's clock.")


class WithdrawReturn(ReturnCommand):
    """Withdraw a return request; its deadline is cancelled."""


class ExtendDeadline(CaseCommand):
    """Move a deadline later (the reason says why, and who agreed)."""

    name: Name = Field(description="The deadline's name (as the case shows it).")
    to: EffectiveTime = Field(description="The new due date.")


class PauseCase(CaseCommand):
    """Stop the clock (the reason is required, e.g. awaiting the criminal trial)."""

    clocks: list[Name] | None = Field(
        default=None, max_length=50, description="Deadlines to stop (default: every open one).")


class ResumeCase(CaseCommand):
    """Restart the paused clocks; their due dates move on by the paused span."""


class LinkProcess(CaseCommand):
    """Link a parallel process (criminal trial, inquest…); answers with its id (P1…)."""

    kind: Name = Field(description="criminal, inquest, iopc, sar, cspr, mhhr, owhr or other.")
    reference: Name = Field(description="The other process's own reference.")
    pause: bool = Field(default=False, description="Also pause the case while this process is open.")


class UpdateProcess(CaseCommand):
    """Record progress of a linked process and its key dates."""

    process_id: Name = Field(description="The linked process's id (P1…).")
    status: Text = Field(description="Where the process stands.")
    key_dates: dict[Name, EffectiveTime] = Field(
        default_factory=dict, max_length=50, description="Key dates by name, e.g. trial.")


class ConcludeProcess(CaseCommand):
    """Record that a linked process ended (a pause it caused ends with it)."""

    process_id: Name = Field(description="The linked process's id (P1…).")
    outcome: Text = Field(description="How it ended (e.g. convicted).")


class AddAction(CaseCommand):
    """Add an action to the plan; answers with its id (A1…)."""

    recommendation: Text = Field(description="The recommendation or action.")
    owner: Slug = Field(description="The agency that owns it.")
    level: Name = Field(description="single-agency, multi-agency, local, regional or national.")
    due: EffectiveTime = Field(description="Due date.")

    def agencies_named(self) -> tuple[str, ...]:
        return (self.owner,)


class UpdateAction(CaseCommand):
    """Record progress on an action (RAG status and a note)."""

    action_id: Name = Field(description="The action's id (A1…).")
    rag: Rag = Field(description="red, amber or green.")
    note: Text = Field(description="Progress note.")


class CloseAction(CaseCommand):
    """Close an action with the evidence that it is done."""

    action_id: Name = Field(description="The action's id (A1…).")
    evidence: Text = Field(description="Evidence of completion.")


class AddNote(CaseCommand):
    """Add a note to the case."""

    text: Text = Field(description="The note.")


class CloseCase(CaseCommand):
    """Close the case (closing with actions still open needs a reason)."""

    outcome: Text = Field(description="The outcome of the case.")


class ReopenCase(CaseCommand):
    """Re-open a closed case at the stage it was closed from (the reason is required)."""


class MigratePolicy(CaseCommand):
    """Move the case to the partnership's policy version in force on the effective date (the
    reason is required)."""


class RestrictCase(CaseCommand):
    """Restrict the case to named people: others see only that it exists (reference, type,
    stage, deadlines). Restricting a restricted case replaces the people named.

    access.md, "Restricted cases": for example where staff know the family."""

    people: list[Slug] = Field(min_length=1, max_length=limits.MAX_ITEMS,
                               description="The usernames of the people who may read the case.")
    why: Text = Field(description="Why the case is restricted (kept out of views and logs).")


class LiftRestriction(CaseCommand):
    """Lift the case's restriction: everyone in scope reads it as their role allows."""

    why: Text = Field(description="Why the restriction is lifted (kept out of views and logs).")


HOLD_LABEL = "A short matter or file number to name the hold by, e.g. LIT-2031-04 (not a name)."


class PlaceLegalHold(CaseCommand):
    """Place a legal hold: the case's personal data is kept beyond its retention until the hold
    is lifted (UK GDPR Art. 17(3)(e), e.g. a claim, an inquiry, a complaint to the ICO). A case
    may carry several holds, each by its label."""

    label: Name = Field(min_length=1, max_length=40, description=HOLD_LABEL)
    why: Text = Field(description="Why the data must be kept (kept out of views and logs).")


class LiftLegalHold(CaseCommand):
    """Lift the legal hold with this label; once no hold is open, retention applies again."""

    label: Name = Field(min_length=1, max_length=40, description="The label of the open hold.")
    why: Text = Field(description="Why the hold ends (kept out of views and logs).")


class ErasePersonalData(CaseCommand):
    """Erase the case's personal data at the end of its retention: its data key is destroyed,
    so nobody can read its personal data again, while its non-personal history, deadlines and
    statistics stay. Only a closed case, with no legal hold open, whose retention has ended
    (application/retention.py); nothing more can be recorded on it afterwards."""

    # The retention rule in force on the effective date, for the partnership's case type: the
    # service resolves it (CaseService.execute), so that a caller never chooses its own rule.
    _rule: RetentionRule | None = PrivateAttr(default=None)

    def under(self, rule: RetentionRule) -> Self:
        """This command, assessed under ``rule``."""
        assessed = self.model_copy()
        assessed._rule = rule
        return assessed

    def rule(self) -> RetentionRule:
        if self._rule is None:  # a programming error: only the service hands it to the handler
            raise RuntimeError("ErasePersonalData reached its handler without a retention rule")
        return self._rule
