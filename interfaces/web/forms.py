"""A form from a typed command model (``application/commands``), and the posted form back into it.

The command line builds its options from the same models (``interfaces/cli/verbs.py``); this
builds a GOV.UK form the same way: one field per model field, labelled from the field's name in
words (or its title), its hint from its description and its limits (``limits_in_words``), and a
kind from its type:

- a date or date-time: a text input with an example (the commands take YYYY-MM-DD or
  YYYY-MM-DDTHH:MM);
- text up to 200 characters: a text input; longer (free text): a textarea;
- a whole number or an amount: a text input for numbers;
- a choice (an enum or a literal): radios when there are few, a select when there are many, each
  choice in plain words (``domain/plain.py``);
- a list of choices: checkboxes; a list of free texts: a textarea, one a line; another list: a
  text input separated by commas; a mapping of names to dates: a textarea of ``name = date``;
- yes or no: radios;
- a model inside the model (a complaint): its own fields in a fieldset, and a list of them as a
  few such fieldsets (the empty ones are left out).

Every command also takes when it happened (``on``, optional: now) and why (``reason``).

``read`` turns the posted form back into the model's data; ``FormProblems`` carries the problems
as GOV.UK field errors (id, message in plain English) for the error summary and the fields, from
pydantic's ``ValidationError`` or the domain's ``InvalidInput`` naming a field. Nothing is
recorded while a problem remains: the caller only runs a command the model accepted.
"""

from __future__ import annotations

import re
import types
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from starlette.datastructures import FormData

from application.commands.base import EFFECTIVE, FREE_TEXT, limits_in_words
from domain import plain
from domain.errors import CaseledgerError
from domain.limits import MAX_NAME, MAX_REASON

RADIO_LIMIT = 6
"""A choice with more options than this is a select: radios would fill the page."""

REPEATED_SLOTS = 3
"""How many empty fieldsets a list of models (an application's complaints) offers at once."""

DATE_EXAMPLE = "For example, 2026-03-27, or 2026-03-27T14:30 for a time (UK time)"

LABELS = {
    "on": "When did it happen?",
    "reason": "Why",
    "lat": "Latitude",
    "lon": "Longitude",
    "grid_ref": "OS grid reference",
    "url": "Web address",
    "notified_by": "Notifying agency",
    "partnership": "Partnership",
    "hub": "Local focus hub",
    "met": "Is the threshold met?",
    "upheld": "Was the appeal upheld?",
    "independent": "Is the chair independent?",
    "key_dates": "Key dates",
    "key_lines": "Key lines of enquiry",
    "rag": "RAG status",
    "action_id": "Action",
    "process_id": "Linked process",
    "lead_agency": "Lead agency",
    "period_from": "Start of the period under review",
    "period_to": "End of the period under review",
    "cleanup_cost": "Clean-up cost (£)",
    "legal_cost": "Legal cost (£)",
    "damage": "Cost of damage (£)",
}
"""Where a field's name in words would read badly: the label people see instead."""


@dataclass(frozen=True)
class FormField:
    """One field of a form: what the template shows, and where its value goes in the model.

    ``name`` is both the posted name and the element's id (the error summary links to it); a
    field of a model inside the model is ``complaint-behaviour``, of the second of a list of
    them ``complaints-2-behaviour``."""

    name: str
    label: str
    kind: str  # text, textarea, number, date, radios, select, checkboxes, list, lines, pairs, yesno, group
    hint: str = ""
    required: bool = False
    options: tuple[tuple[str, str], ...] = ()
    default: str | tuple[str, ...] = ""
    children: tuple[FormField, ...] = ()
    key: str = ""  # the model's field name
    decimal: bool = False

    @property
    def first_id(self) -> str:
        """The element an error about this field links to."""
        return self.children[0].first_id if self.kind == "group" and self.children else self.name

    @property
    def shown_label(self) -> str:
        """The label, marked "(optional)" where leaving the field empty is allowed and it is not
        a choice with an answer already given."""
        optional = not self.required and self.kind not in ("radios", "yesno", "group", "checkboxes")
        return f"{self.label} (optional)" if optional else self.label


@dataclass(frozen=True)
class Repeated:
    """A list of models as a few fieldsets: ``slots`` of them, each a group."""

    key: str
    groups: tuple[FormField, ...]


