"""The real adapter over the Windows-only ``MetaTrader5`` package.

The package is imported lazily, on first use, through :func:`importlib.import_module`, so this
module imports fine on Linux and at application start-up (no I/O at import time). Results are
copied into our own record types by field name, so a newer terminal build that adds a field does
not break the mapping, while a missing field fails loudly.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from types import ModuleType
from typing import Any, TypeVar

from . import processes
from .errors import Mt5Unavailable
from .port import DateArg
from .records import (
    AccountInfo,
    SymbolInfo,
    TerminalInfo,
    Tick,
    TradeDeal,
    TradeOrder,
    TradePosition,
    record_from_mapping,
)

MODULE_NAME = "MetaTrader5"
NOT_INSTALLED = "MetaTrader5 package not installed (Windows only)"

R = TypeVar("R", bound=tuple)


def load_module() -> ModuleType:
    """Import the package or raise :class:`Mt5Unavailable` with a reason for the status bar."""
    try:
        return importlib.import_module(MODULE_NAME)
    except ImportError as exc:
        raise Mt5Unavailable(f"{NOT_INSTALLED}: {exc}") from exc


def is_available() -> tuple[bool, str]:
    """``(True, "MetaTrader5 <version>")`` or ``(False, reason)`` for ``fidus doctor``."""
    try:
        module = load_module()
    except Mt5Unavailable:
        return False, NOT_INSTALLED
    return True, f"MetaTrader5 {getattr(module, '__version__', 'unknown version')}"


def _record(record_type: type[R], raw: Any) -> R | None:
    return None if raw is None else record_from_mapping(record_type, raw._asdict())


def _records(record_type: type[R], raw: Iterable[Any] | None) -> tuple[R, ...] | None:
    return None if raw is None else tuple(record_from_mapping(record_type, r._asdict()) for r in raw)


def _given(**kwargs: Any) -> dict[str, Any]:
    """Only the arguments actually set: the C extension rejects ``None`` for typed parameters."""
    return {key: value for key, value in kwargs.items() if value is not None}


class RealTerminal:
    """:class:`~.port.Terminal` backed by the installed ``MetaTrader5`` module."""

    def __init__(self) -> None:
        self._module: ModuleType | None = None

    @property
    def mt5(self) -> ModuleType:
        if self._module is None:
            self._module = load_module()
        return self._module

    def initialize(
        self,
        path: str | None = None,
        login: int | None = None,
        password: str | None = None,
        server: str | None = None,
        timeout: int | None = None,
        portable: bool = False,
    ) -> bool:
        kwargs = _given(login=login, password=password, server=server, timeout=timeout)
        if portable:
            kwargs["portable"] = True
        args = (path,) if path else ()
        return bool(self.mt5.initialize(*args, **kwargs))

    def shutdown(self) -> None:
        if self._module is not None:
            self._module.shutdown()

    def terminal_running(self, path: str | None = None) -> bool | None:
        """From the process list, before ``initialize`` could start a terminal the user closed (a missing package
        is said first: :class:`Mt5Unavailable`)."""
        self.mt5  # noqa: B018 - imports the package or raises Mt5Unavailable
        return processes.terminal_running(path)

    def last_error(self) -> tuple[int, str]:
        code, message = self.mt5.last_error()
        return int(code), str(message)

    def version(self) -> tuple[int, int, str] | None:
        return self.mt5.version()

    def login(
        self, login: int, password: str | None = None, server: str | None = None, timeout: int | None = None
    ) -> bool:
        return bool(self.mt5.login(login, **_given(password=password, server=server, timeout=timeout)))

    def account_info(self) -> AccountInfo | None:
        return _record(AccountInfo, self.mt5.account_info())

    def terminal_info(self) -> TerminalInfo | None:
        return _record(TerminalInfo, self.mt5.terminal_info())

    def positions_get(
        self, symbol: str | None = None, group: str | None = None, ticket: int | None = None
    ) -> tuple[TradePosition, ...] | None:
        raw = self.mt5.positions_get(**_given(symbol=symbol, group=group, ticket=ticket))
        return _records(TradePosition, raw)

    def orders_get(
        self, symbol: str | None = None, group: str | None = None, ticket: int | None = None
    ) -> tuple[TradeOrder, ...] | None:
        raw = self.mt5.orders_get(**_given(symbol=symbol, group=group, ticket=ticket))
        return _records(TradeOrder, raw)

    def history_deals_get(
        self,
        date_from: DateArg | None = None,
        date_to: DateArg | None = None,
        group: str | None = None,
        ticket: int | None = None,
        position: int | None = None,
    ) -> tuple[TradeDeal, ...] | None:
        raw = self._history(self.mt5.history_deals_get, date_from, date_to, group, ticket, position)
        return _records(TradeDeal, raw)

    def history_orders_get(
        self,
        date_from: DateArg | None = None,
        date_to: DateArg | None = None,
        group: str | None = None,
        ticket: int | None = None,
        position: int | None = None,
    ) -> tuple[TradeOrder, ...] | None:
        raw = self._history(self.mt5.history_orders_get, date_from, date_to, group, ticket, position)
        return _records(TradeOrder, raw)

    def symbol_info_tick(self, symbol: str) -> Tick | None:
        return _record(Tick, self.mt5.symbol_info_tick(symbol))

    def symbol_info(self, symbol: str) -> SymbolInfo | None:
        return _record(SymbolInfo, self.mt5.symbol_info(symbol))

    def symbol_select(self, symbol: str, enable: bool = True) -> bool:
        return bool(self.mt5.symbol_select(symbol, enable))

    @staticmethod
    def _history(
        call: Any, date_from: DateArg | None, date_to: DateArg | None,
        group: str | None, ticket: int | None, position: int | None,
    ) -> Any:
        """The package's three call shapes: a date range (+group), ``ticket=`` or ``position=``."""
        if ticket is not None:
            return call(ticket=ticket)
        if position is not None:
            return call(position=position)
        if date_from is None or date_to is None:
            raise ValueError("history queries need date_from and date_to, or ticket=, or position=.")
        return call(date_from, date_to, **_given(group=group))
