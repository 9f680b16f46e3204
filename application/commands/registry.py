"""One registry: each command class, the case type it applies to, and its handler.

A case command's handler is a small typed function ``(case, command, ctx) -> str | None`` that
calls the domain method with typed arguments (mypy checks the call against the domain); it
answers with the id of anything it created (an action A1, a process P1, a complaint C4), else
None. A command registered for ``Case`` applies to a case of any type.

Before any handler runs, every date the command carries is checked against its window around
the command's effective date (``check_dates``; domain/limits.py), so no handler can forget it.

An opening command's entry names the case type it opens, how to create the case once the
service has allocated its reference and resolved the policy in force, and (optionally) how the
policy is chosen and what to report back beyond the reference and stage.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar
from uuid import UUID

from application.commands.base import CaseCommand, OpeningCommand, check_dates
from domain.case import Case, CommandContext
from domain.policy import CasePolicy
from domain.setup import Partnership

C = TypeVar("C", bound=Case)
K = TypeVar("K", bound=CaseCommand)
O = TypeVar("O", bound=OpeningCommand)  # noqa: E741


@dataclass(frozen=True)
class NewCase:
    """What an opening handler is given: the context, the allocated id and reference, the
    policy in force on the effective date, and the partnership's earlier cases of the type."""

    ctx: CommandContext
    case_id: UUID
    reference: str
    policy: CasePolicy
    earlier: Callable[[], Sequence[Case]]


@dataclass(frozen=True)
class CaseHandling(Generic[C, K]):
    case_class: type[C]
    handle: Callable[[C, K, CommandContext], str | None]


@dataclass(frozen=True)
class Opening(Generic[O, C]):
    case_class: type[C]
    create: Callable[[O, NewCase], C]
    policy: Callable[[O, Partnership, str], CasePolicy] | None = None
    detail: Callable[[C], dict[str, Any]] | None = None


class Registry:
    """Command class → its handling; filled once, at import, by ``application.commands.handlers``."""

    def __init__(self) -> None:
        self._cases: dict[type[CaseCommand], CaseHandling[Any, Any]] = {}
        self._openings: dict[type[OpeningCommand], Opening[Any, Any]] = {}

    def on(self, case_class: type[C], command: type[K]) -> Callable[
            [Callable[[C, K, CommandContext], str | None]],
            Callable[[C, K, CommandContext], str | None]]:
        """Register the decorated function as the handler of ``command`` on ``case_class``."""

        def register(handle: Callable[[C, K, CommandContext], str | None]
                     ) -> Callable[[C, K, CommandContext], str | None]:
            if command in self._cases:
                raise ValueError(f"{command.__name__} is registered twice")

            def checked(case: C, given: K, ctx: CommandContext) -> str | None:
                check_dates(given, ctx.effective)
                return handle(case, given, ctx)

            self._cases[command] = CaseHandling(case_class, checked)
            return handle

        return register

    def opens(self, command: type[O], opening: Opening[O, C]) -> None:
        if command in self._openings:
            raise ValueError(f"{command.__name__} is registered twice")
        create = opening.create

        def checked(given: O, new: NewCase) -> C:
            check_dates(given, new.ctx.effective)
            return create(given, new)

        self._openings[command] = replace(opening, create=checked)

    def handling(self, command: CaseCommand) -> CaseHandling[Any, Any]:
        try:
            return self._cases[type(command)]
        except KeyError:
            raise LookupError(f"No handler is registered for {type(command).__name__}.") from None

    def opening(self, command: OpeningCommand) -> Opening[Any, Any]:
        try:
            return self._openings[type(command)]
        except KeyError:
            raise LookupError(f"No opening is registered for {type(command).__name__}.") from None

    def case_commands(self) -> dict[type[CaseCommand], type[Case]]:
        """Every case command and the case type it applies to (``Case``: any)."""
        return {command: h.case_class for command, h in self._cases.items()}

    def opening_commands(self) -> dict[type[OpeningCommand], type[Case]]:
        return {command: o.case_class for command, o in self._openings.items()}


REGISTRY = Registry()