@dataclass
class CommandForm:
    """The fields of a command's form, in the model's order, then when and why."""

    model: type[BaseModel]
    fields: list[FormField]
    repeated: dict[str, Repeated] = field(default_factory=dict)
    common: list[FormField] = field(default_factory=list)

    @property
    def every(self) -> list[FormField]:
        return [*self.fields, *self.common]


class FormProblems(Exception):
    """What is wrong with a posted form: (field id, message) pairs, in the form's order."""

    def __init__(self, problems: Sequence[tuple[str, str]]) -> None:
        super().__init__("; ".join(message for _, message in problems))
        self.problems = list(problems)


# --------------------------------------------------------------------------- types


def _without_none(annotation: Any) -> tuple[Any, bool]:
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return (args[0] if len(args) == 1 else annotation), len(args) < len(get_args(annotation))
    return annotation, False


def _plain_type(annotation: Any) -> Any:
    """``Annotated[float, …] | None`` → ``float``."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    annotation = _without_none(annotation)[0]
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _metadata(annotation: Any) -> list[Any]:
    found: list[Any] = []
    while get_origin(annotation) is Annotated:
        annotation, *extra = get_args(annotation)
        found += extra
    return found


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _is_choice(annotation: Any) -> bool:
    return get_origin(annotation) is Literal or (
        isinstance(annotation, type) and issubclass(annotation, Enum))


def _choice_kind(annotation: Any) -> str:
    """``DeathType`` → ``death-type``: its name in ``plain.CHOICES``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "-", getattr(annotation, "__name__", "")).lower()


def _choices(annotation: Any) -> tuple[tuple[str, str], ...]:
    if get_origin(annotation) is Literal:
        codes = [str(a) for a in get_args(annotation)]
    else:
        codes = [str(member.value) for member in annotation]
    kind = _choice_kind(annotation)
    return tuple((code, _sentence(plain.choice_label(kind, code))) for code in codes)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _is_time(info: FieldInfo) -> bool:
    def walk(annotation: Any) -> Iterable[Any]:
        yield annotation
        for arg in get_args(annotation):
            yield from walk(arg)

    return any(m is EFFECTIVE for m in info.metadata) or any(a is EFFECTIVE for a in walk(info.annotation))


def _free_text(annotation: Any, metadata: Sequence[Any] = ()) -> bool:
    def walk(a: Any) -> Iterable[Any]:
        yield a
        for arg in get_args(a):
            yield from walk(arg)

    return any(m is FREE_TEXT for m in metadata) or any(a is FREE_TEXT for a in walk(annotation))


def _longest(info: FieldInfo) -> int | None:
    for item in [*info.metadata, *_metadata(_without_none(info.annotation)[0]),
                 *_metadata(info.annotation)]:
        longest = getattr(item, "max_length", None)
        if isinstance(longest, int):
            return longest
    return None


# --------------------------------------------------------------------------- the fields


def label_of(name: str, info: FieldInfo | None = None) -> str:
    """The field's label: an override, its title, or its name in words."""
    if name in LABELS:
        return LABELS[name]
    if info is not None and info.title:
        return info.title
    return _sentence(name.replace("_", " "))


def _hint(label: str, info: FieldInfo, choices: Sequence[tuple[str, str]] = (),
          example: str = "") -> str:
    """The field's description (unless it only repeats the label or lists the codes the
    choices show in words), its limits, and an example of a date."""
    description = (info.description or "").strip()
    words = re.sub(r"\W+", " ", description).strip().lower()
    if words == re.sub(r"\W+", " ", label).strip().lower():
        description = ""
    if choices and sum(code in description for code, _ in choices) >= 2:
        description = ""
    limits = limits_in_words(info)
    if example:
        limits = ""  # the date's window is checked and explained when it is wrong
    parts = [description.rstrip(".") + "." if description else "",
             _sentence(limits) + "." if limits else "", example + "." if example else ""]
    return " ".join(p for p in parts if p)


def _default(info: FieldInfo) -> str | tuple[str, ...]:
    if info.is_required() or info.default_factory is not None or info.default is None:
        return ""
    value = info.default
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, str | int | float):
        return str(value) if value != "" else ""
    return ""


