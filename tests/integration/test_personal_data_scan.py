"""Plant and scan, on SQLite and PostgreSQL: a unique value in every personal field of every case
type, recorded through the real commands, then looked for everywhere personal data must not be.

The values (``PLANT001X``, ``PLANT002X``…; lower case in email addresses, so the scan ignores
case) go into every personal field the commands take: a DARDR review (pseudonym, scoping summary,
rationale, family contact, chair, panel member, key lines of enquiry, family input, pseudonyms,
QA points, notes, actions, a parallel process, a restriction), a second one decided with another
review, an ASB Case Review (applicant, complaints, duplicates, SPOC, threshold reasons, appeal,
chair, recommendations, victim's comments, what the victim was told), an encampment (location,
group, reporter, landowner, visit, welfare, decision, direction, damage), a return document (its
file name and content), the set-up's contacts (reminder addressees) and the purpose of a read.
Coverage is proved, not assumed: every event class with a ``personal`` field must have been
recorded with a planted value, or be listed in ``UNREACHED`` with the reason.

Then: the raw database (SQLite's files; every PostgreSQL table, bytea included), every read-model
table, the non-personal command line outputs (case list, deadlines, history, audit verify and
access, the board report in HTML, CSV and JSON, reminders run), a refused command, the reminder
emails, the JSON logs and the default audit export hold none of them. ``case show`` (FULL) does
show them: the scan would see them if they leaked. And a copy of the database without its key
shows none of them and cannot be opened with another key.
"""

from __future__ import annotations

import email
import importlib
import itertools
import json
import re
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from application.commands import (
    AcknowledgeApplication,
    AddAction,
    AddComplaint,
    AddNote,
    AddPanelMember,
    AgreePseudonyms,
    AgreeReport,
    AgreeTerms,
    AppointChair,
    CirculateDraft,
    CloseAction,
    CloseCase,
    CompleteScopingReview,
    DecideReview,
    DecideThreshold,
    DetermineAppeal,
    HoldMeeting,
    LinkProcess,
    LodgeAppeal,
    MarkDuplicate,
    NotifyDeath,
    NotifyHomeOffice,
    NotifyOutcome,
    NotifyThreshold,
    ReceiveApplication,
    ReceiveReturn,
    Recommend,
    RecordFamilyContact,
    RecordFamilyContribution,
    RecordQaOutcome,
    RecordVictimComments,
    SendCommissionerCopy,
    ShareActionPlan,
    SignOff,
    StartScoping,
    SubmitReport,
    UpdateAction,
)
from application.commands.asb import AssignVictimContact, RecordNoAppeal, TellVictimClosure
from application.commands.common import LiftRestriction, RequestReturn, RestrictCase
from application.commands.dardr import AddressQaPoint, RecordFamilyTermsInput
from application.commands.encampment import (
    AssessImpact,
    AssessWelfare,
    CheckCompliance,
    ClearSite,
    DecideEncampment,
    EstablishOwnership,
    ReportEncampment,
    ServeDirection,
    Vacate,
    Visit,
)
from application.service import Meta
from application.setup_import import example_path, import_setup, load_setup
from domain import access, setup
from domain.case import CaseEvent
from interfaces.bootstrap import Services
from tests.e2e.inprocess import InProcessCli
from tests.integration.support import services_for

POLICE, PROBATION, COUNCIL, HOUSING = ("cumbria-police", "probation", "cumberland-council",
                                       "north-cumbria-hospitals")
COORDINATOR = "coordinator"

#: Event classes with a personal field that the scenario does not record, and why.
UNREACHED: dict[str, str] = {
    "CaseOpened": "the base of the opening facts: recorded as DeathNotified, ApplicationReceived "
                  "and EncampmentReported, each planted",
}


def optional_command(module: str, name: str) -> Any:
    """A command being added alongside (legal holds, rectification): planted once it exists, as
    its event class, and so the coverage check, exists only with it."""
    return getattr(importlib.import_module(module), name, None)


