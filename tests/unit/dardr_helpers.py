"""Shared givens for the DARDR domain tests (tests/unit/test_dardr*.py, test_case_mechanics.py).

Tests read as "given events -> when command -> then events (or error)". The injected clock
(``NOW``) is fixed, so that no test depends on the day it runs; the bank holidays are typed out
literally from the published England and Wales list (gov.uk), 2025-2027.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any, TypeVar
from uuid import UUID, uuid4

from domain.calendar import FixedCalendar
from domain.case import CommandContext
from domain.dardr import DardrReview, Guidance, national_policy

ENGLAND_AND_WALES_2025_2027 = FixedCalendar(
    frozenset(
        {
            # 2025
            date(2025, 1, 1),  # New Year's Day
            date(2025, 4, 18),  # Good Friday
            date(2025, 4, 21),  # Easter Monday
            date(2025, 5, 5),  # Early May bank holiday
            date(2025, 5, 26),  # Spring bank holiday
            date(2025, 8, 25),  # Summer bank holiday
            date(2025, 12, 25),  # Christmas Day
            date(2025, 12, 26),  # Boxing Day
            # 2026
            date(2026, 1, 1),  # New Year's Day
            date(2026, 4, 3),  # Good Friday
            date(2026, 4, 6),  # Easter Monday
            date(2026, 5, 4),  # Early May bank holiday
            date(2026, 5, 25),  # Spring bank holiday
            date(2026, 8, 31),  # Summer bank holiday
            date(2026, 12, 25),  # Christmas Day
            date(2026, 12, 28),  # Boxing Day (substitute day: 26 Dec is a Saturday)
            # 2027
            date(2027, 1, 1),  # New Year's Day
            date(2027, 3, 26),  # Good Friday
            date(2027, 3, 29),  # Easter Monday
            date(2027, 5, 3),  # Early May bank holiday
            date(2027, 5, 31),  # Spring bank holiday
            date(2027, 8, 30),  # Summer bank holiday
            date(2027, 12, 27),  # Christmas Day (substitute day: 25 Dec is a Saturday)
            date(2027, 12, 28),  # Boxing Day (substitute day: 26 Dec is a Sunday)
        }
    ),
    source="test: England and Wales bank holidays 2025-2027 (gov.uk), typed out",
)

E = TypeVar("E", bound=Exception)

NO_HOLIDAYS = FixedCalendar(frozenset(), source="test: no bank holidays")

#: The injected clock: every command in these tests is recorded at this instant.
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)

ACTOR = "user:coordinator"
REFERENCE = "CUM-DARDR-2026-001"
PSEUDONYM = "Zephyrine Quillfeather"  # unusual on purpose: easy to spot if it leaks


def ctx(
    on: str,
    reason: str | None = None,
    *,
    now: datetime = NOW,
    calendar: Any = ENGLAND_AND_WALES_2025_2027,
    actor: str = ACTOR,
) -> CommandContext:
    """A command context effective ``on`` (a date or ISO date-time), recorded at ``now``."""
    return CommandContext(effective=on, actor=actor, now=now, calendar=calendar, reason=reason)


def notified_review(
    on: str = "2026-01-31",
    *,
    date_of_death: str = "2026-01-20",
    guidance: str = Guidance.DHR_2016,
    relationship: str = "intimate-partner",
    death_type: str = "homicide",
    age_band: str = "35-44",
    victim_pseudonym: str = PSEUDONYM,
    case_id: UUID | None = None,
    now: datetime = NOW,
    calendar: Any = ENGLAND_AND_WALES_2025_2027,
    policy: Any = None,
) -> Any:
    """Given: a death notified to the partnership ``on`` a date (stage ``notified``)."""
    return DardrReview.notify(
        ctx(on, now=now, calendar=calendar),
        case_id=case_id or uuid4(),
        reference=REFERENCE,
        partnership="cumberland",
        policy=policy or national_policy(guidance),
        date_of_death=date_of_death,
        victim_pseudonym=victim_pseudonym,
        notified_by="cumbria-police",
        relationship=relationship,
        death_type=death_type,
        age_band=age_band,
        police_force_area="cumbria",
    )


def replay(events: Iterable[Any]) -> Any:
    """Rebuild an aggregate from its events alone (what loading from the event store does)."""
    aggregate = None
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


def event_names(events: Iterable[Any]) -> list[str]:
    return [type(e).__name__ for e in events]


def state(aggregate: Any) -> dict[str, Any]:
    """The aggregate's state for comparison (everything but the pending events)."""
    return {k: v for k, v in vars(aggregate).items() if k != "_pending_events"}


def of_type(events: Sequence[Any], name: str) -> list[Any]:
    return [e for e in events if type(e).__name__ == name]


def one(events: Sequence[Any], name: str) -> Any:
    found = of_type(events, name)
    assert len(found) == 1, f"expected one {name}, got {event_names(events)}"
    return found[0]


def deadline_set(events: Sequence[Any], name: str) -> Any:
    found = [e for e in events if type(e).__name__ == "DeadlineSet" and e.name == name]
    assert len(found) == 1, (
        f"expected one DeadlineSet {name}, got {[e.name for e in of_type(events, 'DeadlineSet')]}"
    )
    return found[0]


