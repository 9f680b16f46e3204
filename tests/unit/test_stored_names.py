"""Stored names and stored shapes: what the event store holds keeps meaning what it meant.

Each event is stored under its class's topic, with its fields as JSON; a snapshot under its
aggregate's topic, with the small state objects in it under their transcoding names. Old records
are read back by resolving those names and filling those fields, so a class's topic, a
transcoding's name and an event's fields are stored data: they may change only with a migration
of the records (topics, names) or a new ``class_version`` with an upcaster (fields).
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import pkgutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.domain import Aggregate
from eventsourcing.utils import construct_topic, resolve_topic

import domain
from application.service import CaseLedgerApplication
from domain.case import CaseEvent
from domain.topics import PinnedTopic

#: Every event and aggregate class, by the topic it is stored under (the release before the
#: root layout stored all of these; a new class adds its line, none is ever removed or renamed).
STORED_NAMES = [
    "caseledger.domain.access:CaseAccess",
    "caseledger.domain.access:CaseAccess.Created",
    "caseledger.domain.access:CaseAccess.Event",
    "caseledger.domain.access:CaseAccessDenied",
    "caseledger.domain.access:CaseRead",
    "caseledger.domain.asb:ActionPlanSharedWithVictim",
    "caseledger.domain.asb:AppealBodyRecorded",
    "caseledger.domain.asb:AppealDetermined",
    "caseledger.domain.asb:AppealLodged",
    "caseledger.domain.asb:AppealWaived",
    "caseledger.domain.asb:ApplicationAcknowledged",
    "caseledger.domain.asb:ApplicationPassedOn",
    "caseledger.domain.asb:ApplicationReceived",
    "caseledger.domain.asb:AsbCaseReview",
    "caseledger.domain.asb:AsbCaseReview.Created",
    "caseledger.domain.asb:AsbCaseReview.Event",
    "caseledger.domain.asb:CaseReviewMeetingHeld",
    "caseledger.domain.asb:ComplaintAdded",
    "caseledger.domain.asb:ComplaintsMarkedDuplicate",
    "caseledger.domain.asb:NoRecommendationsMade",
    "caseledger.domain.asb:NotMetReasonsNotified",
    "caseledger.domain.asb:OutcomeNotified",
    "caseledger.domain.asb:RecommendationsMade",
    "caseledger.domain.asb:ReviewMeetingScheduled",
    "caseledger.domain.asb:ThresholdDecided",
    "caseledger.domain.asb:ThresholdDecisionNotified",
    "caseledger.domain.asb:ThresholdNotMetCategorised",
    "caseledger.domain.asb:VictimCommentsRecorded",
    "caseledger.domain.asb:VictimConsentConfirmed",
    "caseledger.domain.asb:VictimContactAssigned",
    "caseledger.domain.asb:VictimInvolvementChosen",
    "caseledger.domain.asb:VictimTenancyRecorded",
    "caseledger.domain.asb:VictimToldOfClosure",
    "caseledger.domain.case:ActionAdded",
    "caseledger.domain.case:ActionClosed",
    "caseledger.domain.case:ActionPlanAdopted",
    "caseledger.domain.case:ActionUpdated",
    "caseledger.domain.case:Case",
    "caseledger.domain.case:Case.Created",
    "caseledger.domain.case:Case.Event",
    "caseledger.domain.case:CaseClosed",
    "caseledger.domain.case:CaseEvent",
    "caseledger.domain.case:CaseOpened",
    "caseledger.domain.case:CasePaused",
    "caseledger.domain.case:CaseReopened",
    "caseledger.domain.case:CaseRestricted",
    "caseledger.domain.case:CaseRestrictionLifted",
    "caseledger.domain.case:CaseResumed",
    "caseledger.domain.case:DeadlineCancelled",
    "caseledger.domain.case:DeadlineExtended",
    "caseledger.domain.case:DeadlineMet",
    "caseledger.domain.case:DeadlinePaused",
    "caseledger.domain.case:DeadlineResumed",
    "caseledger.domain.case:DeadlineSet",
    "caseledger.domain.case:LegalHoldLifted",
    "caseledger.domain.case:LegalHoldPlaced",
    "caseledger.domain.case:NoteAdded",
    "caseledger.domain.case:ParallelProcessConcluded",
    "caseledger.domain.case:ParallelProcessLinked",
    "caseledger.domain.case:ParallelProcessUpdated",
    "caseledger.domain.case:PersonalDataErased",
    "caseledger.domain.case:PolicyMigrated",
    "caseledger.domain.case:ReminderIssued",
    "caseledger.domain.case:ReturnAccepted",
    "caseledger.domain.case:ReturnDocumentSubmitted",
    "caseledger.domain.case:ReturnQualityChallenged",
    "caseledger.domain.case:ReturnReceived",
    "caseledger.domain.case:ReturnRequested",
    "caseledger.domain.case:ReturnWithdrawn",
    "caseledger.domain.case:StageEntered",
    "caseledger.domain.dardr:AdvocacyOffered",
    "caseledger.domain.dardr:AdvocacyResponseRecorded",
    "caseledger.domain.dardr:AmendmentsCompleted",
    "caseledger.domain.dardr:ChairAppointed",
    "caseledger.domain.dardr:CopySentToDomesticAbuseCommissioner",
    "caseledger.domain.dardr:CorePanelIncomplete",
    "caseledger.domain.dardr:DardrReview",
    "caseledger.domain.dardr:DardrReview.Created",
    "caseledger.domain.dardr:DardrReview.Event",
    "caseledger.domain.dardr:DeathNotified",
    "caseledger.domain.dardr:DraftReportCirculated",
    "caseledger.domain.dardr:DutyOutstandingAtClosure",
    "caseledger.domain.dardr:FamilyContactRecorded",
    "caseledger.domain.dardr:FamilyContributionReceived",
    "caseledger.domain.dardr:FamilyDeclinedInvolvement",
    "caseledger.domain.dardr:FamilyLeafletGiven",
    "caseledger.domain.dardr:FamilyShownDraft",
    "caseledger.domain.dardr:FamilyTermsInputReceived",
    "caseledger.domain.dardr:FamilyToldOfPublicationDate",
    "caseledger.domain.dardr:HomeOfficeNotified",
    "caseledger.domain.dardr:HomeOfficeToldOfPublication",
    "caseledger.domain.dardr:HomeOfficeViewReceived",
    "caseledger.domain.dardr:KeyLinesOfEnquiryAgreed",
    "caseledger.domain.dardr:PanelMeetingHeld",
    "caseledger.domain.dardr:PanelMemberAdded",
    "caseledger.domain.dardr:PartnershipSignedOff",
    "caseledger.domain.dardr:PseudonymsAgreed",
    "caseledger.domain.dardr:PublicationDeferralEnded",
    "caseledger.domain.dardr:PublicationDeferred",
    "caseledger.domain.dardr:PublicationWithheld",
    "caseledger.domain.dardr:QaPanelLetterDated",
    "caseledger.domain.dardr:QaPointAddressed",
    "caseledger.domain.dardr:QaPointClosed",
    "caseledger.domain.dardr:QaPointRecorded",
    "caseledger.domain.dardr:QualityAssuranceOutcomeReceived",
    "caseledger.domain.dardr:ReportAgreedByPanel",
    "caseledger.domain.dardr:ReportPublished",
    "caseledger.domain.dardr:ReviewDecided",
    "caseledger.domain.dardr:ReviewDecidedWithOtherReview",
    "caseledger.domain.dardr:ReviewPaused",
    "caseledger.domain.dardr:ReviewResumed",
    "caseledger.domain.dardr:ScopingReviewCompleted",
    "caseledger.domain.dardr:ScopingStarted",
    "caseledger.domain.dardr:SignedOffWithoutFamilyEngagement",
    "caseledger.domain.dardr:SubmittedToHomeOffice",
    "caseledger.domain.dardr:TermsOfReferenceAgreed",
    "caseledger.domain.encampment:ClaimServed",
    "caseledger.domain.encampment:ComplianceChecked",
    "caseledger.domain.encampment:DirectionConditionsRecorded",
    "caseledger.domain.encampment:DirectionServed",
    "caseledger.domain.encampment:EncampmentCase",
    "caseledger.domain.encampment:EncampmentCase.Created",
    "caseledger.domain.encampment:EncampmentCase.Event",
    "caseledger.domain.encampment:EncampmentDecided",
    "caseledger.domain.encampment:EncampmentReported",
    "caseledger.domain.encampment:EncampmentVacated",
    "caseledger.domain.encampment:EnforcementExecuted",
    "caseledger.domain.encampment:EnforcementScheduled",
    "caseledger.domain.encampment:EntryNoticeGiven",
    "caseledger.domain.encampment:HearingHeld",
    "caseledger.domain.encampment:ImpactAssessed",
    "caseledger.domain.encampment:InitialVisitCompleted",
    "caseledger.domain.encampment:LandOwnershipEstablished",
    "caseledger.domain.encampment:OrderGranted",
    "caseledger.domain.encampment:OrderServed",
    "caseledger.domain.encampment:PoliceReferralMade",
    "caseledger.domain.encampment:PossessionClaimIssued",
    "caseledger.domain.encampment:SiteCleared",
    "caseledger.domain.encampment:SummonsIssued",
    "caseledger.domain.encampment:WelfareAssessmentCompleted",
    "caseledger.domain.personal:PersonalDataCorrected",
    "caseledger.domain.setup:Agency",
    "caseledger.domain.setup:Agency.Created",
    "caseledger.domain.setup:Agency.Event",
    "caseledger.domain.setup:AgencyContactsChanged",
    "caseledger.domain.setup:AgencyDetailsChanged",
    "caseledger.domain.setup:AgencyRegistered",
    "caseledger.domain.setup:County",
    "caseledger.domain.setup:County.Created",
    "caseledger.domain.setup:County.Event",
    "caseledger.domain.setup:CountyChanged",
    "caseledger.domain.setup:CountyRegistered",
    "caseledger.domain.setup:HubAdded",
    "caseledger.domain.setup:Partnership",
    "caseledger.domain.setup:Partnership.Created",
    "caseledger.domain.setup:Partnership.Event",
    "caseledger.domain.setup:PartnershipChairChanged",
    "caseledger.domain.setup:PartnershipCoordinatorChanged",
    "caseledger.domain.setup:PartnershipRegistered",
    "caseledger.domain.setup:PartnershipRenamed",
    "caseledger.domain.setup:PolicyVersionAdopted",
    "caseledger.domain.setup:ReferenceAllocated",
    "caseledger.domain.setup:ReferenceCounter",
    "caseledger.domain.setup:ReferenceCounter.Created",
    "caseledger.domain.setup:ReferenceCounter.Event",
    "caseledger.domain.setup:ReferenceCounterStarted",
    "caseledger.domain.setup:SetupEvent",
]

#: The snapshot state objects, by the transcoding name they are stored under.
TRANSCODING_NAMES = ["caseledger.Action", "caseledger.AgencyReturn", "caseledger.Deadline",
                     "caseledger.ParallelProcess"]

#: Each event class's stored shape per class_version: field names and their annotation texts.
SHAPES = Path(__file__).parents[1] / "fixtures" / "event_shapes.json"


def _subclasses(cls: type) -> Iterator[type]:
    sub: type
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def domain_classes() -> list[type]:
    """Every aggregate and event class defined in the domain package, found by walking the
    subclasses of the library's bases once every domain module is imported."""
    for module in pkgutil.iter_modules(domain.__path__):
        importlib.import_module(f"domain.{module.name}")
    found = {cls for base in (Aggregate, Aggregate.Event) for cls in _subclasses(base)
             if cls.__module__ == "domain" or cls.__module__.startswith("domain.")}
    return sorted(found, key=construct_topic)


