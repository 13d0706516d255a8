"""The composition root: the one place that reads configuration, opens the store and builds services.

Nothing is opened at import time anywhere in the package; the GUI and the CLI call ``open_context``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fidus_desktop import features as catalog
from fidus_desktop.clock import Clock
from fidus_desktop.config.logging_setup import configure_logging
from fidus_desktop.config.paths import AppPaths
from fidus_desktop.config.secrets import SecretStore
from fidus_desktop.config.settings import Settings, SettingsSchema
from fidus_desktop.features.registry import demo_builders, document_owners, migrations, personal_data, settings_schema
from fidus_desktop.features.spec import Feature
from fidus_desktop.integrations.mt5 import RealTerminal, SimulatedTerminal
from fidus_desktop.integrations.mt5 import real as real_mt5
from fidus_desktop.services.base import ServiceContext
from fidus_desktop.services.trading.demo import demo_terminal
from fidus_desktop.services.trading.link import TerminalLink
from fidus_desktop.store.port import Store
from fidus_desktop.store.schema import migrate
from fidus_desktop.store.uri import open_store

if TYPE_CHECKING:
    from fidus_desktop.services.audit_anchor import AuditAnchors
    from fidus_desktop.services.audit_query import AuditQueryService
    from fidus_desktop.services.backup import BackupService
    from fidus_desktop.services.changes import ChangeFeed
    from fidus_desktop.services.cli_sessions import CliSessionService
    from fidus_desktop.services.compliance.checklists import ChecklistService
    from fidus_desktop.services.compliance.investigations import InvestigationService
    from fidus_desktop.services.compliance.investor_file import InvestorFileService
    from fidus_desktop.services.compliance.kyc import KycService
    from fidus_desktop.services.compliance.lists import ListService
    from fidus_desktop.services.compliance.ownership import OwnershipService
    from fidus_desktop.services.compliance.queue import QueueService
    from fidus_desktop.services.compliance.readiness import ReadinessService
    from fidus_desktop.services.compliance.reports import ComplianceReportService
    from fidus_desktop.services.compliance.risk_models import RiskModelService
    from fidus_desktop.services.compliance.screening import ScreeningService
    from fidus_desktop.services.crm.activities import ActivityService
    from fidus_desktop.services.crm.agents import AgentService
    from fidus_desktop.services.crm.google import GoogleService
    from fidus_desktop.services.crm.mail_templates import MailTemplateService
    from fidus_desktop.services.crm.outbox import Outbox
    from fidus_desktop.services.crm.prospects import ProspectService
    from fidus_desktop.services.crm.stages import StageService
    from fidus_desktop.services.demo import DemoBuilder
    from fidus_desktop.services.documents import DocumentOwner, DocumentService
    from fidus_desktop.services.envelopes import EnvelopeService
    from fidus_desktop.services.key_enrolment import KeyEnrolments
    from fidus_desktop.services.keys import KeyService
    from fidus_desktop.services.personal_data import PersonalDataRegistry, PersonalDataService, Vault
    from fidus_desktop.services.portfolio import PortfolioServices
    from fidus_desktop.services.restore_approval import RestoreApprovals
    from fidus_desktop.services.signing import SigningService
    from fidus_desktop.services.statements import StatementService
    from fidus_desktop.services.trading import TradingServices
    from fidus_desktop.services.users import UserService

log = logging.getLogger(__name__)


@dataclass
class Wiring:
    """What a feature's service factories get: the context, settings, secrets, registries and services so far."""

    ctx: ServiceContext
    settings: Settings | None
    secrets: SecretStore
    services: Services
    personal_data: PersonalDataRegistry
    document_owners: dict[str, str | DocumentOwner]
    schema: SettingsSchema

    def setting(self, key: str) -> Any:
        """A declared setting's value: the settings file's, else the declared default (also with no file, or
        a ``Settings`` made without the features' schema)."""
        default = self.schema.settings[key].default
        return default if self.settings is None else self.settings.get(key, default)


