"""Where a command writes: checked before anything is written, so that a folder given where a
file is expected (or the other way round) is refused with a plain message (exit 2) instead of
failing half-way with an operating-system error.

- ``file_target(path)``: ``--out`` names a file (a report in HTML or JSON, a zip).
- ``folder_target(path)``: ``--out`` names a folder (CSV tables, an export, the demo).

Both return the path with ``~`` expanded.
"""

from __future__ import annotations

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
