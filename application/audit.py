"""The auditor's use cases (product.md capability 4, "Audit and replay").

- ``events``: the history of every case in one query, filtered by actor, partnership, case,
  event name and recorded time (the ``history`` view; never personal data).
- ``record_read`` / ``record_denied`` / ``access``: the access log. Every read of a case through
  an interface is recorded as a ``CaseRead`` event in the event store (so the integrity chain
  covers it), and every attempt the access policy refused as a ``CaseAccessDenied`` event; both
  are projected into the ``access_log`` view (``outcome``: read or denied). The purpose is
  personal data and is read back from the event, not from the view.
- ``export``: a case for an auditor: its history (JSON, CSV), its state at each stage change, the
  integrity proof of its stored events, a README and a standalone checker (``verify_export.py``).
  An export is a read, recorded with its (required) purpose.

Least data in an export (UK GDPR Art. 5(1)(c), data minimisation): by default an export carries no
readable personal data. The history and the states leave the personal fields out; the proof keeps
the stored bytes, whose personal fields are sealed under the case's key (application/sealing.py),
so the chain's hashes still verify without any key. Only when the purpose requires it, and the
exporter says so explicitly, does ``personal.json`` add each version's personal value, decrypted
("erased" once the case's key is destroyed). Every data file says whether it contains personal data
(``contains_personal_data`` and ``personal_data`` in a JSON file, a first ``#`` line in the CSV,
a paragraph in README.txt), and names the case's erasure if there was one.
"""

from __future__ import annotations

import base64
import csv
import io
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources
from typing import Any, Protocol
from uuid import UUID, uuid4

from eventsourcing.application import project_aggregate
from eventsourcing.persistence import Mapper, StoredEvent

from application.ports import Clock
from application.queries import case_to_dict
from application.sealing import PERSONAL, has_personal_data, is_seal
from application.service import CaseLedgerApplication, CaseService
from domain import times
from domain.access import CaseAccess, purpose_given
from domain.case import Case, CaseOpened, StageEntered
from domain.errors import InvalidInput, NotFound

HISTORY_COLUMNS = ("version", "event", "effective", "recorded", "actor", "reason", "basis", "data")
EVENTS_COLUMNS = ("case", "partnership", *HISTORY_COLUMNS)
GENESIS = "0" * 64
ACCESS_OUTCOMES = ("read", "denied")
#: The keys by which every JSON file of an export says whether it contains personal data.
CONTAINS_PERSONAL_DATA = "contains_personal_data"
PERSONAL_DATA_NOTE = "personal_data"
#: How an erased personal value (its key destroyed) is shown in personal.json.
ERASED = "erased"
#: The name of the fact that records a case's erasure (its non-personal fields say when and under
#: which policy); read by name, so that the export needs nothing else from it.
ERASURE_EVENT = "PersonalDataErased"


class AuditViews(Protocol):
    """The read models the auditor's queries need (infrastructure/views.py implements them)."""

    def history(self, case_id: str) -> Sequence[dict[str, Any]]: ...

    def history_across_cases(
        self, *, partnership: str | None = None, case_id: str | None = None,
        actor: str | None = None, event: str | None = None,
        recorded_from: datetime | None = None, recorded_before: datetime | None = None,
    ) -> Sequence[dict[str, Any]]: ...

    def access_log(
        self, *, case_id: str | None = None, actor: str | None = None,
        recorded_from: datetime | None = None, recorded_before: datetime | None = None,
        outcome: str | None = None,
    ) -> Sequence[dict[str, Any]]: ...


class IntegrityProof(Protocol):
    """The integrity chain (infrastructure/integrity.py): a case's links, and the chain's head."""

    def proof_for_case(self, case_id: UUID) -> list[dict[str, Any]]: ...

    def head(self) -> dict[str, Any]: ...


