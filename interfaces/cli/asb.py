"""``caseledger asb …``: ASB Case Reviews (cli.md, processes/asb-case-review.md).

Each verb is a command model of application/commands/asb.py; ``receive`` opens the case and
``evaluate-threshold`` is a query. The commands common to every case type are mounted here too.
"""

from typing import Any

import typer

from application import asb as asb_queries
from application.commands import asb as a
from domain import plain
from domain.errors import InvalidInput
from interfaces.cli.case import COMMON
from interfaces.cli.common import TIME_HELP, Invocation, Ref, command, table
from interfaces.cli.verbs import Verb, register

app = typer.Typer(
    help="ASB Case Reviews: application, threshold, review, outcome, appeals and closure.",
    no_args_is_help=True,
)

COMPLAINT_SPEC = "behaviour=DATE,reported=DATE,agency=AGENCY[,reference=R][,hate]"
COMPLAINT_HELP = ("behaviour=DATE, reported=DATE, agency=AGENCY and optionally reference=REF, "
                  "complainant=KEY and hate")
COMPLAINT_KEYS = ("behaviour", "reported", "agency", "reference", "complainant")


def complaint(text: str) -> dict[str, Any]:
    """``behaviour=DATE,reported=DATE,agency=AGENCY[,reference=R][,hate]`` → a complaint's fields
    (the model checks the values)."""
    out: dict[str, Any] = {"hate": False}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        if part == "hate":
            out["hate"] = True
            continue
        key, sep, value = part.partition("=")
        if not sep or key.strip() not in COMPLAINT_KEYS:
            raise InvalidInput(f"'{part}' is not understood in --complaint; use {COMPLAINT_SPEC}.")
        out[key.strip()] = value.strip()
    missing = [k for k in ("behaviour", "reported", "agency") if not out.get(k)]
    if missing:
        raise InvalidInput(f"--complaint needs {', '.join(missing)}; use {COMPLAINT_SPEC}.")
    return out


SPEC = "SPEC"

ASB = (
    Verb("receive", a.ReceiveApplication, flags={"complaints": "--complaint"},
         repeat=frozenset({"complaints"}), parse={"complaints": complaint},
         formats={"complaints": COMPLAINT_HELP},
         metavars={"partnership": "SLUG", "hub": "SLUG", "applicant_name": "NAME",
                   "complaints": SPEC}),
    Verb("add-complaint", a.AddComplaint, parse={"complaint": complaint},
         formats={"complaint": COMPLAINT_HELP},
         flags={"complaints": "--complaint"},
         metavars={"complaint": SPEC}),
    Verb("mark-duplicate", a.MarkDuplicate, metavars={"complaints": "C1,C2,…"}),
    Verb("acknowledge", a.AcknowledgeApplication, flags={"agencies": "--request-from"}),
    Verb("decide-threshold", a.DecideThreshold, off={"met": "--not-met"},
         metavars={"rule": "RULE"}),
    Verb("notify-threshold", a.NotifyThreshold),
    Verb("tell-victim-closure", a.TellVictimClosure),
    Verb("choose-involvement", a.ChooseInvolvement, metavars={"level": "LEVEL"}),
    Verb("assign-victim-contact", a.AssignVictimContact, metavars={"name": "NAME"}),
    Verb("schedule-meeting", a.ScheduleMeeting, flags={"meeting_date": "--date"},
         metavars={"meeting_date": "DATE"}),
    Verb("hold-meeting", a.HoldMeeting, flags={"agencies": "--attendees"},
         off={"victim_invited": "--victim-not-invited"}, metavars={"chair": "NAME"},
         on_alias=("--date", f"Meeting date (default: --on): {TIME_HELP}.")),
    Verb("recommend", a.Recommend, flags={"recommendations": "--recommendation"},
         repeat=frozenset({"recommendations"})),
    Verb("share-action-plan", a.ShareActionPlan),
    Verb("record-victim-comments", a.RecordVictimComments),
    Verb("notify-outcome", a.NotifyOutcome),
    Verb("lodge-appeal", a.LodgeAppeal, metavars={"heard_by": "BODY"}),
    Verb("record-no-appeal", a.RecordNoAppeal),
    Verb("determine-appeal", a.DetermineAppeal, off={"upheld": "--not-upheld"}),
)

register(app, "asb", ASB + COMMON)


def rule_words(rule: str) -> str:
    """A threshold rule in words, with its code."""
    return f"{plain.choice_label('threshold-rule', rule)} [{rule}]"


@command(app, "evaluate-threshold", "asb", query=True)
def evaluate_threshold(inv: Invocation, ref: Ref) -> None:
    """Which threshold rule is met, or why none is, complaint by complaint."""
    data = asb_queries.evaluate_threshold(inv.services.cases, ref)

    def human() -> str:
        # The code stays beside the words: it is what `decide-threshold --rule` takes.
        head = (f"{data['reference']}: threshold met by {rule_words(data['rule'])}" if data["met"]
                else f"{data['reference']}: no threshold rule is met")
        rules = "\n".join(f"  {'met ' if r['met'] else 'not '} {rule_words(r['rule'])}: "
                          f"{r['explanation']}" for r in data["rules"])
        rows = [(c["id"], c["behaviour"], c["reported"], c["agency"], c["reference"] or "",
                 "yes" if c["hate"] else "", "yes" if c["qualifying"] and c["counted"] else "no",
                 c["reason"]) for c in data["complaints"]]
        return "\n".join([head, rules, table(
            ("id", "behaviour", "reported", "agency", "reference", "hate", "counts", "reason"),
            rows)])

    inv.emit(data, human)
