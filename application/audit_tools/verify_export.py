#!/usr/bin/env python3
"""Check a caseledger case export (see README.txt): python3 verify_export.py [EXPORT_DIR]

Standard library only. Prints OK, or the first problem found; exit status 0 or 1.
"""

from __future__ import annotations

import base64
import binascii
import csv
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

GENESIS = "0" * 64
COMPARED = ("actor", "effective", "reason", "basis")


class Problem(Exception):
    pass


def link_hash(prev: str, notification_id: object, originator_id: object, originator_version: object, topic: str,
              state: bytes) -> str:
    header = f"{notification_id}\n{originator_id}\n{originator_version}\n{topic}\n".encode()
    return hashlib.sha256(bytes.fromhex(prev) + header + state).hexdigest()


def event_name(topic: str) -> str:
    """caseledger.domain.dardr:DeathNotified -> DeathNotified"""
    return topic.rsplit(":", 1)[-1].rsplit(".", 1)[-1]


def load_json(folder: Path, name: str) -> Any:
    try:
        return json.loads((folder / name).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise Problem(f"{name} is missing") from None
    except (UnicodeDecodeError, ValueError) as error:
        raise Problem(f"{name} is not valid JSON: {error}") from None


def readable_state(state: bytes) -> dict[str, Any] | None:
    """The stored event's fields when the bytes are plain JSON (not compressed or encrypted)."""
    try:
        decoded = json.loads(state.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return decoded if isinstance(decoded, dict) else None


def recorded_of(fields: dict[str, Any]) -> str | None:
    stamp = fields.get("timestamp")
    if isinstance(stamp, dict) and isinstance(stamp.get("_data_"), str):
        return str(stamp["_data_"])
    return stamp if isinstance(stamp, str) else None


def check_links(proof: Any) -> tuple[list[Any], list[bytes]]:
    case_id = proof["case"]["id"]
    events = proof["events"]
    if not events:
        raise Problem("proof.json lists no events")
    previous = 0
    states: list[bytes] = []
    for number, link in enumerate(events, 1):
        where = (f"proof event {number} (notification {link.get('notification_id')}, "
                 f"version {link.get('originator_version')})")
        if str(link["originator_id"]) != case_id:
            raise Problem(f"{where} belongs to {link['originator_id']}, not to case {case_id}")
        if int(link["notification_id"]) <= previous:
            raise Problem(f"{where} is out of log order")
        previous = int(link["notification_id"])
        if link.get("prev") is None or link.get("hash") is None:
            raise Problem(f"{where} has no link in the integrity chain (it was inserted behind "
                          "the application's back, or by a process without the chain)")
        try:
            state = base64.b64decode(link["state"], validate=True)
            expected = link_hash(link["prev"], link["notification_id"], link["originator_id"],
                                 link["originator_version"], link["topic"], state)
        except (binascii.Error, ValueError, TypeError) as error:
            raise Problem(f"{where} is malformed: {error}") from None
        if expected != link["hash"]:
            raise Problem(f"{where}: its hash does not match its prev and its stored bytes "
                          f"(recomputed {expected}, proof says {link['hash']})")
        states.append(state)
    head = proof["head"]
    if int(head["notification_id"]) < previous:
        raise Problem(f"the head (notification {head['notification_id']}) is before the case's "
                      f"last event (notification {previous})")
    for link in events:
        if int(link["notification_id"]) == int(head["notification_id"]) and link["hash"] != head["hash"]:
            raise Problem("the head's hash is not the hash of the event it names")
    return events, states


def check_history(folder: Path, events: list[Any], states: list[bytes]) -> int:
    history = load_json(folder, "history.json")
    if not isinstance(history, list):
        raise Problem("history.json is not a list of rows")
    if len(history) != len(events):
        raise Problem(f"history.json has {len(history)} rows; the proof has {len(events)} events")
    for row, link, state in zip(history, events, states):  # noqa: B905 - lengths checked; runs on Python < 3.10
        where = f"history.json row for version {row.get('version')}"
        if row.get("version") != link["originator_version"]:
            raise Problem(f"{where}: the proof's event at this place is version "
                          f"{link['originator_version']}")
        if row.get("event") != event_name(link["topic"]):
            raise Problem(f"{where}: event {row.get('event')!r}, but the stored event is "
                          f"{event_name(link['topic'])!r}")
        fields = readable_state(state)
        if fields is None:
            continue
        for name in COMPARED:
            if name in fields and fields[name] != row.get(name):
                raise Problem(f"{where}: {name} {row.get(name)!r}, but the stored event says "
                              f"{fields[name]!r}")
        recorded = recorded_of(fields)
        if recorded is not None and recorded != row.get("recorded"):
            raise Problem(f"{where}: recorded {row.get('recorded')!r}, but the stored event says "
                          f"{recorded!r}")
    try:
        with (folder / "history.csv").open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except FileNotFoundError:
        raise Problem("history.csv is missing") from None
    listed = [(r.get("version"), r.get("event")) for r in rows]
    expected = [(str(r["version"]), r["event"]) for r in history]
    if listed != expected:
        raise Problem("history.csv does not list the same events as history.json")
    return len(history)


def verify(folder: Path) -> str:
    proof = load_json(folder, "proof.json")
    try:
        events, states = check_links(proof)
    except (KeyError, TypeError) as error:
        raise Problem(f"proof.json is malformed (missing {error})") from None
    try:
        check_history(folder, events, states)
    except (KeyError, TypeError, AttributeError) as error:
        raise Problem(f"history.json is malformed ({error})") from None
    head = proof["head"]
    return (f"OK: {len(events)} events of {proof['case']['reference']} verified against their "
            f"hashes; history.json and history.csv match them; chain head: notification "
            f"{head['notification_id']}, hash {head['hash']}")


def main(argv: list[str]) -> int:
    folder = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent
    try:
        print(verify(folder))
    except Problem as problem:
        print(f"PROBLEM: {problem}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
