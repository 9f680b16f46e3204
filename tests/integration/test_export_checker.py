"""The export's checker (verify_export.py) on SQLite and PostgreSQL: every field of history.json,
history.csv and states/ is checked against the proof, so any edit to any of them is named (the
file, the event and the field); every case of the demo, of all three types, checks out as it
was exported; and without caseledger the checker still checks the proof and the history.

The checker runs in this process (its ``main``, as ``python3 verify_export.py DIR`` calls it)
except where the point is running it without caseledger.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from application import demo_asb, demo_encampments
from application.audit_tools import verify_export
from application.commands import DecideReview, StartScoping
from application.demo import DEMO_AS_AT, run_demo, scenarios
from application.service import Meta
from application.setup_import import example_path, import_setup, load_setup
from infrastructure.clock import FixedClock
from infrastructure.settings import Settings
from interfaces.bootstrap import build
from tests.integration.support import notify, seed, services_for


def write_export(services: Any, ref: str, folder: Path) -> Path:
    export = services.audit.export(ref, actor="inspector", purpose="Home Office QA")
    for name, text in export.files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


def check(folder: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = verify_export.main(["verify_export.py", str(folder)])
    return code, capsys.readouterr().out


@pytest.fixture
def exported(database_url: str, tmp_path: Path) -> Path:
    """A DARDR case notified, scoped and decided (with a reason), exported: its history holds
    strings, dates, numbers, booleans, nulls, lists and nested data."""
    services = services_for(database_url)
    try:
        seed(services)
        ref = notify(services)
        services.cases.execute(ref, StartScoping(agencies=["probation"]),
                               Meta(actor="analyst", on="2026-02-02"))
        services.cases.execute(ref, DecideReview(outcome="review", rationale="criteria met"),
                               Meta(actor="chair", on="2026-02-20", reason="criteria met"))
        return write_export(services, ref, tmp_path / "pristine")
    finally:
        services.close()


# --------------------------------------------------------------------------- the edits

Edit = Callable[[Path], None]


def json_edit(name: str, change: Callable[[Any], None]) -> Edit:
    """``change`` gets the file's data (history.json: its rows)."""
    def edit(folder: Path) -> None:
        data = json.loads((folder / name).read_text(encoding="utf-8"))
        change(data["rows"] if name == "history.json" else data)
        (folder / name).write_text(json.dumps(data, indent=2), encoding="utf-8")
    return edit


def row_of(history: list[dict[str, Any]], event: str, nth: int = 0) -> dict[str, Any]:
    return [r for r in history if r["event"] == event][nth]


def history_edit(event: str, change: Callable[[dict[str, Any]], None], nth: int = 0) -> Edit:
    return json_edit("history.json", lambda rows: change(row_of(rows, event, nth)))


