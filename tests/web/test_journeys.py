"""Journeys through the pages alone, on both backends: a coordinator opens a DARDR and takes it
through every stage of a review to closed; an ASB Case Review received and its threshold decided
with the evaluation complaint by complaint; an encampment from its report, the welfare assessment
before any notice, to the site cleared. Each step is the command's form, as a person fills it in;
the stage is read back from the case to be sure it was recorded."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from application.principals import Grant, Role
from tests.e2e.http_support import Server, live_server
from tests.web.support import axe_violations, follow, person, sign_in

COORDINATOR = Grant(Role.COORDINATOR, partnership="cumberland")


def fill_in(page: Any, fill: Mapping[str, str], check: Iterable[str]) -> None:
    """Type into each field (by its label, or ``#id`` where labels repeat, as in a list of
    complaints), choose in selects by the words shown, and tick radios and checkboxes."""
    for name, value in fill.items():
        target = page.locator(name) if name.startswith("#") else page.get_by_label(name, exact=True)
        if target.evaluate("e => e.tagName") == "SELECT":
            target.select_option(label=value)
        else:
            target.fill(value)
    for label in check:
        page.get_by_label(label, exact=True).check()


def record(page: Any, server: Server, ref: str, command: str, *, stage: str, on: str,
           fill: Mapping[str, str] | None = None, check: Iterable[str] = (), why: str = "") -> None:
    """The command's form, filled in and recorded; the case is then at ``stage``."""
    page.goto(f"{server.url}/cases/{ref}/do/{command}")
    fill_in(page, {**(fill or {}), "When did it happen? (optional)": on,
                   **({"Why (optional)": why} if why else {})}, check)
    follow(page, page.get_by_role("button", name="Record"))
    page.wait_for_load_state()
    assert not page.title().startswith("Error: "), page.locator(".govuk-error-summary").inner_text()
    assert page.url == f"{server.url}/cases/{ref}?recorded={command}"
    assert server.services.cases.load_case(ref).stage == stage, command


def refused(page: Any, message: str) -> None:
    """The form again, with the domain's refusal in its error summary."""
    follow(page, page.get_by_role("button", name="Record"))
    assert page.title().startswith("Error: ")
    assert message in page.locator(".govuk-error-summary").inner_text()


def open_case(page: Any, server: Server, kind: str, fill: Mapping[str, str],
              check: Iterable[str] = ()) -> str:
    """``/cases/new``, the type, then its opening form; the new case's reference."""
    page.goto(f"{server.url}/cases/new")
    page.get_by_label(kind, exact=True).check()
    follow(page, page.get_by_role("button", name="Continue"))
    fill_in(page, fill, check)
    follow(page, page.get_by_role("button", name="Open the case"))
    page.wait_for_url(f"{server.url}/cases/*?recorded=*")
    return str(page.url.split("/cases/")[1].split("?")[0])


