"""The real entry point (``interfaces.cli.main.main``) run in this process, its output captured:
the same parsing, services, error mapping and logging as the console script, without a Python
start-up per command. For tests where the command line's behaviour, not the process, is the point."""

from __future__ import annotations

import io
import os
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import structlog

from interfaces.cli.main import main
from tests.e2e.support import ACTOR, REF, Run


class InProcessCli:
    """``caseledger --database URL …`` in-process; asserts the exit code by default."""

    def __init__(self, database_url: str, workdir: Path, env: dict[str, str] | None = None) -> None:
        self.database_url = database_url
        self.env = {"CASELEDGER_ACTOR": ACTOR, "CASELEDGER_DATA_DIR": str(workdir / "data"),
                    **(env or {})}

    def __call__(self, *args: str, expect: int | None = 0, env: dict[str, str] | None = None) -> Run:
        wanted = {**self.env, **(env or {})}
        saved = {name: value for name, value in os.environ.items() if name.startswith("CASELEDGER_")}
        out, err = io.StringIO(), io.StringIO()
        try:
            for name in saved:
                if name != "CASELEDGER_TEST_POSTGRES_URL":
                    del os.environ[name]
            os.environ.update(wanted)
            with redirect_stdout(out), redirect_stderr(err):
                code = main(["--database", self.database_url, *args])
        finally:
            for name in wanted:
                os.environ.pop(name, None)
            os.environ.update(saved)
            structlog.reset_defaults()  # each command configured logging to the captured stream
        run = Run(tuple(args), code, out.getvalue(), err.getvalue())
        if expect is not None:
            assert run.code == expect, (
                f"caseledger {' '.join(args)} exited {run.code}, expected {expect}\n"
                f"stdout: {run.out}\nstderr: {run.err}")
        return run

    def json(self, *args: str, expect: int = 0) -> Any:
        return self(*args, "--json", expect=expect).json()

    def show(self, ref: str = REF) -> dict[str, Any]:
        shown: dict[str, Any] = self.json("case", "show", ref)
        return shown
