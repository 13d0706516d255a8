"""The Trading tab: MT5 accounts with live state, and per account its positions, equity, exposure,
deals, alerts, analytics and the balance deals waiting for review.

Every read and change runs in the worker (``session.runner``) through the trading services, which check
permissions and write the audit entries. The background ``PollerThread`` (``Mt5Sync``) starts once there is
an active account and the signed-in user may sync, and feeds the live parts: the accounts' state and last
sync, the positions table and the equity curve. In the main window the session owns it (it syncs from
sign-in, also while this tab was never opened, and stops when the window closes); a view standing alone
owns its own, stopped within two seconds when the view or its window closes, or the application quits.
Without a poller (a role that cannot sync, or sync switched off) the positions table shows what the last
poll stored, re-read every ``poll_seconds``. The back office and admins get the Reconciliation panel,
refreshed after syncs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Slot
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from fidus_desktop.domain.trading.balance_rules import BalanceCategory
from fidus_desktop.domain.trading.exposure import n_positions
from fidus_desktop.domain.trading.models import AccountSnapshot, Position
from fidus_desktop.services.changes import EVERYTHING, MT5_ACCOUNTS, MT5_BALANCE_CLASSES, MT5_SYNC
from fidus_desktop.services.permissions import Permission, allowed
from fidus_desktop.services.trading.accounts import Mt5Account
from fidus_desktop.services.trading.analytics import AccountAnalytics
from fidus_desktop.services.trading.link import TerminalLink
from fidus_desktop.services.trading.poller import PollerSettings
from fidus_desktop.services.trading.queries import AccountFigures
from fidus_desktop.ui.common.buttons import enable
from fidus_desktop.ui.common.keys import find_goes_to, refresh_on_f5
from fidus_desktop.ui.common.labels import WrappingLabel
from fidus_desktop.ui.common.record_table import RecordTableModel
from fidus_desktop.ui.common.table_export import TableExport
from fidus_desktop.ui.placeholder import NotAvailablePanel
from fidus_desktop.ui.session import UiSession
from fidus_desktop.ui.trading.alert_notifier import AlertNotifier
from fidus_desktop.ui.trading.deals_panel import DealsPanel
from fidus_desktop.ui.trading.equity_chart import EquityChart
from fidus_desktop.ui.trading.exposure_panel import ExposurePanel
from fidus_desktop.ui.trading.mapping_dialog import LIMIT_LABELS, AccountMappingDialog, MappingChoices
from fidus_desktop.ui.trading.models import (
    AccountRow,
    AccountsModel,
    alerts_model,
    amount,
    analytics_figures,
    figures_model,
    position_totals,
    positions_model,
    review_model,
    summary_text,
)
from fidus_desktop.ui.trading.mt5_sync import Mt5Sync
from fidus_desktop.ui.trading.poller_thread import PollerThread
from fidus_desktop.ui.trading.reconciliation_panel import ReconciliationPanel

log = logging.getLogger(__name__)


def table(name: str, model: RecordTableModel[Any]) -> QTableView:
    view = QTableView(objectName=name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.horizontalHeader().setStretchLastSection(True)
    view.verticalHeader().hide()
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)  # one line per row: a wrapped date doubles the row and hides the next
    return view


def columns_to_contents(view: QTableView) -> None:
    """Every column as wide as its text; the last takes what is left (its short values still show when its
    header is squeezed), so a few pixels short do not put a scroll bar under the table."""
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(view.model().columnCount() - 1, QHeaderView.ResizeMode.Stretch)


def button(name: str, text: str, handler: Callable[[], None]) -> QPushButton:
    widget = QPushButton(text, objectName=name)
    widget.clicked.connect(handler)
    return widget


def captioned_bar(caption: str, *controls: QWidget) -> QHBoxLayout:
    """A caption on the left and its controls on the right."""
    bar = QHBoxLayout()
    bar.addWidget(QLabel(caption))
    bar.addStretch()
    for control in controls:
        bar.addWidget(control)
    return bar


def alerts_empty_text(account: Mt5Account | None, may_manage: bool) -> str:
    """What an empty Alerts page means for ``account``: what raises an alert, and where its limits are set."""
    if account is None:
        return "Select an account to see its risk alerts."
    limits = {name: getattr(account.thresholds, name) for name in LIMIT_LABELS}
    where = ("set them with Edit account… (the alert limits at the end of the form)" if may_manage
             else "a user who may change MT5 accounts sets them with Edit account…")
    if not any(value is not None for value in limits.values()):
        return (f"No alert limits are set for {account.login}, so no alert can be raised. An alert is raised when "
                f"the margin level falls below a limit, or the drawdown or an exposure rises above one; {where}.")
    set_now = "; ".join(f"{LIMIT_LABELS[name][0].removeprefix('Alert: ')} {amount(value)}"
                        for name, value in limits.items() if value is not None)
    return (f"No alert for {account.login}: none of its limits has been crossed ({set_now}). An alert is raised "
            f"when one is, shown here and as a desktop notification; to change the limits, {where}.")


def trading_tab(session: UiSession, link: TerminalLink | None = None,
                settings: PollerSettings | None = None) -> QWidget:
    """The tab for roles that may read MT5 data; an honest refusal for the others."""
    if not allowed(session.actor.role, Permission.MT5_READ):
        return NotAvailablePanel("Trading", "Your role cannot see MT5 accounts. Ask an administrator if it should.")
    return TradingView(session, link, settings)


class TradingView(QWidget):
    def __init__(self, session: UiSession, link: TerminalLink | None = None,
                 settings: PollerSettings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tradingTab")
        self.session = session
        session_sync = session.jobs.get("mt5")
        self._owns_sync = not isinstance(session_sync, Mt5Sync)
        self.sync: Mt5Sync = Mt5Sync(session, link, settings, self) if self._owns_sync else session_sync
        self.dialog: AccountMappingDialog | None = None
        self._watched_window: QWidget | None = None
        self.accounts = AccountsModel(self)
        self.positions = positions_model(self)
        self.alerts = alerts_model(self)
        self.review = review_model(self)
        self.figures = figures_model(self)
        self.exports: dict[str, TableExport] = {}
        self.notifier = AlertNotifier(self)
        # Re-reads the stored positions when no poller runs in this window (started in _accounts_loaded).
        self.store_poll = QTimer(self, interval=int((settings or PollerSettings()).poll_seconds * 1000))
        self.store_poll.timeout.connect(self._poll_store)
        self._build()
        session.signals.data_changed.connect(self._data_changed)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        self.sync.started.connect(self._attach)
        if self.sync.poller is not None:
            self._attach(self.sync.poller)
        self.refresh_accounts()

    @property
    def poller(self) -> PollerThread | None:
        return self.sync.poller

    # -- layout ---------------------------------------------------------------------------------
    def _build(self) -> None:
        may_manage = allowed(self.session.actor.role, Permission.MT5_MANAGE)
        self.accounts_view = table("accountsTable", self.accounts)
        self.accounts_view.selectionModel().selectionChanged.connect(self._account_selected)
        columns_to_contents(self.accounts_view)
        self.add_button = button("addAccountButton", "&Add account…", self.add_account)
        self.edit_button = button("editAccountButton", "Change &mapping…", self.edit_account)
        self.add_button.setEnabled(may_manage)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(captioned_bar("<b>MT5 accounts</b>", self.add_button, self.edit_button,
                                            self._export("accounts", self.accounts_view, "MT5 accounts")))
        left_layout.addWidget(self.accounts_view)
        # Positions are the first detail page: the full width shows every column (SL, TP, swap, profit) at 1366 px.
        self.positions_view = table("positionsTable", self.positions)
        columns_to_contents(self.positions_view)
        self.positions_label = QLabel("<b>Open positions</b>", objectName="positionsLabel")
        positions = QWidget()
        positions_layout = QVBoxLayout(positions)
        positions_bar = QHBoxLayout()
        positions_bar.addWidget(self.positions_label)
        positions_bar.addStretch()
        self.positions_total = QLabel(objectName="positionsTotal")
        self.positions.modelReset.connect(self._show_positions_total)
        positions_bar.addWidget(self.positions_total)
        positions_bar.addWidget(self._export("positions", self.positions_view, "Open positions"))
        positions_layout.addLayout(positions_bar)
        positions_layout.addWidget(self.positions_view)

        self.chart = EquityChart()
        self.figures_view = table("analyticsTable", self.figures)
        self.figures_view.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.figures_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        figures = QWidget()
        figures_layout = QVBoxLayout(figures)
        figures_layout.setContentsMargins(0, 0, 0, 0)
        figures_layout.addLayout(captioned_bar("<b>Figures</b>",
                                               self._export("analytics", self.figures_view, "Account analytics")))
        figures_layout.addWidget(self.figures_view)
        overview = QSplitter(Qt.Orientation.Horizontal)
        overview.addWidget(self.chart)
        overview.addWidget(figures)
        overview.setSizes([560, 400])

        self.deals_panel = DealsPanel(self.session)
        self.exposure_panel = ExposurePanel(self.session)
        self.detail = QTabWidget(objectName="tradingDetail")
        self.detail.addTab(positions, "Positions")
        self.detail.addTab(overview, "Equity && analytics")
        self.detail.addTab(self.exposure_panel, "Exposure")
        self.detail.addTab(self.deals_panel, "Deals")
        self.detail.addTab(self._alerts_page(), "Alerts")
        self.detail.addTab(self._review_page(may_manage), "Review queue")
        self.reconciliation: ReconciliationPanel | None = None
        if allowed(self.session.actor.role, Permission.MT5_RECONCILE):
            self.reconciliation = ReconciliationPanel(self.session)
            self.detail.addTab(self.reconciliation, "Reconciliation")

        # Explicit minimums (instead of the filter bars' natural width) let a small window still shrink.
        left.setMinimumWidth(240)
        self.detail.setMinimumWidth(320)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.detail)
        splitter.setSizes([445, 835])  # at 1280 px the accounts list's columns and every position column fit
        splitter.setStretchFactor(0, 0)  # a wider window widens the detail, where the columns are
        splitter.setStretchFactor(1, 1)
        self.message = QLabel(objectName="tradingMessage", wordWrap=True)
        self.message.hide()
        self.summary = WrappingLabel(objectName="accountSummary")  # wraps in a narrow window
        self.summary.setStyleSheet("background: #f6f8fb; border: 1px solid #d5dbe3; border-radius: 4px; padding: 4px")
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.summary)
        layout.addWidget(splitter, 1)  # the tables and charts take the height; the summary stays one line
        self._update_buttons()
        refresh_on_f5(self, self.refresh_accounts)
        find_goes_to(self, self.deals_filter)

    def deals_filter(self) -> QWidget:
        """Ctrl+F: the deals history, at its symbol filter (the other pages list what is open now)."""
        self.detail.setCurrentWidget(self.deals_panel)
        return self.deals_panel.symbol

    def _show_positions_total(self) -> None:
        """Count and totals per currency under the table's header, or that the account has none open."""
        records: list[Position] = self.positions.records
        if not records:
            self.positions_total.setText("" if self.selected_account() is None else "No open positions.")
            return
        totals = position_totals(records)
        sums = "; ".join(f"profit {amount(t.profit)}, swap {amount(t.swap)}, commission {amount(t.known_commission)} "
                         f"{t.currency}" for t in totals)
        unknown = sum(t.unknown_commission for t in totals)
        pending = f" (commission not known yet for {n_positions(unknown)}: no deal stored)" if unknown else ""
        self.positions_total.setText(f"{len(records)} open · {sums}{pending}")

    def _export(self, name: str, view: QTableView, title: str) -> QToolButton:
        """Copy and export for ``view`` (context menu, Ctrl+C); the Export button for its bar."""
        self.exports[name] = TableExport(view, title, self.session.runner)
        return self.exports[name].button

    def _alerts_page(self) -> QWidget:
        self.alerts_view = table("alertsTable", self.alerts)
        self.alerts_view.selectionModel().selectionChanged.connect(self._update_buttons)
        self.ack_button = button("acknowledgeButton", "Acknowledge", self.acknowledge)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addLayout(captioned_bar("Active and recent risk alerts of the selected account.", self.ack_button,
                                       self._export("alerts", self.alerts_view, "Risk alerts")))
        self.alerts_empty = WrappingLabel(objectName="alertsEmpty")
        layout.addWidget(self.alerts_empty)
        layout.addWidget(self.alerts_view)
        return page

    def _review_page(self, may_manage: bool) -> QWidget:
        self.review_view = table("reviewTable", self.review)
        self.review_view.selectionModel().selectionChanged.connect(self._update_buttons)
        self.category = QComboBox(objectName="reviewCategory")
        for category in BalanceCategory:
            if category is not BalanceCategory.UNCLASSIFIED:
                self.category.addItem(category.value.replace("_", " "), category.value)
        self.resolve_button = button("resolveButton", "Classify as", self.resolve)
        self.category.setEnabled(may_manage)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addLayout(captioned_bar("Balance deals no rule recognised (counted as capital until classified).",
                                       self.resolve_button, self.category,
                                       self._export("review", self.review_view, "Review queue")))
        self.review_empty = WrappingLabel(objectName="reviewEmpty")
        layout.addWidget(self.review_empty)
        layout.addWidget(self.review_view)
        return page

    # -- selection --------------------------------------------------------------------------------
    def selected_account(self) -> Mt5Account | None:
        rows = self.accounts_view.selectionModel().selectedRows()
        return self.accounts.record(rows[0].row()).account if rows else None

    def _selected(self, view: QTableView, model: RecordTableModel[Any]) -> Any:
        rows = view.selectionModel().selectedRows()
        return model.record(rows[0].row()) if rows else None

    def _update_buttons(self) -> None:
        role = self.session.actor.role
        alert = self._selected(self.alerts_view, self.alerts)
        may_manage = allowed(role, Permission.MT5_MANAGE)
        enable(self.edit_button, "Your role may not change MT5 accounts." if not may_manage else
               "Select an account in the list first." if self.selected_account() is None else "")
        enable(self.ack_button, "Your role may not acknowledge alerts." if not allowed(role, Permission.ALERTS_ACK)
               else "Select an alert first." if alert is None else
               f"Already acknowledged by {alert.acknowledged_by}." if alert.acknowledged_by else "")
        enable(self.resolve_button, "Your role may not classify balance deals." if not may_manage else
               "Select a deal waiting for review first." if self._selected(self.review_view, self.review) is None
               else "")
        self._show_empty_pages()

    def _account_selected(self) -> None:
        self._update_buttons()
        account = self.selected_account()
        self.positions.set_records([])
        self.chart.clear()
        row = self.accounts.row_of(account.login) if account is not None else -1
        synced = self.accounts.record(row).last_sync if row >= 0 else None
        self.deals_panel.show_account(account, synced.date() if synced else None)
        self.exposure_panel.show_account(account)
        self.summary.setText("Select an account to see its balance, equity and margin." if account is None
                             else "Loading the account's figures…")
        if account is not None:
            self.refresh_positions(account.login)
            self.refresh_account(account.login)

    # -- loading ----------------------------------------------------------------------------------
    def _submit(self, fn: Callable[[], Any], on_done: Callable[[Any], None], key: str | None = None,
                changes: frozenset[str] = frozenset()) -> None:
        """A load (``key``: a newer one of the same kind supersedes it) or a change (``changes`` announced)."""
        self.session.runner.submit(fn, owner=self, key=key, on_done=on_done, changes=changes)

    @Slot(str)
    def _data_changed(self, name: str) -> None:
        """A mapping changed (here or elsewhere), or another workstation's poller stored deals."""
        if name in (MT5_ACCOUNTS, EVERYTHING):
            self.refresh_accounts()
        elif name == MT5_SYNC and self.poller is None:  # this window's own poller reports its deals itself
            account = self.selected_account()
            if account is not None:
                self.deals_panel.requery()
                self.refresh_account(account.login)

    def refresh_accounts(self) -> None:
        services, actor = self.session.services, self.session.actor

        def load() -> list[AccountRow]:
            rows = []
            for account in services.trading.accounts.list(actor):
                state = services.trading.sync.sync_state(account.login)
                rows.append(AccountRow(
                    account, _mapped_to(services, account),
                    state=state.connection.value if state else "stopped", detail=state.detail if state else "",
                    last_sync=state.last_poll_at if state else None,
                ))
            return rows

        self._submit(load, self._accounts_loaded, key="accounts")

    def _accounts_loaded(self, rows: list[AccountRow]) -> None:
        selected = self.selected_account()
        self.accounts.set_records(rows)
        if not rows:
            self._say("No MT5 accounts are set up yet. Use “Add account…” to follow one.")
        row = self.accounts.row_of(selected.login) if selected else (0 if rows else -1)
        if row >= 0:
            self.accounts_view.selectRow(row)
        self._update_buttons()
        active = [row.account.login for row in rows if row.account.active]
        if self.poller is None:
            self.sync.ensure_running(active)
            if self.sync.settings_problem:
                self._say(f"MT5 sync is off: {self.sync.settings_problem}")
        else:
            self.poller.expect(active)
        if self.poller is None and not self.store_poll.isActive():
            self.positions_label.setText(f"<b>Open positions</b> (as last stored, re-read every "
                                         f"{self.store_poll.interval() / 1000:g} s)")
            self.store_poll.start()

    def refresh_positions(self, login: int) -> None:
        """The positions the last poll stored for ``login`` (by any workstation's poller)."""
        queries, actor = self.session.services.trading.queries, self.session.actor
        self._submit(lambda: (login, queries.open_positions(actor, login)), self._positions_loaded, key="positions")

    def _positions_loaded(self, result: tuple[int, list[Position]]) -> None:
        login, positions = result
        account = self.selected_account()
        if account is not None and account.login == login:
            self.positions.set_records(positions)

    def _poll_store(self) -> None:
        account = self.selected_account()
        if account is not None:
            self.refresh_positions(account.login)
            self.exposure_panel.data_arrived()

    def refresh_account(self, login: int) -> None:
        """Summary, analytics and equity curve, alerts and review queue of one account (in the worker)."""
        trading, actor = self.session.services.trading, self.session.actor
        self._submit(lambda: trading.queries.latest_figures(actor, login),
                     lambda figures: self.summary.setText(summary_text(figures)), key="summary")
        self._submit(lambda: trading.analytics.account(actor, login), self._analytics_loaded, key="analytics")
        self.refresh_alerts(login)
        self._submit(lambda: trading.classification.review_queue(actor, login), self._review_loaded,
                     key="review")

    def refresh_alerts(self, login: int) -> None:
        risk, actor = self.session.services.trading.risk, self.session.actor
        self._submit(lambda: risk.history(actor, login), self._alerts_loaded, key="alerts")

    def _alerts_loaded(self, records: list[Any]) -> None:
        self.alerts.set_records(records)
        self._update_buttons()
        self._show_empty_pages()

    def _review_loaded(self, records: list[Any]) -> None:
        self.review.set_records(records)
        self._show_empty_pages()

    def _show_empty_pages(self) -> None:
        """A sentence instead of an empty table on the Alerts and Review queue pages."""
        account = self.selected_account()
        may_manage = allowed(self.session.actor.role, Permission.MT5_MANAGE)
        self.alerts_empty.setText("" if self.alerts.rowCount() else alerts_empty_text(account, may_manage))
        self.alerts_empty.setVisible(not self.alerts.rowCount())
        self.review_empty.setText(
            "" if self.review.rowCount() else "Select an account to see its balance deals waiting for review."
            if account is None else f"No balance deal of {account.login} is waiting for review: every deposit, "
            "withdrawal and transfer synced so far was recognised by a rule (or already classified here).")
        self.review_empty.setVisible(not self.review.rowCount())

    def _analytics_loaded(self, result: AccountAnalytics) -> None:
        account = self.selected_account()
        if account is None or account.login != result.login:
            return  # the user moved on while it loaded
        self.figures.set_records(analytics_figures(result, account.currency))
        self.chart.set_curves(result.balance_curve, result.equity_curve, result.flows, account.currency)
        self.deals_panel.set_symbols(sorted(result.by_symbol))

    # -- actions ----------------------------------------------------------------------------------
    def add_account(self) -> None:
        self._open_mapping(None)

    def edit_account(self) -> None:
        account = self.selected_account()
        if account is not None:
            self._open_mapping(account)

    def _open_mapping(self, account: Mt5Account | None) -> None:
        services, actor = self.session.services, self.session.actor

        def choices() -> MappingChoices:
            portfolio = services.portfolio
            investor = ("", "")
            if account is not None and account.investor_account_id:
                doc = portfolio.investors.accounts.get(account.investor_account_id)
                if doc is not None:
                    holder = portfolio.investors.get(actor, doc["investor_id"])
                    investor = (holder.number, portfolio.funds.get_class(doc["class_id"]).code)
            return MappingChoices(portfolio.funds.list_funds(actor), portfolio.funds.all_classes(), investor)

        def open_dialog(loaded: MappingChoices) -> None:
            self.dialog = AccountMappingDialog(self.session, loaded, account, self)
            self.dialog.open()

        self._submit(choices, open_dialog, key="mapping")

    def acknowledge(self) -> None:
        alert = self._selected(self.alerts_view, self.alerts)
        if alert is None:
            return
        risk, actor = self.session.services.trading.risk, self.session.actor
        self._submit(lambda: risk.acknowledge(actor, alert.alert_id), lambda _: self.refresh_alerts(alert.login))

    def resolve(self) -> None:
        item = self._selected(self.review_view, self.review)
        if item is None:
            return
        classification, actor = self.session.services.trading.classification, self.session.actor
        category = self.category.currentData()

        self._submit(lambda: classification.resolve(actor, item.login, item.ticket, category),
                     lambda _: self.refresh_account(item.login), changes=frozenset({MT5_BALANCE_CLASSES}))

    # -- the poller -------------------------------------------------------------------------------
    def _attach(self, poller: PollerThread) -> None:
        """Show the poller's live state, positions and deals here (it runs whether this tab shows or not)."""
        poller.state_changed.connect(self._state_changed)
        poller.snapshot.connect(self._snapshot)
        poller.deals_arrived.connect(self._deals_arrived)
        self.store_poll.stop()
        self.positions_label.setText("<b>Open positions</b> (live)")

    # The poller's signals are queued from its thread: receivers are declared slots (PySide 6.8+ requirement).
    @Slot(int, str, str)
    def _state_changed(self, login: int, state: str, detail: str) -> None:
        self.accounts.update_row(login, state=state, detail=detail)

    @Slot(int, object, object)
    def _snapshot(self, login: int, snapshot: AccountSnapshot, positions: list[Position]) -> None:
        self.accounts.update_row(login, last_sync=snapshot.time)
        risk, actor = self.session.services.trading.risk, self.session.actor
        self._submit(lambda: risk.active(actor, login), lambda active: self.notifier.notice(login, active),
                     key=f"active-alerts-{login}")
        account = self.selected_account()
        if account is not None and account.login == login:
            self.summary.setText(summary_text(AccountFigures.of(snapshot)))
            # The poll stored these positions before signalling; re-read through the service, which adds each
            # one's commission from the stored deals (the terminal's position record has none).
            self.refresh_positions(login)
            self.chart.add_point(snapshot.time, snapshot.equity)
            self.refresh_alerts(login)
            self.exposure_panel.data_arrived()

    @Slot(int, int)
    def _deals_arrived(self, login: int, count: int) -> None:
        if self.reconciliation is not None:
            self.reconciliation.data_arrived()
        account = self.selected_account()
        if account is not None and account.login == login:
            self.deals_panel.requery()
            self.refresh_account(login)

    def shutdown(self) -> bool:
        """Stop the store polling and the poller this view owns (within two seconds); True when stopped.

        The session's poller is the main window's to stop."""
        self.store_poll.stop()
        return self.sync.stop() if self._owns_sync else True

    # -- closing ----------------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        """Watch the main window: a tab gets no close event of its own when the window closes."""
        window = self.window()
        if window is not self and window is not self._watched_window:
            window.installEventFilter(self)
            self._watched_window = window
        super().showEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._watched_window and event.type() == QEvent.Type.Close:
            self.shutdown()
        return super().eventFilter(watched, event)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))


def _mapped_to(services: Any, account: Mt5Account) -> str:
    """The fund code or 'investor account' the account is mapped to, for the accounts list."""
    if account.fund_id:
        return services.portfolio.funds.get_fund(account.fund_id).code
    return "investor account" if account.investor_account_id else ""