def setter(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """``data.clock.amount`` → row["data"]["clock"]["amount"] = value."""
    *parents, last = path.split(".")

    def change(row: dict[str, Any]) -> None:
        target = row
        for key in parents:
            target = target[key]
        target[last] = value
    return change


def csv_edit(change: Callable[[list[list[str]]], None]) -> Edit:
    """``change`` gets the header and the rows (the first line, the personal-data statement, is
    kept as it was)."""
    def edit(folder: Path) -> None:
        with (folder / "history.csv").open(encoding="utf-8", newline="") as handle:
            statement, *lines = list(csv.reader(handle))
        change(lines)
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows([statement, *lines])
        (folder / "history.csv").write_text(out.getvalue(), encoding="utf-8")
    return edit


def csv_cell(version: int, column: str, value: Callable[[str], str]) -> Edit:
    def change(lines: list[list[str]]) -> None:
        index = lines[0].index(column)
        lines[version][index] = value(lines[version][index])
    return csv_edit(change)


def swap(items: list[Any], a: int, b: int) -> None:
    items[a], items[b] = items[b], items[a]


# Each edit, and what the checker must say: (file, event, field) fragments.
HISTORY_JSON_EDITS: list[tuple[str, Edit, tuple[str, ...]]] = [
    ("a string (actor)", history_edit("ScopingStarted", setter("actor", "someone else")),
     ("history.json row 3", "version 3 (ScopingStarted)", "field actor")),
    ("a date (effective)", history_edit("ReviewDecided", setter("effective", "2026-02-21")),
     ("history.json", "(ReviewDecided)", "field effective")),
    ("a recorded time", history_edit("ScopingStarted", setter("recorded", "2026-11-21T12:00:00+00:00")),
     ("history.json", "(ScopingStarted)", "field recorded")),
    ("a reason added", history_edit("ScopingStarted", setter("reason", "urgent")),
     ("history.json", "(ScopingStarted)", "field reason")),
    ("a reason changed", history_edit("ReviewDecided", setter("reason", "criteria not met")),
     ("history.json", "(ReviewDecided)", "field reason")),
    ("a basis", history_edit("DeathNotified", setter("basis", "none")),
     ("history.json row 1", "(DeathNotified)", "field basis")),
    ("an event name", history_edit("ScopingStarted", setter("event", "ReviewDecided")),
     ("history.json", "(ScopingStarted)", "field event")),
    ("a decision", history_edit("ReviewDecided", setter("data.outcome", "no-review")),
     ("history.json", "(ReviewDecided)", "field data.outcome")),
    ("a number", history_edit("DeadlineSet", setter("data.clock.amount", 2)),
     ("history.json row 2", "(DeadlineSet)", "field data.clock.amount")),
    ("a number's type", history_edit("DeadlineSet", setter("data.clock.amount", 1.0)),
     ("history.json row 2", "(DeadlineSet)", "field data.clock.amount")),
    ("a boolean", history_edit("DeadlineMet", setter("data.on_time", False)),
     ("history.json", "(DeadlineMet)", "field data.on_time")),
    ("a boolean as a number", history_edit("DeadlineMet", setter("data.on_time", 1)),
     ("history.json", "(DeadlineMet)", "field data.on_time")),
    ("a null", history_edit("DeathNotified", setter("data.hub", "allerdale")),
     ("history.json row 1", "(DeathNotified)", "field data.hub")),
    ("nested data", history_edit("DeathNotified", setter("data.policy.clocks.decision.rule.unit",
                                                         "working-days")),
     ("history.json row 1", "(DeathNotified)", "field data.policy.clocks.decision.rule.unit")),
    ("a list item", history_edit("ScopingStarted", setter("data.agencies", ["cumbria-police"])),
     ("history.json", "(ScopingStarted)", "field data.agencies[0]")),
    ("a list grown", history_edit("ScopingStarted",
                                  lambda row: row["data"]["agencies"].append("cumbria-police")),
     ("history.json", "(ScopingStarted)", "field data.agencies")),
    ("a field added", history_edit("ScopingStarted", setter("data.urgent", True)),
     ("history.json", "(ScopingStarted)", "field data.urgent")),
    ("a field removed", history_edit("ScopingStarted", lambda row: row["data"].pop("stage")),
     ("history.json", "(ScopingStarted)", "field data.stage")),
    ("a deadline's due time", history_edit("DeadlineSet", setter("data.due", "2026-03-31T23:59:59+00:00")),
     ("history.json row 2", "(DeadlineSet)", "field data.due")),
    ("an event added", json_edit("history.json", lambda rows: rows.append(dict(rows[-1]))),
     ("history.json row", "is an event the proof does not hold")),
    ("an event removed", json_edit("history.json", lambda rows: rows.pop(2)),
     ("history.json row 3 is not the proof's version 3 (ScopingStarted)", "removed, added or moved")),
    ("the last event removed", json_edit("history.json", lambda rows: rows.pop()),
     ("history.json has no row for the proof's version",)),
    ("events reordered", json_edit("history.json", lambda rows: swap(rows, 1, 2)),
     ("history.json row 2 is not the proof's version 2 (DeadlineSet)", "removed, added or moved")),
]

HISTORY_CSV_EDITS: list[tuple[str, Edit, tuple[str, ...]]] = [
    *[(f"the {column} column", csv_cell(3, column, change),
       ("history.csv row 3", "version 3 (ScopingStarted)", f"field {column}"))
      for column, change in [
          ("event", lambda _: "ReviewDecided"),
          ("effective", lambda _: "2026-02-03"),
          ("recorded", lambda v: v.replace("12:00", "12:01")),
          ("actor", lambda _: "someone else"),
          ("reason", lambda _: "urgent"),
          ("basis", lambda v: v + "."),
          ("data", lambda v: v.replace("probation", "cumbria-police")),
      ]],
    ("the version column", csv_cell(3, "version", lambda _: "4"),
     ("history.csv row 3 is not the proof's version 3 (ScopingStarted)",)),
    ("a number in the data", csv_cell(2, "data", lambda v: v.replace('"amount": 1,', '"amount": 2,')),
     ("history.csv row 2", "(DeadlineSet)", "field data")),
    ("a cell added", csv_edit(lambda lines: lines[4].append("x")),
     ("history.csv row 4", "field column 9")),
    ("a row added", csv_edit(lambda lines: lines.append(list(lines[-1]))),
     ("history.csv row", "is an event the proof does not hold")),
    ("a row removed", csv_edit(lambda lines: lines.pop(1)),
     ("history.csv row 1 is not the proof's version 1 (DeathNotified)",)),
    ("rows reordered", csv_edit(lambda lines: swap(lines, 3, 4)),
     ("history.csv row 3 is not the proof's version 3",)),
    ("the header", csv_edit(lambda lines: swap(lines[0], 4, 5)),
     ("history.csv's header",)),
]


def expect_problem(pristine: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                   what: str, edit: Edit, says: tuple[str, ...]) -> None:
    folder = tmp_path / what.replace(" ", "-").replace("'", "")
    shutil.copytree(pristine, folder)
    edit(folder)
    code, out = check(folder, capsys)
    assert code == 1 and out.startswith("PROBLEM: "), f"{what}: {out}"
    for fragment in says:
        assert fragment in out, f"{what}: {fragment!r} not in {out}"


def test_an_untouched_export_checks_out(exported, capsys):
    code, out = check(exported, capsys)
    assert code == 0, out
    assert out.startswith("OK: 10 events of CUM-DARDR-2026-001")
    assert "every field of history.json and history.csv" in out and "3 states replayed" in out


def test_a_file_that_does_not_say_whether_it_holds_personal_data_is_named(exported, tmp_path,
                                                                          capsys):
    def unmark(name: str) -> Edit:
        def edit(folder: Path) -> None:
            data = json.loads((folder / name).read_text(encoding="utf-8"))
            del data["contains_personal_data"]
            (folder / name).write_text(json.dumps(data), encoding="utf-8")
        return edit

    for name in ("history.json", "proof.json", "states/v0003-scoping.json"):
        expect_problem(exported, tmp_path, capsys, f"{name} unmarked", unmark(name),
                       (f"{name} does not say whether it contains personal data",))
    expect_problem(exported, tmp_path, capsys, "history.csv unmarked",
                   lambda folder: (folder / "history.csv").write_text(
                       (folder / "history.csv").read_text().split("\n", 1)[1]),
                   ("history.csv does not say in its first line",))


def test_every_edit_to_history_json_is_named(exported, tmp_path, capsys):
    for what, edit, says in HISTORY_JSON_EDITS:
        expect_problem(exported, tmp_path, capsys, what, edit, says)


def test_every_edit_to_history_csv_is_named(exported, tmp_path, capsys):
    for what, edit, says in HISTORY_CSV_EDITS:
        expect_problem(exported, tmp_path, capsys, what, edit, says)


def test_every_edit_to_every_state_is_named(exported, tmp_path, capsys):
    states = sorted(p.relative_to(exported).as_posix() for p in (exported / "states").iterdir())
    assert states == ["states/v0001-notified.json", "states/v0003-scoping.json",
                      "states/v0006-commissioning.json"]
    events = {1: "DeathNotified", 3: "ScopingStarted", 6: "ReviewDecided"}
    for path in states:
        version = int(path[8:12])
        where = f"{path}, the case after version {version} ({events[version]})"
        for what, change, field in [
            ("its stage", setter("stage", "closed"), "field stage"),
            ("a count", setter("days_open", 1), "field days_open"),
            ("a detail", setter("details.death_type", "suspected-suicide"), "field details.death_type"),
            ("a field added", setter("note", "added"), "field note"),
        ]:
            expect_problem(exported, tmp_path, capsys, f"{path} {what}",
                           json_edit(path, change), (where, field))
    expect_problem(exported, tmp_path, capsys, "a deadline's status",
                   json_edit(states[-1], lambda s: s["deadlines"][0].update(status="met")),
                   (states[-1], "field deadlines[0].status"))
    expect_problem(exported, tmp_path, capsys, "a state removed",
                   lambda folder: (folder / states[1]).unlink(),
                   (f"{states[1]} is missing",))
    expect_problem(exported, tmp_path, capsys, "a state added",
                   lambda folder: shutil.copy(folder / states[1], folder / "states/v0004-decided.json"),
                   ("states/v0004-decided.json is not a state the proof's events pass through",))


def test_an_event_taken_out_of_the_proof_and_the_history_alike_is_found(exported, tmp_path, capsys):
    def drop_version_4(folder: Path) -> None:
        json_edit("proof.json", lambda proof: proof["events"].pop(3))(folder)
        json_edit("history.json", lambda rows: rows.pop(3))(folder)
        csv_edit(lambda lines: lines.pop(4))(folder)

    expect_problem(exported, tmp_path, capsys, "an event dropped everywhere", drop_version_4,
                   ("proof event 4", "versions 1 to 9 in order"))


def test_without_caseledger_the_proof_and_history_are_still_checked(exported, tmp_path):
    """python -I -S: the standard library only, as on an auditor's machine."""
    def run(folder: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-I", "-S", str(folder / "verify_export.py")],
                              capture_output=True, text=True, timeout=60)

    checked = run(exported)
    assert checked.returncode == 2, checked.stdout + checked.stderr
    assert checked.stdout.startswith("INCOMPLETE: 10 events of CUM-DARDR-2026-001 verified")
    assert "states/ cannot be checked here" in checked.stdout and "needs caseledger" in checked.stdout

    edited = tmp_path / "edited"
    shutil.copytree(exported, edited)
    history_edit("ReviewDecided", setter("actor", "someone else"))(edited)
    checked = run(edited)
    assert checked.returncode == 1 and "field actor" in checked.stdout, checked.stdout


def test_every_case_of_the_demo_checks_out_as_exported(database_url, tmp_path, capsys):
    clock = FixedClock(DEMO_AS_AT)
    services = build(Settings.from_env(database_url=database_url), clock=clock)
    try:
        import_setup(services.cases, load_setup(example_path("cumbria")), Meta(actor="demo:setup"))
        references = run_demo(services.cases, clock.set,
                              stories=scenarios() + demo_asb.scenarios() + demo_encampments.scenarios(),
                              openers={"asb": demo_asb.open_asb,
                                       "encampment": demo_encampments.open_encampment})
        assert {ref.split("-")[1] for ref in references.values()} == {"DARDR", "ASB", "UE"}
        for key, ref in references.items():
            code, out = check(write_export(services, ref, tmp_path / key), capsys)
            assert code == 0 and out.startswith("OK: "), f"{ref}: {out}"
    finally:
        services.close()