def field_for(key: str, info: FieldInfo, prefix: str = "") -> FormField | Repeated:
    """The form field (or fieldsets) for one field of a command model."""
    name = f"{prefix}{key}"
    label = label_of(key, info)
    required = info.is_required()
    base = _plain_type(info.annotation)
    origin = get_origin(base)
    common: dict[str, Any] = {"name": name, "label": label, "required": required, "key": key}
    if _is_model(base):
        return FormField(kind="group", hint=_hint(label, info), children=_model_fields(base, f"{name}-"),
                         **common)
    if origin is list:
        item = _plain_type(get_args(base)[0])
        if _is_model(item):
            about = " ".join(p for p in ((info.description or "").strip(),
                                         "Leave empty any you do not need.") if p)
            groups = tuple(
                FormField(name=f"{name}-{slot}", label=f"{label_of(item.__name__.lower())} {slot}",
                          kind="group", key=key, children=_model_fields(item, f"{name}-{slot}-"),
                          hint=about if slot == 1 else "")
                for slot in range(1, REPEATED_SLOTS + 1))
            return Repeated(key, groups)
        if _is_choice(item):
            options = _choices(item)
            return FormField(kind="checkboxes", hint=_hint(label, info, options), options=options,
                             **common)
        if _free_text(get_args(base)[0]):
            return FormField(kind="lines", hint=_hint(label, info) + " Write each on a line of its own.",
                             **common)
        return FormField(kind="list", hint=_hint(label, info) + " Separate them with commas.",
                         **common)
    if origin is dict:
        return FormField(kind="pairs", hint=(_hint(label, info) + " One a line, as name = date, "
                                             "for example trial = 2026-09-01."), **common)
    if base is bool:
        return FormField(kind="yesno", hint=_hint(label, info), default=_default(info),
                         options=(("yes", "Yes"), ("no", "No")), **common)
    if _is_choice(base):
        options = _choices(base)
        optional = _without_none(_strip(info.annotation))[1] and not required
        if optional and _default(info) == "":
            options = (*options, ("", "Not given"))
        kind = "radios" if len(options) <= RADIO_LIMIT else "select"
        if kind == "select" and not (optional and _default(info) == ""):
            options = (("", "Choose one"), *options) if required else options
        return FormField(kind=kind, hint=_hint(label, info, options), options=options,
                         default=_default(info), **common)
    if base in (int, float):
        return FormField(kind="number", hint=_hint(label, info), default=_default(info),
                         decimal=base is float, **common)
    if _is_time(info):
        return FormField(kind="date", hint=_hint(label, info, example=DATE_EXAMPLE), **common)
    longest = _longest(info)
    long_text = (longest is not None and longest > MAX_NAME) or _free_text(info.annotation, info.metadata)
    return FormField(kind="textarea" if long_text else "text", hint=_hint(label, info),
                     default=_default(info), **common)


