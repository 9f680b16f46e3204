"""What every command model shares: frozen pydantic models, the value types they are made of, and
the translation of a model's validation errors into ``InvalidInput`` naming the field.

A command names each field once, with its type, its limits and its help text
(``Field(description=…)``); every interface (the command line, the HTTP API, the scheduler) builds
the same models, so a value is checked the same way whichever way it came in.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Annotated, Any, TypeVar, get_args, get_origin

import annotated_types
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from pydantic.fields import FieldInfo

from domain import limits, times
from domain.errors import InvalidInput
from domain.limits import MAX_NAME, MAX_SLUG, MAX_TEXT, DateWindow


def _effective(text: str) -> str:
    try:
        return times.parse_effective(text)
    except InvalidInput as error:  # pydantic reports ValueError with the field it is about
        raise ValueError(error.message) from None


def _one_line(text: str) -> str:
    problem = limits.text_problem(text, free_text=False)
    if problem is not None:
        raise ValueError(problem)
    return text


def _free_text(text: str) -> str:
    problem = limits.text_problem(text, free_text=True)
    if problem is not None:
        raise ValueError(problem)
    return text


EFFECTIVE = AfterValidator(_effective)
ONE_LINE = AfterValidator(_one_line)
FREE_TEXT = AfterValidator(_free_text)

EffectiveTime = Annotated[str, Field(max_length=64), EFFECTIVE, limits.NEAR]
"""A date or a date-time, normalised to the stored form (Europe/London unless an offset is given),
within the horizon either side of the command's effective date (domain/limits.py)."""

DateOfDeath = Annotated[str, Field(max_length=64), EFFECTIVE, limits.DEATH]
ComplaintTime = Annotated[str, Field(max_length=64), EFFECTIVE, limits.COMPLAINT]
ReviewPeriodTime = Annotated[str, Field(max_length=64), EFFECTIVE, limits.REVIEW_PERIOD]

Slug = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_SLUG),
                 ONE_LINE]
"""A short id of a partnership, hub or agency (e.g. cumbria-police)."""

Name = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_NAME), ONE_LINE]
"""A short name or label, on one line."""

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_TEXT), FREE_TEXT]
"""Free text (line breaks and tabs allowed)."""

Slugs = Annotated[list[Slug], Field(max_length=limits.MAX_ITEMS)]


Pounds = Annotated[float, Field(ge=0, le=limits.MAX_COST, allow_inf_nan=False)]
"""An amount in pounds, from 0 to the limit of one cost."""


class Command(BaseModel):
    """A request to record a fact: immutable, and refusing fields it does not know."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    def agencies_named(self) -> tuple[str, ...]:
        """Agencies the command names, checked to work with the case's partnership first."""
        return ()


class CaseCommand(Command):
    """A command on an existing case, given by its reference."""


class OpeningCommand(Command):
    """A command that opens a case of its type in a partnership (a gap-free reference)."""

    partnership: Slug = Field(description="The partnership (its short id, e.g. cumberland).")

    def hub_named(self) -> str | None:
        """The local focus hub the case belongs to, checked to be one of the partnership's."""
        return None


class InvalidValue(InvalidInput):
    """A value a command model refused (wrong type, out of its limits, not a date…)."""


def invalid_input(error: ValidationError) -> InvalidValue:
    """The first problem of a model's validation, as ``InvalidInput`` naming its field."""
    first = error.errors()[0]
    location = [str(part) for part in first["loc"]]
    message = str(first["msg"]).removeprefix("Value error, ")
    if first["type"] in ("literal_error", "enum"):
        given = first["input"]
        shown = (f"'{given}'" if isinstance(given, str) and len(given) <= 40 and given.isprintable()
                 else "This value")
        message = f"{shown} is not allowed: {message[0].lower()}{message[1:]}"
    inner = [part for part in location[1:] if not part.isdigit()]
    if inner:  # a field of an item, e.g. the date a complaint was reported
        message = f"{'.'.join(inner)}: {message}"
    return InvalidValue(message if message.endswith(".") else f"{message}.",
                        field=location[0] if location else None)


C = TypeVar("C", bound=Command)


