"""Encampments through the real command line, on SQLite and PostgreSQL (exit codes per cli.md)."""

from __future__ import annotations

from tests.e2e.support import Cli

REF = "CUM-UE-2026-001"


def report(cli: Cli, on: str = "2026-03-02T14:30", grid: str = "NY 401 559") -> dict:
    return cli.json("encampment", "report", "--partnership", "cumberland", "--hub", "carlisle",
                    "--location", "Playing field (test)", "--grid-ref", grid, "--caravans", "6",
                    "--vehicles", "4", "--group", "GRP-C", "--on", on)


def step(cli: Cli, verb: str, *args: str, ref: str = REF) -> dict:
    return cli.json("encampment", verb, ref, *args)


def test_report_to_direction_with_refusals_and_a_flagged_return(cli: Cli):
    created = report(cli)
    assert created["reference"] == REF and created["stage"] == "reported"
    # A DARDR command given to an encampment: invalid input, naming the commands it allows.
    wrong = cli.fails(2, "dardr", "decide", REF, "--outcome", "review", "--rationale", "r",
                      "--on", "2026-03-02T15:00")
    assert wrong["code"] == "invalid-input"
    assert wrong["message"].startswith(
        f"{REF} is an encampment case, not a dardr case; an encampment case's commands: ")
    assert "establish-ownership" in wrong["message"] and "start-scoping" not in wrong["message"]
    step(cli, "establish-ownership", "--land", "council", "--on", "2026-03-03T09:00")
    error = cli.fails(3, "encampment", "serve-direction", REF, "--power", "s77",
                      "--on", "2026-03-03T09:30")
    assert "welfare assessment" in error["message"]
    step(cli, "visit", "--caravans", "6", "--adults", "8", "--children", "3", "--on", "2026-03-03T10:00")
    assert cli.fails(2, "encampment", "assess-impact", REF, "--threat", "4", "--likelihood", "1",
                     "--on", "2026-03-03T10:30")["code"] == "invalid-input"
    step(cli, "assess-welfare", "--needs", "health,education", "--on", "2026-03-03T11:00")
    assert step(cli, "assess-impact", "--threat", "3", "--likelihood", "2",
                "--on", "2026-03-03T11:30")["stage"] == "deciding"
    assert step(cli, "decide", "--not-allow", "--power", "s77", "--reasons", "Sports pitch",
                "--on", "2026-03-03T14:00")["stage"] == "enforcing"
    step(cli, "serve-direction", "--power", "s77", "--on", "2026-03-03T15:00")
    error = cli.fails(3, "encampment", "issue-summons", REF, "--hearing", "2026-03-05T09:00",
                      "--on", "2026-03-04T10:00")
    assert "24 hours" in error["message"]
    error = cli.fails(3, "encampment", "issue-claim", REF, "--hearing", "2026-03-06T10:00",
                      "--method", "stakes", "--on", "2026-03-04T10:00")
    assert "clear days" in error["message"]

    shown = cli.show(REF)
    assert shown["no_return_windows"] == [{"power": "s77", "from": "2026-03-03", "until": "2026-06-02"}]

    again = report(cli, on="2026-05-18T11:00")
    window = {"case": REF, "power": "s77", "from": "2026-03-03", "until": "2026-06-02"}
    assert again["within_no_return_window"] == window
    assert cli.show(again["reference"])["within_no_return_window"] == window
    human = cli("case", "show", again["reference"]).out
    assert REF in human and "2026-06-02" in human


