#!/usr/bin/env python3
"""Check a caseledger case export (see README.txt): python3 verify_export.py [EXPORT_DIR]

Every file an auditor reads is checked against the proof (the case's stored events, each with
its link in the integrity chain):

- proof.json: each event's hash recomputed from its prev and its stored bytes; the events are
  this case's, versions 1 to N in log order, none beyond the chain head.
- history.json and history.csv: every row and every field (version, event, effective and
  recorded times, actor, reason, basis and all of the event's non-personal data) derived again
  from the stored bytes and compared exactly, types included (1 is not 1.0, nor true).
- states/: replayed from the stored events by caseledger itself (the case as it stood after each
  stage change) and compared field by field. The domain rules that make a state are caseledger's
  own, so this one check needs caseledger installed; the others need only Python 3.

Each data file says whether it holds personal data (JSON: the top-level keys
"contains_personal_data" and "personal_data"; history.csv: a first line starting with "#"); the
checker requires that statement and leaves it out of the comparison. The personal fields in the
proof are sealed (encrypted) bytes: the hashes cover them as stored, so no key is needed here.
personal.json, present only when personal data was asked for, is not checked (it is decrypted
with the live system's keys and is not in the proof).

Prints OK, or the first problem naming the file, the event and the field; exit status 0 (all
checked), 1 (a problem) or 2 (states/ could not be checked here: no caseledger to replay them).
"""

from __future__ import annotations

import base64
import binascii
import csv
import hashlib
import json
import sys
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

GENESIS = "0" * 64
HISTORY_COLUMNS = ("version", "event", "effective", "recorded", "actor", "reason", "basis", "data")
# The stored fields that are not the event's data: identity, times, who and why, personal data.
META_FIELDS = {"originator_id", "originator_version", "timestamp", "originator_topic",
               "effective", "actor", "reason", "basis", "personal"}
# The stored form of typed values ({"_type_": name, "_data_": text}) → their text in the history.
TYPED_TEXT = {
    "datetime_iso": lambda data: str(datetime.fromisoformat(data)),
    "uuid_hex": lambda data: str(UUID(data)),
    "decimal_str": lambda data: str(Decimal(data)),
}
SHOWN = 60  # characters of a value quoted in a problem
# The top-level keys by which each JSON file of an export says whether it holds personal data.
MARKERS = ("contains_personal_data", "personal_data")


class Problem(Exception):
    pass


class Incomplete(Exception):
    """Everything that could be checked here is sound, but not everything could be checked."""


def link_hash(prev: str, notification_id: object, originator_id: object, originator_version: object, topic: str,
              state: bytes) -> str:
    header = f"{notification_id}\n{originator_id}\n{originator_version}\n{topic}\n".encode()
    return hashlib.sha256(bytes.fromhex(prev) + header + state).hexdigest()


def event_name(topic: str) -> str:
    """caseledger.domain.dardr:DeathNotified -> DeathNotified"""
    return topic.rsplit(":", 1)[-1].rsplit(".", 1)[-1]


def shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= SHOWN else text[:SHOWN - 1] + "…"


