"""The agency contact's pages, on both backends: what is asked of their agency across cases
(never another agency's, never the victim), uploading a return document with the keyboard
alone, the upload's errors in the GOV.UK pattern, and the pages their role does not open."""

from __future__ import annotations

from typing import Any

from application.commands import NotifyDeath
from application.commands.common import RequestReturn
from application.principals import Grant, Role
from application.service import Meta
from tests.e2e.http_support import Server, live_server
from tests.web.support import axe_violations, new_page, person, screenshot, sign_in

PSEUDONYM = "Quillon Marrowdene"  # a victim pseudonym seen nowhere else
POLICE = Grant(Role.AGENCY_CONTACT, agency="cumbria-police")
PROBATION = Grant(Role.AGENCY_CONTACT, agency="probation")
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def follow(page: Any, target: Any) -> None:
    """Click a link or button and wait for the page it leads to (an assertion must not read
    the page it left, which may hold the same element)."""
    with page.expect_navigation():
        target.click()


def review_asking(server: Server, *agencies: str, on: str = "2026-11-16",
                  asked_on: str | None = None) -> str:
    """Given: a DARDR review (the victim's pseudonym PSEUDONYM) asking each agency for a
    scoping return, as a coordinator records it."""
    built = server.services
    opened = built.cases.open(NotifyDeath(
        partnership="cumberland", date_of_death="2026-10-01", victim_pseudonym=PSEUDONYM,
        notified_by="cumbria-police", relationship="intimate-partner", death_type="homicide"),
        Meta(actor="cora", on=on))
    for agency in agencies:
        built.cases.execute(opened.reference, RequestReturn(agency=agency, kind="scoping"),
                            Meta(actor="cora", on=asked_on))
    built.catch_up()
    return opened.reference


def returns_table(page: Any) -> str:
    return str(page.locator("#returns-cumbria-police").inner_text())


