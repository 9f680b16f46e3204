"""The case list and the case page, on both backends: filters by type, stage, hub, agency and
status; the case page's sections and what can be done now; the read in the access log; refusals
recorded as denied; a restricted case's listing; no personal data in a URL or a title; WCAG 2.2 AA
(axe-core) and a 320 px wide screen."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from application.commands import (
    CloseCase,
    Complaint,
    LinkProcess,
    NotifyDeath,
    ReceiveApplication,
    ReportEncampment,
    StartScoping,
)
from application.commands.common import RestrictCase
from application.commands.dardr import GiveFamilyLeaflet
from application.principals import Grant, Role
from application.service import Meta
from interfaces.bootstrap import Services
from tests.e2e.http_support import Server, live_server
from tests.web.support import axe_violations, follow, person, screenshot, sign_in

COORDINATOR = Grant(Role.COORDINATOR, partnership="cumberland")
VICTIM = "Zephyrine Quillfeather"  # a pseudonym no page may put in a URL or a title
APPLICANT = "Ottoline Brackenridge"


def open_dardr(services: Services, on: str, pseudonym: str = "Anna") -> str:
    died = (date.fromisoformat(on) - timedelta(days=5)).isoformat()
    command = NotifyDeath(partnership="cumberland", date_of_death=died, victim_pseudonym=pseudonym,
                          notified_by="cumbria-police", relationship="intimate-partner",
                          death_type="homicide")
    return services.cases.open(command, Meta(actor="cora", on=on)).reference


def open_asb(services: Services, on: str) -> str:
    command = ReceiveApplication(
        partnership="cumberland", hub="allerdale", channel="online", applicant_type="individual",
        applicant_name=APPLICANT, complaints=[
            Complaint(behaviour="2026-10-01", reported="2026-10-02", agency="cumbria-police"),
            Complaint(behaviour="2026-10-20", reported="2026-10-21", agency="cumberland-council",
                      hate=True)])
    return services.cases.open(command, Meta(actor="cora", on=on)).reference


def open_encampment(services: Services, on: str) -> str:
    command = ReportEncampment(partnership="cumberland", hub="allerdale", location="Lay-by (test)",
                               caravans=4, vehicles=2)
    return services.cases.open(command, Meta(actor="cora", on=on), views=services.views).reference


def seeded(server: Server) -> dict[str, str]:
    """A DARDR in scoping (the family's leaflet given, an inquest linked), an ASB case review in Allerdale
    and a closed encampment in Allerdale."""
    services = server.services
    dardr = open_dardr(services, "2026-10-01", VICTIM)
    for command, on in ((StartScoping(agencies=["cumbria-police"]), "2026-10-05"),
                        (GiveFamilyLeaflet(), "2026-10-06"),
                        (LinkProcess(kind="inquest", reference="INQ-7"), "2026-10-07")):
        services.cases.execute(dardr, command, Meta(actor="cora", on=on))
    asb = open_asb(services, "2026-11-18")
    camp = open_encampment(services, "2026-11-02T10:00")
    services.cases.execute(camp, CloseCase(outcome="Left the site"),
                           Meta(actor="cora", on="2026-11-03", reason="The group moved on"))
    services.catch_up()
    return {"dardr": dardr, "asb": asb, "encampment": camp}


def listed(page: Any) -> list[str]:
    return [t.strip() for t in page.locator("main table tbody th a").all_inner_texts()]


FILTERS = {"Type": "Any type", "Stage": "Any stage", "Status": "Open", "Hub": "Any hub",
           "Agency": "Any agency"}


def filter_by(page: Any, **choices: str) -> list[str]:
    """Choose in the filter form as a person would (the others left at their defaults), apply,
    and read the references listed."""
    for label, default in FILTERS.items():
        page.get_by_label(label, exact=True).select_option(label=choices.get(label, default))
    follow(page, page.get_by_role("button", name="Apply filters"))
    page.wait_for_load_state()
    return listed(page)


def test_the_case_list_filters_by_type_stage_hub_agency_and_status(browser: Any, database_url: str) -> None:
    with live_server(database_url) as server:
        refs = seeded(server)
        page = sign_in(browser, server, person(server, "anna", COORDINATOR))
        page.get_by_role("link", name="Cases").first.click()
        page.wait_for_url(f"{server.url}/cases")  # the click navigates: wait for the new page
        assert page.title() == "Cases – caseledger"
        # Given the default (open cases), then the open DARDR and ASB, not the closed encampment
        assert sorted(listed(page)) == sorted([refs["dardr"], refs["asb"]])
        row = page.locator("main table tbody tr", has_text=refs["dardr"])
        assert "Scoping" in row.inner_text() and "Cumberland CSP" in row.inner_text()
        assert "Scoping response from Cumbria Police" in row.inner_text()  # its next deadline
        assert page.get_by_role("button", name="Open a case").get_attribute("href") == "/cases/new"
        assert axe_violations(page) == []
        screenshot(page, "case-list")

        # From the keyboard alone: choose a type, Tab to the button, Enter
        page.get_by_label("Type", exact=True).focus()
        page.keyboard.press("ArrowDown")  # DARDR
        for _ in FILTERS:
            page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent.trim()") == "Apply filters"
        page.keyboard.press("Enter")
        page.wait_for_url("**type=dardr**")
        assert listed(page) == [refs["dardr"]]

        assert filter_by(page, Type="ASB Case Review") == [refs["asb"]]
        assert "type=asb" in page.url
        assert filter_by(page, Stage="Scoping") == [refs["dardr"]]
        assert filter_by(page, Hub="Allerdale Local Focus Hub") == [refs["asb"]]
        assert filter_by(page, Agency="Cumbria Police") == [refs["dardr"]]
        assert filter_by(page, Status="Closed") == [refs["encampment"]]
        assert sorted(filter_by(page, Status="Open or closed")) == sorted(refs.values())
        assert filter_by(page, Type="DARDR", Hub="Allerdale Local Focus Hub") == []
        assert "No cases match these filters." in page.locator("main").inner_text()

        # A hub officer lists only their kind of case (no DARDR) and may open one
        officer = sign_in(browser, server, person(server, "hugo", Grant(
            Role.HUB_OFFICER, partnership="cumberland", hub="allerdale")), path="/cases")
        assert listed(officer) == [refs["asb"]]
        # An auditor lists them, without the button to open a case
        auditor = sign_in(browser, server, person(server, "aude", Grant(
            Role.AUDITOR, partnership="cumberland")), path="/cases")
        assert sorted(listed(auditor)) == sorted([refs["dardr"], refs["asb"]])
        assert auditor.get_by_role("button", name="Open a case").count() == 0


def test_the_case_page_shows_its_sections_and_what_can_be_done(browser: Any, database_url: str) -> None:
    with live_server(database_url) as server:
        refs = seeded(server)
        urls: list[str] = []
        page = sign_in(browser, server, person(server, "anna", COORDINATOR))
        page.on("request", lambda request: urls.append(request.url))
        titles = []
        page.goto(f"{server.url}/cases")
        follow(page, page.get_by_role("link", name=refs["dardr"]))
        titles.append(page.title())
        assert page.title() == f"Case {refs['dardr']} – caseledger"
        main = page.locator("main")
        text = main.inner_text()
        for heading in ("Summary", "Personal details", "Deadlines", "Returns", "Actions",
                        "Parallel processes", "Family involvement", "What you can do now", "Timeline"):
            assert main.get_by_role("heading", name=heading, exact=True).count() == 1, heading
        assert "Scoping" in page.locator("#stage").inner_text()
        assert VICTIM in text  # a coordinator reads the personal data (FULL)
        deadlines = page.locator("#deadlines + div table").inner_text()
        assert "Decision on whether to hold a review" in deadlines and "Overdue" in deadlines
        assert "decide within one month of notification" in deadlines  # its basis
        assert "2026-11-01" in deadlines  # due
        returns = page.locator("#returns + div table").inner_text()
        assert "Cumbria Police" in returns and "Scoping response" in returns
        assert page.locator("#actions + p").inner_text() == "No actions."
        assert "2026-10-06" in page.locator("#family + dl").inner_text()  # the leaflet given
        assert "Inquest" in page.locator("#processes + div table").inner_text()
        timeline = page.locator("#timeline ~ div table").inner_text()
        assert "Death notified" in timeline and "Scoping started" in timeline and "cora" in timeline

        # What can be done now: links to the forms; the rest explained
        decide = page.get_by_role("link", name="Decide review")
        assert decide.get_attribute("href") == f"/cases/{refs['dardr']}/do/decide-review"
        assert page.get_by_role("link", name="Pause case").count() == 1
        page.get_by_text("What you cannot do now, and why").click()
        assert re.search(r"Publish report: not at this stage — allowed at [^\n]*Approved",
                         page.locator("#not-allowed").inner_text())
        assert axe_violations(page) == []
        screenshot(page, "case-page")

        # The read is in the access log, as the API records it
        reads = [r for r in server.services.audit.access(case=refs["dardr"]) if r["actor"] == "anna"]
        assert [(r["outcome"], r["what"]) for r in reads] == [("read", "show")]

        # After a command, the page says what was recorded; an unknown name says nothing
        page.goto(f"{server.url}/cases/{refs['dardr']}?recorded=decide-review")
        assert "Recorded: Decide review" in page.locator(".govuk-notification-banner").inner_text()
        page.goto(f"{server.url}/cases/{refs['dardr']}?recorded=nonsense")
        assert page.locator(".govuk-notification-banner").count() == 0

        # The ASB case review shows its complaints; the encampment its welfare
        page.goto(f"{server.url}/cases/{refs['asb']}")
        titles.append(page.title())
        complaints = page.locator("#complaints + div table").inner_text()
        assert "C1" in complaints and "C2" in complaints and "Cumberland Council" in complaints
        assert APPLICANT in page.locator("main").inner_text()
        page.goto(f"{server.url}/cases/{refs['encampment']}")
        titles.append(page.title())
        assert page.locator("main").get_by_role("heading", name="Welfare").count() == 1
        assert "Closed" in page.locator("#stage").inner_text()
        assert page.get_by_role("link", name="Reopen case").count() == 1

        # No personal value in any URL asked for or any title shown
        assert urls and not [u for u in urls if VICTIM.split()[0] in u or APPLICANT.split()[0] in u]
        assert not [t for t in titles if VICTIM in t or APPLICANT in t]

        # 320 px wide: only the tables scroll, not the page
        page.set_viewport_size({"width": 320, "height": 640})
        page.goto(f"{server.url}/cases/{refs['dardr']}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        assert page.locator(".moj-scrollable-pane").count() >= 4  # the tables scroll inside these


def test_the_case_page_is_refused_or_cut_down_as_the_access_policy_says(browser: Any, database_url: str) -> None:
    with live_server(database_url) as server:
        refs = seeded(server)
        services = server.services
        services.cases.execute(refs["dardr"], RestrictCase(people=["anna"], why="Staff know the family"),
                               Meta(actor="anna", on="2026-11-20"))
        services.catch_up()

        # A hub officer sees no DARDR at all: 404, recorded as denied
        officer = sign_in(browser, server, person(server, "hugo", Grant(
            Role.HUB_OFFICER, partnership="cumberland", hub="allerdale")))
        response = officer.goto(f"{server.url}/cases/{refs['dardr']}")
        assert response is not None and response.status == 404
        assert officer.title() == "Not found – caseledger"
        # … and a hub officer of another hub reads an Allerdale case only as listed
        other = sign_in(browser, server, person(server, "otto", Grant(
            Role.HUB_OFFICER, partnership="cumberland", hub="keswick")), path=f"/cases/{refs['asb']}")
        assert "You may see only that this case exists" in other.locator("main").inner_text()
        assert APPLICANT not in other.content()
        assert other.locator("#returns").count() == 0 and other.locator("#timeline").count() == 0
        assert other.get_by_role("link", name="Decide threshold").count() == 0

        # An agency contact sees no case page: 404, recorded as denied
        contact = sign_in(browser, server, person(server, "paula", Grant(
            Role.AGENCY_CONTACT, agency="cumbria-police")))
        response = contact.goto(f"{server.url}/cases/{refs['dardr']}")
        assert response is not None and response.status == 404
        denied = [(r["actor"], r["outcome"]) for r in services.audit.access(case=refs["dardr"])
                  if r["outcome"] == "denied"]
        assert ("hugo", "denied") in denied and ("paula", "denied") in denied

        # The restricted case: a coordinator not named sees only its listing, no personal data
        bea = sign_in(browser, server, person(server, "bea", COORDINATOR), path=f"/cases/{refs['dardr']}")
        text = bea.locator("main").inner_text()
        assert "You may see only that this case exists" in text
        assert VICTIM not in bea.content() and "Personal details" not in text
        assert "Decision on whether to hold a review" in text  # deadlines stay visible
        assert bea.get_by_role("link", name="Decide review").count() == 0
        bea.get_by_text("What you cannot do now, and why").click()
        assert "Decide review: not in your role" in bea.locator("#not-allowed").inner_text()
        assert axe_violations(bea) == []
        # … and anna, named, reads it whole
        anna = sign_in(browser, server, person(server, "anna", COORDINATOR), path=f"/cases/{refs['dardr']}")
        assert VICTIM in anna.locator("main").inner_text()
        assert "Yes, to anna" in anna.locator("main").inner_text()


def test_the_pages_of_a_long_list_and_every_command_of_a_stage_have_their_links() -> None:
    from interfaces.cli.asb import ASB
    from interfaces.cli.case import COMMON
    from interfaces.cli.dardr import DARDR
    from interfaces.cli.encampment import ENCAMPMENT
    from interfaces.http.cases import DEFINITIONS
    from interfaces.web.cases import ListFilters
    from interfaces.web.paging import pagination
    from interfaces.web.steps import COMMANDS, STEP_OF

    filters = ListFilters(case_type="asb", page=5)
    pages = pagination(filters.page, 9, lambda n: filters.query(page=n), "Pages of cases")
    assert pages is not None
    assert [i.number for i in pages.items] == [1, 3, 4, 5, 6, 8, 9]  # 3 and 8: ellipses
    assert [i.number for i in pages.items if i.ellipsis] == [3, 8]
    assert [i.number for i in pages.items if i.current] == [5]
    assert pages.previous == "?type=asb&status=open&page=4"
    assert pages.next == "?type=asb&status=open&page=6"
    assert pagination(1, 1, str, "Pages") is None
    last = pagination(12, 9, str, "Pages")  # a page beyond the last shows the last
    assert last is not None and last.next is None and [i.number for i in last.items if i.current] == [9]
    for case_type, definition in DEFINITIONS.items():  # each command of a stage has its form
        assert set(COMMANDS[case_type]) == set(definition.transitions), case_type
    assert COMMANDS["dardr"]["close"].__name__ == "CloseCase"
    # the same steps as the command line's verbs, which name each step explicitly
    verbs = {verb.model: verb.name for verb in (*COMMON, *DARDR, *ASB, *ENCAMPMENT)}
    assert {c: s for c, s in STEP_OF.items() if c in verbs} == {c: verbs[c] for c in STEP_OF if c in verbs}
    assert COMMANDS["asb"]["acknowledge"].__name__ == "AcknowledgeApplication"


def test_a_held_and_an_erased_case_say_so_on_their_pages(browser: Any, database_url: str) -> None:
    """Given a DARDR review under a legal hold and an ASB Case Review erased at the end of its
    retention, their pages say so in the summary, and the erased one shows no personal details
    and offers no correction."""
    from application.commands.common import ErasePersonalData, PlaceLegalHold
    from infrastructure.clock import FixedClock
    from tests.integration.test_retention import LATER, cases

    with live_server(database_url) as server:
        dardr, asb, _ = cases(server.services)
        clock = server.services.clock
        assert isinstance(clock, FixedClock)
        clock.set(LATER)
        server.services.cases.execute(dardr, PlaceLegalHold(label="LIT-2045-01", why="A claim"),
                                      Meta(actor="coordinator"))
        server.services.cases.execute(asb, ErasePersonalData(), Meta(actor="coordinator"))
        server.services.catch_up()
        page = sign_in(browser, server, person(server, "cora", COORDINATOR))

        page.goto(f"{server.url}/cases/{dardr}")
        assert "LIT-2045-01" in page.locator(".govuk-summary-list").first.inner_text()
        page.goto(f"{server.url}/cases/{asb}")
        summary = page.locator(".govuk-summary-list").first.inner_text()
        assert "Erased on 1 Aug 2045" in summary or "Erased on 2045-08-01" in summary, summary
        assert page.locator("#personal").count() == 0
        assert page.get_by_role("link", name=re.compile("^Correct")).count() == 0
        assert axe_violations(page) == []
