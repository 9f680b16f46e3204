"""``caseledger audit verify`` and ``caseledger audit anchor``: the integrity chain (cli.md).

``verify`` recomputes every link of the chain over the event log and names the first broken
one (exit 0 when intact, 1 when broken); ``anchor`` prints the current head for an auditor to
keep outside the system, and ``verify --anchor`` checks later that the log still contains it.
Only notification ids and hashes are printed, never event contents.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer

from domain.errors import InvalidInput
from interfaces.cli.common import Invocation, command

if TYPE_CHECKING:
    from infrastructure.integrity import IntegrityChain

ANCHOR_HELP = ("An anchor printed earlier by `caseledger audit anchor`, as NOTIFICATION_ID:HASH "
               "(repeatable): the chain must still hold that hash at that id.")


def parse_anchor(text: str) -> tuple[int, str]:
    nid, sep, digest = text.strip().partition(":")
    digest = digest.strip().lower()
    if (not sep or not nid.strip().isdigit() or len(digest) != 64
            or any(ch not in "0123456789abcdef" for ch in digest)):
        raise InvalidInput(f"--anchor: '{text}' is not NOTIFICATION_ID:HASH (the hash is 64 hex "
                           "digits), as printed by `caseledger audit anchor`.")
    return int(nid), digest


def anchor_text(head: dict[str, Any]) -> str:
    return f"{head['notification_id'] or 0}:{head['hash']}"


class _StderrProgress:
    """``verified N of M links`` on one line of a terminal, at most a few times a second."""

    def __init__(self) -> None:
        self.last = 0.0
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < 0.25 and done < total:
            return
        self.last, self.shown = now, True
        print(f"\rverified {done:,} of {total:,} links", end="", file=sys.stderr, flush=True)

    def finish(self) -> None:
        if self.shown:
            print(file=sys.stderr)


def _verified_text(report: dict[str, Any]) -> str:
    head = report["head"]
    if report["ok"]:
        return (f"Integrity chain intact: {report['events']:,} events, every link verified.\n"
                f"Head: {anchor_text(head)}")
    first = report["first_broken"]
    lines = [f"INTEGRITY CHAIN BROKEN: {report['broken']:,} problem(s) in {report['events']:,} "
             f"events ({report['links']:,} links).",
             f"First broken link: notification id {first['notification_id']}: {first['reason']}."]
    others = report["problems"][1:]
    if others:
        lines.append("Also:")
        lines += [f"  notification id {p['notification_id']}: {p['reason']}" for p in others]
        if report["broken"] > len(report["problems"]):
            lines.append(f"  … and {report['broken'] - len(report['problems']):,} more.")
    lines.append("The event log was changed behind the application's back: keep this database "
                 "as evidence and compare with a backup or an earlier anchor.")
    return "\n".join(lines)


app = typer.Typer()
"""``audit verify`` and ``audit anchor``, merged into the ``audit`` group."""


@command(app, "verify", "audit", query=True)
def verify(
    inv: Invocation,
    anchor: Annotated[list[str] | None, typer.Option(
        "--anchor", metavar="NOTIFICATION_ID:HASH", help=ANCHOR_HELP)] = None,
) -> None:
    """Recompute the integrity chain over the whole event log; report the first broken link.

    Exit 0 when every event is intact, 1 when any was edited, deleted, inserted or reordered
    behind the application's back.
    """
    anchors = [parse_anchor(a) for a in anchor or []]
    progress = _StderrProgress() if sys.stderr.isatty() else None
    chain, done = _chain(inv)
    try:
        report = chain.verify(progress=progress, anchors=anchors).to_dict()
    finally:
        done()
        if progress is not None:
            progress.finish()
    inv.extra_log.update(events=report["events"], broken=report["broken"])
    inv.emit(report, lambda: _verified_text(report))
    if not report["ok"]:
        raise typer.Exit(1)

def _chain(inv: Invocation) -> tuple[IntegrityChain, Callable[[], None]]:
    """The chain of the services; of the event store alone when the master key is missing or
    wrong: the chain needs no key, so a copy of a database is verified without its key. With
    what to call when done."""
    from infrastructure.keys import MasterKeyProblem
    from interfaces.bootstrap import chain_without_keys

    try:
        return inv.services.integrity, lambda: None
    except MasterKeyProblem:
        chain, event_store = chain_without_keys(inv.state.settings())
        print("Verifying without the master key (no personal data is read).", file=sys.stderr)
        return chain, event_store.close


@command(app, "anchor", "audit", query=True)
def anchor(inv: Invocation) -> None:
    """Print the head of the integrity chain, for an auditor to keep outside the system."""
    services = inv.services
    head = services.integrity.head()
    data = {**head, "anchor": anchor_text(head), "taken_at": services.clock.now().isoformat()}
    inv.emit(data, lambda: (
        f"Anchor: {data['anchor']}\n"
        f"  last event: notification id {head['notification_id'] or 0}; "
        f"{head['events']:,} events in the chain; taken {data['taken_at']}\n"
        "Keep this line outside the system (print it, email it to yourself, put it in the "
        "board minutes). Later, `caseledger audit verify --anchor "
        f"{data['anchor']}` proves that the log still holds every event up to that point "
        "unchanged, even if someone rewrote the whole chain."))
