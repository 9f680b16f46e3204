"""Subject access (UK GDPR Art. 15): find every case where a person appears, and export what is
held about them, without decrypting the whole store.

**The blind index.** Every text inside an event's ``personal`` value on a case is normalised
(``words``: NFKC, case-folded, punctuation to spaces, whitespace collapsed) and its distinct words
indexed (``index_words``). The read model ``subject_index(token, case_id)`` keeps, for each word
of a case, only its token: a keyed hash under the index key (``SubjectIndex``; the key is a data
key wrapped by the master key and never leaves the process). The projection hands the texts to
the index in memory only (``application/projections.py``, ``PersonalText``); no text reaches a
table. A search looks up the cases that hold every word of the text, then opens only those
cases' events to keep the ones where the words appear together, in order (``appears_in``): the
store is never decrypted as a whole, and a name is found inside free text as well as in its own
field. An erased case's events read as ``None`` and give no tokens, and its rows are deleted when
its erasure is projected, so it is not found; a rebuild gives the same rows.

A token says only that some case holds the word: the same word gives the same token, so the
index shows which cases share a word to whoever can read the table (never what the word is,
without the key).

**Who may search.** A coordinator, over the cases of their partnerships they may see in full
(not a restricted case that does not name them), and the local operator (the command line on the
server) over every case. Each case found is recorded in the access log as read, with the purpose.

**The export** (``export``): README.txt (what it is, its purpose, that it holds personal data),
subject.json and subject.txt: per case found, each fact whose personal data holds the text, in
plain words, with its effective and recorded dates and every personal field of that fact; a value
a correction superseded is marked "superseded on DATE" beside the current one (domain/personal.py).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

from application import access_policy as policy
from application.ports import SubjectIndex
from application.principals import Principal, Role
from domain import plain
from domain.errors import InvalidInput, RuleRefused
from domain.limits import MAX_REASON
from domain.personal import PersonalDataCorrected, Superseded, fold_corrections, text_leaves
from domain.plain import Json

if TYPE_CHECKING:
    from application.audit import AuditService
    from application.service import CaseService

MAX_SEARCH = 200
"""The longest text searched for (a name, an address, a phrase)."""

PURPOSE_NEEDED = "Give the purpose of the subject access (it is kept in the access log)."


# --------------------------------------------------------------------------- normalising


def words(text: str) -> list[str]:
    """The words of a text as the index compares them: NFKC, case-folded, each punctuation mark
    a space (so ``O'Brien`` is ``o brien`` whichever apostrophe was typed), split on whitespace."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(" " if unicodedata.category(ch).startswith("P") else ch
                   for ch in folded).split()


def index_words(text: str) -> set[str]:
    """The distinct words of a text, as the index keeps them (each as its token)."""
    return set(words(text))


def search_words(text: str) -> set[str]:
    """The words a case must hold to be a candidate for ``text``. InvalidInput when the text is
    too long or holds no word."""
    if len(text) > MAX_SEARCH:
        raise InvalidInput(f"Search for at most {MAX_SEARCH} characters.", field="text")
    found = set(words(text))
    if not found:
        raise InvalidInput("Give a name or a phrase to search for (it has no letters or digits).",
                           field="text")
    return found


def appears_in(text: str, value: Json) -> bool:
    """Whether the words of ``text`` appear, consecutively, in a text of ``value``."""
    wanted = f" {' '.join(words(text))} "
    return any(wanted in f" {' '.join(words(leaf))} " for _, leaf in text_leaves(value))


# --------------------------------------------------------------------------- the service


class SubjectIndexReader(Protocol):
    """The subject index read model (infrastructure/subject_index.py)."""

    def cases_with_all(self, tokens: set[str]) -> list[str]: ...


class CaseRows(Protocol):
    def case_row(self, case_id: str) -> dict[str, Any] | None: ...


@dataclass(frozen=True)
class Found:
    """A case where the text appears, as a search lists it (no personal data)."""

    case_id: str
    reference: str
    case_type: str
    partnership: str
    stage: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"reference": self.reference, "type": self.case_type,
                "partnership": self.partnership, "stage": self.stage}


