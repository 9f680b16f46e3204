"""Partnership set-up as data: import a TOML file (product.md capability 6).

A set-up file describes partnerships (code, name, chair, local focus hubs, local policy
versions) and agencies (kind, the partnerships they serve, a contact and an escalation
contact). Importing it loads or registers every aggregate, calls the domain's change methods
(each records an event only when something actually changed) and saves every changed aggregate
in one atomic ``save``: a file is imported whole or not at all, and importing the same file
again records nothing.

The schema (see ``application/examples/cumbria.toml``)::

    effective_from = "2024-04-01"          # when the set-up facts take effect (default)

    [[partnership]]
    slug = "cumberland"                    # lower-case words joined by hyphens
    code = "CUM"                           # 2-5 capitals: the prefix of case references
    name = "Cumberland Community Safety Partnership"
    chair = { name = "...", email = "..." }                  # optional; escalation step of reminders
    coordinator = { name = "...", email = "..." }            # optional; "who to contact" in reminders
    [[partnership.hub]]                    # local focus hubs
    slug = "allerdale"
    name = "Allerdale Local Focus Hub"
    [[partnership.policy]]                 # local policy versions (immutable once adopted)
    case_type = "dardr"                    # dardr | asb | encampment
    version = "cumberland-dardr-2024"
    effective_from = "2024-04-01"
    settings = { guidance = "dhr-2016" }
    [partnership.policy.clocks."return:imr"]
    unit = "working-days"                  # calendar-months | calendar-days | working-days | hours
    amount = 30
    basis = "illustrative local practice"  # statute | statutory guidance | local procedure | ...
    reference = "illustrative: Cumberland's own IMR timescale (example figure)"
    out_of_hours_next_working_day = false  # optional; hours clocks only
    [partnership.policy.reminders]         # reminder ladders per deadline kind (optional):
    "return" = [                           # kinds: return:imr, return, decision, action, default…
      { at = "-5wd", to = ["contact"] },   # -Nwd before due, 0 the due day, +Nwd overdue (d: days)
      { at = "+3wd", to = ["contact", "escalation"] },      # to: contact | escalation | chair
    ]                                      # an empty list switches a kind's reminders off

    [[agency]]
    slug = "cumbria-police"
    name = "Cumbria Constabulary"
    kind = "police"                        # see AGENCY_KINDS
    partnerships = ["cumberland", "westmorland-furness"]
    contact = { name = "...", email = "..." }
    escalation = { name = "...", email = "..." }

Contact details (chairs, contacts, escalation contacts) are personal data: they are stored only
in the events' ``personal`` fields and never appear in error messages or logs.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import replace
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, get_args

from eventsourcing.application import AggregateNotFoundError
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError

from application.service import CaseService, Meta
from domain import dardr, limits, retention
from domain.asb_threshold import setting_problems
from domain.calendar import ClockRule, ClockUnit
from domain.case import CommandContext
from domain.errors import InvalidInput, NotFound
from domain.policy import BASIS_KINDS, Basis, ClockPolicy
from domain.reminders import check_reminders
from domain.setup import (
    CODE,
    SLUG,
    Agency,
    County,
    Partnership,
    agency_id,
    county_id,
    partnership_id,
)

DEFAULT_EFFECTIVE_FROM = date(2024, 4, 1)

AgencyKind = Literal[
    "police", "fire", "probation", "council", "icb", "nhs-trust", "mental-health-trust", "gp",
    "housing", "domestic-abuse-service", "victim-support", "school", "other",
]
CaseType = Literal["dardr", "asb", "encampment"]
UnitName = Literal["calendar-months", "calendar-days", "working-days", "hours"]
BasisKind = Literal["statute", "statutory guidance", "draft guidance (not in force)", "case law",
                    "civil procedure rule", "local procedure", "illustrative local practice",
                    "assumed local practice", "agreement", "action plan"]

AGENCY_KINDS: tuple[str, ...] = get_args(AgencyKind)
CASE_TYPES: tuple[str, ...] = get_args(CaseType)
assert set(get_args(UnitName)) == {unit.value for unit in ClockUnit}
assert get_args(BasisKind) == BASIS_KINDS

# The deadline kinds a local policy may re-time, per case type, where the product knows them.
KNOWN_CLOCKS: dict[str, frozenset[str]] = {
    "dardr": frozenset(dardr.national_policy().clocks),
}
KNOWN_SETTINGS: dict[str, dict[str, tuple[str, ...]]] = {
    "dardr": {"guidance": dardr.GUIDANCE_VERSIONS},
}

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
EMAIL = re.compile(rf"^[^@\s]+@{_LABEL}(?:\.{_LABEL})+$")  # the shape: local@domain.tld

T = TypeVar("T")


# --------------------------------------------------------------------------- field types


def _slug(value: str) -> str:
    if not SLUG.match(value):
        raise PydanticCustomError(
            "slug", "must be lower-case letters and digits, words joined by hyphens "
            "(e.g. south-lakeland)",
        )
    return value


def _code(value: str) -> str:
    if not CODE.match(value):
        raise PydanticCustomError("code", "must be 2 to 5 capital letters (e.g. CUM)")
    return value


def _email(value: str) -> str:
    if not EMAIL.match(value):
        raise PydanticCustomError("email", "value is not a valid email address")
    return value


def _iso_date(value: Any) -> Any:
    """A TOML date (``2024-04-01``) or a string ``"2024-04-01"``, in a year the ledger can hold
    (domain/limits.py); nothing else."""
    if isinstance(value, datetime):
        raise PydanticCustomError("date", "must be a date (YYYY-MM-DD), not a date-time")
    day: date | None = value if isinstance(value, date) else None
    if isinstance(value, str):
        with suppress(ValueError):  # not a date: said below
            day = date.fromisoformat(value.strip())
    if day is None:
        raise PydanticCustomError("date", "must be a date written YYYY-MM-DD (e.g. 2024-04-01)")
    problem = limits.year_problem(day)
    if problem is not None:
        raise PydanticCustomError("date", problem)
    return day


def _one_line(value: str) -> str:
    """Every text of a set-up file is one line without control characters: a NUL byte, above all,
    could be stored but never read back into the views on PostgreSQL."""
    problem = limits.text_problem(value, free_text=False)
    if problem is not None:
        raise PydanticCustomError("text", problem)
    return value


NonEmpty = Annotated[str, Field(min_length=1, max_length=limits.MAX_NAME), AfterValidator(_one_line)]
Text = Annotated[str, Field(min_length=1, max_length=300), AfterValidator(_one_line)]
Slug = Annotated[str, Field(min_length=1, max_length=80), AfterValidator(_slug)]
Code = Annotated[str, AfterValidator(_code)]
Email = Annotated[str, Field(max_length=254), AfterValidator(_email), AfterValidator(_one_line)]
IsoDate = Annotated[date, BeforeValidator(_iso_date)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


# --------------------------------------------------------------------------- schema


class Person(_Model):
    """A named person with an email address (personal data)."""

    name: Text
    email: Email

    def to_personal(self) -> dict[str, str]:
        return {"name": self.name, "email": self.email}


class HubEntry(_Model):
    slug: Slug
    name: Text


class ClockEntry(_Model):
    """One deadline kind re-timed by local policy, with its basis."""

    unit: UnitName
    amount: Annotated[StrictInt, Field(ge=0, le=10_000)]
    basis: BasisKind
    reference: Text
    out_of_hours_next_working_day: StrictBool = False

    @model_validator(mode="after")
    def _out_of_hours_only_for_hours(self) -> ClockEntry:
        if self.out_of_hours_next_working_day and self.unit != "hours":
            raise PydanticCustomError(
                "out_of_hours",
                "out_of_hours_next_working_day applies only to clocks counted in hours",
            )
        return self

    def to_policy(self) -> ClockPolicy:
        return ClockPolicy(
            ClockRule(unit=ClockUnit(self.unit), amount=self.amount,
                      out_of_hours_next_working_day=self.out_of_hours_next_working_day),
            Basis(self.basis, self.reference),
        )


class ReminderStepEntry(_Model):
    """One rung of a reminder ladder (domain/reminders.py)."""

    at: NonEmpty
    to: Annotated[list[Literal["contact", "escalation", "chair"]], Field(min_length=1)]


class PolicyEntry(_Model):
    """A local policy version for one case type, in force from its own date."""

    case_type: CaseType
    version: Slug
    effective_from: IsoDate
    settings: dict[NonEmpty, NonEmpty] = Field(default_factory=dict)
    clocks: dict[NonEmpty, ClockEntry] = Field(default_factory=dict)
    reminders: dict[NonEmpty, list[ReminderStepEntry]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_kinds_and_settings(self) -> PolicyEntry:
        problems: list[str] = []
        known = KNOWN_CLOCKS.get(self.case_type)
        if known is not None:
            unknown = sorted(set(self.clocks) - known)
            if unknown:
                problems.append(
                    f"unknown {self.case_type} clock(s) {', '.join(unknown)}; "
                    f"the clocks are: {', '.join(sorted(known))}"
                )
        for key, allowed in KNOWN_SETTINGS.get(self.case_type, {}).items():
            value = self.settings.get(key)
            if value is not None and value not in allowed:
                problems.append(f"settings.{key} must be one of {', '.join(allowed)}")
        if self.case_type == "asb":
            problems += setting_problems(self.settings)
        problems += retention.setting_problems(self.case_type, self.settings)
        threshold = self.settings.get("suppress_below")
        if threshold is not None and not (threshold.isdigit() and 2 <= int(threshold) <= 100):
            problems.append("settings.suppress_below (the smallest count a published report shows) "
                            "must be a whole number from 2 to 100, e.g. \"5\"")
        try:
            check_reminders(self.reminder_ladders())
        except InvalidInput as error:
            problems.append(f"reminders: {error.message}")
        if problems:
            raise PydanticCustomError("policy", "; ".join(problems))
        return self

    def reminder_ladders(self) -> dict[str, list[dict[str, Any]]]:
        return {kind: [step.model_dump() for step in steps] for kind, steps in self.reminders.items()}

    def clock_policies(self) -> dict[str, ClockPolicy]:
        return {kind: clock.to_policy() for kind, clock in self.clocks.items()}


class PartnershipEntry(_Model):
    slug: Slug
    code: Code
    name: Text
    chair: Person | None = None
    coordinator: Person | None = None
    hub: list[HubEntry] = Field(default_factory=list)
    policy: list[PolicyEntry] = Field(default_factory=list)

    @model_validator(mode="after")
    def _no_duplicates(self) -> PartnershipEntry:
        problems = _duplicates("hub", [h.slug for h in self.hub])
        problems += _duplicates(
            "policy version", [f"{p.case_type} {p.version}" for p in self.policy]
        )
        if problems:
            raise PydanticCustomError("duplicate", "; ".join(problems))
        return self


class AgencyEntry(_Model):
    slug: Slug
    name: Text
    kind: AgencyKind
    partnerships: Annotated[list[Slug], Field(min_length=1)]
    contact: Person
    escalation: Person

    @model_validator(mode="after")
    def _no_duplicates(self) -> AgencyEntry:
        problems = _duplicates("partnership", self.partnerships)
        if problems:
            raise PydanticCustomError("duplicate", "; ".join(problems))
        return self

    def contacts(self) -> dict[str, dict[str, str]]:
        return {"contact": self.contact.to_personal(), "escalation": self.escalation.to_personal()}


class CountyEntry(_Model):
    """A county board that sees several partnerships' cases in its reports."""

    slug: Slug
    name: Text
    partnerships: Annotated[list[Slug], Field(min_length=1)]

    @model_validator(mode="after")
    def _no_duplicates(self) -> CountyEntry:
        problems = _duplicates("partnership", self.partnerships)
        if problems:
            raise PydanticCustomError("duplicate", "; ".join(problems))
        return self


