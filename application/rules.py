"""The rules catalogue: every rule the engine enforces and every clock it sets, with its source.

One mechanism builds it (``caseledger rules``, ``docs/rules.md`` and the tests all read
``catalogue()``) from data that already exists:

- every stage transition of every case type (``ProcessDefinition.transitions``, each with a basis);
- every clock of every national policy (``ProcessDefinition.national_policy``; for DARDR, one per
  guidance version);
- the encampment powers' dated tables (``domain/no_return.py``: each version of the no-return
  period, each power's commencement, each window's reach);
- every ``RULES`` tuple declared beside the code that enforces it (``domain/*.py``), and the
  catalogue's own notes (``NOTES`` below).

The catalogue is honest about its sources: a basis of kind "local procedure" that names no
published document is shown as "assumed local practice", and statutory guidance that is a draft
is shown as "draft guidance (not in force)". ``unverified()`` lists what was relabelled, for the
owners of the rule to fix at its source.

Regenerate the documentation with::

    .venv/bin/python -m application.rules > docs/rules.md
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from importlib import import_module
from types import ModuleType

from domain import asb, dardr, encampment, no_return
from domain.calendar import ClockUnit
from domain.policy import BASIS_KINDS, Basis, ClockPolicy
from domain.process import ProcessDefinition, Transition
from domain.rules import Rule

CASE_TYPES = ("common", "dardr", "asb", "encampment")
"""The order of the catalogue: rules for every case type first."""

TITLES = {"common": "Every case type", "dardr": "DARDR (domestic abuse related death review)",
          "asb": "ASB Case Review", "encampment": "Unauthorised encampments"}

DEFINITIONS: tuple[ProcessDefinition, ...] = (dardr.DEFINITION, asb.DEFINITION,
                                              encampment.DEFINITION)

POLICY_VARIANTS: Mapping[str, tuple[Mapping[str, str], ...]] = {
    "dardr": tuple({"guidance": str(g)} for g in dardr.GUIDANCE_VERSIONS),
}
"""The settings that select a national policy, per case type (DARDR: each guidance version)."""

RULE_MODULES = ("domain.case", "domain.process", "domain.limits", "domain.dardr", "domain.asb",
                "domain.asb_threshold", "domain.encampment", "domain.no_return", "domain.personal")
"""Modules whose ``RULES: tuple[Rule, ...]`` are collected (a module without one adds nothing;
where ``RULES`` already means something else there, e.g. ``domain/asb_threshold.py``, a tuple named
``..._RULES`` is collected too; only ``Rule`` items count)."""

PUBLISHED_LOCAL: Mapping[str, str] = {
    "Cumbria Joint Agency Protocol":
        "https://vdocuments.us/joint-agency-protocol-for-responding-to-unauthorised-gypsy-.html",
}
"""Local documents known to be published (a citation of kind "local procedure" must name one, or
carry its own link). Source: /work/shared/reference, "Cumbria protocols found" (the Joint Agency
Protocol for responding to unauthorised Gypsy and Traveller encampments, final version May 2011)."""

LINKS: tuple[tuple[str, str], ...] = (
    ("DVCVA 2004 s.9", "https://www.legislation.gov.uk/ukpga/2004/28/section/9"),
    ("Victims and Prisoners Act 2024 s.19", "https://www.legislation.gov.uk/ukpga/2024/21/section/19"),
    ("Home Office DHR statutory guidance (2016)",
     "https://www.gov.uk/government/publications/revised-statutory-guidance-for-the-conduct-of-domestic-homicide-reviews"),
    ("draft DARDR guidance (2024)",
     "https://www.gov.uk/government/consultations/updating-the-domestic-homicide-review-statutory-guidance"),
    ("ASBCPA 2014 s.104", "https://www.legislation.gov.uk/ukpga/2014/12/section/104"),
    ("Sch.4", "https://www.legislation.gov.uk/ukpga/2014/12/schedule/4"),
    ("Schedule 4", "https://www.legislation.gov.uk/ukpga/2014/12/schedule/4"),
    ("Home Office ASB statutory guidance",
     "https://www.gov.uk/government/publications/anti-social-behaviour-crime-and-policing-bill-anti-social-behaviour"),
    ("CJPOA 1994 s.77", "https://www.legislation.gov.uk/ukpga/1994/33/section/77"),
    ("CJPOA 1994 s.78", "https://www.legislation.gov.uk/ukpga/1994/33/section/78"),
    ("CJPOA 1994 s.61", "https://www.legislation.gov.uk/ukpga/1994/33/section/61"),
    ("CJPOA 1994 s.62A", "https://www.legislation.gov.uk/ukpga/1994/33/section/62A"),
    ("CJPOA 1994 s.60C", "https://www.legislation.gov.uk/ukpga/1994/33/section/60C"),
    ("CJPOA 1994 s.62B", "https://www.legislation.gov.uk/ukpga/1994/33/section/62B"),
    ("CJPOA 1994 ss.62A", "https://www.legislation.gov.uk/ukpga/1994/33/section/62A"),
    ("CJPOA 1994 ss.60C", "https://www.legislation.gov.uk/ukpga/1994/33/section/60C"),
    ("CPR Part 55", "https://www.justice.gov.uk/courts/procedure-rules/civil/rules/part55"),
    ("CPR 55", "https://www.justice.gov.uk/courts/procedure-rules/civil/rules/part55"),
    ("Cumbria Joint Agency Protocol", PUBLISHED_LOCAL["Cumbria Joint Agency Protocol"]),
)
"""Where a cited source can be read, by the words that cite it (first match wins)."""

UNVERIFIED = "assumed local practice: no published source verified"

S19_LINK = "https://www.legislation.gov.uk/ukpga/2024/21/section/19"
DRAFT_LINK = LINKS[3][1]

NOTES: tuple[Rule, ...] = (
    Rule("dardr", "dardr.guidance.2024-draft-not-in-force",
         "The 2024 DHR/DARDR statutory guidance is a consultation draft (May 2024), not in force: "
         "its clocks are labelled so, and a partnership may adopt it only as its own local policy "
         "with that label. Reviews run under the 2016 statutory guidance by default.",
         Basis("draft guidance (not in force)",
               "Home Office, Draft domestic homicide review statutory guidance (May 2024), "
               "'Closed consultation'; no final guidance found (not verified after May 2025)"),
         DRAFT_LINK),
    Rule("dardr", "dardr.name.vpa-2024-s19-prospective",
         "The Victims and Prisoners Act 2024 s.19 replaces DVCVA 2004 s.9 with 'domestic abuse "
         "related death reviews' (the trigger: a death that has, or appears to have, resulted "
         "from domestic abuse within the Domestic Abuse Act 2021; the report goes to the Secretary "
         "of State and the Domestic Abuse Commissioner). legislation.gov.uk marks s.19 as "
         "prospective (not yet in force): the engine uses the DARDR name, and applies the "
         "s.9 duties as in force.",
         Basis("statute", "Victims and Prisoners Act 2024 s.19 (prospective: 'This version of "
                          "this provision is prospective', legislation.gov.uk, read 2026-12-03)"),
         S19_LINK),
)
"""The catalogue's own entries: facts about the sources that no single check enforces."""


