"""The command line generated from the command models: an option for every field, spelled as the
verb says, and errors that name a field rendered as the option that gave it."""

from __future__ import annotations

import functools
from typing import Any

import pytest
import typer

from application.commands import REGISTRY, InvalidValue, MigratePolicy
from application.commands.common import SubmitReturnDocument
from domain.asb import AsbCaseReview
from domain.case import Case
from domain.dardr import DardrReview
from domain.encampment import EncampmentCase
from domain.errors import InvalidInput, NotFound
from interfaces.cli import asb, case, dardr, encampment
from interfaces.cli.common import error_message
from interfaces.cli.main import app
from interfaces.cli.verbs import Verb

GROUPS = {"dardr": dardr.DARDR, "asb": asb.ASB, "encampment": encampment.ENCAMPMENT,
          "case": case.COMMON}


@functools.cache
def root() -> Any:
    return typer.main.get_command(app)  # a Click group (Typer may vendor Click)


def options_of(group: str, verb: str) -> set[str]:
    command = root().commands[group].commands[verb]
    return {o for p in command.params for o in [*p.opts, *p.secondary_opts]}


@pytest.mark.parametrize(("group", "verb"), [(g, v) for g, verbs in GROUPS.items() for v in verbs],
                         ids=lambda x: x if isinstance(x, str) else x.name)
def test_every_field_of_the_model_is_an_option_of_its_verb(group: str, verb: Verb) -> None:
    options = options_of(group, verb.name)
    for name in verb.model.model_fields:
        for flag in verb.flag(name).split("/"):
            assert flag in options, f"{group} {verb.name}: {name} has no {flag}"
    assert {"--on", "--as", "--reason", "--json"} <= options


def test_the_verbs_of_each_group_are_the_commands_registered_for_its_case_type() -> None:
    applies = REGISTRY.case_commands()
    for group, case_class in (("dardr", DardrReview), ("asb", AsbCaseReview),
                              ("encampment", EncampmentCase)):
        registered = {model for model, applies_to in applies.items() if applies_to is case_class}
        opening = {model for model, opens in REGISTRY.opening_commands().items()
                   if opens is case_class}
        assert {v.model for v in GROUPS[group]} == registered | opening
    anywhere = {model for model, applies_to in applies.items() if applies_to is Case}
    # A return's document is submitted with its file (case submit-document --file), not as a
    # verb generated from the command's fields.
    assert {v.model for v in case.COMMON} == anywhere - {SubmitReturnDocument} | {MigratePolicy}


def test_a_verb_spells_fields_otherwise_only_where_it_says_so() -> None:
    assert {"--lead", "--owner", "--land"} <= options_of("encampment", "establish-ownership")
    assert {"--met", "--not-met", "--rule", "--reasons"} <= options_of("asb", "decide-threshold")
    assert {"--tolerate", "--negotiated-stopping", "--not-allow"} <= options_of("encampment",
                                                                                "decide")
    assert {"--consent", "--no-consent", "--complaint"} <= options_of("asb", "receive")
    assert {"--deadline", "--to"} <= options_of("dardr", "extend-deadline")


def test_an_error_naming_a_field_is_rendered_as_its_option() -> None:
    assert error_message(InvalidValue("'x' is not a date.", field="date_of_death")) == \
        "--date-of-death: 'x' is not a date."
    assert error_message(InvalidInput("Say why the case is paused.", field="reason")) == \
        "Say why the case is paused (--reason)."
    assert error_message(InvalidInput("The actor is empty.", field="actor")) == \
        "The actor is empty (--as)."
    assert error_message(InvalidInput("Give --reasons.", field="reasons")) == "Give --reasons."
    assert error_message(NotFound("No case CUM-DARDR-2026-099.")) == "No case CUM-DARDR-2026-099."
    flags = {"agencies": "--request-from"}
    assert error_message(InvalidValue("Too many.", field="agencies"),
                         lambda f: flags.get(f, f)) == "--request-from: Too many."


def _every_command(group: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    for name, sub in getattr(group, "commands", {}).items():
        found += _every_command(sub, (*path, name))
    return found


def test_every_help_reads_at_80_columns_without_type_placeholders(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # given a terminal 80 columns wide
    monkeypatch.setenv("COLUMNS", "80")
    from interfaces.cli.main import main

    for path in _every_command(root()):
        # when any command's help is shown
        assert main([*path, "--help"]) == 0
        text = capsys.readouterr().out

        # then no line runs past the edge and no option shows a type placeholder
        assert all(len(line) <= 80 for line in text.splitlines()), (path, text)
        assert "<bool>" not in text and "<int>" not in text, (path, text)


def test_an_unquoted_value_is_refused_without_repeating_what_was_typed(
        capsys: pytest.CaptureFixture[str]) -> None:
    # given a name typed without quotes (its second word is left over)
    from interfaces.cli.main import main

    for as_json in ((), ("--json",)):
        # when the command line reads it
        code = main(["dardr", "add-note", "CUM-DARDR-2026-001", "--text", "Anna", "Smithwick",
                     *as_json])
        err = capsys.readouterr().err

        # then it is refused (2), saying how to quote, never repeating the words typed
        assert code == 2 and "quotes" in err and "Smithwick" not in err, err