class SetupFile(_Model):
    """A whole set-up file: when it takes effect, its partnerships, agencies and county boards."""

    effective_from: IsoDate = DEFAULT_EFFECTIVE_FROM
    partnership: list[PartnershipEntry] = Field(default_factory=list)
    agency: list[AgencyEntry] = Field(default_factory=list)
    county: list[CountyEntry] = Field(default_factory=list)

    @model_validator(mode="after")
    def _no_duplicates(self) -> SetupFile:
        problems = _duplicates("partnership", [p.slug for p in self.partnership])
        problems += _duplicates("partnership code", [p.code for p in self.partnership])
        problems += _duplicates("agency", [a.slug for a in self.agency])
        problems += _duplicates("county", [c.slug for c in self.county])
        if problems:
            raise PydanticCustomError("duplicate", "; ".join(problems))
        return self


def _duplicates(what: str, values: Sequence[str]) -> list[str]:
    counts = Counter(values)
    return [f"{what} '{v}' appears more than once" for v in sorted(counts) if counts[v] > 1]


# --------------------------------------------------------------------------- loading


def load_setup(path: Path) -> SetupFile:
    """Read and validate a set-up file; InvalidInput naming every entry and field that is wrong."""
    path = Path(path)
    try:
        raw_bytes = path.read_bytes()
    except FileNotFoundError:
        raise NotFound(f"No set-up file at {path}.") from None
    except IsADirectoryError:
        raise InvalidInput(f"{path} is a directory, not a set-up file (.toml).") from None
    try:
        raw = tomllib.loads(raw_bytes.decode("utf-8"))
    except UnicodeDecodeError:
        raise InvalidInput(f"{path} is not a UTF-8 text file.") from None
    except tomllib.TOMLDecodeError as error:
        raise InvalidInput(f"{path} is not valid TOML: {error}.") from None
    return parse_setup(raw, source=str(path))


