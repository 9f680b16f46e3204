"""What every command model shares: frozen pydantic models, the value types they are made of, and
the translation of a model's validation errors into ``InvalidInput`` naming the field.

A command names each field once, with its type, its limits and its help text
(``Field(description=…)``); every interface (the command line, the HTTP API, the scheduler) builds
the same models, so a value is checked the same way whichever way it came in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from domain import times
from domain.errors import InvalidInput


def _effective(text: str) -> str:
    try:
        return times.parse_effective(text)
    except InvalidInput as error:  # pydantic reports ValueError with the field it is about
        raise ValueError(error.message) from None


MAX_TEXT = 10_000
MAX_NAME = 200

EFFECTIVE = AfterValidator(_effective)
EffectiveTime = Annotated[str, EFFECTIVE, Field(max_length=64)]
"""A date or a date-time, normalised to the stored form (Europe/London unless an offset is given)."""

Slug = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
"""A short id of a partnership, hub or agency (e.g. cumbria-police)."""

Name = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_NAME)]
"""A short name or label."""

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_TEXT)]
"""Free text."""

Slugs = Annotated[list[Slug], Field(max_length=100)]


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
        message = f"'{first['input']}' is not allowed: {message[0].lower()}{message[1:]}"
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
