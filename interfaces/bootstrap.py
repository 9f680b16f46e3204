"""The composition root: everything is built here from settings, nothing at import time."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from application.audit import AuditService
from application.documents import DocumentService
from application.ports import Clock
from application.reminders import ReminderService
from application.reporting.service import ReportService
from application.service import CaseLedgerApplication, CaseService
from application.subject_access import SubjectAccessService
from domain.calendar import WorkingCalendar
from infrastructure import migrate
from infrastructure.bank_holidays import HolidaysCalendar
from infrastructure.clock import SystemClock
from infrastructure.database import (
    create_engine,
    event_store_env,
    is_postgres,
    schema_lock,
    sqlite_path,
)
from infrastructure.deliveries import Deliveries
from infrastructure.documents import document_service
from infrastructure.integrity import IntegrityChain
from infrastructure.keys import DataKeys, KeySettings, LoadedKeys, NoKeys, load_keys
from infrastructure.projection_runner import ProjectionRunner
from infrastructure.report_facts import ReportFactsReader
from infrastructure.settings import Settings
from infrastructure.smtp import Mailer, mailer_for
from infrastructure.subject_index import BlindIndex, SubjectIndexTable
from infrastructure.views import SqlReadModel


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
    documents: DocumentService
    integrity: IntegrityChain
    audit: AuditService
    reports: ReportService
    keys: PersonalDataKeys | None = None
    subject_access: SubjectAccessService | None = None

    def catch_up(self, *, wait: bool = True) -> int:
        """Read-your-writes: bring the views up to date before answering a query (``wait=False``:
        unless another process is doing it this moment; see ``ProjectionRunner.catch_up``)."""
        return self.projections.catch_up(wait=wait)

    def close(self) -> None:
        self.app.close()
        self.engine.dispose()
        if self.keys is not None:
            self.keys.cipher.engine.dispose()


@dataclass(frozen=True)
class PersonalDataKeys:
    """The data keys and where the master key came from (``created``: made on this run)."""

    cipher: DataKeys
    loaded: LoadedKeys


def personal_data_keys(settings: Settings, engine: sa.Engine) -> PersonalDataKeys:
    """The master key checked against the database, and the data keys it unwraps. On SQLite
    the keys have their own engine whose reads never wait for the write lock."""
    postgres = is_postgres(settings.database_url)
    # The embedded default keeps its key file beside its database; PostgreSQL has no default.
    default_file = None if postgres else sqlite_path(settings.database_url).with_suffix(".key")
    loaded = load_keys(KeySettings(key=settings.master_key, key_file=settings.master_key_file,
                                   default_file=default_file), engine)
    key_engine = engine if postgres else create_engine(
        settings.database_url, lock_timeout=settings.lock_timeout, immediate=False)
    return PersonalDataKeys(DataKeys(key_engine, loaded.keyring, secure_delete=not postgres),
                            loaded)


def chain_without_keys(settings: Settings) -> tuple[IntegrityChain, CaseLedgerApplication]:
    """The integrity chain over an existing event store, opened without the master key: for
    verifying a copy of a database whose key is not at hand. The chain hashes the stored bytes,
    personal fields sealed as they are, so no key is needed; this application holds none, so it
    can read no personal data and seal none (close the application when done)."""
    app = CaseLedgerApplication(env=event_store_env(settings.database_url,
                                                    lock_timeout=settings.lock_timeout),
                                personal_data=NoKeys())
    return IntegrityChain(app, settings.database_url), app


def build(settings: Settings, clock: Clock | None = None,
          calendar: WorkingCalendar | None = None, mailer: Mailer | None = None, *,
          seal_personal_data: bool = True) -> Services:
    """``mailer``: how reminders are sent; default: from ``settings.smtp`` (None if unset).
    ``seal_personal_data=False`` stores personal data unsealed: only for the benchmark that
    measures what sealing costs, never for use."""
    clock = clock or SystemClock()
    calendar = calendar or HolidaysCalendar()
    with schema_lock(settings.database_url):  # one process at a time creates or upgrades it
        engine = create_engine(settings.database_url, lock_timeout=settings.lock_timeout)
        migrate.upgrade(engine)
        keys = personal_data_keys(settings, engine) if seal_personal_data else None
        app = CaseLedgerApplication(env=event_store_env(settings.database_url,
                                                        lock_timeout=settings.lock_timeout),
                                    personal_data=keys.cipher if keys else None)
    views = SqlReadModel(engine)
    cases = CaseService(app, clock, calendar)
    subject_index = SubjectIndexTable(engine, BlindIndex(keys.cipher.index_key)) if keys else None
    projections = ProjectionRunner(app, engine, subject_index=subject_index)
    documents = document_service(cases, engine, clock, settings.environment)
    deliveries = Deliveries(app, engine, cases, clock,
                            mailer if mailer is not None else mailer_for(settings.smtp),
                            settings.smtp.sender, catch_up_views=projections.catch_up,
                            upload_link=documents.reminder_link)
    integrity = IntegrityChain(app, settings.database_url)
    audit = AuditService(app, cases, views, integrity, clock, projections.catch_up)
    return Services(
        settings=settings, app=app, engine=engine, cases=cases, views=views,
        projections=projections, calendar=calendar, clock=clock,
        reminders=ReminderService(cases, views, projections.catch_up,
                                  parallel_loads=4 if is_postgres(settings.database_url) else 1),
        deliveries=deliveries,
        documents=documents,
        integrity=integrity,
        audit=audit,
        reports=ReportService(cases, ReportFactsReader(engine), views, clock),
        keys=keys,
        subject_access=SubjectAccessService(
            cases, views, subject_index, subject_index.index, audit, projections.catch_up)
        if subject_index is not None else None,
    )