def test_tolerated_then_vacated_and_cleared(cli: Cli):
    report(cli, on="2026-03-07T11:00")  # a Saturday: initial visit due end of Monday
    shown = cli.show(REF)
    assert shown["deadlines"][0]["name"] == "initial-visit"
    assert shown["deadlines"][0]["due"].startswith("2026-03-09T23:59:59")
    step(cli, "establish-ownership", "--land", "private", "--owner", "A. Farmer", "--on", "2026-03-09T09:00")
    step(cli, "visit", "--on", "2026-03-09T10:00")
    step(cli, "assess-welfare", "--on", "2026-03-09T11:00")
    step(cli, "assess-impact", "--threat", "1", "--likelihood", "1", "--on", "2026-03-09T11:30")
    assert step(cli, "decide", "--tolerate", "--leave-by", "2026-03-20",
                "--on", "2026-03-09T14:00")["stage"] == "tolerated"
    assert step(cli, "vacate", "--voluntary", "--on", "2026-03-19T10:00")["stage"] == "vacated"
    assert step(cli, "clear-site", "--cleanup-cost", "250", "--on", "2026-03-20T10:00")["stage"] == "closed"
    assert cli.show(REF)["details"]["cleanup_cost"] == 25000


def test_a_power_used_before_it_came_into_force_is_refused(cli: Cli):
    """CJPOA 1994 s.60C, inserted by PCSCA 2022 s.83, in force 28 June 2022: a not-allow
    decision choosing s60c on 21 June 2022 is refused by a rule (exit 3)."""
    ref = "CUM-UE-2022-001"
    created = cli.json("encampment", "report", "--partnership", "cumberland", "--location",
                       "Lay-by (test)", "--grid-ref", "NY 1 1", "--on", "2022-06-20T10:00")
    assert created["reference"] == ref
    step(cli, "establish-ownership", "--land", "council", "--on", "2022-06-20T11:00", ref=ref)
    step(cli, "visit", "--on", "2022-06-20T12:00", ref=ref)
    step(cli, "assess-welfare", "--on", "2022-06-20T13:00", ref=ref)
    step(cli, "assess-impact", "--threat", "1", "--likelihood", "1", "--on", "2022-06-20T13:30",
         ref=ref)
    error = cli.fails(3, "encampment", "decide", ref, "--not-allow", "--power", "s60c",
                      "--reasons", "r", "--on", "2022-06-21T09:00")
    assert "not in force on 2022-06-21" in error["message"] and "28" in error["message"]


def test_a_possession_claim_records_its_service_under_cpr_55(cli: Cli):
    """CPR 55.5(2) and 2.8(4): 2 clear days for land, weekends not counting; CPR 55.6: persons
    unknown are served on the land or on stakes. No method: invalid input (exit 2); post against
    persons unknown: refused (exit 3); Friday 6 March to Tuesday 10 March 2026 leaves only
    Monday 9 March: refused (exit 3); Wednesday 11 March is served on stakes."""
    report(cli)
    step(cli, "establish-ownership", "--land", "private", "--on", "2026-03-03T09:00")
    step(cli, "visit", "--on", "2026-03-03T10:00")
    step(cli, "assess-welfare", "--on", "2026-03-03T11:00")
    step(cli, "assess-impact", "--threat", "2", "--likelihood", "2", "--on", "2026-03-03T11:30")
    step(cli, "decide", "--not-allow", "--power", "cpr55", "--reasons", "Possession",
         "--on", "2026-03-03T14:00")
    missing = cli.fails(2, "encampment", "issue-claim", REF, "--hearing", "2026-03-11T10:00",
                        "--on", "2026-03-06T10:00")
    assert missing["code"] == "invalid-input"
    post = cli.fails(3, "encampment", "issue-claim", REF, "--hearing", "2026-03-11T10:00",
                     "--method", "post", "--on", "2026-03-06T10:00")
    assert "CPR 55.6" in post["message"]
    weekend = cli.fails(3, "encampment", "issue-claim", REF, "--hearing", "2026-03-10T10:00",
                        "--method", "stakes", "--on", "2026-03-06T10:00")
    assert "1 clear days" in weekend["message"] and "2026-03-11" in weekend["message"]
    step(cli, "issue-claim", "--hearing", "2026-03-11T10:00", "--method", "stakes",
         "--on", "2026-03-06T10:00")
    step(cli, "issue-claim", "--hearing", "2026-03-11T10:00", "--method", "post", "--named",
         "--on", "2026-03-06T10:30")