def _strip(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _model_fields(model: type[BaseModel], prefix: str) -> tuple[FormField, ...]:
    made = [field_for(key, info, prefix) for key, info in model.model_fields.items()]
    return tuple(f for f in made if isinstance(f, FormField))


WHEN = FormField("on", LABELS["on"], "date", key="on", hint=(
    f"Leave it empty if it happened now. {DATE_EXAMPLE}."))
WHY = FormField("reason", LABELS["reason"], "textarea", key="reason", hint=(
    f"Kept with the recorded fact. Some steps need one. Up to {MAX_REASON:,} characters."))


def command_form(model: type[BaseModel], *, omit: Iterable[str] = (),
                 replace: Mapping[str, FormField] | None = None,
                 when: FormField = WHEN) -> CommandForm:
    """The form of ``model``: its fields (less ``omit``, with ``replace`` where the page knows
    better, e.g. the partnerships one may open a case in), then when and why."""
    fields: list[FormField] = []
    repeated: dict[str, Repeated] = {}
    for key, info in model.model_fields.items():
        if key in omit:
            continue
        if replace and key in replace:
            fields.append(replace[key])
            continue
        made = field_for(key, info)
        if isinstance(made, Repeated):
            repeated[key] = made
            fields.extend(made.groups)
        else:
            fields.append(made)
    return CommandForm(model, fields, repeated, [when, WHY])


# --------------------------------------------------------------------------- reading a posted form


Values = dict[str, "str | list[str]"]


def posted_values(form: CommandForm, posted: FormData) -> Values:
    """What was posted, by field id, to show again (a list for checkboxes)."""
    values: Values = {}

    def keep(f: FormField) -> None:
        if f.kind == "group":
            for child in f.children:
                keep(child)
        elif f.kind == "checkboxes":
            values[f.name] = [str(v) for v in posted.getlist(f.name)]
        else:
            raw = posted.get(f.name)
            values[f.name] = raw if isinstance(raw, str) else ""

    for f in form.every:
        keep(f)
    return values


def initial_values(form: CommandForm) -> Values:
    """The values a fresh form shows: the model's defaults."""
    values: Values = {}

    def keep(f: FormField) -> None:
        if f.kind == "group":
            for child in f.children:
                keep(child)
        elif f.kind == "checkboxes":
            values[f.name] = list(f.default) if isinstance(f.default, tuple) else []
        else:
            values[f.name] = f.default if isinstance(f.default, str) else ""

    for f in form.every:
        keep(f)
    return values


@dataclass
class Reading:
    """A posted form read into the model's data, and where each list item came from."""

    data: dict[str, Any]
    slots: dict[str, list[str]] = field(default_factory=dict)  # list field → the group ids used
    problems: list[tuple[str, str]] = field(default_factory=list)


def _text(values: Values, name: str) -> str:
    value = values.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _value(f: FormField, values: Values, reading: Reading) -> Any:
    """The field's value for the model, or None when left empty (the model's default)."""
    if f.kind == "group":
        inner = {c.key: v for c in f.children if (v := _value(c, values, reading)) is not None}
        return inner or None
    if f.kind == "checkboxes":
        chosen = values.get(f.name, [])
        return list(chosen) if isinstance(chosen, list) and chosen else None
    text = _text(values, f.name)
    if text == "":
        return None
    if f.kind == "yesno":
        return {"yes": True, "no": False}.get(text, text)
    if f.kind == "list":
        return [part.strip() for part in text.split(",") if part.strip()]
    if f.kind == "lines":
        return [line.strip() for line in text.splitlines() if line.strip()]
    if f.kind == "pairs":
        pairs: dict[str, str] = {}
        for line in (line.strip() for line in text.splitlines()):
            name, sep, when = line.partition("=")
            if line and (not sep or not name.strip() or not when.strip()):
                reading.problems.append((f.name, f"Write each of the {f.label.lower()} as name = date, "
                                                 f"for example trial = 2026-09-01"))
                return None
            if line:
                pairs[name.strip()] = when.strip()
        return pairs
    return text


def read(form: CommandForm, values: Values) -> Reading:
    """The model's data from the posted values (empty fields left to the model's defaults)."""
    reading = Reading({})
    for f in form.fields:
        if f.key in form.repeated:
            continue
        value = _value(f, values, reading)
        if value is not None:
            reading.data[f.key] = value
    for key, repeated in form.repeated.items():
        items: list[Any] = []
        used: list[str] = []
        for group in repeated.groups:
            value = _value(group, values, reading)
            if value is not None:
                items.append(value)
                used.append(group.name)
        if items:
            reading.data[key] = items
        reading.slots[key] = used
    return reading


def when_and_why(values: Values) -> tuple[str | None, str | None, list[tuple[str, str]]]:
    """The form's ``on`` and ``reason`` (None when empty), and what is wrong with them."""
    on, reason = _text(values, "on") or None, _text(values, "reason") or None
    problems: list[tuple[str, str]] = []
    if on is not None and len(on) > 40:
        problems.append(("on", "Enter the date as YYYY-MM-DD, or YYYY-MM-DDTHH:MM with a time"))
    if reason is not None and len(reason) > MAX_REASON:
        problems.append(("reason", f"Why must be {MAX_REASON:,} characters or fewer"))
    return on, reason, problems


def validate(form: CommandForm, values: Values) -> BaseModel:
    """The command the posted values describe, or ``FormProblems``."""
    reading = read(form, values)
    _, _, problems = when_and_why(values)
    problems = reading.problems + problems
    try:
        made = form.model.model_validate(reading.data)
    except ValidationError as error:
        problems = problems + validation_problems(form, reading, error)
        raise FormProblems(_in_form_order(form, problems)) from None
    if problems:
        raise FormProblems(_in_form_order(form, problems))
    return made


# --------------------------------------------------------------------------- errors in plain English


def _locate(form: CommandForm, reading: Reading, location: Sequence[Any]) -> FormField | None:
    """The form field an error's location (``("complaints", 0, "behaviour")``) is about."""
    if not location:
        return None
    key, rest = str(location[0]), list(location[1:])
    if key in form.repeated:
        used = reading.slots.get(key, [])
        index = rest[0] if rest and isinstance(rest[0], int) else None
        group_id = used[index] if index is not None and index < len(used) else None
        group = next((g for g in form.repeated[key].groups if g.name == group_id),
                     form.repeated[key].groups[0])
        return _inside(group, rest[1:] if index is not None else [])
    found = next((f for f in form.every if f.key == key and f.kind != "group" or
                  f.key == key and f.kind == "group"), None)
    return _inside(found, rest) if found is not None else None


def _inside(f: FormField, rest: Sequence[Any]) -> FormField:
    names = [str(part) for part in rest if not isinstance(part, int)]
    if f.kind == "group" and names:
        child = next((c for c in f.children if c.key == names[0]), None)
        if child is not None:
            return _inside(child, names[1:])
    return f


def _message(f: FormField, error: Mapping[str, Any]) -> str:
    kind, context = str(error.get("type", "")), error.get("ctx") or {}
    label = f.label.rstrip("?")
    lower = label[:1].lower() + label[1:]
    if kind == "missing" or (kind == "too_short" and f.kind in ("list", "lines", "checkboxes")):
        if f.kind in ("radios", "select"):
            return f"Select {lower}"
        if f.kind == "yesno":
            return f"Select yes or no: {lower}"
        if f.kind == "checkboxes":
            return f"Select at least one of {lower}"
        return f"Enter {lower}" if f.kind != "group" else f"Enter the {lower}"
    if kind in ("string_too_long", "too_long"):
        limit = context.get("max_length")
        unit = "characters" if kind == "string_too_long" else "items"
        return f"{label} must be {limit:,} {unit} or fewer" if isinstance(limit, int) else f"{label} is too long"
    if kind == "string_too_short":
        return f"Enter {lower}"
    if kind in ("int_parsing", "int_from_float"):
        return f"{label} must be a whole number"
    if kind in ("float_parsing", "finite_number"):
        return f"{label} must be a number"
    if kind in ("greater_than_equal", "greater_than"):
        return f"{label} must be {_number(context.get('ge', context.get('gt')))} or more"
    if kind in ("less_than_equal", "less_than"):
        return f"{label} must be {_number(context.get('le', context.get('lt')))} or less"
    if kind in ("enum", "literal_error"):
        return f"Select {lower} from the list"
    if kind == "bool_parsing":
        return f"Select yes or no: {lower}"
    if kind == "string_pattern_mismatch":
        return f"Enter {lower} in the right format"
    message = str(error.get("msg", "")).removeprefix("Value error, ").rstrip(".")
    return f"{label}: {message[:1].lower()}{message[1:]}"


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int | float) else str(value)