def test_a_dardr_through_every_stage_to_closed(browser: Any, database_url: str) -> None:
    with live_server(database_url) as server:
        page = sign_in(browser, server, person(server, "cora", COORDINATOR))
        ref = open_case(page, server, "Domestic Abuse Related Death Review (DARDR)", {
            "Partnership": "Cumberland CSP", "Date of death": "2026-01-15", "Victim pseudonym": "Anna",
            "Notifying agency": "cumbria-police",
            "When was the partnership notified? (optional)": "2026-01-20",
        }, check=["Intimate partner", "Homicide"])
        assert ref == "CUM-DARDR-2026-001"
        assert server.services.cases.load_case(ref).stage == "notified"

        record(page, server, ref, "start-scoping", stage="scoping", on="2026-01-29",
               fill={"Agencies": "cumbria-police, probation"})
        record(page, server, ref, "decide-review", stage="commissioning", on="2026-02-16",
               fill={"Rationale": "s.9 criteria met"}, check=["Hold a review"])
        record(page, server, ref, "notify-home-office", stage="commissioning", on="2026-02-18")
        record(page, server, ref, "appoint-chair", stage="commissioning", on="2026-03-02",
               fill={"Name": "Chris Chair"})
        record(page, server, ref, "add-panel-member", stage="commissioning", on="2026-03-03",
               fill={"Agency": "cumbria-police", "Name": "DI Example", "Role": "Police lead"})
        record(page, server, ref, "record-panel-meeting", stage="commissioning", on="2026-03-10")
        record(page, server, ref, "agree-terms", stage="evidence-gathering", on="2026-03-10", fill={
            "Start of the period under review": "2023-01-01",
            "End of the period under review": "2026-01-15",
            "Agencies": "cumbria-police, probation",
            "Key lines of enquiry (optional)": "Contact with services\nRisk assessments"})
        record(page, server, ref, "circulate-draft", stage="drafting", on="2026-05-01")
        record(page, server, ref, "agree-report", stage="local-sign-off", on="2026-06-15")

        # Signing off without the family's involvement needs a reason: the domain says so on the form
        page.goto(f"{server.url}/cases/{ref}/do/sign-off")
        fill_in(page, {"When did it happen? (optional)": "2026-06-20"}, ())
        refused(page, "reason")
        record(page, server, ref, "sign-off", stage="local-sign-off", on="2026-06-20",
               why="The family asked not to be contacted")
        record(page, server, ref, "send-commissioner-copy", stage="local-sign-off", on="2026-06-22")
        record(page, server, ref, "submit-report", stage="submitted-to-home-office", on="2026-06-25")
        record(page, server, ref, "record-qa-outcome", stage="amending", on="2026-08-01",
               check=["Approved subject to amendments"],
               fill={"Points (optional)": "Clarify the chronology"})
        record(page, server, ref, "complete-amendments", stage="approved", on="2026-08-20")
        record(page, server, ref, "publish-report", stage="published", on="2026-09-10",
               fill={"Web address": "https://example.org/dardr.pdf"})
        record(page, server, ref, "close-case", stage="closed", on="2026-10-01",
               fill={"Outcome": "Review published"})
        assert server.services.cases.load_case(ref).is_closed


def test_an_asb_case_review_threshold_decided_complaint_by_complaint(browser: Any, database_url: str) -> None:
    with live_server(database_url) as server:
        page = sign_in(browser, server, person(server, "cora", COORDINATOR))
        complaints = {}
        for slot, (behaviour, reported, agency) in enumerate((
                ("2026-09-05", "2026-09-06", "cumbria-police"),
                ("2026-10-01", "2026-10-02", "cumberland-council"),
                ("2026-10-20", "2026-10-20", "probation")), start=1):
            complaints |= {f"#complaints-{slot}-behaviour": behaviour,
                           f"#complaints-{slot}-reported": reported,
                           f"#complaints-{slot}-agency": agency}
        ref = open_case(page, server, "ASB Case Review", {
            "Local focus hub": "Allerdale Local Focus Hub", "Applicant name": "Jem Irthing",
            "When was the application received? (optional)": "2026-11-02", **complaints,
        }, check=["Online", "Individual"])
        assert ref == "CUM-ASB-2026-001"
        record(page, server, ref, "acknowledge-application", stage="gathering-information",
               on="2026-11-03", fill={"Agencies (optional)": "cumbria-police"})

        # The decision's form shows the evaluation: the rules, and each complaint with why it counts
        page.goto(f"{server.url}/cases/{ref}/do/decide-threshold")
        assert "The threshold is met: three complaints in six months" in page.locator("main").inner_text()
        rows = page.locator("table tbody tr")
        assert rows.count() == 3
        for i in range(3):
            cells = rows.nth(i).locator("td").all_inner_texts()
            assert cells[2] == "Yes" and cells[3].strip(), cells
        assert axe_violations(page) == []

        # 'Not met' when the statutory rule is met is refused, with the statute on the page
        fill_in(page, {"When did it happen? (optional)": "2026-11-05", "Reasons (optional)": "Not enough"},
                ["No"])
        refused(page, "s.104")
        assert server.services.cases.load_case(ref).stage == "gathering-information"
        record(page, server, ref, "decide-threshold", stage="review-pending", on="2026-11-05", check=["Yes"])


