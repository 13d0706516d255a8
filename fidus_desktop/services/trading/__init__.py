"""Trading services over MT5 accounts: accounts, sync, classification, reconciliation, risk, analytics, queries.

``TradingServices`` bundles them over one ``ServiceContext`` (``Services.trading`` in the composition
root); the background ``Mt5Poller`` (``services.trading.poller``) drives the sync.
"""

from __future__ import annotations

from fidus_desktop.config.secrets import SecretStore
from fidus_desktop.services.base import ServiceContext
from fidus_desktop.services.trading.accounts import Mt5AccountService
from fidus_desktop.services.trading.analytics import TradingAnalyticsService
from fidus_desktop.services.trading.classification import ClassificationService
from fidus_desktop.services.trading.lease import SyncLeaseService
from fidus_desktop.services.trading.queries import DealQueryService
from fidus_desktop.services.trading.reconciliation import CashFlowSource, ReconciliationService
from fidus_desktop.services.trading.risk import RiskService
from fidus_desktop.services.trading.sync import SyncService


class TradingServices:
    """Every trading service, wired once."""

    def __init__(
        self, ctx: ServiceContext, secrets: SecretStore, cash_flows: CashFlowSource | None = None
    ) -> None:
        """``secrets``: the composition root's store, holding the MT5 passwords (never a store of its own)."""
        self.accounts = Mt5AccountService(ctx, secrets)
        self.classification = ClassificationService(ctx)
        self.risk = RiskService(ctx)
        self.leases = SyncLeaseService(ctx)
        self.sync = SyncService(ctx, self.classification, self.risk, self.leases)
        self.analytics = TradingAnalyticsService(ctx, self.classification)
        self.queries = DealQueryService(ctx)
        self.reconciliation = ReconciliationService(ctx, self.accounts, self.classification, cash_flows)

    def ensure_indexes(self) -> None:
        for service in (self.accounts, self.classification, self.risk, self.leases, self.sync, self.reconciliation):
            service.ensure_indexes()
