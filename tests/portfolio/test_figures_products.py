"""Figures (AUM consistency, KPIs), investors, holdings valuation, rebalancing, products, change detection."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from fidus_desktop.domain.fixed_yield import CoverageLevel
from fidus_desktop.domain.money import Money
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.permissions import Permission, PermissionDenied, Role
from fidus_desktop.services.portfolio.dealing import TransactionRequest
from fidus_desktop.services.portfolio.holdings import ValuationError
from fidus_desktop.services.portfolio.investors import investor_filter
from fidus_desktop.store.errors import ConcurrencyError
from tests.support.permission_matrix import assert_permission_matrix
from tests.support.portfolio_office import ADMIN, BACK, D1, D3, D4, PM, PM2, Office


def invest(o: Office, class_id: str, amount: str) -> None:
    view = o.p.dealing.enter(PM, TransactionRequest("subscription", class_id, o.ann.investor_id, D1, D1, D3,
                                                    amount=amount))
    view = o.p.dealing.approve(PM2, view.transaction_id, view.version)
    o.p.dealing.settle(BACK, view.transaction_id, view.version)


def test_total_aum_equals_the_sum_of_fund_aums_converted(office: Office) -> None:
    invest(office, office.eur.class_id, "10000")
    invest(office, office.usd.class_id, "5000")
    usd_fund = office.p.funds.create_fund(PM, "USF", "US Fund", "USD")
    cls = office.p.funds.create_class(PM, usd_fund.fund_id, "USF-A", "A", "GBP", launch_date=D1)
    office.p.navs.set_nav(PM, cls.class_id, D1, "10")
    invest(office, cls.class_id, "2000")
    summary = office.p.figures.total_aum(PM, D4)
    assert summary.on == D4
    assert summary.total == sum(f.value for f in summary.funds)
    for share in summary.funds:
        expected, _ = office.p.fx.convert(Money(share.fund.total, share.fund.currency), "EUR", D4)
        assert share.value == expected.amount
        assert share.fund.total == sum(c.base_value for c in share.fund.classes)
    glb = office.p.figures.fund_aum(PM, office.fund.fund_id, D4)
    eur = next(c for c in glb.classes if c.code == "GLB-A-EUR")
    assert eur.units == Decimal("98.0000")
    assert eur.value == Decimal("9947.00")  # 98 units × 101.5


def test_figures_default_to_the_latest_nav_date(office: Office) -> None:
    assert office.p.figures.total_aum(PM).on == D4


def test_class_and_fund_kpis(office: Office) -> None:
    invest(office, office.eur.class_id, "10000")
    kpis = office.p.figures.class_kpis(PM, office.eur.class_id, D4)
    assert kpis.since_inception == pytest.approx(0.015)
    assert kpis.max_drawdown == pytest.approx(101.5 / 102 - 1)
    fund = office.p.figures.fund_kpis(PM, office.fund.fund_id, D4)
    assert fund.max_drawdown < 0
    report = office.p.performance.class_performance(PM, office.eur.class_id, date(2023, 1, 3), D4)
    assert report.total_return == pytest.approx(101.5 / 101 - 1)
    with pytest.raises(ValidationError, match="at least two"):
        office.p.performance.class_performance(PM, office.eur.class_id, D4, D4)


def test_investor_paging_search_and_client_scope(office: Office) -> None:
    assert office.p.investors.count(PM, investor_filter("smi")) == 1
    assert [i.number for i in office.p.investors.page(PM, sort=[("number", -1)])] == ["INV-2", "INV-1"]
    client = Actor("c1", "ann", Role.CLIENT, investor_ids=frozenset({office.ann.investor_id}))
    assert [i.number for i in office.p.investors.page(client)] == ["INV-1"]
    with pytest.raises(PermissionDenied):
        office.p.investors.get(client, office.bob.investor_id)


def test_investor_edits_detect_stale_versions_and_duplicates(office: Office) -> None:
    office.p.investors.update_investor(ADMIN, office.ann.investor_id, office.ann.version, name="Ann Smith-Jones")
    with pytest.raises(ConcurrencyError):
        office.p.investors.update_investor(ADMIN, office.ann.investor_id, office.ann.version, name="Ann S.")
    with pytest.raises(ValidationError, match="INV-1 is taken"):
        office.p.investors.create_investor(ADMIN, "inv-1", "Someone", "individual")
    assert_permission_matrix(lambda actor: office.p.investors.create_investor(actor, "INV-9", "X", "individual"),
                             Permission.INVESTORS_MANAGE, state=office.p.investors.investors.count)


def test_fund_and_class_validation_and_permissions(office: Office) -> None:
    with pytest.raises(ValidationError, match="already exists"):
        office.p.funds.create_fund(PM, "glb", "Again", "EUR")
    with pytest.raises(ValidationError, match="ISO 4217"):
        office.p.funds.create_fund(PM, "NEW", "New", "euro")
    with pytest.raises(ValidationError, match="Unknown fee"):
        office.p.funds.create_class(PM, office.fund.fund_id, "X", "X", "EUR", launch_date=D1, fees={"carry": "1"})
    assert_permission_matrix(lambda actor: office.p.funds.create_fund(actor, "F2", "F2", "EUR"),
                             Permission.FUNDS_MANAGE, state=office.p.funds.funds.count)


def test_valuation_converts_and_refuses_missing_prices_or_rates(office: Office) -> None:
    h = office.p.holdings
    world = h.add_instrument(PM, "EQ-W", "World", "USD", "equity")
    cash = h.add_instrument(PM, "CASH-EUR", "Cash", "EUR", "cash")
    h.set_position(PM, office.fund.fund_id, world["_id"], "10")
    h.set_position(PM, office.fund.fund_id, cash["_id"], "1000")
    with pytest.raises(ValuationError, match="no price for EQ-W"):
        h.valuation(PM, office.fund.fund_id, date(2023, 1, 13))
    h.set_prices(PM, world["_id"], {"2023-01-12": "108.14"})
    valuation = h.valuation(PM, office.fund.fund_id, date(2023, 1, 13))
    assert valuation.total.amount == Decimal("2000.00")  # 1081.40 USD at 1.0814 per EUR = 1000 EUR, + 1000 cash
    assert valuation.stale  # the price is from the day before
    with pytest.raises(ValuationError, match="beyond the 10-day limit"):
        h.valuation(PM, office.fund.fund_id, date(2023, 3, 1))
    office.p.rebalancing.set_targets(PM, office.fund.fund_id, {"EQ-W": "1"})
    proposal = office.p.rebalancing.propose(PM, office.fund.fund_id, date(2023, 1, 13), mode="cash_only")
    assert [t.side.value for t in proposal.trades] == ["BUY"]
    assert office.p.rebalancing.to_csv(proposal).startswith("instrument_id,")


def test_products_versions_schedules_redemption_and_coverage(office: Office) -> None:
    p = office.p.products
    p.define_terms(ADMIN, "CORE", "Core", monthly_rate="0.015", incubation_months=1, commitment_months=12,
                   minimum_investment="10000", currency="USD")
    with pytest.raises(ValidationError, match="needs at least"):
        p.invest(ADMIN, office.ann.investor_id, "CORE", "500", "2024-01-31")
    investment = p.invest(ADMIN, office.ann.investor_id, "CORE", "10000", "2024-01-31")
    v2 = p.define_terms(ADMIN, "CORE", "Core", monthly_rate="0.012", commitment_months=12, currency="USD")
    assert v2.version == 2
    assert p.list_investments(ADMIN)[0].terms.version == 1  # keeps the terms it was sold under
    schedule = p.schedule(ADMIN, investment.investment_id)
    assert schedule[0].due_date == date(2024, 3, 31)
    assert schedule[0].amount == Money("150.00", "USD")
    check = p.check_redemption(ADMIN, investment.investment_id, date(2024, 6, 1))
    assert not check.allowed
    assert check.earliest_date == date(2025, 2, 28)
    months = p.obligations(ADMIN, date(2024, 3, 1), date(2024, 3, 31))
    assert [(m.month, m.interest.amount) for m in months] == [(3, Decimal("150.00"))]
    report = p.coverage(ADMIN, "USD", date(2024, 2, 1), date(2025, 2, 28))
    assert report.cash == Money("10000", "USD")
    assert not report.equity_configured
    assert report.coverage.level is CoverageLevel.CRITICAL  # 10,000 principal + 1,800 interest due
    office.p.set_capital_source(lambda currency, on: Money("5000", currency))
    assert p.coverage(ADMIN, "USD", date(2024, 2, 1), date(2025, 2, 28)).coverage.level is CoverageLevel.OK
    assert_permission_matrix(lambda actor: p.define_terms(actor, "NEW", "New", monthly_rate="0.01"),
                             Permission.PRODUCTS_MANAGE, state=p.terms.count)


def test_changes_since_reports_topics_after_the_token(office: Office) -> None:
    token, topics = office.p.changes_since(None)
    assert topics == frozenset()
    office.p.navs.set_nav(PM, office.eur.class_id, "2023-01-09", "100")
    new_token, topics = office.p.changes_since(token)
    assert new_token == token + 1
    assert topics == {"nav"}
    assert office.p.changes_since(new_token) == (new_token, frozenset())