def planted_extras(services: Services, p: Plants, ref: str) -> None:
    """Legal holds and a rectification, where this version has them."""
    hold = optional_command("application.commands.common", "PlaceLegalHold")
    lift = optional_command("application.commands.common", "LiftLegalHold")
    correct = optional_command("application.commands.personal", "CorrectPersonalData")
    if hold is not None and lift is not None:
        run(services, ref, "2026-06-01", hold(label="claim", why=p()), lift(label="claim", why=p()))
    if correct is not None:
        run(services, ref, "2026-06-01", correct(version=1, field="victim_pseudonym", value=p()))


class Plants:
    """Unique values, each remembered with the event it is meant to reach."""

    def __init__(self) -> None:
        self.counter = itertools.count(1)
        self.values: list[str] = []
        self.addressees: list[str] = []  # the set-up's names and addresses
        self.contact_points: list[str] = []  # the coordinators': "who to contact" in reminders

    def __call__(self) -> str:
        value = f"PLANT{next(self.counter):03d}X"
        self.values.append(value)
        return value

    def email(self) -> str:
        return f"{self().lower()}@example.org"


# --------------------------------------------------------------------------- planting


def personal_classes() -> dict[str, type]:
    """Every event class with a ``personal`` field: the case events and the set-up's."""
    def subclasses(cls: type) -> Iterator[type]:
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    found = {cls.__name__: cls for cls in subclasses(CaseEvent) if _has_personal(cls)}
    for module in (setup, access):
        for value in vars(module).values():
            if (isinstance(value, type) and value.__module__ == module.__name__
                    and hasattr(value, "TOPIC") and _has_personal(value)):
                found[value.__name__] = value
    return found


def _has_personal(cls: type) -> bool:
    return any("personal" in getattr(k, "__annotations__", {}) for k in cls.__mro__)


def planted_set_up(services: Services, plant: Plants, folder: Path) -> None:
    """The Cumbria example with every person's name and email address planted."""
    text = example_path("cumbria").read_text(encoding="utf-8")
    def person(match: re.Match[str]) -> str:
        name, address = plant(), plant.email()
        if match[1] == "coordinator":
            plant.contact_points += plant.values[-2:]
        return f'{match[1]} = {{ name = "{name}", email = "{address}" }}'

    text = re.sub(r'(\w+) = \{ name = "[^"]*", email = "[^"]*" \}', person, text)
    path = folder / "planted.toml"
    path.write_text(text, encoding="utf-8")
    import_setup(services.cases, load_setup(path), Meta(actor="admin"))


def run(services: Services, ref: str, on: str, *commands: Any) -> None:
    for command in commands:
        services.cases.execute(ref, command, Meta(actor=COORDINATOR, on=on))


def planted_dardr(services: Services, p: Plants) -> str:
    ref = services.cases.open(NotifyDeath(
        partnership="cumberland", date_of_death="2026-01-10", victim_pseudonym=p(),
        guidance="dardr-2024-draft",
        notified_by=POLICE, relationship="intimate-partner", death_type="homicide",
        age_band="35-44", police_force_area="Cumbria"), Meta(actor=COORDINATOR, on="2026-01-15")).reference
    run(services, ref, "2026-01-16", StartScoping(agencies=[POLICE, PROBATION]),
        ReceiveReturn(agency=POLICE, kind="scoping"), ReceiveReturn(agency=PROBATION, kind="scoping"),
        CompleteScopingReview(summary=p()))
    run(services, ref, "2026-02-01", DecideReview(outcome="review", rationale=p()),
        NotifyHomeOffice(), RecordFamilyContact(text=p()), AppointChair(name=p()),
        AddPanelMember(agency=POLICE, name=p(), role="senior manager"),
        AgreeTerms(period_from="2023-01-01", period_to="2026-01-10", agencies=[POLICE, PROBATION],
                   key_lines=[p(), p()]),
        RecordFamilyTermsInput(text=p()), RecordFamilyContribution(text=p()),
        AgreePseudonyms(text=p()), LinkProcess(kind="inquest", reference=p()),
        AddNote(text=p()), RestrictCase(people=[COORDINATOR], why=p()), LiftRestriction(why=p()),
        RequestReturn(agency=COUNCIL, kind="chronology", due="2026-02-20"))
    services.documents.submit(ref, COUNCIL, "chronology", f"Chronology {p()}\n".encode(),
                              "text/plain", f"{p()}.txt", Meta(actor=COORDINATOR, on="2026-02-02"))
    run(services, ref, "2026-05-01",
        ReceiveReturn(agency=POLICE, kind="imr"), ReceiveReturn(agency=PROBATION, kind="imr"),
        CirculateDraft(), AgreeReport(), SignOff(), SendCommissionerCopy(), SubmitReport(),
        RecordQaOutcome(outcome="approved-subject-to-amendments", points=[p()]),
        AddressQaPoint(point="Q1", text=p()),
        AddAction(recommendation=p(), owner=POLICE, level="single-agency", due="2026-12-31"),
        UpdateAction(action_id="A1", rag="amber", note=p()),
        CloseAction(action_id="A1", evidence=p()))
    return ref


