"""Driving the real command line the way a user (or a script) does.

``Cli`` runs the real entry point (``interfaces.cli.main.main``) in this process by default: the
same parsing, services, error mapping and logging as the console script, without a Python start-up
per command (the e2e suite would otherwise spend most of its time starting interpreters). With
``separate_process=True``, or ``CASELEDGER_TEST_SUBPROCESS=1`` for the whole run, each command is a
``python -m interfaces.cli.main`` process instead, as the shell runs it."""

from __future__ import annotations

import getpass
import io
import json
import os
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import master_key

ACTOR = "coordinator"


def recorded(name: str) -> str:
    """The actor a name given with --as (or $CASELEDGER_ACTOR) is recorded as: with the OS user
    who gave it, since the command line is a local operator's."""
    return f"{name} (local operator {getpass.getuser()})"


AS_RECORDED = recorded(ACTOR)
REF = "CUM-DARDR-2026-001"


@dataclass
class Run:
    args: tuple[str, ...]
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)

    def error(self) -> dict[str, str]:
        """The ``{"error": {"code", "message"}}`` line that --json puts on stderr."""
        lines = [line for line in self.err.splitlines() if line.startswith('{"error"')]
        assert lines, f"no JSON error on stderr: {self.err!r}"
        return json.loads(lines[-1])["error"]


class Cli:
    """``caseledger --database URL …`` run in ``workdir``; asserts the exit code by default."""

    def __init__(self, database_url: str, workdir: Path, env: dict[str, str] | None = None,
                 *, separate_process: bool = False) -> None:
        self.database_url = database_url
        self.workdir = workdir
        self.separate_process = (separate_process
                                 or os.environ.get("CASELEDGER_TEST_SUBPROCESS") == "1")
        self.env = {"CASELEDGER_ACTOR": ACTOR, "CASELEDGER_DATA_DIR": str(workdir / "data"),
                    **master_key(), **(env or {})}

    def __call__(self, *args: str, expect: int | None = 0, env: dict[str, str] | None = None) -> Run:
        argv = ["--database", self.database_url, *args]
        wanted = {**self.env, **(env or {})}
        code, out, err = (_in_a_process(argv, wanted, self.workdir) if self.separate_process
                          else _in_this_process(argv, wanted, self.workdir))
        run = Run(tuple(args), code, out, err)
        if expect is not None:
            assert run.code == expect, (
                f"caseledger {' '.join(args)} exited {run.code}, expected {expect}\n"
                f"stdout: {run.out}\nstderr: {run.err}"
            )
        return run

    def json(self, *args: str, expect: int = 0) -> Any:
        """Run with --json and parse stdout."""
        return self(*args, "--json", expect=expect).json()

    def fails(self, expect: int, *args: str) -> dict[str, str]:
        """Run with --json, expect a failure: nothing on stdout, the JSON error from stderr."""
        run = self(*args, "--json", expect=expect)
        assert run.out == "", run.out
        return run.error()

    def show(self, ref: str = REF, *args: str) -> dict[str, Any]:
        return self.json("case", "show", ref, *args)


def _in_a_process(argv: list[str], env: dict[str, str], workdir: Path) -> tuple[int, str, str]:
    inherited = {k: v for k, v in os.environ.items()
                 if not k.startswith("CASELEDGER_") or k == "CASELEDGER_TEST_POSTGRES_URL"}
    done = subprocess.run([sys.executable, "-m", "interfaces.cli.main", *argv],
                          capture_output=True, text=True, cwd=workdir,
                          env={**inherited, **env}, timeout=180)
    return done.returncode, done.stdout, done.stderr


def _in_this_process(argv: list[str], env: dict[str, str], workdir: Path) -> tuple[int, str, str]:
    """The console script's ``main`` with the command's own settings, folder and streams; the
    test's own CASELEDGER_* settings are set aside meanwhile (as a subprocess would not see them)."""
    import structlog

    from interfaces.cli.main import main

    saved = {name: value for name, value in os.environ.items() if name.startswith("CASELEDGER_")}
    here = Path.cwd()
    out, err = io.StringIO(), io.StringIO()
    try:
        for name in saved:
            if name != "CASELEDGER_TEST_POSTGRES_URL":
                del os.environ[name]
        os.environ.update(env)
        os.chdir(workdir)
        with redirect_stdout(out), redirect_stderr(err):
            code = main(argv)
    finally:
        os.chdir(here)
        for name in env:
            os.environ.pop(name, None)
        os.environ.update(saved)
        structlog.reset_defaults()  # the command configured logging to the captured stream
    return code, out.getvalue(), err.getvalue()


def notify(cli: Cli, on: str = "2026-01-20", death: str = "2026-01-15",
           partnership: str = "cumberland", *extra: str) -> dict[str, Any]:
    return cli.json(
        "dardr", "notify", "--partnership", partnership, "--on", on, "--date-of-death", death,
        "--victim-pseudonym", "Anna", "--notified-by", "cumbria-police",
        "--relationship", "intimate-partner", "--death-type", "homicide", "--age-band", "35-44",
        "--police-force-area", "Cumbria", *extra,
    )
