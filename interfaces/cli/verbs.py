"""Command-line verbs generated from the command models (application/commands).

``Verb("decide", DecideReview)`` becomes ``caseledger dardr decide REF --outcome … --rationale …``:
one option per field of the model (``--date-of-death`` from ``date_of_death``), its help from the
field's description, choices from its enum, ``--flag/--no-flag`` pairs for booleans that default
to true, lists separated by commas (or given by repeating the option), dates and date-times
checked by the model. A ``Verb`` only says where the command line spells a field otherwise than
the model names it (``--lead`` for ``lead_agency``), and how: it keeps the model free of the
command line's vocabulary.

The generated function builds the model (a value it refuses is ``InvalidInput`` naming the field,
exit 2), runs it through ``CaseService.execute`` (a command on a case) or ``CaseService.open`` (a
command that opens one), and prints the result like every other command.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import typer
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from application.commands import CaseCommand, Command, OpeningCommand, invalid_input
from application.commands.base import EFFECTIVE
from application.service import CaseResult
from domain.errors import InvalidInput
from interfaces.cli.common import TIME_HELP, Invocation, Ref, command, parse_time

Note = Callable[[Invocation, CaseResult], "str | None"]


@dataclass(frozen=True)
class Verb:
    """A command model as a command-line verb, and where the command line spells it otherwise.

    - ``flags``: field → option (``{"lead_agency": "--lead"}``); default ``--field-name``.
    - ``off``: boolean field → the option that sets it false (``{"met": "--not-met"}``).
    - ``repeat``: list fields given by repeating the option instead of separating by commas.
    - ``parse``: field → how one item is read from its text (``NAME=DATE``, a complaint spec).
    - ``switches``: a choice field given as one switch per choice (``--tolerate``, ``--not-allow``).
    - ``on_alias``: an option that stands for ``--on`` (``--date``: the meeting date), with its help.
    - ``note``: what to add to the one-line summary (e.g. the deadline the case now runs to).
    """

    name: str
    model: type[Command]
    flags: Mapping[str, str] = field(default_factory=dict)
    off: Mapping[str, str] = field(default_factory=dict)
    repeat: frozenset[str] = frozenset()
    parse: Mapping[str, Callable[[str], Any]] = field(default_factory=dict)
    metavars: Mapping[str, str] = field(default_factory=dict)
    switches: frozenset[str] = frozenset()
    on_alias: tuple[str, str] | None = None
    note: Note | None = None

    def flag(self, name: str) -> str:
        if name in self.switches:
            choices = choices_of(self.model.model_fields[name])
            return "/".join(f"--{choice}" for choice in choices)
        return self.flags.get(name, "--" + name.replace("_", "-"))


def register(app: typer.Typer, area: str, verbs: Iterable[Verb]) -> None:
    """Add each verb to ``app`` as ``<area> <verb>``."""
    for verb in verbs:
        command(app, verb.name, area, help=_help(verb.model))(_function(verb))


def _help(model: type[BaseModel]) -> str:
    return inspect.cleandoc(model.__doc__ or "").split("\n\n")[0].replace("\n", " ")


# --------------------------------------------------------------------------- field types


def _without_none(annotation: Any) -> tuple[Any, bool]:
    """(the annotation without ``None``, whether ``None`` was allowed)."""
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        optional = len(args) < len(get_args(annotation))
        return (args[0] if len(args) == 1 else Union[tuple(args)]), optional  # noqa: UP007
    return annotation, False


def _plain(annotation: Any) -> Any:
    """``Annotated[str, …]`` → ``str``."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _is_choice(annotation: Any) -> bool:
    return get_origin(annotation) is Literal or (
        isinstance(annotation, type) and issubclass(annotation, Enum))


def choices_of(info: FieldInfo) -> list[str]:
    annotation = _plain(_without_none(info.annotation)[0])
    if get_origin(annotation) is Literal:
        return [str(a) for a in get_args(annotation)]
    return [str(member.value) for member in annotation]


def _is_time(info: FieldInfo) -> bool:
    """Whether the field is an effective date or date-time (help and metavar say so)."""

    def walk(annotation: Any) -> Iterable[Any]:
        yield annotation
        for arg in get_args(annotation):
            yield from walk(arg)

    return any(m is EFFECTIVE for m in info.metadata) or any(
        a is EFFECTIVE for a in walk(info.annotation))


def _default(info: FieldInfo) -> Any:
    if info.is_required() or info.default_factory is not None:
        return None
    value = info.default
    return value.value if isinstance(value, Enum) else value


# --------------------------------------------------------------------------- options


@dataclass
class _Option:
    """One field as options: the parameters Typer sees, and how they become the field's value."""

    parameters: list[inspect.Parameter]
    value: Callable[[dict[str, Any]], Any]


KW = inspect.Parameter.KEYWORD_ONLY


