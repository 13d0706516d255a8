"""Portfolio: funds, share classes, investors, dealing, NAV, FX, fees, cash, holdings, fixed-yield products,
statements and factsheets."""

from __future__ import annotations

from fidus_desktop.features.spec import Feature, TabDecl
from fidus_desktop.services.documents import DOCUMENT_PERSONAL_DATA
from fidus_desktop.services.permissions import Permission, Role
from fidus_desktop.services.personal_data import PersonalDataRegistry
from fidus_desktop.services.portfolio import PortfolioServices
from fidus_desktop.services.portfolio.investors import INVESTOR_PERSONAL_DATA, INVESTORS
from fidus_desktop.services.statements import StatementService

P = Permission
_READ = frozenset({P.FUNDS_READ, P.INVESTORS_READ, P.REPORTS_RUN})

PORTFOLIO = Feature(
    name="portfolio",
    services={
        "portfolio": lambda w: PortfolioServices(w.ctx, w.services.vault),
        "statements": lambda w: StatementService(w.services.portfolio),
    },
    needs=("vault",),
    permissions=(P.FUNDS_READ, P.FUNDS_MANAGE, P.INVESTORS_READ, P.INVESTORS_MANAGE, P.DEALING_ENTER,
                 P.DEALING_APPROVE, P.NAV_MANAGE, P.FEES_PAY, P.FX_MANAGE, P.PRODUCTS_MANAGE, P.REPORTS_RUN),
    grants={
        Role.PORTFOLIO_MANAGER: _READ | {P.FUNDS_MANAGE, P.DEALING_ENTER, P.DEALING_APPROVE, P.NAV_MANAGE,
                                         P.FX_MANAGE, P.PRODUCTS_MANAGE},
        Role.COMPLIANCE_OFFICER: _READ | {P.INVESTORS_MANAGE},
        Role.BACK_OFFICE: _READ | {P.INVESTORS_MANAGE, P.DEALING_ENTER, P.NAV_MANAGE, P.FEES_PAY, P.FX_MANAGE},
    },
    tab=TabDecl("portfolio", "Portfolio", "fidus_desktop.ui.portfolio.tab:portfolio_tab"),
    cli=("fidus_desktop.cli.investors", "fidus_desktop.cli.portfolio", "fidus_desktop.cli.reports",
         "fidus_desktop.cli.holdings"),
    demo=((20, "fidus_desktop.services.portfolio.demo:demo_portfolio"),
          (25, "fidus_desktop.services.portfolio.demo_personal:demo_personal_data")),
    # Stored documents are attached to investors and kept as long as their KYC file.
    personal_data=PersonalDataRegistry.merged([INVESTOR_PERSONAL_DATA, DOCUMENT_PERSONAL_DATA]),
    document_owners={"investor": INVESTORS},
    announces=("fund", "share_class", "portfolio", "benchmark", "investor", "investment", "transaction", "nav",
               "fx_rates", "fx_manual", "fee_payment", "holdings", "position", "instrument", "rebalance_targets",
               "product_terms"),
)
