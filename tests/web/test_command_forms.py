"""A command as a form, on both backends: labels and hints from the command's model, the GOV.UK
error summary linking to each field (nothing recorded), a command the stage does not allow
explained, someone else's change meanwhile refused, people outside the case refused, a form
finished with the keyboard alone, and opening a case starting with its type; axe-core on each."""

from __future__ import annotations

from typing import Any

from application.commands import AddNote
from application.principals import Grant, Role
from application.service import Meta
from tests.e2e.http_support import Server, live_server
from tests.integration.support import notify
from tests.web.support import axe_violations, follow, new_page, person, screenshot, sign_in

COORDINATOR = Grant(Role.COORDINATOR, partnership="cumberland")
HUB_OFFICER = Grant(Role.HUB_OFFICER, partnership="cumberland", hub="allerdale")
AGENCY = Grant(Role.AGENCY_CONTACT, agency="probation")


def version(server: Server, ref: str) -> int:
    return server.services.cases.load_case(ref).version


def test_a_command_form_its_errors_its_stage_and_who_may_use_it(browser: Any, database_url: str) -> None:
    with live_server(database_url) as server:
        ref = notify(server.services, on="2026-11-02")
        server.services.catch_up()
        page = sign_in(browser, server, person(server, "cora", COORDINATOR))
        form = f"{server.url}/cases/{ref}/do/start-scoping"

        # The form: titled with the command and the case, a label and hint per field of the model
        page.goto(form)
        assert page.title() == f"Start scoping: each agency is asked for a scoping return – {ref} – caseledger"
        assert page.get_by_role("heading", level=1).inner_text().startswith("Start scoping")
        agencies = page.get_by_label("Agencies")
        assert "Separate them with commas" in page.locator("#agencies-hint").inner_text()
        assert agencies.get_attribute("aria-describedby") == "agencies-hint"
        assert "2026-03-27" in page.locator("#on-hint").inner_text()
        page.get_by_label("When did it happen? (optional)").is_visible()
        page.get_by_label("Why (optional)").is_visible()
        assert axe_violations(page) == []
        screenshot(page, "command-form")

        # Submitted empty, with too long a reason: the error summary links to each field, nothing recorded
        before = version(server, ref)
        page.get_by_label("Why (optional)").fill("x" * 2001)
        follow(page, page.get_by_role("button", name="Record"))
        assert page.title().startswith("Error: ")
        summary = page.locator(".govuk-error-summary")
        assert summary.get_by_role("link", name="Enter agencies").get_attribute("href") == "#agencies"
        assert summary.get_by_role("link", name="Why must be 2,000 characters or fewer").get_attribute(
            "href") == "#reason"
        assert "Enter agencies" in page.locator("#agencies-error").inner_text()
        assert agencies.get_attribute("aria-describedby") == "agencies-hint agencies-error"
        assert page.get_by_label("Why (optional)").input_value() == "x" * 2001  # kept, to correct
        assert axe_violations(page) == []
        screenshot(page, "command-form-errors")
        summary.get_by_role("link", name="Enter agencies").click()
        assert page.evaluate("document.activeElement.id") == "agencies"
        assert version(server, ref) == before

        # A domain refusal (an agency the partnership does not have) is an error on its field
        agencies.fill("no-such-agency")
        page.get_by_label("Why (optional)").fill("")
        follow(page, page.get_by_role("button", name="Record"))
        assert page.title().startswith("Error: ")
        assert "no-such-agency" in page.locator(".govuk-error-summary").inner_text()
        assert version(server, ref) == before

        # A command the stage does not allow: explained, with what can be done now
        page.goto(f"{server.url}/cases/{ref}/do/agree-terms")
        assert page.get_by_role("heading", level=1).inner_text() == \
            "You cannot do this at the case’s current stage"
        text = page.locator("main").inner_text()
        assert "Death notified" in text and "Commissioning the review" in text
        assert page.get_by_role("link", name="Start scoping: each agency is asked for a scoping return") \
            .get_attribute("href") == f"/cases/{ref}/do/start-scoping"
        assert page.locator("form[method=post] input[name=agencies]").count() == 0
        assert axe_violations(page) == []

        # Someone else changes the case after the form was shown: refused, nothing recorded
        page.goto(form)
        server.services.cases.execute(ref, AddNote(text="Called the coroner"), Meta(actor="someone-else"))
        server.services.catch_up()  # as every writer does
        moved = version(server, ref)
        page.get_by_label("Agencies").fill("cumbria-police")
        follow(page, page.get_by_role("button", name="Record"))
        assert "Someone else changed" in page.locator(".govuk-error-summary").inner_text()
        assert version(server, ref) == moved

        # The keyboard alone: Tab to the field, type, Tab to the button, Enter
        page.goto(form)
        for _ in range(40):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.id") == "agencies":
                break
        page.keyboard.type("cumbria-police, probation")
        for _ in range(10):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.textContent.trim()") == "Record":
                break
        page.keyboard.press("Enter")
        page.wait_for_url(f"{server.url}/cases/{ref}?recorded=start-scoping")
        assert server.services.cases.load_case(ref).stage == "scoping"

        # A hub officer (no DARDR cases) and an agency contact are refused, nothing recorded
        done = version(server, ref)
        for username, grant in (("hana", HUB_OFFICER), ("alex", AGENCY)):
            other = sign_in(browser, server, person(server, username, grant))
            response = other.goto(f"{server.url}/cases/{ref}/do/decide-review")
            assert response is not None and response.status in (403, 404), username
            assert other.locator("input[name=rationale]").count() == 0
            assert axe_violations(other) == []
            other.context.close()
        assert version(server, ref) == done
        page.goto(f"{server.url}/cases/{ref}/do/no-such-step")
        assert page.title() == "Not found – caseledger"

        # A wrong personal detail corrected from the case page: the form knows which fact and
        # field (never the value, in its address); the case then shows the right value only
        page.goto(f"{server.url}/cases/{ref}")
        follow(page, page.locator("#personal + .govuk-summary-list").get_by_role(
            "link", name="Correct victim pseudonym"))
        assert "Anna" not in page.url
        assert page.locator("input[name=version]").input_value() == "1"
        assert page.locator("input[name=field]").input_value() == "victim_pseudonym"
        page.locator("[name=value]").fill("Ana")
        follow(page, page.get_by_role("button", name="Record"))
        personal = page.locator("#personal + .govuk-summary-list").inner_text()
        assert "Ana" in personal and "Anna" not in personal
        assert axe_violations(page) == []


