"""Rebalancing proposals: hand-worked cases, clear errors and hypothesis properties."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fidus_desktop.domain.money import Money
from fidus_desktop.domain.rebalancing import (
    Position,
    RebalanceError,
    RebalanceMode,
    Side,
    TargetLevel,
    proposal_to_csv,
    propose_rebalance,
)


def eur(amount: str | int) -> Money:
    return Money.of(str(amount), "EUR")


def book() -> list[Position]:
    # A = 100 × 10 = 1000, B = 50 × 20 = 1000, C = 0 (to be bought); total holdings 2000.
    return [
        Position("A", Decimal(100), eur(10), "equity"),
        Position("B", Decimal(50), eur(20), "bond"),
        Position("C", Decimal(0), eur(5), "bond"),
    ]


TARGETS = {"A": Decimal("0.4"), "B": Decimal("0.4"), "C": Decimal("0.2")}


def trades_of(proposal) -> dict[str, tuple[Side, Decimal]]:
    return {t.instrument_id: (t.side, t.quantity) for t in proposal.trades}


def test_drift_in_weight_and_money():
    proposal = propose_rebalance(book(), TARGETS, cash=eur(500), mode=RebalanceMode.BOTH)
    # base = 2000 + 500 cash = 2500: A is 1000/2500 = 40 %, C is 0 against 20 % (500 EUR short).
    drift = {d.key: d for d in proposal.drifts}
    assert drift["A"].current_weight == Decimal("0.4")
    assert drift["C"].drift == Decimal("-0.2")
    assert drift["C"].drift_value == eur(-500)


def test_cash_only_invests_cash_and_never_sells():
    proposal = propose_rebalance(book(), TARGETS, cash=eur(500), mode=RebalanceMode.CASH_ONLY)
    assert trades_of(proposal) == {"C": (Side.BUY, Decimal(100))}
    assert proposal.cash_after == eur("0.00")


def test_sell_to_rebalance_uses_no_cash():
    proposal = propose_rebalance(book(), TARGETS, cash=eur(500), mode=RebalanceMode.SELL_TO_REBALANCE)
    # base = 2000: targets A 800, B 800, C 400 -> sell 20 A, sell 10 B, buy 80 C.
    assert trades_of(proposal) == {
        "A": (Side.SELL, Decimal(20)),
        "B": (Side.SELL, Decimal(10)),
        "C": (Side.BUY, Decimal(80)),
    }
    assert proposal.cash_after == eur("500.00")
    assert [t.side for t in proposal.trades] == [Side.SELL, Side.SELL, Side.BUY]  # sells first


def test_inside_the_band_nothing_is_sold():
    positions = [Position("A", Decimal(101), eur(10)), Position("B", Decimal(99), eur(10))]
    targets = {"A": Decimal("0.5"), "B": Decimal("0.5")}
    proposal = propose_rebalance(positions, targets, cash=eur(0), mode=RebalanceMode.SELL_TO_REBALANCE)
    assert not proposal.triggered
    assert proposal.trades == ()


def test_short_cash_is_shared_pro_rata_and_rounded_down_to_lots():
    positions = [
        Position("A", Decimal(0), eur(10)),
        Position("B", Decimal(0), eur(30)),
    ]
    targets = {"A": Decimal("0.5"), "B": Decimal("0.5")}
    proposal = propose_rebalance(positions, targets, cash=eur(100), mode=RebalanceMode.CASH_ONLY)
    # 50 EUR each: 5 A (50.00) and floor(50 / 30) = 1 B (30.00); 20 EUR stays in cash.
    assert trades_of(proposal) == {"A": (Side.BUY, Decimal(5)), "B": (Side.BUY, Decimal(1))}
    assert proposal.cash_after == eur("20.00")


def test_fractional_lots_and_minimum_trade_size():
    positions = [
        Position("A", Decimal(0), eur(3), lot_size=Decimal("0.001")),
        Position("B", Decimal(0), eur(7), lot_size=Decimal("0.001")),
    ]
    targets = {"A": Decimal("0.98"), "B": Decimal("0.02")}
    proposal = propose_rebalance(positions, targets, cash=eur(1000), mode="cash_only", min_trade=eur(50))
    # A: 980 / 3 = 326.666 (980 - 326.666 × 3 = 0.002 left over), B would be 20 EUR < 50 EUR minimum.
    assert trades_of(proposal) == {"A": (Side.BUY, Decimal("326.666"))}


def test_zero_target_is_sold_out_even_off_lot():
    positions = [Position("A", Decimal("10.5"), eur(10)), Position("B", Decimal(0), eur(10))]
    proposal = propose_rebalance(positions, {"A": 0, "B": 1}, cash=eur(0), mode="sell_to_rebalance")
    assert trades_of(proposal) == {"A": (Side.SELL, Decimal("10.5")), "B": (Side.BUY, Decimal(10))}


def test_asset_class_targets_split_by_value_within_the_class():
    positions = [
        Position("EQ1", Decimal(30), eur(10), "equity"),  # 300
        Position("EQ2", Decimal(10), eur(10), "equity"),  # 100
        Position("BD1", Decimal(60), eur(10), "bond"),  # 600
    ]
    targets = {"equity": Decimal("0.6"), "bond": Decimal("0.4")}
    proposal = propose_rebalance(
        positions, targets, cash=eur(0), mode="sell_to_rebalance", level="asset_class"
    )
    # equity 400 -> 600: +200 split 3:1 -> EQ1 +15, EQ2 +5; bond 600 -> 400: sell 20.
    assert trades_of(proposal) == {
        "BD1": (Side.SELL, Decimal(20)),
        "EQ1": (Side.BUY, Decimal(15)),
        "EQ2": (Side.BUY, Decimal(5)),
    }
    assert proposal.level is TargetLevel.ASSET_CLASS
    assert all(abs(d.drift) < Decimal("1e-9") for d in proposal.drifts_after)


@pytest.mark.parametrize(
    ("targets", "message"),
    [
        ({"A": Decimal("0.5"), "B": Decimal("0.4"), "C": Decimal("0.2")}, "sum to 1.1"),
        ({"A": 40, "B": 40, "C": 20}, "percentages"),
        ({"A": Decimal("1.2"), "B": Decimal("-0.2"), "C": 0}, "negative"),
        ({"A": Decimal("0.5"), "B": Decimal("0.5")}, "C .* has no target"),
        (
            {"A": Decimal("0.4"), "B": Decimal("0.4"), "C": Decimal("0.1"), "ZZZ": Decimal("0.1")},
            "Unknown .*ZZZ",
        ),
    ],
)
def test_bad_targets_are_clear_errors(targets, message):
    with pytest.raises(RebalanceError, match=message):
        propose_rebalance(book(), targets, cash=eur(0))


def test_other_errors():
    with pytest.raises(RebalanceError, match="fund currency"):
        propose_rebalance(book(), TARGETS, cash=Money.of("1", "USD"))
    with pytest.raises(RebalanceError, match="negative"):
        propose_rebalance(book(), TARGETS, cash=eur(-1))
    with pytest.raises(RebalanceError, match="nothing to rebalance"):
        propose_rebalance([Position("A", Decimal(0), eur(1))], {"A": 1}, cash=eur(0))
    with pytest.raises(RebalanceError, match="lot size"):
        Position("A", Decimal(1), eur(1), lot_size=Decimal(0))


def test_csv_export():
    proposal = propose_rebalance(book(), TARGETS, cash=eur(500), mode="sell_to_rebalance")
    rows = list(csv.DictReader(io.StringIO(proposal_to_csv(proposal))))
    assert rows[0] == {
        "instrument_id": "A",
        "asset_class": "equity",
        "side": "SELL",
        "quantity": "20",
        "price": "10",
        "currency": "EUR",
        "amount": "200.00",
    }
    assert len(rows) == 3


prices = st.decimals(min_value=Decimal("0.5"), max_value=Decimal("500"), places=2)
quantities = st.decimals(min_value=Decimal(0), max_value=Decimal(10000), places=0)


@st.composite
def books(draw):
    count = draw(st.integers(min_value=1, max_value=6))
    lot = draw(st.sampled_from([Decimal(1), Decimal("0.01"), Decimal(10)]))
    positions = [
        Position(f"I{i}", draw(quantities), Money(draw(prices), "EUR"), lot_size=lot) for i in range(count)
    ]
    raw = [draw(st.integers(min_value=0, max_value=100)) for _ in range(count)]
    if sum(raw) == 0:
        raw[0] = 1
    weights = [Decimal(r) / Decimal(sum(raw)) for r in raw]
    weights[-1] = 1 - sum(weights[:-1], Decimal(0))
    return positions, {p.instrument_id: w for p, w in zip(positions, weights, strict=True)}


@settings(max_examples=150, deadline=None)
@given(
    book_and_targets=books(),
    cash=st.decimals(min_value=Decimal(0), max_value=Decimal(100000), places=2),
    mode=st.sampled_from(list(RebalanceMode)),
    minimum=st.decimals(min_value=Decimal(0), max_value=Decimal(2000), places=2),
)
def test_never_overspends_never_undersized_never_oversells(book_and_targets, cash, mode, minimum):
    positions, targets = book_and_targets
    base = sum(p.value for p in positions) + (0 if mode is RebalanceMode.SELL_TO_REBALANCE else cash)
    if base == 0:
        with pytest.raises(RebalanceError, match="nothing to rebalance"):
            propose_rebalance(positions, targets, cash=Money(cash, "EUR"), mode=mode)
        return
    proposal = propose_rebalance(
        positions, targets, cash=Money(cash, "EUR"), mode=mode, min_trade=Money(minimum, "EUR")
    )
    held = {p.instrument_id: p for p in positions}
    assert proposal.cash_after.amount >= 0
    if mode is RebalanceMode.SELL_TO_REBALANCE:
        assert proposal.cash_after.amount >= cash  # no new cash spent
    if mode is RebalanceMode.CASH_ONLY:
        assert all(t.side is Side.BUY for t in proposal.trades)
    for trade in proposal.trades:
        assert trade.amount.amount >= minimum
        assert trade.quantity > 0
        position = held[trade.instrument_id]
        if trade.side is Side.SELL:
            assert trade.quantity <= position.quantity
        else:
            assert trade.quantity % position.lot_size == 0
    buys = sum((t.amount.amount for t in proposal.trades if t.side is Side.BUY), Decimal(0))
    sells = sum((t.amount.amount for t in proposal.trades if t.side is Side.SELL), Decimal(0))
    assert proposal.cash_after.amount == cash + sells - buys


@settings(max_examples=100, deadline=None)
@given(book_and_targets=books(), cash=st.decimals(min_value=Decimal(0), max_value=Decimal(5000), places=2))
def test_fine_lots_reach_the_band(book_and_targets, cash):
    positions, targets = book_and_targets
    fine = [Position(p.instrument_id, p.quantity, p.price, lot_size=Decimal("0.0001")) for p in positions]
    if sum(p.value for p in fine) + cash < 1000:
        return
    proposal = propose_rebalance(
        fine, targets, cash=Money(cash, "EUR"), mode="both", tolerance=Decimal("0.01")
    )
    if proposal.triggered:
        assert all(abs(d.drift) <= Decimal("0.01") for d in proposal.drifts_after)
