"""ASB Case Reviews through the application service, on SQLite and PostgreSQL: the demo stories,
the threshold evaluation and the statutory annual figures as known on two dates."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from application.asb import evaluate_threshold
from application.commands import AcknowledgeApplication, AddComplaint, Complaint, DecideThreshold, ReceiveApplication
from application.demo import run_demo
from application.demo_asb import open_asb, scenarios
from application.service import Meta
from application.setup_import import example_path, import_setup, load_setup
from domain.errors import NotFound, RuleRefused
from tests.integration.support import NOW, services_for


@pytest.fixture
def services(database_url):
    built = services_for(database_url, now=datetime(2024, 4, 1, 8, 0, tzinfo=UTC))
    import_setup(built.cases, load_setup(example_path("cumbria")),
                 Meta(actor="admin", on="2024-04-01"))
    built.clock.set(NOW)  # the set-up is recorded before any case, as in real use
    yield built
    built.close()


def test_demo_stories_and_annual_figures_as_known_on_two_dates(services) -> None:
    refs = run_demo(services.cases, services.clock.set, stories=scenarios(),
                    openers={"asb": open_asb})
    services.catch_up()
    stages = {key: services.cases.load_case(ref).stage for key, ref in refs.items()}
    assert stages == {
        "asb-closed": "closed", "asb-not-met": "closed", "asb-appeal": "review-pending",
        "asb-monitoring": "monitoring-actions", "asb-outcome-pending": "outcome-pending",
        "asb-review-pending": "review-pending", "asb-gathering": "gathering-information",
        "asb-received": "received"}
    assert refs["asb-closed"] == "CUM-ASB-2025-001"

    figures = services.reports.asb_annual("cumberland", 2025)
    assert {k: figures[k] for k in ("applications", "threshold_not_met", "reviews_carried_out",
                                    "reviews_with_recommendations")} == {
        "applications": 2, "threshold_not_met": 1, "reviews_carried_out": 1,
        "reviews_with_recommendations": 1}
    assert figures["from"] == "2025-04-01" and figures["to"] == "2026-03-31"
    # Recorded the morning after: on 20 May 2025 only the application was known.
    early = services.reports.asb_annual("cumberland", 2025,
                           datetime(2025, 5, 20, 23, 0, tzinfo=UTC))
    assert (early["applications"], early["threshold_not_met"], early["reviews_carried_out"],
            early["reviews_with_recommendations"]) == (1, 0, 0, 0)
    waf = services.reports.asb_annual("westmorland-furness", 2025)
    assert (waf["applications"], waf["threshold_not_met"], waf["reviews_carried_out"],
            waf["reviews_with_recommendations"]) == (2, 1, 1, 1)
    later = services.reports.asb_annual("cumberland", 2026)
    assert (later["applications"], later["reviews_carried_out"],
            later["reviews_with_recommendations"]) == (2, 1, 0)
    with pytest.raises(NotFound):
        services.reports.asb_annual("nowhere", 2025)


def test_statutory_threshold_met_refuses_not_met(services) -> None:
    meta = Meta(actor="coordinator", on="2026-03-02")
    result = services.cases.open(ReceiveApplication(
        partnership="cumberland", hub="carlisle", channel="online",
        applicant_type="individual", applicant_name="Ivo Petteril", complaints=[
            Complaint(behaviour="2026-01-05", reported="2026-01-06", agency="cumbria-police"),
            Complaint(behaviour="2026-01-20", reported="2026-02-10", agency="home-group"),
            Complaint(behaviour="2026-02-01", reported="2026-02-01", agency="cumberland-council"),
        ]), meta)
    ref = result.reference
    assert ref == "CUM-ASB-2026-001" and result.stage == "received"
    evaluation = evaluate_threshold(services.cases, ref)
    assert evaluation["met"] and evaluation["rule"] == "statutory-minimum"
    assert all(c["qualifying"] for c in evaluation["complaints"])
    services.cases.execute(ref, AcknowledgeApplication(agencies=["cumbria-police"]),
                           Meta(actor="c", on="2026-03-03"))
    with pytest.raises(RuleRefused):
        services.cases.execute(ref, DecideThreshold(met=False), Meta(actor="c", on="2026-03-05"))
    complaint = Complaint(behaviour="2026-02-01", reported="2026-02-02", agency="no-such")
    with pytest.raises(NotFound):
        services.cases.execute(ref, AddComplaint(complaint=complaint), Meta(actor="c", on="2026-03-05"))
