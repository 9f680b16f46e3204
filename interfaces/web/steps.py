"""The steps of each process as the stage tables name them (``domain/*.py``: ``decide``,
``pause``) and the typed commands that take them (``DecideReview``, ``PauseCase``): what the case
page offers at a stage, and what a command's form says about where it is allowed."""

from __future__ import annotations

from pydantic import BaseModel

from application.commands import REGISTRY, CorrectPersonalData, MigratePolicy
from application.commands.common import (
    ErasePersonalData,
    LiftLegalHold,
    LiftRestriction,
    PlaceLegalHold,
    RestrictCase,
)
from domain.case import Case
from domain.process import ProcessDefinition
from interfaces.http.cases import DEFINITIONS, route_name

ANY_STAGE = (RestrictCase, LiftRestriction, PlaceLegalHold, LiftLegalHold, ErasePersonalData,
             CorrectPersonalData)
"""Commands that are not steps of the process: a case may be restricted, or its restriction
lifted, at any stage (domain/case.py ``restrict``); so with legal holds and corrections of
personal data; erasure is offered once the case is closed (the domain refuses it before its
retention ends)."""

PREFILLED: dict[type[BaseModel], tuple[str, ...]] = {CorrectPersonalData: ("version", "field")}
"""Fields a command's form takes from its address (the case page's "Correct" links): which fact
and which of its fields, never a value."""


def _command_classes(definition: ProcessDefinition) -> dict[str, type[BaseModel]]:
    """The definition's command names (``decide``, ``pause``) → the registry's command classes
    (``DecideReview``, ``PauseCase``): the command whose route name is the name, else the
    common command named ``{name}-case`` (``pause`` → ``pause-case``), else the type's own command
    that starts with it (``decide`` → ``decide-review`` for a DARDR)."""
    own: dict[str, type[BaseModel]] = {}
    common: dict[str, type[BaseModel]] = {route_name(MigratePolicy): MigratePolicy}
    for command, case_class in REGISTRY.case_commands().items():
        if case_class is Case:
            common[route_name(command)] = command
        elif getattr(case_class, "definition", None) is definition:
            own[route_name(command)] = command
    found: dict[str, type[BaseModel]] = {}
    for name in definition.transitions:
        match = own.get(name) or common.get(name) or common.get(f"{name}-case") or next(
            (c for route, c in sorted(own.items()) if route.startswith(f"{name}-")), None)
        if match is not None:
            found[name] = match
    return found


COMMANDS = {case_type: _command_classes(d) for case_type, d in DEFINITIONS.items()}
"""Each case type's steps → their commands."""

STEP_OF: dict[type[BaseModel], str] = {
    command: step for steps in COMMANDS.values() for step, command in steps.items()}
"""Each command → the step it takes (the same name in every case type's table)."""
