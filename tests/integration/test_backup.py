"""``caseledger backup`` and a checked restore, on both backends: the backup holds personal data
only sealed (the master key is kept apart); restored and opened with the same key, every case
reads as before, the integrity chain verifies against the anchor taken with the backup, and the
read models rebuild to what the live database showed."""

from __future__ import annotations

import secrets
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import sqlalchemy as sa
from psycopg import sql

from infrastructure.backup import postgres_tool
from infrastructure.database import create_engine
from infrastructure.views import TABLES
from tests.e2e.inprocess import InProcessCli
from tests.e2e.support import notify

PSEUDONYM = "Backupa Quillfeather"


def read_models(url: str) -> dict[str, list[str]]:
    """Every read model's rows, in a stable order."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {name: sorted(repr(tuple(row)) for row in conn.execute(sa.select(table)))
                    for name, table in TABLES.items()}
    finally:
        engine.dispose()


def restored_postgres(admin_url: str, archive: Path) -> str:
    """A new database holding the archive (``pg_restore``), as an operator restores one."""
    name = f"t_restored_{secrets.token_hex(6)}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
    url = urlunsplit(urlsplit(admin_url)._replace(path=f"/{name}"))
    parts = urlsplit(url)
    done = subprocess.run(
        [postgres_tool("pg_restore"), "--no-owner", "--host", parts.hostname or "", "--port",
         str(parts.port), "--username", parts.username or "", "--dbname", name, str(archive)],
        env={"PGPASSWORD": parts.password or ""}, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return url


def test_a_backup_restores_whole_and_verifies_against_its_anchor(database_url, tmp_path, request):
    cli = InProcessCli(database_url, tmp_path)
    cli.json("partnership", "import", "--example", "cumbria")
    ref = notify(cli)["reference"]
    cli.json("case", "add-note", ref, "--text", f"Met {PSEUDONYM}'s brother", "--on", "2026-01-21")
    before = cli.json("case", "show", ref)
    listed = cli.json("case", "list")

    archive = tmp_path / "backups" / "caseledger.backup"
    made = cli.json("backup", "--out", str(archive))
    assert made["file"] == str(archive) and made["bytes"] == archive.stat().st_size > 0
    assert archive.stat().st_mode & 0o777 == 0o600
    assert PSEUDONYM.encode() not in archive.read_bytes()  # sealed: the key is not in it
    refused = cli.fails(2, "backup", "--out", str(archive))
    assert "never replaces" in refused["message"]

    # Restored (a copy of the file; pg_restore into a new database) and opened with the same key
    if database_url.startswith("sqlite"):
        restored_file = tmp_path / "restored" / "caseledger.db"
        restored_file.parent.mkdir()
        shutil.copy(archive, restored_file)
        key = Path(database_url.removeprefix("sqlite:///")).with_suffix(".key")
        restored = InProcessCli(f"sqlite:///{restored_file}", tmp_path,
                                env={"CASELEDGER_MASTER_KEY_FILE": str(key)})
    else:
        restored = InProcessCli(
            restored_postgres(request.getfixturevalue("postgres_admin_url"), archive), tmp_path)
    verified = restored.json("audit", "verify", "--anchor", made["anchor"])
    assert verified["ok"] and verified["events"] == made["events"]
    restored.json("projections", "rebuild")
    assert read_models(restored.database_url) == read_models(database_url)  # identically
    assert restored.json("case", "list") == listed
    again = restored.json("case", "show", ref)
    assert again["personal"] == before["personal"]
    assert (again["stage"], again["version"], again["deadlines"]) == (
        before["stage"], before["version"], before["deadlines"])
