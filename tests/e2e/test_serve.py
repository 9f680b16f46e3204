"""``caseledger serve`` as an operator starts it: a real process on the embedded database, reached
over HTTP with an API token made by ``caseledger users``, and stopped gracefully by SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import httpx

from tests.e2e.http_support import free_port


def caseledger(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "interfaces.cli.main", *args], env=env,
                          capture_output=True, text=True, timeout=120, check=True)


def test_serve_answers_with_a_token_and_stops_gracefully_on_sigterm(tmp_path: Path) -> None:
    env = {**os.environ, "CASELEDGER_DATA_DIR": str(tmp_path / "data"),
           "CASELEDGER_LOG_FORMAT": "json"}
    env.pop("CASELEDGER_DATABASE_URL", None)
    caseledger("partnership", "import", "--example", "cumbria", env=env)
    caseledger("users", "add", "cora", "--name", "Cora", "--grant", "coordinator:cumberland",
               "--no-password", env=env)
    token = caseledger("users", "token", "create", "cora", "--label", "test", "--json",
                       env=env).stdout.split('"token": "')[1].split('"')[0]
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "interfaces.cli.main", "serve", "--port", str(port)],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert "serving http://127.0.0.1" in (server.stdout.readline() if server.stdout else "")
        ready = threading.Event()
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            for _ in range(500):  # until it listens: a refused connection answers at once
                try:
                    if client.get("/readyz").status_code == 200:
                        break
                except httpx.ConnectError:
                    ready.wait(0.02)
            listed = client.get("/api/v1/partnerships", headers={"Authorization": f"Bearer {token}"})
            assert listed.status_code == 200
            assert "cumberland" in {p["slug"] for p in listed.json()["partnerships"]}
            assert client.get("/api/v1/cases").status_code == 401
        server.send_signal(signal.SIGTERM)
        # uvicorn shuts down (requests in flight finish, the lifespan closes the database), then
        # raises the signal again, so the process ends as SIGTERM's own exit.
        assert server.wait(timeout=30) == -signal.SIGTERM
        logged = server.stderr.read() if server.stderr else ""
        assert '"route": "/api/v1/partnerships"' in logged and token not in logged
        assert "Traceback" not in logged
    finally:
        if server.poll() is None:
            server.kill()