class Given:
    """A review built step by step; ``history`` keeps every event recorded so far.

    ``when(...)`` runs one command on a freshly loaded aggregate (replayed from the history) and
    returns the new events, as the application service would do.
    """

    def __init__(self, review: Any) -> None:
        self.history: list[Any] = list(review.collect_events())

    @classmethod
    def notified(cls, on: str = "2026-01-31", **kwargs: Any) -> Given:
        return cls(notified_review(on, **kwargs))

    def load(self) -> Any:
        return replay(self.history)

    def do(
        self,
        command: str,
        on: str,
        *args: Any,
        reason: str | None = None,
        calendar: Any = ENGLAND_AND_WALES_2025_2027,
        **kwargs: Any,
    ) -> list[Any]:
        """Run a command on a freshly loaded aggregate, keep and return its new events."""
        review = self.load()
        getattr(review, command)(ctx(on, reason, calendar=calendar), *args, **kwargs)
        new = list(review.collect_events())
        self.history.extend(new)
        return new

    def then(self) -> Any:
        return self.load()

    # -- the happy path, one stage at a time ------------------------------------------

    def scoping(
        self, on: str = "2026-02-02", agencies: Sequence[str] = ("police", "nhs-trust")
    ) -> Given:
        self.do("start_scoping", on, list(agencies))
        return self

    def decided(self, outcome: str = "review", on: str = "2026-02-20") -> Given:
        self.do("decide", on, outcome, "criteria of s.9 met")
        return self

    def commissioned(self, on: str = "2026-03-10") -> Given:
        self.do("record_family_contact", on, "letter to the family with the Home Office leaflet")
        self.do("appoint_chair", on, "Independent Chair")
        self.do("add_panel_member", on, "police", "Panel Member", "senior investigating officer")
        return self

    def terms_agreed(
        self, on: str = "2026-03-20", agencies: Sequence[str] = ("police", "gp")
    ) -> Given:
        self.do("agree_terms", on, "2021-01-01", "2026-01-20", list(agencies))
        return self

    def drafted(self, on: str = "2026-06-01") -> Given:
        self.do("circulate_draft", on)
        return self

    def agreed(self, on: str = "2026-07-01") -> Given:
        self.do("agree_report", on)
        return self

    def signed_off(self, on: str = "2026-07-10") -> Given:
        self.do("sign_off", on)
        return self

    def submitted(self, on: str = "2026-07-15") -> Given:
        self.do("submit", on)
        return self

    def approved(self, on: str = "2026-09-01") -> Given:
        self.do("record_qa_outcome", on, "approved", [])
        return self

    def published(self, on: str = "2026-10-01") -> Given:
        self.do("publish", on, "https://example.org/dardr-2026-001")
        return self

    def duties_done(self, on: str = "2026-10-02") -> Given:
        """The Home Office told of the decision and the Commissioner's copy sent (the duties
        that closing checks, DVCVA 2004 s.9(3B) and the statutory guidance)."""
        self.do("notify_home_office", on)
        self.do("send_commissioner_copy", on)
        return self

    #: Milestones of the happy path, in order, with the step that reaches each.
    MILESTONES = (
        "notified",
        "scoping",
        "commissioning",
        "commissioned",
        "evidence-gathering",
        "drafting",
        "local-sign-off",
        "signed-off",
        "submitted-to-home-office",
        "approved",
        "published",
    )

    def up_to(self, milestone: str) -> Given:
        """Walk the happy path (decision to review) from notification up to ``milestone``.

        ``commissioned`` is commissioning with a chair and a panel member; ``signed-off`` is
        local-sign-off after the partnership signed off.
        """
        steps: dict[str, Callable[[], Given]] = {
            "scoping": self.scoping,
            "commissioning": self.decided,
            "commissioned": self.commissioned,
            "evidence-gathering": self.terms_agreed,
            "drafting": self.drafted,
            "local-sign-off": self.agreed,
            "signed-off": self.signed_off,
            "submitted-to-home-office": self.submitted,
            "approved": self.approved,
            "published": self.published,
        }
        for reached in self.MILESTONES[1 : self.MILESTONES.index(milestone) + 1]:
            steps[reached]()
        return self


def given_notified(on: str = "2026-01-31", **kwargs: Any) -> Given:
    return Given.notified(on, **kwargs)


def new_id() -> UUID:
    return uuid4()


def refused(
    given: Given,
    command: str,
    on: str,
    *args: Any,
    error: type[E],
    match: str | None = None,
    field: str | None = None,
    reason: str | None = None,
    calendar: Any = ENGLAND_AND_WALES_2025_2027,
    **kwargs: Any,
) -> E:
    """When a command is refused: it raises ``error`` and records nothing.

    The command runs on a freshly loaded aggregate (no pending events); after the refusal that
    aggregate still has no pending events and its version is unchanged, and the history is not
    extended. Returns the exception for further checks of its message.
    """
    import re

    import pytest

    review = given.load()
    version = review.version
    with pytest.raises(error) as caught:
        getattr(review, command)(ctx(on, reason, calendar=calendar), *args, **kwargs)
    if match is not None:
        assert re.search(match, str(caught.value)), f"{match!r} not in {caught.value!s}"
    if field is not None:
        assert getattr(caught.value, "field", None) == field, f"not about {field}: {caught.value!r}"
    assert review.collect_events() == [], "a refused command recorded events"
    assert review.version == version
    return caught.value
