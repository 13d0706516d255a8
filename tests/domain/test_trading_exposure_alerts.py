"""Exposure by symbol and currency, positions that cannot be valued listed with their reason, margin level,
drawdown and alerts with stable keys."""

from datetime import UTC, datetime
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fidus_desktop.domain.trading.alerts import AlertKind, AlertThresholds, alert_changes, evaluate_alerts
from fidus_desktop.domain.trading.exposure import (
    ExposureError,
    RateTable,
    UnvaluedSymbol,
    drawdown_from_peak,
    margin_level,
    value_exposure,
)
from fidus_desktop.domain.trading.instruments import Instrument, fx_instrument
from fidus_desktop.domain.trading.models import Position, Side

NOW = datetime(2024, 6, 3, 12, tzinfo=UTC)
INSTRUMENTS = {
    "EURUSD": fx_instrument("EURUSD"),
    "USDJPY": fx_instrument("USDJPY"),
    "XAUUSD": fx_instrument("XAUUSD", D(100)),
    "US500": Instrument("US500", "US500", "USD", D(1), has_currency_legs=False),
}
RATES = RateTable("USD", {"EURUSD": D("1.08"), "USDJPY": D("150"), "XAUUSD": D("2000")})


def position(symbol: str, side: Side, volume: str, current: str) -> Position:
    return Position(1, 1, 1, NOW, NOW, side, symbol, D(volume), D(current), D(current), D(0), D(0),
                    D(0), D(0), "USD")


POSITIONS = [
    position("EURUSD", Side.BUY, "1", "1.08"),  # 100 000 EUR = 108 000 USD
    position("USDJPY", Side.SELL, "0.5", "150"),  # 50 000 USD = 7 500 000 JPY
    position("XAUUSD", Side.BUY, "0.2", "2000"),  # 20 oz × 2000 = 40 000 USD
    position("US500", Side.BUY, "1", "5000"),  # 5 000 USD, no currency legs
]


def test_exposure_by_symbol_in_account_currency():
    exposure = value_exposure(POSITIONS, INSTRUMENTS, RATES).by_symbol
    assert exposure["EURUSD"].notional == D("108000.00")
    assert exposure["USDJPY"].notional == D("-50000")  # 7 500 000 JPY / 150, short
    assert exposure["USDJPY"].net_volume == D("-0.5")
    assert exposure["XAUUSD"].gross_notional == D("40000.0")
    assert sum(e.gross_notional for e in exposure.values()) == D("203000")


def test_exposure_by_currency_legs():
    legs = value_exposure(POSITIONS, INSTRUMENTS, RATES).by_currency
    assert legs["EUR"].amount == D("100000")
    assert legs["EUR"].in_account_currency == D("108000.00")
    assert legs["USD"].amount == D("-198000")  # −108 000 − 50 000 − 40 000
    assert legs["JPY"].amount == D("7500000")
    assert legs["JPY"].in_account_currency == D("50000")
    assert legs["XAU"].amount == D("20.0")
    assert "US500" not in legs


def test_cross_rates_go_through_usd_and_missing_ones_are_explained():
    eur = RateTable("EUR", {"EURUSD": D("1.08"), "USDJPY": D("150")})
    assert eur.rate("JPY").quantize(D("1e-12")) == (D(1) / D(162)).quantize(D("1e-12"))  # 1/(150 × 1.08)
    with pytest.raises(ExposureError, match="not convertible: no EURCHF quote"):
        eur.rate("CHF")


# Positions FIDUS cannot value next to the known ones: BTCUSD and US30.cash have no contract specification,
# EURJPY has one but no JPY quote converts it into USD.
UNKNOWN = [
    position("BTCUSD", Side.BUY, "2", "60000"),
    position("US30.cash", Side.SELL, "1", "39000"),
    position("BTCUSD", Side.SELL, "0.5", "60000"),
]


def test_known_positions_are_valued_and_unknown_ones_listed_with_their_reason():
    exposure = value_exposure(POSITIONS + UNKNOWN, INSTRUMENTS, RATES)
    known = value_exposure(POSITIONS, INSTRUMENTS, RATES)
    assert exposure.by_symbol == known.by_symbol  # nothing valued at a guessed rate, nothing dropped
    assert exposure.by_currency == known.by_currency
    assert exposure.gross_notional == D("203000")
    assert exposure.unvalued == {
        "BTCUSD": UnvaluedSymbol("BTCUSD", 2, "no contract specification for BTCUSD"),
        "US30.cash": UnvaluedSymbol("US30.cash", 1, "no contract specification for US30.cash"),
    }
    assert exposure.unvalued_positions == 3
    assert known.unvalued == {}


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["EURUSD", "USDJPY", "XAUUSD", "US500", "BTCUSD", "US30.cash", "EURJPY"]),
                          st.sampled_from([Side.BUY, Side.SELL]), st.decimals("0.01", "50", places=2)), max_size=12),
       st.booleans())
def test_every_position_is_either_valued_or_listed_and_unknown_ones_change_no_figure(held, jpy_quote):
    rates = RATES if jpy_quote else RateTable("USD", {"EURUSD": D("1.08"), "XAUUSD": D("2000")})
    instruments = {**INSTRUMENTS, "EURJPY": fx_instrument("EURJPY")}
    positions = [position(symbol, side, str(lots), "100") for symbol, side, lots in held]
    exposure = value_exposure(positions, instruments, rates)
    lots = sum((e.long_volume + e.short_volume for e in exposure.by_symbol.values()), D(0))
    assert lots == sum((p.volume for p in positions if p.symbol in exposure.by_symbol), D(0))
    assert set(exposure.by_symbol).isdisjoint(exposure.unvalued)
    assert len([p for p in positions if p.symbol not in exposure.by_symbol]) == exposure.unvalued_positions
    known = [p for p in positions if p.symbol in instruments]
    assert value_exposure(known, instruments, rates).by_symbol == exposure.by_symbol
    assert value_exposure(known, instruments, rates).by_currency == exposure.by_currency


