"""Partnership set-up as data (processes/common.md, "Partnerships, hubs, agencies" and "Identity").

Partnerships, hubs, agencies, contacts and local policy versions change over time and must be
audited, so they are event-sourced like cases; a change takes effect from a stated date.
Case references are allocated without gaps by a counter per partnership, type and year, saved
in the same transaction as the case it numbers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Generic, Self, TypedDict, TypeVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.case import CommandContext
from domain.errors import InvalidInput, NotFound
from domain.plain import Json, Text
from domain.policy import CasePolicy, ClockPolicy, ClockPolicyData
from domain.reminders import Ladders, check_reminders
from domain.topics import PinnedTopic

NAMESPACE = uuid5(NAMESPACE_URL, "https://caseledger.org/ids")
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
CODE = re.compile(r"^[A-Z]{2,5}$")
REFERENCE = re.compile(r"^(?P<code>[A-Z]{2,5})-(?P<type>[A-Z]+)-(?P<year>\d{4})-(?P<number>\d{1,})$")


def partnership_id(slug: str) -> UUID:
    return uuid5(NAMESPACE, f"partnership:{slug}")


def agency_id(slug: str) -> UUID:
    return uuid5(NAMESPACE, f"agency:{slug}")


def counter_id(prefix: str) -> UUID:
    return uuid5(NAMESPACE, f"reference-counter:{prefix}")


def case_id_for(reference: str) -> UUID:
    """A case's id follows from its reference, so a reference resolves without a look-up."""
    return uuid5(NAMESPACE, f"case:{reference}")


def check_slug(what: str, slug: str) -> str:
    if not SLUG.match(slug):
        raise InvalidInput(f"'{slug}' is not a valid {what} id; use lower-case words joined by hyphens.")
    return slug


T = TypeVar("T", bound=Aggregate, contravariant=True)
"""The set-up aggregate an event applies to."""


class SetupEvent(PinnedTopic, Aggregate.Event, Generic[T]):
    """Base of set-up facts: effective from a stated date, recorded by an actor."""

    TOPIC = "caseledger.domain.setup:SetupEvent"

    effective: str
    actor: str
    reason: str | None

    def apply(self, aggregate: T) -> None:
        self.apply_to(aggregate)

    def apply_to(self, target: T) -> None:
        """How the fact changes the set-up."""


# --------------------------------------------------------------------------- partnership


class PartnershipRegistered(SetupEvent["Partnership"], Aggregate.Created):
    TOPIC = "caseledger.domain.setup:PartnershipRegistered"

    slug: str
    code: str
    name: str

    def apply_to(self, target: Partnership) -> None:
        target.slug, target.code, target.name = self.slug, self.code, self.name
        target.hubs = {}
        target.policies = []
        target.chair = {}
        target.coordinator = {}


class PartnershipRenamed(SetupEvent["Partnership"]):
    TOPIC = "caseledger.domain.setup:PartnershipRenamed"

    name: str

    def apply_to(self, target: Partnership) -> None:
        target.name = self.name


class PartnershipChairChanged(SetupEvent["Partnership"]):
    TOPIC = "caseledger.domain.setup:PartnershipChairChanged"

    personal: Text  # name and email of the chair (escalation step of reminders)

    def apply_to(self, target: Partnership) -> None:
        target.chair = dict(self.personal)


class PartnershipCoordinatorChanged(SetupEvent["Partnership"]):
    """Who runs the partnership's cases day to day: named in every reminder as the person to
    contact, and the contact for deadlines the partnership itself is responsible for."""

    TOPIC = "caseledger.domain.setup:PartnershipCoordinatorChanged"

    personal: Text  # name and email of the coordinator

    def apply_to(self, target: Partnership) -> None:
        target.coordinator = dict(self.personal)


class HubAdded(SetupEvent["Partnership"]):
    TOPIC = "caseledger.domain.setup:HubAdded"

    hub: str
    name: str

    def apply_to(self, target: Partnership) -> None:
        target.hubs[self.hub] = self.name


