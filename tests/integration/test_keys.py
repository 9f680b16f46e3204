"""The master key and the data keys that seal personal data (infrastructure/keys.py), as an
operator meets them through the command line, on SQLite and PostgreSQL: the key file the embedded
database makes, the starts that are refused (and never with a key in the message), rotation
(finished or interrupted, on a key file or the environment variable), and what is on disk.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import stat
from pathlib import Path
from typing import Any

import pytest

import infrastructure.keys as keys_module
from application.ports import BrokenSeal
from infrastructure.database import is_postgres, sqlite_path
from infrastructure.keys import MasterKey, new_master_key, read_key_file
from infrastructure.settings import Settings
from interfaces.bootstrap import build
from tests.e2e.support import Cli, Run
from tests.integration.test_integrity import Raw


def open_case(cli: Cli, pseudonym: str, on: str = "2026-01-20") -> str:
    """A DARDR case whose notification carries ``pseudonym`` (personal data); its reference."""
    created = cli.json("dardr", "notify", "--partnership", "cumberland", "--on", on,
                       "--date-of-death", "2026-01-15", "--victim-pseudonym", pseudonym,
                       "--notified-by", "cumbria-police", "--relationship", "intimate-partner",
                       "--death-type", "homicide")
    reference: str = created["reference"]
    return reference


def pseudonym_of(cli: Cli, reference: str, env: dict[str, str] | None = None) -> Any:
    shown = json.loads(cli("case", "show", reference, "--json", env=env).out)
    return shown["personal"]["victim_pseudonym"]


def status(cli: Cli, env: dict[str, str] | None = None) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(cli("keys", "status", "--json", env=env).out)
    return result


def refused(run: Run, *secrets_never_shown: str) -> str:
    """The message of a start refused for its master key (exit 2), checked to quote no key."""
    message = run.error()["message"]
    assert run.error()["code"] == "master-key", run.err
    for secret in secrets_never_shown:
        assert secret not in run.err and secret not in run.out
    return message


def key_file_cli(database_url: str, tmp_path: Path) -> tuple[Cli, Path]:
    """The command line with its master key in a key file made by ``keys create`` (on SQLite too,
    instead of the default beside the database)."""
    key_file = tmp_path / "secrets" / "caseledger.key"
    cli = Cli(database_url, tmp_path, env={"CASELEDGER_MASTER_KEY": "",
                                           "CASELEDGER_MASTER_KEY_FILE": str(key_file)})
    made = cli.json("keys", "create", str(key_file))
    assert made["key_id"] == read_key_file(key_file).current.id
    cli.json("partnership", "import", "--example", "cumbria")
    return cli, key_file


# --------------------------------------------------------------------------- starting


def test_the_embedded_database_makes_its_key_file_once_and_a_missing_one_stops_it(tmp_path: Path):
    """Given a new SQLite database and no key configured,
    when the first command runs, then a key file is made beside the database (0600) and the
    person is told where; a second run reuses it quietly; and once the key file is gone the next
    start is refused (exit 2), saying what to restore, and makes no new key."""
    database = tmp_path / "caseledger.db"
    cli = Cli(f"sqlite:///{database}", tmp_path)
    first = cli("partnership", "import", "--example", "cumbria")
    key_file = database.with_suffix(".key")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert str(key_file) in first.err and "new master key" in first.err
    made = key_file.read_bytes()

    second = cli("dardr", "notify", "--partnership", "cumberland", "--on", "2026-01-20",
                 "--date-of-death", "2026-01-15", "--victim-pseudonym", "Iolanthe",
                 "--notified-by", "cumbria-police", "--relationship", "intimate-partner",
                 "--death-type", "homicide")
    assert key_file.read_bytes() == made and "new master key" not in second.err

    key_file.unlink()
    message = refused(cli("case", "show", "CUM-DARDR-2026-001", "--json", expect=2))
    assert str(key_file) in message and "missing" in message and "restore" in message
    assert not key_file.exists()


def test_a_malformed_key_is_refused_without_being_echoed(database_url: str, tmp_path: Path):
    """Given a key that is not base64, or base64 of the wrong length, when a command starts with
    it (variable or key file), then it is refused (exit 2) saying what a key is, never quoting it."""
    cli = Cli(database_url, tmp_path)
    short = base64.b64encode(b"sixteen byte key").decode()
    not_base64 = "not*a*key-" + secrets.token_hex(8)
    key_file = tmp_path / "bad.key"
    key_file.write_text(short + "\n")
    for env, expected in (({"CASELEDGER_MASTER_KEY": not_base64}, "not base64"),
                          ({"CASELEDGER_MASTER_KEY": short}, "16 bytes"),
                          ({"CASELEDGER_MASTER_KEY": "", "CASELEDGER_MASTER_KEY_FILE": str(key_file)},
                           "16 bytes")):
        message = refused(cli("keys", "status", "--json", env=env, expect=2), not_base64, short)
        assert expected in message and "32 random bytes in base64" in message


@pytest.mark.postgres
def test_postgresql_without_a_key_refuses_to_start(fresh_postgres_url: str, tmp_path: Path):
    """Given a PostgreSQL database and no master key configured, when a command starts, then it is
    refused (exit 2) saying how to configure one, and no key file appears anywhere."""
    cli = Cli(fresh_postgres_url, tmp_path, env={"CASELEDGER_MASTER_KEY": ""})
    message = refused(cli("partnership", "import", "--example", "cumbria", "--json", expect=2))
    assert "No master key is configured" in message and "CASELEDGER_MASTER_KEY_FILE" in message
    assert not list(tmp_path.rglob("*.key"))


def test_a_database_sealed_under_one_key_refuses_another(database_url: str, tmp_path: Path):
    """Given a database sealed under key A (SQLite: its key file; PostgreSQL: the test key),
    when a command starts with key B, then it is refused (exit 2) naming both keys' ids, never a
    key, and B wraps nothing."""
    cli = Cli(database_url, tmp_path)
    cli.json("partnership", "import", "--example", "cumbria")
    sealed_under = status(cli)["current"]
    other = new_master_key()
    run = cli("case", "list", "--json", env={"CASELEDGER_MASTER_KEY": other.text()}, expect=2)
    message = refused(run, other.text(), *(k.text() for k in held_keys(database_url, cli)))
    assert sealed_under in message and other.id in message
    assert set(status(cli)["data_keys"]) == {sealed_under}


def held_keys(database_url: str, cli: Cli) -> tuple[MasterKey, ...]:
    """The master keys the command line holds by default (to check none is ever printed)."""
    if is_postgres(database_url):
        return keys_module.parse_keys(cli.env["CASELEDGER_MASTER_KEY"], "test").keys
    return read_key_file(Path(sqlite_path(database_url)).with_suffix(".key")).keys


# --------------------------------------------------------------------------- rotation


def test_rotation_on_a_key_file_finished_or_interrupted(
        database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Given cases sealed under a key file's key K0,
    when ``keys rotate`` runs, then every data key is wrapped by a new key K1, the file holds only
    K1, every case still shows its personal data, and K0 alone is refused at start;
    given a rotation interrupted after some data keys were rewrapped (the file holding K2 and K1),
    when ``keys rotate`` runs again, then it finishes: one master key wraps every data key.
    ``keys create`` never overwrites a key file."""
    cli, key_file = key_file_cli(database_url, tmp_path)
    before = key_file.read_bytes()
    assert "never overwritten" in cli.fails(2, "keys", "create", str(key_file))["message"]
    assert key_file.read_bytes() == before
    names = {open_case(cli, name, on): name
             for name, on in (("Perdita", "2026-01-20"), ("Hermione", "2026-01-21"))}
    k0 = read_key_file(key_file).current

    rotated = cli.json("keys", "rotate")
    k1 = read_key_file(key_file)
    assert k1.ids == [rotated["current"]] and rotated["retired"] == [k0.id]
    assert rotated["rewrapped"] >= len(names)
    assert status(cli)["current"] == k1.current.id
    assert set(status(cli)["data_keys"]) == {k1.current.id}
    assert {ref: pseudonym_of(cli, ref) for ref in names} == names
    message = refused(cli("case", "list", "--json", expect=2,
                          env={"CASELEDGER_MASTER_KEY": k0.text()}), k0.text(), k1.current.text())
    assert k1.current.id in message and k0.id in message

    # A crash in the middle: the file already holds the new key and the old, one batch of data
    # keys is rewrapped, the next batch fails.
    k2 = new_master_key()
    keys_module.write_key_file(key_file, [k2, k1.current])
    interrupted = build(Settings.from_env({"CASELEDGER_MASTER_KEY_FILE": str(key_file),
                                           "CASELEDGER_MASTER_KEY": ""}, database_url=database_url))
    wraps = iter(range(1))
    real_wrap = keys_module._wrap

    def failing_after_one(master: MasterKey, owner: str, key: bytes) -> bytes:
        if next(wraps, None) is None:
            raise OSError("the machine went down")
        return real_wrap(master, owner, key)

    try:
        assert interrupted.keys is not None
        with monkeypatch.context() as patched, pytest.raises(OSError):
            patched.setattr(keys_module, "_wrap", failing_after_one)
            interrupted.keys.cipher.rewrap_all(batch=1)
    finally:
        interrupted.close()
    halfway = status(cli)["data_keys"]
    assert halfway[k2.id] == 1 and halfway[k1.current.id] >= 1

    finished = cli.json("keys", "rotate")
    assert sorted(finished["retired"]) == sorted([k2.id, k1.current.id])
    assert read_key_file(key_file).ids == [finished["current"]]
    assert set(status(cli)["data_keys"]) == {finished["current"]}
    assert {ref: pseudonym_of(cli, ref) for ref in names} == names


