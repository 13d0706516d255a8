"""Trading entities as the rest of FIDUS sees them: Decimal money, UTC datetimes, named kinds.

They are built once from the terminal's raw records by the MT5 session; nothing downstream ever
handles the terminal's floats or server-time integers. A deal's natural key is ``(login, ticket)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum


class DealKind(Enum):
    """What a deal does to the account, grouping MT5's 18 deal types by meaning."""

    TRADE = "trade"
    BALANCE = "balance"  # deposits, withdrawals, transfers, rebates: classify by comment
    CREDIT = "credit"
    CHARGE = "charge"
    CORRECTION = "correction"
    BONUS = "bonus"
    COMMISSION = "commission"
    INTEREST = "interest"
    CANCELED = "canceled"
    DIVIDEND = "dividend"
    TAX = "tax"
    OTHER = "other"  # a deal type this FIDUS does not know (a newer server); its raw number is kept in raw_type


class Side(Enum):
    BUY = "buy"
    SELL = "sell"

    @property
    def sign(self) -> int:
        return 1 if self is Side.BUY else -1


class Entry(Enum):
    IN = "in"
    OUT = "out"
    INOUT = "inout"
    OUT_BY = "out_by"


@dataclass(frozen=True, slots=True)
class Deal:
    login: int
    ticket: int
    order: int
    time: datetime
    kind: DealKind
    side: Side | None
    entry: Entry
    position_id: int
    symbol: str
    volume: Decimal
    price: Decimal
    profit: Decimal
    commission: Decimal
    swap: Decimal
    fee: Decimal
    currency: str
    comment: str
    magic: int = 0
    reason: int = 0
    external_id: str = ""
    raw_type: int | None = None  # the terminal's DEAL_TYPE number, kept only for kind OTHER

    @property
    def net(self) -> Decimal:
        """What the deal added to the balance: profit + commission + swap + fee."""
        return self.profit + self.commission + self.swap + self.fee

    @property
    def is_closing(self) -> bool:
        return self.kind is DealKind.TRADE and self.entry is not Entry.IN


@dataclass(frozen=True, slots=True)
class Position:
    login: int
    ticket: int
    identifier: int
    opened: datetime
    updated: datetime
    side: Side
    symbol: str
    volume: Decimal
    price_open: Decimal
    price_current: Decimal
    sl: Decimal
    tp: Decimal
    swap: Decimal
    profit: Decimal
    currency: str
    magic: int = 0
    comment: str = ""
    digits: int | None = None  # decimals the symbol is quoted with (None: the terminal did not say)
    # MT5 reports no commission on a position, only on its deals: the sum of the stored deals' commissions with
    # this position id, filled in by ``DealQueryService.open_positions``; None: no deal of it stored yet (never 0).
    commission: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Quote:
    symbol: str
    time: datetime
    bid: Decimal
    ask: Decimal

    @property
    def mid(self) -> Decimal:
        return (self.bid + self.ask) / 2


@dataclass(frozen=True, slots=True)
class EquityPoint:
    """One observation of an account, as the poller stores it every cycle."""

    time: datetime
    balance: Decimal
    equity: Decimal


@dataclass(frozen=True, slots=True)
class AccountSnapshot:
    login: int
    server: str
    name: str
    company: str
    currency: str
    leverage: int
    balance: Decimal
    credit: Decimal
    profit: Decimal
    equity: Decimal
    margin: Decimal
    margin_free: Decimal
    margin_level: Decimal | None  # percent; None when no margin is used
    trade_allowed: bool
    time: datetime

    def point(self) -> EquityPoint:
        return EquityPoint(self.time, self.balance, self.equity)
