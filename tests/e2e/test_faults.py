"""Faults that say what happened: a busy database, one that cannot be written or reached, an
error inside the database, all in plain words with the contract's exit codes (5 busy, 6 cannot be
used, 1 unexpected), never a traceback, never SQL or its parameters; what people type never in an
error or a log line; stored text never reaching the terminal as raw control characters."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import unicodedata
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from application.commands import NotifyDeath
from application.service import Meta
from infrastructure.database import is_postgres, sqlite_path
from infrastructure.settings import Settings
from interfaces.bootstrap import build
from tests.e2e.inprocess import InProcessCli
from tests.e2e.support import REF, Run, notify

NOTE = "Chronology chased"


@pytest.fixture
def cli(database_url, tmp_path) -> InProcessCli:
    """The command line (in-process) on a fresh database with the Cumbria set-up imported."""
    cli = InProcessCli(database_url, tmp_path)
    cli.json("partnership", "import", "--example", "cumbria")
    return cli


def plain(run: Run) -> None:
    """No traceback, no SQL, no driver's wording on either stream."""
    for text in (run.out, run.err):
        for leak in ("Traceback", "[SQL", "[parameters", "sqlalche.me", "INSERT", "SELECT",
                     "DETAIL", "connection failed"):
            assert leak not in text, f"{leak!r} in {text!r}"


# --------------------------------------------------------------------------- busy


@contextmanager
def sqlite_write_lock(url: str) -> Iterator[None]:
    """Another connection holds the write lock, as a long-running command would."""
    with closing(sqlite3.connect(sqlite_path(url), isolation_level=None)) as conn:
        conn.execute("BEGIN IMMEDIATE")
        yield
        conn.execute("ROLLBACK")


def test_a_locked_database_waits_the_lock_timeout_then_exits_5_and_records_nothing(tmp_path):
    # given a case, and another connection holding the database's write lock
    cli = InProcessCli(f"sqlite:///{tmp_path}/caseledger.db", tmp_path)
    cli.json("partnership", "import", "--example", "cumbria")
    notify(cli)
    before = cli.show()["version"]

    # when a command waits for it one second
    with sqlite_write_lock(cli.database_url):
        busy = cli("case", "add-note", REF, "--text", NOTE, "--on", "2026-01-21",
                   env={"CASELEDGER_LOCK_TIMEOUT": "1"}, expect=5)
        as_json = cli("case", "list", "--json", env={"CASELEDGER_LOCK_TIMEOUT": "1"}, expect=5)

    # then it says so plainly, and nothing was recorded
    assert busy.err.strip() == (
        "error: The database is busy: another caseledger command held it for more than 1 second; "
        "nothing was recorded. Try again.")
    assert as_json.error()["code"] == "database-busy" and as_json.out == ""
    plain(busy)
    assert cli.show()["version"] == before


# --------------------------------------------------------------------------- cannot be written


@contextmanager
def read_only(*paths: Path) -> Iterator[None]:
    """Files and folders nobody may write, the superuser included (who ignores permissions, so
    the immutable attribute is used for it, as a read-only file system would behave)."""
    if os.geteuid() != 0:
        modes = {p: p.stat().st_mode for p in paths}
        for path in paths:
            path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            for path, mode in modes.items():
                path.chmod(mode)
        return
    made = subprocess.run(["chattr", "+i", *map(str, paths)], capture_output=True, check=False)
    if made.returncode != 0:
        pytest.skip(f"cannot make files immutable here: {made.stderr!r}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", *map(str, paths)], check=True)


@pytest.mark.postgres
def test_a_postgres_save_behind_a_held_lock_exits_5_after_the_lock_timeout(
        fresh_postgres_url: str, tmp_path: Path) -> None:
    # given a case on PostgreSQL, and another session holding the event store's table lock
    import psycopg

    cli = InProcessCli(fresh_postgres_url, tmp_path)
    cli.json("partnership", "import", "--example", "cumbria")
    notify(cli)
    before = cli.show()["version"]
    with psycopg.connect(fresh_postgres_url) as holder:
        # ROW SHARE: it blocks the recorder's EXCLUSIVE lock, not the start-up's DDL
        holder.execute("LOCK TABLE caseledger_events IN ROW SHARE MODE")

        # when a command waits for it one second
        busy = cli("case", "add-note", REF, "--text", NOTE, "--on", "2026-01-21",
                   env={"CASELEDGER_LOCK_TIMEOUT": "1"}, expect=5)
        holder.rollback()

    # then it gives up once (a lock wait is not retried), says so plainly and records nothing
    assert busy.err.strip() == (
        "error: The database is busy: another caseledger command held it for more than 1 second; "
        "nothing was recorded. Try again.")
    plain(busy)
    assert cli.show()["version"] == before


