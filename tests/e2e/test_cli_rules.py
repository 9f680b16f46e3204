"""``caseledger rules``: the rules catalogue at the command line. It opens no
database, so a URL that names no existing database is enough."""

from __future__ import annotations

from pathlib import Path

import pytest

from application.rules import catalogue
from tests.e2e.support import Cli


@pytest.fixture
def rules_cli(tmp_path: Path) -> Cli:
    return Cli(f"sqlite:///{tmp_path}/never-opened.db", tmp_path)


def test_rules_json_for_one_case_type(rules_cli: Cli):
    """Given `caseledger rules --type dardr --json`, then a JSON list of the DARDR entries, each
    with its case type, name, what it says, kind, citation and link."""
    listed = rules_cli.json("rules", "--type", "dardr")
    assert listed == [entry.to_dict() for entry in catalogue("dardr")]
    assert {row["case_type"] for row in listed} <= {"dardr", "common"}
    decide = next(row for row in listed if row["name"] == "dardr.stage.decide")
    assert decide["kind"] == "statute" and decide["citation"].startswith("DVCVA 2004 s.9(1)")
    assert set(decide) == {"case_type", "name", "says", "kind", "citation", "link", "source"}
    assert not (Path(rules_cli.workdir) / "never-opened.db").exists()


def test_rules_for_people_show_each_source_under_the_rule(rules_cli: Cli):
    """Given `caseledger rules --type encampment`, then a heading per kind of source and, under
    each rule, its source; no other case type's rules."""
    text = rules_cli("rules", "--type", "encampment").out
    assert "Unauthorised encampments: statute" in text
    assert "encampment.stage.serve-direction" in text and "dardr." not in text
    assert "  Source: " in text


def test_rules_refuses_an_unknown_case_type_as_invalid_input(rules_cli: Cli):
    """Given an unknown --type, then exit 2 (invalid input) and nothing on stdout."""
    error = rules_cli.fails(2, "rules", "--type", "burglary")
    assert "dardr" in error["message"]
