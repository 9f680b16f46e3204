"""What people read: ``case show``, ``deadlines`` and ``case list`` in plain words, for each case
type, through the command line (in this process, with a fixed clock) on SQLite and PostgreSQL.

Stages, deadlines and choices are shown in words from the one vocabulary (domain/plain.py),
agencies, partnerships and hubs by their names in the set-up, days as whole numbers, lists as
lists, and an hour-based deadline with its time and zone. ``--json`` keeps the codes.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from domain.calendar import FixedCalendar
from infrastructure.clock import FixedClock
from interfaces.bootstrap import build
from interfaces.cli import common
from interfaces.cli.main import main
from tests.e2e.test_cli_asb import GOOD
from tests.unit.calendar_fixture import ENGLAND_AND_WALES_2025_2027

CALENDAR = FixedCalendar(ENGLAND_AND_WALES_2025_2027, source="test calendar")
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)

PYTHON_LIST = re.compile(r"\[\s*'|\{\s*'")  # ['a', … or {'key': … printed as Python


class Cli:
    """``caseledger --database URL …`` in this process: its output, or its JSON with ``json``."""

    def __init__(self, url: str, capsys: pytest.CaptureFixture[str]) -> None:
        self.url, self.capsys = url, capsys

    def __call__(self, *args: str) -> Any:
        code = main(["--database", self.url, *args])
        out, err = self.capsys.readouterr()
        assert code == 0, f"caseledger {' '.join(args)} exited {code}: {out}\n{err}"
        return out

    def json(self, *args: str) -> Any:
        return json.loads(self(*args, "--json"))

    def show(self, ref: str, *args: str) -> Any:
        return self.json("case", "show", ref, *args)


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Cli:
    monkeypatch.setenv("CASELEDGER_ACTOR", "coordinator")
    monkeypatch.setattr(common, "services_factory", lambda settings: build(
        settings, clock=FixedClock(NOW), calendar=CALENDAR))
    found = Cli(database_url, capsys)
    found.json("partnership", "import", "--example", "cumbria")
    return found


def notify(cli: Cli) -> dict[str, Any]:
    return cli.json(
        "dardr", "notify", "--partnership", "cumberland", "--on", "2026-01-20",
        "--date-of-death", "2026-01-15", "--victim-pseudonym", "Anna",
        "--notified-by", "cumbria-police", "--relationship", "intimate-partner",
        "--death-type", "homicide", "--age-band", "35-44", "--police-force-area", "Cumbria")


def receive(cli: Cli, *complaints: str) -> dict[str, Any]:
    return cli.json("asb", "receive", "--partnership", "cumberland", "--hub", "allerdale",
                    "--channel", "online", "--applicant-type", "individual",
                    "--applicant-name", "Jem Irthing", "--applicant-contact", "01234",
                    "--consent", *complaints, "--on", "2026-03-02")


def deadline_row(block: str, label: str) -> list[str]:
    """The cells of the table row that starts with ``label`` (cells are two spaces apart)."""
    for line in block.splitlines():
        if line.startswith(label):
            return [cell.strip() for cell in re.split(r"\s{2,}", line)]
    raise AssertionError(f"no row {label!r} in:\n{block}")


def test_a_death_review_reads_in_words_with_agencies_by_name(cli: Cli):
    ref = notify(cli)["reference"]
    cli.json("dardr", "start-scoping", ref, "--agencies", "cumbria-police,probation",
             "--on", "2026-01-22")
    cli.json("dardr", "decide", ref, "--outcome", "no-review", "--rationale", "r",
             "--on", "2026-02-10")
    cli.json("dardr", "notify-home-office", ref, "--on", "2026-02-11")

    block = cli("case", "show", ref, "--as-effective-at", "2026-03-01")
    assert re.search(r"^stage\s+Awaiting the Home Office's view$", block, re.M), block
    assert re.search(r"^decision\s+no review$", block, re.M)
    assert re.search(r"^age band\s+35 to 44$", block, re.M)
    assert re.search(r"^notified by\s+Cumbria Constabulary$", block, re.M)
    assert deadline_row(block, "Scoping response from Probation Service")[1:5] == [
        "2026-02-05", "overdue", "Probation Service (Cumbria and Lancashire)", "24"]
    assert deadline_row(block, "Notification of the decision to the Home Office")[2] == "met"
    for code in ("awaiting-home-office-view", "return:", "no-review", "cumbria-police"):
        assert code not in block
    assert not PYTHON_LIST.search(block)

    asked = cli("deadlines", "--agency", "cumbria-police", "--as-at", "2026-03-01")
    assert asked.startswith("Asked of Cumbria Constabulary by Cumberland Community Safety "
                            "Partnership and Westmorland and Furness Community Safety "
                            "Partnership: 1 open, 1 overdue\n")
    listed = cli("deadlines", "--overdue", "--as-at", "2026-03-01")
    assert deadline_row(listed, ref)[1:6] == [
        "Scoping response from Cumbria Constabulary", "2026-02-05", "overdue",
        "Cumbria Constabulary", "24"]
    assert "return:" not in listed and ".0" not in listed

    # Machines keep the codes, with the words beside them.
    shown = cli.show(ref, "--as-effective-at", "2026-03-01")
    assert (shown["stage"], shown["stage_label"]) == (
        "awaiting-home-office-view", "Awaiting the Home Office's view")
    rows = cli.json("deadlines", "--overdue", "--as-at", "2026-03-01")
    assert [(r["name"], r["label"]) for r in rows] == [
        ("return:cumbria-police:scoping", "Scoping response from Cumbria Constabulary"),
        ("return:probation:scoping", "Scoping response from Probation Service (Cumbria and Lancashire)"),
    ]
    assert all(isinstance(r["days_overdue"], int) for r in rows)

    table = cli("case", "list")
    assert re.search(rf"^{ref}\s+DARDR\s+Cumberland Community Safety Partnership\s+-\s+"
                     r"Awaiting the Home Office's view\s+2026-01-20\b", table, re.M), table


def test_an_asb_case_review_reads_in_words_with_its_hub_by_name(cli: Cli):
    ref = receive(cli, *GOOD)["reference"]

    block = cli("case", "show", ref, "--as-effective-at", "2026-03-10")
    assert re.search(r"^stage\s+Application received$", block, re.M), block
    assert re.search(r"^hub\s+Allerdale Local Focus Hub$", block, re.M)
    assert re.search(r"^applicant type\s+individual$", block, re.M)
    assert deadline_row(block, "Acknowledgement of the application")[1:4] == [
        "2026-03-04", "overdue", "Allerdale Local Focus Hub"]
    assert deadline_row(block, "Decision on whether the threshold for a review is met")[3] == (
        "Cumberland Community Safety Partnership")
    assert "threshold-decision" not in block and not PYTHON_LIST.search(block)

    listed = cli("deadlines", "--as-at", "2026-03-10", "--type", "asb")
    assert deadline_row(listed, ref)[1:6] == [
        "Acknowledgement of the application", "2026-03-04", "overdue",
        "Allerdale Local Focus Hub", "6"]


def test_an_encampment_shows_its_hour_based_deadlines_with_their_time_and_zone(cli: Cli):
    """The initial visit is due 24 hours after the report and compliance with a direction 24
    hours after it is served: the day alone would hide most of the time allowed."""
    ref = cli.json("encampment", "report", "--partnership", "cumberland", "--hub", "carlisle",
                   "--location", "Playing field (test)", "--grid-ref", "NY 401 559",
                   "--caravans", "6", "--vehicles", "4", "--group", "GRP-C",
                   "--on", "2026-06-01T14:30")["reference"]
    block = cli("case", "show", ref, "--as-effective-at", "2026-06-01T15:00")
    assert deadline_row(block, "Initial visit to the encampment")[1:4] == [
        "2026-06-02 14:30 BST", "open", "the council"]

    for verb, *args in (
        ("establish-ownership", "--land", "council", "--on", "2026-06-02T09:00"),
        ("visit", "--caravans", "6", "--adults", "8", "--children", "3", "--on", "2026-06-02T10:00"),
        ("assess-welfare", "--needs", "health,newborn", "--on", "2026-06-02T11:00"),
        ("assess-impact", "--threat", "3", "--likelihood", "2", "--on", "2026-06-02T11:30"),
        ("decide", "--not-allow", "--power", "s77", "--reasons", "Sports pitch",
         "--on", "2026-06-02T14:00"),
        ("serve-direction", "--power", "s77", "--on", "2026-06-02T15:00"),
    ):
        cli.json("encampment", verb, ref, *args)

    block = cli("case", "show", ref, "--as-effective-at", "2026-06-04T10:00")
    assert re.search(r"^stage\s+Enforcing$", block, re.M), block
    assert re.search(r"^needs\s+health, newborn baby$", block, re.M)
    assert re.search(r"^land\s+council land$", block, re.M)
    assert re.search(r"^power\s+direction to leave \(CJPOA 1994 s\.77\)$", block, re.M)
    assert deadline_row(block, "Initial visit to the encampment")[1:3] == [
        "2026-06-02 14:30 BST", "met"]
    assert deadline_row(block, "Compliance with the direction to leave")[1:5] == [
        "2026-06-03 15:00 BST", "overdue", "the occupants of the encampment", "1"]
    # a day-based deadline keeps its day alone: due at the end of it
    assert deadline_row(block, "Welfare assessment")[1] == "2026-06-05"
    assert not PYTHON_LIST.search(block) and "not-allow" not in block

    listed = cli("deadlines", "--overdue", "--as-at", "2026-06-04T10:00")
    assert deadline_row(listed, ref)[1:5] == [
        "Compliance with the direction to leave", "2026-06-03 15:00 BST", "overdue",
        "the occupants of the encampment"]
    assert cli.json("deadlines", "--overdue", "--as-at", "2026-06-04T10:00")[0]["due"] == (
        "2026-06-03T15:00:00+01:00")