def may_search(principal: Principal, scope: policy.CaseScope) -> bool:
    """A coordinator of the case's partnership who sees it in full, or the local operator."""
    if policy.case_visibility(principal, scope) is not policy.Visibility.FULL:
        return False
    return policy.is_local_operator(principal) or any(
        g.role is Role.COORDINATOR and g.partnership == scope.partnership
        for g in principal.grants)


def may_search_at_all(principal: Principal) -> policy.Decision:
    """Whether the principal may make a subject access search (of some partnership)."""
    if policy.is_local_operator(principal) or principal.holds(Role.COORDINATOR):
        return policy.allow("A coordinator searches the cases of their partnerships.")
    return policy.deny("A subject access search is a coordinator's: it reads personal data.")


class SubjectAccessService:
    """``find`` and ``export`` (module docstring)."""

    def __init__(self, cases: CaseService, rows: CaseRows, index: SubjectIndexReader,
                 tokens: SubjectIndex | None, audit: AuditService,
                 catch_up: Any = None) -> None:
        self.cases, self.rows, self.index, self.tokens = cases, rows, index, tokens
        self.audit = audit
        self.catch_up = catch_up

    def find(self, text: str, principal: Principal, purpose: str,
             what: str = "subject-access search") -> list[Found]:
        """The cases where ``text`` appears that the principal may search, each recorded as read
        for ``purpose``, in reference order."""
        purpose = _purpose(purpose)
        decision = may_search_at_all(principal)
        if not decision:
            self.audit.record_denied(None, actor=principal.actor, what=what, why=decision.why)
            raise SubjectAccessRefused(decision.why)
        if self.tokens is None:
            raise InvalidInput("This database keeps no subject index: it was opened without "
                               "its keys.")
        wanted = self.tokens.tokens(search_words(text))
        if self.catch_up is not None:
            self.catch_up()
        found: list[Found] = []
        for case_id in self.index.cases_with_all(wanted):
            row = self.rows.case_row(case_id)
            if row is None or not may_search(principal, policy.CaseScope.of(row)):
                continue
            if not self._holds(case_id, text):
                continue
            found.append(Found(case_id, str(row["reference"]), str(row["case_type"]),
                               str(row["partnership"]), row.get("stage")))
        found.sort(key=lambda f: f.reference)
        for case in found:
            self.audit.record_read(case.case_id, actor=principal.actor, what=what,
                                   purpose=purpose, reference=case.reference)
        return found

    def _holds(self, case_id: str, text: str) -> bool:
        """Whether the words of ``text`` appear together in the case's personal data, as
        recorded or as corrected (a candidate holds each word, maybe apart)."""
        events = list(self.cases.app.repository.event_store.get(UUID(case_id)))
        current, _ = fold_corrections(events)
        return any(appears_in(text, value) for value in current.values()) or any(
            appears_in(text, getattr(event, "personal", None)) for event in events)

    def export(self, text: str, principal: Principal, purpose: str) -> dict[str, str]:
        """The export's files by name (README.txt, subject.json, subject.txt)."""
        found = self.find(text, principal, purpose, what="subject-access export")
        cases = [self._case(case, text) for case in found]
        held = {"personal_data": True, "purpose": purpose.strip(), "searched_for": text,
                "cases": cases}
        return {"README.txt": readme(purpose.strip(), len(cases)),
                "subject.json": json.dumps(held, indent=2, ensure_ascii=False, default=str) + "\n",
                "subject.txt": readable(held)}

    def _case(self, found: Found, text: str) -> dict[str, Any]:
        case_id = UUID(found.case_id)
        events = list(self.cases.app.repository.event_store.get(case_id))
        case = self.cases.load_case(found.case_id)
        entry: dict[str, Any] = {**found.to_dict(),
                                 "type_label": plain.case_type_label(found.case_type),
                                 "stage_label": plain.stage_label(found.case_type,
                                                                  found.stage or "")}
        erased = getattr(case, "personal_data_erased", None)
        if erased:
            entry["personal_data_erased_on"] = str(erased.get("on", ""))[:10]
            entry["facts"] = []
            return entry
        entry["facts"] = facts_where(text, events)
        return entry