def planted_second_dardr(services: Services, p: Plants) -> str:
    """Decided together with another statutory review (its own event)."""
    ref = services.cases.open(NotifyDeath(
        partnership="cumberland", date_of_death="2026-03-01", victim_pseudonym=p(),
        notified_by=POLICE, relationship="family", death_type="homicide", age_band="45-54",
        police_force_area="Cumbria"), Meta(actor=COORDINATOR, on="2026-03-05")).reference
    run(services, ref, "2026-03-06", StartScoping(agencies=[POLICE]),
        ReceiveReturn(agency=POLICE, kind="scoping"),
        DecideReview(outcome="joint-review", rationale=p(), other_review="sar"))
    return ref


def planted_asb(services: Services, p: Plants) -> str:
    def complaint(day: str, agency: str, reported: str | None = None) -> dict[str, Any]:
        return {"behaviour": day, "reported": reported or day, "agency": agency,
                "description": p()}

    ref = services.cases.open(ReceiveApplication(
        partnership="cumberland", hub="allerdale", channel="online", applicant_type="individual",
        applicant_name=p(), applicant_contact=p(), consent=True, victim_consent=True,
        complaints=[complaint("2026-02-03", POLICE, reported="2026-04-20"),
                    complaint("2026-04-10", COUNCIL)]),
        Meta(actor=COORDINATOR, on="2026-05-06")).reference
    run(services, ref, "2026-05-07", AddComplaint(complaint=complaint("2026-04-17", HOUSING)),
        AddComplaint(complaint=complaint("2026-04-18", HOUSING)),
        MarkDuplicate(complaints=["C3", "C4"], why=p()),
        AssignVictimContact(agency=POLICE, name=p()),
        AcknowledgeApplication(agencies=[POLICE]), ReceiveReturn(agency=POLICE, kind="information"),
        DecideThreshold(met=False, reasons=p()), NotifyThreshold(method="letter"),
        LodgeAppeal(grounds=p()), DetermineAppeal(upheld=True), NotifyThreshold(method="letter"))
    run(services, ref, "2026-05-28",
        HoldMeeting(chair=p(), independent_chair=True, victim_invited=True, victim_attended=True,
                    agencies=[POLICE, COUNCIL]),
        Recommend(recommendations=[p(), p()]), ShareActionPlan(),
        RecordVictimComments(comments=p()), NotifyOutcome(method="email"),
        RecordNoAppeal(), CloseCase(outcome="Actions complete"), TellVictimClosure(method="letter", why=p()))
    return ref


def planted_encampment(services: Services, p: Plants) -> str:
    ref = services.cases.open(ReportEncampment(
        partnership="cumberland", hub="allerdale", location=p(), caravans=4, vehicles=3,
        group="GRP-A", reporter=p()), Meta(actor=COORDINATOR, on="2026-06-15T09:00")).reference
    run(services, ref, "2026-06-15T12:00", EstablishOwnership(land="council", landowner=p()),
        Visit(caravans=4, vehicles=3, adults=6, children=2, officer=p(), conditions=p()),
        AssessWelfare(needs=["health"], referrals=["health-visitor"], notes=p()),
        AssessImpact(threat=3, likelihood=3, factors=["access"]),
        DecideEncampment(decision="not-allow", power="s77", reasons=p(), conditions=p(),
                         services=p()),
        ServeDirection(power="s77", served_on=p(), method="in person"))
    run(services, ref, "2026-06-17T12:00", CheckCompliance(still_present=False),
        Vacate(enforced=False), ClearSite(cleanup_cost=100.0, damage=50.0, damage_notes=p()))
    return ref


