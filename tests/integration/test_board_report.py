"""Board reports on a small fixed dataset, every figure computed by hand, on SQLite and
PostgreSQL; and reproducibility: facts recorded after the as-known-at time change nothing.

The dataset: the shipped Cumbria set-up (Safer Cumbria = Cumberland + Westmorland and Furness)
and eight cases recorded through the real commands, each fact recorded the morning after its
effective date (09:30 UTC). The report is for 2026 Q3 (1 July – 30 September), as known at
5 October 2026 12:00 UTC, so "at end" means 30 September 23:59:59 London.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from application.commands import (
    AcknowledgeApplication,
    AddAction,
    AgreeReport,
    AssessImpact,
    AssessWelfare,
    CirculateDraft,
    ClearSite,
    DecideEncampment,
    DecideReview,
    DecideThreshold,
    DeferPublication,
    DetermineAppeal,
    EstablishOwnership,
    HoldMeeting,
    LinkProcess,
    LodgeAppeal,
    NotifyHomeOffice,
    NotifyOutcome,
    NotifyThreshold,
    PublishReport,
    ReceiveReturn,
    Recommend,
    RecordQaOutcome,
    ReopenCase,
    RequestReturn,
    SendCommissionerCopy,
    ServeDirection,
    ShareActionPlan,
    SignOff,
    StartScoping,
    SubmitReport,
    UpdateAction,
    Vacate,
    Visit,
)
from application.demo import Scenario, after_imrs, full_review, run_demo, s
from application.demo_asb import open_asb
from application.demo_encampments import open_encampment
from application.reporting.board import build_board_report
from application.reporting.render_csv import render_csv, render_zip
from application.reporting.render_html import render_html
from application.reporting.render_json import render_json
from application.reporting.service import SetupAsKnown
from application.service import Meta
from application.setup_import import PolicyEntry, example_path, import_setup, load_setup
from domain.asb import NotifyMethod
from domain.case import Rag
from domain.dardr import DeferralReason, QaOutcome, ReviewOutcome
from domain.encampment import Decision, DirectionPower, LandKind, Power, WelfareNeed
from domain.errors import DateRuleViolated, InvalidInput, NotFound
from infrastructure.report_facts import backfill_report_cases
from infrastructure.views import report_cases
from tests.integration.support import services_for

Q3 = {"date_from": date(2026, 7, 1), "date_to": date(2026, 9, 30)}
KNOWN = datetime(2026, 10, 5, 12, 0, tzinfo=UTC)
POLICE, PROBATION, CUM_COUNCIL = "cumbria-police", "probation", "cumberland-council"
WAF_COUNCIL = "westmorland-furness-council"
CUM = [POLICE, CUM_COUNCIL, "north-cumbria-hospitals", PROBATION]
WAF = [POLICE, WAF_COUNCIL, "lsc-icb", PROBATION]


def death(on: str, relationship: str = "intimate-partner", death_type: str = "homicide") -> dict:
    return {"on": on, "date_of_death": on, "victim_pseudonym": "Pseudonym", "notified_by": POLICE,
            "relationship": relationship, "death_type": death_type, "age_band": "35-44",
            "police_force_area": "Cumbria"}


def complaint(behaviour: str, reported: str, agency: str) -> dict:
    return {"behaviour": behaviour, "reported": reported, "agency": agency}


def application(on: str, hub: str, complaints: list[dict]) -> dict:
    return {"on": on, "hub": hub, "channel": "online", "applicant_type": "individual",
            "applicant_name": "Applicant", "applicant_contact": "contact", "consent": True,
            "complaints": complaints}


def camp(on: str) -> dict:
    return {"on": on, "hub": "allerdale", "location": "Lay-by, Cockermouth", "grid_ref": "NY 1 2",
            "caravans": 4, "vehicles": 3, "group": "GRP-1"}


def scenarios() -> list[Scenario]:
    return [
        # A: notified before the period; decided on time in it; two IMRs asked in it, one late
        # and one never returned (due 7 Aug: 54 days overdue on 30 Sep).
        Scenario("A", "cumberland", death("2026-06-10"), [
            s("2026-06-12", StartScoping(agencies=[POLICE])),
            s("2026-06-19", ReceiveReturn(agency=POLICE, kind="scoping")),
            s("2026-07-08", DecideReview(outcome=ReviewOutcome.REVIEW, rationale="criteria met")),
            s("2026-07-09", NotifyHomeOffice()),
            s("2026-07-10", RequestReturn(agency=POLICE, kind="imr", due="2026-08-07")),
            s("2026-07-10", RequestReturn(agency=PROBATION, kind="imr", due="2026-08-07")),
            s("2026-08-10", ReceiveReturn(agency=POLICE, kind="imr")),
        ]),
        # B: notified in the period, decided late (36 days; due 20 Aug), paused from 1 Sep for a trial.
        Scenario("B", "westmorland-furness", death("2026-07-20", "family", "suspected-suicide"), [
            s("2026-07-22", StartScoping(agencies=[POLICE, WAF_COUNCIL])),
            s("2026-07-29", ReceiveReturn(agency=POLICE, kind="scoping")),
            s("2026-07-29", ReceiveReturn(agency=WAF_COUNCIL, kind="scoping")),
            s("2026-08-25", DecideReview(outcome=ReviewOutcome.REVIEW, rationale="criteria met")),
            s("2026-08-26", NotifyHomeOffice()),
            s("2026-09-01", LinkProcess(kind="criminal", reference="CRIME-1", pause=True),
              reason="awaiting the criminal trial"),
        ]),
        # C: submitted 1 Jul 2025; QA approved 15 Jul 2026 (379 days); an action added 20 Jul
        # (local, Cumberland Council, due 15 Sep, red from 20 Sep); published 14 Aug (30 days).
        Scenario("C", "cumberland", death("2025-01-06"), [
            *full_review("2025-01-06", CUM), *after_imrs("2025-01-06", CUM, 95),
            s("2025-05-01", CirculateDraft()), s("2025-06-20", AgreeReport()),
            s("2025-06-27", SignOff()), s("2025-06-30", SendCommissionerCopy()),
            s("2025-07-01", SubmitReport()), s("2026-07-15", RecordQaOutcome(outcome=QaOutcome.APPROVED)),
            s("2026-07-20", AddAction(recommendation="r", owner=CUM_COUNCIL, level="local", due="2026-09-15")),
            s("2026-08-14", PublishReport(url="https://example.org/c")),
            s("2026-09-20", UpdateAction(action_id="A1", rag=Rag.RED, note="late")),
        ]),
        # D: submitted 24 Jul 2025; QA approved 3 Aug 2026 (375 days); publication deferred for
        # an inquest on 10 Aug: awaiting publication 58 days on 30 Sep.
        Scenario("D", "westmorland-furness", death("2025-02-03"), [
            *full_review("2025-02-03", WAF), *after_imrs("2025-02-03", WAF, 95),
            s("2025-05-20", CirculateDraft()), s("2025-07-15", AgreeReport()),
            s("2025-07-22", SignOff()), s("2025-07-23", SendCommissionerCopy()),
            s("2025-07-24", SubmitReport()), s("2026-08-03", RecordQaOutcome(outcome=QaOutcome.APPROVED)),
            s("2026-08-10", DeferPublication(deferral=DeferralReason.INQUEST)),
        ]),
        # E: an ASB Case Review carried out with recommendations (8 days to the decision,
        # 19 to the meeting, 29 to the outcome).
        Scenario("E", "cumberland", application("2026-07-01", "allerdale", [
            complaint("2026-05-01", "2026-05-02", POLICE),
            complaint("2026-05-10", "2026-05-11", CUM_COUNCIL),
            complaint("2026-06-01", "2026-06-02", "home-group")]), [
            # passed on to the council, whose information return arrives on time (s.104(3)(b))
            s("2026-07-02", AcknowledgeApplication(agencies=[CUM_COUNCIL])),
            s("2026-07-06", ReceiveReturn(agency=CUM_COUNCIL, kind="information")),
            s("2026-07-09", DecideThreshold(met=True)),
            s("2026-07-10", NotifyThreshold(method=NotifyMethod.LETTER)),
            s("2026-07-20", HoldMeeting(chair="Chair")),
            s("2026-07-27", Recommend(recommendations=["Mediation"])),
            s("2026-07-28", ShareActionPlan()),
            s("2026-07-30", NotifyOutcome(method=NotifyMethod.LETTER)),
        ], kind="asb"),
        # F: threshold not met (11 days), appealed, appeal not upheld.
        Scenario("F", "westmorland-furness", application("2026-08-03", "eden", [
            complaint("2026-07-20", "2026-07-21", POLICE)]), [
            s("2026-08-04", AcknowledgeApplication(agencies=[WAF_COUNCIL])),
            s("2026-08-06", ReceiveReturn(agency=WAF_COUNCIL, kind="information")),
            s("2026-08-14", DecideThreshold(met=False, reasons="one complaint")),
            s("2026-08-15", NotifyThreshold(method=NotifyMethod.LETTER)),
            s("2026-08-20", LodgeAppeal(grounds="more incidents")),
            s("2026-08-28", DetermineAppeal(upheld=False)),
        ], kind="asb"),
        # G: council land, not allowed (s.77), visited after 2.5 h, welfare after 3 h, vacated
        # after exactly 3 days, cleared at £1,200 clean-up and £300 legal costs.
        Scenario("G", "cumberland", camp("2026-07-06T09:00"), [
            s("2026-07-06T10:00", EstablishOwnership(land=LandKind.COUNCIL, landowner="Council")),
            s("2026-07-06T11:30", Visit(caravans=4, vehicles=3, adults=6, children=3, officer="O")),
            s("2026-07-06T12:00", AssessWelfare(needs=[WelfareNeed.HEALTH], referrals=["health-visitor"])),
            s("2026-07-06T12:15", AssessImpact(threat=2, likelihood=2, factors=["access"])),
            s("2026-07-07T10:00", DecideEncampment(decision=Decision.NOT_ALLOW, power=Power.S77, reasons="r")),
            s("2026-07-07T11:00", ServeDirection(power=DirectionPower.S77)),
            s("2026-07-09T09:00", Vacate(enforced=False)),
            s("2026-07-10T10:00", ClearSite(cleanup_cost=1200.0, legal_cost=300.0)),
        ], kind="encampment"),
        # H: the same site and group again, on private land, visited after 2 h; no welfare
        # assessment yet (due 3 working days after the visit: overdue at the end).
        Scenario("H", "cumberland", camp("2026-08-03T14:00"), [
            s("2026-08-03T15:00", EstablishOwnership(land=LandKind.PRIVATE, landowner="Farmer")),
            s("2026-08-03T16:00", Visit(caravans=4, vehicles=3, adults=6, children=3, officer="O")),
        ], kind="encampment"),
    ]


def record(services, clock) -> dict[str, str]:
    clock.set(datetime(2024, 4, 1, 8, 0, tzinfo=UTC))
    import_setup(services.cases, load_setup(example_path("cumbria")), Meta(actor="setup"))

    def encampment_opener(cases, meta, partnership, args):
        services.catch_up()  # earlier encampments are found through the views
        return open_encampment(cases, meta, partnership, args, services.views)

    refs = run_demo(services.cases, clock.set, stories=scenarios(),
                    openers={"asb": open_asb, "encampment": encampment_opener})
    services.catch_up()
    return refs


@pytest.fixture
def dataset(database_url):
    services = services_for(database_url, now=datetime(2024, 4, 1, tzinfo=UTC))
    refs = record(services, services.clock)
    services.clock.set(datetime(2026, 10, 5, 12, 0, tzinfo=UTC))
    yield services, refs
    services.close()


def rows(report, table_id: str) -> list[dict]:
    return list(report.table(table_id).rows)


def by(report, table_id: str, key: str) -> dict[str, dict]:
    return {r[key]: r for r in report.table(table_id).rows}


def test_every_figure_matches_the_hand_computed_value(dataset):
    services, _ = dataset
    report = services.reports.board(county="cumbria", as_known_at=KNOWN, **Q3)
    assert report.scope["name"] == "Safer Cumbria"
    assert [p["slug"] for p in report.scope["partnerships"]] == ["cumberland", "westmorland-furness"]
    assert report.as_at == "2026-09-30T22:59:59Z"  # 23:59:59 BST

    # Caseload: opened B, E, F, G, H; closed G (cleared); open A B C D E F H; paused B.
    assert rows(report, "caseload") == [
        {"type": "DARDR", "opened": 1, "closed": 0, "open": 4, "paused": 1},
        {"type": "ASB Case Review", "opened": 2, "closed": 0, "open": 2, "paused": 0},
        {"type": "Encampment", "opened": 2, "closed": 1, "open": 1, "paused": 0},
        {"type": "All cases", "opened": 5, "closed": 1, "open": 7, "paused": 1},
    ]
    # Pipeline in stage order: A, B commissioning; D approved; C published; E monitoring;
    # F back at threshold-not-met after its appeal failed; H assessing.
    assert [(r["stage"], r["open"]) for r in rows(report, "pipeline")] == [
        ("DARDR: Commissioning the review", 2), ("DARDR: Approved by the Home Office", 1),
        ("DARDR: Published", 1), ("ASB Case Review: Threshold not met", 1),
        ("ASB Case Review: Monitoring the action plan", 1),
        ("Encampment: Assessing welfare and impact", 1),
    ]

    # DARDR: decisions A (28 days, on time: due 10 Jul) and B (36 days, late: due 20 Aug).
    dardr = by(report, "dardr_timeliness", "measure")
    assert dardr["Deaths notified"]["number"] == 1
    assert (dardr["Decisions made"]["number"], dardr["Decisions made"]["median_days"]) == (2, 32.0)
    within = dardr["… within one month of notification"]
    assert (within["number"], within["percent"]) == (1, 50.0)
    assert dardr["Reviews completed (report agreed by the panel)"]["number"] == 0
    assert dardr["Submissions to the Home Office"]["number"] == 0
    # QA outcomes: C 1 Jul 2025 → 15 Jul 2026 = 379 days; D 24 Jul 2025 → 3 Aug 2026 = 375.
    qa = dardr["QA outcomes received"]
    assert (qa["number"], qa["median_days"]) == (2, 377.0)
    published = dardr["Reports published"]
    assert (published["number"], published["median_days"]) == (1, 30.0)
    waiting = by(report, "dardr_in_progress", "status")
    assert waiting["In Home Office QA"]["number"] == 0
    assert (waiting["Awaiting publication: inquest"]["number"],
            waiting["Awaiting publication: inquest"]["median_days"]) == (1, 58.0)
    assert (waiting["Paused (stop-the-clock)"]["number"],
            waiting["Paused (stop-the-clock)"]["median_days"]) == (1, 29.0)
    themes = {(r["theme"], r["value"]): r["number"] for r in rows(report, "dardr_themes")}
    assert themes[("Relationship", "family member")] == 1 and themes[("Death type", "suspected suicide")] == 1
    assert sum(themes.values()) == 2  # one death, counted once per theme

    # ASB statutory figures per partnership (ASBCPA 2014 s.104(10)).
    assert rows(report, "asb_statutory") == [
        {"partnership": "Cumberland Community Safety Partnership", "applications": 1,
         "threshold_not_met": 0, "reviews_carried_out": 1, "reviews_with_recommendations": 1},
        {"partnership": "Westmorland and Furness Community Safety Partnership", "applications": 1,
         "threshold_not_met": 1, "reviews_carried_out": 0, "reviews_with_recommendations": 0},
        {"partnership": "All partnerships", "applications": 2, "threshold_not_met": 1,
         "reviews_carried_out": 1, "reviews_with_recommendations": 1},
    ]
    threshold = by(report, "asb_threshold", "rule")
    statutory = "three complaints in six months (the statutory minimum)"
    assert threshold[statutory] == {"rule": statutory, "met": 1, "not_met": 0}
    assert sum(r["not_met"] for r in threshold.values()) == 1
    asb = by(report, "asb_appeals_times", "measure")
    assert [asb[m]["number"] for m in ("Appeals lodged", "Appeals upheld", "Appeals not upheld")] == [1, 0, 1]
    # E 1 Jul → 9 Jul = 8 days, F 3 Aug → 14 Aug = 11: median 9.5, shown as whole days (10);
    # E's meeting 19, outcome 29.
    assert asb["Threshold decisions (days from receipt)"]["median_days"] == 10
    assert isinstance(asb["Threshold decisions (days from receipt)"]["median_days"], int)
    assert asb["Review meetings held (days from receipt)"]["median_days"] == 19.0
    assert asb["Outcomes notified (days from receipt)"]["median_days"] == 29.0

    # Encampments.
    camps = by(report, "encampment_counts", "land")
    assert camps["council land"] == {"land": "council land", "reported": 1, "tolerated": 0,
                                     "not_tolerated": 1, "undecided": 0}
    assert camps["private land"]["reported"] == 1 and camps["private land"]["undecided"] == 1
    assert camps["highway"]["reported"] == 0
    measures = by(report, "encampment_measures", "measure")
    assert measures["Days from report to vacated"]["median"] == 3.0
    # first visits after 2.5 h (G) and 2 h (H): median and mean 2.25, shown to one decimal.
    assert measures["Hours from report to first visit"]["number"] == 2
    assert measures["Hours from report to first visit"]["median"] == 2.2
    assert measures["Hours from report to welfare assessment"]["median"] == 3.0
    assert measures["Welfare referrals made"]["number"] == 1
    assert measures["Returns within a no-return window"]["number"] == 1  # H, within G's s.77 window
    assert measures["Sites with more than one encampment"]["number"] == 1
    assert rows(report, "encampment_powers") == [
        {"step": "Direction served", "detail": "direction to leave (CJPOA 1994 s.77)", "number": 1},
        {"step": "Not allowed: power chosen", "detail": "direction to leave (CJPOA 1994 s.77)",
         "number": 1},
    ]
    costs = by(report, "encampment_costs", "cost")
    assert (costs["Clean-up"]["total"], costs["Legal"]["total"], costs["Damage"]["total"]) == (1200, 300, 0)

    # Returns by agency: probation's IMR (due 7 Aug) overdue 54 days; the police IMR late.
    agencies = rows(report, "overdue_by_agency")
    assert agencies[0] == {"agency": "Probation Service (Cumbria and Lancashire)", "overdue": 1,
                           "longest_overdue_days": 54, "requested": 1, "received": 0,
                           "on_time_pct": None}
    police = by(report, "overdue_by_agency", "agency")["Cumbria Constabulary"]
    assert (police["requested"], police["received"], police["on_time_pct"], police["overdue"]) == \
        (2, 2, 50.0, 0)

    # Timeliness: the DARDR decision row; the encampment welfare assessment overdue (H).
    timeliness = {(r["type"], r["deadline"]): r for r in rows(report, "timeliness")}
    decision = timeliness[("DARDR", "Decision on whether to hold a review")]
    assert (decision["met"], decision["on_time_pct"], decision["median_days"]) == (2, 50.0, 32.0)
    assert timeliness[("Encampment", "Welfare assessment")]["overdue"] == 1
    imr = timeliness[("DARDR", "Individual Management Review (IMR)")]
    assert (imr["met"], imr["on_time_pct"], imr["median_days"], imr["overdue"]) == (1, 0.0, 31.0, 1)

    # Actions: C's action, red since 20 Sep, overdue since 15 Sep.
    assert rows(report, "actions_by_owner") == [
        {"owner": "Cumberland Council", "open": 1, "red": 1, "amber": 0, "green": 0,
         "overdue": 1, "closed": 0}]
    assert by(report, "actions_by_level", "level")["Local"] == {
        "level": "Local", "added": 1, "open": 1, "closed": 0}

    # Trend: C and D opened in 2025 Q1; A in 2026 Q2; five cases in 2026 Q3.
    trend = by(report, "trend", "quarter")
    assert list(trend) == ["2024 Q4", "2025 Q1", "2025 Q2", "2025 Q3", "2025 Q4", "2026 Q1",
                           "2026 Q2", "2026 Q3"]
    assert [trend[q]["opened"] for q in trend] == [0, 2, 0, 0, 0, 0, 1, 5]
    assert trend["2026 Q3"]["closed"] == 1


def test_the_trend_ends_with_the_quarter_the_report_is_judged_in(dataset):
    """A report for the financial year 2026/27 run on 5 October 2026: the quarters after that
    have not happened, so the trend is the eight quarters up to 2026 Q4 (counted to 5 October),
    in every rendering; none of the future quarters is shown as zero."""
    services, _ = dataset
    year = {"date_from": date(2026, 4, 1), "date_to": date(2027, 3, 31)}
    report = services.reports.board(county="cumbria", as_known_at=KNOWN, **year)
    trend = by(report, "trend", "quarter")
    assert list(trend) == ["2025 Q1", "2025 Q2", "2025 Q3", "2025 Q4", "2026 Q1", "2026 Q2",
                           "2026 Q3", "2026 Q4"]
    assert [trend[q]["opened"] for q in trend] == [2, 0, 0, 0, 0, 1, 5, 0]
    assert report.table("trend").note == (
        "2026 Q4 is counted up to 5 October 2026, where the report ends.")
    for rendered in (render_html(report), render_json(report), render_csv(report)["trend.csv"]):
        assert b"2026 Q4" in rendered and b"2027 Q1" not in rendered
    # the same quarters as the Q3 report where they overlap: counted from the same facts
    q3 = by(services.reports.board(county="cumbria", as_known_at=KNOWN, **Q3), "trend", "quarter")
    assert [trend[q] for q in trend if q in q3] == [q3[q] for q in q3 if q in trend]


def test_one_partnership_sees_only_its_own_cases(dataset):
    services, _ = dataset
    report = services.reports.board(partnership="westmorland-furness", as_known_at=KNOWN, **Q3)
    assert report.scope["name"] == "Westmorland and Furness Community Safety Partnership"
    assert rows(report, "caseload")[-1] == {"type": "All cases", "opened": 2, "closed": 0,
                                            "open": 3, "paused": 1}
    assert len(rows(report, "asb_statutory")) == 1  # no "all partnerships" total for one


def test_the_publishable_report_shows_small_counts_as_under_five(dataset):
    services, _ = dataset
    report = services.reports.board(county="cumbria", as_known_at=KNOWN, publishable=True, **Q3)
    assert report.suppress_below == 5
    assert rows(report, "caseload")[0] == {"type": "DARDR", "opened": "<5", "closed": 0,
                                           "open": "<5", "paused": "<5"}
    assert rows(report, "caseload")[-1] == {"type": "All cases", "opened": 5, "closed": "<5",
                                            "open": 7, "paused": "<5"}
    within = by(report, "dardr_timeliness", "measure")["… within one month of notification"]
    assert (within["number"], within["percent"]) == ("<5", None)  # the rate is withheld too
    assert "&lt;5" in render_html(report).decode()


def outputs(services, **options) -> tuple[bytes, bytes, bytes]:
    report = services.reports.board(county="cumbria", **Q3, **options)
    return render_html(report), render_zip(report), render_json(report)


def test_facts_recorded_later_leave_the_report_as_known_at_t_byte_identical(dataset):
    services, refs = dataset
    before = outputs(services, as_known_at=KNOWN)
    # Later: probation's IMR, received 28 Sep, is recorded on 10 Oct (a late entry); a new
    # encampment is reported; a partnership is renamed.
    services.clock.set(datetime(2026, 10, 10, 9, 0, tzinfo=UTC))
    services.cases.execute(refs["A"], ReceiveReturn(agency=PROBATION, kind="imr"),
                           Meta(actor="c", on="2026-09-28"))
    later_camp = {k: v for k, v in camp("2026-10-09T10:00").items() if k != "on"}
    open_encampment(services.cases, Meta(actor="c", on="2026-10-09T10:00"), "cumberland",
                    later_camp, services.views)
    import_setup(services.cases, load_setup(example_path("cumbria")).model_copy(update={
        "partnership": [p.model_copy(update={"name": "Renamed CSP"}) if p.slug == "cumberland" else p
                        for p in load_setup(example_path("cumbria")).partnership]}),
        Meta(actor="setup", on="2026-10-10"))
    services.catch_up()
    assert outputs(services, as_known_at=KNOWN) == before

    now = services.reports.board(county="cumbria", **Q3)
    assert now.as_known_at == "2026-10-10T09:00:00Z"
    assert by(now, "overdue_by_agency", "agency")[
        "Probation Service (Cumbria and Lancashire)"]["overdue"] == 0
    assert now.scope["partnerships"][0]["name"] == "Renamed CSP"

    diff = services.reports.diff(county="cumbria", **Q3, earlier=KNOWN)
    changed = {(c["table_id"], c["row"], c["column"]): (c["before"], c["after"]) for c in diff["figures"]}
    assert changed[("overdue_by_agency", "Probation Service (Cumbria and Lancashire)",
                    "Overdue at end")] == (1, 0)
    assert [(e["reference"], e["event"], e["effective"]) for e in diff["late_entries"]] == [
        (refs["A"], "ReturnReceived", "2026-09-28"), (refs["A"], "DeadlineMet", "2026-09-28")]


def test_refolding_from_history_equals_the_projected_facts(dataset):
    """The two paths to a case's facts (projection, re-fold from history) agree; so does the
    back-fill of the read model (``backfill_report_cases``)."""
    services, refs = dataset
    with services.engine.connect() as conn:
        projected = {r.case_id: json.loads(r.facts) for r in conn.execute(report_cases.select())}
    reader = services.reports.source
    refolded = reader.facts(["cumberland", "westmorland-furness"],
                            as_known_at=datetime(2026, 9, 1, 12, 0, tzinfo=UTC)).cases
    def untrended(facts: Any) -> dict[str, Any]:
        return {k: v for k, v in facts.items() if k != "trend"}

    now = {facts["ref"]: untrended(facts) for facts in projected.values()}
    changed_since = sorted(facts["ref"] for facts in refolded if untrended(facts) != now[facts["ref"]])
    assert changed_since == sorted([refs["B"], refs["C"]])  # paused 1 Sep; action red 20 Sep
    with services.engine.begin() as conn:
        conn.execute(report_cases.delete())
        assert backfill_report_cases(conn) == len(projected)
    with services.engine.connect() as conn:
        assert {r.case_id: json.loads(r.facts) for r in conn.execute(report_cases.select())} == projected
    assert len(refolded) == len(projected)  # every case was opened by 1 Sep


def test_bad_requests_are_refused_and_say_what_is_allowed(dataset):
    services, _ = dataset
    with pytest.raises(InvalidInput, match="either a partnership or a county board"):
        services.reports.board(county="cumbria", partnership="cumberland", **Q3)
    with pytest.raises(InvalidInput, match="first day must be on or before its last"):
        services.reports.board(county="cumbria", date_from=date(2026, 9, 30), date_to=date(2026, 7, 1))
    with pytest.raises(NotFound, match="Unknown county 'lancashire'"):
        services.reports.board(county="lancashire", **Q3)
    with pytest.raises(DateRuleViolated, match="in the future"):
        services.reports.board(county="cumbria", as_known_at=datetime(2027, 1, 1, tzinfo=UTC), **Q3)
    # the set-up was not yet recorded in 2023
    with pytest.raises(NotFound, match="Unknown county"):
        services.reports.board(county="cumbria", as_known_at=datetime(2023, 1, 1, tzinfo=UTC), **Q3)


def test_a_partnership_policy_may_raise_the_small_number_threshold(dataset):
    services, _ = dataset
    setup = load_setup(example_path("cumbria"))
    stricter = PolicyEntry(case_type="asb", version="waf-asb-2026", effective_from=date(2026, 4, 1),
                           settings={"suppress_below": "10"})
    services.clock.set(datetime(2026, 10, 6, 9, 0, tzinfo=UTC))
    import_setup(services.cases, setup.model_copy(update={"partnership": [
        p.model_copy(update={"policy": [*p.policy, stricter]}) if p.slug == "westmorland-furness" else p
        for p in setup.partnership]}), Meta(actor="setup", on="2026-10-05"))
    report = services.reports.board(county="cumbria", publishable=True, **Q3)
    assert report.suppress_below == 10  # the stricter of the two partnerships
    assert rows(report, "caseload")[-1]["opened"] == "<10"  # 5 cases opened
    earlier = services.reports.board(county="cumbria", publishable=True, as_known_at=KNOWN, **Q3)
    assert earlier.suppress_below == 5  # the policy was adopted after the earlier instant
    with pytest.raises(ValidationError, match="suppress_below"):
        PolicyEntry(case_type="asb", version="x", effective_from=date(2026, 4, 1),
                    settings={"suppress_below": "five"})


@pytest.mark.parametrize("known", [None, KNOWN, datetime(2026, 8, 1, 12, 0, tzinfo=UTC)])
def test_reading_settled_cases_as_their_trend_figures_changes_no_byte(dataset, known):
    """A report leaves unread the facts of cases settled before its period (their trend figures
    are kept with them) and of cases settled before its trend: the same bytes as folding all."""
    services, _ = dataset
    q4 = {"date_from": date(2026, 10, 1), "date_to": date(2026, 12, 31)}
    at = known or services.clock.now()
    inputs = services.reports.source.facts(["cumberland", "westmorland-furness"], as_known_at=at,
                                           relevant_from="2025-01-01", summarise_before="2026-10-01")
    if known != datetime(2026, 8, 1, 12, 0, tzinfo=UTC):
        assert inputs.settled_quarters == {"2026 Q3": [1, 1, 5, 4, 0]}  # G, settled 10 Jul
    everything = services.reports.source.facts(["cumberland", "westmorland-furness"], as_known_at=at)
    report = services.reports.board(county="cumbria", as_known_at=at, **q4)
    scope = report.scope
    names = services.reports.agency_names(SetupAsKnown(services.cases, at))
    direct = build_board_report(everything.cases, scope={k: v for k, v in scope.items() if k != "label"},
                                as_known_at=at, agency_names=names, **q4)
    assert render_json(report) == render_json(direct)


def test_a_reopened_case_is_read_again_not_summed_from_when_it_settled(dataset):
    services, refs = dataset
    q4 = {"date_from": date(2026, 10, 1), "date_to": date(2026, 12, 31)}
    services.clock.set(datetime(2026, 10, 21, 9, 0, tzinfo=UTC))
    services.cases.execute(refs["G"], ReopenCase(), Meta(actor="c", on="2026-10-20", reason="returned"))
    services.catch_up()
    inputs = services.reports.source.facts(["cumberland", "westmorland-furness"],
                                           relevant_from="2025-01-01", summarise_before="2026-10-01")
    assert inputs.settled_quarters == {}  # G is open again
    report = services.reports.board(county="cumbria", **q4)
    assert by(report, "trend", "quarter")["2026 Q3"]["opened"] == 5  # G counted once
    assert rows(report, "caseload")[2]["open"] == 2  # G and H


@pytest.mark.parametrize(("date_to", "known"), [
    (date(2026, 9, 30), None),  # every quarter ended: the kept figures alone
    (date(2026, 8, 31), None),  # the period ends mid-quarter: Q3 cut short on 31 August
    (date(2026, 12, 31), None),  # the current quarter, not ended yet
    (date(2026, 9, 30), datetime(2026, 9, 12, 8, 0, tzinfo=UTC)),  # known mid-quarter
    (date(2027, 3, 31), datetime(2026, 9, 20, 18, 0, tzinfo=UTC)),  # quarters after the instant
    (date(2027, 6, 30), "2027-07-15"),  # quarters after every case's last fact: the tails
])
def test_kept_quarter_figures_give_the_trend_counted_afresh(dataset, date_to, known):
    """Each case keeps its figures per quarter and its overdue tail (quarters.kept_quarters);
    the trend from them equals the trend counted afresh from every deadline."""
    services, _ = dataset
    if isinstance(known, str):  # run later, with nothing recorded since October 2026
        services.clock.set(datetime.fromisoformat(known).replace(tzinfo=UTC))
        known = None
    at = known or services.clock.now()
    cases = services.reports.source.facts(["cumberland", "westmorland-furness"], as_known_at=at).cases
    kept = [c for c in cases if c.get("trend") is not None]
    assert len(kept) >= 6  # unchanged since the instant: read with their kept figures
    afresh = [{k: v for k, v in c.items() if k != "trend"} for c in cases]
    scope = services.reports.board(county="cumbria", as_known_at=at, date_from=date(2026, 7, 1),
                                   date_to=date_to).scope
    options = {"scope": {k: v for k, v in scope.items() if k != "label"}, "as_known_at": at,
               "date_from": date(2026, 7, 1), "date_to": date_to}
    with_kept = by(build_board_report(cases, **options), "trend", "quarter")
    assert with_kept == by(build_board_report(afresh, **options), "trend", "quarter")
    assert any(q["overdue"] for q in with_kept.values())
    if date_to == date(2027, 6, 30):  # counted from the tails alone: the IMR still overdue
        assert with_kept["2027 Q2"]["overdue"] >= 1