def recorded_window(start: str | None, end: str | None) -> tuple[datetime | None, datetime | None]:
    """``--from``/``--to`` (dates or date-times) → [from, before) instants.

    A date means the whole day in Europe/London: from its first instant to the end of it.
    A date-time ``--to`` is inclusive of that instant.
    """
    start = times.parse_effective(start) if start else None
    end = times.parse_effective(end) if end else None
    lo = times.effective_instant(start) if start else None
    hi: datetime | None = None
    if end:
        hi = (_next_day_start(end) if times.is_date_only(end)
              else times.effective_instant(end) + timedelta(microseconds=1))
    if lo is not None and hi is not None and lo >= hi:
        raise InvalidInput(f"The start ({start}) is after the end ({end}); give a start on or "
                           "before the end.", field="from")
    return lo, hi


def _next_day_start(day: str) -> datetime:
    """The first instant of the London day after ``day`` (DST-safe: not 24 hours later)."""
    following = times.effective_date(day) + timedelta(days=1)
    return times.effective_instant(following.isoformat())


def history_row(row: dict[str, Any]) -> dict[str, Any]:
    """A ``history`` view row as ``case history --json`` shows it (non-personal fields only)."""
    return {"version": row["version"], "event": row["event"], "effective": row["effective"],
            "recorded": row["recorded"], "actor": row["actor"], "reason": row["reason"],
            "basis": row["basis"], "data": json.loads(row["data"]) if row["data"] else {}}


def csv_cell(row: dict[str, Any], column: str) -> Any:
    """The data column as sorted JSON, the others as they are."""
    return json.dumps(row[column], sort_keys=True) if column == "data" else row[column]


@dataclass(frozen=True)
class CaseExport:
    """An export's files (relative path → text) and what it holds, ready to be written."""

    case_id: str
    reference: str
    files: dict[str, str]
    events: int
    states: list[str]
    head: dict[str, Any]
    access_id: str

    def summary(self) -> dict[str, Any]:
        return {"id": self.case_id, "reference": self.reference, "events": self.events,
                "states": len(self.states), "files": sorted(self.files), "head": self.head,
                "access_id": self.access_id}