# --------------------------------------------------------------------------- scanning


def found_in(plants: list[str], text: str | bytes) -> list[str]:
    haystack = (text.decode("utf-8", "replace") if isinstance(text, bytes) else text).lower()
    return [value for value in plants if value.lower() in haystack]


def without_own_address(eml: str, plant: Plants) -> str:
    """A reminder email without its recipients' own names and addresses (which it must carry to
    be delivered) and the coordinator's (its "who to contact"): any other planted value left in
    it is a leak."""
    message = email.message_from_string(eml)
    recipients = f"{message.get('To', '')} {message.get('Cc', '')}".lower()
    for value in plant.addressees:
        if value.lower() in recipients or value in plant.contact_points:
            eml = re.sub(re.escape(value), "", eml, flags=re.IGNORECASE)
    return eml


def raw_database(url: str) -> bytes:
    """Every byte the database holds: SQLite's files; PostgreSQL's tables, bytea as bytes."""
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        return b"".join(Path(f"{path}{suffix}").read_bytes() for suffix in ("", "-wal", "-shm")
                        if Path(f"{path}{suffix}").exists())
    import psycopg

    out: list[bytes] = []
    with psycopg.connect(url) as conn:
        tables = [row[0] for row in conn.execute(
            "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables "
            "WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")]
        for table in tables:
            for row in conn.execute(f"SELECT * FROM {table}"):  # noqa: S608 - names from pg_tables
                out.extend(bytes(v) if isinstance(v, bytes | memoryview) else str(v).encode()
                           for v in row)
    return b"\n".join(out)


def read_models(url: str) -> dict[str, str]:
    """Every table but the event store's, as text."""
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        meta = sa.MetaData()
        meta.reflect(engine)
        with engine.connect() as conn:
            return {name: "\n".join(map(str, conn.execute(table.select())))
                    for name, table in meta.tables.items()
                    if name not in ("stored_events", "notification_tracking")}
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- the test


@pytest.fixture
def planted(database_url: str, tmp_path: Path) -> Iterator[tuple[Services, Plants, dict[str, str]]]:
    services = services_for(database_url)
    plant = Plants()
    try:
        planted_set_up(services, plant, tmp_path)
        plant.addressees = list(plant.values)
        refs = {"dardr": planted_dardr(services, plant),
                "dardr-joint": planted_second_dardr(services, plant),
                "asb": planted_asb(services, plant),
                "encampment": planted_encampment(services, plant)}
        planted_extras(services, plant, refs["dardr"])
        yield services, plant, refs
    finally:
        services.close()


def recorded_personal(services: Services) -> dict[str, list[str]]:
    """Event class → the planted values its recorded events hold in ``personal``."""
    recorder = services.app.recorder
    seen: dict[str, list[str]] = {}
    for notification in recorder.select_notifications(start=1, limit=1_000_000):
        event = services.app.mapper.to_domain_event(notification)
        personal = vars(event).get("personal")
        if personal is not None:
            text = json.dumps(personal, default=str)
            seen.setdefault(type(event).__name__, []).extend(re.findall(r"plant\d{3}x", text, re.I))
    return seen


