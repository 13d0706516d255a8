"""Qt table models of the Trading tab, each a list of records shown through a column table.

The records are small (accounts, open positions, alerts, balance deals waiting for review, the analytics
figures), so each model holds its whole list; the deals history, which can reach a million rows, uses the
lazy model of ``ui.common.lazy_table`` instead. Numbers are right-aligned; money keeps its Decimal digits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QFont

from fidus_desktop.domain.trading.analytics import Drawdown, TradeStats
from fidus_desktop.domain.trading.models import Deal, Position
from fidus_desktop.services.trading.accounts import Mt5Account
from fidus_desktop.services.trading.analytics import AccountAnalytics
from fidus_desktop.services.trading.classification import BalanceItem
from fidus_desktop.services.trading.queries import AccountFigures
from fidus_desktop.services.trading.risk import AlertRecord
from fidus_desktop.services.trading.sync import ConnectionState
from fidus_desktop.ui.common.lazy_table import RIGHT, Column
from fidus_desktop.ui.common.record_table import Index, RecordTableModel


def when(value: datetime | None) -> str:
    """A UTC instant in the workstation's local time, to the second."""
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S") if value else ""


def short_when(value: datetime | None) -> str:
    """The same instant to the minute without the year (``13 Apr 08:00``), for a narrow column; ``when`` in its
    tooltip."""
    return value.astimezone().strftime("%d %b %H:%M") if value else ""