class AuditService:
    """The auditor's queries, the access log and the export (product.md capability 4)."""

    def __init__(self, app: CaseLedgerApplication, cases: CaseService, views: AuditViews,
                 integrity: IntegrityProof, clock: Clock,
                 catch_up: Callable[[], int] = lambda: 0) -> None:
        self.app = app
        self.cases = cases
        self.views = views
        self.integrity = integrity
        self.clock = clock
        self.catch_up = catch_up

    # -- the access log ----------------------------------------------------------------

    def record_read(self, case_id: UUID | str, *, actor: str, what: str,
                    purpose: str | None = None, reference: str | None = None) -> CaseAccess:
        """Record that ``actor`` read the case (``what``: show…, history, export) for
        ``purpose``. Call it after the read succeeded and before anything is shown."""
        case_id = UUID(str(case_id))
        if reference is None:
            reference = self.reference_of(case_id)
        access = CaseAccess.record_read(
            access_id=uuid4(), case_id=case_id, reference=reference, actor=actor, what=what,
            purpose=purpose, now=self.clock.now(),
        )
        self.app.save(access)  # a new aggregate: it cannot conflict with anything
        return access

    def record_denied(self, case_id: UUID | str | None, *, actor: str, what: str, why: str,
                      reference: str | None = None) -> CaseAccess:
        """Record that the access policy refused ``actor`` ``what`` (``show``, ``history``,
        ``execute DecideReview``…) on the case (None: on no one case), ``why`` (the policy's
        ``Decision.why``). Call it before the refusal is answered. Never pass what the user
        typed: the attempt is named by the interface, not quoted."""
        case_uuid = UUID(str(case_id)) if case_id is not None else None
        if case_uuid is not None and reference is None:
            reference = self.reference_of(case_uuid)
        denied = CaseAccess.record_denied(
            access_id=uuid4(), case_id=case_uuid, reference=reference, actor=actor, what=what,
            why=why, now=self.clock.now(),
        )
        self.app.save(denied)  # a new aggregate: it cannot conflict with anything
        return denied

    def reference_of(self, case_id: UUID) -> str:
        """The case's reference, from its first event (cheap: no replay)."""
        first = list(self.app.repository.event_store.get(case_id, lte=1))
        if not first or not isinstance(first[0], CaseOpened):
            raise NotFound(f"No case {case_id}.")
        return first[0].reference

    def access(self, *, case: str | None = None, actor: str | None = None,
               recorded_from: datetime | None = None,
               recorded_before: datetime | None = None,
               outcome: str | None = None) -> list[dict[str, Any]]:
        """``audit access`` rows, oldest first: {recorded, actor, outcome (read or denied), case,
        case_id, what, purpose, why, access_id}. A read's purpose comes from the stored event (it
        is personal data); a denial has no purpose, and ``why`` is the policy's reason."""
        if outcome is not None and outcome not in ACCESS_OUTCOMES:
            raise InvalidInput(f"'{outcome[:40]}' is not an outcome; outcomes: "
                               f"{', '.join(ACCESS_OUTCOMES)}.", field="outcome")
        case_id = str(self.cases.resolve(case)) if case else None
        self.catch_up()
        rows = self.views.access_log(case_id=case_id, actor=actor, recorded_from=recorded_from,
                                     recorded_before=recorded_before, outcome=outcome)
        return [{"recorded": r["recorded"], "actor": r["actor"], "outcome": r["outcome"],
                 "case": r["reference"], "case_id": r["case_id"], "what": r["what"],
                 "purpose": None if r["outcome"] == "denied" else self._purpose(r["access_id"]),
                 "why": r["why"], "access_id": r["access_id"]}
                for r in rows]

    def _purpose(self, access_id: str) -> str | None:
        events = list(self.app.repository.event_store.get(UUID(access_id), lte=1))
        personal = getattr(events[0], "personal", None) if events else None
        purpose = (personal or {}).get("purpose")
        return purpose if isinstance(purpose, str) else None

    # -- events across cases -------------------------------------------------------------

    def events(self, *, actor: str | None = None, partnership: str | None = None,
               case: str | None = None, event: str | None = None,
               recorded_from: datetime | None = None,
               recorded_before: datetime | None = None) -> list[dict[str, Any]]:
        """``audit events`` rows, oldest recorded first: {case, partnership, version, event,
        effective, recorded, actor, reason, basis, data}."""
        if partnership:
            self.cases.partnership(partnership)  # NotFound for an unknown partnership
        case_id = str(self.cases.resolve(case)) if case else None
        self.catch_up()
        rows = self.views.history_across_cases(
            partnership=partnership, case_id=case_id, actor=actor, event=event,
            recorded_from=recorded_from, recorded_before=recorded_before)
        return [{"case": r["reference"], "partnership": r["partnership"], **history_row(r)}
                for r in rows]

    # -- export --------------------------------------------------------------------------

    def export(self, ref: str, *, actor: str, purpose: str | None,
               include_personal_data: bool = False) -> CaseExport:
        """Everything an auditor needs to check one case, recorded as a read with its purpose.

        The proof is taken first; the history and the states are cut at the last version it
        covers, so the three always describe the same events even while the case changes.
        ``include_personal_data`` adds ``personal.json`` (the purpose must require it: the
        caller asks for it explicitly); the read is then recorded as such in the access log.
        """
        stated = purpose_given(purpose)
        if stated is None:
            raise InvalidInput("An export needs its purpose: say why the case is exported "
                               "(e.g. 'Home Office QA request 2026/14').", field="purpose")
        case = self.cases.load_case(ref)  # NotFound when there is no such case
        case_id = case.id
        proof = self.integrity.proof_for_case(case_id)
        if not proof:
            raise NotFound(f"No stored events for {case.reference}.")
        last = max(int(link["originator_version"]) for link in proof)
        self.catch_up()
        history = [history_row(r) for r in self.views.history(str(case_id)) if r["version"] <= last]
        events = proof_events(proof, self.app.mapper)
        states = states_from_proof(proof, self.app.mapper)
        erasure = erasure_note(events, erased=self._key_destroyed(case_id))
        clear = unsealed_versions(proof)
        access = self.record_read(
            case_id, reference=case.reference, actor=actor, purpose=stated,
            what="export with personal data" if include_personal_data else "export")
        head = self.integrity.head()
        none = "None: the personal fields are left out."
        proof_note = ("Sealed: each event's personal field is encrypted (AES-256-GCM) under the "
                      "case's data key and cannot be read here; the hashes cover the sealed bytes.")
        if clear:
            proof_note = (f"Yes: {len(clear)} stored event(s) (version(s) "
                          f"{', '.join(map(str, clear))}) were stored before personal data was "
                          "sealed and hold their personal fields in the clear; the others are "
                          "sealed under the case's data key.")
        files: dict[str, str] = {
            "history.json": _json({**marked(False, none, erasure), "rows": history}),
            "history.csv": _csv_marker(False, none, erasure) + _csv(HISTORY_COLUMNS, history),
            "proof.json": _json({
                **marked(bool(clear), proof_note, erasure),
                "case": {"id": str(case_id), "reference": case.reference},
                "algorithm": ("hash = sha256(bytes.fromhex(prev) + "
                              "f'{notification_id}\\n{originator_id}\\n{originator_version}\\n"
                              "{topic}\\n'.encode() + base64decode(state)).hexdigest()"),
                "genesis": GENESIS,
                "events": proof,
                "head": head,
            }),
            "README.txt": readme(case.reference, str(case_id), len(proof), sorted(states), head,
                                 exported_at=access.created_on, actor=actor, purpose=stated,
                                 personal=include_personal_data, unsealed=clear,
                                 erasure=erasure),
            "verify_export.py": verify_script(),
        }
        for path, text in states.items():
            files[path] = _json({**marked(False, "None: personal details left out.", erasure),
                                 **json.loads(text)})
        if include_personal_data:
            files["personal.json"] = _json({
                **marked(True, "Yes: each version's personal value, decrypted for the stated "
                         f"purpose ({ERASED!r} where the case's key was destroyed).", erasure),
                "purpose": stated,
                "versions": personal_values(events),
            })
        return CaseExport(case_id=str(case_id), reference=case.reference, files=files,
                          events=len(proof), states=sorted(states), head=head,
                          access_id=str(access.id))

    def _key_destroyed(self, case_id: UUID) -> bool:
        cipher = getattr(self.app, "personal_data", None)
        return bool(cipher is not None and cipher.is_destroyed(case_id))


