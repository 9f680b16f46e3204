"""ASB Case Reviews through the real command line, on SQLite and PostgreSQL."""

from __future__ import annotations

from tests.e2e.support import Cli

REF = "CUM-ASB-2026-001"
GOOD = ["--complaint", "behaviour=2026-01-05,reported=2026-01-06,agency=cumbria-police,reference=INC-1",
        "--complaint", "behaviour=2026-01-20,reported=2026-02-10,agency=home-group",
        "--complaint", "behaviour=2026-02-01,reported=2026-02-01,agency=cumberland-council,hate"]


def receive(cli: Cli, *complaints: str, on: str = "2026-03-02") -> dict:
    return cli.json("asb", "receive", "--partnership", "cumberland", "--hub", "allerdale",
                    "--channel", "online", "--applicant-type", "individual",
                    "--applicant-name", "Jem Irthing", "--applicant-contact", "01234",
                    "--consent", *complaints, "--on", on)


def test_statutory_threshold_met_then_review_and_annual_report(cli: Cli) -> None:
    created = receive(cli, *GOOD)
    assert created["reference"] == REF and created["stage"] == "received"
    ev = cli.json("asb", "evaluate-threshold", REF)
    assert ev["met"] is True and ev["rule"] == "statutory-minimum"
    assert [c["qualifying"] for c in ev["complaints"]] == [True, True, True]
    assert "reason" in ev["complaints"][0]
    human = cli("asb", "evaluate-threshold", REF).out
    assert "statutory-minimum" in human
    cli.json("asb", "acknowledge", REF, "--request-from", "cumbria-police,home-group",
             "--on", "2026-03-03")
    error = cli.fails(3, "asb", "decide-threshold", REF, "--not-met", "--on", "2026-03-05")
    assert "s.104" in error["message"]
    assert cli.json("asb", "decide-threshold", REF, "--met", "--on", "2026-03-05")["stage"] == "review-pending"
    cli.fails(3, "asb", "hold-meeting", REF, "--chair", "Chair", "--on", "2026-03-12")
    cli.json("asb", "notify-threshold", REF, "--method", "letter", "--on", "2026-03-06")
    held = cli.json("asb", "hold-meeting", REF, "--chair", "Chair", "--independent-chair",
                    "--victim-invited", "--victim-attended", "--date", "2026-03-12")
    assert held["stage"] == "review-held"
    cli.json("asb", "recommend", REF, "--recommendation", "Joint visit", "--on", "2026-03-12")
    cli.json("asb", "share-action-plan", REF, "--on", "2026-03-13")
    cli.json("asb", "record-victim-comments", REF, "--comments", "Fine", "--on", "2026-03-16")
    done = cli.json("asb", "notify-outcome", REF, "--method", "email", "--on", "2026-03-17")
    assert done["stage"] == "monitoring-actions"
    report = cli.json("report", "asb-annual", "--partnership", "cumberland", "--year", "2025")
    assert {k: report[k] for k in ("applications", "threshold_not_met", "reviews_carried_out",
                                   "reviews_with_recommendations")} == {
        "applications": 1, "threshold_not_met": 0, "reviews_carried_out": 1,
        "reviews_with_recommendations": 1}
    assert cli.json("report", "asb-annual", "--partnership", "cumberland", "--year", "2026")["applications"] == 0
    shown = cli.show(REF)
    assert shown["stage"] == "monitoring-actions"


def test_complaint_reported_before_the_behaviour_is_refused(cli: Cli) -> None:
    error = cli.fails(3, "asb", "receive", "--partnership", "cumberland", "--hub", "allerdale",
                      "--channel", "online", "--applicant-type", "individual",
                      "--applicant-name", "Jem", "--complaint",
                      "behaviour=2026-01-10,reported=2026-01-09,agency=cumbria-police",
                      "--on", "2026-03-02")
    assert "before the behaviour" in error["message"]
    bad = cli.fails(2, "asb", "receive", "--partnership", "cumberland", "--hub", "allerdale",
                    "--channel", "online", "--applicant-type", "individual",
                    "--applicant-name", "Jem", "--complaint", "behaviour=2026-01-10",
                    "--on", "2026-03-02")
    assert "reported" in bad["message"]


