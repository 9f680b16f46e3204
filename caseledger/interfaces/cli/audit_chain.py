"""``caseledger audit verify`` and ``caseledger audit anchor`` (SKELETON — being written)."""

import typer


def register(app: typer.Typer) -> None:
    """Adds verify and anchor to the ``audit`` group."""
