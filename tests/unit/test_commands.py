"""Typed commands: the models check their fields, the registry covers every command, and the
service runs them load → decide → save, refusing a command given to the wrong case type.

The service runs in memory (the event store's plain-Python recorder) with a fixed clock and
calendar; the same commands run on SQLite and PostgreSQL in the integration and e2e tests.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from application.commands import (
    REGISTRY,
    AddAction,
    AddNote,
    CaseCommand,
    DecideEncampment,
    DecideReview,
    InvalidValue,
    MigratePolicy,
    NotifyDeath,
    OpeningCommand,
    ReceiveApplication,
    ReportEncampment,
    RequestReturn,
    StartScoping,
    UpdateProcess,
    command_from,
    invalid_input,
)
from application.commands.asb import Complaint
from application.commands.common import ReturnCommand
from application.service import CaseLedgerApplication, CaseService, Meta, WrongCaseType
from domain.asb import AsbCaseReview
from domain.calendar import FixedCalendar
from domain.case import Case
from domain.dardr import DardrReview, DeathType, Relationship, ReviewOutcome
from domain.encampment import Decision, EncampmentCase
from domain.errors import InvalidInput, NotFound, WrongStage
from domain.setup import Agency, Partnership
from infrastructure.clock import FixedClock
from tests.unit.calendar_fixture import ENGLAND_AND_WALES_2025_2027

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
AGENCIES = ("cumbria-police", "probation", "cumberland-council")


def every_subclass(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= every_subclass(sub)
    return found


@pytest.fixture
def cases() -> CaseService:
    app = CaseLedgerApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    service = CaseService(app, FixedClock(NOW),
                          FixedCalendar(ENGLAND_AND_WALES_2025_2027, source="test calendar"))
    ctx = service.context(Meta(actor="admin", on="2024-04-01"))
    cumberland = Partnership.register(ctx, "cumberland", "CUM", "Cumberland CSP")
    cumberland.add_hub(ctx, "allerdale", "Allerdale Local Focus Hub")
    agencies = [Agency.register(ctx, slug, slug.replace("-", " ").title(), "other", ["cumberland"])
                for slug in AGENCIES]
    app.save(cumberland, *agencies)
    return service


def notify(cases: CaseService, on: str = "2026-01-20") -> str:
    command = NotifyDeath(partnership="cumberland", date_of_death="2026-01-15",
                          victim_pseudonym="Anna", notified_by="cumbria-police",
                          relationship=Relationship.INTIMATE_PARTNER, death_type=DeathType.HOMICIDE)
    return cases.open(command, Meta(actor="coordinator", on=on)).reference


def report(cases: CaseService, on: str = "2026-03-02T09:00") -> str:
    command = ReportEncampment(partnership="cumberland", location="Lay-by", grid_ref="NY 1 2")
    return cases.open(command, Meta(actor="officer", on=on)).reference


# --------------------------------------------------------------------------- the models


def test_every_command_has_a_handler_in_the_registry() -> None:
    # ReturnCommand is the base of the return commands; MigratePolicy needs the partnership's
    # policies, so the service runs it itself.
    not_handled = {ReturnCommand, MigratePolicy}
    assert set(REGISTRY.case_commands()) == every_subclass(CaseCommand) - not_handled
    assert REGISTRY.opening_commands() == {NotifyDeath: DardrReview,
                                           ReceiveApplication: AsbCaseReview,
                                           ReportEncampment: EncampmentCase}
    assert set(REGISTRY.opening_commands()) == every_subclass(OpeningCommand)


def test_common_commands_apply_to_any_case_and_the_others_to_their_type() -> None:
    applies = REGISTRY.case_commands()
    assert applies[AddNote] is Case and applies[RequestReturn] is Case
    assert applies[DecideReview] is DardrReview and applies[DecideEncampment] is EncampmentCase


def test_a_command_is_frozen_and_refuses_fields_it_does_not_know() -> None:
    command = AddNote(text="seen")
    with pytest.raises(ValidationError):
        command.text = "changed"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        AddNote.model_validate({"text": "x", "colour": "blue"})


def test_dates_are_normalised_and_a_bad_one_is_invalid_input_naming_its_field() -> None:
    assert RequestReturn(agency="probation", kind="imr", due="2026-02-01").due == "2026-02-01"
    assert RequestReturn(agency="probation", kind="imr",
                         due="2026-07-01T09:30").due == "2026-07-01T09:30:00+01:00"
    with pytest.raises(ValidationError) as refused:
        RequestReturn.model_validate({"agency": "probation", "kind": "imr", "due": "next week"})
    error = invalid_input(refused.value)
    assert isinstance(error, InvalidInput) and isinstance(error, InvalidValue)
    assert error.field == "due"
    assert error.message.startswith("'next week' is not a date or date-time; use YYYY-MM-DD")


def test_an_interface_builds_a_command_from_what_it_received() -> None:
    assert command_from(AddNote, {"text": " seen "}) == AddNote(text="seen")
    with pytest.raises(InvalidValue) as refused:
        command_from(AddAction, {"recommendation": "r", "owner": "probation", "level": "local"})
    assert (refused.value.field, refused.value.message) == ("due", "Field required.")


def test_a_choice_outside_its_enum_names_the_field_and_the_values_allowed() -> None:
    with pytest.raises(ValidationError) as refused:
        DecideReview.model_validate({"outcome": "maybe", "rationale": "r"})
    error = invalid_input(refused.value)
    assert error.field == "outcome"
    assert error.message == ("'maybe' is not allowed: input should be 'review', 'no-review', "
                             "'joint-review' or 'referred'.")


def test_an_error_inside_a_list_item_names_the_list_and_the_item_field() -> None:
    with pytest.raises(ValidationError) as refused:
        ReceiveApplication.model_validate({
            "partnership": "cumberland", "hub": "allerdale", "channel": "online",
            "applicant_type": "individual", "applicant_name": "Jem",
            "complaints": [{"behaviour": "2026-01-10", "agency": "cumbria-police"}]})
    error = invalid_input(refused.value)
    assert (error.field, error.message) == ("complaints", "reported: Field required.")


def test_limits_are_checked_by_the_model() -> None:
    with pytest.raises(ValidationError) as refused:
        StartScoping.model_validate({"agencies": []})
    assert invalid_input(refused.value).field == "agencies"
    with pytest.raises(ValidationError) as too_long:
        AddNote.model_validate({"text": "x" * 10_001})
    assert invalid_input(too_long.value).field == "text"


def test_agencies_named_by_a_command_are_the_ones_checked_against_the_partnership() -> None:
    assert StartScoping(agencies=["probation", "cumbria-police"]).agencies_named() == (
        "probation", "cumbria-police")
    assert AddAction(recommendation="r", owner="probation", level="local",
                     due="2026-09-01").agencies_named() == ("probation",)
    complaint = Complaint(behaviour="2026-01-02", reported="2026-01-03", agency="cumbria-police")
    assert ReceiveApplication(partnership="cumberland", hub="allerdale", channel="online",
                              applicant_type="individual", applicant_name="Jem",
                              complaints=[complaint, complaint]).agencies_named() == (
        "cumbria-police",)


# --------------------------------------------------------------------------- the service


def test_given_a_notified_death_when_scoping_starts_then_the_case_moves_on(cases: CaseService) -> None:
    ref = notify(cases)
    result = cases.execute(ref, StartScoping(agencies=["probation"]),
                           Meta(actor="coordinator", on="2026-01-22"))
    # ScopingStarted, then the return requested and its deadline set
    assert (result.reference, result.stage, result.version) == (ref, "scoping", 5)
    assert cases.load_case(ref).returns["return:probation:scoping"].status == "requested"


def test_given_a_case_when_a_process_is_linked_then_the_result_names_what_was_created(
        cases: CaseService) -> None:
    ref = notify(cases)
    cases.execute(ref, StartScoping(agencies=["probation"]), Meta(actor="c", on="2026-01-22"))
    from application.commands import LinkProcess

    linked = cases.execute(ref, LinkProcess(kind="inquest", reference="Coroner 1"),
                           Meta(actor="c", on="2026-01-23"))
    assert linked.detail == {"created": "P1"}
    updated = cases.execute(ref, UpdateProcess(process_id="P1", status="listed",
                                               key_dates={"inquest": "2026-06-01"}),
                            Meta(actor="c", on="2026-01-24"))
    assert updated.detail is None and updated.version == linked.version + 1


def test_given_an_encampment_when_a_dardr_decision_is_given_then_it_is_refused_as_invalid_input(
        cases: CaseService) -> None:
    ref = report(cases)
    before = cases.load_case(ref).version
    with pytest.raises(WrongCaseType) as refused:
        cases.execute(ref, DecideReview(outcome=ReviewOutcome.REVIEW, rationale="r"),
                      Meta(actor="c", on="2026-03-02T10:00"))
    assert isinstance(refused.value, InvalidInput)
    assert refused.value.message.startswith(
        f"{ref} is an encampment case, not a dardr case; an encampment case's commands: "
        "accept-return, add-action, add-note, assess-impact, assess-welfare,")
    assert cases.load_case(ref).version == before


def test_given_a_dardr_case_when_an_encampment_decision_is_given_then_it_is_refused(
        cases: CaseService) -> None:
    ref = notify(cases)
    with pytest.raises(WrongCaseType, match="is a dardr case, not an encampment case"):
        cases.execute(ref, DecideEncampment(decision=Decision.TOLERATE),
                      Meta(actor="c", on="2026-01-22"))


def test_a_refused_command_records_nothing(cases: CaseService) -> None:
    ref = notify(cases)
    before = cases.load_case(ref).version
    with pytest.raises(WrongStage):
        cases.execute(ref, DecideReview(outcome=ReviewOutcome.REVIEW, rationale="r"),
                      Meta(actor="c", on="2026-01-22"))
    with pytest.raises(NotFound, match="Unknown agency 'nobody'"):
        cases.execute(ref, StartScoping(agencies=["nobody"]), Meta(actor="c", on="2026-01-22"))
    assert cases.load_case(ref).version == before


def test_an_effective_time_that_is_not_a_date_names_the_on_field(cases: CaseService) -> None:
    ref = notify(cases)
    with pytest.raises(InvalidInput) as refused:
        cases.execute(ref, AddNote(text="x"), Meta(actor="c", on="yesterday"))
    assert refused.value.field == "on"
    with pytest.raises(InvalidInput) as nobody:
        cases.execute(ref, AddNote(text="x"), Meta(actor=" ", on="2026-01-22"))
    assert nobody.value.field == "actor"


def test_opening_in_an_unknown_partnership_or_hub_is_not_found(cases: CaseService) -> None:
    command = ReportEncampment(partnership="nowhere", location="Lay-by")
    with pytest.raises(NotFound, match="Unknown partnership 'nowhere'"):
        cases.open(command, Meta(actor="officer", on="2026-03-02T09:00"))
    with pytest.raises(NotFound):
        cases.open(ReportEncampment(partnership="cumberland", location="Lay-by", hub="atlantis"),
                   Meta(actor="officer", on="2026-03-02T09:00"))


def test_a_return_to_land_inside_a_no_return_window_is_flagged_from_the_counters(
        cases: CaseService) -> None:
    from application.commands import (
        AssessImpact,
        AssessWelfare,
        EstablishOwnership,
        ServeDirection,
        Visit,
    )
    from domain.encampment import DirectionPower, LandKind, Power

    first = report(cases, "2026-03-02T09:00")
    for on, command in [
        ("2026-03-02T10:00", EstablishOwnership(land=LandKind.COUNCIL)),
        ("2026-03-02T11:00", Visit(caravans=6)),
        ("2026-03-02T12:00", AssessWelfare()),
        ("2026-03-02T12:30", AssessImpact(threat=3, likelihood=2)),
        ("2026-03-02T14:00", DecideEncampment(decision=Decision.NOT_ALLOW, power=Power.S77,
                                              reasons="Sports pitch")),
        ("2026-03-02T15:00", ServeDirection(power=DirectionPower.S77)),
    ]:
        cases.execute(first, command, Meta(actor="officer", on=on))
    again = cases.open(ReportEncampment(partnership="cumberland", location="Same lay-by",
                                        grid_ref="NY 1 2"), Meta(actor="officer", on="2026-04-01T09:00"))
    assert again.detail == {"within_no_return_window": {
        "case": first, "power": "s77", "from": "2026-03-02", "until": "2026-06-01"}}