def test_not_met_appeal_out_of_window_and_close(cli: Cli) -> None:
    receive(cli, "--complaint", "behaviour=2026-01-05,reported=2026-02-09,agency=cumbria-police")
    ev = cli.json("asb", "evaluate-threshold", REF)
    assert ev["met"] is False and "more than one month" in ev["complaints"][0]["reason"]
    # the application must be passed on to a relevant body (ASBCPA 2014 s.104(3)(b))
    assert "at least one" in cli.fails(3, "asb", "acknowledge", REF, "--on", "2026-03-03")["message"]
    cli.json("asb", "acknowledge", REF, "--request-from", "cumbria-police", "--on", "2026-03-03")
    cli.json("asb", "decide-threshold", REF, "--not-met", "--reasons", "none met", "--on", "2026-03-10")
    cli.fails(3, "asb", "close", REF, "--outcome", "not met", "--on", "2026-03-11")
    cli.json("asb", "notify-threshold", REF, "--method", "letter", "--on", "2026-03-12")
    inside = cli.fails(3, "asb", "close", REF, "--outcome", "Not met", "--on", "2026-03-20")
    assert "record-no-appeal" in inside["message"]  # Sch.4 para 3: the window is still open
    late = cli.fails(3, "asb", "lodge-appeal", REF, "--grounds", "x", "--on", "2026-04-14")
    assert "window" in late["message"]
    closed = cli.json("asb", "close", REF, "--outcome", "Not met", "--on", "2026-04-15")
    assert closed["stage"] == "closed"
    report = cli.json("report", "asb-annual", "--partnership", "cumberland", "--year", "2025")
    assert report["threshold_not_met"] == 1


def test_the_applicant_waives_the_appeal_and_the_case_closes_in_the_window(cli: Cli) -> None:
    """ASBCPA 2014 Sch.4 para 3: an applicant who says they will not appeal; the case may close."""
    receive(cli, "--complaint", "behaviour=2026-01-05,reported=2026-02-09,agency=cumbria-police")
    cli.json("asb", "acknowledge", REF, "--request-from", "cumbria-police", "--on", "2026-03-03")
    bare = cli.fails(2, "asb", "decide-threshold", REF, "--not-met", "--on", "2026-03-10")
    assert "reasons" in bare["message"]  # s.104(6): the applicant is told the decision, with reasons
    cli.json("asb", "decide-threshold", REF, "--not-met", "--reasons", "none met",
             "--category", "vexatious", "--on", "2026-03-10")
    assert cli.show(REF)["details"]["not_met_category"] == "vexatious"
    cli.fails(3, "asb", "record-no-appeal", REF, "--on", "2026-03-11")  # no notice yet
    cli.json("asb", "notify-threshold", REF, "--method", "letter", "--on", "2026-03-12")
    cli.json("asb", "record-no-appeal", REF, "--on", "2026-03-13")
    assert cli.json("asb", "close", REF, "--outcome", "Not met", "--on", "2026-03-16")["stage"] == "closed"


def test_a_third_party_applies_only_with_the_victims_consent(cli: Cli) -> None:
    """Cumberland and Westmorland and Furness published ASB case review procedure: a third party
    applies on the victim's behalf 'with their consent'."""
    args = ["asb", "receive", "--partnership", "cumberland", "--hub", "allerdale", "--channel",
            "online", "--applicant-type", "third-party-with-consent", "--applicant-name", "Cllr X",
            *GOOD, "--on", "2026-03-02"]
    refused = cli.fails(3, *args)
    assert "consent" in refused["message"]
    assert cli.json(*args, "--victim-consent")["reference"] == REF
    assert cli.show(REF)["details"]["victim_consent"]


def test_the_victims_landlord_is_passed_the_application(cli: Cli) -> None:
    """ASBCPA 2014 s.104(3)(b), s.105: the victim's social landlord, a co-opted relevant body."""
    receive(cli, *GOOD, "--victim-landlord", "home-group")
    refused = cli.fails(3, "asb", "acknowledge", REF, "--request-from", "cumbria-police",
                        "--on", "2026-03-03")
    assert "home-group" in refused["message"]
    cli.json("asb", "acknowledge", REF, "--request-from", "cumbria-police,home-group",
             "--on", "2026-03-03")
    assert cli.show(REF)["details"]["passed_to"] == ["cumbria-police", "home-group"]


