"""Partnership set-up as data (product.md capability 6): the TOML import, on SQLite and PostgreSQL.

The shipped Cumbria example imports whole, atomically and idempotently; a bad file is refused
with a message naming the entry and field, and records nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from application.service import Meta
from application.setup_import import example_path, import_setup, load_setup
from domain.asb import national_policy as asb_policy
from domain.asb_threshold import evaluate
from domain.calendar import ClockRule, ClockUnit
from domain.dardr import national_policy
from domain.errors import InvalidInput, NotFound
from domain.policy import Basis, ClockPolicy
from domain.setup import AgencyContactsChanged, agency_id
from infrastructure.clock import FixedClock
from infrastructure.settings import Settings
from interfaces.bootstrap import Services, build

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
ADMIN = Meta(actor="admin")
AGENCIES = sorted([
    "cumbria-police", "cumbria-fire", "probation", "cumberland-council",
    "westmorland-furness-council", "ne-cumbria-icb", "lsc-icb", "north-cumbria-hospitals",
    "cumbria-mental-health", "home-group", "impact-housing", "victim-support",
])
# Per partnership: registered, chair, coordinator, three hubs, two policies (DARDR and ASB); per
# agency: registered, contacts.
EXAMPLE_EVENTS = 2 * 8 + 12 * 2 + 1  # two partnerships, twelve agencies, one county


@pytest.fixture
def services(database_url: str) -> Iterator[Services]:
    s = build(Settings.from_env(database_url=database_url), clock=FixedClock(NOW))
    yield s
    s.close()


def example_text() -> str:
    return example_path("cumbria").read_text(encoding="utf-8")


def write(tmp_path: Path, text: str, name: str = "setup.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def changed(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} should occur once in the example"
    return text.replace(old, new)


def last_id(services: Services) -> int:
    return services.app.recorder.max_notification_id() or 0


def test_the_example_ships_with_the_package_and_only_it() -> None:
    assert example_path("cumbria").is_file()
    with pytest.raises(NotFound, match="No example set-up 'lancashire'; the examples: cumbria"):
        example_path("lancashire")


def test_importing_the_example_sets_up_cumbria(services: Services) -> None:
    before = last_id(services)
    counts = import_setup(services.cases, load_setup(example_path("cumbria")), ADMIN)

    assert counts == {"partnerships": 2, "hubs": 6, "agencies": 12, "policies": 4, "counties": 1,
                      "events": EXAMPLE_EVENTS}
    assert last_id(services) - before == EXAMPLE_EVENTS
    services.catch_up()
    partnerships = {p["slug"]: p for p in services.views.partnerships()}
    assert sorted(partnerships) == ["cumberland", "westmorland-furness"]
    assert partnerships["cumberland"]["code"] == "CUM"
    assert partnerships["westmorland-furness"]["code"] == "WAF"
    assert sorted(partnerships["cumberland"]["hubs"]) == ["allerdale", "carlisle", "copeland"]
    assert sorted(partnerships["westmorland-furness"]["hubs"]) == [
        "barrow", "eden", "south-lakeland"]
    agencies = {a["slug"]: a for a in services.views.agencies()}
    assert sorted(agencies) == AGENCIES
    assert agencies["cumbria-police"]["name"] == "Cumbria Constabulary"
    assert agencies["cumberland-council"]["partnerships"] == "cumberland"
    assert agencies["lsc-icb"]["partnerships"] == "westmorland-furness"

    # Contacts are on the aggregate (personal fields only), not in the read models.
    probation = services.cases.agency("probation")
    assert set(probation.contacts) == {"contact", "escalation"}
    assert probation.contacts["escalation"]["email"].endswith(".example.org")
    assert not any("example.org" in str(v) for a in agencies.values() for v in a.values())
    chair = services.cases.partnership("cumberland").chair
    assert chair["email"] == "csp-chair@cumberland.example.org"

    # Set-up facts take effect from the file's effective_from (no --on given).
    events = list(services.app.repository.event_store.get(agency_id("probation")))
    assert {e.effective for e in events} == {"2024-04-01"}


def test_a_second_identical_import_records_nothing(services: Services) -> None:
    setup = load_setup(example_path("cumbria"))
    import_setup(services.cases, setup, ADMIN)
    before = last_id(services)

    counts = import_setup(services.cases, load_setup(example_path("cumbria")), ADMIN)

    assert counts["events"] == 0
    assert counts["agencies"] == 12
    assert last_id(services) == before


def test_a_changed_contact_records_exactly_one_event(services: Services, tmp_path: Path) -> None:
    import_setup(services.cases, load_setup(example_path("cumbria")), ADMIN)
    before = last_id(services)
    text = changed(example_text(),
                   'name = "Drew Specimen", email = "reviews@probation-cumbria.example.org"',
                   'name = "Jess Specimen", email = "dardr@probation-cumbria.example.org"')

    counts = import_setup(services.cases, load_setup(write(tmp_path, text)),
                          Meta(actor="admin", on="2026-11-01", reason="new DARDR contact"))

    assert counts["events"] == 1
    assert last_id(services) == before + 1
    probation = services.cases.agency("probation")
    assert probation.contacts["contact"] == {"name": "Jess Specimen",
                                             "email": "dardr@probation-cumbria.example.org"}
    latest = list(services.app.repository.event_store.get(agency_id("probation")))[-1]
    assert isinstance(latest, AgencyContactsChanged)
    assert (latest.effective, latest.actor, latest.reason) == (
        "2026-11-01", "admin", "new DARDR contact")


def test_an_agency_may_name_a_partnership_already_set_up(services: Services,
                                                         tmp_path: Path) -> None:
    import_setup(services.cases, load_setup(example_path("cumbria")), ADMIN)
    text = """
        [[agency]]
        slug = "west-cumbria-refuge"
        name = "West Cumbria Domestic Abuse Refuge"
        kind = "domestic-abuse-service"
        partnerships = ["cumberland"]
        contact = { name = "Lee Example", email = "referrals@refuge.example.org" }
        escalation = { name = "Kim Example", email = "manager@refuge.example.org" }
    """
    counts = import_setup(services.cases, load_setup(write(tmp_path, text)), ADMIN)

    assert counts == {"partnerships": 0, "hubs": 0, "agencies": 1, "policies": 0, "counties": 0, "events": 2}
    assert services.cases.agency("west-cumbria-refuge").partnerships == ["cumberland"]


EXTRA_AGENCY = """
[[agency]]
slug = "allerdale-food-bank"
name = "Allerdale Food Bank"
kind = "other"
partnerships = ["cumberland", "allerdale"]
contact = { name = "Lee Example", email = "hello@foodbank.example.org" }
escalation = { name = "Kim Example", email = "chair@foodbank.example.org" }
"""

BAD_FILES: dict[str, tuple[Callable[[str], str], str]] = {
    "unknown field": (
        lambda t: changed(t, 'kind = "fire"\n', 'kind = "fire"\nkidn = "fire"\n'),
        "agency[2].kidn (agency 'cumbria-fire'): unknown field 'kidn'; "
        "allowed here: slug, name, kind",
    ),
    "bad code": (
        lambda t: changed(t, 'code = "WAF"', 'code = "W&F"'),
        "partnership[2].code (partnership 'westmorland-furness'): must be 2 to 5 capital letters",
    ),
    "bad email": (
        lambda t: changed(t, '"reviews@probation-cumbria.example.org"',
                          '"reviews.probation-cumbria"'),
        "agency[3].contact.email (agency 'probation'): value is not a valid email address",
    ),
    "unknown partnership": (
        lambda t: t + EXTRA_AGENCY,
        "agency[13] (allerdale-food-bank).partnerships: unknown partnership 'allerdale'",
    ),
    "bad clock unit": (
        lambda t: changed(t, 'unit = "working-days"\namount = 30', 'unit = "weeks"\namount = 30'),
        "partnership[1].policy[1].clocks.\"return:imr\".unit "
        "(partnership 'cumberland', policy 'cumberland-dardr-2024'): must be one of "
        "'calendar-months', 'calendar-days', 'working-days', 'hours'",
    ),
    "unknown clock": (
        lambda t: changed(t, '."return:chronology"]', '."return:chronologies"]'),
        "unknown dardr clock(s) return:chronologies; the clocks are: action, chair-appointment",
    ),
    "bad reminder offset": (
        lambda t: changed(t, '{ at = "-10wd", to = ["contact"] }', '{ at = "ten days before", to = ["contact"] }'),
        "reminders: Reminder offset 'ten days before' is not understood; write e.g. -5wd",
    ),
    "bad reminder recipient": (
        lambda t: changed(t, '{ at = "+10wd", to = ["escalation", "chair"] },\n]\n# IMRs',
                          '{ at = "+10wd", to = ["escalation", "mayor"] },\n]\n# IMRs'),
        "partnership[1].policy[1].reminders.return[4].to[2] (partnership 'cumberland', "
        "policy 'cumberland-dardr-2024'): must be one of 'contact', 'escalation', 'chair'",
    ),
    "bad date": (
        lambda t: changed(t, "effective_from = 2025-04-01", 'effective_from = "1 April 2025"'),
        "partnership[2].policy[1].effective_from (partnership 'westmorland-furness', "
        "policy 'westmorland-furness-dardr-2025'): must be a date written YYYY-MM-DD",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_file_is_refused_naming_the_entry_and_records_nothing(
    services: Services, tmp_path: Path, case: str
) -> None:
    edit, message = BAD_FILES[case]
    before = last_id(services)

    with pytest.raises(InvalidInput) as refused:
        import_setup(services.cases, load_setup(write(tmp_path, edit(example_text()))), ADMIN)

    assert message in refused.value.message
    assert "reviews.probation-cumbria" not in refused.value.message  # values are never echoed
    assert last_id(services) == before


def test_a_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    text = changed(example_text(), 'slug = "eden"', 'slug = "eden')
    line = text.splitlines().index('slug = "eden') + 1
    with pytest.raises(InvalidInput, match=rf"is not valid TOML: .*line {line}\b"):
        load_setup(write(tmp_path, text))


def test_a_refusal_while_importing_saves_none_of_the_file(services: Services,
                                                          tmp_path: Path) -> None:
    """Policy versions are immutable; the rename earlier in the same file is not saved either."""
    import_setup(services.cases, load_setup(example_path("cumbria")), ADMIN)
    before = last_id(services)
    text = changed(example_text(), 'name = "Cumberland Community Safety Partnership"',
                   'name = "Cumberland CSP"')
    text = changed(text, "amount = 30", "amount = 25")

    with pytest.raises(InvalidInput, match=r"partnership\[1\] \(cumberland\): policy "
                                           r"cumberland-dardr-2024: .*immutable"):
        import_setup(services.cases, load_setup(write(tmp_path, text)), ADMIN)

    assert last_id(services) == before
    cumberland = services.cases.partnership("cumberland")
    assert cumberland.name == "Cumberland Community Safety Partnership"


def test_the_local_policy_is_in_force_from_its_date(services: Services) -> None:
    import_setup(services.cases, load_setup(example_path("cumbria")), ADMIN)
    cumberland = services.cases.partnership("cumberland")
    westmorland = services.cases.partnership("westmorland-furness")

    in_force = cumberland.policy_for("dardr", "2024-05-01", national_policy())
    assert in_force.version == "cumberland-dardr-2024"
    assert in_force.clock_for("return:imr") == ClockPolicy(
        ClockRule(unit=ClockUnit.WORKING_DAYS, amount=30),
        Basis("illustrative local practice",
              "illustrative: Cumberland's own IMR timescale (example figure, not a published "
              "procedure)"),
    )
    assert in_force.clock_for("decision") == national_policy().clocks["decision"]
    assert in_force.settings["guidance"] == "dhr-2016"
    assert in_force.reminders["return:imr"][0] == {"at": "-10wd", "to": ["contact"]}
    assert [s["at"] for s in in_force.reminders["return"]] == ["-5wd", "0", "+3wd", "+10wd"]
    assert cumberland.coordinator["email"].endswith("@cumberland.example.org")

    before = cumberland.policy_for("dardr", "2024-03-31", national_policy())
    assert before.clock_for("return:imr").rule.amount == 40
    earlier = westmorland.policy_for("dardr", "2025-03-31", national_policy())
    assert earlier.version == "national-dhr-2016"
    later = westmorland.policy_for("dardr", "2025-04-01", national_policy())
    assert later.version == "westmorland-furness-dardr-2025"
    assert later.clock_for("return:scoping").rule.amount == 15
    assert later.clock_for("return:imr").rule.amount == 40


def test_both_cumbria_partnerships_have_an_asb_policy_with_the_senior_manager_route(
        services: Services) -> None:
    """Cumberland's and Westmorland and Furness's published ASB case review pages: three incidents
    in six months (ASBCPA 2014 s.104(4)) or a senior council manager starting a review to safeguard
    a vulnerable victim; shipped as each partnership's ASB policy, in force from 2024-04-01."""
    import_setup(services.cases, load_setup(example_path("cumbria")), ADMIN)
    for slug, version in (("cumberland", "cumberland-asb-2024"),
                          ("westmorland-furness", "westmorland-furness-asb-2024")):
        policy = services.cases.partnership(slug).policy_for("asb", "2025-05-01", asb_policy())
        assert policy.version == version
        assert policy.settings["variant_senior_manager_from"] == "2024-04-01"
        assert evaluate([], date(2025, 5, 1), policy.settings, "senior-manager").rule == "senior-manager"
        assert not evaluate([], date(2025, 5, 1), policy.settings, "individual").met