@dataclass(frozen=True)
class Entry:
    """One line of the catalogue."""

    case_type: str
    name: str
    says: str
    kind: str
    citation: str
    link: str
    source: str
    """``transition``, ``clock`` or ``rule``: where the engine keeps it."""

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class Relabelled:
    """A basis the catalogue could not show as stated (for its owner to fix at the source)."""

    case_type: str
    name: str
    stated: Basis
    shown_kind: str


# --------------------------------------------------------------------------- building


def catalogue(case_type: str | None = None) -> list[Entry]:
    """Every entry, in catalogue order (case type, then kind, then name); with ``case_type``,
    that type's entries and those for every case type."""
    entries = [entry for entry, _ in _built()]
    if case_type is not None:
        entries = [e for e in entries if e.case_type in (case_type, "common")]
    return entries


def policy_entries(case_type: str, version: str,
                   clocks: Mapping[str, ClockPolicy]) -> list[tuple[Entry, Relabelled | None]]:
    """A local policy's own clocks, judged as the catalogue judges the national ones (what a
    partnership's set-up, e.g. the shipped Cumbria example, would add to the catalogue)."""
    return [_entry(case_type, f"{case_type}.clock.{kind}@{version}",
                   _clock_says(kind, clocks[kind], version).replace("national default", "local"),
                   clocks[kind].basis, "", "clock")
            for kind in sorted(clocks)]


def unverified() -> list[Relabelled]:
    """The bases the catalogue relabelled: a local document it cannot find published, or a draft
    cited as statutory guidance."""
    return [relabel for _, relabel in _built() if relabel is not None]


def _built() -> list[tuple[Entry, Relabelled | None]]:
    built = [*_transitions(), *_clocks(), *_no_return(), *_rules()]
    names = [entry.name for entry, _ in built]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"Rule names are not unique: {', '.join(duplicates)}")
    kinds = {kind: i for i, kind in enumerate(BASIS_KINDS)}
    built.sort(key=lambda item: (CASE_TYPES.index(item[0].case_type), kinds[item[0].kind],
                                 item[0].name))
    return built


