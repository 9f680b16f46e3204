"""``caseledger rules``: every rule the engine enforces and every clock it sets, with its source
(application/rules.py builds the catalogue; docs/rules.md is generated from the same data). It
opens no database."""

from __future__ import annotations

from typing import Annotated, Literal

import typer

from application.rules import as_json, as_text, catalogue
from interfaces.cli.common import Invocation, command

top = typer.Typer()
"""``caseledger rules`` lives at the top level."""

RuleType = Literal["dardr", "asb", "encampment"]


@command(top, "rules", query=True)
def rules(
    inv: Invocation,
    case_type: Annotated[RuleType | None, typer.Option(
        "--type", help="Only this case type (and the rules for every case type).")] = None,
) -> None:
    """The rules catalogue: each rule and clock, its kind of source, citation and link.

    A source that could not be verified says "assumed local practice"; the 2024 DARDR
    guidance, a consultation draft, says "draft guidance (not in force)"."""
    entries = catalogue(case_type)
    inv.emit(as_json(entries), lambda: as_text(entries))