def marked(contains: bool, note: str, erasure: str | None) -> dict[str, Any]:
    """The top-level keys by which a JSON file of an export says whether it holds personal data."""
    return {CONTAINS_PERSONAL_DATA: contains,
            PERSONAL_DATA_NOTE: note if erasure is None else f"{note} {erasure}"}


def _csv_marker(contains: bool, note: str, erasure: str | None) -> str:
    """The CSV's first line, a ``#`` comment (the checker skips it; a spreadsheet shows it)."""
    text = marked(contains, note, erasure)[PERSONAL_DATA_NOTE]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(
        [f"# {CONTAINS_PERSONAL_DATA}: {'yes' if contains else 'no'}. {text}"])
    return out.getvalue()


def proof_events(proof: Sequence[Mapping[str, Any]], mapper: Mapper[UUID]) -> list[Any]:
    """The proof's stored events as domain events (personal fields opened where the key is held)."""
    return [mapper.to_domain_event(_stored(link)) for link in proof]


def _stored(link: Mapping[str, Any]) -> StoredEvent:
    return StoredEvent(
        originator_id=UUID(str(link["originator_id"])),
        originator_version=int(link["originator_version"]),
        topic=str(link["topic"]), state=base64.b64decode(str(link["state"]), validate=True))


def unsealed_versions(proof: Sequence[Mapping[str, Any]]) -> list[int]:
    """The versions whose stored personal field is not sealed (stored before sealing existed, or
    by a store that does not seal): their bytes show it in the clear."""
    out = []
    for link in proof:
        try:
            stored = json.loads(base64.b64decode(str(link["state"])))
        except ValueError:
            continue
        value = stored.get(PERSONAL) if isinstance(stored, dict) else None
        if has_personal_data(value) and not is_seal(value):
            out.append(int(link["originator_version"]))
    return out


