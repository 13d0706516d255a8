"""The Portfolio tab: a fund and class, their KPI cards and charts, and the investors and transactions tables.

Figures come only from the services (``figures``, ``performance``, ``holdings``), loaded in the worker.
The tab reloads on ``session.signals.data_changed``: the session's change watcher sends it for changes made
here and, polling the audit trail, on another workstation, so they appear without a restart.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from html import escape
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QTabWidget,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from fidus_desktop.reports import formatting as fmt
from fidus_desktop.reports.factsheet import factsheet_filename, render_factsheet
from fidus_desktop.reports.table_file import with_suffix
from fidus_desktop.services.permissions import Permission, Role, allowed
from fidus_desktop.services.portfolio.benchmarks import Benchmark
from fidus_desktop.services.portfolio.dealing import STATUSES, TransactionQuery
from fidus_desktop.services.portfolio.funds import Fund, ShareClass
from fidus_desktop.services.portfolio.holdings import CASH_CLASS, Instrument
from fidus_desktop.ui.admin.form_dialog import ServiceFormDialog
from fidus_desktop.ui.admin.user_dialogs import ROLE_LABELS
from fidus_desktop.ui.common.charts import AllocationChart, Series, TimeSeriesChart
from fidus_desktop.ui.common.editors import DateEdit
from fidus_desktop.ui.common.keys import enter_opens, find_goes_to, refresh_on_f5
from fidus_desktop.ui.common.kpi_card import KpiCard, KpiGrid
from fidus_desktop.ui.common.labels import ElidedLabel, WrappingLabel
from fidus_desktop.ui.common.lazy_table import LazyTableModel
from fidus_desktop.ui.common.next_step import NextStepPanel, StepAction
from fidus_desktop.ui.common.table_export import TableExport
from fidus_desktop.ui.compliance.investigate_action import add_open_investigation
from fidus_desktop.ui.errors import describe_error
from fidus_desktop.ui.placeholder import NotAvailablePanel
from fidus_desktop.ui.portfolio.dealing_dialog import DealingDialog
from fidus_desktop.ui.portfolio.deals_panel import DealsPanel
from fidus_desktop.ui.portfolio.fee_dialog import FeePaymentDialog
from fidus_desktop.ui.portfolio.holdings_dialogs import InstrumentDialog, PriceDialog, TradeDialog
from fidus_desktop.ui.portfolio.import_wizard import ImportWizard, importable_kinds
from fidus_desktop.ui.portfolio.investor_dialog import InvestorDialog
from fidus_desktop.ui.portfolio.monthly_model import MonthlyReturnsModel
from fidus_desktop.ui.portfolio.nav_dialog import NavDialog
from fidus_desktop.ui.portfolio.nav_history import nav_history_model
from fidus_desktop.ui.portfolio.overview import Overview, load_overview
from fidus_desktop.ui.portfolio.setup_dialogs import (
    FundDialog,
    NewInvestorDialog,
    ProductTermsDialog,
    ShareClassDialog,
)
from fidus_desktop.ui.portfolio.statements_dialog import StatementsDialog, describe_batch
from fidus_desktop.ui.portfolio.tables import (
    HoldingsModel,
    TransactionFilter,
    holding_columns,
    holding_rows,
    investors_model,
    transactions_model,
)
from fidus_desktop.ui.session import UiSession

FILTER_DELAY_MS = 300
OVERVIEW_TOPICS = {"nav", "transaction", "fx_rates", "fund", "share_class", "portfolio", "holdings", "position",
                   "price", "instrument", "*"}
KPI_CARDS = [("nav", "NAV per unit"), ("aum", "Fund AUM"), ("ytd", "Return YTD"), ("one_year", "Return 1 year"),
             ("since_inception", "Since inception p.a."), ("volatility", "Volatility p.a."),
             ("max_drawdown", "Max drawdown"), ("benchmark", "Excess return p.a.")]
BENCHMARK_PREFIX = "benchmark:"  # compare-combo data of a benchmark entry (a class entry is the class id)


def _table(model: LazyTableModel, name: str, order: Qt.SortOrder) -> QTableView:
    """A view over a lazy model; the sort indicator starts where the service's default order is."""
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    view.horizontalHeader().setSortIndicator(0, order)
    view.setSortingEnabled(True)
    view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    view.setAlternatingRowColors(True)
    view.verticalHeader().setDefaultSectionSize(22)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    view.horizontalHeader().setStretchLastSection(True)
    return view


