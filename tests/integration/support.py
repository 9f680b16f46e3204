"""Shared set-up for integration tests: services on a fresh database, seeded minimally."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from application.commands import NotifyDeath
from application.service import Meta
from domain.calendar import FixedCalendar
from domain.setup import Agency, Partnership
from infrastructure.clock import FixedClock
from infrastructure.settings import Settings
from interfaces.bootstrap import Services, build
from tests.unit.calendar_fixture import ENGLAND_AND_WALES_2025_2027

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
AGENCIES = ("cumbria-police", "probation", "cumberland-council", "north-cumbria-hospitals")


def services_for(url: str, now: datetime = NOW) -> Services:
    calendar = FixedCalendar(ENGLAND_AND_WALES_2025_2027, source="test calendar")
    return build(Settings.from_env(database_url=url), clock=FixedClock(now), calendar=calendar)


def seed(services: Services) -> None:
    ctx = services.cases.context(Meta(actor="admin", on="2024-04-01"))
    cumberland = Partnership.register(ctx, "cumberland", "CUM", "Cumberland CSP")
    cumberland.add_hub(ctx, "allerdale", "Allerdale Local Focus Hub")
    agencies = [Agency.register(ctx, slug, slug.replace("-", " ").title(), "other", ["cumberland"])
                for slug in AGENCIES]
    services.app.save(cumberland, *agencies)


def notify(services: Services, on: str = "2026-01-31", actor: str = "coordinator") -> str:
    died = (date.fromisoformat(on) - timedelta(days=5)).isoformat()
    command = NotifyDeath(partnership="cumberland", date_of_death=died, victim_pseudonym="Anna",
                          notified_by="cumbria-police", relationship="intimate-partner", death_type="homicide")
    result = services.cases.open(command, Meta(actor=actor, on=on))
    return result.reference