def validation_problems(form: CommandForm, reading: Reading,
                        error: ValidationError) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    for item in error.errors():
        found = _locate(form, reading, item["loc"])
        if found is None:
            problems.append(("", str(item["msg"])))
            continue
        if found.kind == "group" and found.children and item["type"] == "missing":
            # A model left empty: each of its required fields needs an answer.
            for child in found.children:
                if child.required:
                    problems.append((child.first_id, _message(child, item)))
            continue
        problems.append((found.first_id, _message(found, item)))
    return _once_each(problems)


def _once_each(problems: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """One message per field (the first), and each field-less message once."""
    seen: set[tuple[str, str] | str] = set()
    kept: list[tuple[str, str]] = []
    for name, message in problems:
        marker: tuple[str, str] | str = name or (name, message)
        if marker not in seen:
            seen.add(marker)
            kept.append((name, message))
    return kept


def domain_problem(form: CommandForm, error: CaseledgerError) -> tuple[str, str]:
    """The domain's refusal as a form error: on its field when it names one of the form's."""
    found = _locate(form, Reading({}, {k: [r.groups[0].name] for k, r in form.repeated.items()}),
                    [error.field] if error.field else [])
    message = error.message.rstrip(".")
    return (found.first_id if found is not None else "", message)


def _in_form_order(form: CommandForm, problems: list[tuple[str, str]]) -> list[tuple[str, str]]:
    order: dict[str, int] = {}

    def number(f: FormField) -> None:
        order.setdefault(f.name, len(order))
        for child in f.children:
            number(child)

    for f in form.every:
        number(f)
    return sorted(problems, key=lambda p: order.get(p[0], len(order)))


def errors_by_field(problems: Sequence[tuple[str, str]]) -> dict[str, str]:
    """The first message for each field, for the message beside it."""
    found: dict[str, str] = {}
    for name, message in problems:
        if name:
            found.setdefault(name, message)
    return found
