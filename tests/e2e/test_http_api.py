"""The HTTP API's conventions as a client meets them, over real sockets, on SQLite and PostgreSQL:
201 + Location, ETag and If-Match (412, nothing recorded), 422 with JSON pointers, 409 with the
stage and the commands allowed, 404, 401, problem details, request ids, pagination,
read-your-writes, security headers, health and readiness."""

from __future__ import annotations

from typing import Any

import httpx

from application.principals import Grant, Role
from tests.e2e.http_support import Server, live_server

REF = "CUM-DARDR-2026-001"
NOTIFY = {"partnership": "cumberland", "on": "2026-01-20", "date_of_death": "2026-01-15",
          "victim_pseudonym": "Anna", "notified_by": "cumbria-police",
          "relationship": "intimate-partner", "death_type": "homicide", "age_band": "35-44"}
PROBLEM = "application/problem+json"


def coordinator(server: Server) -> httpx.Client:
    return server.client(server.account("cora", Grant(Role.COORDINATOR, partnership="cumberland")))


def is_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    assert body["request_id"] == response.headers["x-request-id"]
    return body


def test_open_read_and_change_a_case_with_the_http_conventions(database_url: str) -> None:
    """Given a coordinator of Cumberland, when they notify a death over HTTP, then the case is
    created (201, Location, ETag), listed at once (read-your-writes) and shown with its victim's
    pseudonym; a command with a stale If-Match is 412 and records nothing; a command at the wrong
    stage is 409 naming the stage and what is allowed; a bad value is 422 pointing at the field."""
    with live_server(database_url) as server:
        api = coordinator(server)
        created = api.post("/api/v1/cases/dardr", json=NOTIFY)
        assert created.status_code == 201, created.text
        assert created.headers["location"] == f"/api/v1/cases/{REF}"
        assert created.json()["reference"] == REF and created.json()["stage"] == "notified"
        version = created.json()["version"]
        assert created.headers["etag"] == f'"{version}"'

        listed = api.get("/api/v1/cases").json()
        assert [c["reference"] for c in listed["items"]] == [REF] and listed["total"] == 1

        shown = api.get(created.headers["location"])
        assert shown.status_code == 200 and shown.headers["etag"] == f'"{version}"'
        assert shown.json()["stage"] == "notified"
        assert "Anna" in shown.text  # a coordinator in scope sees the personal details

        stale = api.post(f"/api/v1/cases/{REF}/start-scoping", headers={"If-Match": f'"{version - 1}"'},
                         json={"agencies": ["cumbria-police"], "on": "2026-01-21"})
        assert is_problem(stale, 412)["type"].endswith("stale-version")
        assert api.get(f"/api/v1/cases/{REF}").json()["version"] == version  # nothing recorded

        moved = api.post(f"/api/v1/cases/{REF}/start-scoping", headers={"If-Match": f'"{version}"'},
                         json={"agencies": ["cumbria-police"], "on": "2026-01-21"})
        assert moved.status_code == 200, moved.text
        assert moved.json()["stage"] == "scoping" and moved.headers["etag"] == f'"{moved.json()["version"]}"'

        wrong_stage = api.post(f"/api/v1/cases/{REF}/start-scoping",
                               json={"agencies": ["probation"], "on": "2026-01-22"})
        refused = is_problem(wrong_stage, 409)
        assert refused["stage"] == "scoping" and "decide" in refused["allowed"]

        invalid = api.post(f"/api/v1/cases/{REF}/decide-review",
                           json={"outcome": "maybe", "rationale": "r", "on": "2026-01-22"})
        assert [e["pointer"] for e in is_problem(invalid, 422)["errors"]] == ["/outcome"]
        unknown_field = api.post(f"/api/v1/cases/{REF}/decide-review",
                                 json={"outcome": "review", "rationale": "r", "colour": "red"})
        assert "/colour" in [e["pointer"] for e in is_problem(unknown_field, 422)["errors"]]
        domain_invalid = api.post(f"/api/v1/cases/{REF}/decide-review",
                                  json={"outcome": "review", "rationale": "r", "on": "2026-13-01"})
        assert [e["pointer"] for e in is_problem(domain_invalid, 422)["errors"]] == ["/on"]
        assert api.get(f"/api/v1/cases/{REF}").json()["version"] == moved.json()["version"]

        is_problem(api.get("/api/v1/cases/CUM-DARDR-2026-999"), 404)
        history = api.get(f"/api/v1/cases/{REF}/history").json()
        assert [h["event"] for h in history][:1] == ["DeathNotified"]
        assert all("Anna" not in str(h) for h in history)  # history shows no personal data

        # a legal hold and erasure are commands like any other: an open case cannot be erased
        held = api.post(f"/api/v1/cases/{REF}/place-legal-hold",
                        json={"label": "LIT-2026-01", "why": "a claim by Anna's family"})
        assert held.status_code == 200, held.text
        assert "LIT-2026-01" in str(api.get(f"/api/v1/cases/{REF}").json()["legal_holds"])
        erased = is_problem(api.post(f"/api/v1/cases/{REF}/erase-personal-data", json={}), 409)
        assert "open" in erased["detail"] and "Anna" not in erased["detail"]
        assert "Anna" in api.get(f"/api/v1/cases/{REF}").text  # nothing was erased


def test_credentials_request_ids_pages_headers_and_health(database_url: str) -> None:
    """Without credentials a request is 401 with WWW-Authenticate; a request id given is echoed
    (a new one otherwise); lists come in pages with a Link to the next; every response carries
    the security headers; /healthz and /readyz answer, and the OpenAPI schema lists every
    command."""
    with live_server(database_url) as server:
        anonymous = server.client()
        denied = anonymous.get("/api/v1/cases", headers={"X-Request-ID": "trace-123"})
        assert is_problem(denied, 401) and denied.headers["www-authenticate"].startswith("Bearer")
        assert denied.headers["x-request-id"] == "trace-123"
        assert len(anonymous.get("/api/v1/cases", headers={"X-Request-ID": "bad id!"})
                   .headers["x-request-id"]) == 32
        bad_token = server.client("cl_not-a-token").get("/api/v1/cases")
        is_problem(bad_token, 401)

        api = coordinator(server)
        for day in ("2026-01-20", "2026-01-21", "2026-01-22"):
            assert api.post("/api/v1/cases/dardr", json={**NOTIFY, "on": day}).status_code == 201
        first = api.get("/api/v1/cases", params={"per_page": 2})
        assert [c["reference"] for c in first.json()["items"]] == [
            "CUM-DARDR-2026-001", "CUM-DARDR-2026-002"]
        assert first.json()["total"] == 3 and 'rel="next"' in first.headers["link"]
        second = api.get("/api/v1/cases", params={"per_page": 2, "page": 2})
        assert [c["reference"] for c in second.json()["items"]] == ["CUM-DARDR-2026-003"]
        assert "link" not in second.headers
        is_problem(api.get("/api/v1/cases", params={"per_page": 0}), 422)

        for response in (first, denied):
            assert response.headers["x-content-type-options"] == "nosniff"
            assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
            assert response.headers["cache-control"] == "no-store"

        assert anonymous.get("/healthz").json() == {"status": "ok"}
        ready = anonymous.get("/readyz")
        assert ready.status_code == 200 and ready.json()["status"] == "ready"
        paths = anonymous.get("/openapi.json").json()["paths"]
        assert {"/api/v1/cases/{ref}/decide-review", "/api/v1/cases/dardr", "/api/v1/cases/asb",
                "/api/v1/cases/encampment", "/api/v1/deadlines"} <= set(paths)
