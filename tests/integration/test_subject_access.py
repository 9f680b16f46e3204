"""Subject access and rectification on SQLite and PostgreSQL (application/subject_access.py,
domain/personal.py): the blind index finds a person in a field and inside free text, never in
plaintext, forgets an erased case and rebuilds to the same rows; the export says what is held
and what was corrected; a correction hides the old value; HTTP is scoped to coordinators.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from application.commands import AddNote, CorrectPersonalData, NotifyDeath
from application.principals import Grant, Principal, PrincipalKind, Role
from application.projections import PersonalDataGone
from application.queries import shown_personal
from application.service import Meta
from domain.errors import InvalidInput, RuleRefused
from infrastructure.views import subject_index
from interfaces.bootstrap import Services
from tests.integration.support import seed, services_for

OPERATOR = Principal("local", "dpo", PrincipalKind.LOCAL_OPERATOR)
PURPOSE = "SAR-2026-017"


@pytest.fixture
def services(database_url: str) -> Any:
    built = services_for(database_url)
    seed(built)
    yield built
    built.close()


def open_dardr(services: Services, pseudonym: str) -> str:
    command = NotifyDeath(partnership="cumberland", date_of_death="2026-01-20",
                          victim_pseudonym=pseudonym, notified_by="cumbria-police",
                          relationship="intimate-partner", death_type="homicide")
    return services.cases.open(command, Meta(actor="coordinator", on="2026-01-25")).reference


def scenario(services: Services) -> tuple[str, str, str]:
    """Given a name in one case's opening field, inside a later note of another, and not in a
    third."""
    first = open_dardr(services, "Zebedee Quartermain")
    second = open_dardr(services, "Anna")
    services.cases.execute(second, AddNote(text="Met Zebedee Quartermain's sister, at home."),
                           Meta(actor="coordinator", on="2026-02-02"))
    third = open_dardr(services, "Unrelated Person")
    services.catch_up()
    return first, second, third


def found(services: Services, text: str) -> list[str]:
    assert services.subject_access is not None
    return [f.reference for f in services.subject_access.find(text, OPERATOR, PURPOSE)]


def index_rows(services: Services) -> list[tuple[str, str]]:
    with services.engine.connect() as conn:
        return sorted((r.token, r.case_id) for r in conn.execute(sa.select(subject_index)))


def test_the_blind_index_finds_a_person_rebuilds_the_same_and_forgets_an_erased_case(
        services: Services) -> None:
    first, second, third = scenario(services)

    assert found(services, "zebedee QUARTERMAIN") == [first, second]
    assert found(services, "Quartermain") == [first, second]
    assert found(services, "met zebedee quartermain's sister") == [second]  # the words together
    assert found(services, "Zebedee Anna") == []
    assert found(services, "unrelated") == [third]

    rows = index_rows(services)
    text = json.dumps(rows).casefold()
    assert rows and "zebedee" not in text and "quartermain" not in text
    assert {len(token) for token, _ in rows} == {32}

    # the same rows after a rebuild of every read model
    services.projections.rebuild()
    assert index_rows(services) == rows

    # each case found is in the access log as read, with its purpose
    services.catch_up()
    logged = services.views.access_log(outcome="read")
    searched = [r for r in logged if r["what"] == "subject-access search"]
    assert {r["reference"] for r in searched} == {first, second, third}

    # erased: the key destroyed, the case's rows forgotten; a rebuild finds nothing either
    second_id = str(services.cases.resolve(second))
    assert services.keys is not None
    services.keys.cipher.destroy(services.cases.resolve(second))
    assert services.projections.subject_index is not None
    with services.engine.begin() as conn:
        services.projections.subject_index.apply(conn, [PersonalDataGone(second_id)])
    assert found(services, "quartermain") == [first]
    services.projections.rebuild()
    assert found(services, "quartermain") == [first]
    assert second_id not in {case for _, case in index_rows(services)}


def test_a_correction_hides_the_old_value_and_the_export_marks_it_superseded(
        services: Services) -> None:
    first, second, _ = scenario(services)
    meta = Meta(actor="coordinator", on="2026-03-01")

    for wrong, error in ((CorrectPersonalData(version=99, field="victim_pseudonym", value="X"),
                          InvalidInput),
                         (CorrectPersonalData(version=1, field="nope", value="X"), InvalidInput),
                         (CorrectPersonalData(version=2, field="", value="X"), InvalidInput),
                         (CorrectPersonalData(version=1, field="date_of_death",
                                              value="the day before"), InvalidInput),
                         (CorrectPersonalData(version=1, field="date_of_death",
                                              value="2026-02-30"), InvalidInput),
                         (CorrectPersonalData(version=1, field="victim_pseudonym",
                                              value="Zebedee Quartermain"), RuleRefused)):
        with pytest.raises(error):
            services.cases.execute(first, wrong, meta)
    before = services.cases.load_case(first).version

    result = services.cases.execute(first, CorrectPersonalData(
        version=1, field="victim_pseudonym", value="Zebedee Marsh"), meta)
    assert result.version == before + 1
    case = services.cases.load_case(first)
    events = list(services.app.repository.event_store.get(case.id))
    assert shown_personal(events)["victim_pseudonym"] == "Zebedee Marsh"
    assert shown_personal(events[:1])["victim_pseudonym"] == "Zebedee Quartermain"  # kept, unshown
    note = next(e for e in services.app.repository.event_store.get(
        services.cases.resolve(second)) if type(e).__name__ == "NoteAdded")
    services.cases.execute(second, CorrectPersonalData(
        version=note.originator_version, field="text", value="Met the sister at home."), meta)
    services.catch_up()

    assert services.subject_access is not None
    files = services.subject_access.export("Zebedee Quartermain", OPERATOR, PURPOSE)
    assert sorted(files) == ["README.txt", "subject.json", "subject.txt"]
    assert "CONTAINS PERSONAL DATA" in files["README.txt"] and PURPOSE in files["README.txt"]
    assert "erased" in files["README.txt"]
    held = json.loads(files["subject.json"])
    assert held["personal_data"] is True and held["purpose"] == PURPOSE
    by_case = {c["reference"]: c for c in held["cases"]}
    assert sorted(by_case) == [first, second]  # the old values are still held, so still found
    [opened] = by_case[first]["facts"]
    assert opened["version"] == 1 and opened["event"] == "Death notified"
    assert opened["effective"].startswith("2026-01-25")
    assert {"field": "victim_pseudonym", "value": "Zebedee Marsh",
            "superseded": [{"value": "Zebedee Quartermain", "superseded_on": "2026-03-01",
                            "by_version": before + 1}]} in opened["personal"]
    [noted] = by_case[second]["facts"]
    assert noted["event"] == "Note added"
    assert noted["personal"] == [{"field": "text", "value": "Met the sister at home.",
                                  "superseded": [{"value": "Met Zebedee Quartermain's sister, "
                                                           "at home.",
                                                  "superseded_on": "2026-03-01",
                                                  "by_version": note.originator_version + 1}]}]
    text = files["subject.txt"]
    assert "victim pseudonym: Zebedee Marsh" in text
    assert "(was: Zebedee Quartermain; superseded on 2026-03-01)" in text
    exported = [r for r in services.views.access_log(outcome="read")
                if r["what"] == "subject-access export"]
    services.catch_up()
    exported = [r for r in services.views.access_log(outcome="read")
                if r["what"] == "subject-access export"]
    assert sorted(r["reference"] for r in exported) == [first, second]


def test_http_search_is_a_coordinators_within_their_partnerships(services: Services) -> None:
    from application.identity import AccountService
    from infrastructure.accounts import SqlAccountStore
    from interfaces.http.app import create_app

    first, second, _ = scenario(services)
    accounts = AccountService(SqlAccountStore(services.engine), services.clock)

    def token(username: str, grant: Grant) -> dict[str, str]:
        accounts.add(username, display_name=username, email=f"{username}@example.test",
                     grants=[grant], password=None, by="test-admin")
        made = accounts.create_token(username, label="t", expires_in_days=30, by="test-admin")
        return {"Authorization": f"Bearer {made}"}

    coordinator = token("cora", Grant(Role.COORDINATOR, partnership="cumberland"))
    elsewhere = token("eli", Grant(Role.COORDINATOR, partnership="westmorland"))
    agency = token("agnes", Grant(Role.AGENCY_CONTACT, agency="cumbria-police"))
    hub = token("hugo", Grant(Role.HUB_OFFICER, partnership="cumberland", hub="allerdale"))
    body = {"text": "Zebedee Quartermain", "purpose": PURPOSE}
    with TestClient(create_app(services.settings, services=services)) as client:
        answer = client.post("/api/v1/subject-access/search", json=body, headers=coordinator)
        assert answer.status_code == 200, answer.text
        assert [c["reference"] for c in answer.json()] == [first, second]
        assert answer.json()[0] == {"reference": first, "type": "dardr",
                                    "partnership": "cumberland", "stage": "notified"}
        assert client.post("/api/v1/subject-access/search", json=body,
                           headers=elsewhere).json() == []
        for outsider in (agency, hub):
            assert client.post("/api/v1/subject-access/search", json=body,
                               headers=outsider).status_code == 403
        assert client.post("/api/v1/subject-access/search", json={"text": "x"},
                           headers=coordinator).status_code == 422  # the purpose is required
        files = client.post("/api/v1/subject-access/export", json=body, headers=coordinator)
        assert files.status_code == 200 and "CONTAINS PERSONAL DATA" in files.json()["README.txt"]

        correction = {"version": 1, "field": "victim_pseudonym", "value": "Zebedee Marsh"}
        route = f"/api/v1/cases/{first}/correct-personal-data"
        assert client.post(route, json=correction, headers=agency).status_code == 404
        assert client.post(route, json=correction, headers=coordinator).status_code == 200
        shown = client.get(f"/api/v1/cases/{first}", headers=coordinator).json()
        assert shown["personal"]["victim_pseudonym"] == "Zebedee Marsh"
    services.catch_up()
    denied = services.views.access_log(outcome="denied")
    assert {r["what"] for r in denied} >= {"subject-access search"}