def test_the_victims_choice_of_involvement_is_followed(cli: Cli) -> None:
    """2025 ASB statutory guidance (as summarised; text not verified): the victim chooses their
    level of involvement; inviting them against it needs a reason (exit 3); a bad level exit 2."""
    receive(cli, *GOOD)
    cli.fails(2, "asb", "choose-involvement", REF, "--level", "maybe", "--on", "2026-03-02")
    cli.json("asb", "choose-involvement", REF, "--level", "written-views", "--on", "2026-03-02")
    cli.json("asb", "assign-victim-contact", REF, "--agency", "cumberland-council", "--name",
             "Officer Quill", "--on", "2026-03-02")
    cli.json("asb", "acknowledge", REF, "--request-from", "cumbria-police", "--on", "2026-03-03")
    cli.json("asb", "decide-threshold", REF, "--met", "--on", "2026-03-05")
    cli.json("asb", "notify-threshold", REF, "--method", "letter", "--on", "2026-03-06")
    against = cli.fails(3, "asb", "hold-meeting", REF, "--chair", "Chair", "--victim-invited",
                        "--date", "2026-03-12")
    assert "written-views" in against["message"]
    held = cli.json("asb", "hold-meeting", REF, "--chair", "Chair", "--date", "2026-03-12")
    assert held["stage"] == "review-held"
    details = cli.show(REF)["details"]
    assert details["victim_invited"] is False and details["victim_contact_agency"] == "cumberland-council"


def test_the_victim_is_told_of_the_closure(cli: Cli) -> None:
    """2025 ASB statutory guidance (as summarised; text not verified): told when and why."""
    receive(cli, *GOOD)
    cli.fails(3, "asb", "tell-victim-closure", REF, "--method", "letter", "--why", "x",
              "--on", "2026-03-03")  # not closed yet
    cli.json("asb", "close", REF, "--outcome", "Withdrawn", "--reason", "applicant withdrew",
             "--on", "2026-03-03")
    cli.json("asb", "tell-victim-closure", REF, "--method", "letter", "--why", "You withdrew",
             "--on", "2026-03-04")
    assert cli.show(REF)["details"]["victim_told_of_closure"]


def test_a_second_report_within_six_months_is_flagged_on_the_case_list_and_deadlines(cli: Cli) -> None:
    """2025 ASB statutory guidance (as summarised by Cobb Warren and ASB Help, research A.5; text
    not verified): a victim who reports again within six months is told about the case review.
    Given one complainant's reports on 6 January and 6 July 2026 (six calendar months to the day,
    so within), then the case list and the deadlines view star the case; a report on 7 July by the
    same complainant in another case is not within six months; marking the second report as a
    duplicate of the first clears the flag."""
    first = "behaviour=2026-01-05,reported=2026-01-06,agency=cumbria-police,complainant=k1"
    receive(cli, "--complaint", first, "--complaint",
            "behaviour=2026-07-01,reported=2026-07-06,agency=home-group,complainant=k1",
            on="2026-08-03")
    later = receive(cli, "--complaint", first, "--complaint",
                    "behaviour=2026-07-01,reported=2026-07-07,agency=home-group,complainant=k1",
                    on="2026-08-03")["reference"]
    flags = {r["reference"]: r["second_report"] for r in cli.json("case", "list", "--type", "asb")}
    assert flags == {REF: True, later: False}
    listed = cli("case", "list", "--type", "asb").out
    assert f"{REF} *" in listed and f"{later} *" not in listed
    assert "reported again within six months" in listed
    due = cli.json("deadlines", "--type", "asb", "--as-at", "2026-08-03")
    assert {r["case"] for r in due} == {REF, later}
    assert all(r["second_report"] == (r["case"] == REF) for r in due)
    assert "reported again within six months" in cli("deadlines", "--type", "asb",
                                                     "--as-at", "2026-08-03").out
    complaints = [c["id"] for c in cli.json("asb", "evaluate-threshold", REF)["complaints"]]
    cli.json("asb", "mark-duplicate", REF, "--complaints", ",".join(complaints),
             "--why", "The same incident", "--on", "2026-08-04")
    assert [r["second_report"] for r in cli.json("case", "list", "--type", "asb")] == [False, False]
    assert "*" not in cli("case", "list", "--type", "asb").out