def _transitions() -> Iterable[tuple[Entry, Relabelled | None]]:
    for definition in DEFINITIONS:
        for command in sorted(definition.transitions):
            found = definition.transitions[command]
            yield _entry(definition.case_type, f"{definition.case_type}.stage.{command}",
                         _transition_says(definition, found), found.basis, "", "transition")


def _clocks() -> Iterable[tuple[Entry, Relabelled | None]]:
    for definition in DEFINITIONS:
        variants = POLICY_VARIANTS.get(definition.case_type, ({},))
        policies = [definition.national_policy(settings) for settings in variants]
        kinds = sorted({kind for policy in policies for kind in policy.clocks})
        for kind in kinds:
            versions = [(p.version, p.clocks[kind]) for p in policies if kind in p.clocks]
            same = all(c == versions[0][1] for _, c in versions)
            for version, clock_policy in (versions[:1] if same else versions):
                shown = ", ".join(v for v, _ in versions) if same else version
                name = f"{definition.case_type}.clock.{kind}"
                if not same:
                    name += f"@{version}"
                yield _entry(definition.case_type, name, _clock_says(kind, clock_policy, shown),
                             clock_policy.basis, "", "clock")


def _no_return() -> Iterable[tuple[Entry, Relabelled | None]]:
    """The encampment powers' dated tables (domain/no_return.py): each version of the no-return
    period, each power's commencement and each window's reach, so a new version is listed."""
    versions = getattr(no_return, "RULES", {})
    for power in sorted(versions if isinstance(versions, dict) else {}):
        for version in versions[power]:
            yield _entry("encampment", f"encampment.no-return.{version.version}",
                         f"A {_section(power)} direction given from "
                         f"{version.effective_from.isoformat()} bars return for {version.months} "
                         f"months (rule version {version.version}).",
                         _stated(version.basis), "", "rule")
    for power, known in sorted(getattr(no_return, "COMMENCEMENT", {}).items()):
        yield _entry("encampment", f"encampment.power.commencement.{power}",
                     f"A {_section(power)} direction dated before "
                     f"{known.in_force_from.isoformat()} is refused: the power was not yet in "
                     "force.", _stated(known.source), "", "rule")
    for power, reach in sorted(getattr(no_return, "REACH", {}).items()):
        yield _entry("encampment", f"encampment.no-return.reach.{power}",
                     f"A {_section(power)} no-return window reaches {reach.says()}: a new "
                     "encampment there is flagged.", _stated(reach.source), "", "rule")


def _section(power: str) -> str:
    """``s62a`` -> ``s.62A``."""
    return f"s.{power[1:].upper()}" if power.startswith("s") else power


def _stated(text: str) -> Basis:
    """A basis written as ``kind: reference``, or a bare citation of a section (a statute)."""
    kind, _, reference = text.partition(": ")
    if kind in BASIS_KINDS and reference:
        return Basis(kind, reference)
    return Basis("statute", text)


def _rules() -> Iterable[tuple[Entry, Relabelled | None]]:
    for rule in (*NOTES, *declared_rules()):
        yield _entry(rule.case_type, rule.name, rule.says, rule.basis, rule.link, "rule")


def declared_rules(modules: Sequence[str] = RULE_MODULES) -> list[Rule]:
    """Every ``RULES`` tuple of the rule modules (a module without one adds nothing)."""
    found: list[Rule] = []
    for module_name in modules:
        module: ModuleType = import_module(module_name)
        for attribute in sorted(vars(module)):
            if attribute == "RULES" or attribute.endswith("_RULES"):
                value = getattr(module, attribute)
                if isinstance(value, tuple | list):
                    found.extend(r for r in value if isinstance(r, Rule) and r not in found)
    return found


def _entry(case_type: str, name: str, says: str, basis: Basis, link: str,
           source: str) -> tuple[Entry, Relabelled | None]:
    kind, citation = basis.kind, basis.reference
    relabel: Relabelled | None = None
    if kind == "statutory guidance" and "draft" in citation.lower():
        kind = "draft guidance (not in force)"
        relabel = Relabelled(case_type, name, basis, kind)
    elif kind == "local procedure" and not (link or "http" in citation or _published(citation)):
        kind, citation = "assumed local practice", UNVERIFIED
        relabel = Relabelled(case_type, name, basis, kind)
    return Entry(case_type, name, says, kind, citation, link or link_for(citation), source), relabel


def _published(citation: str) -> bool:
    return any(title.lower() in citation.lower() for title in PUBLISHED_LOCAL)


