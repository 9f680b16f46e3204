"""``caseledger case …``: the commands common to every case type (cli.md, "Common to every case
type"), also mounted under each case type's group (``caseledger dardr pause …``) so that a
coordinator can stay in one group. The queries on cases (list, show, history) are in queries.py.
"""

import typer

from application.commands import (
    AcceptReturn,
    AddAction,
    AddNote,
    ChallengeReturn,
    CloseAction,
    CloseCase,
    ConcludeProcess,
    CorrectPersonalData,
    ExtendDeadline,
    LinkProcess,
    MigratePolicy,
    PauseCase,
    ReceiveReturn,
    ReopenCase,
    RequestReturn,
    ResumeCase,
    UpdateAction,
    UpdateProcess,
    WithdrawReturn,
)
from application.commands.common import (
    ErasePersonalData,
    LiftLegalHold,
    LiftRestriction,
    PlaceLegalHold,
    RestrictCase,
)
from application.service import CaseResult
from domain.errors import InvalidInput
from interfaces.cli.common import Invocation
from interfaces.cli.verbs import Verb, register

app = typer.Typer(
    help="Commands and queries common to every case type (returns, deadlines, pauses, parallel "
         "processes, actions, notes, closing).",
    no_args_is_help=True,
)


def key_date(text: str) -> dict[str, str]:
    """``trial=2026-09-01`` → {"trial": "2026-09-01"} (the model checks the date)."""
    name, sep, when = text.partition("=")
    if not sep or not name.strip() or not when.strip():
        raise InvalidInput(f"'{text}' is not NAME=DATE (e.g. trial=2026-09-01).", field="key_dates")
    return {name.strip(): when.strip()}


def policy_note(inv: Invocation, result: CaseResult) -> str:
    return f"now under policy {(result.detail or {}).get('policy_version')}"


AGENCY = {"agency": "AGENCY", "kind": "KIND"}

COMMON = (
    Verb("request-return", RequestReturn, metavars={**AGENCY, "due": "DATE"}),
    Verb("receive-return", ReceiveReturn, metavars=AGENCY),
    Verb("accept-return", AcceptReturn, metavars=AGENCY),
    Verb("challenge-return", ChallengeReturn, metavars={**AGENCY, "due": "DATE"}),
    Verb("withdraw-return", WithdrawReturn, metavars=AGENCY),
    Verb("extend-deadline", ExtendDeadline, flags={"name": "--deadline"},
         metavars={"name": "NAME", "to": "DATE"}),
    Verb("pause", PauseCase, metavars={"clocks": "A,B"}),
    Verb("resume", ResumeCase),
    Verb("link-process", LinkProcess, metavars={"kind": "KIND", "reference": "REF"}),
    Verb("update-process", UpdateProcess, flags={"process_id": "--process", "key_dates": "--key-date"},
         parse={"key_dates": key_date}, metavars={"process_id": "ID", "key_dates": "NAME=DATE"}),
    Verb("conclude-process", ConcludeProcess, flags={"process_id": "--process"},
         metavars={"process_id": "ID"}),
    Verb("add-action", AddAction, metavars={"owner": "AGENCY", "level": "LEVEL", "due": "DATE"}),
    Verb("update-action", UpdateAction, flags={"action_id": "--action"},
         metavars={"action_id": "ID"}),
    Verb("close-action", CloseAction, flags={"action_id": "--action"},
         metavars={"action_id": "ID"}),
    Verb("add-note", AddNote),
    Verb("close", CloseCase),
    Verb("migrate-policy", MigratePolicy, note=policy_note),
    Verb("reopen", ReopenCase),
    Verb("restrict", RestrictCase, metavars={"people": "USER,USER"}),
    Verb("unrestrict", LiftRestriction),
    Verb("correct", CorrectPersonalData, metavars={"version": "N", "field": "FIELD",
                                                   "value": "TEXT"}),
    Verb("hold", PlaceLegalHold, metavars={"label": "LABEL"}),
    Verb("release-hold", LiftLegalHold, metavars={"label": "LABEL"}),
    Verb("erase", ErasePersonalData),
)

register(app, "case", COMMON)

__all__ = ["COMMON", "app"]
