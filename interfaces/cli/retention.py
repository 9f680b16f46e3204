"""``caseledger retention due``: which closed cases' personal data is due for erasure
(application/retention.py). Holds and erasure themselves are case commands: ``case hold``,
``case release-hold``, ``case erase`` (interfaces/cli/case.py).

Nothing personal is shown: references, types, partnerships, dates, rules and hold labels.
"""

from datetime import date
from typing import Annotated, Any

import typer

from application.retention import due
from domain import plain
from domain.calendar import LONDON
from domain.errors import InvalidInput
from interfaces.cli.common import Invocation, command, table

app = typer.Typer(help="Retention of personal data: which closed cases are due for erasure.",
                  no_args_is_help=True)


@command(app, "due", "retention", query=True)
def retention_due(
    inv: Invocation,
    as_at: Annotated[str | None, typer.Option(
        "--as-at", metavar="DATE", help="Assess as at this day (YYYY-MM-DD). Default: today.")] = None,
    partnership: Annotated[str | None, typer.Option(
        "--partnership", metavar="P", help="Only this partnership's cases (its short id).")] = None,
) -> None:
    """Closed cases whose retention has ended and that are neither held nor erased (erase them
    with `case erase REF`), then closed cases under legal hold, then erasures to finish (marked
    erased, key still present: run `case erase REF` again)."""
    services = inv.fresh()
    if as_at is None:
        on = services.clock.now().astimezone(LONDON).date()
    else:
        try:
            on = date.fromisoformat(as_at.strip())
        except ValueError:
            raise InvalidInput(f"'{as_at[:40]}' is not a date (YYYY-MM-DD).", field="--as-at") from None
    if partnership is not None:
        services.cases.partnership(partnership)  # NotFound for an unknown one
    found = due(services.cases, services.views, services.app.personal_data, on, partnership)
    names = {str(p["slug"]): str(p["name"]) for p in services.views.partnerships()}
    inv.emit(found.to_dict(), lambda: render(found.to_dict(), names))


def render(data: dict[str, Any], names: dict[str, str]) -> str:
    """The three lists in words: case types and partnerships by name, holds by their labels."""

    def case(e: dict[str, Any]) -> list[str]:
        return [e["reference"], plain.case_type_label(e["type"], short=True),
                names.get(e["partnership"], e["partnership"])]

    lines = [f"Retention as at {data['as_at']}", "", "Due for erasure:"]
    lines.append(table(["reference", "type", "partnership", "retention started", "due", "rule"],
                       [[*case(e), e["retention_started"], e["due"],
                         f"{e['rule']} ({e['rule_source']})"] for e in data["due"]]))
    lines += ["", "Under legal hold:"]
    lines.append(table(["reference", "type", "partnership", "retention ends", "holds"],
                       [[*case(e), e["due"], ", ".join(e["holds"])] for e in data["held"]]))
    lines += ["", "Erasures to finish (erased, key still present; erase again):"]
    lines.append(table(["reference", "type", "partnership", "erased on"],
                       [[*case(e), str(e["erased_on"])[:10]] for e in data["erasures_to_finish"]]))
    return "\n".join(lines)
