"""The investor window's Holdings and Transactions pages: what they hold per class and their own returns.

One service call (``statements.investor_overview``, in the worker) gives the statement since the first
investment and the investor's time- and money-weighted returns, so these pages and the PDF statement show the
same figures. Both tables export like every other.
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHeaderView, QTableView, QVBoxLayout, QWidget

from fidus_desktop.reports import formatting as fmt
from fidus_desktop.services.statements import HoldingLine, InvestorOverview, Reconciliation, TransactionLine
from fidus_desktop.ui.common.labels import WrappingLabel
from fidus_desktop.ui.common.lazy_table import RIGHT, Column
from fidus_desktop.ui.common.record_table import RecordTableModel
from fidus_desktop.ui.common.table_export import TableExport
from fidus_desktop.ui.compliance.investigate_action import add_open_investigation
from fidus_desktop.ui.errors import describe_error
from fidus_desktop.ui.session import UiSession

TRANSACTION_COLUMNS: list[Column[TransactionLine]] = [
    Column("Dealing date", lambda t: fmt.day(t.dealing_date), value=lambda t: t.dealing_date),
    Column("Reference", lambda t: t.ref),
    Column("Kind", lambda t: t.kind.replace("_", " ")),
    Column("Status", lambda t: t.status),
    Column("Class", lambda t: t.class_code),
    Column("Units", lambda t: fmt.units(t.units), align=RIGHT, value=lambda t: t.units),
    Column("NAV", lambda t: fmt.nav(t.nav_per_unit), align=RIGHT, value=lambda t: t.nav_per_unit),
    Column("Gross", lambda t: fmt.amount(t.gross, t.currency), align=RIGHT, value=lambda t: t.gross),
    Column("Fee", lambda t: fmt.amount(t.fee, t.currency), align=RIGHT, value=lambda t: t.fee),
    Column("Net", lambda t: fmt.amount(t.net, t.currency), align=RIGHT, value=lambda t: t.net),
    Column("Ccy", lambda t: t.currency),
]


def holding_columns(total: Decimal, gains: dict[str, Reconciliation]) -> list[Column[HoldingLine]]:
    """Units, NAV, value and gain in the class currency; weight of the investor's total (statement currency)."""
    def weight(h: HoldingLine) -> float | None:
        return float(h.statement_value / total) if total else None

    def gain(h: HoldingLine) -> Decimal | None:
        line = gains.get(h.class_code)
        return line.gain_loss if line else None

    return [
        Column("Fund", lambda h: h.fund_name),
        Column("Class", lambda h: h.class_code),
        Column("Units", lambda h: fmt.units(h.units), align=RIGHT, value=lambda h: h.units),
        Column("NAV", lambda h: fmt.nav(h.nav_per_unit), align=RIGHT, value=lambda h: h.nav_per_unit),
        Column("NAV date", lambda h: fmt.day(h.nav_date), value=lambda h: h.nav_date),
        Column("Value", lambda h: fmt.amount(h.value, h.class_currency), align=RIGHT, value=lambda h: h.value),
        Column("Ccy", lambda h: h.class_currency),
        Column("Weight", lambda h: fmt.percent(weight(h), signed=False), align=RIGHT, value=weight),
        Column("Gain since first investment", lambda h: fmt.amount(gain(h), h.class_currency), align=RIGHT,
               value=gain),
    ]


def _view(name: str) -> QTableView:
    view = QTableView(objectName=name)
    view.setAlternatingRowColors(True)
    view.verticalHeader().hide()
    view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    return view


class InvestorPositionPages:
    """Builds the Holdings and Transactions pages over one load of ``investor_overview``."""

    def __init__(self, session: UiSession, investor_id: str, owner: QWidget) -> None:
        self.session, self.investor_id, self.owner = session, investor_id, owner
        self.overview: InvestorOverview | None = None
        self.summary = WrappingLabel(objectName="positionSummary")
        self.holdings = RecordTableModel[HoldingLine]([], owner)
        self.holdings_view = _view("holdingsTable")
        self.holdings_view.setModel(self.holdings)
        self.transactions = RecordTableModel[TransactionLine](TRANSACTION_COLUMNS, owner)
        self.transactions_view = _view("investorTransactions")
        self.transactions_view.setModel(self.transactions)
        runner = session.runner
        self.exports = {"holdings": TableExport(self.holdings_view, "Holdings", runner),
                        "transactions": TableExport(self.transactions_view, "Investor transactions", runner)}
        self.investigate = add_open_investigation(session, self.transactions_view, self.selected_transaction_ref,
                                                  owner)
        self.holdings_page = self._page(self.summary, self.holdings_view, self.exports["holdings"])
        self.transactions_page = self._page(None, self.transactions_view, self.exports["transactions"])

    def selected_transaction_ref(self) -> str | None:
        rows = self.transactions_view.selectionModel().selectedRows()
        return self.transactions.record(rows[0].row()).ref if rows else None

    @staticmethod
    def _page(top: QWidget | None, view: QTableView, export: TableExport) -> QWidget:
        page = QWidget()
        column = QVBoxLayout(page)
        if top is not None:
            column.addWidget(top)
        column.addWidget(view, 1)
        column.addWidget(export.button, 0, Qt.AlignmentFlag.AlignRight)
        return page

    def load(self) -> None:
        statements, actor, investor_id = self.session.services.statements, self.session.actor, self.investor_id
        self.summary.setText("Loading…")
        self.session.runner.submit(lambda: statements.investor_overview(actor, investor_id), owner=self.owner,
                                   key="position", on_done=self.show,
                                   on_error=lambda exc: self.summary.setText(describe_error(exc)))

    def show(self, overview: InvestorOverview) -> None:
        self.overview = overview
        statement = overview.statement
        if statement is None:
            self.summary.setText("No units held yet: their subscriptions appear here once settled.")
            self.holdings.set_records([])
            self.transactions.set_records([])
            return
        gains = {line.label: line for line in statement.reconciliation}
        self.holdings.columns = holding_columns(statement.closing_value, gains)
        self.holdings.set_records(statement.holdings)
        self.transactions.set_records(statement.transactions)
        total = gains.get("Total")
        mwr = "p.a." if overview.money_weighted_annualised else "for the period, under a year: not annualised"
        held = "" if statement.holdings else "No units held now (everything was redeemed). "
        self.summary.setText(
            held + f"Value {fmt.amount(statement.closing_value, statement.currency)} {statement.currency} on "
            f"{fmt.day(statement.valuation_date)} · gain since {fmt.day(statement.period.start)} "
            f"{fmt.amount(total.gain_loss if total else None, statement.currency)} {statement.currency} · "
            f"time-weighted return {fmt.percent(overview.time_weighted)} · money-weighted return "
            f"{fmt.percent(overview.money_weighted)} {mwr}")