def test_a_read_only_database_or_folder_is_named_and_reads_say_they_write(tmp_path):
    # given a database with a case in it
    cli = InProcessCli(f"sqlite:///{tmp_path}/db/caseledger.db", tmp_path)
    cli.json("partnership", "import", "--example", "cumbria")
    notify(cli)
    database = sqlite_path(cli.database_url)

    # when the file is read-only: a command and a case's read are refused, saying why a read
    # writes (its access-log record); the list, which records nothing, still answers
    with read_only(database):
        write = cli("case", "add-note", REF, "--text", NOTE, "--on", "2026-01-21", expect=6)
        read = cli("case", "show", REF, expect=6)
        as_json = cli("case", "show", REF, "--json", expect=6)
        listed = cli("case", "list")
    assert REF in listed.out
    for run in (write, read):
        plain(run)
        assert str(database) in run.err and "read-only" in run.err
        assert "each read is recorded in the access log" in run.err
        assert "nothing was recorded" in run.err
    assert as_json.error()["code"] == "database-unavailable"

    # and a new database in a folder nobody may write names the folder it could not create
    with read_only(tmp_path / "db"):
        new = InProcessCli(f"sqlite:///{tmp_path}/db/new/caseledger.db", tmp_path)
        refused = new("case", "list", expect=6)
    plain(refused)
    assert f"Cannot create {tmp_path}/db/new for the database" in refused.err

    # and once writable again, nothing had been recorded
    assert [e["event"] for e in cli.json("case", "history", REF)][-1] != "NoteAdded"


# --------------------------------------------------------------------------- PostgreSQL


def _closed_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.postgres
def test_an_unusable_postgres_database_names_host_and_port_never_credentials(
        postgres_admin_url, tmp_path):
    server = urlsplit(postgres_admin_url)
    secret = "pw-Zq81secret"
    port = _closed_port()
    cases = {
        # nothing listening on the port
        f"postgresql://someone:{secret}@127.0.0.1:{port}/ledger":
            (f"127.0.0.1:{port}", "nothing accepted the connection"),
        # the right server, the wrong password
        urlunsplit(server._replace(netloc=f"{server.username}:{secret}@{server.hostname}:{server.port}")):
            (f"{server.hostname}:{server.port}", "the server refused the user name or password"),
        # the right server and login, a database that does not exist
        urlunsplit(server._replace(path="/no_such_ledger_db")):
            (f"{server.hostname}:{server.port}", "the database named in the URL does not exist"),
    }
    for url, (where, why) in cases.items():
        run = InProcessCli(url, tmp_path)("case", "list", expect=6)
        plain(run)
        assert f"Cannot use the PostgreSQL database at {where}: {why}" in run.err, run.err
        for private in (secret, "someone", "no_such_ledger_db", "ledger"):
            assert private not in run.err


# --------------------------------------------------------------------------- database errors


def refuse_history_rows(url: str) -> None:
    """A fault inside the database: the history view refuses every new row."""
    if is_postgres(url):
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
                         "$$ BEGIN RAISE EXCEPTION 'refused by test'; END $$")
            conn.execute("CREATE TRIGGER refuse BEFORE INSERT ON history "
                         "FOR EACH ROW EXECUTE FUNCTION refuse()")
        return
    with closing(sqlite3.connect(sqlite_path(url))) as conn:
        conn.execute("CREATE TRIGGER refuse BEFORE INSERT ON history "
                     "BEGIN SELECT RAISE(ABORT, 'refused by test'); END")
        conn.commit()


def test_a_database_error_never_shows_sql_or_the_values_it_carried(cli: InProcessCli):
    # given a case, and a database that refuses rows of one view
    notify(cli)
    refuse_history_rows(cli.database_url)
    marker = "Zq7-personal-reason"
    logs = {"CASELEDGER_LOG_LEVEL": "DEBUG", "CASELEDGER_LOG_FORMAT": "json"}

    # when a fact carrying a reason is recorded (the views cannot take it) and then read
    recorded = cli("case", "add-note", REF, "--text", NOTE, "--reason", marker, "--on", "2026-01-21",
                   env=logs)
    failed = cli("case", "list", env=logs, expect=1)
    as_json = cli("case", "list", "--json", env=logs, expect=1)

    # then the fact was recorded and the views say they will catch up, and the read fails in
    # plain words, with no SQL and none of its parameters
    assert "the command was recorded but the views could not be updated now" in recorded.err
    for run in (recorded, failed, as_json):
        plain(run)
        assert marker not in run.err and marker not in run.out
    assert failed.err.startswith("error: The database reported an error (")
    assert as_json.error()["code"] == "database-error"


# --------------------------------------------------------------------------- free text


MARK = "Zq9"  # + a number: each free-text value is unique and easy to find