def parse_setup(raw: dict[str, Any], source: str = "the set-up file") -> SetupFile:
    """Validate already-parsed TOML data (a dict) as a set-up file."""
    try:
        return SetupFile.model_validate(raw)
    except ValidationError as error:
        problems = [_render(e, raw) for e in error.errors(include_url=False, include_input=False)]
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        raise InvalidInput(
            f"{source} is not a valid set-up file ({count}; entries are counted from 1):\n"
            + "\n".join(f"  - {p}" for p in problems)
        ) from None


# Which key names an entry of each list, for messages: agency[3] (agency 'cumbria-police').
_ENTRY_NAME = {"partnership": "slug", "agency": "slug", "hub": "slug", "policy": "version"}
# The model of each table, by its key, for "unknown field" messages; "clocks" maps kinds to tables.
_TABLES: dict[str, type[BaseModel]] = {
    "partnership": PartnershipEntry, "agency": AgencyEntry, "hub": HubEntry,
    "policy": PolicyEntry, "chair": Person, "contact": Person, "escalation": Person,
    "coordinator": Person,
}


def _render(error: Any, raw: Any) -> str:
    """``agency[3].contact.email (agency 'probation'): value is not a valid email address``.

    The offending value is never echoed: it may be personal data.
    """
    path = ""
    named: list[str] = []
    node: Any = raw
    key = ""
    for item in error["loc"]:
        if isinstance(item, int):
            path += f"[{item + 1}]"
            node = node[item] if isinstance(node, list) and 0 <= item < len(node) else None
            name_field = _ENTRY_NAME.get(key)
            if name_field and isinstance(node, dict) and isinstance(node.get(name_field), str):
                named.append(f"{key} '{node[name_field]}'")
        else:
            key = str(item)
            shown = key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else f'"{key}"'
            path += f".{shown}" if path else shown
            node = node.get(key) if isinstance(node, dict) else None
    context = f" ({', '.join(named)})" if named else ""
    return f"{path or 'file'}{context}: {_message(error)}"


