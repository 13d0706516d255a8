"""Every unit movement of the period is on the statement: opening units + movements = closing units.

The demo office (200 investors, subscriptions and redemptions) plus, settled through the real workflow on the
latest NAV date: a transfer between two investors, a switch between two EUR classes, a distribution and a fee
charged in units. Checked for every investor with an account, over the quarter of those deals and an
earlier one.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest

from fidus_desktop.bootstrap import Services
from fidus_desktop.reports.pdf import story_text
from fidus_desktop.reports.periods import parse_period
from fidus_desktop.reports.statement import statement_story
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ServiceContext
from fidus_desktop.services.demo import load_demo
from fidus_desktop.services.permissions import PermissionDenied, Role
from fidus_desktop.services.portfolio.dealing import TransactionRequest
from fidus_desktop.services.statements import StatementData
from fidus_desktop.store.sqlite import SqliteStore
from tests.portfolio.fixtures import BACK, PM, PM2

pytestmark = pytest.mark.slow
LATEST_QUARTER, EARLIER = parse_period("2026-Q2"), parse_period("2025-Q3")


def settle(services: Services, request: TransactionRequest) -> None:
    dealing = services.portfolio.dealing
    entered = dealing.enter(PM, request)
    approved = dealing.approve(PM2, entered.transaction_id, entered.version)
    dealing.settle(BACK, approved.transaction_id, approved.version)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    services = Services(ServiceContext(SqliteStore(Path(tmp_path_factory.mktemp("demo")) / "demo.db")))
    services.ensure_indexes()
    load_demo(services)
    p = services.portfolio
    day = p.navs.latest_date()
    codes = {c.code: c for c in p.funds.list_classes(PM)}
    holders = {}  # class code → investors holding units there, by number
    for code in ("GLB-A-EUR", "USE-A-USD"):
        accounts = sorted((a for a in p.investors.accounts_in_class(codes[code].class_id) if a.units > 10),
                          key=lambda a: p.investors.get(PM, a.investor_id).number)
        holders[code] = [a.investor_id for a in accounts]
    giver, switcher = holders["GLB-A-EUR"][:2]
    receiver = next(i for i in holders["USE-A-USD"] if i not in (giver, switcher))
    payee, payer = holders["USE-A-USD"][-2:]
    eur, eur_i, usd = codes["GLB-A-EUR"].class_id, codes["GLB-I-EUR"].class_id, codes["USE-A-USD"].class_id
    settle(services, TransactionRequest("transfer", eur, giver, day, day, day, units="7.5",
                                        target_investor_id=receiver))
    settle(services, TransactionRequest("switch", eur, switcher, day, day, day, units="4", target_class_id=eur_i))
    settle(services, TransactionRequest("distribution", usd, payee, day, day, day, amount="125.50"))
    settle(services, TransactionRequest("fee", usd, payer, day, day, day, amount="80"))
    return SimpleNamespace(services=services, giver=giver, receiver=receiver, switcher=switcher, payee=payee,
                           payer=payer, codes_by_id={c.class_id: code for code, c in codes.items()})


def units_by_class(data: StatementData) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    """(opening + settled movements, closing) units per class code."""
    expected: dict[str, Decimal] = defaultdict(Decimal)
    for h in data.opening_holdings:
        expected[h.class_code] += h.units
    for line in data.transactions:
        if line.status == "settled" and line.kind != "distribution":
            expected[line.class_code] += line.units
    return ({code: units for code, units in expected.items() if units},
            {h.class_code: h.units for h in data.holdings})


@pytest.mark.parametrize("period", [LATEST_QUARTER, EARLIER], ids=lambda p: p.label)
def test_opening_plus_movements_is_closing_for_every_investor(demo: SimpleNamespace, period) -> None:
    statements = demo.services.statements
    investors = statements.statement_investors(PM)
    assert len(investors) > 150
    moved = 0
    for investor_id in investors:
        data = statements.statement_data(PM, investor_id, period)
        expected, closing = units_by_class(data)
        assert expected == closing, data.investor_number
        moved += sum(1 for line in data.transactions if line.status == "settled")
        if period is LATEST_QUARTER:  # valued on the latest NAV date: the accounts hold the same units
            accounts = {demo.codes_by_id[a.class_id]: a.units
                        for a in demo.services.portfolio.investors.accounts_of(PM, investor_id) if a.units}
            assert closing == accounts, data.investor_number
    assert moved > 0


def kinds(demo: SimpleNamespace, investor_id: str) -> list[tuple[str, str, Decimal | None]]:
    data = demo.services.statements.statement_data(PM, investor_id, LATEST_QUARTER)
    return [(line.kind, line.class_code, line.units) for line in data.transactions
            if line.dealing_date == demo.services.portfolio.navs.latest_date()]


def test_a_transfer_is_on_both_statements(demo: SimpleNamespace) -> None:
    assert ("transfer_out", "GLB-A-EUR", Decimal("-7.5")) in kinds(demo, demo.giver)
    assert ("transfer_in", "GLB-A-EUR", Decimal("7.5")) in kinds(demo, demo.receiver)


def test_a_switch_shows_both_legs(demo: SimpleNamespace) -> None:
    lines = {kind: (code, units) for kind, code, units in kinds(demo, demo.switcher)}
    assert lines["switch_out"] == ("GLB-A-EUR", Decimal("-4"))
    code, units = lines["switch_in"]
    assert code == "GLB-I-EUR"
    assert units is not None
    assert units > 0


def test_distributions_and_fees_appear(demo: SimpleNamespace) -> None:
    statements = demo.services.statements
    paid = statements.statement_data(PM, demo.payee, LATEST_QUARTER)
    distribution = next(line for line in paid.transactions if line.kind == "distribution")
    assert (distribution.net, distribution.units) == (Decimal("125.50"), None)
    charged = statements.statement_data(PM, demo.payer, LATEST_QUARTER)
    fee = next(line for line in charged.transactions if line.kind == "fee")
    assert fee.units is not None
    assert fee.units < 0
    assert fee.gross == Decimal("80.00")
    ledger = demo.services.portfolio.fees.ledger(PM, investor_id=demo.payer, start=LATEST_QUARTER.start,
                                                 end=LATEST_QUARTER.end)
    assert [(f.kind, f.amount) for f in charged.fees] == [(f.kind, f.amount) for f in ledger]
    text = story_text(statement_story(charged))
    assert "Unit movements and transactions" in text


def test_a_client_sees_the_units_transferred_to_it_and_nothing_else(demo: SimpleNamespace) -> None:
    client = Actor("u-client", "carla", Role.CLIENT, workstation="test", investor_ids=frozenset({demo.receiver}))
    statements = demo.services.statements
    assert statements.statement_investors(client) == [demo.receiver]
    data = statements.statement_data(client, demo.receiver, LATEST_QUARTER)
    assert any(line.kind == "transfer_in" for line in data.transactions)
    with pytest.raises(PermissionDenied):
        statements.statement_data(client, demo.giver, LATEST_QUARTER)
    with pytest.raises(PermissionDenied):
        demo.services.portfolio.dealing.unit_movements(client, demo.giver)


def gain_by_hand(demo: SimpleNamespace, data: StatementData, code: str) -> Decimal:
    """NAV moves on the units held: opening units × (closing − opening NAV) + each settled movement's units ×
    (closing NAV − the NAV of its dealing date). Shares nothing with the service's reconciliation."""
    p, class_id = demo.services.portfolio, next(i for i, c in demo.codes_by_id.items() if c == code)
    opening = next((h for h in data.opening_holdings if h.class_code == code), None)
    closing_nav = p.navs.latest(class_id, data.valuation_date).nav_per_unit
    gain = opening.units * (closing_nav - opening.nav_per_unit) if opening else Decimal(0)
    for line in data.transactions:
        if line.class_code == code and line.status == "settled" and line.kind != "distribution":
            gain += line.units * (closing_nav - p.navs.latest(class_id, line.dealing_date).nav_per_unit)
    return gain


