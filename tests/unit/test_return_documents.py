"""A return submitted as a document (processes/common.md, "Requests to agencies"), exercised
through a DARDR review: the document receives a requested return once; later versions supersede
the one before and meet nothing again; the file name stays in the fact's personal field."""

from __future__ import annotations

from typing import Any

from domain.errors import InvalidInput, NotFound, RuleRefused
from tests.unit.dardr_helpers import Given, event_names, one, refused, replay

HASH = "a" * 64
OTHER_HASH = "b" * 64


def document(document_id: str = "doc-1", sha256: str = HASH, **overrides: Any) -> dict[str, Any]:
    return {"document_id": document_id, "sha256": sha256, "size": 1234,
            "content_type": "application/pdf", "filename": "Scoping - Jane Doe.pdf", **overrides}


def scoping() -> Given:
    """Given: a review in scoping, with scoping returns asked of police and nhs-trust (due 16 Feb)."""
    return Given.notified("2026-01-31").scoping("2026-02-02")


def test_a_document_for_a_requested_return_receives_it_and_meets_its_deadline() -> None:
    given = scoping()

    new = given.do("submit_return_document", "2026-02-10", "police", "scoping", **document())

    assert event_names(new) == ["ReturnDocumentSubmitted", "ReturnReceived", "DeadlineMet"]
    submitted = one(new, "ReturnDocumentSubmitted")
    assert (submitted.document_id, submitted.document_version, submitted.sha256,
            submitted.size, submitted.content_type) == ("doc-1", 1, HASH, 1234, "application/pdf")
    assert submitted.personal == {"filename": "Scoping - Jane Doe.pdf"}
    assert one(new, "DeadlineMet").on_time is True
    r = given.then().returns["return:police:scoping"]
    assert r.status == "received" and r.received_on == "2026-02-10"
    assert [(d["id"], d["version"], d["status"]) for d in r.documents] == [("doc-1", 1, "current")]
    assert "Jane Doe" not in repr(r.documents)


def test_a_late_document_meets_the_deadline_late() -> None:
    given = scoping()

    new = given.do("submit_return_document", "2026-02-20", "police", "scoping", **document())

    assert one(new, "DeadlineMet").on_time is False


def test_a_new_version_supersedes_the_last_without_receiving_or_meeting_again() -> None:
    given = scoping()
    given.do("submit_return_document", "2026-02-10", "police", "scoping", **document())

    new = given.do("submit_return_document", "2026-02-12", "police", "scoping",
                   **document("doc-2", OTHER_HASH))

    assert event_names(new) == ["ReturnDocumentSubmitted"]
    assert one(new, "ReturnDocumentSubmitted").document_version == 2
    r = given.then().returns["return:police:scoping"]
    assert [(d["id"], d["version"], d["sha256"], d["status"]) for d in r.documents] == [
        ("doc-1", 1, HASH, "superseded"), ("doc-2", 2, OTHER_HASH, "current")]
    assert r.received_on == "2026-02-10"  # received once, by the first version
    assert replay(given.history).returns["return:police:scoping"].documents == r.documents


def test_a_challenged_return_is_received_again_by_its_next_version() -> None:
    given = scoping()
    given.do("submit_return_document", "2026-02-10", "police", "scoping", **document())
    given.do("challenge_return", "2026-02-11", "police", "scoping", reason="chronology missing")

    new = given.do("submit_return_document", "2026-02-13", "police", "scoping",
                   **document("doc-2", OTHER_HASH))

    assert event_names(new) == ["ReturnDocumentSubmitted", "ReturnReceived", "DeadlineMet"]
    assert one(new, "ReturnDocumentSubmitted").document_version == 2


def test_refused_for_a_return_never_requested() -> None:
    refused(scoping(), "submit_return_document", "2026-02-10", "probation", "scoping",
            error=NotFound, match="No scoping return has been requested from probation",
            **document())


def test_refused_for_an_accepted_or_withdrawn_return() -> None:
    given = scoping()
    given.do("submit_return_document", "2026-02-10", "police", "scoping", **document())
    given.do("accept_return", "2026-02-11", "police", "scoping")
    given.do("withdraw_return", "2026-02-11", "nhs-trust", "scoping")

    refused(given, "submit_return_document", "2026-02-12", "police", "scoping",
            error=RuleRefused, match="'accepted'", **document("doc-2", OTHER_HASH))
    refused(given, "submit_return_document", "2026-02-12", "nhs-trust", "scoping",
            error=RuleRefused, match="'withdrawn'", **document("doc-3", OTHER_HASH))


def test_refused_before_the_request_or_with_a_document_id_already_recorded() -> None:
    given = scoping()
    refused(given, "submit_return_document", "2026-02-01", "police", "scoping",
            error=RuleRefused, **document())
    given.do("submit_return_document", "2026-02-10", "police", "scoping", **document())
    refused(given, "submit_return_document", "2026-02-11", "nhs-trust", "scoping",
            error=RuleRefused, match="already recorded", **document())


def test_refused_without_a_proper_hash_or_size() -> None:
    given = scoping()
    refused(given, "submit_return_document", "2026-02-10", "police", "scoping",
            error=InvalidInput, field="sha256", **document(sha256="A" * 64))
    refused(given, "submit_return_document", "2026-02-10", "police", "scoping",
            error=InvalidInput, field="size", **document(size=0))
