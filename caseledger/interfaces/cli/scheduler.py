"""`caseledger scheduler` (placeholder until the scheduler lands)."""

import typer


def register(app: typer.Typer) -> None:
    """Registers nothing yet."""
