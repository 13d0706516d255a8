"""The composition root: the one place that reads configuration, opens the store and builds services.

Nothing is opened at import time anywhere in the package; the GUI and the CLI call ``open_context``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from fidus_desktop.config.logging_setup import configure_logging
from fidus_desktop.config.paths import AppPaths
from fidus_desktop.config.secrets import SecretStore
from fidus_desktop.config.settings import Settings
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.audit_query import AuditQueryService
from fidus_desktop.services.backup import BackupService
from fidus_desktop.services.base import ServiceContext, utc_now
from fidus_desktop.services.changes import ChangeFeed
from fidus_desktop.services.documents import DocumentService
from fidus_desktop.services.keys import KeyService
from fidus_desktop.services.personal_data import PersonalDataService, Vault
from fidus_desktop.services.portfolio import PortfolioServices
from fidus_desktop.services.statements import StatementService
from fidus_desktop.services.trading import TradingServices
from fidus_desktop.services.trading.reconciliation import CashFlowSource, RecordedCashFlow
from fidus_desktop.services.users import SignInPolicy, UserService
from fidus_desktop.store.port import Store
from fidus_desktop.store.schema import migrate
from fidus_desktop.store.uri import open_store

log = logging.getLogger(__name__)


class Services:
    """Every service, built over one context. Later features add theirs here."""

    def __init__(
        self, ctx: ServiceContext, settings: Settings | None = None, secrets: SecretStore | None = None
    ) -> None:
        self.ctx = ctx
        self.keys = KeyService(ctx, secrets)
        self.vault = Vault(ctx, self.keys)
        self.personal_data = PersonalDataService(ctx, self.vault, settings)
        self.documents = DocumentService(ctx, self.vault, settings)
        self.backup = BackupService(ctx)
        self.audit_query = AuditQueryService(ctx)
        self.changes = ChangeFeed(ctx)
        self.users = UserService(ctx, SignInPolicy.from_settings(settings))
        self.portfolio = PortfolioServices(ctx, self.vault)
        self.trading = TradingServices(ctx, cash_flows=ledger_cash_flows(self.portfolio))
        self.statements = StatementService(self.portfolio)

    def ensure_indexes(self) -> None:
        self.ctx.audit.ensure_indexes()
        self.users.ensure_indexes()
        self.documents.ensure_indexes()
        self.portfolio.ensure_indexes()
        self.trading.ensure_indexes()


def ledger_cash_flows(portfolio: PortfolioServices) -> CashFlowSource:
    """MT5 reconciliation reads a fund's recorded flows from the portfolio cash ledger (settled dealing, net)."""

    def source(actor: Actor, fund_id: str, first_day: date, last_day: date) -> list[RecordedCashFlow] | None:
        flows = portfolio.cashflows.external_flows(actor, fund_id, first_day, last_day)
        if flows is None:
            return None
        return [RecordedCashFlow(f.transaction_id, f.fund_id, f.value_date, f.amount, f.currency,
                                 f"{f.kind} {f.reference}".strip()) for f in flows]

    return source


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
        self.store.close()


def resolve_db_uri(explicit: str | None, settings: Settings, paths: AppPaths) -> str:
    """``--db`` beats ``FIDUS_DB``, which beats the settings file; the default is the per-user SQLite file."""
    for candidate in (explicit, os.environ.get("FIDUS_DB"), settings.get("database.uri")):
        if candidate:
            return candidate
    return f"sqlite:///{paths.default_database.as_posix()}"


def db_password_name(user_host: str) -> str:
    """Keyring entry holding the MongoDB password for ``user@host``."""
    return f"mongodb/{user_host}"


def open_context(
    db_uri: str | None = None,
    *,
    paths: AppPaths | None = None,
    secrets: SecretStore | None = None,
    clock: Callable[[], datetime] = utc_now,
    log_to_file: bool = True,
) -> AppContext:
    """Read settings, open and migrate the database, build services."""
    paths = paths or AppPaths.for_user()
    if log_to_file:
        configure_logging(paths.log_file)
    settings = Settings.load(paths.settings_file)
    secrets = secrets or SecretStore()
    uri = resolve_db_uri(db_uri, settings, paths)
    store = open_store(uri, password_lookup=lambda user_host: secrets.get(db_password_name(user_host)))
    try:
        migrate(store)
        services = Services(ServiceContext(store, clock), settings, secrets)
        services.ensure_indexes()
    except BaseException:
        store.close()
        raise
    log.info("Opened %s", store.describe())
    return AppContext(paths, settings, secrets, store, services, uri)


def demo_database_path(paths: AppPaths) -> Path:
    """Where ``--demo`` builds its fresh database (replaced on every demo start)."""
    return paths.data_dir / "demo.db"