def _message(error: Any) -> str:
    kind = error["type"]
    loc = tuple(error["loc"])
    if kind == "extra_forbidden":
        allowed = _fields_at(loc[:-1])
        hint = f"; allowed here: {', '.join(allowed)}" if allowed else ""
        return f"unknown field '{loc[-1]}'{hint}"
    if kind == "missing":
        return "is required"
    message = str(error["msg"])
    message = message.removeprefix("Value error, ")
    if kind == "literal_error":
        return message.replace("Input should be", "must be one of").replace(" or ", ", ")
    if kind in ("too_short", "string_too_short") and "at least 1" in message:
        return "must not be empty"
    for pydantic_words, ours in (("Input should be", "must be"), ("Input should", "must"),
                                 ("String should", "must"), ("List should", "must"),
                                 ("Dictionary should", "must")):
        if message.startswith(pydantic_words):
            return ours + message[len(pydantic_words):]
    return message


def _fields_at(loc: tuple[Any, ...]) -> list[str]:
    """The field names allowed in the table at ``loc`` (for 'unknown field' messages)."""
    model: type[BaseModel] | None = SetupFile
    in_clocks = False
    for item in loc:
        if isinstance(item, int):
            continue
        if in_clocks:
            model, in_clocks = ClockEntry, False
        elif item == "clocks":
            model, in_clocks = None, True
        else:
            model = _TABLES.get(str(item))
    return list(model.model_fields) if model is not None and not in_clocks else []