def test_a_never_acceptable_location_needs_a_reason_to_be_tolerated(cli: Cli):
    """Local policy (illustrative, Cumberland impact factors): a location marked never acceptable
    is tolerated only with a reason: refused without one (exit 3), recorded with one."""
    report(cli)
    step(cli, "establish-ownership", "--land", "council", "--on", "2026-03-03T09:00")
    step(cli, "visit", "--on", "2026-03-03T10:00")
    step(cli, "assess-welfare", "--on", "2026-03-03T11:00")
    step(cli, "assess-impact", "--threat", "2", "--likelihood", "2", "--never-acceptable",
         "--on", "2026-03-03T11:30")
    error = cli.fails(3, "encampment", "decide", REF, "--tolerate", "--leave-by", "2026-03-16",
                      "--on", "2026-03-03T14:00")
    assert "never acceptable" in error["message"]
    assert step(cli, "decide", "--tolerate", "--leave-by", "2026-03-16", "--reason",
                "No other stopping place", "--on", "2026-03-03T14:00")["stage"] == "tolerated"


def test_a_s61_direction_needs_its_statutory_conditions(cli: Cli):
    """CJPOA 1994 s.61(1): the occupier's reasonable steps to ask them to leave, and damage,
    disruption or distress, or six or more vehicles. Without the steps: refused (exit 3); an
    unknown ground: invalid input (exit 2); with both: served."""
    report(cli)
    step(cli, "establish-ownership", "--land", "council", "--on", "2026-03-03T09:00")
    step(cli, "visit", "--on", "2026-03-03T10:00")
    step(cli, "assess-welfare", "--on", "2026-03-03T11:00")
    step(cli, "assess-impact", "--threat", "3", "--likelihood", "3", "--on", "2026-03-03T11:30")
    step(cli, "decide", "--not-allow", "--power", "s61", "--reasons", "Damage",
         "--on", "2026-03-03T14:00")
    error = cli.fails(3, "encampment", "serve-direction", REF, "--power", "s61",
                      "--grounds", "damage", "--on", "2026-03-03T15:00")
    assert "reasonable steps" in error["message"]
    assert cli.fails(2, "encampment", "serve-direction", REF, "--power", "s61",
                     "--occupier-asked", "--grounds", "noise",
                     "--on", "2026-03-03T15:00")["code"] == "invalid-input"
    step(cli, "serve-direction", "--power", "s61", "--occupier-asked", "--grounds",
         "damage,six-vehicles", "--on", "2026-03-03T15:00")
    assert cli.show(REF)["no_return_windows"][0]["until"] == "2027-03-02"


def test_a_s78_order_on_private_land_is_not_enforced_without_the_entry_notice(cli: Cli):
    """CJPOA 1994 s.78(3) (as recalled, not re-read): 24 hours' notice to the owner and occupier
    before entering occupied land. Without notice: refused (exit 3); after it, enforced."""
    report(cli)
    step(cli, "establish-ownership", "--land", "private", "--owner", "A. Farmer",
         "--on", "2026-03-03T09:00")
    step(cli, "visit", "--on", "2026-03-03T10:00")
    step(cli, "assess-welfare", "--on", "2026-03-03T11:00")
    step(cli, "assess-impact", "--threat", "2", "--likelihood", "2", "--on", "2026-03-03T11:30")
    step(cli, "decide", "--not-allow", "--power", "s77", "--reasons", "r", "--on", "2026-03-03T14:00")
    step(cli, "serve-direction", "--power", "s77", "--on", "2026-03-03T15:00")
    step(cli, "issue-summons", "--hearing", "2026-03-06T10:00", "--on", "2026-03-04T17:00")
    step(cli, "record-hearing", "--result", "order-granted", "--on", "2026-03-06T12:00")
    step(cli, "grant-order", "--order", "s78", "--on", "2026-03-06T12:30")
    step(cli, "serve-order", "--order", "s78", "--on", "2026-03-06T14:00")
    error = cli.fails(3, "encampment", "enforce", REF, "--on", "2026-03-08T12:00")
    assert "s.78(3)" in error["message"]
    step(cli, "give-entry-notice", "--on", "2026-03-07T10:00")
    step(cli, "enforce", "--on", "2026-03-08T12:00")
