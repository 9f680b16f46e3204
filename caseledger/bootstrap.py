"""The composition root: everything is built here from settings, nothing at import time."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from caseledger.application.audit import AuditService
from caseledger.application.ports import Clock
from caseledger.application.reminders import ReminderService
from caseledger.application.reporting.service import ReportService
from caseledger.application.service import CaseLedgerApplication, CaseService
from caseledger.domain.calendar import WorkingCalendar
from caseledger.infrastructure import migrate
from caseledger.infrastructure.bank_holidays import HolidaysCalendar
from caseledger.infrastructure.clock import SystemClock
from caseledger.infrastructure.database import create_engine, event_store_env, is_postgres, schema_lock
from caseledger.infrastructure.deliveries import Deliveries
from caseledger.infrastructure.integrity import IntegrityChain
from caseledger.infrastructure.projection_runner import ProjectionRunner
from caseledger.infrastructure.report_facts import ReportFactsReader
from caseledger.infrastructure.settings import Settings
from caseledger.infrastructure.smtp import Mailer, mailer_for
from caseledger.infrastructure.views import SqlReadModel


@dataclass
class Services:
    settings: Settings
    app: CaseLedgerApplication
    engine: sa.Engine
    cases: CaseService
    views: SqlReadModel
    projections: ProjectionRunner
    calendar: WorkingCalendar
    clock: Clock
    reminders: ReminderService
    deliveries: Deliveries
    integrity: IntegrityChain
    audit: AuditService
    reports: ReportService

    def catch_up(self) -> int:
        """Read-your-writes: bring the views up to date before answering a query."""
        return self.projections.catch_up()

    def close(self) -> None:
        self.app.close()
        self.engine.dispose()


def build(settings: Settings, clock: Clock | None = None,
          calendar: WorkingCalendar | None = None, mailer: Mailer | None = None) -> Services:
    """``mailer``: how reminders are sent; default: from ``settings.smtp`` (None if unset)."""
    clock = clock or SystemClock()
    calendar = calendar or HolidaysCalendar()
    with schema_lock(settings.database_url):  # one process at a time creates or upgrades it
        app = CaseLedgerApplication(env=event_store_env(settings.database_url))
        engine = create_engine(settings.database_url)
        migrate.upgrade(engine)
    views = SqlReadModel(engine)
    cases = CaseService(app, clock, calendar)
    projections = ProjectionRunner(app, engine)
    deliveries = Deliveries(app, engine, cases, clock,
                            mailer if mailer is not None else mailer_for(settings.smtp),
                            settings.smtp.sender, catch_up_views=projections.catch_up)
    integrity = IntegrityChain(app, settings.database_url)
    return Services(
        settings=settings, app=app, engine=engine, cases=cases, views=views,
        projections=projections, calendar=calendar, clock=clock,
        reminders=ReminderService(cases, views, projections.catch_up,
                                  parallel_loads=4 if is_postgres(settings.database_url) else 1),
        deliveries=deliveries,
        integrity=integrity,
        audit=AuditService(app, cases, views, integrity, clock, projections.catch_up),
        reports=ReportService(cases, ReportFactsReader(engine), views, clock),
    )
