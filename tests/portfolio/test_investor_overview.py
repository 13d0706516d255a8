"""The investor view's figures checked against values computed here by hand from the deals and NAVs."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from fidus_desktop.domain.money import round_money
from fidus_desktop.services.permissions import PermissionDenied
from tests.support.portfolio_office import ADMIN, PM, Office, client_of
from tests.support.reporting_office import reporting_office


@pytest.fixture
def office(tmp_path: Path) -> Office:
    return reporting_office(tmp_path)


def test_one_subscription_without_fees(office: Office) -> None:
    """Bob: 20,000 USD into the USD class at 102 on 4 Jan, valued at 101.5 on 5 Jan."""
    view = office.services.statements.investor_overview(PM, office.bob.investor_id)
    units = Decimal("196.0784")  # 20,000 / 102, to four places as dealing rounds units
    [holding] = view.statement.holdings
    assert holding.units == units
    closing = round_money(units * Decimal("101.5"), "USD")
    assert view.statement.closing_value == closing
    assert view.time_weighted == pytest.approx(float(closing) / 20000 - 1, abs=1e-9)
    assert view.money_weighted == pytest.approx(float(closing) / 20000 - 1, abs=1e-6)  # one day: period rate
    assert not view.money_weighted_annualised


def test_entry_fees_count_against_the_investor(office: Office) -> None:
    """Ann paid 10,000 EUR with a 2 % entry fee: her own returns are below the class's +1.5 %."""
    view = office.services.statements.investor_overview(PM, office.ann.investor_id)
    assert view.statement.currency == "EUR"
    assert view.time_weighted < 0.015
    eur = next(h for h in view.statement.holdings if h.class_code == "GLB-A-EUR")
    assert eur.units == Decimal("98.0000")  # 9,800 net at 100


def test_an_investor_without_units_has_no_figures(office: Office) -> None:
    services = office.services
    fresh = services.portfolio.investors.create_investor(ADMIN, "INV-9", "New Person", "individual")
    view = services.statements.investor_overview(PM, fresh.investor_id)
    assert view.statement is None
    assert view.time_weighted is None


def test_a_client_sees_only_their_own(office: Office) -> None:
    with pytest.raises(PermissionDenied):
        office.services.statements.investor_overview(client_of(office.ann.investor_id), office.bob.investor_id)
