"""Who may see and do what over HTTP (``access.md``), on SQLite and PostgreSQL: every role's allowed
and denied actions, across partnerships, hubs, agencies and a restricted case; denied attempts
in the access log."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from application.principals import Grant, Role
from application.service import Meta
from domain.setup import Agency, Partnership
from tests.e2e.http_support import Server, live_server
from tests.e2e.test_http_api import NOTIFY

DARDR = "CUM-DARDR-2026-001"
ASB = "CUM-ASB-2026-001"
OTHER = "WAF-DARDR-2026-001"
APPLICATION = {"partnership": "cumberland", "hub": "allerdale", "on": "2026-03-02",
               "channel": "online", "applicant_type": "individual",
               "applicant_name": "Jem Irthing", "applicant_contact": "01234 567890", "consent": True,
               "complaints": [{"behaviour": "2026-01-05", "reported": "2026-01-06",
                               "agency": "cumbria-police"},
                              {"behaviour": "2026-01-20", "reported": "2026-02-10",
                               "agency": "cumberland-council"},
                              {"behaviour": "2026-02-01", "reported": "2026-02-01",
                               "agency": "cumberland-council"}]}


@dataclass
class People:
    server: Server
    cora: httpx.Client  # coordinator, Cumberland
    carl: httpx.Client  # coordinator, Cumberland (not named on the restricted case)
    wendy: httpx.Client  # coordinator, Westmorland and Furness
    hugh: httpx.Client  # hub officer, Cumberland / Allerdale
    pat: httpx.Client  # agency contact, Cumbria Police
    aud: httpx.Client  # auditor, Cumberland
    bob: httpx.Client  # board member, Cumberland
    ada: httpx.Client  # administrator


@pytest.fixture
def people(database_url: str) -> Iterator[People]:
    with live_server(database_url) as server:
        ctx = server.services.cases.context(Meta(actor="admin", on="2024-04-01"))
        westmorland = Partnership.register(ctx, "westmorland", "WAF", "Westmorland and Furness CSP")
        server.services.app.save(westmorland,
                                 Agency.register(ctx, "waf-council", "W&F Council", "council",
                                                 ["westmorland"]))
        acct = server.account
        found = People(
            server,
            cora=server.client(acct("cora", Grant(Role.COORDINATOR, partnership="cumberland"))),
            carl=server.client(acct("carl", Grant(Role.COORDINATOR, partnership="cumberland"))),
            wendy=server.client(acct("wendy", Grant(Role.COORDINATOR, partnership="westmorland"))),
            hugh=server.client(acct("hugh", Grant(Role.HUB_OFFICER, partnership="cumberland",
                                                  hub="allerdale"))),
            pat=server.client(acct("pat", Grant(Role.AGENCY_CONTACT, agency="cumbria-police"))),
            aud=server.client(acct("aud", Grant(Role.AUDITOR, partnership="cumberland"))),
            bob=server.client(acct("bob", Grant(Role.BOARD_MEMBER, partnership="cumberland"))),
            ada=server.client(acct("ada", Grant(Role.ADMINISTRATOR))),
        )
        assert found.cora.post("/api/v1/cases/dardr", json=NOTIFY).status_code == 201
        assert found.cora.post(f"/api/v1/cases/{DARDR}/start-scoping", json={
            "agencies": ["cumbria-police", "probation"], "on": "2026-01-21"}).status_code == 200
        other = {**NOTIFY, "partnership": "westmorland", "notified_by": "waf-council"}
        assert found.wendy.post("/api/v1/cases/dardr", json=other).status_code == 201
        yield found


def refs(client: httpx.Client) -> list[str]:
    response = client.get("/api/v1/cases")
    assert response.status_code == 200, response.text
    return [c["reference"] for c in response.json()["items"]]


def test_coordinators_work_their_own_partnership_and_nothing_of_another(people: People) -> None:
    """access.md, coordinator: cases of their partnerships, every command there; never other
    partnerships (not even that a case exists: 404, recorded as denied)."""
    assert refs(people.cora) == [DARDR] and refs(people.wendy) == [OTHER]
    assert "Anna" in people.cora.get(f"/api/v1/cases/{DARDR}").text
    assert people.wendy.get(f"/api/v1/cases/{DARDR}").status_code == 404
    crossed = people.wendy.post(f"/api/v1/cases/{DARDR}/decide-review",
                                json={"outcome": "review", "rationale": "r"})
    assert crossed.status_code == 404
    opened_elsewhere = people.wendy.post("/api/v1/cases/dardr", json=NOTIFY)
    assert opened_elsewhere.status_code == 403
    assert refs(people.cora) == [DARDR]  # nothing was opened


def test_a_hub_officer_works_asb_cases_of_their_hub_and_never_sees_death_reviews(people: People) -> None:
    """access.md, hub officer: ASB and encampment cases of their hubs; never DARDR cases."""
    opened = people.hugh.post("/api/v1/cases/asb", json=APPLICATION)
    assert opened.status_code == 201, opened.text
    shown = people.hugh.get(f"/api/v1/cases/{ASB}")
    assert shown.status_code == 200 and "Jem Irthing" in shown.text
    assert refs(people.hugh) == [ASB]
    assert people.hugh.get(f"/api/v1/cases/{DARDR}").status_code == 404
    assert people.hugh.post("/api/v1/cases/dardr", json=NOTIFY).status_code == 403


def test_an_agency_contact_sees_only_what_is_asked_of_their_agency(people: People) -> None:
    """access.md, agency contact: requested returns of their agency (reference, kind, due date,
    status); never the victim's details, other agencies' returns, the case or its history."""
    asked = people.pat.get("/api/v1/deadlines")
    assert asked.status_code == 200
    rows = asked.json()
    assert rows and {r["responsible"] for r in rows} == {"cumbria-police"}
    assert {r["case"] for r in rows} == {DARDR} and "Anna" not in asked.text
    assert refs(people.pat) == []
    assert people.pat.get(f"/api/v1/cases/{DARDR}").status_code == 404
    assert people.pat.get(f"/api/v1/cases/{DARDR}/history").status_code == 404
    assert people.pat.post(f"/api/v1/cases/{DARDR}/receive-return", json={
        "agency": "cumbria-police", "kind": "scoping"}).status_code == 404


def test_auditors_read_without_personal_data_and_write_nothing(people: People) -> None:
    """access.md, auditor: histories, time travel, the access log, integrity verification;
    nothing but the reads they make; personal data only through an export with a purpose."""
    shown = people.aud.get(f"/api/v1/cases/{DARDR}", params={"as_effective_at": "2026-01-20"})
    assert shown.status_code == 200 and shown.json()["stage"] == "notified"
    assert "Anna" not in shown.text
    assert people.aud.get(f"/api/v1/cases/{DARDR}/history").status_code == 200
    refused = people.aud.post(f"/api/v1/cases/{DARDR}/decide-review",
                              json={"outcome": "review", "rationale": "r"})
    assert refused.status_code == 403
    assert people.aud.get("/api/v1/audit/verify").json()["ok"] is True
    assert people.cora.get("/api/v1/audit/verify").status_code == 403
    exported = people.aud.post(f"/api/v1/cases/{DARDR}/export", json={"purpose": "Home Office QA"})
    assert exported.status_code == 200 and exported.headers["content-type"] == "application/zip"
    assert people.aud.post(f"/api/v1/cases/{DARDR}/export", json={"purpose": ""}).status_code == 422


def test_board_members_and_administrators_see_no_case(people: People) -> None:
    """access.md: a board member reads their partnership's reports, no case pages; an
    administrator, no case contents."""
    for client in (people.bob, people.ada):
        assert refs(client) == []
        assert client.get(f"/api/v1/cases/{DARDR}").status_code == 404
    report = people.bob.get("/api/v1/reports/board", params={
        "partnership": "cumberland", "from": "2026-01-01", "to": "2026-03-31"})
    assert report.status_code == 200, report.text
    assert "Anna" not in report.text
    assert people.bob.get("/api/v1/reports/board", params={
        "partnership": "westmorland", "from": "2026-01-01", "to": "2026-03-31"}).status_code == 403


def test_a_restricted_case_shows_others_only_that_it_exists(people: People) -> None:
    """access.md, restricted cases: a coordinator restricts a case to named people; others in
    scope see that it exists (reference, type, stage, deadlines) and no more; their attempts are
    recorded as denied."""
    restricted = people.cora.post(f"/api/v1/cases/{DARDR}/restrict-case", json={
        "people": ["cora"], "why": "A member of staff knows the family"})
    assert restricted.status_code == 200, restricted.text
    assert "Anna" in people.cora.get(f"/api/v1/cases/{DARDR}").text

    seen = people.carl.get(f"/api/v1/cases/{DARDR}")
    assert seen.status_code == 200
    assert seen.json()["stage"] == "scoping" and "deadlines" in seen.json()
    assert "Anna" not in seen.text and "returns" not in seen.json()
    listed = people.carl.get("/api/v1/cases").json()["items"]
    assert [c["reference"] for c in listed] == [DARDR] and listed[0]["restricted"] is True
    assert people.carl.post(f"/api/v1/cases/{DARDR}/decide-review",
                            json={"outcome": "review", "rationale": "r"}).status_code == 403
    assert people.aud.get(f"/api/v1/cases/{DARDR}/history").status_code == 403

    log = people.aud.get("/api/v1/audit/access").json()
    denied = {(r["actor"], r["what"]) for r in log if r["outcome"] == "denied"}
    # the actor is the account, marked as acting through an API token
    assert ("carl (API token)", "decide-review") in denied and ("aud (API token)", "history") in denied
    assert all("family" not in str(r) for r in log)  # the reason stays personal
