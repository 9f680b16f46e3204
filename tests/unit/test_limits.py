"""The limits on input (domain/limits.py) as the command models and the domain apply them."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from application.commands import (
    AddNote,
    ClearSite,
    ExtendDeadline,
    NotifyDeath,
    ReceiveApplication,
    ReportEncampment,
    UpdateProcess,
    Visit,
    command_from,
)
from application.commands.base import check_dates, limits_in_words
from domain import limits, times
from domain.case import process_must_exist
from domain.errors import InvalidInput


def refused(model: type, data: dict[str, object]) -> InvalidInput:
    with pytest.raises(InvalidInput) as raised:
        command_from(model, data)
    return raised.value


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize("text", ["0999-03-02", "1899-12-31", "2200-01-01", "9999-12-31",
                                  "9999-12-31T23:00", "1900-01-01T00:30+01:00"])
def test_a_date_outside_the_years_the_ledger_holds_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match="years 1900 to 2199"):
        times.parse_effective(text)


@pytest.mark.parametrize(("text", "stored"), [("1900-01-01", "1900-01-01"),
                                              ("2199-12-31", "2199-12-31")])
def test_the_first_and_last_day_of_those_years_are_kept(text: str, stored: str) -> None:
    assert times.parse_effective(text) == stored


@pytest.mark.parametrize("text", ["", "   "])
def test_an_empty_date_is_refused_not_read_as_now(text: str) -> None:
    with pytest.raises(InvalidInput, match="empty"):
        times.parse_effective(text)


def test_a_long_or_unprintable_non_date_is_not_echoed_back() -> None:
    with pytest.raises(InvalidInput) as raised:
        times.parse_effective("Anna Smith\x1b[31m was here on the second of March")
    assert "Anna" not in raised.value.message and "\x1b" not in raised.value.message


def test_sortable_utc_pads_a_year_before_1000() -> None:
    from datetime import UTC, datetime
    assert times.sortable_utc(datetime(999, 3, 2, tzinfo=UTC)) == "0999-03-02T00:00:00"


@pytest.mark.parametrize(("window", "on", "day", "ok"), [
    (limits.NEAR, date(2026, 3, 2), date(2036, 3, 2), True),
    (limits.NEAR, date(2026, 3, 2), date(2036, 3, 3), False),
    (limits.NEAR, date(2026, 3, 2), date(2016, 3, 1), False),
    (limits.DEATH, date(2026, 3, 2), date(2011, 4, 13), True),
    (limits.DEATH, date(2026, 3, 2), date(2011, 4, 12), False),
    (limits.DEATH, date(2040, 3, 2), date(2020, 3, 1), False),
    (limits.COMPLAINT, date(2026, 3, 2), date(2021, 3, 2), True),
    (limits.COMPLAINT, date(2026, 3, 2), date(2021, 3, 1), False),
    (limits.REVIEW_PERIOD, date(2026, 3, 2), date(1976, 3, 1), False),
    (limits.NEAR, date(2024, 2, 29), date(2034, 2, 28), True),
])
def test_a_dated_field_lies_within_its_window_around_the_effective_date(
        window: limits.DateWindow, on: date, day: date, ok: bool) -> None:
    assert (window.problem(day, on) is None) is ok


def test_a_date_outside_its_window_names_the_field_and_the_part_inside_it() -> None:
    nested = command_from(ReceiveApplication, {
        "partnership": "cumberland", "hub": "allerdale", "channel": "online",
        "applicant_type": "individual", "applicant_name": "A",
        "complaints": [{"behaviour": "2020-01-01", "reported": "2026-01-01", "agency": "x"}]})
    with pytest.raises(InvalidInput) as raised:
        check_dates(nested, "2026-02-01")
    assert raised.value.field == "complaints"
    assert raised.value.message.startswith("behaviour must be no more than 5 years before")

    keyed = command_from(UpdateProcess, {"process_id": "P1", "status": "s",
                                         "key_dates": {"trial": "2199-01-01"}})
    with pytest.raises(InvalidInput) as raised:
        check_dates(keyed, "2026-02-01")
    assert (raised.value.field, raised.value.message.split(" ")[0]) == ("key_dates", "trial")

    extended = command_from(ExtendDeadline, {"name": "decision", "to": "2036-02-02"})
    with pytest.raises(InvalidInput, match="no more than 10 years after") as raised:
        check_dates(extended, "2026-02-01")
    assert raised.value.field == "to"


@pytest.mark.parametrize(("case_type", "too_early", "earliest"), [
    ("dardr", "2011-04-12", "2011-04-13"), ("asb", "2014-10-19", "2014-10-20"),
    ("encampment", "1994-11-02T23:59", "1994-11-03T00:00")])
def test_a_case_cannot_open_before_its_statutory_process_began(
        case_type: str, too_early: str, earliest: str) -> None:
    process_must_exist(case_type, times.parse_effective(earliest))
    with pytest.raises(InvalidInput, match="statutory process began") as raised:
        process_must_exist(case_type, times.parse_effective(too_early))
    assert raised.value.field == "on"


# --------------------------------------------------------------------------- text


@pytest.mark.parametrize(("text", "free", "ok"), [
    ("Anna", False, True), ("line\nbreak", False, False), ("line\nbreak", True, True),
    ("tab\there", True, True), ("nul\x00", True, False), ("esc\x1b[31m", True, False),
    ("cr\r", True, False), ("del\x7f", True, False), ("sep\u2028", False, False),
    ("sep\u2028", True, True), ("lone\ud800", True, False), ("rtl\u202e", False, True),
    ("漢字 🙂 é", False, True),
])
def test_control_characters_are_refused_a_line_break_only_in_free_text(
        text: str, free: bool, ok: bool) -> None:
    assert (limits.text_problem(text, free_text=free) is None) is ok


def test_a_refused_text_is_not_quoted_in_the_error() -> None:
    error = refused(AddNote, {"text": "Anna told us\x00 everything"})
    assert error.field == "text" and "NUL" in error.message and "Anna" not in error.message


DEATH = {"partnership": "cumberland", "date_of_death": "2026-01-15", "victim_pseudonym": "Anna",
         "notified_by": "cumbria-police", "relationship": "intimate-partner",
         "death_type": "homicide"}


@pytest.mark.parametrize(("model", "data", "field", "longest"), [
    (AddNote, {}, "text", limits.MAX_TEXT),
    (NotifyDeath, DEATH, "victim_pseudonym", limits.MAX_NAME),
    (NotifyDeath, DEATH, "notified_by", limits.MAX_SLUG),
])
def test_texts_are_bounded_per_field(model: type, data: dict[str, object], field: str,
                                     longest: int) -> None:
    command_from(model, {**data, field: "x" * longest})
    with pytest.raises(InvalidInput) as raised:
        command_from(model, {**data, field: "x" * (longest + 1)})
    assert raised.value.field == field and f"{longest}" in raised.value.message.replace(",", "")


# --------------------------------------------------------------------------- counts and money


@pytest.mark.parametrize(("model", "data", "field"), [
    (ReportEncampment, {"partnership": "c", "location": "l", "caravans": 501}, "caravans"),
    (ReportEncampment, {"partnership": "c", "location": "l", "vehicles": 1001}, "vehicles"),
    (Visit, {"children": 5001}, "children"),
    (Visit, {"adults": -1}, "adults"),
    (ClearSite, {"cleanup_cost": float("inf")}, "cleanup_cost"),
    (ClearSite, {"legal_cost": float("nan")}, "legal_cost"),
    (ClearSite, {"damage": 10_000_000.01}, "damage"),
    (ReportEncampment, {"partnership": "c", "location": "l", "lat": float("nan")}, "lat"),
])
def test_counts_and_costs_have_upper_bounds(model: type, data: dict[str, object], field: str) -> None:
    assert refused(model, data).field == field


def test_the_largest_allowed_counts_and_costs_are_accepted() -> None:
    command_from(Visit, {"caravans": 500, "vehicles": 1000, "adults": 5000, "children": 5000,
                         "animals": 5000})
    command_from(ClearSite, {"cleanup_cost": 10_000_000})


# --------------------------------------------------------------------------- help


def test_help_states_each_limit_in_words() -> None:
    fields = {**NotifyDeath.model_fields, **Visit.model_fields, **AddNote.model_fields}
    assert limits_in_words(fields["date_of_death"]) == (
        "on or after 13 April 2011; at most 20 years before the effective date")
    assert limits_in_words(fields["caravans"]) == "0 to 500"
    assert limits_in_words(fields["victim_pseudonym"]) == "up to 200 characters, one line"
    assert limits_in_words(fields["text"]) == "up to 10,000 characters"


def test_every_generated_option_states_its_limits_and_no_flag_shows_a_placeholder() -> None:
    import typer

    from interfaces.cli import asb, case, dardr, encampment
    from interfaces.cli.main import app

    root: Any = typer.main.get_command(app)
    groups = {"dardr": dardr.DARDR, "asb": asb.ASB, "encampment": encampment.ENCAMPMENT,
              "case": case.COMMON}
    for group, verbs in groups.items():
        for verb in verbs:
            fields = verb.model.model_fields
            for param in root.commands[group].commands[verb.name].params:
                if param.name in fields:
                    words = limits_in_words(fields[param.name])
                    assert all(part in (param.help or "") for part in words.split("; ")), (
                        f"{group} {verb.name} {param.opts}: {param.help!r} lacks {words!r}")
                if getattr(param, "is_flag", False) and param.name not in ("cl_json",):
                    assert param.metavar == "", f"{group} {verb.name} {param.opts}"
