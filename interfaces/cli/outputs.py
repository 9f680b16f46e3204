"""Where a command writes: checked before anything is written, so that a folder given where a
file is expected (or the other way round) is refused with a plain message (exit 2) instead of
failing half-way with an operating-system error.

- ``file_target(path)``: ``--out`` names a file (a report in HTML or JSON, a zip).
- ``folder_target(path)``: ``--out`` names a folder (CSV tables, an export, the demo).
- ``write_private_folder(out, files)``: an export's files, written whole or not at all.

Both return the path with ``~`` expanded.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from domain.errors import InvalidInput


def file_target(path: Path, option: str = "--out") -> Path:
    """A file to create or replace: not a folder, and not inside something that is a file."""
    path = path.expanduser()
    if path.is_dir():
        raise InvalidInput(f"{option} {path} is a folder; give a file name (e.g. {path / 'report'}"
                           f"{path.suffix or '.html'}).", field=option)
    _parent_is_a_folder(path, option)
    return path


def folder_target(path: Path, option: str = "--out", *, empty: bool = False) -> Path:
    """A folder to write into (created if missing): not a file; with ``empty``, a folder that
    exists must hold nothing, so that nobody's files are overwritten or mixed in."""
    path = path.expanduser()
    if path.exists() and not path.is_dir():
        raise InvalidInput(f"{option} {path} is a file; give a folder.", field=option)
    if empty and path.is_dir() and any(path.iterdir()):
        raise InvalidInput(f"{option} {path} is a folder that is not empty; give a new or "
                           "empty folder.", field=option)
    _parent_is_a_folder(path, option)
    return path


def _parent_is_a_folder(path: Path, option: str) -> None:
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise InvalidInput(f"{option} {path}: {parent} is a file, not a folder.",
                                   field=option)
            return


def write_private_folder(out: Path, files: dict[str, str], *,
                         executable: tuple[str, ...] = ()) -> None:
    """Write an export's files (name → text; a name may hold a subfolder) into a private
    temporary folder beside ``out``, then move it into place: a failure leaves no half-written
    export. Exports may hold personal data, so the folder is 0700 and each file 0600 (0700 for
    the ``executable`` ones, e.g. a checker). ``out`` was checked by ``folder_target(empty=True)``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}."))  # mode 0700
    try:
        for name, text in files.items():
            path = staging / name
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            path.chmod(0o700 if name in executable else 0o600)
        if out.exists():
            out.rmdir()  # checked empty before
        os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
