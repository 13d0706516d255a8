"""The selected account's risk: exposure by symbol and by currency, margin level and drawdown from the equity peak
against the account's alert limits.

Every figure comes from ``RiskService`` (``exposure`` and ``levels``), which reads what the last poll stored, so
the panel never waits on the terminal. It loads in the worker when the account changes and when a poll arrives
(a poll while a load runs is kept and loaded after it; while the panel is hidden it reloads when next shown). A
currency without a conversion quote keeps its amount and says "not convertible: no GBPUSD quote"; positions that
could not be valued are named under the symbol table with their reason, and the total then reads "of valued
positions".
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fidus_desktop.domain.trading.alerts import AlertThresholds
from fidus_desktop.domain.trading.exposure import CurrencyExposure, Exposure, SymbolExposure, n_positions
from fidus_desktop.services.trading.accounts import Mt5Account
from fidus_desktop.services.trading.risk import AccountExposure, RiskLevels
from fidus_desktop.ui.common.lazy_table import RIGHT, Column
from fidus_desktop.ui.common.record_table import Index, RecordTableModel
from fidus_desktop.ui.common.refreshing_panel import RefreshingPanel
from fidus_desktop.ui.common.table_export import TableExport
from fidus_desktop.ui.session import UiSession
from fidus_desktop.ui.trading.models import amount, ratio, when

NEGATIVE = QColor(178, 34, 34)


@dataclass(frozen=True)
class AccountRisk:
    """What one load read for one account."""

    login: int
    exposure: AccountExposure
    levels: RiskLevels | None  # None: no poll stored yet


def _side(row: SymbolExposure) -> str:
    if row.long_volume and row.short_volume:
        return "long and short"
    return "long" if row.long_volume else "short"


SYMBOL_COLUMNS: list[Column[SymbolExposure]] = [
    Column("Symbol", lambda s: s.symbol),
    Column("Side", _side),
    Column("Long lots", lambda s: f"{s.long_volume}", align=RIGHT),
    Column("Short lots", lambda s: f"{s.short_volume}", align=RIGHT),
    Column("Net notional", lambda s: amount(s.notional), align=RIGHT),
    Column("Gross notional", lambda s: amount(s.gross_notional), align=RIGHT),
]

CURRENCY_COLUMNS: list[Column[CurrencyExposure]] = [
    Column("Currency", lambda c: c.currency),
    Column("Net amount", lambda c: amount(c.amount), align=RIGHT),
    Column("In account currency", lambda c: c.problem or amount(c.in_account_currency), align=RIGHT),
]


class SignedTableModel(RecordTableModel[Any]):
    """A record table whose negative amounts are drawn in red, so a short leg stands out."""

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole and index.isValid():
            return NEGATIVE if str(super().data(index)).startswith("-") else None
        return super().data(index, role)


def _limit(value: Decimal | None, text: str) -> str:
    return "no alert limit" if value is None else text


def levels_text(levels: RiskLevels | None, thresholds: AlertThresholds, currency: str) -> str:
    """Margin level and drawdown from peak with the limits that raise an alert, or why there is nothing yet."""
    if levels is None:
        return "Not synced yet: no poll has been stored for this account."
    margin = ("no margin in use" if levels.margin_level is None else ratio(levels.margin_level, " %"))
    margin_limit = thresholds.margin_level_below
    drawdown_limit = thresholds.drawdown_above
    return (
        f"Margin level <b>{margin}</b> ({_limit(margin_limit, f'alert below {margin_limit} %')})<br>"
        f"Drawdown from peak <b>{ratio(levels.drawdown_percent, ' %')}</b> "
        f"(peak {amount(levels.equity_peak)} {currency}, equity {amount(levels.equity)} {currency}; "
        f"{_limit(drawdown_limit, f'alert above {drawdown_limit} %')})<br>"
        f"As of the snapshot stored at {when(levels.as_of)}"
    )


def exposure_text(risk: AccountRisk, thresholds: AlertThresholds, currency: str) -> str:
    """The line above the symbol table: the currency notionals are in, their total, the per-symbol limit, or why it
    is empty. The total says "of valued positions" when some are left out (``unvalued_text``)."""
    exposure = risk.exposure
    if not exposure.by_symbol and not exposure.unvalued:
        return "No open positions." if risk.levels else "Not synced yet: no positions stored for this account."
    if not exposure.by_symbol:
        return "No open position could be valued."
    scope = " of valued positions" if exposure.unvalued else ""
    limit = thresholds.symbol_exposure_above
    return (f"Notional in {currency}, at the last poll's prices · gross {amount(exposure.gross_notional)} "
            f"{currency}{scope} · {_limit(limit, f'alert when one symbol is above {amount(limit)} {currency}')}")


def unvalued_text(exposure: Exposure) -> str:
    """The warning under the symbol table: each symbol whose positions could not be valued, and why; "" if none."""
    if not exposure.unvalued:
        return ""
    lines = [f"{html.escape(u.symbol)} ({n_positions(u.positions)}): {html.escape(u.reason)}"
             for u in exposure.unvalued.values()]
    return (f"<b>Not valued: {n_positions(exposure.unvalued_positions)}</b>, left out of the notionals, the total "
            f"and the exposure limits<br>" + "<br>".join(lines))


def _table(name: str, model: RecordTableModel[Any]) -> QTableView:
    view = QTableView(objectName=name)
    view.setModel(model)
    view.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    view.verticalHeader().hide()
    view.setAlternatingRowColors(True)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)  # figures stay together
    return view


def _caption(text: str, export: TableExport) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addWidget(QLabel(text))
    row.addStretch()
    row.addWidget(export.button)
    return row


class ExposurePanel(RefreshingPanel):
    """Risk of the account given to ``show_account``; ``data_arrived()`` after each poll of that account."""

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        self.setObjectName("exposurePanel")
        self.account: Mt5Account | None = None
        self.levels = QLabel(objectName="riskLevels", wordWrap=True)
        self.exposure_note = QLabel(objectName="exposureNote", wordWrap=True)
        self.unvalued_note = QLabel(objectName="exposureUnvalued", wordWrap=True)
        self.unvalued_note.setStyleSheet("color: #8a5a00;")  # the warning colour of the mapping dialog
        self.symbols = SignedTableModel(SYMBOL_COLUMNS, self)
        self.currencies = SignedTableModel(CURRENCY_COLUMNS, self)
        self.symbols_view = _table("exposureSymbolsTable", self.symbols)
        self.currencies_view = _table("exposureCurrenciesTable", self.currencies)
        symbols_box = QWidget()
        symbols_layout = QVBoxLayout(symbols_box)
        symbols_layout.setContentsMargins(0, 0, 0, 0)
        self.exports = {name: TableExport(view, title, session.runner) for name, view, title in (
            ("symbols", self.symbols_view, "Exposure by symbol"),
            ("currencies", self.currencies_view, "Exposure by currency"))}
        symbols_layout.addLayout(_caption("<b>Exposure by symbol</b>", self.exports["symbols"]))
        symbols_layout.addWidget(self.exposure_note)
        symbols_layout.addWidget(self.symbols_view)
        symbols_layout.addWidget(self.unvalued_note)
        currencies_box = QWidget()
        currencies_layout = QVBoxLayout(currencies_box)
        currencies_layout.setContentsMargins(0, 0, 0, 0)
        currencies_layout.addLayout(_caption("<b>Exposure by currency</b> (FX and metals by leg; CFDs have none)",
                                             self.exports["currencies"]))
        currencies_layout.addWidget(self.currencies_view)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(symbols_box)
        split.addWidget(currencies_box)
        layout = QVBoxLayout(self)
        layout.addWidget(self.levels)
        layout.addWidget(split)
        self._show_empty("Select an account to see its exposure.")

    def show_account(self, account: Mt5Account | None) -> None:
        """Switch to ``account`` (None: nothing selected) and load its risk."""
        self.account = account
        self._show_empty("Select an account to see its exposure." if account is None else "Loading…")
        if account is not None:
            self.refresh()


    def refresh(self) -> None:
        """Read exposure and levels in the worker; a request while one runs is kept and run after it."""
        if self.account is None:
            return
        risk, actor, login = self.session.services.trading.risk, self.session.actor, self.account.login
        self.load(lambda: AccountRisk(login, risk.exposure(actor, login), risk.levels(actor, login)), self._loaded)

    def _loaded(self, result: AccountRisk) -> None:
        account = self.account
        if account is not None and account.login == result.login:  # else the user moved on while it loaded
            thresholds, currency = account.thresholds, result.exposure.currency or account.currency
            self.levels.setText(levels_text(result.levels, thresholds, currency))
            self.exposure_note.setText(exposure_text(result, thresholds, currency))
            self._show_unvalued(unvalued_text(result.exposure))
            self.symbols.set_records(list(result.exposure.by_symbol.values()))
            self.currencies.set_records(list(result.exposure.by_currency.values()))
        self.finished()

    def _show_unvalued(self, text: str) -> None:
        self.unvalued_note.setText(text)
        self.unvalued_note.setVisible(bool(text))

    def _show_empty(self, text: str) -> None:
        self.levels.setText(text)
        self.exposure_note.setText("")
        self._show_unvalued("")
        self.symbols.set_records([])
        self.currencies.set_records([])