def test_rotation_through_the_environment_variable(database_url: str, tmp_path: Path):
    """Given cases sealed under OLD given in CASELEDGER_MASTER_KEY,
    when ``keys rotate`` runs with CASELEDGER_MASTER_KEY="NEW,OLD", then every data key is wrapped
    by NEW, and NEW alone opens every case."""
    old, new = new_master_key(), new_master_key()
    cli = Cli(database_url, tmp_path, env={"CASELEDGER_MASTER_KEY": old.text()})
    cli.json("partnership", "import", "--example", "cumbria")
    reference = open_case(cli, "Autolycus")
    both = {"CASELEDGER_MASTER_KEY": f"{new.text()},{old.text()}"}

    rotated = json.loads(cli("keys", "rotate", "--json", env=both).out)
    assert rotated["current"] == new.id and rotated["retired"] == [old.id]
    only_new = {"CASELEDGER_MASTER_KEY": new.text()}
    assert set(status(cli, env=only_new)["data_keys"]) == {new.id}
    assert pseudonym_of(cli, reference, env=only_new) == "Autolycus"
    assert not list(tmp_path.rglob("*.key"))  # a configured key: no key file is made


# --------------------------------------------------------------------------- at rest


def stored_bytes(database_url: str) -> bytes:
    """What an attacker with the database but not its key reads: on SQLite the database file and
    its write-ahead log, on PostgreSQL every stored event's state."""
    if is_postgres(database_url):
        return b"\n".join(bytes(row[0]) for row in Raw(database_url).run("SELECT state FROM {events}"))
    path = str(sqlite_path(database_url))
    return b"".join(Path(path + suffix).read_bytes() for suffix in ("", "-wal")
                    if os.path.exists(path + suffix))


