"""``caseledger encampment …``: unauthorised encampments (cli.md, processes/unauthorised-encampments.md).

Each verb is a command model of application/commands/encampment.py; ``report`` opens the case and
flags a return within a no-return window. Effective times are date-times
(``--on 2026-03-02T14:30``). The commands common to every case type are mounted here too.
"""

import typer

from application.commands import encampment as e
from application.service import CaseResult
from domain.no_return import REACH, normalise_power
from interfaces.cli.case import COMMON
from interfaces.cli.common import Invocation
from interfaces.cli.verbs import Verb, register

app = typer.Typer(
    help="Unauthorised encampments: report, assessment, decision, enforcement, vacated site.",
    no_args_is_help=True,
)


def return_flag(inv: Invocation, result: CaseResult) -> str | None:
    """A return inside an earlier case's no-return window, said plainly."""
    window = (result.detail or {}).get("within_no_return_window")
    if not window:
        return None
    reach = REACH.get(normalise_power(window["power"]))
    within = f"; reach: {reach.says()}, {reach.source}" if reach else ""
    return (f"RETURN within the {window['power']} no-return window of {window['case']} "
            f"(until {window['until']}{within})")


COUNTS = {name: "N" for name in ("caravans", "vehicles", "adults", "children", "animals")}
TIMES = {"compliance_due": "TIME", "hearing": "TIME", "served_on": "TIME", "leave_by": "DATE",
         "scheduled_for": "TIME"}
MONEY = {name: "£" for name in ("cleanup_cost", "legal_cost", "damage")}

ENCAMPMENT = (
    Verb("report", e.ReportEncampment, note=return_flag, metavars={
        "partnership": "SLUG", "hub": "HUB", "grid_ref": "REF", "group": "GROUP-REF", **COUNTS}),
    Verb("establish-ownership", e.EstablishOwnership,
         flags={"landowner": "--owner", "lead_agency": "--lead"}, metavars={"lead_agency": "AGENCY"}),
    Verb("visit", e.Visit, metavars={**COUNTS, "officer": "NAME"}),
    Verb("assess-welfare", e.AssessWelfare),
    Verb("assess-impact", e.AssessImpact, metavars={"threat": "1-3", "likelihood": "1-3"}),
    Verb("decide", e.DecideEncampment, switches=frozenset({"decision"}), metavars=TIMES),
    Verb("serve-direction", e.ServeDirection, metavars=TIMES | {"served_on": "TEXT"}),
    Verb("refer-to-police", e.ReferToPolice, metavars={"power": "s61|s62a|s60c"}),
    Verb("check-compliance", e.CheckCompliance, off={"still_present": "--gone"}),
    Verb("issue-summons", e.IssueSummons, flags={"served_on": "--served"}, metavars=TIMES),
    Verb("issue-claim", e.IssueClaim, flags={"served_on": "--served"},
         off={"persons_unknown": "--named"}, metavars=TIMES),
    Verb("record-hearing", e.RecordHearing),
    Verb("grant-order", e.GrantOrder, metavars=TIMES),
    Verb("serve-order", e.ServeOrder, metavars=TIMES),
    Verb("give-entry-notice", e.GiveEntryNotice, flags={"notified_on": "--notified"},
         metavars={"notified_on": "TIME"}),
    Verb("enforce", e.Enforce, metavars=TIMES),
    Verb("vacate", e.Vacate, off={"enforced": "--voluntary"}),
    Verb("clear-site", e.ClearSite, metavars=MONEY),
)

register(app, "encampment", ENCAMPMENT + COMMON)
