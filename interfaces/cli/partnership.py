"""``caseledger partnership …``: import the partnership set-up from a TOML file, and list it."""

from pathlib import Path
from typing import Annotated, Any

import typer

from domain.errors import InvalidInput
from interfaces.cli.common import Invocation, command, table

app = typer.Typer(
    help="Partnerships, hubs and agencies: import the set-up (idempotent) and list it.",
    no_args_is_help=True,
)


@command(app, "import", "partnership")
def import_setup(
    inv: Invocation,
    file: Annotated[Path | None, typer.Argument(
        metavar="FILE", help="A set-up file (.toml).", show_default=False)] = None,
    example: Annotated[str | None, typer.Option(
        "--example", metavar="NAME", help="Import a shipped example instead (cumbria).")] = None,
) -> None:
    """Import partnerships, hubs, agencies, contacts and policies (importing again records nothing)."""
    if (file is None) == (example is None):
        raise InvalidInput("Give a set-up file (caseledger partnership import FILE.toml) "
                           "or --example cumbria, not both.")
    # Imported here so that the rest of the command line works without the set-up importer.
    from application import setup_import

    path = setup_import.example_path(example) if example is not None else file
    assert path is not None
    setup = setup_import.load_setup(path)
    counts = setup_import.import_setup(inv.services.cases, setup, inv.meta())
    inv.refresh_views()
    inv.extra_log["events"] = counts.get("events")
    inv.emit(counts, lambda: _summary(counts))


def _summary(counts: dict[str, int]) -> str:
    described = ", ".join(f"{counts.get(k, 0)} {k}" for k in ("partnerships", "hubs", "agencies", "counties",
                                                              "policies"))
    events = counts.get("events", 0)
    changed = f"{events} new event{'s' if events != 1 else ''} recorded" if events else \
        "nothing changed (already imported)"
    return f"Set-up imported: {described}; {changed}."


@command(app, "list", "partnership", query=True)
def list_partnerships(inv: Invocation) -> None:
    """List the partnerships with their hubs, and the agencies with the partnerships they serve."""
    services = inv.fresh()
    partnerships = [
        {"slug": p["slug"], "code": p["code"], "name": p["name"], "since": p["since"],
         "hubs": list(p["hubs"])}
        for p in services.views.partnerships()
    ]
    agencies = [
        {"slug": a["slug"], "name": a["name"], "kind": a["kind"],
         "partnerships": [s for s in (a["partnerships"] or "").split(",") if s]}
        for a in services.views.agencies()
    ]
    data: dict[str, Any] = {"partnerships": partnerships, "agencies": agencies}
    inv.emit(data, lambda: "\n".join([
        "Partnerships",
        table(("slug", "code", "name", "hubs"),
              [(p["slug"], p["code"], p["name"], p["hubs"]) for p in partnerships],
              empty="None yet: caseledger partnership import FILE.toml (or --example cumbria)."),
        "", "Agencies",
        table(("slug", "kind", "name", "partnerships"),
              [(a["slug"], a["kind"], a["name"], a["partnerships"]) for a in agencies]),
    ]))