def event_classes() -> list[type]:
    return [cls for cls in domain_classes() if issubclass(cls, Aggregate.Event)]


def stored_shape(cls: type) -> dict[str, str]:
    """The fields an event of ``cls`` is stored with, and the text of their annotations."""
    return {f.name: f.type if isinstance(f.type, str) else getattr(f.type, "__name__", repr(f.type))
            for f in dataclasses.fields(cls)}


def shape_problems(cls: type, recorded: dict[str, dict[str, dict[str, str]]]) -> list[str]:
    """Why ``cls`` would misread (or write unreadably) the events stored by earlier code."""
    topic = construct_topic(cls)
    version = getattr(cls, "class_version", 1)
    versions = recorded.get(topic)
    if versions is None:
        return [f"{topic}: no recorded shape (a new event class: add its shape as version 1)"]
    problems = []
    if str(version) not in versions:
        problems.append(f"{topic}: class_version {version} has no recorded shape (record it beside "
                        f"the earlier ones, which stay as they are)")
    elif versions[str(version)] != stored_shape(cls):
        problems.append(f"{topic}: its stored shape changed without a new class_version and an "
                        f"upcaster from the recorded version {version}")
    if max(int(v) for v in versions) > version:
        problems.append(f"{topic}: class_version went back to {version}")
    for earlier in range(1, version):
        if not callable(getattr(cls, f"upcast_v{earlier}_v{earlier + 1}", None)):
            problems.append(f"{topic}: no upcast_v{earlier}_v{earlier + 1} for the events stored "
                            f"as version {earlier}")
    return problems


