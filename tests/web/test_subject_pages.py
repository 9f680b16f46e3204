"""The subject access pages, on both backends: a coordinator searches for a person, sees the case
where they appear (and none where they do not), downloads what is held as a zip holding
README.txt, subject.json and subject.txt with the name; the name is never in a URL or a title,
and each case found is in the access log with the purpose. Refused to a hub officer and an
agency contact (403, recorded); a missing purpose is the GOV.UK error pattern."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from application.commands import NotifyDeath
from application.principals import Grant, Role
from application.service import Meta
from tests.e2e.http_support import Server, live_server
from tests.web.support import axe_violations, follow, person, screenshot, sign_in

PSEUDONYM = "Tamsin Quorbelle"  # a victim pseudonym seen nowhere else
PURPOSE = "subject access request SAR-2026-07"
COORDINATOR = Grant(Role.COORDINATOR, partnership="cumberland")


def opened_review(server: Server) -> str:
    """Given: a DARDR review whose victim pseudonym is PSEUDONYM."""
    opened = server.services.cases.open(NotifyDeath(
        partnership="cumberland", date_of_death="2026-11-10", victim_pseudonym=PSEUDONYM,
        notified_by="cumbria-police", relationship="intimate-partner", death_type="homicide"),
        Meta(actor="cora", on="2026-11-16"))
    server.services.catch_up()
    return opened.reference


def search(page: Any, text: str, purpose: str) -> None:
    page.get_by_label("Name or words to search for").fill(text)
    page.get_by_label("Purpose").fill(purpose)
    follow(page, page.get_by_role("button", name="Search"))


def test_a_coordinator_finds_a_person_and_downloads_what_is_held(
        browser: Any, database_url: str) -> None:
    with live_server(database_url) as server:
        ref = opened_review(server)
        page = sign_in(browser, server, person(server, "cora", COORDINATOR))
        seen: list[tuple[str, str]] = []

        # The form, from the navigation
        follow(page, page.get_by_role("link", name="Subject access").first)
        assert page.title() == "Subject access – caseledger"
        assert axe_violations(page) == []

        # Nobody by that name: said so
        search(page, "Nobody Elsewhere", PURPOSE)
        assert "No case found" in page.locator("#results").inner_text()

        # The person (typed in another case): their case, linked
        search(page, PSEUDONYM.upper(), PURPOSE)
        rows = page.locator("#results tbody tr")
        assert rows.count() == 1
        cells = rows.first.locator("td").all_inner_texts()
        assert cells[0] == ref and len(cells) == 4 and all(cells)
        assert "contains personal data" in page.locator("main").inner_text()
        assert axe_violations(page) == []
        screenshot(page, "subject-access")
        seen.append((page.url, page.title()))

        # The download: a zip under a neutral name, never cached, with the three files
        with page.expect_download() as download:
            page.get_by_role("button", name="Download what is held (zip)").click()
        assert download.value.suggested_filename == "subject-access-2026-11-22.zip"
        with zipfile.ZipFile(io.BytesIO(open(download.value.path(), "rb").read())) as archive:
            assert sorted(archive.namelist()) == ["README.txt", "subject.json", "subject.txt"]
            assert PURPOSE in archive.read("README.txt").decode()
            held = json.loads(archive.read("subject.json"))
            assert [c["reference"] for c in held["cases"]] == [ref]
            assert PSEUDONYM in archive.read("subject.txt").decode()
        response = page.request.post(f"{server.url}/subject-access/export", form={
            "csrf_token": page.locator("input[name=csrf_token]").first.get_attribute("value"),
            "text": PSEUDONYM, "purpose": PURPOSE})
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["content-disposition"].startswith("attachment;")

        # The case, from its reference
        follow(page, page.get_by_role("link", name=ref))
        assert page.url == f"{server.url}/cases/{ref}"
        seen.append((page.url, page.title()))
        assert all(PSEUDONYM.casefold() not in (url + title).casefold() for url, title in seen)

        # Each search and export that found the case is a read with the purpose
        reads = server.services.audit.access(case=ref, actor="cora", outcome="read")
        assert {(r["what"], r["purpose"]) for r in reads} >= {
            ("subject-access search", PURPOSE), ("subject-access export", PURPOSE)}


def test_subject_access_is_refused_to_others_and_needs_a_purpose(
        browser: Any, database_url: str) -> None:
    with live_server(database_url) as server:
        opened_review(server)
        for name, grant in (
                ("hugh", Grant(Role.HUB_OFFICER, partnership="cumberland", hub="allerdale")),
                ("agnes", Grant(Role.AGENCY_CONTACT, agency="cumbria-police"))):
            page = sign_in(browser, server, person(server, name, grant))
            assert page.get_by_role("link", name="Subject access").count() == 0
            response = page.goto(f"{server.url}/subject-access")
            assert response is not None and response.status == 403
            assert page.title() == "Not allowed – caseledger"
            posted = page.request.post(f"{server.url}/subject-access/export", form={
                "csrf_token": page.locator("input[name=csrf_token]").first.get_attribute("value"),
                "text": PSEUDONYM, "purpose": PURPOSE})
            assert posted.status == 403 and PSEUDONYM not in posted.text()
        denied = server.services.audit.access(outcome="denied")
        assert {(d["actor"], d["what"]) for d in denied} >= {
            ("hugh", "subject-access search"), ("hugh", "subject-access export"),
            ("agnes", "subject-access search"), ("agnes", "subject-access export")}

        # A coordinator who leaves out the purpose: the error summary, linked to the field
        page = sign_in(browser, server, person(server, "cora", COORDINATOR),
                       path="/subject-access")
        search(page, PSEUDONYM, "")
        summary = page.locator(".govuk-error-summary")
        assert "Enter the purpose of the search" in summary.inner_text()
        assert summary.get_by_role("link").get_attribute("href") == "#purpose"
        assert page.title() == "Error: Subject access – caseledger"
        assert page.locator("#results").count() == 0
        assert axe_violations(page) == []
