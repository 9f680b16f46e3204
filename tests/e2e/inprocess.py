"""The command line always run in this process, whatever ``CASELEDGER_TEST_SUBPROCESS`` says: for
tests that run hundreds of commands (the fuzz run) or plant state through the services first."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.support import Cli


class InProcessCli(Cli):
    """``caseledger --database URL …`` in this process; asserts the exit code by default."""

    def __init__(self, database_url: str, workdir: Path, env: dict[str, str] | None = None) -> None:
        super().__init__(database_url, workdir, env)
        self.separate_process = False
