"""``caseledger audit verify`` and ``audit anchor`` as an auditor runs them: an intact log exits 0;
after an event is altered directly in the database, verify names it and exits 1."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import psycopg

from infrastructure.database import is_postgres, sqlite_path
from tests.e2e.support import Cli, notify


def alter_event(database_url: str, nth: int) -> int:
    """Behind the application's back: change one stored event's bytes; its notification id."""
    if is_postgres(database_url):
        with psycopg.connect(database_url) as conn:
            row = conn.execute("SELECT notification_id FROM caseledger_events "
                               "ORDER BY notification_id OFFSET %s LIMIT 1", (nth,)).fetchone()
            assert row is not None
            conn.execute("UPDATE caseledger_events SET state = state || '\\x20'::bytea "
                         "WHERE notification_id = %s", (row[0],))
            return int(row[0])
    with closing(sqlite3.connect(sqlite_path(database_url))) as conn, conn:
        (nid,) = conn.execute("SELECT rowid FROM stored_events ORDER BY rowid LIMIT 1 OFFSET ?",
                              (nth,)).fetchone()
        conn.execute("UPDATE stored_events SET state = state || x'20' WHERE rowid = ?", (nid,))
        return int(nid)


def test_verify_passes_then_catches_an_altered_event(cli: Cli):
    notify(cli)
    intact = cli.json("audit", "verify")
    assert intact["ok"] is True and intact["first_broken"] is None
    assert intact["events"] == intact["links"] > 30
    human = cli("audit", "verify")
    assert "intact" in human.out and f"{intact['events']:,} events" in human.out

    anchor = cli.json("audit", "anchor")
    assert anchor["notification_id"] == intact["head"]["notification_id"]
    assert anchor["anchor"] == f"{anchor['notification_id']}:{anchor['hash']}"
    assert "outside the system" in cli("audit", "anchor").out
    assert cli.json("audit", "verify", "--anchor", anchor["anchor"])["ok"] is True

    target = alter_event(cli.database_url, 12)
    broken = cli("audit", "verify", "--json", expect=1).json()
    assert broken["ok"] is False
    assert broken["first_broken"]["notification_id"] == target
    assert broken["first_broken"]["reason"].startswith("hash mismatch")

    human = cli("audit", "verify", expect=1)
    assert "BROKEN" in human.out and f"notification id {target}" in human.out
    assert "Anna" not in human.out + human.err  # ids and reasons only, no personal data


def test_a_malformed_anchor_is_invalid_input(cli: Cli):
    error = cli.fails(2, "audit", "verify", "--anchor", "12:not-a-hash")
    assert "NOTIFICATION_ID:HASH" in error["message"]
