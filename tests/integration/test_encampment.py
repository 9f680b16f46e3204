"""Encampments on both backends: a return within a no-return window is flagged at report time
and shown by ``case show`` (processes/unauthorised-encampments.md)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from application.commands import (
    AssessImpact,
    AssessWelfare,
    DecideEncampment,
    EstablishOwnership,
    ReportEncampment,
    ServeDirection,
    Visit,
)
from application.queries import case_to_dict
from application.service import Meta
from interfaces.bootstrap import Services
from tests.integration.support import NOW, seed, services_for

GRID = "NY 40100 55900"


@pytest.fixture
def services(database_url: str) -> Iterator[Services]:
    built = services_for(database_url)
    seed(built)
    try:
        yield built
    finally:
        built.close()


def report(services: Services, on: str, grid: str = GRID, group: str | None = None,
           use_views: bool = True) -> dict:
    services.catch_up()
    command = ReportEncampment(partnership="cumberland", hub="allerdale", location="Playing field (test)",
                               grid_ref=grid, caravans=6, vehicles=4, group=group)
    result = services.cases.open(command, Meta(actor="officer", on=on),
                                 views=services.views if use_views else None)
    return result.to_dict()


def directed(services: Services, on_day: str = "2026-03-03") -> str:
    ref = report(services, f"{on_day}T09:30", group="GRP-C")["reference"]
    for at, command in (
        ("10:00", EstablishOwnership(land="council")),
        ("11:00", Visit(caravans=6)),
        ("12:00", AssessWelfare(needs=["health"])),
        ("12:30", AssessImpact(threat=3, likelihood=2)),
        ("14:00", DecideEncampment(decision="not-allow", power="s77", reasons="Sports pitch; proportionate")),
        ("15:00", ServeDirection(power="s77")),
    ):
        services.cases.execute(ref, command, Meta("officer", f"{on_day}T{at}"))
    return ref


def test_a_return_within_the_window_is_flagged_and_shown(services: Services):
    first = directed(services)
    assert first == "CUM-UE-2026-001"
    again = report(services, "2026-05-18T11:00")
    window = {"case": first, "power": "s77", "from": "2026-03-03", "until": "2026-06-02"}
    assert again["within_no_return_window"] == window

    shown = case_to_dict(services.cases.load_case(again["reference"]), NOW)
    assert shown["within_no_return_window"] == window
    assert shown["no_return_windows"] == []
    assert "until 2026-06-02" in shown["details"]["no_return_flag"]
    earlier = case_to_dict(services.cases.load_case(first), NOW)
    assert earlier["no_return_windows"] == [
        {"power": "s77", "from": "2026-03-03", "until": "2026-06-02"}]


def test_an_s77_window_reaches_its_land_not_the_group_elsewhere_and_ends_with_its_period(
        services: Services):
    """CJPOA 1994 s.77(3)(b): the offence is to enter *the land* again within three months, so
    the same group on other land is not within the window."""
    directed(services)
    elsewhere = report(services, "2026-04-01T10:00", grid="NY 11111 22222", group="GRP-C")
    assert elsewhere["within_no_return_window"] is None
    later = report(services, "2026-06-03T10:00")
    assert later["within_no_return_window"] is None
    other = report(services, "2026-04-01T10:00", grid="NY 99999 88888", group="OTHER")
    assert other["within_no_return_window"] is None


def test_without_views_the_counters_find_earlier_cases(services: Services):
    first = directed(services)
    again = report(services, "2026-05-18T11:00", use_views=False)
    assert again["within_no_return_window"]["case"] == first