class PolicyVersionAdopted(SetupEvent["Partnership"]):
    """A local policy version for one case type, in force from ``effective``.

    Schema evolution, worked example: version 1 (stored before reminder ladders existed) had no
    ``reminders``; ``upcast_v1_v2`` gives old stored events an empty table, which means "the
    national ladder for every kind" — exactly what those partnerships had. Stored events are
    never rewritten; they are upcast as they are read.
    """

    TOPIC = "caseledger.domain.setup:PolicyVersionAdopted"

    class_version = 2

    case_type: str
    version: str
    settings: dict[str, str]
    clocks: dict[str, ClockPolicyData]
    reminders: Ladders

    @staticmethod
    def upcast_v1_v2(state: dict[str, Json]) -> None:
        state["reminders"] = {}

    def apply_to(self, target: Partnership) -> None:
        target.policies.append(
            {"case_type": self.case_type, "version": self.version, "effective_from": self.effective,
             "settings": dict(self.settings), "clocks": dict(self.clocks),
             "reminders": dict(self.reminders)}
        )


class AdoptedPolicy(TypedDict):
    """A local policy version as a partnership keeps it (PolicyVersionAdopted)."""

    case_type: str
    version: str
    effective_from: str
    settings: dict[str, str]
    clocks: dict[str, ClockPolicyData]
    reminders: Ladders


class Partnership(Aggregate):
    """A Community Safety Partnership: code, hubs, chair and local policy versions."""

    TOPIC = "caseledger.domain.setup:Partnership"

    class Event(PinnedTopic, Aggregate.Event):
        TOPIC = "caseledger.domain.setup:Partnership.Event"

    class Created(Event, Aggregate.Created):
        TOPIC = "caseledger.domain.setup:Partnership.Created"

    if TYPE_CHECKING:  # set by the events' apply methods, not dataclass fields
        slug: str
        code: str
        name: str
        hubs: dict[str, str]
        policies: list[AdoptedPolicy]
        chair: dict[str, str]
        coordinator: dict[str, str]

    @classmethod
    def register(cls, ctx: CommandContext, slug: str, code: str, name: str) -> Partnership:
        check_slug("partnership", slug)
        if not CODE.match(code):
            raise InvalidInput(f"'{code}' is not a valid partnership code; use 2–5 capital letters (e.g. CUM).")
        return cls._create(
            PartnershipRegistered, id=partnership_id(slug), timestamp=ctx.now,
            effective=ctx.effective, actor=ctx.actor, reason=ctx.reason, slug=slug, code=code,
            name=name,
        )

    def _record(self, event_class: type[SetupEvent[Self]], ctx: CommandContext,
                **fields: object) -> None:
        self.trigger_event(event_class, timestamp=ctx.now, effective=ctx.effective,
                           actor=ctx.actor, reason=ctx.reason, **fields)

    def rename(self, ctx: CommandContext, name: str) -> None:
        if name != self.name:
            self._record(PartnershipRenamed, ctx, name=name)

    def change_chair(self, ctx: CommandContext, chair: dict[str, str]) -> None:
        if chair != self.chair:
            self._record(PartnershipChairChanged, ctx, personal=chair)

    def change_coordinator(self, ctx: CommandContext, coordinator: dict[str, str]) -> None:
        if coordinator != self.coordinator:
            self._record(PartnershipCoordinatorChanged, ctx, personal=coordinator)

    def add_hub(self, ctx: CommandContext, hub: str, name: str) -> None:
        check_slug("hub", hub)
        if self.hubs.get(hub) != name:
            self._record(HubAdded, ctx, hub=hub, name=name)

    def adopt_policy(self, ctx: CommandContext, case_type: str, version: str,
                     settings: dict[str, str], clocks: dict[str, ClockPolicy],
                     reminders: Mapping[str, object] | None = None) -> None:
        as_dicts = {k: v.to_dict() for k, v in sorted(clocks.items())}
        ladders = check_reminders(reminders or {})
        for existing in self.policies:
            if existing["version"] == version and existing["case_type"] == case_type:
                if (existing["clocks"] != as_dicts or existing["settings"] != settings
                        or existing["reminders"] != ladders):
                    raise InvalidInput(
                        f"Policy version {version} already exists with different content; "
                        "policy versions are immutable: adopt a new version with its own date."
                    )
                return
        self._record(PolicyVersionAdopted, ctx, case_type=case_type, version=version,
                     settings=settings, clocks=as_dicts, reminders=ladders)

    def has_hub(self, hub: str) -> bool:
        return hub in self.hubs

    def require_hub(self, hub: str) -> None:
        if hub not in self.hubs:
            known = ", ".join(sorted(self.hubs)) or "none"
            raise NotFound(f"Partnership {self.slug} has no hub '{hub}'; its hubs: {known}.")

    def policy_in_force(self, case_type: str, on_date: str) -> AdoptedPolicy | None:
        """The local policy version for a case type in force on a date (the latest adopted on or
        before it), or None when the partnership has adopted none by then."""
        in_force = [
            p for p in self.policies
            if p["case_type"] == case_type and p["effective_from"] <= on_date
        ]
        return max(in_force, key=lambda p: p["effective_from"]) if in_force else None

    def policy_for(self, case_type: str, on_date: str, national: CasePolicy) -> CasePolicy:
        """The policy in force on a date: the national defaults with the local version applied."""
        local = self.policy_in_force(case_type, on_date)
        if local is None:
            return national
        return national.with_overrides(
            version=local["version"], effective_from=local["effective_from"],
            clocks={k: ClockPolicy.from_dict(v) for k, v in local["clocks"].items()},
            settings=local["settings"], reminders=local["reminders"],
        )

    def local_setting(self, case_type: str, on_date: str, key: str) -> str | None:
        local = self.policy_in_force(case_type, on_date)
        value = local["settings"].get(key) if local is not None else None
        return str(value) if value is not None else None


