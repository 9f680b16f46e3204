"""The README's commands work exactly as written: every ```sh block, in order, on a fresh
database in an empty home folder, after the demo (what `make demo` runs).

The lines are the README's own, split as the shell splits them; `caseledger …` runs in-process
(``interfaces.cli.main.main``) with a fixed clock so that "today" is the same on every run. A
block that is not meant to run here (`make test`, the scheduler that runs until stopped) says so
with the marker line ``<!-- not run by tests/e2e/test_readme.py: why -->`` just above it.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from infrastructure.clock import FixedClock
from infrastructure.settings import Settings
from interfaces import bootstrap
from interfaces.cli import common
from interfaces.cli.main import main

README = Path(__file__).resolve().parents[2] / "README.md"
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # "today" for the README's commands
MARKER = re.compile(r"<!-- not run by tests/e2e/test_readme\.py: (?P<why>[^>]+) -->\s*$")
FENCE = re.compile(r"^```(?P<info>[^\n`]*)\n(?P<body>.*?)^```\s*$", re.MULTILINE | re.DOTALL)
SHELL = ("sh", "console", "bash", "shell")


@dataclass(frozen=True)
class Block:
    line: int  # where the block starts in the README, for messages
    language: str
    commands: tuple[str, ...]  # logical lines: continuations joined, comments kept
    skipped: str | None  # why it is not run, from its marker


def blocks(text: str) -> list[Block]:
    found = []
    for match in FENCE.finditer(text):
        before = text[:match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        marker = MARKER.search(before)
        body = match.group("body").replace("\\\n", " ")
        found.append(Block(line=text.count("\n", 0, match.start()) + 1,
                           language=match.group("info").strip(),
                           commands=tuple(line for line in body.splitlines() if line.strip()),
                           skipped=marker.group("why") if marker else None))
    return found


def test_every_command_block_is_marked_as_shell_and_either_runs_or_says_why_not() -> None:
    found = blocks(README.read_text(encoding="utf-8"))
    assert [b.line for b in found if not b.language] == [], "a code block without a language"
    assert [b for b in found if b.language in SHELL and b.skipped is None], "nothing would run"


def test_the_readme_commands_run_in_order_on_a_fresh_database(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # given an empty home folder, no caseledger settings and the same "today" for every command
    home = tmp_path / "home"
    home.mkdir()
    for name in [n for n in os.environ if n.startswith("CASELEDGER_") or n.startswith("XDG_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(common, "services_factory",
                        lambda settings: bootstrap.build(settings, clock=FixedClock(NOW)))
    run = _Runner(tmp_path, monkeypatch, capsys)

    # and the demo, as `make demo` makes it
    run.caseledger(["demo", "--out", "demo-out"], "make demo")

    # when every shell block of the README runs, line by line
    ran = 0
    for block in blocks(README.read_text(encoding="utf-8")):
        if block.language not in SHELL or block.skipped:
            continue
        for line in block.commands:
            words = shlex.split(line, comments=True)
            if words:
                run(words, f"README.md block at line {block.line}: {line.strip()}")
                ran += 1

    # then each exited 0 (checked as it ran), the default database is the per-user one, and the
    # README's own database was a fresh one beside the demo's
    assert ran >= 40
    assert (home / ".local" / "share" / "caseledger" / "caseledger.db").is_file()
    assert not (tmp_path / "caseledger-data").exists()


class _Runner:
    """Runs one README line the way a shell would, for the few programs the README uses."""

    def __init__(self, cwd: Path, monkeypatch: pytest.MonkeyPatch,
                 capsys: pytest.CaptureFixture[str]) -> None:
        self.cwd, self.monkeypatch, self.capsys = cwd, monkeypatch, capsys

    def __call__(self, words: list[str], where: str) -> None:
        words = [os.path.expandvars(w) for w in words]
        program, args = words[0], words[1:]
        if program == "caseledger":
            self.caseledger(args, where)
        elif program == "export" and all("=" in a for a in args):
            for assignment in args:
                name, value = assignment.split("=", 1)
                self.monkeypatch.setenv(name, value)
        elif program == "unset":
            for name in args:
                self.monkeypatch.delenv(name, raising=False)
        elif program == "python3":
            done = subprocess.run([sys.executable, *args], cwd=self.cwd, capture_output=True,
                                  text=True, timeout=120)
            assert done.returncode == 0, f"{where}\nexit {done.returncode}\n{done.stdout}{done.stderr}"
        else:
            pytest.fail(f"{where}\nthe README test does not know how to run {program!r}; run it "
                        "here, or mark its block as not run, saying why")

    def caseledger(self, args: list[str], where: str) -> None:
        code = main(args)
        out, err = self.capsys.readouterr()
        assert code == 0, f"{where}\nexit {code}\nstdout: {out[-2000:]}\nstderr: {err[-2000:]}"


def test_the_settings_the_readme_relies_on_are_the_defaults() -> None:
    """The README's first commands need no settings: the default database is a file of the
    user's own, named by `caseledger where`."""
    settings = Settings.from_env(env={"HOME": "/home/someone"})
    assert settings.database_url == "sqlite:////home/someone/.local/share/caseledger/caseledger.db"