class Services:
    """Every feature's services over one context, built in ``FEATURES`` order.

    The annotations below are the shipped features' services, for readers and type checkers; a new
    feature's appear as attributes named in its ``Feature.services`` (``services.crm``).
    """

    keys: KeyService
    vault: Vault
    personal_data: PersonalDataService
    documents: DocumentService
    backup: BackupService
    audit_query: AuditQueryService
    audit_anchors: AuditAnchors
    changes: ChangeFeed
    users: UserService
    cli_sessions: CliSessionService
    portfolio: PortfolioServices
    statements: StatementService
    trading: TradingServices
    screening_lists: ListService
    screening: ScreeningService
    kyc: KycService
    readiness: ReadinessService
    risk_models: RiskModelService
    investigations: InvestigationService
    compliance_reports: ComplianceReportService
    kyc_ownership: OwnershipService
    kyc_files: InvestorFileService
    compliance_queue: QueueService
    signing: SigningService
    envelopes: EnvelopeService
    crm_stages: StageService
    prospects: ProspectService
    crm_activities: ActivityService
    crm_agents: AgentService
    crm_outbox: Outbox
    google: GoogleService
    crm_mail_templates: MailTemplateService
    restore_approvals: RestoreApprovals
    key_enrolments: KeyEnrolments
    kyc_checklists: ChecklistService

    def __init__(
        self, ctx: ServiceContext, settings: Settings | None = None, secrets: SecretStore | None = None,
        features: tuple[Feature, ...] | None = None,
    ) -> None:
        self.ctx = ctx
        self.features = features = catalog.FEATURES if features is None else features
        self.secrets = secrets or SecretStore()  # the one secret store every service shares
        self._built: list[object] = []
        wiring = Wiring(ctx, settings, self.secrets, self, personal_data(features), document_owners(features),
                        settings_schema(features))
        for feature in features:
            missing = [need for need in feature.needs if not hasattr(self, need)]
            if missing:
                raise RuntimeError(f"The {feature.name} feature needs {', '.join(missing)}, which no feature listed "
                                   "before it in features.FEATURES provides.")
            for name, factory in feature.services.items():
                if name in self.__dict__:
                    raise RuntimeError(f"The {feature.name} feature declares the service {name!r} a second time.")
                service = factory(wiring)
                setattr(self, name, service)
                self._built.append(service)
        for feature in features:
            if feature.wire is not None:
                feature.wire(wiring)

    def ensure_indexes(self) -> None:
        self.ctx.audit.ensure_indexes()
        for service in self._built:
            ensure = getattr(service, "ensure_indexes", None)
            if ensure is not None:
                ensure()

    def demo_builders(self) -> list[DemoBuilder]:
        """The features' demo builders in order (imported only when a demo is loaded)."""
        return demo_builders(self.features)


@dataclass
class AppContext:
    """Everything a front end needs; ``close()`` releases the database."""

    paths: AppPaths
    settings: Settings
    secrets: SecretStore
    store: Store
    services: Services
    db_uri: str

    def close(self) -> None:
        self.services.audit_anchors.advance()  # this workstation's anchor of the audit chain (never raises)
        self.store.close()

    def is_demo(self) -> bool:
        """True on the database ``--demo`` builds (its MT5 accounts exist only in the simulated terminal)."""
        return self.db_uri == f"sqlite:///{demo_database_path(self.paths).as_posix()}"

    def terminal_link(self, simulated_seed: int | None = None) -> TerminalLink:
        """The MT5 terminal to follow: the simulator for the demo database (or ``simulated_seed``), else the real one.

        The demo's simulator starts at the office clock's *now* (the demo's timeline) and is moved in real time
        (``advance``); an account with its own ``terminal_path`` gets another installation of the simulated
        market (``for_path``).
        """
        if simulated_seed is None and not self.is_demo():
            return TerminalLink(RealTerminal())
        if simulated_seed is None:
            terminal = demo_terminal()
            terminal.set_now(max(terminal.now, self.services.ctx.clock()))
        else:
            terminal = SimulatedTerminal(seed=simulated_seed)
        passwords = {login: sim.password for login, sim in terminal.accounts.items()}
        return TerminalLink(terminal, passwords.get, lambda: terminal.now, terminal.advance, terminal.installation)


def resolve_db_uri(explicit: str | None, settings: Settings, paths: AppPaths) -> str:
    """``--db`` beats ``FIDUS_DB``, which beats the settings file; the default is the per-user SQLite file."""
    for candidate in (explicit, os.environ.get("FIDUS_DB"), settings.get("database.uri")):
        if candidate:
            return candidate
    return f"sqlite:///{paths.default_database.as_posix()}"


def db_password_name(user_host: str) -> str:
    """Keyring entry holding the MongoDB password for ``user@host``."""
    return f"mongodb/{user_host}"


def mt5_available() -> tuple[bool, str]:
    """Whether the MetaTrader5 package can drive a terminal here, and why not (status bar, ``fidus doctor``)."""
    return real_mt5.is_available()


def open_restore_target(uri: str, secrets: SecretStore | None = None) -> Store:
    """The database a backup is restored into, opened like the working one (MongoDB passwords from the keyring)."""
    lookup = secrets or SecretStore()
    return open_store(uri, password_lookup=lambda user_host: lookup.get(db_password_name(user_host)))


def open_context(
    db_uri: str | None = None,
    *,
    paths: AppPaths | None = None,
    secrets: SecretStore | None = None,
    clock: Callable[[], datetime] | None = None,
    log_to_file: bool = True,
    create: bool = True,
) -> AppContext:
    """Read and check settings, open and migrate the database, build every feature's services (``create=False``:
    the CLI, where only ``fidus init`` may create a SQLite database). ``clock``: the office's, default the PC's
    (``--demo`` passes the demo's, ``services.demo.demo_clock``)."""
    paths = paths or AppPaths.for_user()
    if log_to_file:
        configure_logging(paths.log_file)
    settings = Settings.load(paths.settings_file, settings_schema())
    secrets = secrets or SecretStore()
    uri = resolve_db_uri(db_uri, settings, paths)
    store = open_store(uri, password_lookup=lambda user_host: secrets.get(db_password_name(user_host)),
                       create=create)
    try:
        migrate(store, migrations())
        services = Services(ServiceContext(store, clock or Clock()), settings, secrets)
        services.ensure_indexes()
    except BaseException:
        store.close()
        raise
    log.info("Opened %s", store.describe())
    return AppContext(paths, settings, secrets, store, services, uri)


def demo_database_path(paths: AppPaths) -> Path:
    """Where ``--demo`` builds its fresh database (replaced on every demo start)."""
    return paths.data_dir / "demo.db"