def erasure_note(events: Sequence[Any], *, erased: bool) -> str | None:
    """"Personal data erased on … under …" from the case's erasure fact, if it has one (or its key
    is destroyed without one); None while the case's personal data is held."""
    for event in reversed(events):
        if type(event).__name__ == ERASURE_EVENT:
            on = getattr(event, "effective", None) or getattr(event, "timestamp", None)
            rule = getattr(event, "rule", None)
            under = None
            if isinstance(rule, Mapping):
                under = ", ".join(f"{k} {v}" for k, v in sorted(rule.items()) if v is not None)
            ended = getattr(event, "retention_ended", None)
            return (f"The case's personal data was erased on {on}"
                    + (f", its retention having ended on {ended}" if ended else "")
                    + (f", under the retention rule: {under}." if under else "."))
    return "The case's personal data was erased (its data key is destroyed)." if erased else None


def personal_values(events: Sequence[Any]) -> list[dict[str, Any]]:
    """personal.json's rows: each version that holds a personal field, with its value (or
    "erased" where it can no longer be read)."""
    out = []
    for event in events:
        if PERSONAL not in vars(event):
            continue
        value = event.personal
        out.append({"version": event.originator_version, "event": type(event).__name__,
                    "personal": ERASED if value is None else value})
    return out


def states_from_proof(proof: Sequence[Mapping[str, Any]],
                      mapper: Mapper[UUID] | None = None) -> dict[str, str]:
    """The case as it stood after each stage change (``states/v0007-decided.json`` → its JSON
    text), replayed from the proof's stored events alone: no database, so that the export's
    checker can replay them again wherever caseledger is installed and compare every field.

    Each state is ``case show --at-version N --json`` without personal data: deadline statuses
    judged at the recorded time of version N. It is rendered as text at once, since replaying
    the next event changes the case in place.
    """
    mapper = mapper or CaseLedgerApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}).mapper
    case: Case | None = None
    out: dict[str, str] = {}
    for link in proof:
        event = mapper.to_domain_event(_stored(link))
        case = project_aggregate(case, [event])
        if isinstance(event, StageEntered) and case is not None:
            state = case_to_dict(case, case.modified_on)
            state.pop("personal", None)
            out[f"states/v{case.version:04d}-{case.stage}.json"] = _json(state)
    return out


def _json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"


def _csv(columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row[c] is None else csv_cell(row, c) for c in columns])
    return out.getvalue()


