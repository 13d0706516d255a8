"""Exposure by symbol and currency, margin level, drawdown and alerts with stable keys."""

from datetime import UTC, datetime
from decimal import Decimal as D

import pytest

from fidus_desktop.domain.trading.alerts import AlertKind, AlertThresholds, alert_changes, evaluate_alerts
from fidus_desktop.domain.trading.exposure import (
    ExposureError,
    RateTable,
    drawdown_from_peak,
    exposure_by_currency,
    exposure_by_symbol,
    margin_level,
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
    exposure = exposure_by_symbol(POSITIONS, INSTRUMENTS, RATES)
    assert exposure["EURUSD"].notional == D("108000.00")
    assert exposure["USDJPY"].notional == D("-50000")  # 7 500 000 JPY / 150, short
    assert exposure["USDJPY"].net_volume == D("-0.5")
    assert exposure["XAUUSD"].gross_notional == D("40000.0")
    assert sum(e.gross_notional for e in exposure.values()) == D("203000")


def test_exposure_by_currency_legs():
    legs = exposure_by_currency(POSITIONS, INSTRUMENTS, RATES)
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
    with pytest.raises(ExposureError, match="GBPUSD has no instrument"):
        exposure_by_symbol([position("GBPUSD", Side.BUY, "1", "1.27")], INSTRUMENTS, RATES)


def test_margin_level_and_drawdown_from_peak():
    assert margin_level(D("12000"), D("4000")) == D("300.00")
    assert margin_level(D("12000"), D(0)) is None
    assert drawdown_from_peak(D("9000"), D("12000")) == D("25.00")
    assert drawdown_from_peak(D("13000"), D("12000")) == D("0.00")


THRESHOLDS = AlertThresholds(margin_level_below=D(200), drawdown_above=D(10),
                             gross_exposure_above=D(150000), symbol_exposure_above=D(100000))


def alerts_now(margin: str = "150", drawdown: str = "5"):
    exposures = exposure_by_symbol(POSITIONS, INSTRUMENTS, RATES)
    return evaluate_alerts(5001001, THRESHOLDS, margin_level=D(margin), drawdown_percent=D(drawdown),
                           exposures=exposures, currency="USD")


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