def example_path(name: str) -> Path:
    """The path of a shipped example set-up file (``cumbria``)."""
    examples = _examples()
    if name not in examples:
        raise NotFound(f"No example set-up '{name}'; the examples: {', '.join(sorted(examples))}.")
    return examples[name]


def _examples() -> dict[str, Path]:
    folder = resources.files("application.examples")
    return {
        entry.name.removesuffix(".toml"): Path(str(entry))
        for entry in folder.iterdir()
        if entry.name.endswith(".toml")
    }


# --------------------------------------------------------------------------- importing


def import_setup(cases: CaseService, setup: SetupFile, meta: Meta) -> dict[str, int]:
    """Register or update every partnership and agency in ``setup``, atomically and idempotently.

    Set-up facts take effect from the file's ``effective_from`` unless ``meta.on`` is given;
    each policy version takes effect from its own ``effective_from``. Returns counts of what
    the file describes and ``events``: how many new events were recorded (0 when nothing
    changed).
    """
    if meta.on is not None and not meta.on.strip():  # a slip, not "from the file's date"
        raise InvalidInput("The effective time is empty; leave it out to use the file's "
                           "effective_from.", field="on")
    on = meta.on or setup.effective_from.isoformat()

    def attempt() -> dict[str, int]:
        ctx = cases.context(Meta(actor=meta.actor, on=on, reason=meta.reason))
        in_file = {p.slug for p in setup.partnership}
        aggregates: list[Partnership | Agency | County] = []
        for index, entry in enumerate(setup.partnership, start=1):
            where = f"partnership[{index}] ({entry.slug})"
            aggregates.append(_named(where, _partnership, cases, ctx, entry))
        for index, agency in enumerate(setup.agency, start=1):
            where = f"agency[{index}] ({agency.slug})"
            _check_partnerships(cases, where, agency.partnerships, in_file)
            aggregates.append(_named(where, _agency, cases, ctx, agency))
        for index, county in enumerate(setup.county, start=1):
            where = f"county[{index}] ({county.slug})"
            _check_partnerships(cases, where, county.partnerships, in_file)
            aggregates.append(_named(where, _county, cases, ctx, county))
        changed = [a for a in aggregates if a.pending_events]
        events = sum(len(a.pending_events) for a in changed)
        if changed:
            cases.app.save(*changed)
        return {
            "partnerships": len(setup.partnership),
            "hubs": sum(len(p.hub) for p in setup.partnership),
            "agencies": len(setup.agency),
            "policies": sum(len(p.policy) for p in setup.partnership),
            "counties": len(setup.county),
            "events": events,
        }

    return cases.with_retry(attempt)