def test_an_encampment_welfare_first_then_to_the_site_cleared(browser: Any, database_url: str) -> None:
    with live_server(database_url) as server:
        page = sign_in(browser, server, person(server, "cora", COORDINATOR))
        ref = open_case(page, server, "Unauthorised encampment", {
            "Location": "Playing field (test)", "Local focus hub (optional)": "Allerdale Local Focus Hub",
            "Caravans (optional)": "6", "When was it reported? (optional)": "2026-11-02T14:30"})
        assert ref == "CUM-UE-2026-001"
        record(page, server, ref, "establish-ownership", stage="triage", on="2026-11-03T09:00",
               check=["Council land"])

        # A direction before the welfare assessment: the page explains the stage, and a form posted
        # anyway (from a tab left open) is refused with the welfare-first rule, nothing recorded
        page.goto(f"{server.url}/cases/{ref}/do/serve-direction")
        assert "You cannot do this" in page.get_by_role("heading", level=1).inner_text()
        assert "Enforcing" in page.locator("main").inner_text()
        before = server.services.cases.load_case(ref).version
        token = page.locator("input[name=csrf_token]").first.get_attribute("value")
        posted = page.request.post(f"{server.url}/cases/{ref}/do/serve-direction", headers={
            "Accept": "text/html"}, form={"csrf_token": token, "power": "s77", "on": "2026-11-03T09:30"})
        assert posted.status == 400
        assert "may not be served before a welfare assessment" in posted.text()
        assert server.services.cases.load_case(ref).version == before

        record(page, server, ref, "visit", stage="assessing", on="2026-11-03T10:00",
               fill={"Adults (optional)": "8", "Children (optional)": "3"})
        record(page, server, ref, "assess-welfare", stage="assessing", on="2026-11-03T11:00",
               check=["Health", "Education"])
        record(page, server, ref, "assess-impact", stage="deciding", on="2026-11-03T11:30",
               fill={"Threat": "3", "Likelihood": "2"})
        record(page, server, ref, "decide-encampment", stage="enforcing", on="2026-11-03T14:00",
               check=["Not allow"], fill={"Power (optional)": "Direction to leave (CJPOA 1994 s.77)",
                                          "Reasons (optional)": "Sports pitch in use"})
        record(page, server, ref, "serve-direction", stage="enforcing", on="2026-11-03T15:00",
               check=["Direction to leave (CJPOA 1994 s.77)"])
        record(page, server, ref, "vacate", stage="vacated", on="2026-11-04T10:00")
        record(page, server, ref, "clear-site", stage="closed", on="2026-11-05T10:00",
               fill={"Clean-up cost (£) (optional)": "250"})


def test_a_dardr_decided_without_a_review_goes_by_the_home_office_to_closed(
        browser: Any, database_url: str) -> None:
    """The other DARDR stages: no review decided, the Home Office told and its view awaited; it
    agrees, and the case closes (statutory guidance 2016: the Home Office is told of a decision
    not to hold a review and may ask for one)."""
    with live_server(database_url) as server:
        page = sign_in(browser, server, person(server, "cora", COORDINATOR))
        ref = open_case(page, server, "Domestic Abuse Related Death Review (DARDR)", {
            "Partnership": "Cumberland CSP", "Date of death": "2026-01-15", "Victim pseudonym": "Anna",
            "Notifying agency": "cumbria-police",
            "When was the partnership notified? (optional)": "2026-01-20",
        }, check=["Intimate partner", "Homicide"])
        record(page, server, ref, "start-scoping", stage="scoping", on="2026-01-29",
               fill={"Agencies": "cumbria-police"})
        record(page, server, ref, "decide-review", stage="decided-no-review", on="2026-02-16",
               fill={"Rationale": "criteria not met: no domestic abuse known"}, check=["No review"])
        record(page, server, ref, "notify-home-office", stage="awaiting-home-office-view",
               on="2026-02-18")
        record(page, server, ref, "record-home-office-view", stage="closed", on="2026-03-20",
               check=["Agrees that no review is needed"])
        assert "Closed" in page.locator("main").inner_text()
