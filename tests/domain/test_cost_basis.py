"""Average cost of a holding, checked by hand and against a lot-by-lot computation in exact fractions."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fidus_desktop.domain.cost_basis import CostBasis, OversoldError, Trade, cost_basis

D = Decimal


def test_two_purchases_and_a_sale_by_hand() -> None:
    """100 @ 10 + 5 fees at 0.90, 50 @ 13 at 0.95: 1,655.00 local, 904.50 + 617.50 base; a sale of 30 of the
    150 keeps 4/5 of each and leaves the cost per unit (11.0333) unchanged."""
    bought = cost_basis([Trade(D(100), D(10), D("0.90"), D(5)), Trade(D(50), D(13), D("0.95"))])
    assert (bought.quantity, bought.local, bought.base) == (D(150), D(1655), D("1522.00"))
    sold = bought.after(Trade(D(-30), D(20), D("0.99")))
    assert (sold.quantity, sold.local, sold.base) == (D(120), D("1324.0"), D("1217.600"))
    assert sold.average_price == bought.average_price == D(1655) / D(150)


def test_selling_everything_leaves_no_cost_and_a_new_purchase_starts_afresh() -> None:
    held = cost_basis([Trade(D(3), D(7), D(1)), Trade(D(-3), D(9), D(1)), Trade(D(2), D(4), D(2))])
    assert held == CostBasis(D(2), D(8), D(16))


def test_a_sale_of_more_than_is_held_is_refused() -> None:
    with pytest.raises(OversoldError, match="more than the 5 held"):
        cost_basis([Trade(D(5), D(1), D(1)), Trade(D(-6), D(1), D(1))])
    assert CostBasis().average_price is None


amounts = st.decimals(min_value=D("0.01"), max_value=D("100000"), places=2)
rates = st.decimals(min_value=D("0.5"), max_value=D("2"), places=4)
steps = st.lists(st.tuples(st.booleans(), st.integers(1, 1000), amounts, rates, amounts.map(lambda d: d / 100),
                           st.fractions(min_value=0, max_value=1, max_denominator=8)), min_size=1, max_size=12)


def _trades(script: list[tuple[bool, int, Decimal, Decimal, Decimal, Fraction]]) -> list[Trade]:
    """Purchases as drawn; a sale sells the drawn fraction of what is held then (whole units)."""
    trades, held = [], 0
    for buy, units, price, rate, fees, part in script:
        if buy or not held:
            trades.append(Trade(D(units), price, rate, fees))
            held += units
        else:
            sold = int(held * part)
            if sold:
                trades.append(Trade(D(-sold), price, rate))
                held -= sold
    return trades


def _by_lots(trades: list[Trade]) -> tuple[Fraction, Fraction, Fraction]:
    """Each purchase's cost times the share of it every later sale left (pro rata over all units held)."""
    total_q, local, base = Fraction(0), Fraction(0), Fraction(0)
    for i, trade in enumerate(trades):
        if trade.quantity < 0:
            continue
        survives, held = Fraction(1), sum(Fraction(t.quantity) for t in trades[:i + 1])
        for later in trades[i + 1:]:
            if later.quantity < 0:
                survives *= (held + Fraction(later.quantity)) / held
            held += Fraction(later.quantity)
        paid = Fraction(trade.quantity) * Fraction(trade.price) + Fraction(trade.fees)
        total_q += Fraction(trade.quantity) * survives
        local += paid * survives
        base += paid * Fraction(trade.fx_rate) * survives
    return total_q, local, base


@given(steps)
def test_average_cost_matches_a_lot_by_lot_computation(script: list) -> None:
    trades = _trades(script)
    basis = cost_basis(trades)
    quantity, local, base = _by_lots(trades)
    assert Fraction(basis.quantity) == quantity
    assert abs(Fraction(basis.local) - local) <= Fraction(1, 10**6)
    assert abs(Fraction(basis.base) - base) <= Fraction(1, 10**6)


@given(steps, rates)
def test_at_one_rate_the_base_cost_is_the_local_cost_converted(script: list, rate: Decimal) -> None:
    basis = cost_basis(Trade(t.quantity, t.price, rate, t.fees) for t in _trades(script))
    assert abs(basis.base - basis.local * rate) <= D("0.000001")


@given(steps)
def test_a_sale_leaves_the_cost_per_unit_unchanged(script: list) -> None:
    trades = _trades(script)
    before = CostBasis()
    for trade in trades:
        after = before.after(trade)
        if trade.quantity < 0 and after.quantity:
            assert before.average_price is not None
            assert after.average_price is not None
            assert abs(after.average_price - before.average_price) <= D("0.000001")
        before = after


def test_a_sale_realises_its_proceeds_less_the_average_cost_it_takes_out_by_hand() -> None:
    """150 units costing 1,522.00 base; 30 sold @ 20 less 6 fees at 0.99: proceeds 594 × 0.99 = 588.06, cost
    out 1,522 / 5 = 304.40, realised 283.66. A purchase realises nothing."""
    bought = cost_basis([Trade(D(100), D(10), D("0.90"), D(5)), Trade(D(50), D(13), D("0.95"))])
    assert bought.realised_by(Trade(D(-30), D(20), D("0.99"), D(6))) == D("283.66")
    assert bought.realised_by(Trade(D(10), D(20), D("0.99"))) == 0


def _realised_by_lots(trades: list[Trade]) -> Fraction:
    """Each sale's proceeds less what the lots held just before it cost, times the share it sold."""
    realised = Fraction(0)
    for i, trade in enumerate(trades):
        if trade.quantity < 0:
            held, _, base = _by_lots(trades[:i])
            proceeds = (-Fraction(trade.quantity) * Fraction(trade.price) - Fraction(trade.fees)) * Fraction(
                trade.fx_rate)
            realised += proceeds - base * (-Fraction(trade.quantity)) / held
    return realised


def _realised(trades: list[Trade]) -> Decimal:
    basis, realised = CostBasis(), D(0)
    for trade in trades:
        realised += basis.realised_by(trade)
        basis = basis.after(trade)
    return realised


@given(steps)
def test_realised_pnl_matches_a_lot_by_lot_computation(script: list) -> None:
    trades = _trades(script)
    assert abs(Fraction(_realised(trades)) - _realised_by_lots(trades)) <= Fraction(1, 10**6)


@given(steps, rates, amounts)
def test_at_one_rate_realised_plus_unrealised_is_value_less_net_invested(script: list, rate: Decimal,
                                                                          end_price: Decimal) -> None:
    """Net invested: purchases paid (with fees) less sale proceeds (less fees), all at the one rate."""
    trades = [Trade(t.quantity, t.price, rate, t.fees if t.quantity > 0 else t.fees / 2) for t in _trades(script)]
    basis = cost_basis(trades)
    value = basis.quantity * end_price * rate
    net_invested = sum((t.quantity * t.price + t.fees) * rate for t in trades)  # a sale: −(units × price − fees)
    assert abs(_realised(trades) + (value - basis.base) - (value - net_invested)) <= D("0.000001")
