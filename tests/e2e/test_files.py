"""Files: nothing a person types costs them a file, the database is private to its owner, and its
default place does not depend on the folder a command is run from."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from application.service import Meta
from application.setup_import import example_path, import_setup, load_setup
from infrastructure.settings import Settings
from interfaces.bootstrap import build
from interfaces.cli.main import main
from tests.e2e.support import Cli


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@contextmanager
def _umask(mask: int) -> Iterator[None]:
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)


# --------------------------------------------------------------------------- demo --out


def test_the_demo_refuses_a_folder_that_is_not_its_own_and_deletes_nothing(tmp_path: Path) -> None:
    # given a folder holding someone's work, and a file
    cli = Cli(f"sqlite:///{tmp_path}/unused.db", tmp_path)
    work = tmp_path / "work"
    (work / "data").mkdir(parents=True)
    (work / "data" / "minutes.docx").write_bytes(b"board minutes")
    (work / "notes.txt").write_text("mine")
    (tmp_path / "plain.txt").write_text("a file")
    before = _tree(work)

    # when the demo is pointed at them
    folder = cli.fails(2, "demo", "--out", "work")
    file = cli.fails(2, "demo", "--out", "plain.txt")
    inside_file = cli.fails(2, "demo", "--out", "plain.txt/out")

    # then each is refused with a plain message, and nothing is deleted or added
    assert "not empty and not the output of an earlier demo" in folder["message"]
    assert "nothing was deleted" in folder["message"]
    assert file["message"] == "--out plain.txt is a file; give a folder."
    assert inside_file["message"] == "--out plain.txt/out: plain.txt is a file, not a folder."
    assert _tree(work) == before
    assert (tmp_path / "plain.txt").read_text() == "a file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plain.txt", "work"]


def test_a_marker_that_the_demo_did_not_write_is_refused(tmp_path: Path) -> None:
    # given a folder with a file of the marker's name that is not the demo's
    cli = Cli(f"sqlite:///{tmp_path}/unused.db", tmp_path)
    (tmp_path / "out" / "mail").mkdir(parents=True)
    (tmp_path / "out" / "mail" / "letter.eml").write_text("kept")
    (tmp_path / "out" / ".caseledger-demo").write_text("not json")

    # when the demo is pointed at it, then it is refused and the letter kept
    error = cli.fails(2, "demo", "--out", "out")
    assert "is not one the demo wrote" in error["message"]
    assert (tmp_path / "out" / "mail" / "letter.eml").read_text() == "kept"


# --------------------------------------------------------------------------- the database file


def test_the_embedded_database_and_its_folder_are_private_to_their_owner(tmp_path: Path) -> None:
    # given a data folder that does not exist yet, and a umask that would let anyone read
    data = tmp_path / "new" / "caseledger"
    with _umask(0):
        # when the first command creates the database and writes to it
        services = build(Settings.from_env(env={"CASELEDGER_DATA_DIR": str(data)}))
        try:
            import_setup(services.cases, load_setup(example_path("cumbria")), Meta(actor="t"))
            open_files = {p.name: _mode(p) for p in data.iterdir()}
        finally:
            services.close()

    # then the folder, the database and its write-ahead log and shared memory are the owner's only
    assert _mode(data) == 0o700
    assert open_files == {"caseledger.db": 0o600, "caseledger.db-wal": 0o600,
                          "caseledger.db-shm": 0o600, "caseledger.key": 0o600}
    assert _mode(data / "caseledger.db") == 0o600


def test_an_existing_folder_is_left_as_its_owner_set_it(tmp_path: Path) -> None:
    # given a shared folder the user chose for the database
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)

    # when the database is created in it
    services = build(Settings.from_env(env={}, database_url=f"sqlite:///{shared}/ledger.db"))
    services.close()

    # then the folder keeps its permissions, and the new database is private
    assert _mode(shared) == 0o755
    assert _mode(shared / "ledger.db") == 0o600


# --------------------------------------------------------------------------- where


def _where(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], cwd: Path,
           *args: str, **env: str) -> tuple[int, str, str]:
    for name in [n for n in os.environ if n.startswith("CASELEDGER_") or n == "XDG_DATA_HOME"]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(cwd)
    code = main([*args, "where", "--json"])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_default_database_is_in_the_users_data_folder_wherever_a_command_runs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # given a home folder, and two different working folders
    home, first, second = tmp_path / "home", tmp_path / "a", tmp_path / "b" / "c"
    for folder in (home, first, second):
        folder.mkdir(parents=True)

    # when `where` is asked from each
    answers = [_where(monkeypatch, capsys, cwd, HOME=str(home)) for cwd in (first, second)]

    # then both name the same file in ~/.local/share/caseledger, and nothing is created
    assert [code for code, _, _ in answers] == [0, 0]
    places = [json.loads(out) for _, out, _ in answers]
    assert places[0] == places[1]
    expected = home / ".local" / "share" / "caseledger"
    assert places[0]["data_dir"] == str(expected)
    assert places[0]["database_file"] == str(expected / "caseledger.db")
    assert places[0]["database_url"] == f"sqlite:///{expected / 'caseledger.db'}"
    assert places[0]["lock_timeout_seconds"] == 5
    assert not (home / ".local").exists()

    # and XDG_DATA_HOME, then CASELEDGER_DATA_DIR (relative to where it is set), take precedence
    xdg = json.loads(_where(monkeypatch, capsys, first, HOME=str(home),
                            XDG_DATA_HOME=str(tmp_path / "xdg"))[1])
    assert xdg["data_dir"] == str(tmp_path / "xdg" / "caseledger")
    chosen = json.loads(_where(monkeypatch, capsys, first, HOME=str(home),
                               XDG_DATA_HOME=str(tmp_path / "xdg"), CASELEDGER_DATA_DIR="mine")[1])
    assert chosen["database_file"] == str(first / "mine" / "caseledger.db")


def test_where_hides_the_database_password_and_names_the_mail_drop(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # given a PostgreSQL URL with a password, and a mail drop
    url = "postgresql://ledger:s3cret%21@db.example.org:5433/caseledger"
    code, out, err = _where(monkeypatch, capsys, tmp_path, "--database", url,
                            CASELEDGER_MAIL_DROP="mail", CASELEDGER_LOCK_TIMEOUT="20")

    # then the password is nowhere in the answer
    assert code == 0, err
    places = json.loads(out)
    assert places["database_url"] == "postgresql://ledger:***@db.example.org:5433/caseledger"
    assert "s3cret" not in out + err
    assert places["database_file"] is None
    assert places["mail_drop"] == str(tmp_path / "mail")
    assert places["lock_timeout_seconds"] == 20


@pytest.mark.parametrize("value", ["0", "601", "five", "1.5"])
def test_a_lock_timeout_out_of_range_is_refused(
        value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _where(monkeypatch, capsys, tmp_path, CASELEDGER_LOCK_TIMEOUT=value)
    assert (code, out) == (2, "")
    assert f"CASELEDGER_LOCK_TIMEOUT={value}" in err.replace("'", "")


# --------------------------------------------------------------------------- other --out options

# The checks live in interfaces/cli/outputs.py (file_target, folder_target); the report and audit
# commands call them before writing.


def _in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                capsys: pytest.CaptureFixture[str]) -> Any:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path}/caseledger.db"

    def run(*args: str) -> tuple[int, str]:
        code = main(["--database", url, *args, "--json"])
        out, err = capsys.readouterr()
        errors = [json.loads(line)["error"]["message"] for line in err.splitlines()
                  if line.startswith('{"error"')]
        return code, (errors[-1] if code and errors else out)

    assert run("partnership", "import", "--example", "cumbria")[0] == 0
    return run


BOARD = ("report", "board", "--county", "cumbria", "--from", "2026-07-01", "--to", "2026-09-30")


def test_a_report_to_a_folder_where_a_file_is_expected_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    run = _in_process(tmp_path, monkeypatch, capsys)
    (tmp_path / "q3").mkdir()
    (tmp_path / "taken").write_text("someone's")

    assert run(*BOARD, "--out", "q3") == (2, "--out q3 is a folder; give a file name "
                                             "(e.g. q3/report.html).")
    assert run(*BOARD, "--format", "json", "--out", "taken/q3.json")[0] == 2
    assert run(*BOARD, "--format", "csv", "--out", "taken")[0] == 2
    assert list((tmp_path / "q3").iterdir()) == []
    assert (tmp_path / "taken").read_text() == "someone's"


def test_an_export_to_a_file_where_a_folder_is_expected_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    run = _in_process(tmp_path, monkeypatch, capsys)
    code, _ = run("dardr", "notify", "--partnership", "cumberland", "--on", "2026-01-31",
                  "--date-of-death", "2026-01-24", "--victim-pseudonym", "Anna",
                  "--notified-by", "cumbria-police", "--relationship", "intimate-partner",
                  "--death-type", "homicide")
    assert code == 0
    (tmp_path / "taken").write_text("someone's")
    export = ("audit", "export", "CUM-DARDR-2026-001", "--purpose", "test")

    assert run(*export, "--out", "taken") == (2, "--out taken is a file; give a folder.")
    assert run(*export, "--out", "taken/export")[0] == 2
    assert (tmp_path / "taken").read_text() == "someone's"
