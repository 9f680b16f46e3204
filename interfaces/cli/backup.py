"""``caseledger backup``: a checked copy of the whole database while it is in use
(infrastructure/backup.py). The master key is not in it: the command says where the key is, to
be kept apart."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from domain.errors import InvalidInput
from infrastructure.settings import Settings
from interfaces.cli.common import Invocation, command
from interfaces.cli.outputs import file_target

top = typer.Typer()
"""``caseledger backup`` lives at the top level."""


@command(top, "backup", query=True)
def backup(
    inv: Invocation,
    out: Annotated[Path, typer.Option("--out", metavar="FILE", help=(
        "The backup file to write (never an existing one); private to you."))],
) -> None:
    """Back up the whole database while it is in use: SQLite's online backup (one file, checked),
    or pg_dump's custom format for PostgreSQL (checked by pg_restore). The chain's head at the
    time is printed as an anchor. The master key is NOT in the backup: keep it apart."""
    from infrastructure.backup import back_up
    from interfaces.bootstrap import chain_without_keys

    out = file_target(out)
    services = inv.services
    settings = services.settings
    made = back_up(settings.database_url, out)
    if made.kind == "sqlite":  # the copy's own chain, verified: what a restore would hold
        chain, store = chain_without_keys(Settings.from_env(
            {}, database_url=f"sqlite:///{made.path.absolute()}"))
        try:
            report = chain.verify()
            head = chain.head()
        finally:
            store.close()
        if not report.ok:
            made.path.unlink()
            raise InvalidInput("The backup's integrity chain does not verify, so it was deleted: "
                               "run caseledger audit verify on the database.")
    else:
        head = services.integrity.head()
    keys = services.keys
    key_place = (str(keys.loaded.file) if keys and keys.loaded.file else
                 "CASELEDGER_MASTER_KEY" if keys else "no key")
    anchor = f"{head['notification_id'] or 0}:{head['hash']}"
    inv.emit({"file": str(made.path), "bytes": made.size, "kind": made.kind,
              "events": head["events"], "anchor": anchor, "master_key": key_place},
             f"Backed up to {made.path} ({made.size:,} bytes, {head['events']:,} events).\n"
             f"Anchor at the backup: {anchor}\n"
             f"The master key is not in the backup ({key_place}): keep a copy of it apart "
             "from the backups, or they cannot be read.")
