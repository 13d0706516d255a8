"""Broker symbol suffixes: the market name inside ``EURUSD.r``, its contract spec, conversion pairs in its naming."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fidus_desktop.domain.trading.exposure import ExposureError, RateTable, conversion_symbols
from fidus_desktop.domain.trading.instruments import (
    CATALOGUE,
    ISO_CURRENCIES,
    SEPARATORS,
    Affix,
    BrokerSymbol,
    broker_namings,
    currency_pair,
    find_instrument,
    parse_broker_symbol,
)


@pytest.mark.parametrize(("symbol", "parsed"), [
    ("EURUSD", BrokerSymbol("EURUSD", "", "")),
    ("EURUSD.r", BrokerSymbol("EURUSD", "", ".r")),
    ("EURUSDm", BrokerSymbol("EURUSD", "", "m")),
    ("EURUSD.pro", BrokerSymbol("EURUSD", "", ".pro")),
    ("#EURUSD", BrokerSymbol("EURUSD", "#", "")),
    ("EURUSD_i", BrokerSymbol("EURUSD", "", "_i")),
    ("EURUSD-ECN", BrokerSymbol("EURUSD", "", "-ECN")),
    ("XAUUSD.r", BrokerSymbol("XAUUSD", "", ".r")),
    ("US500.cash", BrokerSymbol("US500", "", ".cash")),
])
def test_the_market_name_is_found_inside_the_broker_symbol(symbol: str, parsed: BrokerSymbol) -> None:
    assert parse_broker_symbol(symbol, CATALOGUE) == parsed
    assert parsed.name == symbol


@pytest.mark.parametrize("symbol", [
    "US30.cash",  # an index not in the catalogue: never split into currencies
    "USTECH100", "USTECH.r",  # six letters, but UST/ECH are no currencies
    "GER40", "BTCUSD", "XTIUSD",  # crypto and oil have other contract sizes
    "EUREUR", "eurusd", "EURUSDX", "EURUSD1", "EURUSD.r.x", "EUR/USD", "", " EURUSD",
])
def test_what_is_not_a_known_market_name_stays_unknown(symbol: str) -> None:
    assert parse_broker_symbol(symbol, CATALOGUE) is None
    assert find_instrument(symbol) is None


def test_a_suffixed_symbol_has_the_contract_spec_of_its_core() -> None:
    gold = find_instrument("XAUUSD.r")
    assert gold is not None
    assert (gold.symbol, gold.base, gold.quote, gold.contract_size) == ("XAUUSD.r", "XAU", "USD", D(100))
    pair = find_instrument("#GBPJPYm")
    assert pair is not None
    assert (pair.base, pair.quote, pair.contract_size, pair.has_currency_legs) == ("GBP", "JPY", D(100_000), True)
    index = find_instrument("US500.cash")
    assert index is not None
    assert not index.has_currency_legs
    assert find_instrument("USDXAU") is None  # a metal pair FIDUS has no contract size for


_CORES = st.sampled_from(sorted(CATALOGUE)) | st.tuples(
    st.sampled_from(sorted(ISO_CURRENCIES)), st.sampled_from(sorted(ISO_CURRENCIES))
).filter(lambda legs: legs[0] != legs[1]).map("".join)
_PREFIXES = st.text(SEPARATORS, max_size=2)
_SUFFIXES = st.just("") | st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=6) | st.tuples(
    st.sampled_from(SEPARATORS), st.text("abcxyzABCXYZ0189", max_size=8)).map("".join)


@given(_CORES, _PREFIXES, _SUFFIXES)
def test_core_and_affix_round_trip(core: str, prefix: str, suffix: str) -> None:
    parsed = parse_broker_symbol(prefix + core + suffix, CATALOGUE)
    assert parsed == BrokerSymbol(core, prefix, suffix)
    assert parsed.name == prefix + core + suffix


@given(st.text())
def test_any_text_is_parsed_or_left_unknown_never_raises(text: str) -> None:
    parsed = parse_broker_symbol(text, CATALOGUE)
    assert parsed is None or parsed.name == text
    assert find_instrument(text) is None or parsed is not None


def test_conversion_pairs_are_asked_for_in_the_naming_the_positions_use() -> None:
    assert broker_namings(["EURUSD.r", "XAUUSD.r", "US500.cash"]) == [Affix("", ".r")]
    assert broker_namings(["US500.cash", "US30.cash"]) == [Affix()]  # no FX held: plain names
    assert broker_namings(["EURUSDm", "GBPUSD", "USDJPYm"]) == [Affix("", "m"), Affix()]
    assert conversion_symbols(["JPY"], "USD", [Affix("", ".r")]) == ["JPYUSD.r", "USDJPY.r"]
    assert conversion_symbols(["GBP"], "EUR", [Affix("#", "")])[:2] == ["#GBPEUR", "#EURGBP"]


def test_a_suffixed_quote_converts_its_currency_pair() -> None:
    assert currency_pair("USDJPY.r") == "USDJPY"
    assert currency_pair("US500.cash") is None
    rates = RateTable("EUR", {"EURUSD.r": D("1.08"), "USDJPY.r": D("150"), "US500.cash": D("5000")})
    assert rates.rate("USD") == 1 / D("1.08")
    assert rates.rate("JPY").quantize(D("1e-12")) == (D(1) / D(162)).quantize(D("1e-12"))
    with pytest.raises(ExposureError, match="not convertible: no EURGBP quote"):
        rates.rate("GBP")


def test_two_namings_of_one_pair_use_the_first_by_name() -> None:
    assert RateTable("USD", {"EURUSDm": D("1.09"), "EURUSD": D("1.08")}).rate("EUR") == D("1.08")