def test_an_agency_contact_sees_its_returns_and_uploads_one(browser: Any, database_url: str) -> None:
    with live_server(database_url, env={"CASELEDGER_MAX_DOCUMENT_MB": "1"}) as server:
        first = review_asking(server, "cumbria-police", "probation")
        # … one asked in October, now overdue, and reminded by the scheduler
        second = review_asking(server, "cumbria-police", on="2026-10-05", asked_on="2026-10-06")
        server.services.reminders.run(Meta(actor="system:scheduler"))
        server.services.catch_up()
        only_probation = review_asking(server, "probation")
        pat = person(server, "pat", POLICE)
        seen: list[str] = []

        # Given the police contact signs in, when they open what is asked of their agency
        page = sign_in(browser, server, pat)
        # Intercept file choosers from now on (the interception is set up asynchronously: set
        # up only as the key is pressed, it can lose the race and the chooser opens unseen)
        page.on("filechooser", lambda chooser: None)
        follow(page, page.get_by_role("link", name="Requests to my agency").first)
        assert page.title() == "Requests to your agency – caseledger"
        asked = returns_table(page)
        assert first in asked and second in asked and only_probation not in asked
        assert "Scoping response from Cumbria Police" in asked and "Requested" in asked
        overdue = page.locator("#returns-cumbria-police tbody tr").first.inner_text()
        assert second in overdue and "Overdue" in overdue and "1, last on 2026-11-03" in overdue
        assert "Probation" not in page.locator("main").inner_text()
        assert axe_violations(page) == []
        screenshot(page, "agency-home")
        seen.append(page.content())

        # When they open the first return, then what is asked and the upload form
        follow(page, page.get_by_role("link", name=f"Scoping response from Cumbria Police for {first}"))
        assert page.url == f"{server.url}/agency/returns/{first}/cumbria-police/scoping"
        assert page.get_by_role("heading", level=1).inner_text() == (
            f"Scoping response for {first}")
        assert axe_violations(page) == []
        screenshot(page, "agency-upload")
        seen.append(page.content())

        # When they upload without a file, a file of a type not accepted, or one too large
        upload = page.get_by_role("button", name="Upload return")
        follow(page, upload)
        assert page.title().startswith("Error: ")
        assert "Select the return document to upload" in page.locator(".govuk-error-summary").inner_text()
        assert page.locator("#file-error").is_visible()
        assert axe_violations(page) == []
        page.get_by_label("Upload the return").set_input_files(files=[{
            "name": "return.exe", "mimeType": "application/x-msdownload", "buffer": b"MZ\x90\x00"}])
        follow(page, upload)
        assert "must be a PDF, Word document" in page.locator("#file-error").inner_text()
        page.get_by_label("Upload the return").set_input_files(files=[{
            "name": "return.pdf", "mimeType": "application/pdf",
            "buffer": b"%PDF-" + b"0" * (1024 * 1024 + 10)}])
        follow(page, upload)
        assert "must be smaller than 1 MB" in page.locator("#file-error").inner_text()
        assert page.locator("#return-status").inner_text().strip() == "Requested"

        # When they choose a PDF and upload it with the keyboard alone
        page.get_by_label("Upload the return").focus()
        with page.expect_file_chooser() as chooser:
            page.keyboard.press("Space")
        chooser.value.set_files(files=[{"name": f"IMR about {PSEUDONYM}.pdf",
                                        "mimeType": "application/pdf", "buffer": PDF}])
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent.trim()") == "Upload return"
        with page.expect_navigation():
            page.keyboard.press("Enter")

        # Then a success banner, the return submitted, its document downloadable under a neutral name
        assert "Return submitted" in page.locator(".govuk-notification-banner").inner_text()
        assert page.locator("#return-status").inner_text().strip() == "Submitted"
        assert page.get_by_label("Upload a new version").is_visible()
        assert axe_violations(page) == []
        with page.expect_download() as download:
            page.get_by_role("link", name="Version 1 (download)").click()
        assert download.value.suggested_filename == f"{first}-cumbria-police-scoping-v1.pdf"
        seen.append(page.content())
        follow(page, page.get_by_role("link", name="Back to requests to your agency"))
        submitted = page.locator("#returns-cumbria-police tr", has_text=first)
        assert "Submitted" in submitted.inner_text()
        assert "Overdue" in page.locator("#returns-cumbria-police tr", has_text=second).inner_text()
        seen.append(page.content())

        # The victim's pseudonym appears nowhere they looked; the upload was recorded as theirs
        assert all(PSEUDONYM not in html for html in seen)
        case = server.services.cases.load_case(first)
        assert [r.status for r in case.returns.values() if r.agency == "cumbria-police"] == ["received"]
        reads = server.services.audit.access(case=first, actor="pat")
        assert "show documents of cumbria-police scoping" in [r["what"] for r in reads]


def test_what_an_agency_contact_may_not_open(browser: Any, database_url: str) -> None:
    with live_server(database_url) as server:
        ref = review_asking(server, "cumbria-police", "probation")
        page = sign_in(browser, server, person(server, "prue", PROBATION))

        # Another agency's return: as if the case did not exist, and the attempt recorded
        response = page.goto(f"{server.url}/agency/returns/{ref}/cumbria-police/scoping")
        assert response is not None and response.status == 404
        assert page.title() == "Not found – caseledger"
        assert PSEUDONYM not in page.content()
        denied = server.services.audit.access(case=ref, outcome="denied")
        assert [(d["actor"], d["what"]) for d in denied] == [
            ("prue", "show return cumbria-police scoping")]

        # Their own, at 320 pixels wide, without sideways scrolling
        narrow = new_page(browser, width=320, height=640)
        narrow.context.add_cookies(page.context.cookies())
        narrow.goto(f"{server.url}/agency/returns/{ref}/probation/scoping")
        assert narrow.get_by_label("Upload the return").is_visible()
        assert narrow.evaluate("document.documentElement.scrollWidth") <= 320

        # The case page, the auditor's pages: not for an agency contact
        for path in (f"/cases/{ref}", "/audit", f"/audit/cases/{ref}"):
            response = page.goto(f"{server.url}{path}")
            assert response is not None and response.status in (403, 404), path
            assert PSEUDONYM not in page.content()
        assert axe_violations(page) == []

        # A coordinator has no agency: the agency's page is refused, saying why
        coordinator = sign_in(browser, server, person(server, "cora", Grant(
            Role.COORDINATOR, partnership="cumberland")))
        response = coordinator.goto(f"{server.url}/agency")
        assert response is not None and response.status == 403
        assert "This page is for agency contacts" in coordinator.content()
        assert axe_violations(coordinator) == []
