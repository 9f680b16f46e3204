"""The pieces board reports are computed from, checked by hand: the fold from events to report
facts (gross and net of pauses), periods and quarters (month ends, leap years, BST), the state
of a deadline at an instant, and small-number suppression; and that every event class of the
domain has one decision in the fold: counted, or explicitly ignored."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from application.reporting import facts as f
from application.reporting.board import suppress
from application.reporting.model import Column, Table
from application.reporting.window import (
    Window,
    deadline_state,
    due_at,
    last_complete_quarter,
    last_quarters,
    quarter_bounds,
    requested_on,
    stage_at,
)
from domain import asb, dardr, encampment
from domain.case import CaseEvent


def row(event: str, effective: str, **data) -> dict:
    return {"event": event, "effective": effective, "recorded": "2026-03-20T09:00:00+00:00",
            "data": json.dumps(data)}


OPENED = row("DeathNotified", "2026-01-31", reference="CUM-DARDR-2026-001", case_type="dardr",
             partnership="cumberland", hub=None, stage="notified", relationship="family",
             death_type="homicide", guidance="dhr-2016", policy={"version": "v"})


def test_a_paused_deadline_is_on_time_net_of_the_pause_and_late_gross():
    # Notified Sat 31 Jan 2026: the decision is due Sat 28 Feb. Paused 10 Feb, resumed 20 Feb
    # (10 days): due 10 Mar. Met 5 Mar: 33 days gross, 23 net; on time net (by 10 Mar), late
    # gross (after 28 Feb).
    facts = f.fold([
        OPENED,
        row("DeadlineSet", "2026-01-31", name="decision", due="2026-02-28T23:59:59+00:00",
            starts="2026-01-31", responsible="partnership", clock=None, calendar="c"),
        row("ReviewPaused", "2026-02-10", clocks=["decision"]),
        row("DeadlinePaused", "2026-02-10", name="decision"),
        row("ReviewResumed", "2026-02-20"),
        row("DeadlineResumed", "2026-02-20", name="decision", due="2026-03-10T23:59:59+00:00",
            previous_due="2026-02-28T23:59:59+00:00", paused_days=10),
        row("DeadlineMet", "2026-03-05", name="decision", on_time=True),
    ])
    decision = facts["deadlines"]["decision"]
    assert decision == {
        "kind": "decision", "resp": "partnership", "start": "2026-01-31", "due": "2026-03-10T23:59:59",
        "dues": [["2026-01-31", "2026-02-28T23:59:59"], ["2026-02-20", "2026-03-10T23:59:59"]],
        "met": "2026-03-05", "on_time": True, "on_time_gross": False, "cancelled": None,
        "paused_days": 10, "pauses": [["2026-02-10", "2026-02-20"]], "days": 33}
    assert facts["pauses"] == [["2026-02-10", "2026-02-20"]]
    assert facts["attrs"] == {"relationship": "family", "death_type": "homicide", "guidance": "dhr-2016"}
    assert (facts["type"], facts["opened"], facts["stages"]) == ("dardr", "2026-01-31", [["2026-01-31", "notified"]])
    assert "policy" not in json.dumps(facts)  # only what reports count is kept


def test_returns_and_actions_are_kept_by_kind_owner_and_rag():
    facts = f.fold([
        OPENED,
        row("DeadlineSet", "2026-02-02", name="return:cumbria-police:imr", starts="2026-02-02",
            due="2026-03-30T23:59:59+01:00", responsible="cumbria-police", clock=None, calendar="c"),
        row("DeadlineSet", "2026-02-03", name="action:A1", starts="2026-02-03",
            due="2026-06-30T23:59:59+01:00", responsible="probation", clock=None, calendar="c"),
        row("ActionAdded", "2026-02-03", action_id="A1", owner="probation", level="local",
            due="2026-06-30T23:59:59+01:00"),
        row("ActionUpdated", "2026-03-01", action_id="A1", rag="red"),
        row("ActionClosed", "2026-04-01", action_id="A1"),
    ])
    assert {n: d["kind"] for n, d in facts["deadlines"].items()} == {
        "return:cumbria-police:imr": "return:imr", "action:A1": "action"}
    # 23:59:59 BST on 30 Mar is 22:59:59 UTC
    imr = facts["deadlines"]["return:cumbria-police:imr"]
    assert imr["due"] == "2026-03-30T22:59:59"
    assert "dues" not in imr and "pauses" not in imr and "set" not in imr  # never moved nor paused
    assert facts["actions"]["A1"] == {"owner": "probation", "level": "local", "due": "2026-06-30T22:59:59",
                                      "added": "2026-02-03", "rags": [["2026-02-03", "amber"], ["2026-03-01", "red"]],
                                      "closed": "2026-04-01"}


def test_a_day_is_the_london_date_across_the_clock_changes():
    assert f.day("2026-03-29T00:30:00+00:00") == "2026-03-29"  # still GMT (BST from 01:00 UTC)
    assert f.day("2026-10-24T23:30:00+00:00") == "2026-10-25"  # 00:30 BST the next day
    assert f.day("2026-12-31T23:30:00+00:00") == "2026-12-31"  # GMT
    assert f.utc("2026-07-01") == "2026-06-30T23:00:00"  # midnight BST


def test_quarters_month_ends_and_leap_years():
    assert quarter_bounds(2024, 1) == (date(2024, 1, 1), date(2024, 3, 31))
    assert quarter_bounds(2026, 4) == (date(2026, 10, 1), date(2026, 12, 31))
    assert [label for label, _, _ in last_quarters(date(2026, 9, 30), 8)] == [
        "2024 Q4", "2025 Q1", "2025 Q2", "2025 Q3", "2025 Q4", "2026 Q1", "2026 Q2", "2026 Q3"]
    assert last_quarters(date(2024, 2, 29), 1) == [("2024 Q1", date(2024, 1, 1), date(2024, 3, 31))]
    assert last_complete_quarter(date(2026, 11, 2)) == (date(2026, 7, 1), date(2026, 9, 30))
    assert last_complete_quarter(date(2027, 1, 15)) == (date(2026, 10, 1), date(2026, 12, 31))
    assert last_complete_quarter(date(2026, 10, 1)) == (date(2026, 7, 1), date(2026, 9, 30))


def test_a_window_ends_at_the_end_of_its_last_day_or_when_known_if_earlier():
    q3 = Window.of(date(2026, 7, 1), date(2026, 9, 30), datetime(2026, 10, 5, tzinfo=UTC))
    assert (q3.at_day, q3.at_utc) == ("2026-09-30", "2026-09-30T22:59:59")  # 23:59:59 BST
    q4 = Window.of(date(2026, 10, 1), date(2026, 12, 31), datetime(2027, 1, 5, tzinfo=UTC))
    assert q4.at_utc == "2026-12-31T23:59:59"  # GMT
    mid = Window.of(date(2026, 7, 1), date(2026, 9, 30), datetime(2026, 8, 15, 10, 0, tzinfo=UTC))
    assert (mid.at_day, mid.at_utc) == ("2026-08-15", "2026-08-15T10:00:00")
    assert mid.holds("2026-07-01") and mid.holds("2026-08-15") and not mid.holds("2026-08-16")
    assert not q3.holds("2026-06-30") and not q3.holds(None)


def test_a_deadline_as_it_stood_at_an_instant():
    deadline = {"due": "2026-07-31T22:59:59",
                "dues": [["2026-07-01", "2026-07-10T22:59:59"], ["2026-07-15", "2026-07-31T22:59:59"]],
                "met": "2026-08-05", "cancelled": None, "pauses": [["2026-08-01", "2026-08-03"]]}
    # On 12 Jul the due date was still 10 Jul: overdue; extended on 15 Jul to 31 Jul.
    assert deadline_state(deadline, "2026-07-12", "2026-07-12T22:59:59") == "overdue"
    assert deadline_state(deadline, "2026-07-20", "2026-07-20T22:59:59") == "open"
    assert deadline_state(deadline, "2026-08-02", "2026-08-02T22:59:59") == "paused"
    assert deadline_state(deadline, "2026-08-04", "2026-08-04T22:59:59") == "overdue"
    assert deadline_state(deadline, "2026-08-05", "2026-08-05T22:59:59") == "met"
    assert stage_at({"stages": [["2026-01-31", "notified"], ["2026-02-10", "scoping"]]}, "2026-02-09") == "notified"
    assert stage_at({"stages": [["2026-01-31", "notified"]]}, "2026-01-30") is None


def test_small_counts_are_suppressed_with_the_rates_of_their_rows():
    table = Table("t", "S", "T", (Column("name", "Name", "text"), Column("n", "N"),
                                  Column("pct", "%", "percent"), Column("cost", "£", "money")), (
        {"name": "none", "n": 0, "pct": None, "cost": 0},
        {"name": "few", "n": 3, "pct": 66.7, "cost": 120},
        {"name": "five", "n": 5, "pct": 40.0, "cost": 50},
    ))
    assert suppress(table, 5).rows == (
        {"name": "none", "n": 0, "pct": None, "cost": 0},
        {"name": "few", "n": "<5", "pct": None, "cost": 120},
        {"name": "five", "n": 5, "pct": 40.0, "cost": 50},
    )
    assert suppress(table, 3).rows[1]["n"] == 3  # a partnership may set its own threshold


def test_the_fold_knows_every_case_type_whatever_was_imported_first():
    """A caller that imports only the fold (the read model's back-fill) still has every case
    type's events resolved: the fold imports them itself."""
    import subprocess
    import sys
    code = ("import json; from application.reporting import facts as f; "
            "print(f.fold([{'event': 'EncampmentReported', 'effective': '2026-07-06T09:00:00+01:00',"
            " 'data': json.dumps({'reference': 'R', 'case_type': 'encampment', 'partnership': 'p',"
            " 'stage': 'reported'})}])['partnership'])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "p"


def test_a_deadline_keeps_the_day_it_was_set_only_when_that_is_not_its_start():
    """A return requested on 2 Feb whose clock starts on 9 Feb (e.g. from the panel's first
    meeting): the request counts on 2 Feb, the days to meet it from 9 Feb."""
    facts = f.fold([
        OPENED,
        row("DeadlineSet", "2026-02-02", name="return:fire:imr", starts="2026-02-09",
            due="2026-03-09T23:59:59+00:00", responsible="fire", clock=None, calendar="c"),
        row("DeadlineExtended", "2026-03-01", name="return:fire:imr", due="2026-03-20T23:59:59+00:00"),
    ])
    imr = facts["deadlines"]["return:fire:imr"]
    assert (imr["start"], requested_on(imr)) == ("2026-02-09", "2026-02-02")
    assert imr["dues"] == [["2026-02-02", "2026-03-09T23:59:59"], ["2026-03-01", "2026-03-20T23:59:59"]]
    assert due_at(imr, "2026-02-28") == "2026-03-09T23:59:59" and imr["due"] == "2026-03-20T23:59:59"


def every_event_class() -> list[type[CaseEvent[Any]]]:
    """Every subclass of the domain's case event base, however deep."""
    found: list[type[CaseEvent[Any]]] = []
    pending = list(CaseEvent.__subclasses__())
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


def test_every_event_class_of_the_domain_is_counted_by_the_fold_or_listed_as_ignored():
    # Given every event class of every case type (dardr, asb and encampment are imported here)
    classes = every_event_class()
    assert {dardr.DeathNotified, asb.ApplicationReceived, encampment.EncampmentReported} <= set(classes)
    # When each is asked what the fold does with it
    counted = {cls for cls in classes if f.folds_of(cls)}
    # Then each is either counted or ignored, never both, and nothing is listed that is not one
    undecided = sorted(cls.__name__ for cls in classes if cls not in counted and cls not in f.IGNORED)
    assert undecided == [], f"decide in application/reporting/facts.py what the reports do with {undecided}"
    assert sorted(cls.__name__ for cls in counted & f.IGNORED) == []
    assert set(classes) >= f.IGNORED


def test_a_history_row_names_one_event_class():
    # The fold resolves a row's event name to one class: two classes with one name would be ambiguous.
    names = [cls.__name__ for cls in every_event_class()]
    assert sorted(n for n in set(names) if names.count(n) > 1) == []
    assert f.event_classes()["ReviewPaused"] is dardr.ReviewPaused


def test_a_subclass_is_folded_by_its_bases_and_marked_under_its_own_name():
    # A DARDR pause is a case pause; a threshold decision is a stage and a mark; a note is nothing.
    facts = f.fold([
        OPENED,
        row("ReviewPaused", "2026-02-10", clocks=[]),
        row("ReviewDecided", "2026-02-12", stage="decided", outcome="review", rationale="r"),
        row("NoteAdded", "2026-02-13", text="not counted"),
    ])
    assert facts["pauses"] == [["2026-02-10", None]]
    assert facts["stages"][-1] == ["2026-02-12", "decided"]
    assert facts["marks"] == {"ReviewDecided": [["2026-02-12", "2026-02-12T00:00:00", "review"]]}
    assert facts["last"] == "2026-02-13"  # an ignored event still counts as the latest fact
    assert f.folds_of(dardr.ChairAppointed) == ()
