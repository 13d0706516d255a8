"""Holdings' cost basis and unrealised P&L from recorded trades, checked against figures worked out by hand
from the ECB file's own rates (EUR fund, USD shares)."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fidus_desktop.services.base import ValidationError
from tests.support.portfolio_office import D1, D3, D4, DATA, PM, Office

D = Decimal


def ecb_usd(day: date) -> Decimal:
    """USD per EUR on ``day``, read straight from the file (not through the FX service)."""
    with (DATA / "ecb-extract.csv").open() as file:
        return next(D(row["USD"]) for row in csv.DictReader(file) if row["Date"] == day.isoformat())


def bought_and_sold(office: Office) -> str:
    """600 @ 90 on D1, 400 @ 95 + 10 fees on D3, 200 sold @ 100 on D4; priced 100 on D4."""
    h, fund_id = office.p.holdings, office.fund.fund_id
    shares = h.add_instrument(PM, "EQ-US", "US equity", "USD", "equity")
    h.set_prices(PM, shares["_id"], {D4: "100"})
    h.record_trade(PM, fund_id, shares["_id"], "T-1", D1, "600", "90")
    h.record_trade(PM, fund_id, shares["_id"], "T-2", D3, "400", "95", fees="10")
    h.record_trade(PM, fund_id, shares["_id"], "T-3", D4, "-200", "100")
    return shares["_id"]


def test_book_cost_and_unrealised_pnl_worked_out_by_hand(office: Office) -> None:
    """Cost 92,010 USD for 1,000; 4/5 left after the sale: 73,608 USD (92.01 a unit), in EUR
    0.8 × (54,000 / 1.0683 + 38,010 / 1.0599) = 69,127.58; value 80,000 / 1.0601 = 75,464.58; gain 6,337.00."""
    bought_and_sold(office)
    [line] = office.p.holdings.valuation(PM, office.fund.fund_id, D4).lines
    assert line.quantity == 800
    assert line.average_cost == D("92.01")
    assert line.book_cost == D("69127.58")
    assert line.base_value == D("75464.58")
    assert line.unrealised == D("6337.00")
    by_file = D("0.8") * (D(54000) / ecb_usd(D1) + D(38010) / ecb_usd(D3))  # the same, from the file's rates
    assert line.book_cost == round(by_file, 2)


def test_a_quantity_set_without_trades_has_no_cost_and_cash_has_none(office: Office) -> None:
    h, fund_id = office.p.holdings, office.fund.fund_id
    shares = bought_and_sold(office)
    cash = h.add_instrument(PM, "CASH-EUR", "Cash", "EUR", "cash")
    h.set_position(PM, fund_id, cash["_id"], "1000")
    h.set_position(PM, fund_id, shares, "900")  # a correction without a trade: the cost of 100 units is unknown
    valuation = h.valuation(PM, fund_id, D4)
    assert [(line.code, line.book_cost, line.unrealised) for line in valuation.lines] == [
        ("CASH-EUR", None, None), ("EQ-US", None, None)]
    assert [line.code for line in valuation.uncosted] == ["EQ-US"]
    assert valuation.book_cost == valuation.unrealised == 0


def test_trades_are_idempotent_by_reference_and_checked(office: Office) -> None:
    h, fund_id = office.p.holdings, office.fund.fund_id
    shares = bought_and_sold(office)
    again = h.record_trade(PM, fund_id, shares, "T-1", D1, "600", "90")  # the same trade recorded twice
    assert len(h.trades_of(PM, fund_id)) == 3
    assert again["reference"] == "T-1"
    assert h.positions.find_one({"instrument_id": shares})["quantity"] == 800
    with pytest.raises(ValidationError, match="already recorded with other figures"):
        h.record_trade(PM, fund_id, shares, "T-1", D1, "601", "90")
    with pytest.raises(ValidationError, match="more than the 800 held"):
        h.record_trade(PM, fund_id, shares, "T-4", D4, "-801", "100")
    with pytest.raises(ValidationError, match="FX rate"):
        h.record_trade(PM, fund_id, shares, "T-5", date(2020, 1, 2), "1", "100")  # before the rate history
    h.record_trade(PM, fund_id, shares, "T-5", date(2020, 1, 2), "1", "100", fx_rate="0.9")  # as settled
    assert h.positions.find_one({"instrument_id": shares})["quantity"] == 801


def test_realised_pnl_of_the_sale_worked_out_by_hand_and_by_period(office: Office) -> None:
    """200 of 1,000 sold @ 100 on D4: proceeds 20,000 / 1.0601 = 18,866.15 EUR, cost out 1/5 of 86,409.48 =
    17,281.90, realised 1,584.25; with the 6,337.00 unrealised, value less net invested at the trades' rates."""
    shares = bought_and_sold(office)
    h, fund_id = office.p.holdings, office.fund.fund_id
    h.set_prices(PM, shares, {D3: "96"})
    valuation = h.valuation(PM, fund_id, D4)
    [line] = valuation.lines
    by_file = D(20000) / ecb_usd(D4) - D("0.2") * (D(54000) / ecb_usd(D1) + D(38010) / ecb_usd(D3))
    assert line.realised == valuation.realised == round(by_file, 2) == D("1584.25")
    net_invested = D(54000) / ecb_usd(D1) + D(38010) / ecb_usd(D3) - D(20000) / ecb_usd(D4)
    assert abs(valuation.realised + valuation.unrealised - (valuation.total.amount - net_invested)) <= D("0.01")
    assert h.valuation(PM, fund_id, D4, since=D4).realised == D("1584.25")  # the sale is in the period
    assert h.valuation(PM, fund_id, D3).realised == 0  # not yet sold
    with pytest.raises(ValidationError, match="after its end"):
        h.valuation(PM, fund_id, D3, since=D4)


