"""The back office's reconciliation of MT5 balance deals against the funds' cash ledgers, for a chosen period.

Four lists across every fund with mapped accounts: deals paired with a recorded flow, deals nobody recorded,
recorded flows no account shows, and balance deals still unclassified. Accounts or funds that cannot be
reconciled (no cash ledger, mapped to an investor account, not mapped) are named in the summary with the
reason. A selected mismatch can be marked explained with a note (audited; it stays listed with the note).
The work runs in the worker through ``ReconciliationService`` (which checks ``mt5.reconcile``); the Trading
tab refreshes the panel after each sync, and it reloads when balance deals are classified or dealing settles.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import QDate, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from fidus_desktop.services.changes import (
    EVERYTHING,
    MT5_ACCOUNTS,
    MT5_BALANCE_CLASSES,
    MT5_SYNC,
    PORTFOLIO,
    TRANSACTION,
)
from fidus_desktop.services.trading.reconciliation import Mismatch, MismatchKind, Reconciliation, reconciliation_state
from fidus_desktop.ui.common.buttons import enable
from fidus_desktop.ui.common.lazy_table import RIGHT, Column
from fidus_desktop.ui.common.locale_text import date_pattern
from fidus_desktop.ui.common.record_table import RecordTableModel
from fidus_desktop.ui.common.refreshing_panel import RefreshingPanel
from fidus_desktop.ui.common.table_export import TableExport
from fidus_desktop.ui.session import UiSession
from fidus_desktop.ui.trading.models import amount

DEFAULT_DAYS = 30
# Topics of ``data_changed`` after which the lists may differ (classification, mapping, settled dealing).
RELOAD_TOPICS = frozenset({MT5_BALANCE_CLASSES, MT5_ACCOUNTS, MT5_SYNC, TRANSACTION, PORTFOLIO, EVERYTHING})
Labelled = tuple[str, Any]  # (fund code, Match or Mismatch)

MATCH_COLUMNS: list[Column[Labelled]] = [
    Column("Fund", lambda r: r[0]),
    Column("Login", lambda r: str(r[1].login), align=RIGHT),
    Column("Ticket", lambda r: str(r[1].ticket), align=RIGHT),
    Column("Deal day", lambda r: r[1].deal_day.isoformat()),
    Column("Booked", lambda r: r[1].booked.isoformat()),
    Column("Amount", lambda r: amount(r[1].amount), align=RIGHT),
    Column("Currency", lambda r: r[1].currency),
    Column("Recorded flow", lambda r: r[1].description),
]

MISMATCH_COLUMNS: list[Column[Labelled]] = [
    Column("Fund", lambda r: r[0]),
    Column("Day", lambda r: r[1].day.isoformat()),
    Column("Login", lambda r: "" if r[1].login is None else str(r[1].login), align=RIGHT),
    Column("Ticket", lambda r: "" if r[1].ticket is None else str(r[1].ticket), align=RIGHT),
    Column("Amount", lambda r: amount(r[1].amount), align=RIGHT),
    Column("Currency", lambda r: r[1].currency),
    Column("Explained", lambda r: f"{r[1].explained_by}: {r[1].note}" if r[1].note else ""),
    Column("What to check", lambda r: r[1].detail),
]

# (tab title, object name, which mismatches) — the matched list comes first and is built separately.
MISMATCH_LISTS = (
    ("Deals not recorded", "unrecordedDealsTable", MismatchKind.DEAL_NOT_RECORDED),
    ("Flows not in MT5", "missingFlowsTable", MismatchKind.FLOW_NOT_IN_MT5),
    ("Unclassified", "unclassifiedTable", MismatchKind.NEEDS_CLASSIFICATION),
)


def _day_edit(name: str, day: date) -> QDateEdit:
    edit = QDateEdit(objectName=name, calendarPopup=True, displayFormat=date_pattern())  # the user's locale
    edit.setDate(QDate(day.year, day.month, day.day))
    return edit


def _table(name: str, model: RecordTableModel[Labelled]) -> QTableView:
    view = QTableView(objectName=name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.verticalHeader().hide()
    view.setAlternatingRowColors(True)
    view.horizontalHeader().setStretchLastSection(True)
    return view


def summary_lines(results: list[tuple[str, Reconciliation]]) -> list[str]:
    """One line per fund or account: counts, or why it could not be reconciled."""
    lines = [f"{label}: {reconciliation_state(result)}" for label, result in results]
    return lines or ["No MT5 account is set up, so there is nothing to reconcile."]


class ReconciliationPanel(RefreshingPanel):
    """Period selector, summary and the four lists; ``refresh()`` re-runs the reconciliation in the worker."""

    def __init__(self, session: UiSession, today: Callable[[], date] | None = None,
                 parent: QWidget | None = None) -> None:
        """``today``: the last day of the default period (default: the office's UTC day, as MT5 times are)."""
        super().__init__(session, parent)
        self.setObjectName("reconciliationPanel")
        last = today() if today else session.now().date()
        self.first = _day_edit("reconcileFrom", last - timedelta(days=DEFAULT_DAYS - 1))
        self.last = _day_edit("reconcileTo", last)
        self.run_button = QPushButton("Reconcile", objectName="reconcileButton")
        self.run_button.clicked.connect(self.refresh)
        self.summary = QLabel(objectName="reconciliationSummary", wordWrap=True)
        self.matched = RecordTableModel(MATCH_COLUMNS, self)
        self.lists = {kind: RecordTableModel(MISMATCH_COLUMNS, self) for _, _, kind in MISMATCH_LISTS}
        self.views = {kind: _table(name, self.lists[kind]) for _, name, kind in MISMATCH_LISTS}
        self.tabs = QTabWidget(objectName="reconciliationLists")
        matched_view = _table("matchedTable", self.matched)
        self.tabs.addTab(matched_view, "Matched")
        self.export_buttons = QStackedWidget(objectName="reconciliationExport")  # the shown list's Export
        self.export_buttons.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)  # a button, not a pane
        self.exports = [TableExport(matched_view, "Matched deals and flows", session.runner)]
        self.export_buttons.addWidget(self.exports[0].button)
        for title, _, kind in MISMATCH_LISTS:
            self.tabs.addTab(self.views[kind], title)
            self.views[kind].selectionModel().selectionChanged.connect(self._update_explain)
            self.exports.append(TableExport(self.views[kind], title, session.runner))
            self.export_buttons.addWidget(self.exports[-1].button)
        self.tabs.currentChanged.connect(self.export_buttons.setCurrentIndex)
        self.tabs.currentChanged.connect(self._update_explain)
        self.note = QLineEdit(objectName="explainNote", placeholderText="Why the selected mismatch is in order")
        self.explain_button = QPushButton("Mark explained", objectName="explainButton")
        self.explain_button.clicked.connect(self.explain)
        explain_bar = QHBoxLayout()
        explain_bar.addWidget(self.note)
        explain_bar.addWidget(self.explain_button)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("From"))
        bar.addWidget(self.first)
        bar.addWidget(QLabel("to (incl.)"))
        bar.addWidget(self.last)
        bar.addWidget(self.run_button)
        bar.addStretch()
        bar.addWidget(self.export_buttons)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.summary)
        layout.addWidget(self.tabs)
        layout.addLayout(explain_bar)
        session.signals.data_changed.connect(self._data_changed)
        self._update_explain()
        self.refresh()

    def period(self) -> tuple[date, date]:
        return self.first.date().toPython(), self.last.date().toPython()

    def refresh(self) -> None:
        """Reconcile the chosen period in the worker; a request while one runs is kept and run after it."""
        services, actor = self.session.services, self.session.actor
        first, last = self.period()

        def load() -> list[tuple[str, Reconciliation]]:
            funds = services.portfolio.funds
            results = services.trading.reconciliation.reconcile_all(actor, first, last)
            return [(funds.get_fund(r.fund_id).code if r.fund_id else f"MT5 {r.logins[0]}", r) for r in results]

        self.load(load, self._loaded)

    def _loaded(self, results: list[tuple[str, Reconciliation]]) -> None:
        self.summary.setText("\n".join(summary_lines(results)))
        self.matched.set_records([(label, m) for label, r in results for m in r.matched])
        for kind, model in self.lists.items():
            model.set_records([(label, m) for label, r in results for m in r.of_kind(kind)])
        for index, (title, _, kind) in enumerate(MISMATCH_LISTS, start=1):
            self.tabs.setTabText(index, f"{title} ({sum(m.open for _, m in self.lists[kind].records)})")
        self._update_explain()
        self.finished()


    def selected_mismatch(self) -> Mismatch | None:
        """The selected row of the mismatch list on show (None on the matched list or without a selection)."""
        index = self.tabs.currentIndex()
        if index < 1:
            return None
        kind = MISMATCH_LISTS[index - 1][2]
        rows = self.views[kind].selectionModel().selectedRows()
        return self.lists[kind].record(rows[0].row())[1] if rows else None

    def _update_explain(self) -> None:
        selected = self.selected_mismatch()
        enable(self.explain_button, "Select a mismatch in one of the lists first." if selected is None else
               "Classify this balance deal under Review queue instead." if selected.kind is
               MismatchKind.NEEDS_CLASSIFICATION else "")

    def explain(self) -> None:
        """Mark the selected mismatch explained with the note typed (the service refuses an empty note)."""
        mismatch = self.selected_mismatch()
        if mismatch is None:
            return
        reconciliation, actor, note = self.session.services.trading.reconciliation, self.session.actor, self.note.text()

        def done(_: object) -> None:
            self.note.clear()
            self.refresh()

        self.session.runner.submit(lambda: reconciliation.explain(actor, mismatch.key, note), owner=self,
                                   on_done=done)


    @Slot(str)
    def _data_changed(self, topic: str) -> None:
        if topic in RELOAD_TOPICS:
            self.data_arrived()
