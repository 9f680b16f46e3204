"""Reminder emails carry a single-use upload link for the return they are about, when links in
reminders are configured: through a real SMTP server (aiosmtpd on 127.0.0.1), on both backends."""

# ruff: noqa: F811 (the smtp_server fixture is imported, then named as a parameter)

from __future__ import annotations

import re

import pytest

from application.documents import DocumentService, DocumentSettings, LinkRefused
from infrastructure.deliveries import Deliveries
from infrastructure.documents import SqlDocumentStore
from tests.integration.support import notify
from tests.integration.test_reminder_delivery import (
    CHAIR,
    COORDINATOR,
    POLICE_CONTACT,
    POLICE_LEAD,
    SENDER,
    mailer_for,
    overdue_imr,
    set_up,
)
from tests.integration.test_reminder_delivery import services as services_with
from tests.smtp_server import smtp_server  # noqa: F401 (fixture)

LINK = re.compile(r"https://caseledger\.example\.gov\.uk/api/v1/upload/([A-Za-z0-9_-]{43})")
PDF = b"%PDF-1.7\n%%EOF\n"


def test_a_reminder_to_the_agency_carries_a_link_that_uploads_its_return(database_url, smtp_server):
    """Given links in reminders configured and an overdue IMR from the police, when the reminders
    are delivered, then the police contact's and escalation contact's emails each carry their own
    link, the chair's and the coordinator's none; a link uploads the return once (recorded as the
    link's), and the other link is refused once the return is received."""
    s = services_with(database_url, smtp_server)
    try:
        set_up(s)
        docs = DocumentService(s.cases, SqlDocumentStore(s.engine, s.app.personal_data), s.clock, DocumentSettings(
            public_url="https://caseledger.example.gov.uk", links_in_reminders=True))
        deliveries = Deliveries(s.app, s.engine, s.cases, s.clock, mailer_for(smtp_server), SENDER,
                                catch_up_views=s.projections.catch_up,
                                upload_link=docs.reminder_link)
        ref = notify(s, on="2026-01-31")
        overdue_imr(s, ref)

        report = deliveries.deliver()

        assert report.counts()["sent"] >= 2
        by_address = {m.rcpt_tos[0]: m.body for m in smtp_server.messages}
        contact, lead = by_address[POLICE_CONTACT[1]], by_address[POLICE_LEAD[1]]
        tokens = [LINK.findall(contact), LINK.findall(lead)]
        assert [len(t) for t in tokens] == [1, 1] and tokens[0] != tokens[1]
        assert "Send the return" in contact and "It works once" in contact
        for other in (CHAIR[1], COORDINATOR[1]):
            assert not LINK.search(by_address.get(other, ""))

        done = docs.redeem(tokens[0][0], PDF, "application/pdf", "imr.pdf")
        assert done.version == 1
        assert s.cases.load_case(ref).returns["return:cumbria-police:imr"].status == "received"
        with pytest.raises(LinkRefused, match="no longer awaited"):
            docs.asked(tokens[1][0])
    finally:
        s.close()


def test_without_configuration_no_reminder_carries_a_link(database_url, smtp_server):
    """Given links in reminders not configured, when the reminders are delivered, then no email
    carries a link and no link is issued."""
    s = services_with(database_url, smtp_server)
    try:
        set_up(s)
        docs = DocumentService(s.cases, SqlDocumentStore(s.engine, s.app.personal_data), s.clock, DocumentSettings())
        deliveries = Deliveries(s.app, s.engine, s.cases, s.clock, mailer_for(smtp_server), SENDER,
                                catch_up_views=s.projections.catch_up,
                                upload_link=docs.reminder_link)
        overdue_imr(s, notify(s, on="2026-01-31"))

        deliveries.deliver()

        assert smtp_server.messages
        assert not any("/api/v1/upload/" in m.body for m in smtp_server.messages)
    finally:
        s.close()
