"""Quotes: an unknown symbol is None + last_error() (as the package does), the session says why; cross pairs."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fidus_desktop.integrations.mt5 import Mt5ConnectionError, Mt5RequestError, Mt5Session, SimulatedTerminal
from fidus_desktop.integrations.mt5.enums import ResultCode
from fidus_desktop.integrations.mt5.timezones import NewYorkClose


def connected(terminal: SimulatedTerminal) -> Mt5Session:
    session = Mt5Session(terminal, NewYorkClose(), clock=lambda: terminal.now)
    session.connect(login=5001001, password="sim-alpha", server="FidusSim-Live")
    return session


def test_unknown_symbol_is_none_with_the_reason_in_last_error() -> None:
    terminal = SimulatedTerminal(seed=1)
    connected(terminal)
    assert terminal.symbol_info_tick("BTCXYZ") is None
    assert terminal.last_error()[0] == ResultCode.RES_E_NOT_FOUND
    assert terminal.symbol_info_tick("EURUSD") is not None
    assert terminal.last_error()[0] == ResultCode.RES_S_OK


def test_session_quote_of_an_unknown_symbol_is_a_clear_error() -> None:
    session = connected(SimulatedTerminal(seed=1))
    with pytest.raises(Mt5RequestError, match=r"BTCXYZ.*Market Watch"):
        session.quote("BTCXYZ")


def test_quotes_skip_unknown_symbols_but_raise_on_a_lost_link() -> None:
    terminal = SimulatedTerminal(seed=1)
    session = connected(terminal)
    quotes = session.quotes(["EURUSD", "USDEUR", "EURGBP", "EURUSD"])
    assert set(quotes) == {"EURUSD", "EURGBP"}
    assert quotes["EURUSD"].bid < quotes["EURUSD"].ask
    terminal.shutdown()
    with pytest.raises(Mt5ConnectionError):
        session.quotes(["EURUSD"])


def test_simulated_crosses_are_consistent_with_the_usd_pairs() -> None:
    session = connected(SimulatedTerminal(seed=4))
    quotes = session.quotes(["EURUSD", "GBPUSD", "USDJPY", "EURGBP", "EURJPY", "GBPJPY"])
    eurgbp = quotes["EURUSD"].mid / quotes["GBPUSD"].mid
    assert abs(quotes["EURGBP"].mid - eurgbp) < Decimal("0.0002")
    eurjpy = quotes["EURUSD"].mid * quotes["USDJPY"].mid
    assert abs(quotes["EURJPY"].mid - eurjpy) / eurjpy < Decimal("0.0002")


class HiddenFromMarketWatch(SimulatedTerminal):
    """A terminal where GBPUSD has no tick until it is selected into Market Watch, as the real one behaves."""

    def __init__(self) -> None:
        super().__init__(seed=2)
        self.selected: list[str] = []

    def symbol_info_tick(self, symbol: str):  # type: ignore[no-untyped-def]
        if symbol == "GBPUSD" and symbol not in self.selected:
            self._fail((int(ResultCode.RES_E_NOT_FOUND), "Terminal: Symbol not selected"))
            return None
        return super().symbol_info_tick(symbol)

    def symbol_select(self, symbol: str, enable: bool = True) -> bool:
        ok = super().symbol_select(symbol, enable)
        if ok:
            self.selected.append(symbol)
        return ok


def test_a_symbol_hidden_from_market_watch_is_selected_then_quoted() -> None:
    terminal = HiddenFromMarketWatch()
    quotes = connected(terminal).quotes(["GBPUSD", "USDGBP"])
    assert set(quotes) == {"GBPUSD"}
    assert terminal.selected == ["GBPUSD"], "USDGBP does not exist, so it was not selected either"