class PortfolioTab(QWidget):
    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("portfolioTab")
        self.session = session
        self.funds: list[Fund] = []
        self.classes: list[ShareClass] = []
        self.class_codes: dict[str, str] = {}
        self.benchmarks: list[Benchmark] = []
        self.overview: Overview | None = None
        self.dialog: ServiceFormDialog | None = None
        self.investor_dialog: InvestorDialog | None = None
        self.import_wizard: ImportWizard | None = None
        self.investor_total: int | None = None  # investors in the database (None until counted)
        self._told: str | None = None  # the last action's outcome, kept over the reload it causes
        # The charts and tables share the height left (a splitter), so both are in view from 1280×720 on; the
        # buttons fold into the tool bar's » menu and the cards into two rows when narrow. Only a window smaller
        # than all that needs (a laptop at 150 %) scrolls, instead of pushing the window off the screen.
        content = QWidget()
        scroll = QScrollArea(widgetResizable=True, frameShape=QScrollArea.Shape.NoFrame)
        scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        layout = QVBoxLayout(content)
        layout.addLayout(self._selector_bar())
        self.message = WrappingLabel(" ", objectName="portfolioMessage")
        layout.addWidget(self.message)
        self.next_step = NextStepPanel("nextStep")
        layout.addWidget(self.next_step)
        self.cards = {name: KpiCard(name, caption) for name, caption in KPI_CARDS}
        layout.addWidget(KpiGrid(list(self.cards.values())))
        splitter = QSplitter(Qt.Orientation.Vertical, objectName="portfolioSplitter")
        splitter.addWidget(self._charts())
        splitter.addWidget(self._tables())
        splitter.setSizes([520, 480])  # scaled to the height there is: about half each
        splitter.setChildrenCollapsible(False)
        layout.addWidget(splitter, 1)
        session.signals.data_changed.connect(self._data_changed)
        self.load_funds()

    # -- layout -------------------------------------------------------------------------------------
    def _selector_bar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        self.fund_combo, self.class_combo, self.compare_combo = QComboBox(), QComboBox(), QComboBox()
        for combo, name in ((self.fund_combo, "fundCombo"), (self.class_combo, "classCombo"),
                            (self.compare_combo, "compareCombo")):
            combo.setObjectName(name)
            combo.setMinimumContentsLength(20 if combo is self.fund_combo else 13)  # the open list shows all
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.fund_combo.currentIndexChanged.connect(self._fund_changed)
        self.class_combo.currentIndexChanged.connect(lambda _: self.load_overview())
        self.compare_combo.currentIndexChanged.connect(lambda _: self.load_overview())
        self.compare_combo.setToolTip("The benchmark the class is charted and measured against (default: the "
                                      "one linked to the class), or another share class.")
        for text, widget in (("Fund", self.fund_combo), ("Class", self.class_combo),
                             ("Compare with", self.compare_combo)):
            bar.addWidget(QLabel(text))
            bar.addWidget(widget)
        bar.addStretch(1)
        role = self.session.actor.role
        actions = QToolBar(objectName="portfolioActions")
        actions.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        bar.addWidget(actions, 0)
        self.buttons: dict[str, QPushButton] = {}
        self.refusals: dict[str, str] = {}  # why a button is disabled whatever is selected (the role)
        for name, text, permission, what, slot in (
            ("deal", "&New deal…", Permission.DEALING_ENTER, "enter deals", self.open_dealing),
            ("nav", "Enter NA&V…", Permission.NAV_MANAGE, "enter or correct NAVs", self.open_nav),
            ("fees", "Record &fee payment…", Permission.FEES_PAY, "record fee payments", self.open_fee_payment),
            ("statements", "&Statements…", Permission.REPORTS_RUN, "run reports", self.open_statements),
            ("factsheet", "Factshee&t PDF…", Permission.REPORTS_RUN, "run reports", self.save_factsheet),
        ):
            button = QPushButton(text)
            button.setObjectName(f"{name}Button")
            if not allowed(role, permission):
                self.refusals[name] = f"Your role ({ROLE_LABELS[role]}) may not {what}."
            button.clicked.connect(slot)
            actions.addWidget(button)
            self.buttons[name] = button
        actions.addWidget(self._setup_button(role))
        self._update_buttons()
        return bar

    def _setup_button(self, role: Role) -> QToolButton:
        """Set&up ▾: create and edit funds, share classes and investors, and the import wizard."""
        button = QToolButton(objectName="setupButton", text="Set&up",
                             popupMode=QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(button)
        menu.setToolTipsVisible(True)  # a disabled entry says why
        self.setup_actions = {}
        for name, text, permission, what, slot in (
            ("new_fund", "New &fund…", Permission.FUNDS_MANAGE, "create funds", self.open_new_fund),
            ("rename_fund", "&Rename this fund…", Permission.FUNDS_MANAGE, "edit funds", self.open_rename_fund),
            ("new_class", "New &share class…", Permission.FUNDS_MANAGE, "create share classes", self.open_new_class),
            ("edit_class", "&Edit this share class (fees)…", Permission.FUNDS_MANAGE, "edit share classes",
             self.open_edit_class),
            ("new_investor", "New &investor…", Permission.INVESTORS_MANAGE, "create investors",
             self.open_new_investor),
            ("products", "Fixed-yield &product terms…", Permission.PRODUCTS_MANAGE, "define products",
             self.open_products),
            ("import", "I&mport a file (NAV, transactions, FX, benchmark)…", None, "import files",
             self.open_import),
        ):
            action = menu.addAction(text)
            action.setObjectName(name)
            action.triggered.connect(slot)
            may = bool(importable_kinds(self.session)) if permission is None else allowed(role, permission)
            if not may:
                self.refusals[name] = f"Your role ({ROLE_LABELS[role]}) may not {what}."
            self.setup_actions[name] = action
        button.setMenu(menu)
        return button

    def _positions_button(self) -> QToolButton:
        """Positio&ns ▾ on the Holdings page: record a trade, enter a price, create an instrument."""
        button = QToolButton(objectName="positionsButton", text="Positio&ns",
                             popupMode=QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(button)
        menu.setToolTipsVisible(True)
        role = self.session.actor.role
        for name, text, slot in (("trade", "Record a &trade…", self.open_trade),
                                 ("price", "Enter a &price…", self.open_price),
                                 ("instrument", "New &instrument…", self.open_new_instrument)):
            action = menu.addAction(text)
            action.setObjectName(f"{name}Action")
            action.triggered.connect(slot)
            if not allowed(role, Permission.FUNDS_MANAGE):
                self.refusals[f"{name}Action"] = f"Your role ({ROLE_LABELS[role]}) may not manage holdings."
            self.setup_actions[f"{name}Action"] = action
        button.setMenu(menu)
        return button

    def _update_buttons(self) -> None:
        """Enabled when the role allows it and a fund is chosen; a disabled button's tooltip says why."""
        needs_fund = {"deal", "nav", "fees", "factsheet"}
        for name, button in self.buttons.items():
            why = self.refusals.get(name) or ("Choose a fund with a share class first; this database has none "
                                              "yet." if name in needs_fund and not self.fund_classes() else "")
            button.setEnabled(not why)
            button.setToolTip(why)
        needs = {"rename_fund": "Choose a fund first; this database has none yet.",
                 "new_class": "Create a fund first.",
                 "edit_class": "Choose a share class first; this fund has none yet.",
                 "tradeAction": "Create a fund first."}
        missing = {"rename_fund": not self.funds, "new_class": not self.funds, "edit_class": not self.fund_classes(),
                   "tradeAction": not self.funds}
        for name, action in getattr(self, "setup_actions", {}).items():
            why = self.refusals.get(name) or (needs[name] if missing.get(name) else "")
            action.setEnabled(not why)
            action.setToolTip(why)

    def _charts(self) -> QTabWidget:
        self.chart_tabs = QTabWidget()
        self.performance_chart = TimeSeriesChart("Growth of 100 (NAV per unit, after fees) vs benchmark", rebase=100)
        self.drawdown_chart = TimeSeriesChart("Drawdown from the previous peak (%)", "{:.2f} %")
        allocation = QWidget()
        row = QHBoxLayout(allocation)
        self.class_allocation = AllocationChart("Fund AUM by share class")
        self.holdings_allocation = AllocationChart("Holdings by asset class")
        row.addWidget(self.class_allocation)
        row.addWidget(self.holdings_allocation)
        self.monthly_model = MonthlyReturnsModel(self)
        self.monthly_view = QTableView()
        self.monthly_view.setObjectName("monthlyReturns")
        self.monthly_view.setModel(self.monthly_model)
        self.monthly_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.exports = {"monthly": TableExport(self.monthly_view, "Monthly returns (%)", self.session.runner,
                                               row_header="Year")}
        self.nav_history = nav_history_model()
        self.nav_history_view = QTableView(objectName="navHistory")
        self.nav_history_view.setModel(self.nav_history)
        self.nav_history_view.setAlternatingRowColors(True)
        self.nav_history_view.setWordWrap(False)
        self.nav_history_view.verticalHeader().hide()
        self.nav_history_view.verticalHeader().setDefaultSectionSize(22)
        self.nav_history_view.horizontalHeader().setStretchLastSection(True)
        self.nav_history.modelReset.connect(self.nav_history_view.resizeColumnsToContents)
        self.exports["nav_history"] = TableExport(self.nav_history_view, "NAV history", self.session.runner)
        nav_page = QWidget()
        nav_layout = QVBoxLayout(nav_page)
        nav_layout.setContentsMargins(0, 0, 0, 0)
        nav_layout.addWidget(self.nav_history_view)
        nav_layout.addWidget(self.exports["nav_history"].button, 0, Qt.AlignmentFlag.AlignRight)
        monthly = QWidget()
        monthly_layout = QVBoxLayout(monthly)
        monthly_layout.setContentsMargins(0, 0, 0, 0)
        monthly_layout.addWidget(self.monthly_view)
        monthly_layout.addWidget(self.exports["monthly"].button, 0, Qt.AlignmentFlag.AlignRight)
        flows_page = QSplitter(Qt.Orientation.Horizontal, objectName="aumFlows")  # side by side: full height each
        self.aum_chart = TimeSeriesChart("Fund AUM", "{:,.2f} m")
        self.flows_chart = TimeSeriesChart("Net investor flows", "{:,.1f} k")
        self.flows_chart.plot.setXLink(self.aum_chart.plot)  # zoom and pan together
        flows_page.addWidget(self.aum_chart)
        flows_page.addWidget(self.flows_chart)
        for widget, title in ((self.performance_chart, "Performance"), (self.drawdown_chart, "Drawdown"),
                              (flows_page, "AUM && flows"), (allocation, "Allocation"),
                              (monthly, "Monthly returns"), (nav_page, "NAV history")):
            self.chart_tabs.addTab(widget, title)
        return self.chart_tabs

    def _tables(self) -> QTabWidget:
        tabs = QTabWidget()
        self.investors = investors_model(self.session)
        self.transactions = transactions_model(self.session, self.class_codes,
                                               TransactionFilter(TransactionQuery()))
        self.investor_filter = QLineEdit()
        self.investor_filter.setPlaceholderText("Filter by investor number or name…")
        self.transaction_filter = QLineEdit()
        self.transaction_filter.setPlaceholderText("Investor number or name, e.g. INV-00017…")
        self.status_filter = QComboBox()
        self.status_filter.addItem("All statuses", None)
        for status in STATUSES:
            self.status_filter.addItem(status.value.capitalize(), status.value)
        self.status_filter.setObjectName("transactionsStatus")
        self.trade_from = DateEdit(optional=True, today=self.session.today)
        self.trade_to = DateEdit(optional=True, today=self.session.today)
        for edit, name, tip in ((self.trade_from, "tradeFrom", "Trade date from (inclusive)"),
                                (self.trade_to, "tradeTo", "Trade date to (inclusive)")):
            edit.setObjectName(name)
            edit.setMinimumWidth(edit.fontMetrics().horizontalAdvance(edit.placeholderText()) + 36)  # + calendar
            edit.setToolTip(f"{tip}; empty: no limit. {edit.toolTip()}")
            edit.editingFinished.connect(self.apply_filters)
        self.investor_count, self.transaction_count = QLabel(), QLabel()
        for name, model, edit, count, extras, order in (
            ("investors", self.investors, self.investor_filter, self.investor_count, [], Qt.SortOrder.AscendingOrder),
            ("transactions", self.transactions, self.transaction_filter, self.transaction_count,
             [self.status_filter, QLabel("From"), self.trade_from, QLabel("to"), self.trade_to],
             Qt.SortOrder.DescendingOrder),
        ):
            edit.setObjectName(f"{name}Filter")
            edit.setClearButtonEnabled(True)
            page = QWidget()
            column = QVBoxLayout(page)
            top = QHBoxLayout()
            top.addWidget(edit, 1)
            for extra in extras:
                top.addWidget(extra)
            view = _table(model, f"{name}Table", order)
            setattr(self, f"{name}_view", view)
            self.exports[name] = TableExport(view, name.capitalize(), self.session.runner)
            top.addWidget(count)
            top.addWidget(self.exports[name].button)
            column.addLayout(top)
            column.addWidget(view)
            model.loaded.connect(lambda total, label=count: label.setText(f"{total:,} rows"))
            model.loaded.connect(lambda _, v=view: v.resizeColumnsToContents())
            if model is self.investors:
                model.loaded.connect(self._investors_counted)
            model.failed.connect(lambda exc, label=count: label.setText(f"Could not load: {describe_error(exc)}"))
            tabs.addTab(page, name.capitalize())
        self.holdings = HoldingsModel([], self)
        self.holdings_view = QTableView(objectName="holdingsTable")
        self.holdings_view.setModel(self.holdings)
        self.holdings_view.setAlternatingRowColors(True)
        self.holdings_view.verticalHeader().hide()
        self.holdings_view.verticalHeader().setDefaultSectionSize(22)  # as the other tables: the total row in view
        # columns sized to their figures: a stretched last column (P&L) reads as a gap, not a number
        self.holdings_view.horizontalHeader().setStretchLastSection(False)
        self.exports["holdings"] = TableExport(self.holdings_view, "Holdings", self.session.runner)
        self.holdings_note = ElidedLabel(objectName="holdingsNote")
        page = QWidget()
        column = QVBoxLayout(page)
        top = QHBoxLayout()
        top.addWidget(self.holdings_note, 1)
        top.addWidget(self._positions_button())
        top.addWidget(self.exports["holdings"].button)
        column.addLayout(top)
        column.addWidget(self.holdings_view)
        tabs.addTab(page, "Holdings")
        self.deals_panel = DealsPanel(self.session, self.tell)
        self.deals_panel.setObjectName("openDeals")
        tabs.addTab(self.deals_panel, "Open deals")
        self.deals_panel.load()
        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(FILTER_DELAY_MS)
        self._filter_timer.timeout.connect(self.apply_filters)
        self.investor_filter.textChanged.connect(lambda _: self._filter_timer.start())
        enter_opens(self.investors_view, self.open_investor)
        enter_opens(self.transactions_view, self.open_transaction_investor)
        self.investigate = add_open_investigation(self.session, self.transactions_view,
                                                  self.selected_transaction_ref, self)
        self.table_tabs = tabs
        filters = {0: self.investor_filter, 1: self.transaction_filter}  # the holdings and open deals have none
        find_goes_to(self, lambda: filters.get(self.table_tabs.currentIndex()))
        refresh_on_f5(self, lambda: self.reload({"*"}))
        self.transaction_filter.textChanged.connect(lambda _: self._filter_timer.start())
        self.status_filter.currentIndexChanged.connect(lambda _: self.apply_filters())
        return tabs

    # -- loading ------------------------------------------------------------------------------------
    def load_funds(self) -> None:
        portfolio, actor = self.session.services.portfolio, self.session.actor
        self.session.runner.submit(lambda: (portfolio.funds.list_funds(actor), portfolio.funds.list_classes(actor),
                                            portfolio.benchmarks.list_benchmarks(actor)),
                                   owner=self, key="funds", on_done=self._funds_loaded, on_error=self._show_problem)

    def _funds_loaded(self, loaded: tuple[list[Fund], list[ShareClass], list[Benchmark]]) -> None:
        self.funds, self.classes, self.benchmarks = loaded
        self.class_codes.clear()
        self.class_codes.update({c.class_id: c.code for c in self.classes})
        current = self.fund_combo.currentData()
        self.fund_combo.blockSignals(True)
        self.fund_combo.clear()
        for fund in self.funds:
            self.fund_combo.addItem(f"{fund.name} ({fund.base_currency})", fund.fund_id)
        self.fund_combo.setCurrentIndex(max(0, self.fund_combo.findData(current)))
        self.fund_combo.blockSignals(False)
        if not self.funds:
            self.message.setText(" ")  # the next-step panel below says what to do
        self._fund_changed()
        self.investors.refresh()

    def fund_classes(self) -> list[ShareClass]:
        fund_id = self.fund_combo.currentData()
        return [c for c in self.classes if c.fund_id == fund_id]

    def _fund_changed(self) -> None:
        previous = self.class_combo.currentData()
        for combo in (self.class_combo, self.compare_combo):
            combo.blockSignals(True)
            combo.clear()
        self.compare_combo.addItem("Class benchmark", None)
        for benchmark in self.benchmarks:
            self.compare_combo.addItem(f"{benchmark.name} ({benchmark.code})",
                                       BENCHMARK_PREFIX + benchmark.benchmark_id)
        for share_class in self.fund_classes():
            for combo in (self.class_combo, self.compare_combo):
                combo.addItem(f"{share_class.code} ({share_class.currency})", share_class.class_id)
        self.class_combo.setCurrentIndex(max(0, self.class_combo.findData(previous)))
        for combo in (self.class_combo, self.compare_combo):
            combo.blockSignals(False)
        self._update_buttons()
        self.show_next_step()
        self.apply_filters()
        self.load_overview()

    def apply_filters(self) -> None:
        self.investors.set_filter(self.investor_filter.text().strip())
        query = TransactionQuery(fund_id=self.fund_combo.currentData(), status=self.status_filter.currentData(),
                                 start=self.trade_from.date(), end=self.trade_to.date())
        self.transactions.set_filter(TransactionFilter(query).with_text(self.transaction_filter.text()))

    def load_overview(self) -> None:
        fund_id, class_id = self.fund_combo.currentData(), self.class_combo.currentData()
        if fund_id is None or class_id is None:
            return
        compare = self.compare_combo.currentData() or ""
        benchmark_id = compare.removeprefix(BENCHMARK_PREFIX) if compare.startswith(BENCHMARK_PREFIX) else None
        compare_class = compare if compare and not benchmark_id and compare != class_id else None
        portfolio, actor = self.session.services.portfolio, self.session.actor
        self.session.runner.submit(lambda: load_overview(portfolio, actor, fund_id, class_id, compare_class,
                                                         benchmark_id),
                                   owner=self, key="overview", on_done=self._show_overview,
                                   on_error=self._show_problem)
        navs = portfolio.navs
        self.session.runner.submit(lambda: navs.history(actor, class_id), owner=self, key="nav-history",
                                   on_done=self.nav_history.set_records, on_error=self._show_problem)

    # -- showing ------------------------------------------------------------------------------------
    def _show_problem(self, exc: BaseException) -> None:
        self.message.setText(f"<span style='color:#b00020'>{escape(describe_error(exc))}</span>")

    def _show_overview(self, overview: Overview) -> None:
        if (overview.fund_id, overview.class_id) != (self.fund_combo.currentData(), self.class_combo.currentData()):
            return  # the selection moved on while this was loading
        self.overview = overview
        aum, nav, kpis = overview.aum, overview.nav, overview.kpis
        stale = " (stale NAV or FX)" if aum.stale else ""
        if self._told is None or overview.problems:
            self.message.setText(" ".join(overview.problems) or f"Figures as of {aum.on}, the latest NAV date{stale}.")
        self._told = None  # what an action did stays until this reload, then the figures' date shows again
        code = self.class_codes.get(overview.class_id, "")
        self.cards["nav"].set_value(fmt.nav(nav.nav_per_unit) if nav else fmt.MISSING,
                                    f"{code} {nav.currency} · {nav.nav_date}" if nav else code,
                                    tone="neutral" if nav else "missing")
        self.cards["aum"].set_value(fmt.amount(aum.total, aum.currency), f"{aum.currency} · {aum.on}")
        for name in ("ytd", "one_year", "since_inception", "max_drawdown"):
            value = getattr(kpis, name) if kpis else None
            self.cards[name].set_value(fmt.percent(value), code, tone=KpiCard.tone_of(value))
        self.cards["since_inception"].caption.setText(
            "Since inception p.a." if kpis is None or kpis.since_inception_annualised else
            "Since inception (under a year: not annualised)")
        volatility = kpis.volatility if kpis else None
        self.cards["volatility"].set_value(fmt.percent(volatility, signed=False), code,
                                           tone="neutral" if volatility is not None else "missing")
        self._show_comparison(overview)
        self._show_charts(overview, code)
        self.show_next_step()

    def _show_comparison(self, overview: Overview) -> None:
        """Excess return, tracking error and beta against the benchmark (or the class compared with)."""
        comparison = overview.report.benchmark if overview.report else None
        against = overview.compare_code or overview.benchmark_code
        if comparison is None or against is None:
            self.cards["benchmark"].set_value(fmt.MISSING, "no benchmark linked" if against is None
                                              else f"no comparison with {against} (too few common dates)",
                                              tone="missing")
            return
        beta = fmt.MISSING if comparison.beta is None else f"{comparison.beta:.2f}"
        tracking = fmt.percent(comparison.tracking_error, signed=False)
        self.cards["benchmark"].set_value(fmt.percent(comparison.excess_return),
                                          f"vs {against} · TE {tracking} · β {beta}",
                                          tone=KpiCard.tone_of(comparison.excess_return))

    def _show_charts(self, overview: Overview, code: str) -> None:
        growth = overview.growth()
        lines = [Series(code, [d for d, _ in growth], [v for _, v in growth])]
        if overview.benchmark_code and overview.benchmark_growth:
            lines.append(Series(overview.benchmark_code, [d for d, _ in overview.benchmark_growth],
                                [v for _, v in overview.benchmark_growth]))
        if overview.compare_code:
            lines.append(Series(overview.compare_code, [d for d, _ in overview.compare_growth],
                                [v for _, v in overview.compare_growth]))
        self.performance_chart.set_series(lines)
        drawdown = overview.drawdown()
        self.drawdown_chart.set_series([Series(code, [d for d, _ in drawdown], [v for _, v in drawdown], fill=True)])
        self.class_allocation.set_parts([(c.code, float(c.base_value)) for c in overview.aum.classes],
                                        f"Fund AUM by share class ({overview.aum.currency})")
        self.holdings_allocation.set_parts(overview.holdings, "Holdings by asset class" if overview.holdings
                                           else "Holdings by asset class: no positions recorded")
        if overview.report is not None:
            self.monthly_model.set_table(overview.report.monthly_returns)
        currency = overview.aum.currency  # in millions and thousands: an axis reads "19.0", not "1e+07"
        self.aum_chart.plot.setTitle(f"Fund AUM ({currency} millions)", color="#1f3a5f", size="10pt")
        self.aum_chart.set_series([Series("AUM", [d for d, _ in overview.aum_history],
                                          [v / 1e6 for _, v in overview.aum_history])])
        self.flows_chart.plot.setTitle(f"Net investor flows ({currency} thousands; + subscriptions, − redemptions)",
                                       color="#1f3a5f", size="10pt")
        self.flows_chart.set_series([Series("Net flows", [d for d, _ in overview.net_flows],
                                            [v / 1e3 for _, v in overview.net_flows], bars=True)])
        self._show_holdings(overview)

    def _show_holdings(self, overview: Overview) -> None:
        valuation = overview.valuation
        if valuation is None or not valuation.lines:
            self.holdings.set_records([])
            self.holdings_note.setText("No positions recorded for this fund: record the trades that bought them "
                                       "(Positions ▸ Record a trade)." if valuation is not None else
                                       "The holdings cannot be valued: " + " ".join(overview.problems))
            return
        self.holdings.columns = holding_columns(valuation)
        self.holdings.set_records(holding_rows(valuation))
        self.holdings_view.resizeColumnsToContents()
        stale = " Prices or FX rates marked * are older than that date." if valuation.stale else ""
        uncosted = (f" No cost recorded for {', '.join(line.code for line in valuation.uncosted)}: its P&L is not "
                    "known." if valuation.uncosted else "")
        ccy = valuation.currency
        self.holdings_note.setText(f"{len(valuation.lines)} positions valued on {fmt.day(valuation.on)}: "
                                   f"{fmt.amount(valuation.total.amount, ccy)} {ccy}, unrealised P&L "
                                   f"{fmt.amount(valuation.unrealised, ccy)} {ccy}, realised P&L (all sales to "
                                   f"that date) {fmt.amount(valuation.realised, ccy)} {ccy}." + uncosted + stale)

    # -- what to do next on an empty office ---------------------------------------------------------
    def _investors_counted(self, total: int) -> None:
        if not self.investor_filter.text().strip():
            self.investor_total = total
            self.show_next_step()

    def _step(self, name: str, text: str, slot: Callable[[], object]) -> list[StepAction]:
        """The action as a button, or none when the role may not do it (the sentence then says who may)."""
        return [] if name in self.refusals else [(f"{name}Step", text, slot)]

    def show_next_step(self) -> None:
        """Say what is missing, in the order an office is set up: fund, share class, NAVs, investors."""
        fund_classes, class_id = self.fund_classes(), self.class_combo.currentData()
        code = self.class_codes.get(class_id or "", "")
        who = " (ask a portfolio manager or an administrator)"
        if not self.funds:
            actions = self._step("new_fund", "New &fund…", self.open_new_fund)
            self.next_step.show_step("This office has no fund yet. Create the first fund, then its share classes, "
                                     "investors and NAVs." + ("" if actions else who), actions)
        elif not fund_classes:
            actions = self._step("new_class", "New &share class…", self.open_new_class)
            self.next_step.show_step(f"{self.fund_combo.currentText()} has no share class yet. Add one with its "
                                     "currency, launch NAV and fee terms." + ("" if actions else who), actions)
        elif (self.overview is not None and self.overview.class_id == class_id and self.overview.nav is None):
            actions = (self._step("nav", "Enter NA&V…", self.open_nav)
                       + self._step("import", "I&mport a file…", self.open_import))
            self.next_step.show_step(f"{code} has no NAV yet: enter the first one or import a NAV file, and the "
                                     "charts and figures fill in." + ("" if actions else who), actions)
        elif self.investor_total == 0:
            actions = self._step("new_investor", "New &investor…", self.open_new_investor)
            self.next_step.show_step("No investors yet. Create an investor, then enter their subscription "
                                     "(New deal…)." + ("" if actions else who), actions)
        else:
            self.next_step.clear()

    # -- refresh ------------------------------------------------------------------------------------
    def _data_changed(self, topic: str) -> None:
        self.reload({topic})

    def reload(self, topics: set[str] | frozenset[str]) -> None:
        """Reload what shows data of ``topics`` (audit entity names; ``*`` means everything)."""
        if topics & {"fund", "share_class", "portfolio", "benchmark", "*"}:
            self.load_funds()
            return
        if topics & OVERVIEW_TOPICS:
            self.load_overview()
        if topics & {"investor", "*"}:
            self.investors.refresh()
        if topics & {"transaction", "*"}:
            self.transactions.refresh()
            self.deals_panel.load()

    # -- actions ------------------------------------------------------------------------------------
    def tell(self, text: str) -> None:
        """Show what an action did on the message line (kept over the reload the action causes)."""
        self._told = text
        self.message.setText(text)

    def _open(self, dialog: ServiceFormDialog) -> None:
        """A dialog whose service call announces what it changed; this tab reloads on that."""
        self.dialog = dialog
        dialog.open()

    def selected_transaction_ref(self) -> str | None:
        rows = self.transactions_view.selectionModel().selectedRows()
        return self.transactions.row_at(rows[0].row()).ref if rows else None

    def open_investor(self, index: QModelIndex) -> None:
        """The double-clicked investor's details (sealed fields revealed one by one, audited)."""
        self.investor_dialog = InvestorDialog(self.session, self.investors.row_at(index.row()).investor_id, self)
        self.investor_dialog.open()

    def open_transaction_investor(self, index: QModelIndex) -> None:
        """The investor window of the transaction's investor, on its Transactions page."""
        dialog = InvestorDialog(self.session, self.transactions.row_at(index.row()).investor_id, self)
        dialog.tabs.setCurrentWidget(dialog.position.transactions_page)
        self.investor_dialog = dialog
        dialog.open()

    def data_day(self) -> date:
        """The day dialogs start on: the latest NAV date of the class shown (a today without data is no help)."""
        return self.overview.aum.on if self.overview else self.session.today()

    def open_dealing(self) -> None:
        dialog = DealingDialog(self.session, self.fund_classes(), self.class_combo.currentData(), self.data_day(),
                               self)
        self._open(dialog)
        dialog.accepted.connect(lambda: self.tell(dialog.describe()))

    def _open_setup(self, dialog: ServiceFormDialog) -> None:
        """A set-up dialog: its outcome goes on the message line; the tab reloads on what it changed."""
        dialog.accepted.connect(lambda: self.tell(dialog.describe()))  # type: ignore[attr-defined]
        self._open(dialog)

    def current_fund(self) -> Fund | None:
        return next((f for f in self.funds if f.fund_id == self.fund_combo.currentData()), None)

    def open_new_fund(self) -> None:
        self._open_setup(FundDialog(self.session, parent=self))

    def open_rename_fund(self) -> None:
        if (fund := self.current_fund()) is not None:
            self._open_setup(FundDialog(self.session, fund, self))

    def open_new_class(self) -> None:
        self._open_setup(ShareClassDialog(self.session, self.funds, self.fund_combo.currentData(), self.data_day(),
                                          benchmarks=self.benchmarks, parent=self))

    def open_edit_class(self) -> None:
        class_id = self.class_combo.currentData()
        share_class = next((c for c in self.classes if c.class_id == class_id), None)
        if share_class is not None:
            self._open_setup(ShareClassDialog(self.session, self.funds, share_class.fund_id, self.data_day(),
                                              share_class, self.benchmarks, self))

    def open_new_investor(self) -> None:
        self._open_setup(NewInvestorDialog(self.session, self))

    def open_products(self) -> None:
        """The terms dialog, once the products (their latest terms) are read in the worker."""
        products, actor = self.session.services.portfolio.products, self.session.actor
        self.session.runner.submit(lambda: products.list_products(actor), owner=self, key="products",
                                   on_done=lambda found: self._open_setup(ProductTermsDialog(self.session, found,
                                                                                             self)))

    def _with_instruments(self, then: Callable[[list[Instrument]], object]) -> None:
        """Read the instruments in the worker, then open ``then``'s dialog (or say that there is none yet)."""
        holdings, actor = self.session.services.portfolio.holdings, self.session.actor

        def opened(found: list[Instrument]) -> None:
            if not any(i.asset_class != CASH_CLASS for i in found):
                self.tell("There is no instrument to trade or price yet: create one first (Positions ▸ New "
                          "instrument).")
                return
            then(found)

        self.session.runner.submit(lambda: holdings.list_instruments(actor), owner=self, key="instruments",
                                   on_done=opened)

    def open_trade(self) -> None:
        if (fund := self.current_fund()) is not None:
            self._with_instruments(lambda found: self._open_setup(TradeDialog(self.session, fund, found,
                                                                              self.data_day(), self)))

    def open_price(self) -> None:
        self._with_instruments(lambda found: self._open_setup(PriceDialog(self.session, found, self.data_day(),
                                                                          self)))

    def open_new_instrument(self) -> None:
        self._open_setup(InstrumentDialog(self.session, self))

    def open_import(self) -> None:
        wizard = ImportWizard(self.session, parent=self)
        self.import_wizard = wizard
        wizard.finished.connect(lambda _: self.tell(wizard.describe()) if wizard.outcome else None)
        wizard.open()

    def open_nav(self) -> None:
        self._open(NavDialog(self.session, self.fund_classes(), self.class_combo.currentData(), self.data_day(),
                             self))

    def open_fee_payment(self) -> None:
        dialog = FeePaymentDialog(self.session, self.fund_classes(), self.class_combo.currentData(), self.data_day(),
                                  self)
        dialog.accepted.connect(lambda: self.message.setText(dialog.describe()))
        self._open(dialog)

    def open_statements(self) -> None:
        last_quarter = self.data_day()
        period = f"{last_quarter.year}-Q{(last_quarter.month - 1) // 3 + 1}"
        dialog = StatementsDialog(self.session, period, Path.home() / "FIDUS statements", parent=self)
        self.dialog = dialog
        dialog.accepted.connect(lambda: self.message.setText(
            describe_batch(dialog.result_value, dialog.folder.text())))
        dialog.open()

    def save_factsheet(self) -> None:
        fund_id = self.fund_combo.currentData()
        if fund_id is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Save the factsheet", str(Path.home()), "PDF (*.pdf)")
        if path:
            self.write_factsheet(fund_id, Path(path))

    def write_factsheet(self, fund_id: str, path: Path) -> None:
        """Gather and render in the worker; the message line says where it went."""
        statements, actor = self.session.services.statements, self.session.actor

        def work() -> Path:
            data = statements.factsheet_data(actor, fund_id)
            target = path / factsheet_filename(data) if path.is_dir() else with_suffix(path, "pdf")
            render_factsheet(data, target)
            return target

        self.session.runner.submit(work, owner=self,
                                   on_done=lambda p: self.message.setText(f"Factsheet written to {p}."))


def portfolio_tab(session: UiSession) -> QWidget:
    """The tab factory: staff see the Portfolio tab; a client role has no fund-wide view."""
    if not allowed(session.actor.role, Permission.FUNDS_READ):
        return NotAvailablePanel("Portfolio", "Your role sees its own investor statements only.")
    return PortfolioTab(session)