def _option(verb: Verb, name: str, info: FieldInfo) -> _Option:
    base, optional = _without_none(info.annotation)
    base = _plain(base)
    flag = verb.flag(name)
    text = info.description or ""
    required = info.is_required()
    default = _default(info)
    is_time = _is_time(info)
    if is_time:
        text = f"{text.rstrip('.')}: {TIME_HELP}."
    metavar = verb.metavars.get(name)

    def single(annotation: Any, decls: str, **settings: Any) -> _Option:
        option = typer.Option(decls, help=text, **settings)
        parameter = inspect.Parameter(
            name, KW, annotation=Annotated[annotation, option],
            default=inspect.Parameter.empty if required else default)
        return _Option([parameter], lambda given: given[name])

    if name in verb.switches:
        choices = choices_of(info)
        parameters = [inspect.Parameter(
            f"{name}_{i}", KW, default=False,
            annotation=Annotated[bool, typer.Option(f"--{choice}", help=f"{text} ({choice}).")])
            for i, choice in enumerate(choices)]

        def chosen(given: dict[str, Any]) -> Any:
            picked = [c for i, c in enumerate(choices) if given[f"{name}_{i}"]]
            if len(picked) != 1:
                raise InvalidInput(f"Give exactly one of {', '.join('--' + c for c in choices)}.")
            return picked[0]

        return _Option(parameters, chosen)
    if base is bool:
        off = verb.off.get(name)
        decls = f"{flag}/{off}" if off else (
            flag if default is False else f"{flag}/--no-{flag.removeprefix('--')}")
        return single(bool, decls)
    parse = verb.parse.get(name)
    origin = get_origin(base)
    if origin in (list, dict):
        item: Callable[[str], Any] = parse or str
        if name in verb.repeat or origin is dict:
            required = False  # an empty list is the model's to refuse
            option = typer.Option(flag, metavar=metavar or "TEXT", help=f"{text} (repeatable).")
            parameter = inspect.Parameter(name, KW, default=None,
                                          annotation=Annotated[list[str] | None, option])

            def repeated(given: dict[str, Any]) -> Any:
                items = [item(v) for v in given[name] or []]
                if origin is dict:
                    return dict(pair for part in items for pair in part.items())
                return items or None

            return _Option([parameter], repeated)
        option = typer.Option(flag, metavar=metavar or "A,B,…", help=f"{text} Separated by commas.")
        parameter = inspect.Parameter(
            name, KW, annotation=Annotated[str if required else str | None, option],
            default=inspect.Parameter.empty if required else None)

        def separated(given: dict[str, Any]) -> Any:
            raw = given[name]
            if raw is None:
                return None
            return [item(part.strip()) for part in raw.split(",") if part.strip()]

        return _Option([parameter], separated)
    if parse is not None:
        option = typer.Option(flag, metavar=metavar or "TEXT", help=text)
        parameter = inspect.Parameter(
            name, KW, annotation=Annotated[str if required else str | None, option],
            default=inspect.Parameter.empty if required else None)
        return _Option([parameter], lambda given: None if given[name] is None else parse(given[name]))
    if _is_choice(base):
        annotation = base | None if optional else base
        return single(annotation, flag)
    scalar = base if base in (int, float) else str
    metavar = metavar or ("TIME" if is_time else "N" if scalar is int else "TEXT")
    return single(scalar | None if optional or not required and default is None else scalar,
                  flag, metavar=metavar)


# --------------------------------------------------------------------------- the command


def _function(verb: Verb) -> Callable[..., None]:
    options = {name: _option(verb, name, info) for name, info in verb.model.model_fields.items()}
    on_case = issubclass(verb.model, CaseCommand)
    parameters = [inspect.Parameter("inv", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                    annotation=Invocation)]
    if on_case:
        parameters.append(inspect.Parameter("ref", KW, annotation=Ref))
    for option in options.values():
        parameters += option.parameters
    if verb.on_alias is not None:
        alias, text = verb.on_alias
        parameters.append(inspect.Parameter(
            "on_alias", KW, default=None,
            annotation=Annotated[str | None, typer.Option(alias, metavar="TIME", help=text)]))
    flags = {name: verb.flag(name) for name in options}
    if verb.on_alias is not None:
        flags["on_alias"] = verb.on_alias[0]

    def run(inv: Invocation, **given: Any) -> None:
        inv.flags.update(flags)
        if verb.on_alias is not None and given.get("on_alias") is not None:
            inv.on = inv.on or parse_time(given["on_alias"], "on_alias")
        values = {name: option.value(given) for name, option in options.items()}
        try:
            model = verb.model.model_validate({k: v for k, v in values.items() if v is not None})
        except ValidationError as error:
            raise invalid_input(error) from None
        if isinstance(model, CaseCommand):
            result = inv.services.cases.execute(given["ref"], model, inv.meta())
        else:
            assert isinstance(model, OpeningCommand)
            services = inv.fresh()
            result = services.cases.open(model, inv.meta(), views=services.views)
        inv.case_id = result.id
        inv.refresh_views()
        note = verb.note(inv, result) if verb.note is not None else None
        inv.done(result, note, refresh=False)

    run.__name__ = run.__qualname__ = verb.name.replace("-", "_")
    run.__doc__ = _help(verb.model)
    run.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    return run


def verbs_of(*groups: Sequence[Verb]) -> list[Verb]:
    return [verb for group in groups for verb in group]