def link_for(citation: str) -> str:
    """Where the first source the citation names can be read ("" when none is known)."""
    lowered = citation.lower()
    found = [(lowered.find(words.lower()), link) for words, link in LINKS if words.lower() in lowered]
    return min(found)[1] if found else ""


def _stages(definition: ProcessDefinition, stages: frozenset[str]) -> str:
    open_stages = set(definition.open_stages())
    if stages == open_stages:
        return "any open stage"
    return ", ".join(s for s in definition.stages if s in stages)


def _transition_says(definition: ProcessDefinition, found: Transition) -> str:
    where = _stages(definition, found.allowed_in)
    if not found.leads_to:
        then = "it does not change the stage"
    elif found.leads_to == found.allowed_in:
        then = "the case stays at one of those stages"
    else:
        then = f"it leads to {_stages(definition, found.leads_to)}"
    return f"'{found.command}' is allowed at {where}; {then}."


UNIT_WORDS = {ClockUnit.CALENDAR_MONTHS: "calendar month", ClockUnit.CALENDAR_DAYS: "calendar day",
              ClockUnit.WORKING_DAYS: "working day", ClockUnit.HOURS: "hour"}


def _clock_says(kind: str, clock_policy: ClockPolicy, versions: str) -> str:
    rule = clock_policy.rule
    if rule.amount == 0:
        due = "due on the date set for each one"
    else:
        word = UNIT_WORDS.get(ClockUnit(rule.unit), str(rule.unit))
        due = f"due {rule.amount} {word}{'' if rule.amount == 1 else 's'} after it starts"
    if rule.out_of_hours_next_working_day:
        due += " (a report out of hours: the end of the next working day)"
    return f"Deadline '{kind}': {due} (national default, {versions})."


# --------------------------------------------------------------------------- rendering


def as_json(entries: Iterable[Entry]) -> list[dict[str, str]]:
    return [entry.to_dict() for entry in entries]


def as_text(entries: Sequence[Entry], width: int = 80) -> str:
    """For people: a heading per case type and kind, each rule with its source under it."""
    if not entries:
        return "(none)"
    lines: list[str] = []
    heading: tuple[str, str] | None = None
    for entry in entries:
        if (entry.case_type, entry.kind) != heading:
            if heading is not None:
                lines.append("")
            heading = (entry.case_type, entry.kind)
            title = f"{TITLES[entry.case_type]}: {entry.kind}"
            lines += [title, "=" * min(len(title), width)]
        lines.append(entry.name)
        lines += textwrap.wrap(entry.says, width, initial_indent="  ", subsequent_indent="  ",
                               break_on_hyphens=False)
        lines += textwrap.wrap(f"Source: {entry.citation}", width, initial_indent="  ",
                               subsequent_indent="    ", break_on_hyphens=False)
        if entry.link:
            lines.append(f"    {entry.link}")
    return "\n".join(lines)


def as_markdown(entries: Sequence[Entry]) -> str:
    """``docs/rules.md``: grouped by case type, then kind."""
    out = [
        "# Rules catalogue",
        "",
        "Every rule caseledger enforces and every clock it sets, with its source. Generated from",
        "the code by `application/rules.py` (do not edit by hand); regenerate with",
        "",
        "    .venv/bin/python -m application.rules > docs/rules.md",
        "",
        "`caseledger rules [--type dardr|asb|encampment] [--json]` shows the same list. A source",
        'that could not be verified says "assumed local practice"; a consultation draft says',
        '"draft guidance (not in force)".',
    ]
    case_type = kind = None
    for entry in entries:
        if entry.case_type != case_type:
            case_type, kind = entry.case_type, None
            out += ["", f"## {TITLES[entry.case_type]}"]
        if entry.kind != kind:
            kind = entry.kind
            out += ["", f"### {_capital(entry.kind)}", ""]
        source = _md(entry.citation) + (f" ([read it]({entry.link}))" if entry.link else "")
        out.append(f"- **`{entry.name}`**: {_md(entry.says)} *Source:* {source}")
    return "\n".join(out) + "\n"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _md(text: str) -> str:
    """Plain text in Markdown: the characters that would start emphasis are escaped."""
    return text.replace("*", "\\*").replace("_", "\\_")


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m application.rules``: docs/rules.md on stdout; ``--unverified``: what the
    catalogue relabelled, for the owners of those rules."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["--unverified"]:
        for item in unverified():
            print(f"{item.name}: shown as {item.shown_kind}; stated: {item.stated}")
        return 0
    if args:
        print("usage: python -m application.rules [--unverified]", file=sys.stderr)
        return 2
    sys.stdout.write(as_markdown(catalogue()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
