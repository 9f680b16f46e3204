"""Driving the real command line in a subprocess, the way a user (or a script) does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ACTOR = "coordinator"
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
    """``caseledger --database URL …`` as a subprocess; asserts the exit code by default."""

    def __init__(self, database_url: str, workdir: Path, env: dict[str, str] | None = None) -> None:
        self.database_url = database_url
        self.workdir = workdir
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith("CASELEDGER_") or k == "CASELEDGER_TEST_POSTGRES_URL"}
        self.env.update({"CASELEDGER_ACTOR": ACTOR, "CASELEDGER_DATA_DIR": str(workdir / "data")})
        self.env.update(env or {})

    def __call__(self, *args: str, expect: int | None = 0, env: dict[str, str] | None = None) -> Run:
        command = [sys.executable, "-m", "interfaces.cli.main",
                   "--database", self.database_url, *args]
        done = subprocess.run(command, capture_output=True, text=True, cwd=self.workdir,
                              env={**self.env, **(env or {})}, timeout=180)
        run = Run(tuple(args), done.returncode, done.stdout, done.stderr)
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


def notify(cli: Cli, on: str = "2026-01-20", death: str = "2026-01-15",
           partnership: str = "cumberland", *extra: str) -> dict[str, Any]:
    return cli.json(
        "dardr", "notify", "--partnership", partnership, "--on", on, "--date-of-death", death,
        "--victim-pseudonym", "Anna", "--notified-by", "cumbria-police",
        "--relationship", "intimate-partner", "--death-type", "homicide", "--age-band", "35-44",
        "--police-force-area", "Cumbria", *extra,
    )