def command_from(model: type[C], data: Mapping[str, Any]) -> C:
    """The command ``data`` describes (as an interface received it); InvalidInput naming the
    field if a value is refused."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise invalid_input(error) from None


# --------------------------------------------------------------------------- dates near the fact


def dated_fields(command: BaseModel) -> Iterator[tuple[str, str, str, DateWindow]]:
    """Every date a command carries, with the window it must lie in: (field, where inside the
    field, the stored date or date-time, window). ``where`` names the part of a nested value
    (``behaviour`` of a complaint, ``trial`` of key dates), else is empty."""
    for name, info in type(command).model_fields.items():
        for where, value, window in _dated(info.annotation, list(info.metadata),
                                           getattr(command, name)):
            yield name, where, value, window


def _dated(annotation: Any, metadata: list[Any],
           value: Any) -> Iterator[tuple[str, str, DateWindow]]:
    if value is None:
        return
    window = next((m for m in metadata if isinstance(m, DateWindow)), None)
    if window is not None and isinstance(value, str):
        yield "", value, window
        return
    if isinstance(value, BaseModel):
        for name, where, inner, inner_window in dated_fields(value):
            yield ".".join(p for p in (name, where) if p), inner, inner_window
        return
    origin = get_origin(annotation)
    if origin is Annotated:
        inner_type, *extra = get_args(annotation)
        yield from _dated(inner_type, [*metadata, *extra], value)
    elif isinstance(value, list):
        for item in value:
            for arg in get_args(annotation)[:1]:
                yield from _dated(arg, [], item)
    elif isinstance(value, dict):
        for key, item in value.items():
            for arg in get_args(annotation)[1:2]:
                for where, inner, inner_window in _dated(arg, [], item):
                    yield where or str(key), inner, inner_window
    else:  # a union such as ``EffectiveTime | None``: the member that carries a window
        for arg in get_args(annotation):
            yield from _dated(arg, metadata, value)


def check_dates(command: BaseModel, effective: str) -> None:
    """Every date of ``command`` within its window around the command's effective date
    (domain/limits.py); InvalidValue naming the field, nothing recorded."""
    on = times.effective_date(effective)
    for name, where, value, window in dated_fields(command):
        problem = window.problem(times.effective_date(value), on)
        if problem is not None:
            raise InvalidValue(f"{where or 'The date'} {problem}.", field=name)


# --------------------------------------------------------------------------- limits in words


def limits_in_words(info: FieldInfo) -> str:
    """A field's limits as ``--help`` states them (``0 to 500``, ``up to 200 characters``)."""
    annotation, metadata = info.annotation, list(info.metadata)
    while get_origin(annotation) is Annotated or _optional(annotation):
        if get_origin(annotation) is Annotated:
            annotation, *extra = get_args(annotation)
            metadata += extra
        else:
            annotation = next(a for a in get_args(annotation) if a is not type(None))
    words: list[str] = []
    low = next((m.ge for m in metadata if isinstance(m, annotated_types.Ge)), None)
    high = next((m.le for m in metadata if isinstance(m, annotated_types.Le)), None)
    if low is not None and high is not None:
        words.append(f"{_number(low)} to {_number(high)}")
    longest = next((m.max_length for m in metadata
                    if isinstance(m, annotated_types.MaxLen | StringConstraints)
                    and m.max_length is not None), None)
    window = next((m for m in metadata if isinstance(m, DateWindow)), None)
    if window is not None:
        words.append(window.describe())
    elif longest is not None and get_origin(annotation) in (list, dict):
        item = get_args(annotation)[0] if get_origin(annotation) is list else None
        words.append(f"at most {_number(longest)}" + (f", each {_text_limit(item)}"
                                                        if _text_limit(item) else ""))
    elif longest is not None:
        words.append(f"up to {_number(longest)} characters"
                     + ("" if any(m is FREE_TEXT for m in metadata) else ", one line"))
    elif get_origin(annotation) is list:
        item = get_args(annotation)[0]
        if _text_limit(item):
            words.append(f"each {_text_limit(item)}")
    return "; ".join(words)


def _text_limit(annotation: Any) -> str:
    if get_origin(annotation) is not Annotated:
        return ""
    _, *metadata = get_args(annotation)
    longest = next((m.max_length for m in metadata if isinstance(m, StringConstraints)
                    and m.max_length is not None), None)
    if longest is None or any(isinstance(m, DateWindow) for m in metadata):
        return ""
    return f"up to {_number(longest)} characters"


def _optional(annotation: Any) -> bool:
    return type(None) in get_args(annotation) and get_origin(annotation) is not Annotated


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}"

