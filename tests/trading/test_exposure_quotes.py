"""Exposure converted with terminal quotes stored by the poll: hand-computed figures, a missing quote named, the
positions that cannot be valued listed while the others are, and exposure alerts on the valued part."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal as D

from fidus_desktop.domain.trading.exposure import UnvaluedSymbol
from fidus_desktop.domain.trading.models import AccountSnapshot, Position, Quote, Side
from fidus_desktop.integrations.mt5 import SimulatedTerminal
from fidus_desktop.integrations.mt5.sim_market import DEFAULT_SYMBOLS
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.trading import TradingServices
from fidus_desktop.services.trading.poller import Mt5Poller
from fidus_desktop.services.trading.risk import conversion_symbols_for
from fidus_desktop.services.trading.sync import Poll
from tests.support.simulated_accounts import RECENT_ACCOUNTS, SIM_NOW, sim_account_input

LOGIN = 5001001


def snapshot() -> AccountSnapshot:
    return AccountSnapshot(LOGIN, "FidusSim-Live", "Alpha", "Sim", "USD", 100, D("100000"), D(0), D(0),
                           D("100000"), D("5000"), D("95000"), D("2000"), True, SIM_NOW)


def position(ticket: int, symbol: str, side: Side, lots: str, price: str) -> Position:
    return Position(LOGIN, ticket, ticket, SIM_NOW, SIM_NOW, side, symbol, D(lots), D(price), D(price), D(0), D(0),
                    D(0), D(0), "USD")


# Long 1 lot of the cross EURGBP at 0.85, short 0.5 lot USDJPY at 150, in a USD account.
POSITIONS = [position(1, "EURGBP", Side.BUY, "1", "0.85"), position(2, "USDJPY", Side.SELL, "0.5", "150")]


def quote(symbol: str, bid: str, ask: str) -> Quote:
    return Quote(symbol, SIM_NOW, D(bid), D(ask))


def test_exposure_by_currency_of_a_cross_pair_uses_the_stored_quotes(
    trading: TradingServices, pm: Actor, sim_accounts: list[int]
) -> None:
    account = trading.accounts.get(pm, LOGIN)
    quotes = [quote("EURUSD", "1.0799", "1.0801"), quote("GBPUSD", "1.2699", "1.2701"),
              quote("USDJPY", "149.99", "150.01")]
    trading.sync.record_poll(pm, account, Poll(snapshot(), POSITIONS, quotes=quotes))
    exposure = trading.risk.exposure(pm, LOGIN)
    legs = exposure.by_currency
    # EUR +100 000 × 1.08 (EURUSD mid); GBP −85 000 (100 000 × 0.85) × 1.27 (GBPUSD mid);
    # USD −50 000 (short 0.5 × 100 000 USDJPY); JPY +7 500 000 (50 000 × 150) / 150.
    assert (legs["EUR"].amount, legs["EUR"].in_account_currency) == (D("100000"), D("108000"))
    assert (legs["GBP"].amount, legs["GBP"].in_account_currency) == (D("-85000"), D("-107950"))
    assert (legs["USD"].amount, legs["USD"].in_account_currency) == (D("-50000"), D("-50000"))
    assert legs["JPY"].amount == D("7500000")
    assert legs["JPY"].in_account_currency == D("50000")
    assert exposure.by_symbol["EURGBP"].notional == D("107950")  # 85 000 GBP at 1.27
    assert exposure.by_symbol["USDJPY"].notional == D("-50000")
    assert set(exposure.quotes) == {"EURUSD", "GBPUSD", "USDJPY"}


def test_a_missing_quote_is_not_convertible_never_one_to_one(
    trading: TradingServices, pm: Actor, sim_accounts: list[int]
) -> None:
    account = trading.accounts.get(pm, LOGIN)
    quotes = [quote("EURUSD", "1.0799", "1.0801"), quote("USDJPY", "149.99", "150.01")]
    trading.sync.record_poll(pm, account, Poll(snapshot(), POSITIONS, quotes=quotes))
    exposure = trading.risk.exposure(pm, LOGIN)
    gbp = exposure.by_currency["GBP"]
    assert gbp.in_account_currency is None
    assert gbp.problem == "not convertible: no GBPUSD quote"
    assert exposure.by_currency["EUR"].in_account_currency == D("108000")
    # Only EURGBP needs the GBP rate for its notional; USDJPY is still valued.
    assert list(exposure.by_symbol) == ["USDJPY"]
    assert exposure.by_symbol["USDJPY"].notional == D("-50000")
    assert exposure.unvalued == {"EURGBP": UnvaluedSymbol("EURGBP", 1, "not convertible: no GBPUSD quote")}


def test_the_next_poll_replaces_the_stored_quotes(trading: TradingServices, pm: Actor, sim_accounts: list[int]) -> None:
    account = trading.accounts.get(pm, LOGIN)
    trading.sync.record_poll(pm, account, Poll(snapshot(), POSITIONS, quotes=[quote("EURUSD", "1.07", "1.09")]))
    trading.sync.record_poll(pm, account, Poll(snapshot(), [], quotes=[]))
    assert trading.risk.exposure(pm, LOGIN).quotes == {}


def test_conversion_symbols_cover_direct_inverse_and_usd_legs() -> None:
    assert conversion_symbols_for("USD", POSITIONS) == ["EURUSD", "USDEUR", "GBPUSD", "USDGBP", "JPYUSD", "USDJPY"]
    eur = conversion_symbols_for("EUR", [position(1, "GBPJPY", Side.BUY, "1", "190")])
    assert eur[:2] == ["GBPEUR", "EURGBP"]
    assert {"EURJPY", "USDJPY", "EURUSD"} <= set(eur)


def test_the_poller_reads_conversion_quotes_off_the_gui_thread_and_stores_them(
    trading: TradingServices, terminal: SimulatedTerminal, pm: Actor, sim_accounts: list[int]
) -> None:
    terminal.advance(timedelta(hours=3).total_seconds())
    poller = Mt5Poller(trading, terminal, pm, terminal_clock=lambda: terminal.now, rng=random.Random(1))
    poller.run_once(force=True)
    for login in sim_accounts:
        exposure = trading.risk.exposure(pm, login)
        for leg in exposure.by_currency.values():
            assert leg.in_account_currency is not None, leg.problem
        assert all(q.time <= terminal.now for q in exposure.quotes.values())
    assert any(trading.risk.exposure(pm, login).quotes for login in sim_accounts)


def test_conversion_symbols_follow_the_brokers_suffix() -> None:
    held = [position(1, "EURGBP.r", Side.BUY, "1", "0.85"), position(2, "US30.cash", Side.BUY, "1", "39000")]
    assert conversion_symbols_for("USD", held) == ["EURUSD.r", "USDEUR.r", "GBPUSD.r", "USDGBP.r"]
    plain_and_m = [position(1, "EURUSDm", Side.BUY, "1", "1.08"), position(2, "EURUSD", Side.BUY, "1", "1.08")]
    assert conversion_symbols_for("USD", plain_and_m) == ["EURUSD", "USDEUR", "EURUSDm", "USDEURm"]


def test_stored_suffixed_quotes_value_suffixed_positions(
    trading: TradingServices, pm: Actor, sim_accounts: list[int]
) -> None:
    account = trading.accounts.get(pm, LOGIN)
    held = [position(1, "EURGBP.r", Side.BUY, "1", "0.85"), position(2, "USDJPY.r", Side.SELL, "0.5", "150")]
    quotes = [quote("EURUSD.r", "1.0799", "1.0801"), quote("GBPUSD.r", "1.2699", "1.2701"),
              quote("USDJPY.r", "149.99", "150.01")]
    trading.sync.record_poll(pm, account, Poll(snapshot(), held, quotes=quotes))
    exposure = trading.risk.exposure(pm, LOGIN)
    # The same figures as the plain-named worked example above.
    assert exposure.by_currency["GBP"].in_account_currency == D("-107950")
    assert exposure.by_currency["JPY"].in_account_currency == D("50000")
    assert exposure.by_symbol["EURGBP.r"].notional == D("107950")
    assert set(exposure.quotes) == {"EURUSD.r", "GBPUSD.r", "USDJPY.r"}


def test_a_suffixed_server_is_valued_end_to_end(trading: TradingServices, pm: Actor) -> None:
    """A broker that names every symbol with ``.r``: the poller asks for ``EURUSD.r`` and every currency converts.

    Only USD-quoted symbols, since the simulator converts its own profits by plain pair names.
    """
    suffixed = tuple(replace(s, name=s.name + (".cash" if s.name == "US500" else ".r"))
                     for s in DEFAULT_SYMBOLS if s.quote == "USD")
    alpha = next(a for a in RECENT_ACCOUNTS if a.login == LOGIN)
    terminal = SimulatedTerminal(seed=11, accounts=(alpha,), now=SIM_NOW, symbols=suffixed)
    trading.accounts.create(pm, sim_account_input(LOGIN), password=alpha.password)
    terminal.advance(timedelta(hours=3).total_seconds())
    Mt5Poller(trading, terminal, pm, terminal_clock=lambda: terminal.now, rng=random.Random(1)).run_once(force=True)
    exposure = trading.risk.exposure(pm, LOGIN)
    assert set(exposure.by_currency) - {"USD"}, "the simulated account holds a non-USD currency (GBPUSD.r)"
    assert all(symbol.endswith((".r", ".cash")) for symbol in exposure.by_symbol)
    assert exposure.unvalued == {}
    for leg in exposure.by_currency.values():
        assert leg.in_account_currency is not None, leg.problem
    assert exposure.quotes
    assert all(symbol.endswith(".r") for symbol in exposure.quotes)


def test_symbols_without_a_contract_specification_are_listed_and_the_rest_valued(
    trading: TradingServices, pm: Actor
) -> None:
    account = trading.accounts.create(pm, sim_account_input(LOGIN, alert_thresholds={
        "gross_exposure_above": "100000", "symbol_exposure_above": "1000000"}))
    held = [*POSITIONS, position(3, "BTCUSD", Side.BUY, "1", "60000"), position(4, "XTIUSD", Side.SELL, "2", "78"),
            position(5, "BTCUSD", Side.BUY, "0.1", "60000")]
    quotes = [quote("EURUSD", "1.0799", "1.0801"), quote("GBPUSD", "1.2699", "1.2701"),
              quote("USDJPY", "149.99", "150.01")]
    result = trading.sync.record_poll(pm, account, Poll(snapshot(), held, quotes=quotes))
    exposure = trading.risk.exposure(pm, LOGIN)
    assert {s: e.notional for s, e in exposure.by_symbol.items()} == {"EURGBP": D("107950"), "USDJPY": D("-50000")}
    assert exposure.gross_notional == D("157950")
    assert exposure.by_currency["GBP"].in_account_currency == D("-107950")  # the worked example, unchanged
    assert exposure.unvalued == {
        "BTCUSD": UnvaluedSymbol("BTCUSD", 2, "no contract specification for BTCUSD"),
        "XTIUSD": UnvaluedSymbol("XTIUSD", 1, "no contract specification for XTIUSD"),
    }
    # The breach of the valued part is raised, saying what it leaves out; each unvalued symbol is an alert too.
    assert sorted(a.key for a in result.alerts.raised) == [
        "mt5:5001001:exposure_unvalued:BTCUSD", "mt5:5001001:exposure_unvalued:XTIUSD", "mt5:5001001:gross_exposure"]
    gross = next(a for a in trading.risk.active(pm, LOGIN) if a.kind.value == "gross_exposure")
    assert gross.message == ("Account 5001001: gross exposure of valued positions 157,950.00 USD exceeds "
                             "100,000.00 USD; 3 positions could not be valued (BTCUSD, XTIUSD).")

    trading.sync.record_poll(pm, account, Poll(snapshot(), POSITIONS, quotes=quotes))  # BTCUSD and XTIUSD closed
    assert [a.kind.value for a in trading.risk.active(pm, LOGIN)] == ["gross_exposure"]
