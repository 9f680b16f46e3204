"""``caseledger audit …``: the auditor's commands (product.md capability 4). SKELETON."""

import typer

from caseledger.interfaces.cli import audit_chain

app = typer.Typer(help="Audit: verify the integrity chain, query events and case reads, export a case.",
                  no_args_is_help=True)
audit_chain.register(app)