def test_no_planted_personal_value_leaves_where_it_belongs(planted, database_url, tmp_path):
    services, plant, refs = planted
    mail = tmp_path / "mail"
    cli = InProcessCli(database_url, tmp_path, env={
        "CASELEDGER_MAIL_DROP": str(mail), "CASELEDGER_LOG_FORMAT": "json",
        "CASELEDGER_LOG_LEVEL": "DEBUG"})

    # The purpose of a read is personal too; the access log shows it to auditors by design.
    read_purpose = plant()
    full = {ref: cli("case", "show", ref, "--purpose", read_purpose, "--json").out
            for ref in refs.values()}
    reminded = cli("reminders", "run", "--json")
    values = list(plant.values)

    # Coverage: every class with a personal field was recorded with a planted value.
    seen = recorded_personal(services)
    missing = {name for name in personal_classes() if not seen.get(name)} - set(UNREACHED)
    assert not missing, f"personal fields never planted: {sorted(missing)}"

    # The positive control: FULL shows them (so the scan below would see a leak).
    for ref, text in full.items():
        assert found_in(values, text), f"case show {ref} shows no planted value"

    outputs: dict[str, str] = {"reminders run": reminded.out + reminded.err}
    for ref in refs.values():
        for args in (("case", "history", ref), ("case", "history", ref, "--json")):
            done = cli(*args)
            outputs[" ".join(args)] = done.out + done.err
    for args in (("case", "list"), ("case", "list", "--json"), ("deadlines",),
                 ("deadlines", "--json"), ("audit", "verify"), ("audit", "events"),
                 ("audit", "events", "--json")):
        done = cli(*args)
        outputs[" ".join(args)] = done.out + done.err
    access_log = cli("audit", "access", "--json").out
    outputs["audit access"] = access_log.replace(read_purpose, "")
    assert read_purpose in access_log
    refused = cli("case", "add-note", refs["asb"], "--text", plant(), expect=None)
    assert refused.code in (2, 3), refused
    outputs["a refused command"] = refused.out + refused.err.replace(plant.values[-1], "")
    reports = tmp_path / "reports"
    for fmt, name in (("html", "board.html"), ("json", "board.json"), ("csv", "board.zip")):
        cli("report", "board", "--partnership", "cumberland", "--from", "2026-01-01",
            "--to", "2026-12-31", "--format", fmt, "--out", str(reports / name))
    outputs["board.html"] = (reports / "board.html").read_text()
    outputs["board.json"] = (reports / "board.json").read_text()
    with zipfile.ZipFile(reports / "board.zip") as archive:
        outputs["board.zip"] = "".join(archive.read(n).decode() for n in archive.namelist())
    export = tmp_path / "export"
    cli("audit", "export", refs["dardr"], "--out", str(export), "--purpose", "QA request")
    for path in export.rglob("*"):
        if path.is_file():
            outputs[f"export {path.name}"] = path.read_text()
    emails = sorted(mail.rglob("*.eml"))
    assert emails, "no reminder email was written (nothing to scan)"
    for path in emails:
        outputs[f"email {path.name}"] = without_own_address(path.read_text(), plant)
    outputs.update({f"read model {name}": text for name, text in read_models(database_url).items()})

    logged = [line for text in outputs.values() for line in text.splitlines()
              if line.startswith('{"') and '"level"' in line]
    assert any('"debug"' in line or '"info"' in line for line in logged), "no JSON log to scan"
    leaks = {where: found for where, text in outputs.items() if (found := found_in(values, text))}
    assert not leaks, json.dumps(leaks, indent=1)
    raw = raw_database(database_url)
    assert refs["dardr"].encode() in raw  # the scan reads plaintext where there is some
    assert not found_in(values, raw)

    # A copy without its key: nothing to read, and another key is refused.
    services.close()
    if database_url.startswith("sqlite"):
        original = Path(database_url.removeprefix("sqlite:///"))
        copy = tmp_path / "copy" / "caseledger.db"
        copy.parent.mkdir()
        shutil.copy(original, copy)
        assert not found_in(values, copy.read_bytes())
        assert not (copy.parent / "caseledger.key").exists()
        other = InProcessCli(f"sqlite:///{copy}", tmp_path)
        refused_copy = other("case", "show", refs["dardr"], expect=None)
    else:
        other = InProcessCli(database_url, tmp_path, env={
            "CASELEDGER_MASTER_KEY": "b3RoZXIga2V5OiBub3QgdGhlIG9uZSB0aGF0IHNlYWxlZCBpdA=="})
        refused_copy = other("case", "show", refs["dardr"], expect=None)
    assert refused_copy.code != 0, refused_copy
    assert "key" in refused_copy.err.lower(), refused_copy.err
    assert not found_in(values, refused_copy.out + refused_copy.err)
    # ... while its integrity chain is verified without any key
    verified = other("audit", "verify")
    assert "Integrity chain intact" in verified.out and "without the master key" in verified.err
    assert not found_in(values, verified.out + verified.err)