def facts_where(text: str, events: Sequence[object]) -> list[dict[str, Any]]:
    """Each fact whose personal data (as recorded, or as corrected) holds ``text``: its name in
    words, dates and every personal field, superseded values marked beside the current ones."""
    current, superseded = fold_corrections(events)
    by_place: dict[tuple[int, str], list[Superseded]] = {}
    for s in superseded:
        by_place.setdefault((s.version, s.field), []).append(s)
    facts = []
    for event in events:
        version = int(getattr(event, "originator_version", 0))
        recorded = getattr(event, "personal", None)
        if isinstance(event, PersonalDataCorrected) or recorded is None:
            continue
        now = current.get(version)
        if not (appears_in(text, recorded) or appears_in(text, now)):
            continue
        fields = []
        for path, value in text_leaves(now):
            changes = by_place.get((version, path), [])
            field: dict[str, Any] = {"field": path, "value": value}
            if changes:
                field["superseded"] = [{"value": s.old, "superseded_on": s.corrected_on[:10],
                                        "by_version": s.corrected_version} for s in changes]
            fields.append(field)
        facts.append({"version": version, "event": event_words(type(event).__name__),
                      "effective": getattr(event, "effective", None),
                      "recorded": _iso(getattr(event, "timestamp", None)), "personal": fields})
    return facts


CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def event_words(name: str) -> str:
    """``PersonalDataCorrected`` → "Personal data corrected"."""
    return CAMEL.sub(" ", name).lower().capitalize()


def _iso(moment: object) -> str | None:
    return moment.isoformat() if hasattr(moment, "isoformat") else None


def _purpose(purpose: str) -> str:
    if not purpose or not purpose.strip():
        raise InvalidInput(PURPOSE_NEEDED, field="purpose")
    if len(purpose) > MAX_REASON:
        raise InvalidInput(f"The purpose is longer than {MAX_REASON:,} characters.",
                           field="purpose")
    return purpose


class SubjectAccessRefused(RuleRefused):
    """The access policy refused a subject access search (the interface answers 403)."""

    code = "forbidden"


def readme(purpose: str, cases: int) -> str:
    return (
        "Subject access export (UK GDPR Art. 15)\n"
        "========================================\n\n"
        "THIS EXPORT CONTAINS PERSONAL DATA. Keep it only as long as the request needs, share it\n"
        "only with the person it is about (or as the law allows), and delete it afterwards.\n\n"
        f"Purpose: {purpose}\n"
        f"Cases found: {cases}\n\n"
        "subject.json and subject.txt list, for each case where the text searched for appears,\n"
        "each recorded fact whose personal data holds it: what the fact was, when it took effect\n"
        "and when it was recorded, and every personal field of that fact. A value that was\n"
        "corrected is shown with the current value and marked 'superseded on' the date of the\n"
        "correction.\n\n"
        "Cases are found through a blind index of the words in personal fields. A case whose\n"
        "personal data was erased at the end of its retention holds nothing about anyone and is\n"
        "not found. Each case found was recorded in the access log as read, with the purpose.\n"
    )


def readable(held: Mapping[str, Any]) -> str:
    """subject.txt: the export for people."""
    lines = ["Subject access export: CONTAINS PERSONAL DATA", f"Purpose: {held['purpose']}",
             f"Searched for: {held['searched_for']}", ""]
    if not held["cases"]:
        lines.append("No case holds the text searched for.")
    for case in held["cases"]:
        lines.append(f"{case['reference']}  {case['type_label']}  {case['partnership']}  "
                     f"stage: {case['stage_label']}")
        if case.get("personal_data_erased_on"):
            lines.append(f"  personal data erased on {case['personal_data_erased_on']}")
        for fact in case["facts"]:
            lines.append(f"  v{fact['version']}  {fact['event']}  effective {fact['effective']}  "
                         f"recorded {(fact['recorded'] or '')[:19].replace('T', ' ')}")
            for field in fact["personal"]:
                lines.append(f"    {plain.words(field['field']) or 'text'}: {field['value']}")
                for old in field.get("superseded", []):
                    lines.append(f"      (was: {old['value']}; superseded on "
                                 f"{old['superseded_on']})")
        lines.append("")
    return "\n".join(lines) + "\n"
