"""The command line refuses what the ledger could not read back, on both backends, and records
nothing: the three facts that once broke every view for good, the limits of each case type, the
clocks that count hours, and flags that contradict each other."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from application.setup_import import example_path
from infrastructure.clock import FixedClock
from interfaces.bootstrap import build
from interfaces.cli import common
from interfaces.cli.main import main

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
DEATH = ("--partnership", "cumberland", "--victim-pseudonym", "Anna",
         "--notified-by", "cumbria-police", "--relationship", "intimate-partner",
         "--death-type", "homicide")
REF = "CUM-DARDR-2026-001"


class InProcessCli:
    """``caseledger --database URL … --json`` in this process, with a fixed clock."""

    def __init__(self, url: str, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
        self.url, self.capsys = url, capsys
        monkeypatch.setattr(common, "services_factory",
                            lambda settings: build(settings, clock=FixedClock(NOW)))

    def __call__(self, *args: str, expect: int = 0) -> tuple[str, str]:
        code = main(["--database", self.url, *args, "--json"])
        out, err = self.capsys.readouterr()
        assert code == expect, f"caseledger {' '.join(args)} exited {code}: {out}\n{err}"
        return out, err

    def events(self) -> int:
        out, _ = self("audit", "verify")
        return int(__import__("json").loads(out)["events"])

    def reads_work(self) -> None:
        """Every view command answers, and a rebuild replays every event."""
        self("case", "list")
        self("deadlines")
        self("projections", "rebuild")


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> InProcessCli:
    """On both backends: the facts that reach storage."""
    run = InProcessCli(database_url, monkeypatch, capsys)
    run("partnership", "import", "--example", "cumbria")
    return run


@pytest.fixture
def sqlite_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> InProcessCli:
    """On SQLite only: refusals made before anything reaches storage (the command line and the
    command models), so the backend cannot change them."""
    run = InProcessCli(f"sqlite:///{tmp_path}/caseledger.db", monkeypatch, capsys)
    run("partnership", "import", "--example", "cumbria")
    return run


# --------------------------------------------------------------------------- the three poison facts


def test_an_effective_date_before_the_year_1000_is_refused_and_every_read_still_works(
        cli: InProcessCli) -> None:
    before = cli.events()

    _, err = cli("dardr", "notify", *DEATH, "--date-of-death", "2026-01-15", "--on", "0999-03-02",
                 expect=2)

    assert "--on" in err and "1900 to 2199" in err
    assert cli.events() == before
    cli.reads_work()


def test_a_deadline_extended_to_9999_is_refused_and_every_read_still_works(cli: InProcessCli) -> None:
    cli("dardr", "notify", *DEATH, "--date-of-death", "2026-01-15", "--on", "2026-01-20")
    before = cli.events()

    _, far = cli("case", "extend-deadline", REF, "--deadline", "decision", "--to", "9999-12-31",
                 "--reason", "agreed", "--on", "2026-01-21", expect=2)
    _, horizon = cli("case", "extend-deadline", REF, "--deadline", "decision", "--to",
                     "2036-01-22", "--reason", "agreed", "--on", "2026-01-21", expect=2)

    assert "--to" in far and "1900 to 2199" in far
    assert "--to" in horizon and "no more than 10 years after" in horizon
    assert cli.events() == before
    cli("case", "extend-deadline", REF, "--deadline", "decision", "--to", "2036-01-21",
        "--reason", "agreed", "--on", "2026-01-21")
    cli.reads_work()


def test_a_nul_byte_in_the_set_up_is_refused_without_quoting_it(
        cli: InProcessCli, tmp_path: Path) -> None:
    poisoned = tmp_path / "setup.toml"
    poisoned.write_text(example_path("cumbria").read_text().replace(
        'name = "Cumberland Community Safety Partnership"',
        'name = "Cumberland Safety\\u0000 Partnership"'))
    before = cli.events()

    _, err = cli("partnership", "import", str(poisoned), expect=2)

    assert "partnership[1].name" in err and "NUL" in err and "Cumberland Safety" not in err
    assert cli.events() == before
    cli.reads_work()


def test_a_nul_byte_or_a_control_character_in_a_command_or_its_reason_is_refused(
        cli: InProcessCli) -> None:
    cli("dardr", "notify", *DEATH, "--date-of-death", "2026-01-15", "--on", "2026-01-20")
    before = cli.events()

    _, text = cli("case", "add-note", REF, "--text", "Anna\x00said", expect=2)
    _, reason = cli("case", "add-note", REF, "--text", "ok", "--reason", "Anna\x1b[2J", expect=2)
    _, name = cli("dardr", "appoint-chair", REF, "--name", "Robin\nExample", expect=2)

    assert "--text" in text and "Anna" not in text
    assert "--reason" in reason and "Anna" not in reason
    assert "--name" in name and "one-line" in name
    assert cli.events() == before
    cli("case", "add-note", REF, "--text", "two lines\nand a\ttab")
    cli.reads_work()


# --------------------------------------------------------------------------- ranges


@pytest.mark.parametrize(("args", "too_early", "earliest"), [
    (("asb", "receive", "--partnership", "cumberland", "--hub", "allerdale", "--channel", "online",
      "--applicant-type", "individual", "--applicant-name", "A"), "2014-10-19", "2014-10-20"),
    (("encampment", "report", "--partnership", "cumberland", "--location", "Lay-by"),
     "1994-11-02T10:00", "1994-11-03T10:00"),
], ids=["asb", "encampment"])
def test_a_case_cannot_open_before_its_process_existed(
        sqlite_cli: InProcessCli, args: tuple[str, ...], too_early: str, earliest: str) -> None:
    before = sqlite_cli.events()

    _, err = sqlite_cli(*args, "--on", too_early, expect=2)

    assert "--on" in err and "statutory process began" in err
    assert sqlite_cli.events() == before
    sqlite_cli(*args, "--on", earliest)
    sqlite_cli.reads_work()


def test_a_date_of_death_before_the_duty_commenced_is_refused(sqlite_cli: InProcessCli) -> None:
    _, err = sqlite_cli("dardr", "notify", *DEATH, "--date-of-death", "2011-04-12", "--on", "2026-01-20",
                 expect=2)

    assert "--date-of-death" in err and "on or after 13 April 2011" in err


def test_counts_above_their_bounds_are_refused(sqlite_cli: InProcessCli) -> None:
    _, err = sqlite_cli("encampment", "report", "--partnership", "cumberland", "--location", "Lay-by",
                 "--caravans", "501", "--on", "2026-11-20T10:00", expect=2)

    assert "--caravans" in err and "500" in err


def test_an_hour_based_clock_needs_a_time_not_a_date(sqlite_cli: InProcessCli) -> None:
    before = sqlite_cli.events()

    _, err = sqlite_cli("encampment", "report", "--partnership", "cumberland", "--location", "Lay-by",
                 "--on", "2026-11-20", expect=2)

    assert "--on" in err and "counts hours" in err and "needs the time" in err
    assert sqlite_cli.events() == before
    sqlite_cli("encampment", "report", "--partnership", "cumberland", "--location", "Lay-by",
        "--on", "2026-11-20T10:00")


def test_an_empty_on_is_refused_rather_than_read_as_now(sqlite_cli: InProcessCli) -> None:
    before = sqlite_cli.events()

    _, err = sqlite_cli("dardr", "notify", *DEATH, "--date-of-death", "2026-01-15", "--on", "", expect=2)
    _, setup = sqlite_cli("partnership", "import", "--example", "cumbria", "--on", " ", expect=2)

    assert "--on" in err and "empty" in err
    assert "--on" in setup and "empty" in setup
    assert sqlite_cli.events() == before


# --------------------------------------------------------------------------- contradictory flags


def test_contradictory_flags_are_refused_whichever_comes_last(sqlite_cli: InProcessCli) -> None:
    sqlite_cli("asb", "receive", "--partnership", "cumberland", "--hub", "allerdale", "--channel",
        "online", "--applicant-type", "individual", "--applicant-name", "A", "--on", "2026-11-02")
    before = sqlite_cli.events()

    refused = [sqlite_cli("asb", "decide-threshold", "CUM-ASB-2026-001", *flags, "--reasons",
                          "r", "--on", "2026-11-03", expect=2)[1]
               for flags in (("--met", "--not-met"), ("--not-met", "--met"))]
    _, pair = sqlite_cli("asb", "receive", "--partnership", "cumberland", "--hub", "allerdale",
                         "--channel", "online", "--applicant-type", "individual",
                         "--applicant-name", "B", "--consent", "--no-consent", expect=2)

    assert all("--met or --not-met, not both" in err for err in refused)
    assert "--consent or --no-consent, not both" in pair
    assert sqlite_cli.events() == before


def test_the_switches_of_one_choice_are_refused_together(sqlite_cli: InProcessCli) -> None:
    sqlite_cli("encampment", "report", "--partnership", "cumberland", "--location", "Lay-by",
        "--on", "2026-11-20T10:00")
    before = sqlite_cli.events()

    _, err = sqlite_cli("encampment", "decide", "CUM-ENC-2026-001", "--tolerate", "--not-allow",
                 "--on", "2026-11-20T12:00", expect=2)

    assert "Give exactly one of" in err
    assert sqlite_cli.events() == before