def test_an_asb_threshold_setting_that_cannot_be_used_is_refused(tmp_path: Path) -> None:
    """ASB threshold settings are checked at import (policy data, not code)."""
    text = example_path("cumbria").read_text().replace(
        'settings = { threshold_minimum = "3", variant_senior_manager_from = "2024-04-01" }',
        'settings = { threshold_minimum = "3", complainants_number = "many" }', 1)
    with pytest.raises(InvalidInput, match="complainants_number 'many' is not a whole number"):
        load_setup(write(tmp_path, text))


def test_a_retention_setting_that_cannot_be_used_is_refused(tmp_path: Path) -> None:
    """Retention settings are checked at import, so that `retention due` never meets one it
    cannot use (domain/retention.py)."""
    original = 'settings = { threshold_minimum = "3", variant_senior_manager_from = "2024-04-01" }'
    for settings, problem in (
            ('retention_years = "six"', "retention_years must be a whole number of years"),
            ('retention_counted_from = "publication"', "retention_counted_from"),
    ):
        text = example_path("cumbria").read_text().replace(
            original, original[:-1] + f", {settings} }}", 1)
        with pytest.raises(InvalidInput, match=problem):
            load_setup(write(tmp_path, text))
    accepted = example_path("cumbria").read_text().replace(
        original, original[:-1] + ', retention_years = "8", retention_counted_from = "closure" }', 1)
    assert load_setup(write(tmp_path, accepted))
