"""The portfolio back end: funds, investors, dealing, NAV, FX, fees, cash, holdings, products, figures.

``PortfolioServices`` wires the services over one context; ``bootstrap.Services.portfolio`` holds it.
Screens, reports and the CLI call these services only (docs/PORTFOLIO.md lists the API).
"""

from __future__ import annotations

from fidus_desktop.services.base import ServiceContext
from fidus_desktop.services.changes import changes_since
from fidus_desktop.services.personal_data import Vault
from fidus_desktop.services.portfolio.benchmarks import BenchmarkService
from fidus_desktop.services.portfolio.cashflows import CashflowService
from fidus_desktop.services.portfolio.dealing import DealingService
from fidus_desktop.services.portfolio.fees import FeeService
from fidus_desktop.services.portfolio.figures import FiguresService
from fidus_desktop.services.portfolio.file_imports import FileImportService
from fidus_desktop.services.portfolio.funds import FundService
from fidus_desktop.services.portfolio.fx import FxService
from fidus_desktop.services.portfolio.holdings import HoldingsService
from fidus_desktop.services.portfolio.imports import ImportService
from fidus_desktop.services.portfolio.investors import InvestorService
from fidus_desktop.services.portfolio.ledgers import Ledgers
from fidus_desktop.services.portfolio.nav import NavService
from fidus_desktop.services.portfolio.nav_derivation import NavDerivationService
from fidus_desktop.services.portfolio.performance import PerformanceService
from fidus_desktop.services.portfolio.products import CapitalSource, ProductService
from fidus_desktop.services.portfolio.rebalancing import RebalancingService
from fidus_desktop.services.portfolio.trade_imports import TradeImportService


class PortfolioServices:
    """Every portfolio service, built once; ``capital_source`` is the MT5 equity feed for coverage."""

    def __init__(self, ctx: ServiceContext, vault: Vault) -> None:
        self.ctx = ctx
        self.ledgers = Ledgers(ctx.store)
        self.funds = FundService(ctx)
        self.investors = InvestorService(ctx, vault)
        self.fx = FxService(ctx)
        self.navs = NavService(ctx, self.funds)
        self.fees = FeeService(ctx, self.funds, self.ledgers, self.investors.accounts, self.navs)
        self.dealing = DealingService(ctx, self.funds, self.investors, self.navs, self.fees, self.ledgers)
        self.cashflows = CashflowService(ctx, self.ledgers, self.dealing, self.navs)
        self.holdings = HoldingsService(ctx, self.funds, self.fx)
        self.products = ProductService(ctx, self.ledgers)
        self.figures = FiguresService(ctx, self.funds, self.navs, self.fx, self.ledgers)
        self.benchmarks = BenchmarkService(ctx, self.funds)
        self.performance = PerformanceService(ctx, self.funds, self.navs, self.benchmarks, self.ledgers)
        self.nav_derivation = NavDerivationService(ctx, self.funds, self.navs, self.holdings, self.fx, self.fees,
                                                   self.ledgers)
        self.rebalancing = RebalancingService(ctx, self.holdings)
        self.imports = ImportService(ctx, self.funds, self.investors, self.navs, self.dealing)
        self.trade_imports = TradeImportService(ctx, self.funds, self.holdings)
        self.file_imports = FileImportService(ctx, self.imports, self.fx, self.benchmarks, self.trade_imports)

    def set_capital_source(self, source: CapitalSource) -> None:
        """Plug in the equity feed (MT5) used by fixed-yield coverage."""
        self.products.capital_source = source

    def changes_since(self, token: int | None) -> tuple[int, frozenset[str]]:
        """See ``services.changes``: the last audit seq and the entities changed after ``token``."""
        return changes_since(self.ctx.audit, token)

    def ensure_indexes(self) -> None:
        self.ledgers.ensure_indexes()
        for service in (self.funds, self.investors, self.fx, self.navs, self.fees, self.dealing, self.holdings,
                        self.products, self.rebalancing, self.benchmarks):
            service.ensure_indexes()

