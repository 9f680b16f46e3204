"""The HTTP API under load: a real load generator (wrk) on loopback against ``caseledger serve``.

On a fresh PostgreSQL database: the Cumberland partnership, ``--cases`` DARDR reviews at scoping
and a coordinator's API token; then ``caseledger serve --workers 2`` as a subprocess (ready when
``/readyz`` says so) and, for ``--seconds`` each, two rounds:

- the mix: three wrk processes at once, each with its own latency percentiles. Reads of one case
  (``GET /api/v1/cases/{ref}``, 30 connections, each on cases of its own), reads of the open
  deadlines (``GET /api/v1/deadlines``, 10 connections) and writes (``POST
  /api/v1/cases/{ref}/record-family-contact``, 10 connections, one thread each, each on its own
  case): 50 concurrent clients;
- the reference, measured in the same run on the same server: ``GET /healthz`` with the same 50
  connections (the framework, the log line and the sockets; no database, no access control).

Each round runs twice: with no pause between a client's requests (``saturated``: the server is
never idle, so the latencies are mostly queueing behind the other 49 clients) and with a pause
of ``--think-ms`` on average between them (``paced``: 50 clients working at a steady rate).
Then each kind of request from one client alone: the cost of a request without queueing.

It fails (exit 1) on any response that is not 2xx and on any socket error or time-out, and on any
lost or doubled write: every write names itself in its reason, and after the run each write case's
new facts must be exactly the writes answered 2xx, once each (a write still unanswered when wrk
stopped may be recorded or not, and is reported). The results go to ``bench/results_http.json``.

Usage: python -m bench.http_load [--cases 50] [--seconds 20] [--think-ms 2000] [--keep]
(PostgreSQL from CASELEDGER_TEST_POSTGRES_URL, else ``scripts/pg.sh start``; wrk from
``scripts/wrk.sh ensure``.)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from uuid import UUID

import httpx
import psycopg
from psycopg import sql

from application.commands import NotifyDeath, StartScoping
from application.identity import AccountService
from application.principals import Grant, Role
from application.service import Meta
from domain.dardr import DeathType, FamilyContactRecorded, Relationship
from domain.setup import Agency, Partnership
from infrastructure.accounts import SqlAccountStore
from infrastructure.settings import Settings
from interfaces.bootstrap import Services, build

ROOT = Path(__file__).resolve().parent.parent
CLIENT = ROOT / "bench" / "http" / "client.lua"
RESULTS = ROOT / "bench" / "results_http.json"
AGENCIES = ("cumbria-police", "probation", "cumberland-council", "north-cumbria-hospitals")
TARGET_P99_MS = {"read": 50.0, "write": 100.0}
WORKERS = 2


@dataclass(frozen=True)
class Client:
    """One wrk process: a kind of request, its connections and threads, and its cases."""

    kind: str
    connections: int
    threads: int
    refs: tuple[str, ...] = ()


# --------------------------------------------------------------------------- the database


def admin_url() -> str:
    url = os.environ.get("CASELEDGER_TEST_POSTGRES_URL", "").strip()
    if url:
        return url
    env = {**os.environ, "CASELEDGER_PG_LEASE": str(os.getpid())}
    started = subprocess.run(["bash", str(ROOT / "scripts" / "pg.sh"), "start"], env=env,
                             check=True, capture_output=True, text=True)
    return started.stdout.strip().splitlines()[-1]


def fresh_database(admin: str) -> tuple[str, str]:
    name = f"bench_http_{secrets.token_hex(4)}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
    return name, urlunsplit(urlsplit(admin)._replace(path=f"/{name}"))


def drop_database(admin: str, name: str) -> None:
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def set_up_cumberland(services: Services) -> None:
    """The Cumberland partnership, its Allerdale hub and the four agencies, as an administrator
    would have set them up."""
    ctx = services.cases.context(Meta(actor="bench-setup", on="2024-04-01"))
    cumberland = Partnership.register(ctx, "cumberland", "CUM", "Cumberland CSP")
    cumberland.add_hub(ctx, "allerdale", "Allerdale Local Focus Hub")
    agencies = [Agency.register(ctx, slug, slug.replace("-", " ").title(), "other", ["cumberland"])
                for slug in AGENCIES]
    services.app.save(cumberland, *agencies)


def prepare(services: Services, cases: int) -> tuple[list[str], str]:
    """The partnership, ``cases`` reviews at scoping (opened last week) and a coordinator's API
    token: what an administrator and a coordinator would have done before the day's work."""
    today = services.clock.now().date()
    set_up_cumberland(services)
    notified, scoping = (today - timedelta(days=7)).isoformat(), (today - timedelta(days=6)).isoformat()
    refs = []
    for i in range(cases):
        opened = services.cases.open(NotifyDeath(
            partnership="cumberland", date_of_death=(today - timedelta(days=10)).isoformat(),
            victim_pseudonym=f"Victim {i}", notified_by="cumbria-police",
            relationship=Relationship.INTIMATE_PARTNER, death_type=DeathType.HOMICIDE),
            Meta("bench-setup", notified))
        services.cases.execute(opened.reference, StartScoping(agencies=list(AGENCIES)),
                               Meta("bench-setup", scoping))
        refs.append(opened.reference)
    services.projections.catch_up()
    accounts = AccountService(SqlAccountStore(services.engine), services.clock)
    accounts.add("bench-coordinator", display_name="Bench Coordinator", email=None,
                 grants=[Grant(Role.COORDINATOR, partnership="cumberland")], password=None,
                 by="bench-setup")
    token = accounts.create_token("bench-coordinator", label="HTTP load benchmark",
                                  expires_in_days=1, by="bench-setup")
    return refs, token


