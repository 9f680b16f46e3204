"""The integrity chain over the event log (product.md capability 4): kept as events are recorded, on both backends,
and broken by any edit, deletion, insertion or reordering made directly in the database."""

from __future__ import annotations

import base64
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from eventsourcing.persistence import StoredEvent

from application.service import CaseLedgerApplication, Meta
from domain.setup import Agency
from infrastructure.database import event_store_env, is_postgres, sqlite_path
from infrastructure.integrity import (
    ANCHOR_MISMATCH,
    CHAIN_TABLE,
    GENESIS,
    HASH_MISMATCH,
    MISSING_EVENT,
    MISSING_LINK,
    ChainError,
    link_hash,
)
from tests.integration.support import notify, seed, services_for


@pytest.fixture
def services(database_url: str) -> Iterator[Any]:
    services = services_for(database_url)
    seed(services)
    for day in ("2026-01-05", "2026-01-06", "2026-01-07"):
        notify(services, on=day)
    yield services
    services.close()


class Raw:
    """The database behind the application's back: plain sqlite3 / psycopg, plain SQL."""

    def __init__(self, url: str) -> None:
        self.postgres = is_postgres(url)
        self.url = url
        self.events = "caseledger_events" if self.postgres else "stored_events"
        self.nid = "notification_id" if self.postgres else "rowid"

    @contextmanager
    def connect(self) -> Iterator[Any]:
        if self.postgres:
            with psycopg.connect(self.url) as conn:
                yield conn
        else:
            conn = sqlite3.connect(sqlite_path(self.url))
            try:
                with conn:
                    yield conn
            finally:
                conn.close()

    def run(self, statement: str, *params: Any) -> list[tuple[Any, ...]]:
        statement = statement.format(events=self.events, nid=self.nid, chain=CHAIN_TABLE)
        if self.postgres:
            statement = statement.replace("?", "%s")
        with self.connect() as conn:
            cursor = conn.execute(statement, params)
            return list(cursor.fetchall()) if cursor.description else []

    def ids(self, table: str) -> list[int]:
        column = self.nid if table == "{events}" else "notification_id"
        return [row[0] for row in self.run(f"SELECT {column} FROM {table} ORDER BY {column}")]

    def swap(self, a: int, b: int) -> None:
        """Swap the log positions of two events (their notification ids)."""
        with self.connect() as conn:
            for old, new in ((a, -1), (b, a), (-1, b)):
                sql = f"UPDATE {self.events} SET {self.nid} = ? WHERE {self.nid} = ?"
                conn.execute(sql.replace("?", "%s") if self.postgres else sql, (new, old))


def first_broken(services: Any) -> dict[str, Any] | None:
    report = services.integrity.verify().to_dict()
    assert report["ok"] is (report["first_broken"] is None)
    return report["first_broken"]


# --------------------------------------------------------------------------- untouched


def test_an_untouched_log_verifies_and_has_one_link_per_event(services, database_url):
    raw = Raw(database_url)
    report = services.integrity.verify().to_dict()
    events = raw.ids("{events}")
    assert report["ok"] is True and report["first_broken"] is None and report["broken"] == 0
    assert report["events"] == report["links"] == len(events) > 10
    assert raw.ids("{chain}") == events
    assert report["head"] == services.integrity.head()
    assert report["head"]["notification_id"] == events[-1]