def test_personal_data_is_sealed_at_rest_and_a_tampered_seal_is_refused(
        database_url: str, tmp_path: Path):
    """Given a case whose pseudonym and note were recorded through the command line,
    then neither is in the stored bytes while ``case show`` shows the pseudonym, and the facts
    that are not personal are there to read; when one byte of the notification's seal is altered,
    then loading the case refuses it (BrokenSeal) and the integrity chain reports that event."""
    cli = Cli(database_url, tmp_path)
    cli.json("partnership", "import", "--example", "cumbria")
    pseudonym, note = f"Mamillius-{secrets.token_hex(6)}", f"note-{secrets.token_hex(8)}"
    reference = open_case(cli, pseudonym)
    cli.json("case", "add-note", reference, "--text", note, "--on", "2026-01-21")
    assert pseudonym_of(cli, reference) == pseudonym

    at_rest = stored_bytes(database_url)
    assert pseudonym.encode() not in at_rest and note.encode() not in at_rest
    assert b"intimate-partner" in at_rest and b'"sealed"' in at_rest

    raw = Raw(database_url)
    nid, state = next((nid, json.loads(bytes(state))) for nid, state in raw.run(
        "SELECT {nid}, state FROM {events} WHERE topic LIKE ? ORDER BY {nid}", "%:DeathNotified"))
    sealed = bytearray(base64.b64decode(state["personal"]["data"]))
    sealed[-1] ^= 1
    state["personal"]["data"] = base64.b64encode(bytes(sealed)).decode()
    raw.run("UPDATE {events} SET state = ? WHERE {nid} = ?", json.dumps(state).encode(), nid)

    services = build(Settings.from_env(
        {k: v for k, v in cli.env.items() if k.startswith("CASELEDGER_MASTER")},
        database_url=database_url))
    try:
        with pytest.raises(BrokenSeal) as error:
            services.cases.case_as(reference)
        assert pseudonym not in str(error.value)
        broken = services.integrity.verify().to_dict()["first_broken"]
        assert broken is not None and broken["notification_id"] == nid
    finally:
        services.close()