def load_json(folder: Path, name: str) -> Any:
    try:
        return json.loads((folder / name).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise Problem(f"{name} is missing") from None
    except (UnicodeDecodeError, ValueError) as error:
        raise Problem(f"{name} is not valid JSON: {error}") from None


def unmarked(name: str, data: Any) -> dict[str, Any]:
    """A JSON file's object without its personal-data statement, which it must have."""
    if not isinstance(data, dict):
        raise Problem(f"{name} is not a JSON object")
    missing = [key for key in MARKERS if key not in data]
    if missing:
        raise Problem(f"{name} does not say whether it contains personal data (no "
                      f"{', '.join(repr(k) for k in missing)})")
    if not isinstance(data[MARKERS[0]], bool):
        raise Problem(f"{name}'s {MARKERS[0]!r} is not true or false")
    return {k: v for k, v in data.items() if k not in MARKERS}


# --------------------------------------------------------------------------- the proof


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
        if link["originator_version"] != number:
            raise Problem(f"{where}: the case's events must be versions 1 to {len(events)} in "
                          "order (one is missing, added or moved)")
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


# --------------------------------------------------------------------------- the history


def stored_fields(link: Any, state: bytes) -> dict[str, Any]:
    """The stored event's fields (the bytes are the transcoder's JSON)."""
    version = link["originator_version"]
    try:
        fields = json.loads(state.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise Problem(f"the stored event of version {version} is not readable JSON (compressed "
                      "or encrypted?), so the history cannot be checked against it") from None
    if not isinstance(fields, dict):
        raise Problem(f"the stored event of version {version} is not a JSON object")
    if "class_version" in fields:
        raise Problem(f"the stored event of version {version} has an older shape (class_version "
                      f"{fields['class_version']}) that caseledger upcasts; this checker cannot "
                      "derive its history row")
    return fields


def plain(value: Any) -> Any:
    """A stored value as the history shows it: typed values as their text."""
    if isinstance(value, dict):
        if set(value) == {"_type_", "_data_"}:
            convert = TYPED_TEXT.get(value["_type_"])
            if convert is None:
                raise Problem(f"a stored value of type {value['_type_']!r} has no known text form")
            return convert(value["_data_"])
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def history_row(link: Any, state: bytes) -> dict[str, Any]:
    """The history row of one stored event, as ``caseledger case history`` shows it."""
    fields = stored_fields(link, state)
    stamp = fields.get("timestamp")
    return {
        "version": link["originator_version"],
        "event": event_name(link["topic"]),
        "effective": fields.get("effective"),
        "recorded": (datetime.fromisoformat(stamp["_data_"]).isoformat()
                     if isinstance(stamp, dict) else stamp),
        "actor": fields.get("actor"),
        "reason": fields.get("reason"),
        "basis": fields.get("basis"),
        "data": {k: plain(v) for k, v in fields.items() if k not in META_FIELDS},
    }


def difference(got: Any, want: Any, path: str) -> tuple[str, str] | None:
    """The first place where ``got`` is not exactly ``want`` (types included): (path, what)."""
    if type(got) is not type(want):
        return path, f"the file says {shown(got)}, the stored event says {shown(want)}"
    if isinstance(want, dict):
        for key in want:
            if key not in got:
                return f"{path}.{key}", f"missing (the stored event says {shown(want[key])})"
            found = difference(got[key], want[key], f"{path}.{key}")
            if found:
                return found
        for key in got:
            if key not in want:
                return f"{path}.{key}", f"the file adds {shown(got[key])}, which the stored event does not hold"
        return None
    if isinstance(want, list):
        for index, (g, w) in enumerate(zip(got, want)):  # noqa: B905 - lengths compared next
            found = difference(g, w, f"{path}[{index}]")
            if found:
                return found
        if len(got) != len(want):
            return path, f"the file lists {len(got)} items, the stored event {len(want)}"
        return None
    if got != want:
        return path, f"the file says {shown(got)}, the stored event says {shown(want)}"
    return None


def check_rows(name: str, rows: list[Any], expected: list[Any],
               compare: Any) -> None:
    """Row by row: the same events in the same order, then each row by ``compare``."""
    for number, (row, want) in enumerate(zip(rows, expected), 1):  # noqa: B905 - lengths next
        event = f"row {number}, the proof's version {want['version']} ({want['event']})"
        found = compare(row, want)
        if found and found[0] == "version":
            raise Problem(f"{name} row {number} is not the proof's version {want['version']} "
                          f"({want['event']}) ({found[1]}): an event was removed, added or moved")
        if found:
            field, what = found
            raise Problem(f"{name} {event}, field {field}: {what}")
    if len(rows) > len(expected):
        raise Problem(f"{name} row {len(expected) + 1} is an event the proof does not hold "
                      f"({len(rows)} rows; the proof has {len(expected)} events)")
    if len(rows) < len(expected):
        missing = expected[len(rows)]
        raise Problem(f"{name} has no row for the proof's version {missing['version']} "
                      f"({missing['event']}): {len(rows)} rows; the proof has {len(expected)} events")


def compare_json_row(row: Any, want: dict[str, Any]) -> tuple[str, str] | None:
    if not isinstance(row, dict):
        return "(the row)", "not an object"
    found = difference(row, want, "")
    return (found[0].lstrip("."), found[1]) if found else None


def csv_cell(want: dict[str, Any], column: str) -> str:
    value = want[column]
    if column == "data":
        return json.dumps(value, sort_keys=True)
    return "" if value is None else str(value)


def compare_csv_row(row: list[str], want: dict[str, Any]) -> tuple[str, str] | None:
    for index, column in enumerate(HISTORY_COLUMNS):
        expected = csv_cell(want, column)
        if index >= len(row):
            return column, "missing"
        if row[index] != expected:
            return column, (f"the file says {shown(row[index])}, the stored event says "
                            f"{shown(expected)}")
    if len(row) > len(HISTORY_COLUMNS):
        return f"column {len(HISTORY_COLUMNS) + 1}", "a cell the history does not have"
    return None


def check_history(folder: Path, expected: list[dict[str, Any]]) -> None:
    history = unmarked("history.json", load_json(folder, "history.json")).get("rows")
    if not isinstance(history, list):
        raise Problem("history.json has no list of rows (\"rows\")")
    check_rows("history.json", history, expected, compare_json_row)
    try:
        with (folder / "history.csv").open(encoding="utf-8", newline="") as handle:
            lines = list(csv.reader(handle))
    except FileNotFoundError:
        raise Problem("history.csv is missing") from None
    except (UnicodeDecodeError, csv.Error) as error:
        raise Problem(f"history.csv cannot be read: {error}") from None
    if not lines or not lines[0] or not lines[0][0].startswith("# contains_personal_data: "):
        raise Problem("history.csv does not say in its first line whether it contains personal "
                      "data")
    lines = lines[1:]
    if not lines or tuple(lines[0]) != HISTORY_COLUMNS:
        raise Problem(f"history.csv's header is not {','.join(HISTORY_COLUMNS)}")
    check_rows("history.csv", lines[1:], expected, compare_csv_row)


# --------------------------------------------------------------------------- the states


def replayed_states(events: list[Any]) -> dict[str, str]:
    """states/ as caseledger replays them from the proof's events (Incomplete without it)."""
    try:
        from application.audit import states_from_proof
    except ImportError:
        raise Incomplete("states/ cannot be checked here: replaying the events needs caseledger "
                         "(the version that made the export), which this Python does not have") from None
    try:
        return states_from_proof(events)
    except Exception as error:  # whatever replay meets, the stored events are to blame
        raise Problem(f"the proof's events cannot be replayed: {type(error).__name__}") from None


def check_states(folder: Path, events: list[Any]) -> int:
    present = sorted(p.relative_to(folder).as_posix()
                     for p in (folder / "states").rglob("*") if p.is_file())
    expected = replayed_states(events)
    for path in present:
        if path not in expected:
            raise Problem(f"{path} is not a state the proof's events pass through "
                          f"(they give {', '.join(sorted(expected)) or 'none'})")
    for path, text in sorted(expected.items()):
        if path not in present:
            raise Problem(f"{path} is missing (the proof's events pass through it)")
        got = unmarked(path, load_json(folder, path))
        want = json.loads(text)
        found = difference(got, want, "")
        if found:
            version = int(path.split("/v", 1)[1][:4])
            field, what = found
            raise Problem(f"{path}, the case after version {version} "
                          f"({event_name(events[version - 1]['topic'])}), field "
                          f"{field.lstrip('.') or '(the state)'}: "
                          f"{what.replace('the stored event says', 'the replayed events give')}")
    return len(expected)


# --------------------------------------------------------------------------- the whole


def verify(folder: Path) -> str:
    proof = unmarked("proof.json", load_json(folder, "proof.json"))
    try:
        events, states = check_links(proof)
        expected = [history_row(link, state) for link, state in zip(events, states)]  # noqa: B905
        reference = expected[0]["data"].get("reference")
        if reference != proof["case"]["reference"]:
            raise Problem(f"proof.json names the case {shown(proof['case']['reference'])}; its "
                          f"first stored event says {shown(reference)}")
    except (KeyError, TypeError, AttributeError) as error:
        raise Problem(f"proof.json is malformed (missing {error})") from None
    check_history(folder, expected)
    head = proof["head"]
    checked = (f"{len(events)} events of {proof['case']['reference']} verified against their "
               "hashes; every field of history.json and history.csv matches them")
    try:
        count = check_states(folder, events)
    except Incomplete as incomplete:
        raise Incomplete(f"{checked}; but {incomplete}") from None
    replayed = "1 state" if count == 1 else f"{count} states"
    return (f"{checked}, and so do the {replayed} replayed from them; chain head: "
            f"notification {head['notification_id']}, hash {head['hash']}")


def main(argv: list[str]) -> int:
    folder = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent
    try:
        print(f"OK: {verify(folder)}")
    except Problem as problem:
        print(f"PROBLEM: {problem}")
        return 1
    except Incomplete as incomplete:
        print(f"INCOMPLETE: {incomplete}")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
