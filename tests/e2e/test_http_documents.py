"""Returns as documents over real HTTP, on SQLite and PostgreSQL: an agency contact uploads and
downloads its return, a new version supersedes the last, the limits answer 413 and 415, other
agencies and roles are refused, and an upload link works once without an account."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx

from application.commands.common import RequestReturn
from application.principals import Grant, Role
from application.service import Meta
from tests.e2e.http_support import Server, live_server
from tests.integration.support import notify

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PROBLEM = "application/problem+json"
PERSONAL_NAME = "IMR about Zephyrine Quillfeather.pdf"


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["detail"]
    return body


def upload(client: httpx.Client, path: str, content: bytes, content_type: str,
           name: str = PERSONAL_NAME) -> httpx.Response:
    return client.post(path, files={"file": (name, content, content_type)})


def asked(server: Server, *agencies: str) -> str:
    """Given: a DARDR review with a scoping return asked of each agency."""
    ref = notify(server.services)
    for agency in agencies:
        server.services.cases.execute(ref, RequestReturn(agency=agency, kind="scoping"),
                                      Meta(actor="cora"))
    server.services.catch_up()
    return ref


def test_an_agency_uploads_its_return_and_others_are_refused(database_url: str) -> None:
    """Given a review asking police and probation for scoping returns, when the police contact
    uploads theirs, then it is recorded (201, Location) and downloadable by them and the
    coordinator under a neutral name; a second version supersedes the first; a mismatched
    magic number is 415, an oversized body 413, no credentials 401; probation's contact gets
    404 for police's return and its document, an auditor 403; nothing refused is recorded."""
    with live_server(database_url, env={"CASELEDGER_MAX_DOCUMENT_MB": "1"}) as server:
        ref = asked(server, "cumbria-police", "probation")
        police = server.client(server.account("pat", Grant(Role.AGENCY_CONTACT, agency="cumbria-police")))
        probation = server.client(server.account("prue", Grant(Role.AGENCY_CONTACT, agency="probation")))
        cora = server.client(server.account("cora", Grant(Role.COORDINATOR, partnership="cumberland")))
        audrey = server.client(server.account("audrey", Grant(Role.AUDITOR, partnership="cumberland")))
        path = f"/api/v1/cases/{ref}/returns/cumbria-police/scoping/documents"

        created = upload(police, path, PDF, "application/pdf")
        assert created.status_code == 201, created.text
        document = created.json()["document"]
        assert document["version"] == 1 and document["sha256"] == hashlib.sha256(PDF).hexdigest()
        location = created.headers["location"]
        assert location == f"/api/v1/cases/{ref}/documents/{document['id']}"
        for reader in (police, cora):
            got = reader.get(location)
            assert got.status_code == 200 and got.content == PDF
            assert got.headers["content-type"] == "application/pdf"
            assert got.headers["content-disposition"] == (
                f'attachment; filename="{ref}-cumbria-police-scoping-v1.pdf"')
        assert cora.get(f"/api/v1/cases/{ref}").json()["returns"][0]["status"] == "received"
        version = cora.get(f"/api/v1/cases/{ref}").json()["version"]

        mismatched = upload(police, path, PDF,
                            "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        assert problem(mismatched, 415)["type"].endswith("unsupported-type")
        assert problem(upload(police, path, b"MZ\x90\x00", "application/x-msdownload"), 415)
        assert problem(upload(police, path, b"%PDF-" + b"0" * (1024 * 1024 + 70_000),
                              "application/pdf"), 413)["type"].endswith("too-large")
        assert problem(upload(police, path, b"%PDF-" + b"0" * (1024 * 1024),
                              "application/pdf"), 413)["type"].endswith("too-large")
        assert problem(upload(server.client(), path, PDF, "application/pdf"), 401)
        assert problem(upload(probation, path, PDF, "application/pdf"), 404)
        assert problem(probation.get(location), 404)
        assert problem(audrey.get(location), 403)
        assert cora.get(f"/api/v1/cases/{ref}").json()["version"] == version  # nothing recorded

        second = upload(police, path, PDF + b"%v2\n", "application/pdf")
        assert second.status_code == 201 and second.json()["document"]["version"] == 2
        listed = police.get(path)
        assert [(d["version"], d["status"]) for d in listed.json()] == [
            (1, "superseded"), (2, "current")]
        assert "Quillfeather" not in listed.text + "".join(created.headers.values())
        assert police.get(location).content == PDF  # the first version is kept, not overwritten


def test_an_upload_link_works_once_without_an_account(database_url: str) -> None:
    """Given a coordinator's upload link for probation's return, when it is opened it shows only
    what is asked; the first upload is recorded, the second refused (409), and an agency contact
    may not issue links (404)."""
    with live_server(database_url) as server:
        ref = asked(server, "probation")
        cora = server.client(server.account("cora", Grant(Role.COORDINATOR, partnership="cumberland")))
        pat = server.client(server.account("pat", Grant(Role.AGENCY_CONTACT, agency="probation")))
        links = f"/api/v1/cases/{ref}/returns/probation/scoping/upload-links"

        issued = cora.post(links, json={"hours": 48})
        assert issued.status_code == 201, issued.text
        url = issued.json()["url"]
        anyone = server.client()
        shown = anyone.get(url)
        assert shown.status_code == 200
        assert set(shown.json()) == {"reference", "agency", "kind", "due", "expires"}
        assert (shown.json()["reference"], shown.json()["agency"]) == (ref, "probation")

        first = upload(anyone, url, b"Our scoping return.\n", "text/plain; charset=utf-8")
        assert first.status_code == 201, first.text
        assert first.json()["received"] is True and first.json()["document"]["version"] == 1
        again = upload(anyone, url, b"Again.\n", "text/plain")
        assert "already been used" in problem(again, 409)["detail"]
        assert problem(anyone.get(url), 409)
        assert problem(anyone.get(url[:-1] + ("A" if url[-1] != "A" else "B")), 404)
        history = cora.get(f"/api/v1/cases/{ref}/history").json()
        assert any(str(row.get("actor", "")).startswith("upload link ") for row in history)
        assert problem(pat.post(links, json={}), 404)
