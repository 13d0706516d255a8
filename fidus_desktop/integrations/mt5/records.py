"""Named tuples shaped exactly like the ``MetaTrader5`` package's results.

Same field names, same order, same raw types (floats for money, integer seconds in the trade
server's wall-clock time for ``time`` fields), so the simulator, the replay terminal and the real
adapter are interchangeable behind the port. Conversion to Decimal and UTC happens once, in
:mod:`fidus_desktop.integrations.mt5.session`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple, TypeVar


class AccountInfo(NamedTuple):
    login: int
    trade_mode: int
    leverage: int
    limit_orders: int
    margin_so_mode: int
    trade_allowed: bool
    trade_expert: bool
    margin_mode: int
    currency_digits: int
    fifo_close: bool
    balance: float
    credit: float
    profit: float
    equity: float
    margin: float
    margin_free: float
    margin_level: float
    margin_so_call: float
    margin_so_so: float
    margin_initial: float
    margin_maintenance: float
    assets: float
    liabilities: float
    commission_blocked: float
    name: str
    server: str
    currency: str
    company: str


class TerminalInfo(NamedTuple):
    community_account: bool
    community_connection: bool
    connected: bool
    dlls_allowed: bool
    trade_allowed: bool
    tradeapi_disabled: bool
    email_enabled: bool
    ftp_enabled: bool
    notifications_enabled: bool
    mqid: bool
    build: int
    maxbars: int
    codepage: int
    ping_last: int
    community_balance: float
    retransmission: float
    company: str
    name: str
    language: str
    path: str
    data_path: str
    commondata_path: str


class TradePosition(NamedTuple):
    ticket: int
    time: int
    time_msc: int
    time_update: int
    time_update_msc: int
    type: int
    magic: int
    identifier: int
    reason: int
    volume: float
    price_open: float
    sl: float
    tp: float
    price_current: float
    swap: float
    profit: float
    symbol: str
    comment: str
    external_id: str


class TradeOrder(NamedTuple):
    ticket: int
    time_setup: int
    time_setup_msc: int
    time_done: int
    time_done_msc: int
    time_expiration: int
    type: int
    type_time: int
    type_filling: int
    state: int
    magic: int
    position_id: int
    position_by_id: int
    reason: int
    volume_initial: float
    volume_current: float
    price_open: float
    sl: float
    tp: float
    price_current: float
    price_stoplimit: float
    symbol: str
    comment: str
    external_id: str


class TradeDeal(NamedTuple):
    ticket: int
    order: int
    time: int
    time_msc: int
    type: int
    entry: int
    magic: int
    position_id: int
    reason: int
    volume: float
    price: float
    commission: float
    swap: float
    profit: float
    fee: float
    symbol: str
    comment: str
    external_id: str


class SymbolInfo(NamedTuple):
    """The part of ``symbol_info`` FIDUS uses: how many decimals the symbol's prices are quoted with."""

    name: str
    digits: int


class Tick(NamedTuple):
    time: int
    bid: float
    ask: float
    last: float
    volume: int
    time_msc: int
    flags: int
    volume_real: float


R = TypeVar("R", bound=tuple)


def record_from_mapping(record_type: type[R], data: Mapping[str, Any]) -> R:
    """Build ``record_type`` from a mapping, ignoring extra keys a newer terminal build may add.

    A missing field is an error naming the field, because a silently defaulted money field would
    corrupt every figure computed from it.
    """
    fields: tuple[str, ...] = record_type._fields  # type: ignore[attr-defined]
    missing = [name for name in fields if name not in data]
    if missing:
        raise ValueError(f"{record_type.__name__} is missing field(s) {', '.join(missing)}.")
    return record_type(*(data[name] for name in fields))
