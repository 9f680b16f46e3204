"""Command-line verbs generated from the command models (application/commands).

``Verb("decide", DecideReview)`` becomes ``caseledger dardr decide REF --outcome … --rationale …``:
one option per field of the model (``--date-of-death`` from ``date_of_death``), its help from the
field's description and its limits (``0 to 500``, ``up to 200 characters``), choices from its
enum, ``--flag``/``--no-flag`` pairs for booleans that default to true (giving both is refused,
not settled by whichever came last), lists separated by commas (or given by repeating the
option), dates and date-times checked by the model. A ``Verb`` only says where the command line
spells a field otherwise than the model names it (``--lead`` for ``lead_agency``), and how: it
keeps the model free of the command line's vocabulary.

The generated function builds the model (a value it refuses is ``InvalidInput`` naming the field,
exit 2), runs it through ``CaseService.execute`` (a command on a case) or ``CaseService.open`` (a
command that opens one), and prints the result like every other command.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import typer
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from application.commands import CaseCommand, Command, OpeningCommand, command_from
from application.commands.base import EFFECTIVE, InvalidValue, limits_in_words
from application.service import CaseResult
from interfaces.cli.common import TIME_HELP, Invocation, Ref, command, parse_time

Note = Callable[[Invocation, CaseResult], "str | None"]


@dataclass(frozen=True)
class Verb:
    """A command model as a command-line verb, and where the command line spells it otherwise.

    - ``flags``: field → option (``{"lead_agency": "--lead"}``); default ``--field-name``. A
      name that is not a field of the model is one the domain's errors use for it.
    - ``off``: boolean field → the option that sets it false (``{"met": "--not-met"}``).
    - ``repeat``: list fields given by repeating the option instead of separating by commas.
    - ``parse``: field → how one item is read from its text (``NAME=DATE``, a complaint spec).
    - ``switches``: a choice field given as one switch per choice (``--tolerate``, ``--not-allow``).
    - ``formats``: field → how its text is written, for ``--help`` (a complaint's parts).
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
    formats: Mapping[str, str] = field(default_factory=dict)
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


@dataclass(frozen=True)
class _Field:
    """What the options of one field are made from."""

    name: str
    info: FieldInfo
    flag: str
    help: str
    metavar: str | None

    @property
    def required(self) -> bool:
        return self.info.is_required()

    def parameter(self, annotation: Any, decls: str, default: Any = None,
                  **settings: Any) -> inspect.Parameter:
        option = typer.Option(decls, help=self.help, **settings)
        return inspect.Parameter(self.name, KW, annotation=Annotated[annotation, option],
                                 default=inspect.Parameter.empty if self.required else default)

    def text(self) -> inspect.Parameter:
        """A required or optional text option."""
        return self.parameter(str if self.required else str | None, self.flag,
                              metavar=self.metavar or "TEXT")


def _option(verb: Verb, name: str, info: FieldInfo) -> _Option:
    base = _plain(_without_none(info.annotation)[0])
    text = info.description or ""
    limits = limits_in_words(info)
    if name in verb.repeat or get_origin(base) is dict:
        limits = "; ".join(part for part in ("repeatable", limits) if part)
    if _is_time(info):
        text = f"{text.rstrip('.')}: {TIME_HELP}" + (f"; {limits}." if limits else ".")
    elif limits and text.rstrip(".").endswith(")"):  # one bracket, not two in a row
        text = f"{text.rstrip('.')[:-1]}; {limits})."
    elif limits:
        text = f"{text.rstrip('.')} ({limits})."
    if _is_choice(base) and name not in verb.switches:
        missing = [c for c in choices_of(info) if c not in text]
        if missing:
            text = f"{text.rstrip('.')}. One of: {', '.join(choices_of(info))}."
    if name in verb.formats:
        each = "Each is" if name in verb.repeat else "It is"
        text = f"{text} {each} written {verb.formats[name]}."
    field_ = _Field(name, info, verb.flag(name), text, verb.metavars.get(name))
    if name in verb.switches:
        return _switches(field_)
    if base is bool:
        return _bool(field_, verb.off.get(name))
    item = verb.parse.get(name)
    if get_origin(base) is dict:
        return _repeated(field_, item or str, as_dict=True)
    if get_origin(base) is list:
        if name in verb.repeat:
            return _repeated(field_, item or str, as_dict=False)
        return _separated(field_, item or str)
    if item is not None:
        parse = item
        return _Option([field_.text()],
                       lambda given: None if given[name] is None else parse(given[name]))
    return _Option([_scalar(field_, base)], lambda given: given[name])


def _switches(field_: _Field) -> _Option:
    """A choice given as one switch per choice (``--tolerate``); exactly one is needed."""
    choices = choices_of(field_.info)
    parameters = [inspect.Parameter(
        f"{field_.name}_{i}", KW, default=False,
        annotation=Annotated[bool, typer.Option(f"--{choice}", help=f"{field_.help} ({choice}).",
                                                metavar="")])
        for i, choice in enumerate(choices)]

    def chosen(given: dict[str, Any]) -> Any:
        picked = [c for i, c in enumerate(choices) if given[f"{field_.name}_{i}"]]
        if len(picked) != 1:
            raise InvalidValue(f"Give exactly one of {', '.join('--' + c for c in choices)}.",
                               field=field_.name)
        return picked[0]

    return _Option(parameters, chosen)


def _bool(field_: _Field, off: str | None) -> _Option:
    """``--flag`` for a default false, else a pair (``--flag`` and ``--no-flag``, or the off
    switch the verb names). A pair is two switches, so that giving both is refused rather than
    settled by whichever came last."""
    default = _default(field_.info)
    if off is None and default is False:
        switch = typer.Option(field_.flag, help=field_.help, metavar="")
        return _Option([inspect.Parameter(field_.name, KW, default=False,
                                          annotation=Annotated[bool, switch])],
                       lambda given: given[field_.name])
    off = off or f"--no-{field_.flag.removeprefix('--')}"
    off_name = f"{field_.name}__off"
    pair = f"{field_.flag} or {off}"
    then = f"Give {pair}." if field_.required else f"Default: {field_.flag if default else off}."
    parameters = [
        inspect.Parameter(field_.name, KW, default=False, annotation=Annotated[
            bool, typer.Option(field_.flag, help=f"{field_.help} {then}".strip(), metavar="")]),
        inspect.Parameter(off_name, KW, default=False, annotation=Annotated[
            bool, typer.Option(off, help=f"The opposite of {field_.flag}.", metavar="")]),
    ]

    def chosen(given: dict[str, Any]) -> Any:
        yes, no = bool(given[field_.name]), bool(given[off_name])
        if yes and no:
            raise InvalidValue(f"Give {pair}, not both.", field=field_.name)
        if yes or no:
            return yes
        if field_.required:
            raise InvalidValue(f"Give {pair}.", field=field_.name)
        return default

    return _Option(parameters, chosen)


def _repeated(field_: _Field, item: Callable[[str], Any], *, as_dict: bool) -> _Option:
    """A list (or a mapping) given by repeating the option; an empty one is the model's to
    refuse."""
    option = typer.Option(field_.flag, metavar=field_.metavar or "TEXT", help=field_.help)
    parameter = inspect.Parameter(field_.name, KW, default=None,
                                  annotation=Annotated[list[str] | None, option])

    def repeated(given: dict[str, Any]) -> Any:
        items = [item(v) for v in given[field_.name] or []]
        if as_dict:
            return dict(pair for part in items for pair in part.items())
        return items or None

    return _Option([parameter], repeated)


def _separated(field_: _Field, item: Callable[[str], Any]) -> _Option:
    """A list given as one option with its items separated by commas (``A,B,C``)."""
    option = typer.Option(field_.flag, metavar=field_.metavar or "A,B,…",
                          help=f"{field_.help} Separated by commas.")
    parameter = inspect.Parameter(
        field_.name, KW, annotation=Annotated[str if field_.required else str | None, option],
        default=inspect.Parameter.empty if field_.required else None)

    def separated(given: dict[str, Any]) -> Any:
        raw = given[field_.name]
        if raw is None:
            return None
        return [item(part.strip()) for part in raw.split(",") if part.strip()]

    return _Option([parameter], separated)


def _scalar(field_: _Field, base: Any) -> inspect.Parameter:
    """A choice (from its enum), a number or a text; the model's default shown as the option's."""
    optional = _without_none(field_.info.annotation)[1]
    default = _default(field_.info)
    if _is_choice(base):  # the choices are in the help text: a short metavar keeps it readable
        metavar = field_.metavar or "CHOICE"
        return field_.parameter(base | None if optional else base, field_.flag, default,
                                metavar=metavar)
    scalar = base if base in (int, float) else str
    metavar = field_.metavar or ("TIME" if _is_time(field_.info) else
                                 "N" if scalar is int else "TEXT")
    annotation = scalar | None if optional or not field_.required and default is None else scalar
    return field_.parameter(annotation, field_.flag, default, metavar=metavar)


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
    flags = {**verb.flags, **{name: verb.flag(name) for name in options}}
    if verb.on_alias is not None:
        flags["on_alias"] = verb.on_alias[0]

    def run(inv: Invocation, **given: Any) -> None:
        inv.flags.update(flags)
        if inv.on is not None and not inv.on.strip():  # an empty --on is a slip, not "now"
            raise InvalidValue("The effective time is empty; leave --on out to mean now.",
                               field="on")
        if verb.on_alias is not None and given.get("on_alias") is not None:
            inv.on = inv.on or parse_time(given["on_alias"], "on_alias")
        values = {name: option.value(given) for name, option in options.items()}
        model = command_from(verb.model, {k: v for k, v in values.items() if v is not None})
        if isinstance(model, OpeningCommand):
            services = inv.fresh()  # the opening may look for the partnership's earlier cases
            result = services.cases.open(model, inv.meta(), views=services.views)
        elif isinstance(model, CaseCommand):
            result = inv.services.cases.execute(given["ref"], model, inv.meta())
        else:
            raise TypeError(f"{type(model).__name__} is neither a case command nor an opening one")
        inv.case_id = result.id
        inv.refresh_views()
        note = verb.note(inv, result) if verb.note is not None else None
        inv.done(result, note, refresh=False)

    run.__name__ = run.__qualname__ = verb.name.replace("-", "_")
    run.__doc__ = _help(verb.model)
    run.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    return run
