"""The web application's page times: a coordinator's home page, case list and case page with 500
open cases, beside a static page of the same server (the accessibility statement: the framework,
the template and the log line; no database).

On a fresh database (PostgreSQL from CASELEDGER_TEST_POSTGRES_URL or ``scripts/pg.sh start``, and
an embedded SQLite file): the Cumberland partnership and 500 DARDR reviews at scoping, notified
over the last 120 days so that some of their returns are overdue and others due soon; a
coordinator who signs in through ``POST /api/v1/session`` with a password and one-time code.
Then ``caseledger serve`` (one worker) as a subprocess with JSON request logs, and ``--requests``
requests of each page, one at a time, after a warm-up. The time is the server's own (the ``ms``
of each request's log line: from the request arriving to the response leaving), so the client's
cost is not in it. Results: ``bench/results_web.json``; numbers in ``bench/README.md``.

Usage: python -m bench.web_pages [--cases 500] [--requests 200] [--backend postgres|sqlite|both]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pyotp

from application.commands import NotifyDeath, StartScoping
from application.identity import AccountService
from application.principals import Grant, Role
from application.service import Meta
from bench.http_load import (
    AGENCIES,
    admin_url,
    drop_database,
    free_port,
    fresh_database,
    set_up_cumberland,
    stop_server,
    wait_ready,
)
from domain.dardr import DeathType, Relationship
from infrastructure.accounts import SqlAccountStore
from infrastructure.settings import Settings
from interfaces.bootstrap import Services, build

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results_web.json"
PASSWORD = "bench web password"


def prepare(services: Services, cases: int) -> tuple[list[str], str]:
    """The partnership, ``cases`` reviews at scoping and a coordinator's TOTP secret."""
    today = services.clock.now().date()
    set_up_cumberland(services)
    refs = []
    for i in range(cases):
        notified = today - timedelta(days=1 + (i * 120) // cases)
        opened = services.cases.open(NotifyDeath(
            partnership="cumberland", date_of_death=(notified - timedelta(days=3)).isoformat(),
            victim_pseudonym=f"Victim {i}", notified_by="cumbria-police",
            relationship=Relationship.INTIMATE_PARTNER, death_type=DeathType.HOMICIDE),
            Meta("bench-setup", notified.isoformat()))
        services.cases.execute(opened.reference, StartScoping(agencies=list(AGENCIES)),
                               Meta("bench-setup", (notified + timedelta(days=1)).isoformat()))
        refs.append(opened.reference)
    services.projections.catch_up()
    accounts = AccountService(SqlAccountStore(services.engine), services.clock)
    added = accounts.add("bench-web", display_name="Bench Coordinator", email=None,
                         grants=[Grant(Role.COORDINATOR, partnership="cumberland")],
                         password=PASSWORD, by="bench-setup")
    assert added.totp_secret is not None
    return refs, added.totp_secret


def server_times(log_path: Path) -> dict[str, list[float]]:
    """The ``ms`` of each request's log line, by route path (pages by their path)."""
    times: dict[str, list[float]] = {}
    for line in log_path.read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("event") == "request" and entry.get("status") == 200:
            times.setdefault(str(entry.get("route")), []).append(float(entry["ms"]))
    return times


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def measure(database_url: str, cases: int, requests: int, work: Path) -> dict[str, Any]:
    services = build(Settings.from_env(database_url=database_url))
    try:
        refs, secret = prepare(services, cases)
    finally:
        services.close()
    port = free_port()
    log_path = work / f"serve-{port}.log"
    env = {**os.environ, "CASELEDGER_DATABASE_URL": database_url, "CASELEDGER_LOG_FORMAT": "json",
           "CASELEDGER_LOG_LEVEL": "INFO",  # the request log lines are the measurement
           "CASELEDGER_INSECURE_COOKIES": "1", "CASELEDGER_SIGNIN_PER_MINUTE": "100"}
    caseledger = Path(sys.executable).parent / "caseledger"
    with log_path.open("wb") as log:
        server = subprocess.Popen([str(caseledger), "serve", "--host", "127.0.0.1", "--port", str(port)],
                                  env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, server, log_path)
        with httpx.Client(base_url=url, timeout=30) as client:
            signed = client.post("/api/v1/session", json={
                "username": "bench-web", "password": PASSWORD, "totp": pyotp.TOTP(secret).now()})
            signed.raise_for_status()
            pages = {"home": "/", "case list": "/cases", "case page": None, "static": "/accessibility"}
            html = {"Accept": "text/html"}
            for _ in range(20):  # warm-up: imports, template compilation, pools
                for path in ("/", "/cases", f"/cases/{refs[0]}", "/accessibility"):
                    client.get(path, headers=html).raise_for_status()
            before = len(log_path.read_text(errors="replace").splitlines())
            for i in range(requests):
                for name, path in pages.items():
                    got = client.get(path or f"/cases/{refs[i % len(refs)]}", headers=html)
                    if got.status_code != 200:
                        raise SystemExit(f"{name}: {got.status_code}")
            overdue = client.get("/", headers=html).text.count("verdue")
    finally:
        stop_server(server)
    lines = log_path.read_text(errors="replace").splitlines()[before:]
    measured = work / f"measured-{port}.log"
    measured.write_text("\n".join(lines))
    times = server_times(measured)
    by_page = {"home": times.get("/", []), "case list": times.get("/cases", []),
               "case page": times.get("/cases/{ref}", []), "static": times.get("/accessibility", [])}
    missing = [name for name, v in by_page.items() if not v]
    if missing:
        raise SystemExit(f"no request log lines for {', '.join(missing)}: see {log_path}")
    out = {name: {"requests": len(v), "p50_ms": round(statistics.median(v), 1),
                  "p95_ms": round(percentile(v, 95), 1), "max_ms": round(max(v), 1)}
           for name, v in by_page.items() if v}
    out["home_mentions_overdue"] = overdue
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=500)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--backend", choices=("postgres", "sqlite", "both"), default="both")
    args = parser.parse_args()
    results: dict[str, Any] = {"cases": args.cases, "requests": args.requests,
                               "machine": {"cpus": os.cpu_count(), "python": platform.python_version()}}
    with tempfile.TemporaryDirectory(prefix="caseledger-web-bench-") as tmp:
        work = Path(tmp)
        if args.backend in ("sqlite", "both"):
            results["sqlite"] = measure(f"sqlite:///{work}/caseledger.db", args.cases, args.requests, work)
        if args.backend in ("postgres", "both"):
            admin = admin_url()
            name, url = fresh_database(admin)
            try:
                results["postgres"] = measure(url, args.cases, args.requests, work)
            finally:
                drop_database(admin, name)
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")
    for backend in ("sqlite", "postgres"):
        if backend in results:
            print(f"{backend}:")
            for page, row in results[backend].items():
                if isinstance(row, dict):
                    print(f"  {page:10s} p50 {row['p50_ms']:6.1f} ms  p95 {row['p95_ms']:6.1f} ms"
                          f"  ({row['requests']} requests)")


if __name__ == "__main__":
    main()
