"""E2E fixtures: the command line against a fresh database (SQLite and PostgreSQL), set up with
the shipped Cumbria example through the command line itself."""

from __future__ import annotations

import pytest

from tests.e2e.support import Cli


@pytest.fixture(scope="session")
def bytecode_cache(tmp_path_factory) -> dict[str, str]:
    """Compiled modules kept outside the repository and shared by every run of the session:
    each subprocess then starts faster (the environment may say PYTHONDONTWRITEBYTECODE)."""
    return {"PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": str(tmp_path_factory.mktemp("pycache"))}


@pytest.fixture
def bare_cli(database_url, tmp_path, bytecode_cache) -> Cli:
    """The command line on a fresh, empty database."""
    return Cli(database_url, tmp_path, env=bytecode_cache)


@pytest.fixture
def cli(bare_cli) -> Cli:
    """The command line on a fresh database with the Cumbria set-up imported."""
    counts = bare_cli.json("partnership", "import", "--example", "cumbria")
    assert counts["partnerships"] == 2 and counts["events"] > 0
    return bare_cli