# --------------------------------------------------------------------------- agency


class AgencyRegistered(SetupEvent["Agency"], Aggregate.Created):
    TOPIC = "caseledger.domain.setup:AgencyRegistered"

    slug: str
    name: str
    kind: str
    partnerships: list[str]

    def apply_to(self, target: Agency) -> None:
        target.slug, target.name, target.kind = self.slug, self.name, self.kind
        target.partnerships = list(self.partnerships)
        target.contacts = {}


class AgencyDetailsChanged(SetupEvent["Agency"]):
    TOPIC = "caseledger.domain.setup:AgencyDetailsChanged"

    name: str
    kind: str
    partnerships: list[str]

    def apply_to(self, target: Agency) -> None:
        target.name, target.kind = self.name, self.kind
        target.partnerships = list(self.partnerships)


class AgencyContactsChanged(SetupEvent["Agency"]):
    TOPIC = "caseledger.domain.setup:AgencyContactsChanged"

    personal: dict[str, Text]  # {"contact": {name, email}, "escalation": {name, email}}

    def apply_to(self, target: Agency) -> None:
        target.contacts = dict(self.personal)


class Agency(Aggregate):
    """An organisation asked for returns or owning actions, with a contact and an escalation contact."""

    TOPIC = "caseledger.domain.setup:Agency"

    class Event(PinnedTopic, Aggregate.Event):
        TOPIC = "caseledger.domain.setup:Agency.Event"

    class Created(Event, Aggregate.Created):
        TOPIC = "caseledger.domain.setup:Agency.Created"

    if TYPE_CHECKING:
        slug: str
        name: str
        kind: str
        partnerships: list[str]
        contacts: dict[str, dict[str, str]]

    @classmethod
    def register(cls, ctx: CommandContext, slug: str, name: str, kind: str,
                 partnerships: list[str]) -> Agency:
        check_slug("agency", slug)
        return cls._create(
            AgencyRegistered, id=agency_id(slug), timestamp=ctx.now, effective=ctx.effective,
            actor=ctx.actor, reason=ctx.reason, slug=slug, name=name, kind=kind,
            partnerships=sorted(partnerships),
        )

    def _record(self, event_class: type[SetupEvent[Self]], ctx: CommandContext,
                **fields: object) -> None:
        self.trigger_event(event_class, timestamp=ctx.now, effective=ctx.effective,
                           actor=ctx.actor, reason=ctx.reason, **fields)

    def change_details(self, ctx: CommandContext, name: str, kind: str, partnerships: list[str]) -> None:
        if (name, kind, sorted(partnerships)) != (self.name, self.kind, self.partnerships):
            self._record(AgencyDetailsChanged, ctx, name=name, kind=kind, partnerships=sorted(partnerships))

    def change_contacts(self, ctx: CommandContext, contacts: dict[str, dict[str, str]]) -> None:
        if contacts != self.contacts:
            self._record(AgencyContactsChanged, ctx, personal=contacts)


# --------------------------------------------------------------------------- county board


def county_id(slug: str) -> UUID:
    return uuid5(NAMESPACE, f"county:{slug}")


class CountyRegistered(SetupEvent["County"], Aggregate.Created):
    TOPIC = "caseledger.domain.setup:CountyRegistered"

    slug: str
    name: str
    partnerships: list[str]

    def apply_to(self, target: County) -> None:
        target.slug, target.name = self.slug, self.name
        target.partnerships = list(self.partnerships)


