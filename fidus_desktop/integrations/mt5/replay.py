"""A terminal that replays a recorded JSON fixture through the :class:`~.port.Terminal` port.

Fixtures hold real-shaped data (the package's field names, server-time integers, floats) so a
bug report can be turned into a regression test: record ``_asdict()`` of the terminal's answers,
strip personal data, drop the file in ``tests/data/mt5/``. Shape::

    {"version": [500, 4410, "14 Jun 2024"], "terminal_info": {...},
     "accounts": [{"password": "...", "account_info": {...}, "positions": [...], "orders": [...],
                   "deals": [...], "history_orders": [...], "ticks": {"EURUSD": {...}}}]}
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from .enums import ResultCode
from .filters import date_seconds, group_matches
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

_OK = (int(ResultCode.RES_S_OK), "Success")
R = TypeVar("R", bound=tuple)


@dataclass(frozen=True)
class _Account:
    password: str
    info: AccountInfo
    positions: tuple[TradePosition, ...]
    orders: tuple[TradeOrder, ...]
    deals: tuple[TradeDeal, ...]
    history_orders: tuple[TradeOrder, ...]
    ticks: dict[str, Tick]
    symbols: dict[str, SymbolInfo]


def _many(record_type: type[R], rows: Iterable[dict[str, Any]]) -> tuple[R, ...]:
    return tuple(record_from_mapping(record_type, row) for row in rows)


class ReplayTerminal:
    """Serves one fixture; logins and passwords are checked like a real server would."""

    def __init__(self, fixture: dict[str, Any]) -> None:
        self._version = tuple(fixture["version"])
        self._terminal = record_from_mapping(TerminalInfo, fixture["terminal_info"])
        self._accounts: dict[int, _Account] = {}
        for raw in fixture["accounts"]:
            info = record_from_mapping(AccountInfo, raw["account_info"])
            self._accounts[info.login] = _Account(
                password=raw["password"], info=info,
                positions=_many(TradePosition, raw.get("positions", [])),
                orders=_many(TradeOrder, raw.get("orders", [])),
                deals=_many(TradeDeal, raw.get("deals", [])),
                history_orders=_many(TradeOrder, raw.get("history_orders", [])),
                ticks={s: record_from_mapping(Tick, t) for s, t in raw.get("ticks", {}).items()},
                symbols={s: record_from_mapping(SymbolInfo, i) for s, i in raw.get("symbols", {}).items()},
            )
        self._login = next(iter(self._accounts))
        self._connected = False
        self._error = _OK

    @classmethod
    def from_file(cls, path: str | Path) -> ReplayTerminal:
        try:
            return cls(json.loads(Path(path).read_text(encoding="utf-8")))
        except (KeyError, ValueError) as exc:
            raise ValueError(f"MT5 fixture {path} is not valid: {exc}") from exc

    def initialize(
        self,
        path: str | None = None,
        login: int | None = None,
        password: str | None = None,
        server: str | None = None,
        timeout: int | None = None,
        portable: bool = False,
    ) -> bool:
        self._connected = True
        self._error = _OK
        return True if login is None else self.login(login, password, server)

    def shutdown(self) -> None:
        self._connected = False

    def last_error(self) -> tuple[int, str]:
        return self._error

    def version(self) -> tuple[int, int, str] | None:
        return self._answer(lambda: self._version)

    def login(
        self, login: int, password: str | None = None, server: str | None = None, timeout: int | None = None
    ) -> bool:
        account = self._accounts.get(login)
        if not self._connected:
            self._error = (int(ResultCode.RES_E_INTERNAL_FAIL_CONNECT), "No IPC connection")
            return False
        if account is None or account.password != password or server not in (None, account.info.server):
            self._error = (int(ResultCode.RES_E_AUTH_FAILED), "Terminal: Authorization failed")
            return False
        self._login, self._error = login, _OK
        return True

    def account_info(self) -> AccountInfo | None:
        return self._answer(lambda: self._account.info)

    def terminal_info(self) -> TerminalInfo | None:
        return self._answer(lambda: self._terminal)

    def positions_get(
        self, symbol: str | None = None, group: str | None = None, ticket: int | None = None
    ) -> tuple[TradePosition, ...] | None:
        return self._answer(lambda: self._filter(self._account.positions, symbol, group, ticket))

    def orders_get(
        self, symbol: str | None = None, group: str | None = None, ticket: int | None = None
    ) -> tuple[TradeOrder, ...] | None:
        return self._answer(lambda: self._filter(self._account.orders, symbol, group, ticket))

    def history_deals_get(
        self,
        date_from: datetime | int | None = None,
        date_to: datetime | int | None = None,
        group: str | None = None,
        ticket: int | None = None,
        position: int | None = None,
    ) -> tuple[TradeDeal, ...] | None:
        return self._history(self._account.deals if self._connected else (), lambda d: d.time,
                             date_from, date_to, group, ticket, position)

    def history_orders_get(
        self,
        date_from: datetime | int | None = None,
        date_to: datetime | int | None = None,
        group: str | None = None,
        ticket: int | None = None,
        position: int | None = None,
    ) -> tuple[TradeOrder, ...] | None:
        return self._history(self._account.history_orders if self._connected else (), lambda o: o.time_setup,
                             date_from, date_to, group, ticket, position)

    def symbol_info_tick(self, symbol: str) -> Tick | None:
        if not self._connected:
            return self._answer(lambda: None)
        tick = self._account.ticks.get(symbol)
        if tick is None:
            self._error = (int(ResultCode.RES_E_NOT_FOUND), f"Terminal: Symbol {symbol} not found")
        return tick

    def symbol_info(self, symbol: str) -> SymbolInfo | None:
        """A recorded ``symbols`` entry; a fixture recorded before FIDUS read them has none (None, not found)."""
        if not self._connected:
            return self._answer(lambda: None)
        found = self._account.symbols.get(symbol)
        if found is None:
            self._error = (int(ResultCode.RES_E_NOT_FOUND), f"Terminal: Symbol {symbol} not found")
        return found

    def symbol_select(self, symbol: str, enable: bool = True) -> bool:
        """Only the recorded ticks exist; selecting another symbol fails like an unknown one."""
        if self._answer(lambda: True) is None:
            return False
        if symbol not in self._account.ticks:
            self._error = (int(ResultCode.RES_E_NOT_FOUND), f"Terminal: Symbol {symbol} not found")
            return False
        return True

    # -- internals --------------------------------------------------------------------------
    @property
    def _account(self) -> _Account:
        return self._accounts[self._login]

    def _answer(self, produce: Callable[[], Any]) -> Any:
        if not self._connected:
            self._error = (int(ResultCode.RES_E_INTERNAL_FAIL_CONNECT), "No IPC connection")
            return None
        self._error = _OK
        return produce()

    @staticmethod
    def _filter(
        rows: tuple[R, ...], symbol: str | None, group: str | None, ticket: int | None
    ) -> tuple[R, ...]:
        return tuple(
            r for r in rows
            if (symbol is None or r.symbol == symbol)  # type: ignore[attr-defined]
            and (not group or group_matches(r.symbol, group))  # type: ignore[attr-defined]
            and (ticket is None or r.ticket == ticket)  # type: ignore[attr-defined]
        )

    def _history(
        self, rows: tuple[R, ...], time_of: Callable[[R], int],
        date_from: datetime | int | None, date_to: datetime | int | None,
        group: str | None, ticket: int | None, position: int | None,
    ) -> tuple[R, ...] | None:
        if not self._connected:
            return self._answer(lambda: None)
        self._error = _OK
        if ticket is not None:
            return tuple(r for r in rows if r.ticket == ticket)  # type: ignore[attr-defined]
        if position is not None:
            return tuple(r for r in rows if r.position_id == position)  # type: ignore[attr-defined]
        if date_from is None or date_to is None or date_seconds(date_from) > date_seconds(date_to):
            self._error = (int(ResultCode.RES_E_INVALID_PARAMS), "Terminal: Invalid params")
            return ()
        low, high = date_seconds(date_from), date_seconds(date_to)
        return tuple(
            r for r in rows
            if low <= time_of(r) <= high and (not group or group_matches(r.symbol, group))  # type: ignore[attr-defined]
        )