def test_opening_a_case_starts_with_its_type(browser: Any, database_url: str) -> None:
    with live_server(database_url) as server:
        page = sign_in(browser, server, person(server, "cora", COORDINATOR), path="/cases/new")
        assert page.title() == "Open a case – caseledger"
        follow(page, page.get_by_role("button", name="Continue"))
        assert page.title().startswith("Error: ")
        assert page.locator(".govuk-error-summary").get_by_role(
            "link", name="Select the kind of case you are opening").get_attribute("href") == "#type"
        assert axe_violations(page) == []
        page.get_by_label("Domestic Abuse Related Death Review (DARDR)").check()
        follow(page, page.get_by_role("button", name="Continue"))
        assert page.url == f"{server.url}/cases/new/dardr"
        assert page.title() == "Open a case: Domestic Abuse Related Death Review (DARDR) – caseledger"
        partnership = page.get_by_label("Partnership")
        assert partnership.locator("option").all_inner_texts() == ["Cumberland CSP"]
        assert page.get_by_label("Homicide", exact=True).is_visible()  # a choice in plain words
        assert axe_violations(page) == []
        screenshot(page, "open-case")

        # A hub officer may open ASB and encampment cases in their hub only
        hana = sign_in(browser, server, person(server, "hana", HUB_OFFICER), page=new_page(browser),
                       path="/cases/new")
        options = hana.locator("input[name=type]")
        assert [options.nth(i).get_attribute("value") for i in range(options.count())] == \
            ["asb", "encampment"]
        response = hana.goto(f"{server.url}/cases/new/dardr")
        assert response is not None and response.status == 403
        hana.goto(f"{server.url}/cases/new/asb")
        assert hana.get_by_label("Local focus hub").locator("option").all_inner_texts() == ["Allerdale Local Focus Hub"]