class CountyChanged(SetupEvent["County"]):
    TOPIC = "caseledger.domain.setup:CountyChanged"

    name: str
    partnerships: list[str]

    def apply_to(self, target: County) -> None:
        target.name, target.partnerships = self.name, list(self.partnerships)


class County(Aggregate):
    """A county board (e.g. Safer Cumbria) that sees the cases of several partnerships in its
    reports (processes/common.md, "Partnerships")."""

    TOPIC = "caseledger.domain.setup:County"

    class Event(PinnedTopic, Aggregate.Event):
        TOPIC = "caseledger.domain.setup:County.Event"

    class Created(Event, Aggregate.Created):
        TOPIC = "caseledger.domain.setup:County.Created"

    if TYPE_CHECKING:
        slug: str
        name: str
        partnerships: list[str]

    @classmethod
    def register(cls, ctx: CommandContext, slug: str, name: str, partnerships: list[str]) -> County:
        check_slug("county", slug)
        if not partnerships:
            raise InvalidInput(f"The county '{slug}' needs at least one partnership.")
        return cls._create(
            CountyRegistered, id=county_id(slug), timestamp=ctx.now, effective=ctx.effective,
            actor=ctx.actor, reason=ctx.reason, slug=slug, name=name,
            partnerships=sorted(partnerships),
        )

    def change(self, ctx: CommandContext, name: str, partnerships: list[str]) -> None:
        if (name, sorted(partnerships)) != (self.name, self.partnerships):
            self.trigger_event(CountyChanged, timestamp=ctx.now, effective=ctx.effective,
                               actor=ctx.actor, reason=ctx.reason, name=name,
                               partnerships=sorted(partnerships))


# --------------------------------------------------------------------------- references


class ReferenceCounterStarted(PinnedTopic, Aggregate.Created):
    TOPIC = "caseledger.domain.setup:ReferenceCounterStarted"

    prefix: str

    def apply(self, aggregate: ReferenceCounter) -> None:
        aggregate.prefix = self.prefix
        aggregate.allocated = {}


class ReferenceAllocated(PinnedTopic, Aggregate.Event):
    TOPIC = "caseledger.domain.setup:ReferenceAllocated"

    number: int
    case_id: UUID

    def apply(self, aggregate: ReferenceCounter) -> None:
        aggregate.allocated[self.number] = self.case_id


class ReferenceCounter(Aggregate):
    """Numbers for one partnership, case type and year (``CUM-DARDR-2026``): no gaps, no reuse."""

    TOPIC = "caseledger.domain.setup:ReferenceCounter"

    class Event(PinnedTopic, Aggregate.Event):
        TOPIC = "caseledger.domain.setup:ReferenceCounter.Event"

    class Created(Event, Aggregate.Created):
        TOPIC = "caseledger.domain.setup:ReferenceCounter.Created"

    if TYPE_CHECKING:
        prefix: str
        allocated: dict[int, UUID]

    @classmethod
    def start(cls, prefix: str, ctx: CommandContext) -> ReferenceCounter:
        return cls._create(ReferenceCounterStarted, id=counter_id(prefix), timestamp=ctx.now,
                           prefix=prefix)

    def allocate(self, ctx: CommandContext) -> tuple[str, UUID]:
        """The next reference and the case id derived from it."""
        number = len(self.allocated) + 1
        reference = f"{self.prefix}-{number:03d}"
        case_id = case_id_for(reference)
        self.trigger_event(ReferenceAllocated, timestamp=ctx.now, number=number, case_id=case_id)
        return reference, case_id


def reference_prefix(code: str, type_code: str, year: int) -> str:
    return f"{code}-{type_code}-{year}"


def normalise_reference(reference: str) -> str:
    """``cum-dardr-2026-3`` → ``CUM-DARDR-2026-003``; InvalidInput if malformed."""
    prefix, number = parse_reference(reference)
    return f"{prefix}-{number:03d}"


def parse_reference(reference: str) -> tuple[str, int]:
    """``CUM-DARDR-2026-003`` → (``CUM-DARDR-2026``, 3); InvalidInput if malformed."""
    match = REFERENCE.match(reference.strip().upper())
    if not match:
        raise InvalidInput(
            f"'{reference}' is not a case reference or UUID; references look like CUM-DARDR-2026-003."
        )
    prefix = f"{match['code']}-{match['type']}-{match['year']}"
    return prefix, int(match["number"])