def amount(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def commission(value: Decimal | None) -> str:
    """A position's commission; "—" while none of its deals is stored yet (unknown, which is not 0.00)."""
    return "—" if value is None else amount(value)


def quoted(price: Decimal, digits: int | None) -> str:
    """A price with the symbol's digits (``1.33900``, not ``1.339``); as stored when they are unknown."""
    return f"{price:.{digits}f}" if digits is not None else f"{price}"


def ratio(value: Decimal | None, suffix: str = "") -> str:
    return "–" if value is None else f"{value:,.2f}{suffix}"


# -- accounts ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AccountRow:
    """An account as the accounts list shows it: its mapping, live connection state and last sync."""

    account: Mt5Account
    mapped_to: str  # fund code or investor account, "" when not mapped
    state: str = ConnectionState.STOPPED.value
    detail: str = ""
    last_sync: datetime | None = None


ACCOUNT_COLUMNS: list[Column[AccountRow]] = [
    Column("Login", lambda r: str(r.account.login), align=RIGHT),
    Column("Name", lambda r: r.account.name),
    Column("Mapped to", lambda r: r.mapped_to or "not mapped"),
    Column("State", lambda r: r.state),
    Column("Last sync", lambda r: short_when(r.last_sync) or "never", tooltip=lambda r: when(r.last_sync) or None,
           value=lambda r: r.last_sync),
]


LAST_SYNC = 4  # its tooltip is the full time, the others' the connection's detail


class AccountsModel(RecordTableModel[AccountRow]):
    """Accounts with their live state; the poller's signals update one row at a time."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(ACCOUNT_COLUMNS, parent)

    def row_of(self, login: int) -> int:
        return next((i for i, r in enumerate(self._records) if r.account.login == login), -1)

    def update_row(self, login: int, **changes: Any) -> None:
        """Change one account's state, detail or last sync (no-op for an account not listed)."""
        row = self.row_of(login)
        if row < 0:
            return
        current = self._records[row]
        self._records[row] = AccountRow(**{**current.__dict__, **changes})
        self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and index.isValid() and index.column() != LAST_SYNC:
            return self._records[index.row()].detail or None  # why the connection is in its state
        return super().data(index, role)


# -- positions, deals, alerts, review queue -------------------------------------------------------------
@dataclass(frozen=True)
class PositionsTotal:
    """The total row under the open positions, one per currency; shown and exported with them."""

    count: int
    swap: Decimal
    known_commission: Decimal  # of the positions whose commission is known
    unknown_commission: int  # positions without a stored deal yet
    profit: Decimal
    currency: str

    @property
    def commission(self) -> Decimal | None:
        """None ("—") while a position's commission is unknown: a part-sum would read as the whole."""
        return None if self.unknown_commission else self.known_commission


def position_totals(positions: list[Position]) -> list[PositionsTotal]:
    """Swap, commission and profit summed per currency, in the order the currencies first appear."""
    totals: dict[str, PositionsTotal] = {}
    for p in positions:
        t = totals.get(p.currency, PositionsTotal(0, Decimal(0), Decimal(0), 0, Decimal(0), p.currency))
        totals[p.currency] = PositionsTotal(t.count + 1, t.swap + p.swap, t.known_commission + (p.commission or 0),
                                            t.unknown_commission + (p.commission is None), t.profit + p.profit,
                                            p.currency)
    return list(totals.values())


PositionRow = Position | PositionsTotal


def _open(text: Any, total: Any = "") -> Any:
    """A column of a position; ``total`` (a value or a function of the total) on the total row."""
    return lambda r: (total(r) if callable(total) else total) if isinstance(r, PositionsTotal) else text(r)


POSITION_COLUMNS: list[Column[PositionRow]] = [
    Column("Ticket", _open(lambda p: str(p.ticket), "Total"), align=RIGHT),
    Column("Opened", _open(lambda p: short_when(p.opened), lambda t: f"{t.count} open"),
           tooltip=_open(lambda p: when(p.opened), None), value=_open(lambda p: p.opened, lambda t: f"{t.count} open")),
    Column("Symbol", _open(lambda p: p.symbol)),
    Column("Side", _open(lambda p: p.side.value)),
    Column("Volume", _open(lambda p: f"{p.volume}"), align=RIGHT, value=_open(lambda p: p.volume, None)),
    Column("Open price", _open(lambda p: quoted(p.price_open, p.digits)), align=RIGHT,
           value=_open(lambda p: p.price_open, None)),
    Column("Current", _open(lambda p: quoted(p.price_current, p.digits)), align=RIGHT,
           value=_open(lambda p: p.price_current, None)),
    Column("SL", _open(lambda p: quoted(p.sl, p.digits) if p.sl else ""), align=RIGHT,
           value=_open(lambda p: p.sl or None, None)),
    Column("TP", _open(lambda p: quoted(p.tp, p.digits) if p.tp else ""), align=RIGHT,
           value=_open(lambda p: p.tp or None, None)),
    Column("Swap", lambda r: amount(r.swap), align=RIGHT, value=lambda r: r.swap),
    Column("Commission", lambda r: commission(r.commission), align=RIGHT, value=lambda r: r.commission),
    Column("Profit", lambda r: amount(r.profit), align=RIGHT, value=lambda r: r.profit),
    Column("Currency", lambda r: r.currency),
]

DEAL_COLUMNS: list[Column[Deal]] = [
    Column("Time", lambda d: when(d.time), sort_key="time", value=lambda d: d.time),
    Column("Ticket", lambda d: str(d.ticket), sort_key="ticket", align=RIGHT),
    Column("Kind", lambda d: d.kind.value),
    Column("Symbol", lambda d: d.symbol, sort_key="symbol"),
    Column("Side", lambda d: d.side.value if d.side else ""),
    Column("Entry", lambda d: d.entry.value),
    Column("Volume", lambda d: f"{d.volume}", align=RIGHT, value=lambda d: d.volume),
    Column("Price", lambda d: f"{d.price}", align=RIGHT, value=lambda d: d.price),
    Column("Profit", lambda d: amount(d.profit), align=RIGHT, value=lambda d: d.profit),
    Column("Commission", lambda d: amount(d.commission), align=RIGHT, value=lambda d: d.commission),
    Column("Swap", lambda d: amount(d.swap), align=RIGHT, value=lambda d: d.swap),
    Column("Comment", lambda d: d.comment),
]

ALERT_COLUMNS: list[Column[AlertRecord]] = [
    Column("Raised", lambda a: when(a.raised_at)),
    Column("Login", lambda a: str(a.login), align=RIGHT),
    Column("Alert", lambda a: a.message),
    Column("Status", lambda a: "active" if a.active else f"cleared {when(a.cleared_at)}"),
    Column("Acknowledged", lambda a: f"{a.acknowledged_by}, {when(a.acknowledged_at)}" if a.acknowledged_by else ""),
]

REVIEW_COLUMNS: list[Column[BalanceItem]] = [
    Column("Time", lambda b: when(b.time)),
    Column("Login", lambda b: str(b.login), align=RIGHT),
    Column("Ticket", lambda b: str(b.ticket), align=RIGHT),
    Column("Amount", lambda b: amount(b.amount), align=RIGHT),
    Column("Currency", lambda b: b.currency),
    Column("Comment", lambda b: b.comment),
]


class PositionsModel(RecordTableModel[PositionRow]):
    """Open positions and, under them, a bold total row per currency (the export includes it)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(POSITION_COLUMNS, parent)

    def set_records(self, records: Sequence[PositionRow]) -> None:
        positions = [r for r in records if isinstance(r, Position)]
        super().set_records([*positions, *position_totals(positions)])

    @property
    def records(self) -> list[Position]:  # type: ignore[override]  # the positions, without the total rows
        return [r for r in self._records if isinstance(r, Position)]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.FontRole and index.isValid() and isinstance(self._records[index.row()],
                                                                                PositionsTotal):
            font = QFont()
            font.setBold(True)
            return font
        return super().data(index, role)


def positions_model(parent: QObject | None = None) -> PositionsModel:
    return PositionsModel(parent)


def alerts_model(parent: QObject | None = None) -> RecordTableModel[AlertRecord]:
    return RecordTableModel(ALERT_COLUMNS, parent)


def review_model(parent: QObject | None = None) -> RecordTableModel[BalanceItem]:
    return RecordTableModel(REVIEW_COLUMNS, parent)


def summary_text(figures: AccountFigures | None) -> str:
    """The account summary bar: balance, equity, margin, free margin, margin level and floating P&L."""
    if figures is None:
        return "No poll of this account stored yet: balance and equity appear after the first sync."
    ccy = figures.currency
    level = "– (no margin used)" if figures.margin_level is None else f"{figures.margin_level:,.2f} %"
    return (f"<b>Balance</b> {amount(figures.balance)} {ccy} · <b>Equity</b> {amount(figures.equity)} {ccy} · "
            f"<b>Margin</b> {amount(figures.margin)} · <b>Free margin</b> {amount(figures.margin_free)} · "
            f"<b>Margin level</b> {level} · <b>Floating P&amp;L</b> {figures.profit:+,.2f} {ccy} "
            f"<span style='color:#777'>(as of {when(figures.time)})</span>")


# -- analytics --------------------------------------------------------------------------------------
Figure = tuple[str, str]


def _drawdown(value: Drawdown) -> str:
    return f"{amount(value.amount)} ({value.percent:.2f} %)"


def analytics_figures(result: AccountAnalytics, currency: str) -> list[Figure]:
    """The figures the analytics panel lists, in reading order (definitions: domain.trading.analytics)."""
    stats: TradeStats = result.stats
    money = f" {currency}"
    return [
        ("Closed trades", f"{stats.trades:,} ({stats.wins:,} won, {stats.losses:,} lost)"),
        ("Net profit", amount(stats.net_profit) + money),
        ("Gross profit", amount(stats.gross_profit) + money),
        ("Gross loss", amount(stats.gross_loss) + money),
        ("Win rate", ratio(stats.win_rate, " %")),
        ("Profit factor", ratio(stats.profit_factor)),
        ("Expectancy per trade", ratio(stats.expectancy, money)),
        ("Average win", ratio(stats.average_win, money)),
        ("Average loss", ratio(stats.average_loss, money)),
        ("Largest win", ratio(stats.largest_win, money)),
        ("Largest loss", ratio(stats.largest_loss, money)),
        ("Max balance drawdown", _drawdown(result.balance_drawdown)),
        # Equity is only known from the snapshots FIDUS stored; two are needed before a drawdown means anything.
        ("Max equity drawdown", _drawdown(result.equity_drawdown) if len(result.equity_curve) >= 2
         else "not measured yet (equity history starts with the first polls)"),
        ("Max consecutive wins", f"{stats.max_consecutive_wins:,}"),
        ("Max consecutive losses", f"{stats.max_consecutive_losses:,}"),
        ("Sharpe ratio (annualised)", ratio(result.sharpe)),
        ("True P&L", ratio(result.true_pnl.pnl, money) if result.true_pnl else "no snapshot yet"),
    ]


FIGURE_COLUMNS: list[Column[Figure]] = [Column("Figure", lambda f: f[0]),
                                         Column("Value", lambda f: f[1], align=RIGHT, tooltip=lambda f: f[1])]  # whole


def figures_model(parent: QObject | None = None) -> RecordTableModel[Figure]:
    return RecordTableModel(FIGURE_COLUMNS, parent)
