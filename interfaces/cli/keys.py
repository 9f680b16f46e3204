"""``caseledger keys …``: the master key that unlocks the personal data (infrastructure/keys.py).

The key itself is never printed: only its id (a hash), where it is kept and what it wraps.
"""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from domain.errors import InvalidInput
from interfaces.cli.common import Invocation, command

if TYPE_CHECKING:
    from interfaces.bootstrap import PersonalDataKeys

app = typer.Typer(help="The master key that unlocks the personal data: create one, see which "
                       "is in use, rotate it.", no_args_is_help=True)

BACK_UP = ("Keep a copy of it somewhere safe and apart from the database's backups (a password "
           "manager or key vault): without it the personal data cannot be read.")


@command(app, "create", "keys", query=True)
def create(
    inv: Invocation,
    path: Annotated[Path, typer.Argument(metavar="PATH", help="The key file to create.")],
) -> None:
    """Create a new master key in a file private to you (0600), for CASELEDGER_MASTER_KEY_FILE.
    An existing file is never overwritten."""
    from infrastructure.keys import new_master_key, write_key_file

    if path.exists():
        raise InvalidInput(f"{path} already exists; a key file is never overwritten (it may be "
                           "the only copy of a key).")
    key = new_master_key()
    write_key_file(path, [key])
    inv.emit({"file": str(path), "key_id": key.id},
             f"Master key {key.id} written to {path}. {BACK_UP}")


@command(app, "status", "keys", query=True)
def status(inv: Invocation) -> None:
    """Which master key is in use, where it comes from, and how many data keys it wraps."""
    keys = _keys(inv)
    counts = keys.cipher.counts()
    loaded = keys.loaded
    data = {"current": loaded.keyring.current.id, "held": loaded.keyring.ids,
            "source": loaded.keyring.source, "data_keys": counts}
    lines = [f"current master key  {loaded.keyring.current.id} (from {loaded.keyring.source})"]
    lines += [f"data keys wrapped by {key_id}: {n}" for key_id, n in sorted(counts.items())
              if key_id != "destroyed"]
    lines.append(f"data keys destroyed (erased): {counts.get('destroyed', 0)}")
    inv.emit(data, "\n".join(lines))


@command(app, "rotate", "keys")
def rotate(inv: Invocation) -> None:
    """Wrap every data key under a new master key. With a key file: a new key is made and the
    file rewritten in two safe steps (old and new while rewrapping, then only the new). With
    CASELEDGER_MASTER_KEY: everything is rewrapped under its first key. Stop the other caseledger
    processes first; they read the new key when they start."""
    from infrastructure.keys import DataKeys, Keyring, new_master_key, write_key_file

    keys = _keys(inv)
    loaded = keys.loaded
    previous = [k.id for k in loaded.keyring.keys]
    if loaded.file is not None:
        new = new_master_key()
        both = Keyring((new, *loaded.keyring.keys), str(loaded.file))
        write_key_file(loaded.file, both.keys)  # a crash from here on loses no key
        rewrapped = DataKeys(keys.cipher.engine, both).rewrap_all()
        write_key_file(loaded.file, [new])
        current, retired = new.id, previous
        where = f"{loaded.file} now holds only the new key"
    else:
        rewrapped = keys.cipher.rewrap_all()
        current, retired = loaded.keyring.current.id, previous[1:]
        where = "remove the other keys from CASELEDGER_MASTER_KEY"
    inv.extra_log["rewrapped"] = rewrapped
    retired_text = (f" Retired: {', '.join(retired)}. Backups taken before now still need the "
                    "retired key: keep your copy with them until they expire, then destroy it."
                    if retired else "")
    inv.emit({"current": current, "retired": retired, "rewrapped": rewrapped},
             f"Every data key ({rewrapped} rewrapped) is wrapped by master key {current}; "
             f"{where}.{retired_text}")


def _keys(inv: Invocation) -> "PersonalDataKeys":
    keys = inv.services.keys
    if keys is None:  # only a benchmark builds services without keys
        raise InvalidInput("These services hold no keys.")
    return keys

