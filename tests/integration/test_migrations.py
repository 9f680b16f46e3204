"""The read-model schema: Alembic owns it, runnable from the repository root and by the
application, and the migrated schema is the one the code declares."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from infrastructure import migrate
from infrastructure.accounts import metadata as accounts_metadata
from infrastructure.database import create_engine
from infrastructure.deliveries import metadata as deliveries_metadata
from infrastructure.documents import metadata as documents_metadata
from infrastructure.keys import metadata as keys_metadata
from infrastructure.views import TABLES
from infrastructure.views import metadata as views_metadata
from tests.integration.support import notify, seed, services_for

ROOT = Path(__file__).parents[2]
REVISIONS = ROOT / "migrations" / "versions"


def test_the_quick_head_check_matches_alembic() -> None:
    assert ScriptDirectory.from_config(migrate.alembic_config()).get_current_head() == migrate.HEAD


def test_upgrade_creates_the_views_once(database_url: str) -> None:
    engine = create_engine(database_url)
    assert migrate.current_revision(engine) is None
    migrate.upgrade(engine)
    migrate.upgrade(engine)  # already current: nothing to do
    assert migrate.current_revision(engine) == migrate.HEAD
    engine.dispose()


def test_a_database_from_before_the_report_views_gets_every_view_back_on_the_next_catch_up(
        database_url: str) -> None:
    """Revisions 0005 and 0006 fill nothing themselves: they empty the views and reset their
    tracking position, and the projection runner rebuilds them from the events."""
    services = services_for(database_url)
    try:
        seed(services)
        notify(services)
        services.catch_up()
        with services.engine.connect() as conn:
            written = {name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
                       for name, table in TABLES.items()}
        config = migrate.alembic_config()
        with services.engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0004")

        migrate.upgrade(services.engine)

        assert services.projections.position() == 0
        with services.engine.connect() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(TABLES["cases"])).scalar_one() == 0
        assert services.catch_up() == services.app.recorder.max_notification_id()
        with services.engine.connect() as conn:
            assert {name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
                    for name, table in TABLES.items()} == written
        assert written["cases"] == written["report_cases"] == 1
    finally:
        services.close()


def alembic(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    """``alembic …`` as an operator runs it: from the repository root, the database in the
    environment."""
    env = {**os.environ, "CASELEDGER_DATABASE_URL": database_url}
    command = [str(Path(sysconfig.get_path("scripts")) / "alembic"), *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
                          check=False)


def test_alembic_run_from_the_root_migrates_a_fresh_database_to_the_schema_the_code_declares(
        database_url: str) -> None:
    upgraded = alembic("upgrade", "head", database_url=database_url)
    assert upgraded.returncode == 0, upgraded.stderr
    current = alembic("current", database_url=database_url)

    assert current.stdout.split() == [migrate.HEAD, "(head)"]
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            declared = sa.MetaData()
            for metadata in (views_metadata, deliveries_metadata, accounts_metadata,
                             documents_metadata, keys_metadata):
                for table in metadata.tables.values():
                    table.to_metadata(declared)
            differences = compare_metadata(context, declared)
    finally:
        engine.dispose()
    ours = [d for d in differences
            if not (d[0] == "remove_table" and d[1].name == migrate.VERSION_TABLE)]
    assert ours == []


def test_no_revision_imports_the_applications_code() -> None:
    """A revision must keep doing what it did when it was written, so it carries what it needs:
    only Alembic, SQLAlchemy and the standard library."""
    allowed = {"alembic", "sqlalchemy", *sys.stdlib_module_names}
    imported = {
        (path.name, name.split(".")[0])
        for path in sorted(REVISIONS.glob("0*.py"))
        for node in ast.walk(ast.parse(path.read_text()))
        for name in ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
    }

    assert len({path for path, _ in imported}) == len(list(REVISIONS.glob("0*.py")))
    assert sorted((path, module) for path, module in imported if module not in allowed) == []
