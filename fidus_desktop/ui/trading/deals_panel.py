"""The deals history of one account: a filter bar (symbol, date range) over a lazily paged table.

A busy account holds a million deals, so nothing loads them all: the shared ``LazyTableModel`` counts the
matches and pages through ``DealQueryService.page_deals`` in the worker as the view scrolls, each page seeking
from the last loaded deal (keyset paging), so the millionth deal comes as fast as the first. Changing the
symbol, the dates or the sort column re-queries the service from the first page.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from PySide6.QtCore import QDate, QObject
from PySide6.QtWidgets import QComboBox, QDateEdit, QHBoxLayout, QLabel, QTableView, QVBoxLayout, QWidget

from fidus_desktop.domain.trading.models import Deal
from fidus_desktop.services.trading.accounts import Mt5Account
from fidus_desktop.services.trading.queries import DealFilter
from fidus_desktop.ui.common.lazy_table import LazyTableModel, SortSpec
from fidus_desktop.ui.common.locale_text import date_pattern
from fidus_desktop.ui.common.table_export import TableExport
from fidus_desktop.ui.errors import show_error
from fidus_desktop.ui.session import UiSession
from fidus_desktop.ui.trading.models import DEAL_COLUMNS

ALL_SYMBOLS = "All symbols"


def deals_model(session: UiSession, parent: QObject | None = None) -> LazyTableModel[Deal]:
    """The lazy deals model over ``DealQueryService`` (no account chosen: no rows, no query)."""
    queries, actor = session.services.trading.queries, session.actor

    def count(query: DealFilter | None) -> int:
        return queries.count_deals(actor, query) if query is not None else 0

    def fetch(query: DealFilter | None, sort: SortSpec | None, offset: int, limit: int, after: Deal | None
              ) -> list[Deal]:
        return queries.page_deals(actor, query, sort, offset, limit, after) if query is not None else []

    return LazyTableModel(DEAL_COLUMNS, count=count, fetch=fetch, runner=session.runner, parent=parent)


PERIODS = ["All history", "Today", "This week", "This month", "Last 3 months", "Custom"]


def period_range(period: str, today: date) -> tuple[date, date] | None:
    """[start, end) of a history preset as days (None: all history; "Custom" is the date editors' business)."""
    tomorrow = today + timedelta(days=1)
    starts = {"Today": today, "This week": today - timedelta(days=today.weekday()), "This month": today.replace(day=1),
              "Last 3 months": today - timedelta(days=91)}
    return (starts[period], tomorrow) if period in starts else None


def _date_edit(name: str, day: date) -> QDateEdit:
    edit = QDateEdit(objectName=name, calendarPopup=True, displayFormat=date_pattern())  # the user's locale
    edit.setDate(QDate(day.year, day.month, day.day))
    return edit


def _utc(day: QDate) -> datetime:
    return datetime.combine(day.toPython(), time(), tzinfo=UTC)


class DealsPanel(QWidget):
    """Filter bar + deals table for the account chosen in the accounts list."""

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.account: Mt5Account | None = None
        self.session = session
        self.data_day: date | None = None
        self.model = deals_model(session, self)
        self.symbol = QComboBox(objectName="dealsSymbol")
        self.symbol.addItem(ALL_SYMBOLS)
        self.period = QComboBox(objectName="dealsPeriod")
        self.period.addItems(PERIODS)  # "All history" first: a period with data, whatever the account's age
        today = session.now().date()  # UTC days, as MT5 times are
        self.start, self.end = _date_edit("dealsFrom", today), _date_edit("dealsTo", today + timedelta(days=1))
        self.count = QLabel(objectName="dealsCount")
        self.table = QTableView(objectName="dealsTable")
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setAlternatingRowColors(True)
        self.table.horizontalHeader().setStretchLastSection(True)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Symbol"))
        bar.addWidget(self.symbol)
        bar.addWidget(QLabel("Period"))
        bar.addWidget(self.period)
        bar.addWidget(QLabel("From"))
        bar.addWidget(self.start)
        bar.addWidget(QLabel("to (excl.)"))
        bar.addWidget(self.end)
        bar.addStretch()
        bar.addWidget(self.count)
        self.export = TableExport(self.table, "Deals", session.runner)
        bar.addWidget(self.export.button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table)
        self.model.loaded.connect(lambda total: self.count.setText(f"{total:,} deals"))
        self.model.loaded.connect(lambda _: self.table.resizeColumnsToContents())  # the first page's widths
        self.table.setWordWrap(False)
        self.model.failed.connect(lambda exc: show_error(exc, self))
        self.symbol.currentIndexChanged.connect(self.requery)
        self.period.currentIndexChanged.connect(self._period_chosen)
        self.start.dateChanged.connect(self.requery)
        self.end.dateChanged.connect(self.requery)
        self._show_dates()

    def show_account(self, account: Mt5Account | None, data_day: date | None = None) -> None:
        """``data_day``: the account's last synced day, where the presets end (today for a live account; the
        simulator's day for the demo), so "Today" or "This week" show deals, not an empty period."""
        self.account, self.data_day = account, data_day
        if self.period.currentText() not in (PERIODS[0], "Custom"):
            self._period_chosen()
            return
        self.requery()

    def set_symbols(self, symbols: list[str]) -> None:
        """Offer the account's traded symbols; keeps the current choice (no requery when it stays)."""
        current = self.symbol.currentText()
        self.symbol.blockSignals(True)
        self.symbol.clear()
        self.symbol.addItems([ALL_SYMBOLS, *symbols])
        self.symbol.setCurrentText(current if current in symbols else ALL_SYMBOLS)
        self.symbol.blockSignals(False)
        if self.symbol.currentText() != current:
            self.requery()

    def current_filter(self) -> DealFilter | None:
        if self.account is None:
            return None
        symbol = self.symbol.currentText()
        dated = self.period.currentText() != PERIODS[0]
        return DealFilter(
            login=self.account.login, symbol=None if symbol == ALL_SYMBOLS else symbol,
            start=_utc(self.start.date()) if dated else None, end=_utc(self.end.date()) if dated else None,
        )

    def _period_chosen(self) -> None:
        """A preset fills the date editors (UTC days, as MT5 times are); Custom leaves them to the user."""
        days = period_range(self.period.currentText(), self.data_day or self.session.now().date())
        if days is not None:
            for edit, day in zip((self.start, self.end), days, strict=True):
                edit.blockSignals(True)
                edit.setDate(QDate(day.year, day.month, day.day))
                edit.blockSignals(False)
        self.requery()

    def requery(self) -> None:
        self._show_dates()
        self.model.set_filter(self.current_filter())

    def _show_dates(self) -> None:
        custom = self.period.currentText() == "Custom"
        self.start.setEnabled(custom)
        self.end.setEnabled(custom)
