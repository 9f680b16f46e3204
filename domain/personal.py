"""Rectification of personal data (UK GDPR Art. 16): a wrong personal value is corrected by a new
fact, never by changing the old one.

The event log is append-only and chained, so the event that holds the wrong value keeps it.
``PersonalDataCorrected`` names that event (``corrects_version``), the place inside its personal
value (``field``: a dotted path such as ``victim_pseudonym`` or ``points.1``, or ``""`` when the
personal value is itself a text) and carries the right value in its own ``personal`` field, sealed
and erased with the case like every other personal value. Readers fold the corrections over the
events (``current_personal``): the old value is shown only as superseded, never as current.

Only a text can be corrected (names, contact details, free text): the facts the process runs on
(dates, choices, counts) are outside ``personal`` and are changed by the process's own commands.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from domain import limits, times
from domain.case import CaseEvent, CommandContext
from domain.errors import InvalidInput, RuleRefused
from domain.plain import Json, JsonObject
from domain.policy import Basis
from domain.rules import Rule

if TYPE_CHECKING:
    from domain.case import Case

CORRECTIONS = "personal_corrections"
"""The case's count of corrections (kept in its state, so readers know when to fold them)."""


class PersonalDataCorrected(CaseEvent["Case"]):
    """UK GDPR Art. 16 (right to rectification): the personal value at ``field`` of the event at
    ``corrects_version`` is wrong; ``personal["value"]`` is the right one. The old value stays in
    its event (the log is append-only) and is shown only as superseded."""

    TOPIC = "caseledger.domain.personal:PersonalDataCorrected"

    corrects_version: int
    field: str
    personal: JsonObject

    def apply_to(self, case: Case) -> None:
        case.__dict__[CORRECTIONS] = corrections(case) + 1


def corrections(case: object) -> int:
    """How many corrections of personal data the case has (0 for a case recorded before any)."""
    return int(getattr(case, CORRECTIONS, 0) or 0)


# --------------------------------------------------------------------------- paths and values


def text_leaves(value: Json, path: str = "") -> Iterator[tuple[str, str]]:
    """Every text inside a personal value, with its dotted path (list items by position)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from text_leaves(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from text_leaves(item, f"{path}.{index}" if path else str(index))


def value_at(value: Json, field: str) -> Json:
    """The value at a dotted path (``""``: the value itself); KeyError where nothing is there."""
    if field == "":
        return value
    found: Json = value
    for part in field.split("."):
        if isinstance(found, Mapping) and part in found:
            found = found[part]
        elif isinstance(found, list | tuple) and part.isdigit() and int(part) < len(found):
            found = found[int(part)]
        else:
            raise KeyError(field)
    return found


def replaced(value: Json, field: str, new: str) -> Json:
    """A copy of ``value`` with the text at ``field`` replaced by ``new``."""
    if field == "":
        return new
    head, _, rest = field.partition(".")
    if isinstance(value, Mapping):
        return {k: (replaced(v, rest, new) if k == head else v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [replaced(v, rest, new) if str(i) == head else v for i, v in enumerate(value)]
    raise KeyError(field)


@dataclass(frozen=True)
class Superseded:
    """A personal value that a correction replaced: where, what it was, when and by what."""

    version: int
    field: str
    old: str
    new: str
    corrected_version: int
    corrected_on: str


def fold_corrections(events: Iterable[object]) -> tuple[dict[int, Json], list[Superseded]]:
    """Each event's personal value as it stands after the corrections recorded since (by
    version; None once erased), and every value a correction superseded, oldest first."""
    current: dict[int, Json] = {}
    superseded: list[Superseded] = []
    for event in events:
        version = int(getattr(event, "originator_version", 0))
        personal = getattr(event, "personal", None)
        if isinstance(event, PersonalDataCorrected):
            target = current.get(event.corrects_version)
            new = personal.get("value") if isinstance(personal, Mapping) else None
            if target is None or not isinstance(new, str):
                continue  # erased, or corrects an event this reader does not hold
            try:
                old = value_at(target, event.field)
                current[event.corrects_version] = replaced(target, event.field, new)
            except KeyError:
                continue
            superseded.append(Superseded(event.corrects_version, event.field, str(old), new,
                                         version, event.effective))
        current[version] = personal
    return current, superseded


# --------------------------------------------------------------------------- the rule


def correction_must_change_a_text(current: Json, field: str, value: str) -> None:
    """The corrected place names a text, and the new value is a different, valid text."""
    try:
        old = value_at(current, field)
    except KeyError:
        raise InvalidInput(f"That event's personal data has no field '{field[:80]}'.",
                           field="field") from None
    if not isinstance(old, str):
        raise InvalidInput(f"The field '{field[:80]}' of that event is not a text; name one of its "
                           "texts.", field="field")
    problem = limits.text_problem(value, free_text=True)
    if problem is not None:
        raise InvalidInput(f"The value {problem}.", field="value")
    if not value.strip():
        raise InvalidInput("The value is empty.", field="value")
    if value == old:
        raise RuleRefused("The value is the one already recorded: there is nothing to correct.")
    if ISO_DATE.match(old) and not _is_date(value):
        raise InvalidInput("That field holds a date: give the right date as YYYY-MM-DD.",
                           field="value")


ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _is_date(text: str) -> bool:
    """A real calendar date written YYYY-MM-DD, within the ledger's years (domain/limits.py)."""
    if not ISO_DATE.match(text):
        return False
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return False
    return limits.FIRST_YEAR <= day.year <= limits.LAST_YEAR


def correct(case: Case, ctx: CommandContext, *, corrects_version: int, field: str, value: str,
            current: Json) -> None:
    """Record ``PersonalDataCorrected``; ``current`` is the corrected event's personal value as it
    stands (after earlier corrections), read by the application from the case's events. At any
    stage, closed included: what is held about a person must be right for as long as it is held."""
    if getattr(case, "personal_data_erased", None):
        raise RuleRefused(f"The personal data of {case.reference} was erased: there is nothing "
                          "left to correct.")
    if not 1 <= corrects_version <= case.version:
        raise InvalidInput(f"{case.reference} has versions 1 to {case.version}; there is no "
                           f"version {corrects_version}.", field="version")
    times.must_not_be_in_future(ctx.effective, ctx.now)
    times.must_not_precede(ctx.effective, case.opened_on, "the opening of the case")
    if current is None:
        raise InvalidInput(f"Version {corrects_version} of {case.reference} holds no personal "
                           "data to correct.", field="version")
    correction_must_change_a_text(current, field, value)
    case.record(PersonalDataCorrected, ctx, corrects_version=corrects_version, field=field,
                personal={"value": value})


def personal_of(events: Sequence[object], version: int) -> Json:
    """The personal value of the event at ``version`` after the corrections among ``events``."""
    current, _ = fold_corrections(events)
    return current.get(version)


_ENGINE = Basis("statute", "UK GDPR Art. 16 (right to rectification); Art. 5(1)(d) (accuracy)")

RULES: tuple[Rule, ...] = (
    Rule("common", "common.personal.rectification",
         "A wrong personal text is corrected by a new fact naming the event and field it "
         "corrects; the old value stays in its event, shown only as superseded. The new value "
         "must differ and be a valid text; nothing is corrected once the case's personal data "
         "is erased.", _ENGINE,
         "https://www.legislation.gov.uk/eur/2016/679/article/16"),
)