# --------------------------------------------------------------------------- stored names


def test_every_event_and_aggregate_class_pins_the_name_it_is_stored_under() -> None:
    classes = domain_classes()

    unpinned = [cls.__qualname__ for cls in classes if "TOPIC" not in vars(cls)]

    assert unpinned == []
    assert [construct_topic(cls) for cls in classes] == STORED_NAMES


def test_each_stored_name_resolves_to_its_class() -> None:
    for topic in STORED_NAMES:
        assert construct_topic(resolve_topic(topic)) == topic


def test_the_snapshot_state_objects_keep_their_stored_names() -> None:
    app = CaseLedgerApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})

    names = sorted(name for name in app.mapper.transcoder.names  # type: ignore[attr-defined]
                   if name.startswith("caseledger."))

    assert names == TRANSCODING_NAMES


def test_an_event_class_defined_without_its_own_topic_is_refused() -> None:
    with pytest.raises(TypeError, match="has no TOPIC of its own"):

        class Forgotten(CaseEvent):  # type: ignore[type-arg]  # inherits CaseEvent's topic only
            note: str


# --------------------------------------------------------------------------- stored shapes


def test_no_event_class_changed_its_stored_shape_without_a_new_version_and_upcaster() -> None:
    recorded = json.loads(SHAPES.read_text())

    problems = [problem for cls in event_classes() for problem in shape_problems(cls, recorded)]

    assert problems == []
    assert sorted(recorded) == [construct_topic(cls) for cls in event_classes()]


