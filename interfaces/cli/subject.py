"""``caseledger subject …``: subject access (UK GDPR Art. 15; application/subject_access.py).

    caseledger subject find TEXT --purpose P [--json]
    caseledger subject export TEXT --purpose P --out DIR

The command line runs on the server as the local operator, who may search every case. Each case
found is recorded in the access log as read, with the purpose. A correction of a wrong value is a
case command: ``caseledger case correct REF --version N --field F --value V``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from application.principals import Principal, PrincipalKind
from application.subject_access import SubjectAccessService
from domain.errors import InvalidInput
from interfaces.cli.common import Invocation, command, table
from interfaces.cli.outputs import folder_target, write_private_folder

app = typer.Typer(help="Subject access: find where a person appears, and export what is held "
                       "about them.", no_args_is_help=True)

Text = Annotated[str, typer.Argument(metavar="TEXT", help=(
    "A name, contact detail or phrase (quote it): up to three words are found as they are; a "
    "longer text where every run of three of its words appears."))]
Purpose = Annotated[str, typer.Option("--purpose", metavar="TEXT", help=(
    "Required: why (e.g. the subject access request's reference); kept in the access log."))]


def _service(inv: Invocation) -> SubjectAccessService:
    found = inv.services.subject_access
    if found is None:
        raise InvalidInput("This database keeps no subject index: it was opened without its keys.")
    return found


def _operator(inv: Invocation) -> Principal:
    return Principal(account_id="local", username=inv.actor, kind=PrincipalKind.LOCAL_OPERATOR)


@command(app, "find", "subject", query=True)
def find(inv: Invocation, text: Text, purpose: Purpose) -> None:
    """The cases where the text appears in personal data (reference, type, partnership, stage).

    Nothing personal is printed; each case found is recorded in the access log as read."""
    inv.fresh()
    found = [case.to_dict() for case in _service(inv).find(text, _operator(inv), purpose)]
    inv.emit(found, lambda: table(("Reference", "Type", "Partnership", "Stage"),
                                  [(c["reference"], c["type"], c["partnership"], c["stage"])
                                   for c in found], empty="No case holds that text."))


@command(app, "export", "subject", query=True)
def export(inv: Invocation, text: Text, purpose: Purpose,
           out: Annotated[Path, typer.Option("--out", metavar="DIR", help=(
               "A new (or empty) folder to write the export to (private to you)."))]) -> None:
    """Export what is held about a person: README.txt, subject.json and subject.txt.

    The export CONTAINS PERSONAL DATA: each fact whose personal data holds the text, with every
    personal field of it, corrected values marked superseded."""
    out = folder_target(out, empty=True)
    inv.fresh()
    files = _service(inv).export(text, _operator(inv), purpose)
    write_private_folder(out, files)
    inv.emit({"out": str(out), "files": sorted(files)},
             f"Wrote the subject access export to {out}. It contains personal data: handle it as "
             "such (see README.txt).")


