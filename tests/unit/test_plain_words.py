"""The one vocabulary (domain/plain.py): every code the domain can show a person has words.

The codes are read from the domain itself (its stage tables, its national clock tables, its
return and process kinds, and every ``StrEnum`` it declares), so a new stage, deadline or choice
without words fails here rather than reaching a coordinator as ``awaiting-home-office-view``.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from datetime import UTC, datetime
from enum import StrEnum

import pytest

import domain
from domain import asb, dardr, encampment, plain
from domain.case import Deadline
from domain.process import ProcessDefinition

DEFINITIONS: dict[str, ProcessDefinition] = {
    "dardr": dardr.DEFINITION, "asb": asb.DEFINITION, "encampment": encampment.DEFINITION,
}
STAGE_ENUMS = {"Stage", "AppealTarget"}  # worded in plain.STAGES, per case type


def policies(definition: ProcessDefinition) -> list[dict[str, object]]:
    settings: list[dict[str, str]] = [{}]
    if definition is dardr.DEFINITION:
        settings = [{"guidance": g} for g in dardr.GUIDANCE_VERSIONS]
    return [dict(definition.national_policy(s).clocks) for s in settings]


def domain_choices() -> list[type[StrEnum]]:
    found = []
    for module_info in pkgutil.iter_modules(domain.__path__):
        module = importlib.import_module(f"domain.{module_info.name}")
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, StrEnum) and value is not StrEnum \
                    and value.__module__ == module.__name__:
                found.append(value)
    return found


def kebab(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


@pytest.mark.parametrize("case_type", DEFINITIONS)
def test_every_stage_of_every_case_type_has_words(case_type):
    missing = [s for s in DEFINITIONS[case_type].stages if s not in plain.STAGES[case_type]]
    assert missing == []
    assert plain.stage_label("dardr", "awaiting-home-office-view") == "Awaiting the Home Office's view"


@pytest.mark.parametrize("case_type", DEFINITIONS)
def test_every_deadline_a_case_type_can_set_has_words(case_type):
    """Deadlines are named after the clock that sets them: the national clock tables list them."""
    definition = DEFINITIONS[case_type]
    missing = []
    for clocks in policies(definition):
        for kind in clocks:
            if kind.startswith("return:"):
                if kind.removeprefix("return:") not in plain.RETURN_KINDS:
                    missing.append(kind)
            elif kind != "action" and kind not in plain.DEADLINES[case_type]:
                missing.append(kind)
    missing += [k for k in definition.return_kinds if k not in plain.RETURN_KINDS]
    missing += [k for k in definition.process_kinds if k not in plain.CHOICES["process-kind"]]
    missing += [k for k in definition.action_levels if k not in plain.ACTION_LEVELS]
    assert missing == []


def test_every_choice_the_domain_declares_has_words():
    choices = domain_choices()
    assert {c.__name__ for c in choices} >= {"ReviewOutcome", "Decision", "Power", "Rag"}
    missing = []
    for choice in choices:
        if choice.__name__ in STAGE_ENUMS:
            table = plain.STAGES[choice.__module__.removeprefix("domain.")]
        else:
            table = plain.CHOICES.get(kebab(choice.__name__), {})
        missing += [f"{choice.__name__}.{m.value}" for m in choice if m.value not in table]
    assert missing == []


def test_every_status_a_deadline_can_have_has_words():
    given = datetime(2026, 3, 2, 12, tzinfo=UTC)
    statuses = set()
    for status in ("open", "met", "paused", "cancelled"):
        for on_time in (True, False):
            for as_at in (datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 3, tzinfo=UTC)):
                deadline = Deadline("decision", given.isoformat(), "2026-03-01", "partnership",
                                    "statute: x", None, "fixed", status=status, met_on_time=on_time)
                statuses.add(deadline.status_at(as_at))
    assert statuses == set(plain.DEADLINE_STATUSES)
    assert plain.status_label("met-late") == "met late"


def test_every_case_type_has_a_long_and_a_short_name():
    assert set(plain.CASE_TYPES) == set(plain.CASE_TYPES_SHORT) == set(DEFINITIONS)


def test_a_detail_holds_a_choice_that_the_domain_declares():
    kinds = {kebab(c.__name__) for c in domain_choices()}
    assert {kind for fields in plain.DETAIL_CHOICES.values() for kind in fields.values()} <= kinds


# --------------------------------------------------------------------------- the words


NAMES = {"cumbria-police": "Cumbria Police"}


@pytest.mark.parametrize(("case_type", "name", "responsible", "expected"), [
    ("dardr", "return:cumbria-police:imr", "cumbria-police",
     "Individual Management Review (IMR) from Cumbria Police"),
    ("dardr", "return:probation:scoping", "probation", "Scoping response from probation"),
    ("dardr", "commissioner-copy", "partnership",
     "Copy of the report to the Domestic Abuse Commissioner"),
    ("dardr", "decision", "partnership", "Decision on whether to hold a review"),
    ("encampment", "decision", "council",
     "Decision on the encampment (tolerate, or not allow and by which power)"),
    ("asb", "action:A2", "hub", "Action A2 of the action plan (Carlisle hub)"),
    ("encampment", "action:A1", "council", "Action A1 of the action plan (the council)"),
    ("dardr", "some-new-clock", "partnership", "Some new clock"),
])
def test_a_deadline_in_words_names_the_agency_from_the_set_up(case_type, name, responsible,
                                                               expected):
    assert plain.deadline_label(case_type, name, NAMES, responsible, "Cumberland CSP",
                                "Carlisle hub") == expected


def test_a_deadline_kind_in_words_for_the_board_report():
    assert plain.deadline_kind_label("dardr", "return:imr") == "Individual Management Review (IMR)"
    assert plain.deadline_kind_label("asb", "action") == "Actions of the action plan"
    assert plain.deadline_kind_label("asb", "review-meeting") == "Case Review meeting"


@pytest.mark.parametrize(("due", "hourly", "expected"), [
    ("2026-03-04T23:59:59+00:00", False, "2026-03-04"),
    ("2026-03-04T23:59:59+00:00", True, "2026-03-04 23:59 GMT"),
    ("2026-03-04T15:00:00+00:00", False, "2026-03-04 15:00 GMT"),
    ("2026-06-04T14:00:00+00:00", False, "2026-06-04 15:00 BST"),
    # the hour the clocks go back happens twice: the zone tells them apart
    ("2026-10-25T00:30:00+00:00", False, "2026-10-25 01:30 BST"),
    ("2026-10-25T01:30:00+00:00", False, "2026-10-25 01:30 GMT"),
])
def test_a_due_time_shows_its_hour_and_zone_unless_due_at_the_end_of_a_day(due, hourly, expected):
    assert plain.due_label(due, hourly=hourly) == expected


def test_details_show_their_choices_in_words_and_other_values_as_they_are():
    assert plain.detail_label("dardr", "decision", "no-review") == "no review"
    assert plain.detail_label("encampment", "decision", "not-allow") == "not allow"
    assert plain.detail_label("encampment", "needs", ["health", "newborn"]) == ["health",
                                                                                "newborn baby"]
    assert plain.detail_label("encampment", "caravans", 6) == 6
    assert plain.detail_label("dardr", "notified_by", "cumbria-police") == "cumbria-police"


def test_a_list_reads_as_people_write_one():
    assert plain.listed([]) == ""
    assert plain.listed(["Cumbria Police"]) == "Cumbria Police"
    assert plain.listed(["A", "B", "A", "C"]) == "A, B and C"