def readme(reference: str, case_id: str, events: int, states: list[str], head: dict[str, Any], *,
           exported_at: datetime, actor: str, purpose: str, personal: bool = False,
           unsealed: Sequence[int] = (), erasure: str | None = None) -> str:
    """README.txt of an export: what each file is, whether it holds personal data, and how the
    proof is checked."""
    state_lines = "\n".join(f"          {path}" for path in states) or "          (none)"
    if personal:
        held = ("CONTAINS PERSONAL DATA: personal.json holds the case's personal fields (names,\n"
                "contact details, free text), decrypted, because the purpose above requires them.\n"
                "Keep this folder only as long as that purpose needs it, only where personal data\n"
                "may be kept, and destroy it afterwards.")
    else:
        held = ("NO READABLE PERSONAL DATA: the history and the states leave the personal fields out,\n"
                "and in proof.json each event's personal field is sealed (AES-256-GCM under the\n"
                "case's data key, which is not in this folder). An export with the personal data\n"
                "is made only on request, for a purpose that requires it.")
    if unsealed:
        held += (f"\nEXCEPT: proof.json holds {len(unsealed)} event(s) stored before personal data was\n"
                 "sealed, whose personal fields are in the clear (versions "
                 f"{', '.join(map(str, unsealed))}): handle this folder as personal data.")
    if erasure:
        held += f"\n{erasure}"
    personal_file = ("""  personal.json
      Each version's personal value (the event's personal field), decrypted; "erased" where
      the case's data key was destroyed. Not checked by the checker: it comes from the live
      system's keys, not from the proof.
""" if personal else "")
    return f"""Export of case {reference} ({case_id}) from caseledger
Exported {exported_at.isoformat()} by {actor}, for the stated purpose: {purpose}
This export is recorded in the case's access log (caseledger audit access --case {reference}).

Personal data
{held}
Every data file says whether it holds personal data: the JSON files in their top-level keys
"contains_personal_data" (true or false) and "personal_data" (in words), history.csv in its
first line (a "#" comment).

Files
  history.json, history.csv
      Every fact recorded for the case ({events} events): version, event, effective time (when it
      happened), recorded time (when it was stored), actor, reason, basis, and the event's
      non-personal data. The same rows as `caseledger case history {reference}` (history.json
      under "rows").
  states/
      The case as it stood after each change of stage, as `caseledger case show {reference}
      --at-version N --json` shows it (deadline statuses judged at the recorded time of that
      version; personal details left out). They are derived from the events in proof.json by
      replaying them; the checker replays them again and compares every field.
{state_lines}
{personal_file}  proof.json
      The integrity proof: for each stored event of the case, in the order of the event log,
      its notification id (position in the whole log), originator id and version, topic (event
      class), state (the stored bytes, base64, personal fields sealed), prev (the hash of the log's previous event) and
      hash, where
          hash = sha256(bytes.fromhex(prev)
                        + f"{{notification_id}}\\n{{originator_id}}\\n{{originator_version}}\\n{{topic}}\\n".encode()
                        + state_bytes).hexdigest()
      and the first event of the log has prev = {GENESIS}.
      "head" is the chain's head when the export was made: notification {head.get("notification_id")},
      hash {head.get("hash")}.
  verify_export.py
      The checker:  python3 verify_export.py   (or python3 verify_export.py EXPORT_FOLDER)
      It recomputes every event's hash from its prev and its stored bytes, checks that the
      events are this case's, versions 1 to {events} in log order, and not beyond the head; derives
      every row of history.json and history.csv again from the stored bytes and compares every
      field, types included; and replays the events to compare every field of every file in
      states/. It prints OK, or the first problem naming the file, the event and the field
      (exit status 0 or 1). The proof and history checks need only Python 3; replaying the
      states needs caseledger (the version that made this export) installed: without it the
      checker says INCOMPLETE (exit status 2) after checking everything else.
      Whoever could alter this folder could alter this script too: where it matters, run a copy
      from a trusted caseledger installation (python3 -m application.audit_tools.verify_export
      EXPORT_FOLDER) rather than the one in the folder.

What the check proves, and what it does not
  The case's events are not contiguous in the log: other cases' events lie between them. So
  each link is checked on its own (from its prev and its bytes); that the links belong to one
  unbroken chain is attested by the head: run `caseledger audit verify` on the live system,
  which recomputes the whole chain, and compare the head above with the chain's head as
  anchored at the time (`caseledger audit anchor` prints it; anchors kept outside the system
  show that the log was not rewritten since). An event altered or deleted behind the
  application's back breaks the chain at that point. Likewise, the case's last events taken out
  of every file of this folder alike leave nothing here to contradict: compare with the live
  system (`caseledger case history {reference}` lists every version).
"""


def verify_script() -> str:
    """The standalone checker written into every export (application/audit_tools/verify_export.py:
    standard library only, so that an auditor can run it without caseledger)."""
    return resources.files("application.audit_tools").joinpath("verify_export.py").read_text(encoding="utf-8")