def test_a_missing_quote_leaves_out_only_the_symbols_and_currencies_that_need_it():
    no_jpy = RateTable("USD", {"EURUSD": D("1.08"), "XAUUSD": D("2000")})
    held = [*POSITIONS, position("EURJPY", Side.BUY, "1", "162")]
    exposure = value_exposure(held, {**INSTRUMENTS, "EURJPY": fx_instrument("EURJPY")}, no_jpy)
    assert set(exposure.by_symbol) == {"EURUSD", "XAUUSD", "US500"}
    assert exposure.unvalued == {
        "EURJPY": UnvaluedSymbol("EURJPY", 1, "not convertible: no USDJPY quote"),
        "USDJPY": UnvaluedSymbol("USDJPY", 1, "not convertible: no USDJPY quote"),
    }
    legs = exposure.by_currency
    # EUR +100 000 (EURUSD) + 100 000 (EURJPY), valued at 1.08; USD legs need no quote; JPY cannot be valued.
    assert (legs["EUR"].amount, legs["EUR"].in_account_currency) == (D("200000"), D("216000.00"))
    assert (legs["USD"].amount, legs["USD"].in_account_currency) == (D("-198000"), D("-198000"))
    assert legs["XAU"].in_account_currency == D("40000.0")
    assert legs["JPY"].amount == D("7500000") - D("16200000")
    assert (legs["JPY"].in_account_currency, legs["JPY"].problem) == (None, "not convertible: no USDJPY quote")


def test_margin_level_and_drawdown_from_peak():
    assert margin_level(D("12000"), D("4000")) == D("300.00")
    assert margin_level(D("12000"), D(0)) is None
    assert drawdown_from_peak(D("9000"), D("12000")) == D("25.00")
    assert drawdown_from_peak(D("13000"), D("12000")) == D("0.00")


THRESHOLDS = AlertThresholds(margin_level_below=D(200), drawdown_above=D(10),
                             gross_exposure_above=D(150000), symbol_exposure_above=D(100000))


def alerts_now(margin: str = "150", drawdown: str = "5", positions=POSITIONS, thresholds=THRESHOLDS):
    exposure = value_exposure(positions, INSTRUMENTS, RATES)
    return evaluate_alerts(5001001, thresholds, margin_level=D(margin), drawdown_percent=D(drawdown),
                           exposure=exposure, currency="USD")


def test_alerts_have_stable_keys_and_clear_messages():
    alerts = alerts_now()
    assert [a.key for a in alerts] == [
        "mt5:5001001:margin_level", "mt5:5001001:gross_exposure", "mt5:5001001:symbol_exposure:EURUSD"]
    assert alerts[0].message == "Account 5001001: margin level 150% is below 200%."
    assert alerts[1].kind is AlertKind.GROSS_EXPOSURE
    assert "203,000.00 USD exceeds 150,000.00 USD" in alerts[1].message
    assert [a.key for a in alerts_now()] == [a.key for a in alerts]


def test_same_condition_is_not_raised_again_and_cleared_when_gone():
    first = alert_changes([], alerts_now())
    assert len(first.raised) == 3
    active = [a.key for a in first.raised]
    again = alert_changes(active, alerts_now())
    assert again.raised == []
    assert again.cleared == []
    recovered = alert_changes(active, alerts_now(margin="450", drawdown="12"))
    assert [a.kind for a in recovered.raised] == [AlertKind.DRAWDOWN]
    assert recovered.cleared == ["mt5:5001001:margin_level"]


def test_exposure_limits_are_checked_on_the_valued_part_and_say_what_was_left_out():
    alerts = {a.key: a for a in alerts_now(margin="450", positions=POSITIONS + UNKNOWN)}
    assert list(alerts) == [
        "mt5:5001001:gross_exposure", "mt5:5001001:symbol_exposure:EURUSD",
        "mt5:5001001:exposure_unvalued:BTCUSD", "mt5:5001001:exposure_unvalued:US30.cash"]
    gross = alerts["mt5:5001001:gross_exposure"]
    assert gross.value == D("203000")  # the breach of what is known is still raised
    assert gross.message == ("Account 5001001: gross exposure of valued positions 203,000.00 USD exceeds "
                             "150,000.00 USD; 3 positions could not be valued (BTCUSD, US30.cash).")
    btc = alerts["mt5:5001001:exposure_unvalued:BTCUSD"]
    assert (btc.kind, btc.symbol, btc.value) == (AlertKind.EXPOSURE_UNVALUED, "BTCUSD", D(2))
    assert btc.message == ("Account 5001001: 2 positions in BTCUSD could not be valued (no contract specification "
                           "for BTCUSD), so the exposure limits leave them out.")
    assert "1 position in US30.cash" in alerts["mt5:5001001:exposure_unvalued:US30.cash"].message


def test_unvalued_positions_are_no_all_clear_but_raise_nothing_without_exposure_limits():
    within = AlertThresholds(gross_exposure_above=D(1_000_000))
    assert [a.kind for a in alerts_now(positions=POSITIONS + UNKNOWN, thresholds=within)] == [
        AlertKind.EXPOSURE_UNVALUED, AlertKind.EXPOSURE_UNVALUED]
    assert alerts_now(positions=POSITIONS, thresholds=within) == []
    margin_only = AlertThresholds(margin_level_below=D(200))
    assert [a.kind for a in alerts_now(positions=POSITIONS + UNKNOWN, thresholds=margin_only)] == [
        AlertKind.MARGIN_LEVEL]