def test_free_text_never_appears_in_errors_or_logs(cli: InProcessCli):
    """Every free-text or personal flag of commands that succeed and fail carries a marker; the
    log (JSON, DEBUG) and every error shown must not."""
    logs = {"CASELEDGER_LOG_LEVEL": "DEBUG", "CASELEDGER_LOG_FORMAT": "json"}
    values = iter(f"{MARK}-{n:03d}" for n in range(1000))
    dardr = ["dardr", "notify", "--partnership", "cumberland", "--notified-by", "cumbria-police",
             "--relationship", "family", "--death-type", "homicide", "--on", "2026-01-20"]
    asb = ["asb", "receive", "--partnership", "cumberland", "--hub", "allerdale",
           "--channel", "email", "--applicant-type", "individual", "--on", "2026-01-20",
           "--complaint", "behaviour=2026-01-02,reported=2026-01-03,agency=cumbria-police"]
    camp = ["encampment", "report", "--partnership", "cumberland", "--hub", "allerdale",
            "--on", "2026-01-20T10:00", "--caravans", "2"]
    runs: list[tuple[Run, bool]] = []

    def run(expect: int, *args: str) -> None:
        for as_json in ((), ("--json",)):
            runs.append((cli(*args, *as_json, env=logs, expect=expect), expect != 0))

    # opening cases (each once, recorded), then the same with a fault of each kind
    run(0, *dardr, "--date-of-death", "2026-01-15", "--victim-pseudonym", next(values),
        "--reason", next(values))
    for fault, code in ((["--date-of-death", "not a date"], 2),
                        (["--date-of-death", "2027-01-01"], 3),
                        (["--date-of-death", "2026-01-15", "--partnership", "nowhere"], 4)):
        run(code, *dardr, *fault, "--victim-pseudonym", next(values), "--reason", next(values))
    run(0, *asb, "--applicant-name", next(values), "--applicant-contact", next(values))
    run(2, *asb, "--applicant-name", next(values), "--applicant-contact", next(values),
        "--channel", "pigeon")
    run(4, *asb, "--applicant-name", next(values), "--applicant-contact", next(values),
        "--hub", "atlantis")
    run(0, *camp, "--location", next(values), "--reporter", next(values))
    run(2, *camp, "--location", next(values), "--reporter", next(values), "--caravans", "-3")
    # notes, reasons and rationales on an existing case, refused, not found and accepted
    run(3, "dardr", "decide", REF, "--outcome", "no-review", "--rationale", next(values),
        "--on", "2026-01-19")
    run(4, "case", "add-note", "CUM-DARDR-2026-999", "--text", next(values))
    run(2, "case", "pause", REF, "--clocks", "nothing-such", "--reason", next(values))
    run(0, "case", "add-note", REF, "--text", next(values), "--reason", next(values),
        "--on", "2026-01-21")

    # then no marker in any log line, nor in any error
    for done, failed in runs:
        assert MARK not in done.err, (done.args, done.err)
        if failed:
            assert MARK not in done.out, (done.args, done.out)
        for line in done.err.splitlines():
            if line.startswith('{"event"') or '"event":' in line:
                json.loads(line)  # one JSON object a line
    assert sum(failed for _, failed in runs) >= 14
    assert any('"command"' in r.err for r, _ in runs)  # the log was on and was searched


# --------------------------------------------------------------------------- terminal safety

# Each can rewrite a terminal or reverse the reading order; a line break is shown escaped in a
# table cell and kept where multi-line text is shown.
HOSTILE = "Ends\x1b[2J\x1b]0;owned\x07 \x9b31m \u202egnp.exe \u2066x\u2069 \u2028 \x85 \x00 \r \x7f"


def plant(url: str, text: str) -> str:
    """A case whose victim pseudonym carries control characters, as an older release stored them
    (today's commands refuse them at input): a valid command is copied with the pseudonym
    replaced, which pydantic's ``model_copy`` does without validating, and recorded through the
    service. Returns the case's reference."""
    command = NotifyDeath(partnership="cumberland", date_of_death="2026-01-15",
                          victim_pseudonym="Anna", notified_by="cumbria-police",
                          relationship="family", death_type="homicide")
    services = build(Settings.from_env(database_url=url))
    try:
        opened = services.cases.open(command.model_copy(update={"victim_pseudonym": text}),
                                     Meta(actor="coordinator", on="2026-01-20"))
        services.catch_up()
    finally:
        services.close()
    return opened.reference


def raw_controls(text: str) -> set[str]:
    """Characters a terminal acts on, other than the line breaks of the layout."""
    return {c for c in text if c not in "\n" and (
        unicodedata.category(c) in ("Cc", "Zl", "Zp") or c in "\u061c\u200e\u200f"
        or "\u202a" <= c <= "\u202e" or "\u2066" <= c <= "\u2069")}


def test_stored_control_characters_reach_the_terminal_escaped(cli: InProcessCli):
    # given a case whose pseudonym carries terminal controls
    ref = plant(cli.database_url, HOSTILE)

    # when people read it, as a record and as JSON
    for args in (("case", "show", ref), ("case", "show", ref, "--json")):
        out = cli(*args).out
        # then no raw control reaches the terminal, and each is shown as its escape
        assert raw_controls(out) == set(), (args, raw_controls(out))
        assert "\\x1b[2J" in out or "\\u001b[2J" in out, (args, out)
        assert "\\u202egnp.exe" in out, (args, out)
        assert "\\u2028" in out and ("\\x85" in out or "\\u0085" in out), (args, out)

    # and JSON still decodes to exactly the stored text
    assert cli.show(ref)["personal"]["victim_pseudonym"] == HOSTILE