def versions(services: Services, refs: list[str]) -> dict[str, int]:
    return {ref: services.cases.case_as(ref)[0].version for ref in refs}


# --------------------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(database_url: str, port: int, log_path: Path) -> subprocess.Popen[bytes]:
    caseledger = Path(sys.executable).parent / "caseledger"
    env = {**os.environ, "CASELEDGER_DATABASE_URL": database_url}
    with log_path.open("wb") as log:
        return subprocess.Popen(
            [str(caseledger), "serve", "--host", "127.0.0.1", "--port", str(port),
             "--workers", str(WORKERS)], env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_ready(url: str, server: subprocess.Popen[bytes], log_path: Path,
               within_s: float = 60.0) -> None:
    """Until ``/readyz`` answers 200 (every worker builds its services before it listens)."""
    deadline = time.monotonic() + within_s
    with httpx.Client(base_url=url, timeout=2) as client:
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise SystemExit(f"caseledger serve stopped (exit {server.returncode}):\n"
                                 f"{log_path.read_text(errors='replace')[-3000:]}")
            try:
                if client.get("/readyz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)  # a poll interval, not a wait for something to have happened
    raise SystemExit(f"caseledger serve was not ready within {within_s:.0f} s")


def wait_workers(port: int, within_s: float = 60.0) -> None:
    """Until ``/readyz`` has answered 200 from every worker process: it answers as soon as the
    first worker is up, and the connections wrk opens before the second is would all go to the
    first. Each try is a new connection; ``ss`` names the process that accepted it."""
    ready: set[str] = set()
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
            conn.sendall(b"GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            answer = conn.recv(65536)
            mine = conn.getsockname()[1]
            listed = subprocess.run(
                ["ss", "-tnpH", "state", "established", f"( sport = :{port} and dport = :{mine} )"],
                capture_output=True, text=True, check=False).stdout
        if answer.startswith(b"HTTP/1.1 200"):
            ready.update(re.findall(r"pid=(\d+)", listed))
        if len(ready) >= WORKERS:
            return
    raise SystemExit(f"caseledger serve did not answer from {WORKERS} workers within {within_s:.0f} s")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    server.terminate()  # SIGTERM: uvicorn's graceful shutdown
    try:
        server.wait(timeout=40)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


# --------------------------------------------------------------------------- wrk


def wrk_binary() -> str:
    subprocess.run(["bash", str(ROOT / "scripts" / "wrk.sh"), "ensure"], check=True)
    found = subprocess.run(["bash", str(ROOT / "scripts" / "wrk.sh"), "path"], check=True,
                           capture_output=True, text=True)
    return found.stdout.strip()


@dataclass
class Cpu:
    """CPU seconds used, read from /proc: by the server's processes, by the load generator
    (this process's waited-for children) and by the whole machine (every process, including
    PostgreSQL and whatever else runs here)."""

    server: float
    wrk: float
    machine: float

    @classmethod
    def now(cls, server_pid: int) -> Cpu:
        tick = os.sysconf("SC_CLK_TCK")
        with open("/proc/stat") as stat:
            fields = [int(f) for f in stat.readline().split()[1:]]
        busy = sum(fields) - fields[3] - fields[4]  # all but idle and iowait
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return cls(server=_tree_ticks(server_pid) / tick,
                   wrk=children.ru_utime + children.ru_stime, machine=busy / tick)

    def since(self, before: Cpu, seconds: float) -> dict[str, float]:
        """Cores kept busy on average (1.0 = one core all the time)."""
        return {"server_cores": round((self.server - before.server) / seconds, 2),
                "wrk_cores": round((self.wrk - before.wrk) / seconds, 2),
                "machine_cores": round((self.machine - before.machine) / seconds, 2)}


def _tree_ticks(pid: int) -> int:
    """utime + stime of a process and its descendants (Linux /proc)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        with open(f"/proc/{pid}/task/{pid}/children") as listed:
            children = [int(c) for c in listed.read().split()]
    except (FileNotFoundError, ProcessLookupError):
        return 0
    return int(fields[11]) + int(fields[12]) + sum(_tree_ticks(c) for c in children)


def connections_per_worker(port: int, expected: int, within_s: float = 5.0) -> list[int]:
    """How the clients' connections are spread over the server's worker processes (uvicorn's
    workers share one listening socket, and each keeps the connections it accepted), counted with
    ``ss`` once all ``expected`` connections are established, busiest first."""
    deadline = time.monotonic() + within_s
    counts: Counter[str] = Counter()
    while time.monotonic() < deadline:
        listed = subprocess.run(["ss", "-tnpH", "state", "established", f"( sport = :{port} )"],
                                capture_output=True, text=True, check=False).stdout
        counts = Counter(re.findall(r"pid=(\d+)", listed))
        if sum(counts.values()) >= expected:
            break
        time.sleep(0.05)  # a poll interval, not a wait for something to have happened
    return sorted(counts.values(), reverse=True)


def run_wrk(wrk: str, url: str, token: str, clients: list[Client], seconds: int,
            think_ms: int, server_pid: int) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """The clients' wrk processes, all at once; each one's RESULT (see client.lua), and the
    CPU used meanwhile and the connections each worker took."""
    env = {**os.environ, "CASELEDGER_BENCH_TOKEN": token}
    cpu = Cpu.now(server_pid)
    started = time.perf_counter()
    running = {}
    for c in clients:
        command = [wrk, "-t", str(c.threads), "-c", str(c.connections), "-d", f"{seconds}s",
                   "--timeout", "10s", "--latency", "-s", str(CLIENT), url, "--",
                   c.kind, str(think_ms), ",".join(c.refs) or "-", str(c.threads)]
        running[c.kind] = subprocess.Popen(command, stdout=subprocess.PIPE,
                                           stderr=subprocess.PIPE, text=True, env=env)
    spread = connections_per_worker(int(url.rsplit(":", 1)[1]),
                                    sum(c.connections for c in clients))
    results = {}
    for kind, process in running.items():
        out, err = process.communicate(timeout=seconds + 60)
        lines = [line for line in out.splitlines() if line.startswith("RESULT ")]
        if process.returncode != 0 or not lines:
            raise SystemExit(f"wrk ({kind}) failed (exit {process.returncode}):\n{out}\n{err}")
        results[kind] = json.loads(lines[-1].removeprefix("RESULT "))
    used = Cpu.now(server_pid).since(cpu, time.perf_counter() - started)
    return results, {**used, "connections_per_worker": spread}


def summary(raw: dict[str, Any]) -> dict[str, Any]:
    seconds = raw["duration_us"] / 1e6
    latency = raw["latency_us"]
    return {
        "requests": raw["requests"], "requests_per_s": round(raw["requests"] / seconds, 1),
        "p50_ms": latency["p50"] / 1000, "p90_ms": latency["p90"] / 1000,
        "p99_ms": latency["p99"] / 1000, "max_ms": latency["max"] / 1000,
        "statuses": raw["statuses"], "socket_errors": raw["socket_errors"],
    }


def failures(kind: str, raw: dict[str, Any]) -> list[str]:
    problems = [f"{kind}: {n} responses with status {status}"
                for status, n in sorted(raw["statuses"].items()) if not status.startswith("2")]
    problems += [f"{kind}: {n} socket {what} errors"
                 for what, n in raw["socket_errors"].items() if n]
    if raw["requests"] == 0:
        problems.append(f"{kind}: no request was answered")
    return problems


# --------------------------------------------------------------------------- lost writes


def check_writes(services: Services, before: dict[str, int],
                 writes: list[dict[str, Any]]) -> tuple[list[str], dict[str, int]]:
    """Each write case's new facts against the writes wrk saw answered: every 2xx recorded once,
    nothing else recorded (bar a write still unanswered when wrk stopped)."""
    problems: list[str] = []
    counts = Counter[str]()
    store = services.app.repository.event_store
    for case in writes:
        ref = case["ref"]
        case_id = UUID(str(services.cases.resolve(ref)))
        new = list(store.get(case_id, gt=before[ref]))
        recorded = Counter(getattr(e, "reason", None) for e in new)
        others = [type(e).__name__ for e in new if not isinstance(e, FamilyContactRecorded)]
        if others:
            problems.append(f"{ref}: unexpected facts {others}")
        accepted = Counter(f"load test write {ref} #{n}" for n in case["ok"])
        unanswered = f"load test write {ref} #{case['unanswered']}" if case["unanswered"] else None
        for reason, times in accepted.items():
            if recorded[reason] != times:
                problems.append(f"{ref}: {reason!r} answered 2xx but recorded {recorded[reason]} times")
        for stored, times in recorded.items():
            if stored in accepted:
                continue
            if stored == unanswered and times == 1:
                counts["unanswered_recorded"] += 1
                continue
            problems.append(f"{ref}: {stored!r} recorded {times} times but not answered 2xx")
        counts["accepted"] += sum(accepted.values())
        counts["recorded"] += len(new)
        counts["unanswered"] += unanswered is not None
    return problems, dict(counts)


# --------------------------------------------------------------------------- the run


@dataclass(frozen=True)
class Target:
    """The server under test, and how to reach it."""

    wrk: str
    url: str
    token: str
    pid: int
    services: Services


def one_round(target: Target, refs: list[str], seconds: int,
              think_ms: int) -> tuple[dict[str, Any], list[str]]:
    """The 50 clients' mix, then the reference on the same 50 connections."""
    readers, writers = refs[:30], refs[-10:]
    mix = [Client("case", 30, 2, tuple(readers)), Client("deadlines", 10, 1),
           Client("write", 10, 10, tuple(writers))]
    before = versions(target.services, writers)
    raw, mix_cpu = run_wrk(target.wrk, target.url, target.token, mix, seconds, think_ms, target.pid)
    ref_raw, ref_cpu = run_wrk(target.wrk, target.url, target.token, [Client("healthz", 50, 2)],
                               seconds, think_ms, target.pid)
    reference = ref_raw["healthz"]
    problems = [p for kind, r in {**raw, "healthz": reference}.items() for p in failures(kind, r)]
    lost, counts = check_writes(target.services, before, raw["write"]["writes"])
    problems += lost
    mixed = {kind: summary(r) for kind, r in raw.items()}
    return {
        "think_ms": think_ms,
        "mix": mixed,
        "mix_cpu": {**mix_cpu, "server_cpu_ms_per_request": cpu_ms(mix_cpu, list(mixed.values()))},
        "reference_healthz": summary(reference),
        "reference_cpu": {**ref_cpu, "server_cpu_ms_per_request": cpu_ms(ref_cpu, [summary(reference)])},
        "writes_checked": counts,
    }, problems


def alone(target: Target, refs: list[str], seconds: int) -> tuple[dict[str, Any], list[str]]:
    """Each kind of request from one client, nobody else: the cost of a request without
    queueing (the floor under the mix's latencies)."""
    results: dict[str, Any] = {}
    problems: list[str] = []
    for client in (Client("case", 1, 1, (refs[0],)), Client("deadlines", 1, 1),
                   Client("write", 1, 1, (refs[-1],)), Client("healthz", 1, 1)):
        before = versions(target.services, list(client.refs)) if client.kind == "write" else {}
        raw, cpu = run_wrk(target.wrk, target.url, target.token, [client], seconds, 0, target.pid)
        r = raw[client.kind]
        problems += failures(client.kind, r)
        if client.kind == "write":
            problems += check_writes(target.services, before, r["writes"])[0]
        results[client.kind] = {**summary(r), "cpu": {
            **cpu, "server_cpu_ms_per_request": cpu_ms(cpu, [summary(r)])}}
    return results, problems


def cpu_ms(cpu: dict[str, Any], runs: list[dict[str, Any]]) -> float:
    """The server's CPU time per request answered (its processes only, not PostgreSQL's)."""
    rate = sum(r["requests_per_s"] for r in runs)
    return round(cpu["server_cores"] * 1000 / rate, 1) if rate else 0.0


def verdict(result: dict[str, Any]) -> dict[str, bool]:
    mix = result["mix"]
    return {"case_read_p99": mix["case"]["p99_ms"] < TARGET_P99_MS["read"],
            "deadlines_read_p99": mix["deadlines"]["p99_ms"] < TARGET_P99_MS["read"],
            "write_p99": mix["write"]["p99_ms"] < TARGET_P99_MS["write"]}


def show(name: str, result: dict[str, Any]) -> None:
    print(f"\n{name} (mean pause between a client's requests: {result['think_ms']} ms)")
    print(f"  {'':<22}{'req/s':>9}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    rows = [*(("GET case" if k == "case" else "GET deadlines" if k == "deadlines" else "POST write", v)
              for k, v in result["mix"].items()), ("reference: /healthz", result["reference_healthz"])]
    for label, r in rows:
        print(f"  {label:<22}{r['requests_per_s']:>9.0f}{r['p50_ms']:>9.1f}{r['p90_ms']:>9.1f}"
              f"{r['p99_ms']:>9.1f}{r['max_ms']:>9.1f}")
    print(f"  CPU (cores busy) and connections per worker: mix {result['mix_cpu']}, "
          f"reference {result['reference_cpu']}")
    print(f"  writes: {result['writes_checked']}; p99 targets met: {verdict(result)}")


def show_alone(results: dict[str, Any]) -> None:
    print("\none client alone, no pause (each kind in turn)")
    print(f"  {'':<22}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'server cores':>14}{'CPU ms/req':>12}")
    for kind, r in results.items():
        print(f"  {kind:<22}{r['requests_per_s']:>9.0f}{r['p50_ms']:>9.1f}{r['p99_ms']:>9.1f}"
              f"{r['cpu']['server_cores']:>14.2f}{r['cpu']['server_cpu_ms_per_request']:>12.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--cases", type=int, default=50, help="DARDR reviews (at least 40)")
    parser.add_argument("--seconds", type=int, default=20, help="length of each wrk run")
    parser.add_argument("--think-ms", type=int, default=2000,
                        help="the paced round's mean pause between a client's requests")
    parser.add_argument("--alone-seconds", type=int, default=5,
                        help="length of each one-client run (each kind alone)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)
    if args.cases < 40:
        parser.error("--cases must be at least 40 (30 read, 10 written)")
    wrk = wrk_binary()
    load_before = os.getloadavg()
    admin = admin_url()
    name, database_url = fresh_database(admin)
    services = build(Settings.from_env(database_url=database_url))
    server = None
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = Path(tempfile.gettempdir()) / f"caseledger-bench-http-{port}.log"
    problems: list[str] = []
    try:
        started = time.perf_counter()
        refs, token = prepare(services, args.cases)
        print(f"database {name}: {len(refs)} reviews at scoping, set up in "
              f"{time.perf_counter() - started:.1f} s")
        server = start_server(database_url, port, log_path)
        wait_ready(url, server, log_path)
        wait_workers(port)
        target = Target(wrk, url, token, server.pid, services)
        rounds: dict[str, Any] = {}
        for round_name, think in (("saturated", 0), ("paced", args.think_ms)):
            result, found = one_round(target, refs, args.seconds, think)
            rounds[round_name] = {**result, "p99_targets_met": verdict(result)}
            problems += [f"{round_name}: {p}" for p in found]
            show(round_name, result)
        single, found = alone(target, refs, args.alone_seconds)
        rounds["one_client"] = single
        problems += [f"one client: {p}" for p in found]
        show_alone(single)
    finally:
        if server is not None:
            stop_server(server)
        services.close()
        if not args.keep:
            drop_database(admin, name)
    report = {
        "measured": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average_before": load_before, "load_average_after": os.getloadavg()},
        "setup": {"cases": args.cases, "seconds_per_run": args.seconds, "server_workers": WORKERS,
                  "clients": {"case": 30, "deadlines": 10, "write": 10, "reference": 50}},
        "targets_p99_ms": TARGET_P99_MS,
        "rounds": rounds,
        "problems": problems,
    }
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nresults in {RESULTS}")
    if problems:
        print("FAILED:\n  " + "\n  ".join(problems[:50]) + f"\nthe server's log: {log_path}",
              file=sys.stderr)
        return 1
    log_path.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
