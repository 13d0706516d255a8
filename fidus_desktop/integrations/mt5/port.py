"""The ``Terminal`` port: the subset of the ``MetaTrader5`` package API FIDUS uses.

It mirrors the package's module-level functions one to one (same names, same keyword arguments,
same ``None``-plus-``last_error()`` failure style) so the real adapter is a thin pass-through and
the simulator and replay terminal can be swapped in anywhere. Dates may be ``datetime`` objects or
integer seconds, as in the package; :class:`~.session.Mt5Session` always passes integer seconds of
server time to avoid the package's local-time interpretation of naive datetimes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, runtime_checkable

from .records import AccountInfo, SymbolInfo, TerminalInfo, Tick, TradeDeal, TradeOrder, TradePosition

DateArg = datetime | int


@runtime_checkable
class Terminal(Protocol):
    def initialize(
        self,
        path: str | None = None,
        login: int | None = None,
        password: str | None = None,
        server: str | None = None,
        timeout: int | None = None,
        portable: bool = False,
    ) -> bool: ...

    def shutdown(self) -> None: ...

    def last_error(self) -> tuple[int, str]: ...

    def version(self) -> tuple[int, int, str] | None: ...

    def login(
        self, login: int, password: str | None = None, server: str | None = None, timeout: int | None = None
    ) -> bool: ...

    def account_info(self) -> AccountInfo | None: ...

    def terminal_info(self) -> TerminalInfo | None: ...

    def positions_get(
        self, symbol: str | None = None, group: str | None = None, ticket: int | None = None
    ) -> tuple[TradePosition, ...] | None: ...

    def orders_get(
        self, symbol: str | None = None, group: str | None = None, ticket: int | None = None
    ) -> tuple[TradeOrder, ...] | None: ...

    def history_deals_get(
        self,
        date_from: DateArg | None = None,
        date_to: DateArg | None = None,
        group: str | None = None,
        ticket: int | None = None,
        position: int | None = None,
    ) -> tuple[TradeDeal, ...] | None: ...

    def history_orders_get(
        self,
        date_from: DateArg | None = None,
        date_to: DateArg | None = None,
        group: str | None = None,
        ticket: int | None = None,
        position: int | None = None,
    ) -> tuple[TradeOrder, ...] | None: ...

    def symbol_info_tick(self, symbol: str) -> Tick | None: ...

    def symbol_info(self, symbol: str) -> SymbolInfo | None: ...

    def symbol_select(self, symbol: str, enable: bool = True) -> bool: ...