class NotedBefore(PinnedTopic, Aggregate.Event):
    """A throwaway event as an earlier release stored it: one free-text field."""

    TOPIC = "tests.unit.test_stored_names:NotedBefore"
    text: str


class Noted(PinnedTopic, Aggregate.Event):
    """The same event after a change of shape: the text renamed, a language added."""

    TOPIC = "tests.unit.test_stored_names:Noted"
    class_version = 2
    words: str
    language: str

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["words"] = state.pop("text")
        state["language"] = "en"


class NotedWithoutUpcaster(PinnedTopic, Aggregate.Event):
    TOPIC = "tests.unit.test_stored_names:NotedWithoutUpcaster"
    class_version = 2
    words: str


def _versions(v1: dict[str, str], v2: dict[str, str]) -> dict[str, dict[str, str]]:
    return {"1": v1, "2": v2}


def test_a_changed_shape_passes_with_a_new_version_and_an_upcaster_and_not_otherwise() -> None:
    v1 = stored_shape(NotedBefore)
    noted, without = construct_topic(Noted), construct_topic(NotedWithoutUpcaster)

    assert shape_problems(Noted, {noted: _versions(v1, stored_shape(Noted))}) == []
    assert shape_problems(Noted, {noted: {"2": v1}}) == [
        f"{noted}: its stored shape changed without a new class_version and an upcaster from "
        "the recorded version 2"]
    assert shape_problems(NotedWithoutUpcaster, {without: _versions(
        v1, stored_shape(NotedWithoutUpcaster))}) == [
        f"{without}: no upcast_v1_v2 for the events stored as version 1"]
    assert shape_problems(Noted, {}) == [
        f"{noted}: no recorded shape (a new event class: add its shape as version 1)"]


def test_an_event_stored_before_its_shape_changed_is_read_through_the_upcaster() -> None:
    """Given an event stored by the earlier class (version 1, no class_version in its state),
    when the same record is read under the changed class, then it is upcast to version 2."""
    app = CaseLedgerApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    before = NotedBefore(originator_id=uuid4(), originator_version=1,  # type: ignore[call-arg]
                         timestamp=NotedBefore.create_timestamp(), text="Panel met")
    stored = app.mapper.to_stored_event(before)
    assert b"class_version" not in stored.state

    read = app.mapper.to_domain_event(dataclasses.replace(stored, topic=construct_topic(Noted)))

    assert isinstance(read, Noted)
    assert (read.words, read.language, read.timestamp) == ("Panel met", "en", before.timestamp)
    assert app.mapper.to_stored_event(read).state.count(b'"class_version":2') == 1
