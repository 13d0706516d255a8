"""A small office for portfolio tests: one EUR fund with a USD class, two investors ready to invest, ECB rates,
NAVs.

The ``office`` fixture of tests/portfolio builds it; other folders build it with ``build_office``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from fidus_desktop.bootstrap import Services
from fidus_desktop.domain.fees import FeeKind, FeeLedgerEntry
from fidus_desktop.domain.money import Money
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ServiceContext
from fidus_desktop.services.permissions import Role
from fidus_desktop.services.portfolio import PortfolioServices
from fidus_desktop.services.portfolio.funds import Fund, ShareClass
from fidus_desktop.services.portfolio.investors import Investor
from fidus_desktop.store.sqlite import SqliteStore
from tests.support.readiness import make_ready

DATA = Path(__file__).resolve().parents[1] / "data"
PM = Actor("u-pm", "maria", Role.PORTFOLIO_MANAGER, workstation="test")
PM2 = Actor("u-pm2", "peter", Role.PORTFOLIO_MANAGER, workstation="test")
BACK = Actor("u-bo", "lena", Role.BACK_OFFICE, workstation="test")
ADMIN = Actor("u-admin", "admin", Role.ADMIN, workstation="test")
D1, D2, D3, D4 = date(2023, 1, 2), date(2023, 1, 3), date(2023, 1, 4), date(2023, 1, 5)


@dataclass
class Office:
    services: Services
    p: PortfolioServices
    fund: Fund
    eur: ShareClass
    usd: ShareClass
    ann: Investor
    bob: Investor


def build_office(path: Path) -> Office:
    services = Services(ServiceContext(SqliteStore(path / "t.db")))
    services.ensure_indexes()
    p = services.portfolio
    fund = p.funds.create_fund(PM, "GLB", "Global", "EUR")
    eur = p.funds.create_class(PM, fund.fund_id, "GLB-A-EUR", "A EUR", "EUR", launch_date="2023-01-01",
                               fees={"entry_rate": "0.02", "exit_rate": "0.01", "management_rate": "0.0125"})
    usd = p.funds.create_class(PM, fund.fund_id, "GLB-A-USD", "A USD", "USD", launch_date="2023-01-01")
    ann = p.investors.create_investor(ADMIN, "INV-1", "Ann Smith", "individual", email="ann@example.com")
    bob = p.investors.create_investor(ADMIN, "INV-2", "Bob Corp", "corporate")
    make_ready(services, ann.investor_id, bob.investor_id)
    p.fx.import_ecb(PM, (DATA / "ecb-extract.csv").read_bytes())
    for class_id in (eur.class_id, usd.class_id):
        for day, nav in ((D1, "100"), (D2, "101"), (D3, "102"), (D4, "101.5")):
            p.navs.set_nav(PM, class_id, day, nav)
    return Office(services, p, fund, eur, usd, ann, bob)


def positions(office: Office, price_dates: tuple[date, ...] = (D4,)) -> None:
    """1000 US shares at 100 USD and 60,000 EUR cash."""
    p = office.p
    shares = p.holdings.add_instrument(PM, "EQ-US", "US equity", "USD", "equity")
    cash = p.holdings.add_instrument(PM, "CASH-EUR", "Cash EUR", "EUR", "cash")
    p.holdings.set_prices(PM, shares["_id"], dict.fromkeys(price_dates, "100"))
    p.holdings.set_position(PM, office.fund.fund_id, shares["_id"], "1000")
    p.holdings.set_position(PM, office.fund.fund_id, cash["_id"], "60000")


def holdings(office: Office, *, price_dates: tuple[date, ...] = (D4,)) -> None:
    """``positions``; 1000 EUR-class and 500 USD-class units; 35 EUR fees owed."""
    p = office.p
    positions(office, price_dates)
    p.ledgers.add_units(D2, office.eur.class_id, office.ann.investor_id, Decimal(1000), "subscription")
    p.ledgers.add_units(D2, office.usd.class_id, office.bob.investor_id, Decimal(500), "subscription")
    p.fees.record(FeeLedgerEntry(office.fund.fund_id, office.eur.class_id, None, FeeKind.MANAGEMENT, D1, D3,
                                 Money(Decimal(102000), "EUR"), Decimal("0.0125"), Money(Decimal("35.00"), "EUR")))


def client_of(*investor_ids: str) -> Actor:
    return Actor("u-client", "carla", Role.CLIENT, workstation="test", investor_ids=frozenset(investor_ids))