def test_concurrent_writers_each_link_every_event_they_write(services, database_url):
    """Two writers (each its own connections, like two processes) saving at the same time."""
    writers = [services_for(database_url) for _ in range(2)]
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def write(writer: Any, name: str) -> None:
        try:
            start.wait()
            for i in range(15):
                ctx = writer.cases.context(Meta(actor=name, on="2026-01-10"))
                agencies = [Agency.register(ctx, f"{name}-{i}-{j}", "A", "other", ["cumberland"])
                            for j in range(3)]
                writer.app.save(*agencies)
                notify(writer, on="2026-01-10", actor=name)
        except BaseException as error:  # reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(w, f"writer{n}"))
               for n, w in enumerate(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for writer in writers:
        writer.close()
    assert errors == []
    raw = Raw(database_url)
    report = services.integrity.verify().to_dict()
    assert report["ok"] is True, report
    assert raw.ids("{chain}") == raw.ids("{events}")
    assert report["links"] > 2 * 15 * 4


# --------------------------------------------------------------------------- tampering


def test_altering_an_events_stored_bytes_is_caught_at_that_event(services, database_url):
    raw = Raw(database_url)
    target = raw.ids("{events}")[7]
    [(state,)] = raw.run("SELECT state FROM {events} WHERE {nid} = ?", target)
    altered = bytes(state).replace(b"admin", b"Admin") if b"admin" in bytes(state) \
        else bytes(state) + b" "
    assert altered != bytes(state)
    raw.run("UPDATE {events} SET state = ? WHERE {nid} = ?", altered, target)

    report = services.integrity.verify().to_dict()
    assert report["ok"] is False
    assert report["first_broken"] == {"notification_id": target, "reason": HASH_MISMATCH}
    assert report["broken"] == 1  # one edited event breaks one link: the damage is located


def test_altering_an_events_topic_or_version_is_caught(services, database_url):
    raw = Raw(database_url)
    first, second = raw.ids("{events}")[3:5]
    raw.run("UPDATE {events} SET topic = topic || 'X' WHERE {nid} = ?", first)
    raw.run("UPDATE {events} SET originator_version = originator_version + 1000 "
            "WHERE {nid} = ?", second)
    report = services.integrity.verify().to_dict()
    assert [p["notification_id"] for p in report["problems"]] == [first, second]
    assert report["first_broken"]["reason"] == HASH_MISMATCH


def test_deleting_an_event_is_caught(services, database_url):
    raw = Raw(database_url)
    target = raw.ids("{events}")[5]
    raw.run("DELETE FROM {events} WHERE {nid} = ?", target)
    assert first_broken(services) == {"notification_id": target, "reason": MISSING_EVENT}


def test_deleting_the_last_event_is_caught_and_the_next_write_cannot_hide_it(services,
                                                                             database_url):
    raw = Raw(database_url)
    last = raw.ids("{events}")[-1]
    raw.run("DELETE FROM {events} WHERE {nid} = ?", last)
    assert first_broken(services) == {"notification_id": last, "reason": MISSING_EVENT}

    ctx = services.cases.context(Meta(actor="admin", on="2026-02-01"))
    agency = Agency.register(ctx, "late-agency", "Late", "other", ["cumberland"])
    if raw.postgres:
        services.app.save(agency)  # a new notification id: the gap stays visible
    else:
        # SQLite would reuse the deleted rowid, whose link the chain still holds: refused.
        with pytest.raises(ChainError, match="altered behind the application's back"):
            services.app.save(agency)
    assert first_broken(services) == {"notification_id": last, "reason": MISSING_EVENT}


def test_a_forged_link_ahead_of_the_log_refuses_the_write_that_would_reach_it(services,
                                                                             database_url):
    raw = Raw(database_url)
    last = raw.ids("{events}")[-1]
    raw.run("INSERT INTO {chain} VALUES (?, ?)", last + 1, bytes(32))
    ctx = services.cases.context(Meta(actor="admin", on="2026-02-01"))
    with pytest.raises(ChainError, match="altered behind the application's back"):
        services.app.save(Agency.register(ctx, "late-agency", "Late", "other", ["cumberland"]))
    assert raw.ids("{events}")[-1] == last  # nothing was saved
    assert first_broken(services) == {"notification_id": last + 1, "reason": MISSING_EVENT}


def test_swapping_two_events_positions_is_caught_as_a_reordering(services, database_url):
    raw = Raw(database_url)
    ids = raw.ids("{events}")
    a, b = ids[4], ids[9]
    raw.swap(a, b)
    report = services.integrity.verify().to_dict()
    assert report["ok"] is False
    assert report["first_broken"] == {
        "notification_id": a,
        "reason": f"events out of order: the event now at notification id {a} was recorded at {b}",
    }
    assert [p["notification_id"] for p in report["problems"]] == [a, b]


def test_swapping_two_events_contents_is_caught(services, database_url):
    """The other way to reorder: keep the ids, exchange what the rows hold."""
    raw = Raw(database_url)
    ids = raw.ids("{events}")
    a, b = ids[2], ids[3]
    rows = {nid: raw.run("SELECT originator_id, originator_version, topic, state FROM {events} "
                         "WHERE {nid} = ?", nid)[0] for nid in (a, b)}
    with raw.connect() as conn:  # through a free key, because of the primary key
        sql = (f"UPDATE {raw.events} SET originator_id = ?, originator_version = ?, topic = ?, "
               f"state = ? WHERE {raw.nid} = ?")
        sql = sql.replace("?", "%s") if raw.postgres else sql
        oid_a, version_a, topic_a, state_a = rows[a]
        conn.execute(sql, (oid_a, -1, topic_a, state_a, a))
        conn.execute(sql, (*rows[a], b))
        conn.execute(sql, (*rows[b], a))
    report = services.integrity.verify().to_dict()
    assert report["first_broken"]["notification_id"] == a
    assert report["first_broken"]["reason"].startswith("events out of order")


def test_an_event_inserted_behind_the_applications_back_is_caught(services, database_url):
    raw = Raw(database_url)
    source = raw.ids("{events}")[2]
    raw.run("INSERT INTO {events} (originator_id, originator_version, topic, state) "
            "SELECT originator_id, originator_version + 500, topic, state FROM {events} "
            "WHERE {nid} = ?", source)
    forged = raw.ids("{events}")[-1]
    assert first_broken(services) == {"notification_id": forged, "reason": MISSING_LINK}


def test_deleting_a_chain_link_is_caught(services, database_url):
    raw = Raw(database_url)
    target = raw.ids("{chain}")[6]
    raw.run("DELETE FROM {chain} WHERE notification_id = ?", target)
    report = services.integrity.verify().to_dict()
    # The next link no longer follows its stored predecessor; the event itself has no link.
    assert report["first_broken"] == {"notification_id": target, "reason": MISSING_LINK}
    assert report["broken"] == 2


def test_verify_reports_ids_and_reasons_never_event_contents(services, database_url):
    raw = Raw(database_url)
    target = raw.ids("{events}")[-1]
    raw.run("UPDATE {events} SET state = ? WHERE {nid} = ?", b'{"victim_pseudonym": "Anna"}',
            target)
    report = services.integrity.verify().to_dict()
    assert report["ok"] is False
    assert "Anna" not in repr(report)


# --------------------------------------------------------------------------- anchors


def test_the_anchor_moves_with_each_event_and_an_earlier_anchor_stays_in_the_chain(services):
    earlier = services.integrity.head()
    notify(services, on="2026-02-02")
    later = services.integrity.head()
    assert later["notification_id"] > earlier["notification_id"]
    assert later["hash"] != earlier["hash"] and later["events"] > earlier["events"]
    anchors = [(earlier["notification_id"], earlier["hash"]),
               (later["notification_id"], later["hash"])]
    assert services.integrity.verify(anchors=anchors).ok


def test_a_rewritten_chain_verifies_on_its_own_but_not_against_an_anchor(services, database_url):
    """A tamperer who edits an event and recomputes every link after it: only the anchor kept
    outside the system tells."""
    raw = Raw(database_url)
    anchor = services.integrity.head()
    target = raw.ids("{events}")[4]
    raw.run("UPDATE {events} SET state = ? WHERE {nid} = ?", b"{}", target)
    rows = raw.run("SELECT {nid}, originator_id, originator_version, topic, state FROM {events} "
                   "ORDER BY {nid}")
    prev = GENESIS
    for nid, oid, version, topic, state in rows:
        prev = link_hash(prev, nid, oid if raw.postgres else str(uuid.UUID(oid)),
                         version, topic, bytes(state))
        raw.run("UPDATE {chain} SET hash = ? WHERE notification_id = ?", bytes.fromhex(prev), nid)

    assert services.integrity.verify().ok
    report = services.integrity.verify(
        anchors=[(anchor["notification_id"], anchor["hash"])]).to_dict()
    assert report["first_broken"] == {"notification_id": anchor["notification_id"],
                                      "reason": ANCHOR_MISMATCH}


# --------------------------------------------------------------------------- upgrading


def test_an_existing_database_without_a_chain_is_back_filled_once_and_verifies(database_url):
    services = services_for(database_url)
    seed(services)
    notify(services, on="2026-01-05")
    services.close()
    raw = Raw(database_url)
    raw.run("DROP TABLE {chain}")  # as the database was before the chain existed

    upgraded = services_for(database_url)
    try:
        report = upgraded.integrity.verify().to_dict()
        assert report["ok"] is True and report["links"] == len(raw.ids("{events}")) > 5
        notify(upgraded, on="2026-01-06")
        assert upgraded.integrity.verify().ok
        assert raw.ids("{chain}") == raw.ids("{events}")
    finally:
        upgraded.close()


def test_events_written_without_the_chain_recorder_are_reported_not_blessed(services,
                                                                              database_url):
    old = CaseLedgerApplication(env=event_store_env(database_url, integrity_chain=False))
    try:
        ctx = services.cases.context(Meta(actor="admin", on="2026-02-01"))
        old.save(Agency.register(ctx, "unlinked", "Unlinked", "other", ["cumberland"]))
    finally:
        old.close()
    unlinked = Raw(database_url).ids("{events}")[-1]
    reopened = services_for(database_url)  # creating the tables again must not back-fill it
    try:
        assert first_broken(reopened) == {"notification_id": unlinked, "reason": MISSING_LINK}
    finally:
        reopened.close()


# --------------------------------------------------------------------------- proofs


def test_a_cases_proof_checks_event_by_event_with_the_documented_formula(services, database_url):
    ref = notify(services, on="2026-02-03")
    case = services.cases.load_case(ref)
    proof = services.integrity.proof_for_case(case.id)
    assert [p["originator_version"] for p in proof] == list(range(1, case.version + 1))
    chain = dict(Raw(database_url).run("SELECT notification_id, hash FROM {chain}"))
    for item in proof:
        assert item["originator_id"] == str(case.id)
        assert link_hash(item["prev"], item["notification_id"], item["originator_id"],
                         item["originator_version"], item["topic"],
                         base64.b64decode(item["state"])) == item["hash"]
        assert bytes(chain[item["notification_id"]]).hex() == item["hash"]
        before = [nid for nid in chain if nid < item["notification_id"]]
        assert item["prev"] == (bytes(chain[max(before)]).hex() if before else GENESIS)


def test_links_follow_the_documented_formula_for_any_bytes_and_any_topic_text(services,
                                                                              database_url):
    # given events whose stored bytes take every value and whose topic is not ASCII (the links
    # are computed by PostgreSQL on that backend, by Python on SQLite: both must match the spec)
    originator = uuid.uuid4()
    events = [StoredEvent(originator_id=originator, originator_version=version,
                          topic=f"tests.café:Évènement{version}\u2028", state=state)
              for version, state in enumerate([bytes(range(256)), b"", b"\x00" * 3], start=1)]

    # when they are saved in one save
    ids = services.app.recorder.insert_events(events)

    # then each link is link_hash over the previous one, and the whole chain verifies
    proof = services.integrity.proof_for_case(originator)
    assert [p["notification_id"] for p in proof] == list(ids)
    for item, event in zip(proof, events, strict=True):
        assert base64.b64decode(item["state"]) == event.state and item["topic"] == event.topic
        assert link_hash(item["prev"], item["notification_id"], originator,
                         event.originator_version, event.topic, event.state) == item["hash"]
    assert services.integrity.verify().ok
