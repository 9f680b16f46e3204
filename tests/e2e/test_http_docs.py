"""The API reference at /docs in a real browser (headless Chromium): it renders the operations
from /openapi.json with nothing but this server's own files, under the server's security policy
(which blocks any other host and any inline script)."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.browser import chromium_or_skip, headless
from tests.e2e.http_support import live_server


def test_the_api_reference_renders_from_this_server_alone(tmp_path: Path) -> None:
    chromium_or_skip()
    with live_server(f"sqlite:///{tmp_path}/caseledger.db") as server:
        page = httpx.get(f"{server.url}/docs")
        assert page.status_code == 200 and "default-src 'self'" in page.headers["content-security-policy"]
        assert "http" not in page.text.replace(server.url, "")  # no other host named
        assert "<script>" not in page.text  # no inline script
        rendered = headless("--virtual-time-budget=10000", "--dump-dom", f"{server.url}/docs")
        dom = rendered.stdout.decode("utf-8")
        assert "caseledger" in dom and "decide-review" in dom  # Swagger UI ran and read the schema
        assert httpx.get(f"{server.url}/docs/assets/secrets.txt").status_code == 404