def _named(where: str, step: Callable[..., T], *args: Any) -> T:
    """Prefix a domain refusal with the entry of the file it concerns."""
    try:
        return step(*args)
    except InvalidInput as error:
        raise InvalidInput(f"{where}: {error.message}") from None


def _partnership(cases: CaseService, ctx: CommandContext, entry: PartnershipEntry) -> Partnership:
    try:
        partnership: Partnership = cases.app.repository.get(partnership_id(entry.slug))
    except AggregateNotFoundError:
        partnership = Partnership.register(ctx, entry.slug, entry.code, entry.name)
    code = getattr(partnership, "code")  # noqa: B009 (set by events; mypy cannot see it)
    if code != entry.code:
        raise InvalidInput(
            f"code: the partnership is already set up with code {code}; a code is "
            "part of every case reference and cannot change."
        )
    partnership.rename(ctx, entry.name)
    if entry.chair is not None:
        partnership.change_chair(ctx, entry.chair.to_personal())
    if entry.coordinator is not None:
        partnership.change_coordinator(ctx, entry.coordinator.to_personal())
    for hub in entry.hub:
        partnership.add_hub(ctx, hub.slug, hub.name)
    for policy in entry.policy:
        _adopt(partnership, ctx, policy)
    return partnership


def _adopt(partnership: Partnership, ctx: CommandContext, policy: PolicyEntry) -> None:
    effective = policy.effective_from.isoformat()
    existing_versions: list[dict[str, Any]] = getattr(partnership, "policies")  # noqa: B009
    for existing in existing_versions:
        if (existing["case_type"], existing["version"]) == (policy.case_type, policy.version) \
                and existing["effective_from"] != effective:
            raise InvalidInput(
                f"policy {policy.version}: already adopted with effect from "
                f"{existing['effective_from']}, not {effective}; policy versions are immutable: "
                "adopt a new version with its own date."
            )
    try:
        partnership.adopt_policy(replace(ctx, effective=effective), policy.case_type,
                                 policy.version, dict(policy.settings), policy.clock_policies(),
                                 policy.reminder_ladders())
    except InvalidInput as error:
        raise InvalidInput(f"policy {policy.version}: {error.message}") from None


def _check_partnerships(cases: CaseService, where: str, slugs: list[str],
                        in_file: set[str]) -> None:
    for slug in slugs:
        if slug in in_file:
            continue
        try:
            cases.app.repository.get(partnership_id(slug))
        except AggregateNotFoundError:
            known = ", ".join(sorted(in_file)) or "none"
            raise InvalidInput(
                f"{where}.partnerships: unknown partnership '{slug}'; it is neither in the file "
                f"(which has: {known}) nor already set up."
            ) from None


def _agency(cases: CaseService, ctx: CommandContext, entry: AgencyEntry) -> Agency:
    try:
        agency: Agency = cases.app.repository.get(agency_id(entry.slug))
    except AggregateNotFoundError:
        agency = Agency.register(ctx, entry.slug, entry.name, entry.kind, list(entry.partnerships))
    agency.change_details(ctx, entry.name, entry.kind, list(entry.partnerships))
    agency.change_contacts(ctx, entry.contacts())
    return agency


def _county(cases: CaseService, ctx: CommandContext, entry: CountyEntry) -> County:
    try:
        county: County = cases.app.repository.get(county_id(entry.slug))
    except AggregateNotFoundError:
        county = County.register(ctx, entry.slug, entry.name, list(entry.partnerships))
    county.change(ctx, entry.name, list(entry.partnerships))
    return county