@pytest.mark.parametrize("period", [LATEST_QUARTER, EARLIER], ids=lambda p: p.label)
def test_opening_value_plus_flows_plus_gain_is_closing_value(demo: SimpleNamespace, period) -> None:
    statements = demo.services.statements
    for investor_id in statements.statement_investors(PM):
        data = statements.statement_data(PM, investor_id, period)
        *per_class, total = data.reconciliation
        assert total.label == "Total"
        for r in data.reconciliation:
            assert r.opening_value + r.subscriptions - r.redemptions - r.fees + r.gain_loss == r.closing_value
        assert total.opening_value == data.opening_value
        assert total.closing_value == data.closing_value
        for r in per_class:
            opening = next((h.value for h in data.opening_holdings if h.class_code == r.label), Decimal(0))
            closing = next((h.value for h in data.holdings if h.class_code == r.label), Decimal(0))
            assert (r.opening_value, r.closing_value) == (opening, closing)
            moves = sum(1 for t in data.transactions if t.class_code == r.label) + 2
            assert abs(r.gain_loss - gain_by_hand(demo, data, r.label)) <= Decimal("0.01") * moves, (
                data.investor_number, r.label)


def test_fees_paid_in_units_are_fees_not_redemptions(demo: SimpleNamespace) -> None:
    data = demo.services.statements.statement_data(PM, demo.payer, LATEST_QUARTER)
    usd = next(r for r in data.reconciliation if r.label == "USE-A-USD")
    fee_units = -sum(t.units for t in data.transactions if t.kind == "fee" and t.class_code == "USE-A-USD")
    nav = demo.services.portfolio.navs.latest(
        next(i for i, c in demo.codes_by_id.items() if c == "USE-A-USD"), data.valuation_date).nav_per_unit
    assert usd.fees == (fee_units * nav).quantize(Decimal("0.01"))  # 80 USD charged in units
    assert "From opening to closing value" in story_text(statement_story(data))


def test_a_weekend_valuation_date_names_the_earlier_fx_rate_used(demo: SimpleNamespace) -> None:
    # August 2025 ends on a Sunday: holdings are valued at Friday's NAV and converted at Friday's ECB rate.
    statements, period = demo.services.statements, parse_period("2025-08")
    notes = [n for investor_id in statements.statement_investors(PM)
             for n in statements.statement_data(PM, investor_id, period).notes if "no rate for that date" in n]
    assert notes
    assert all("on 2025-08-31: there is no rate for that date; the ECB rate of 2025-08-29" in n for n in notes)


def test_a_year_end_performance_fee_is_on_the_statement_of_the_month_it_was_charged(demo: SimpleNamespace) -> None:
    p, statements = demo.services.portfolio, demo.services.statements
    late = next(e for e in p.fees.ledger(PM) if e.kind == "performance" and e.charged_on != e.period_end
                and e.charged_on.month != e.period_end.month)
    month = parse_period(f"{late.charged_on:%Y-%m}")
    data = statements.statement_data(PM, late.investor_id, month)
    assert any(f.on == late.charged_on and f.kind == "performance" and f.amount == late.amount for f in data.fees)
    fees_column = sum(r.fees for r in data.reconciliation if r.label != "Total")
    assert fees_column > 0  # the units it cancelled are fees in the same statement