def test_a_sale_from_a_quantity_set_by_hand_leaves_cost_and_realised_unknown_not_a_crash(office: Office) -> None:
    h, fund_id = office.p.holdings, office.fund.fund_id
    shares = h.add_instrument(PM, "EQ-US", "US equity", "USD", "equity")
    h.set_prices(PM, shares["_id"], {D4: "100"})
    h.set_position(PM, fund_id, shares["_id"], "1000")
    h.record_trade(PM, fund_id, shares["_id"], "S-1", D3, "-100", "95")
    valuation = h.valuation(PM, fund_id, D4)
    [line] = valuation.lines
    assert (line.quantity, line.book_cost, line.realised) == (900, None, None)
    assert valuation.realised == 0


def test_a_sale_dated_before_the_purchases_that_hold_it_is_refused(office: Office) -> None:
    h, fund_id = office.p.holdings, office.fund.fund_id
    shares = h.add_instrument(PM, "EQ-US", "US equity", "USD", "equity")
    h.record_trade(PM, fund_id, shares["_id"], "B-1", D3, "10", "95")
    with pytest.raises(ValidationError, match=r"sale of 5 EQ-US on 2023-01-02 would be more than the 0 held"):
        h.record_trade(PM, fund_id, shares["_id"], "S-1", D1, "-5", "95")
    h.record_trade(PM, fund_id, shares["_id"], "S-2", D3, "-5", "95")  # the same day, recorded after: fine
    assert h.positions.find_one({"instrument_id": shares["_id"]})["quantity"] == 5


_examples = iter(range(10**6))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(1, 500), st.decimals(min_value=D("0.01"), max_value=D("1000"), places=2),
                          st.decimals(min_value=D(0), max_value=D("50"), places=2), st.booleans()),
                min_size=1, max_size=8),
       st.decimals(min_value=D("0.01"), max_value=D("1000"), places=2))
def test_through_the_service_realised_plus_unrealised_is_value_less_net_invested(
        office: Office, steps: list[tuple[int, Decimal, Decimal, bool]], end_price: Decimal) -> None:
    """A euro instrument in the euro fund (one FX rate, 1): purchases and sales of half what is held, by
    the service; net invested = purchases paid less sale proceeds, summed here from the trades as entered.
    Each line figure is rounded to the cent once, so they agree within a cent or two."""
    h, fund_id, n = office.p.holdings, office.fund.fund_id, next(_examples)
    shares = h.add_instrument(PM, f"EQ-{n}", "Euro shares", "EUR", "equity")
    h.set_prices(PM, shares["_id"], {D4: end_price})
    held, net_invested = 0, D(0)
    for i, (units, price, fees, sell) in enumerate(steps):
        quantity = -(held // 2) if sell and held > 1 else units
        h.record_trade(PM, fund_id, shares["_id"], f"{n}-{i}", D1, quantity, price, fees)
        held += quantity
        net_invested += quantity * price + fees
    [line] = [line for line in h.valuation(PM, fund_id, D4).lines if line.code == f"EQ-{n}"]
    assert line.realised is not None
    assert line.unrealised is not None
    assert abs(line.realised + line.unrealised - (line.base_value - net_invested)) <= D("0.02")
