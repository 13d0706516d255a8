"""The Portfolio tab: a fund and class, their KPI cards and charts, and the investors and transactions tables.

Figures come only from the services (``figures``, ``performance``, ``holdings``), loaded in the worker.
The tab reloads on ``session.signals.data_changed``: the session's change watcher sends it for changes made
here and, polling the audit trail, on another workstation, so they appear without a restart.
"""

from __future__ import annotations

from datetime import date
from html import escape
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from fidus_desktop.reports import formatting as fmt
from fidus_desktop.reports.factsheet import factsheet_filename, render_factsheet
from fidus_desktop.services.permissions import Permission, allowed
from fidus_desktop.services.portfolio.benchmarks import Benchmark
from fidus_desktop.services.portfolio.dealing import STATUSES, TransactionQuery
from fidus_desktop.services.portfolio.funds import Fund, ShareClass
from fidus_desktop.ui.admin.form_dialog import ServiceFormDialog
from fidus_desktop.ui.common.charts import AllocationChart, Series, TimeSeriesChart
from fidus_desktop.ui.common.kpi_card import KpiCard
from fidus_desktop.ui.common.lazy_table import LazyTableModel
from fidus_desktop.ui.errors import describe_error
from fidus_desktop.ui.placeholder import NotAvailablePanel
from fidus_desktop.ui.portfolio.dealing_dialog import DealingDialog
from fidus_desktop.ui.portfolio.deals_panel import DealsPanel
from fidus_desktop.ui.portfolio.fee_dialog import FeePaymentDialog
from fidus_desktop.ui.portfolio.investor_dialog import InvestorDialog
from fidus_desktop.ui.portfolio.monthly_model import MonthlyReturnsModel
from fidus_desktop.ui.portfolio.nav_dialog import NavDialog
from fidus_desktop.ui.portfolio.overview import Overview, load_overview
from fidus_desktop.ui.portfolio.statements_dialog import StatementsDialog, describe_batch
from fidus_desktop.ui.portfolio.tables import TransactionFilter, investors_model, transactions_model
from fidus_desktop.ui.session import UiSession

FILTER_DELAY_MS = 300
OVERVIEW_TOPICS = {"nav", "transaction", "fx_rates", "fund", "share_class", "portfolio", "holdings", "position",
                   "price", "*"}
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
        self._told: str | None = None  # the last action's outcome, kept over the reload it causes
        content = QWidget()  # scrolls when the window is narrower than the cards and buttons need
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        layout = QVBoxLayout(content)
        layout.addLayout(self._selector_bar())
        self.message = QLabel(" ")
        self.message.setObjectName("portfolioMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        layout.addLayout(self._kpi_row())
        splitter = QSplitter()
        splitter.setOrientation(splitter.orientation().Vertical)
        splitter.addWidget(self._charts())
        splitter.addWidget(self._tables())
        splitter.setSizes([420, 380])
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
            combo.setMinimumContentsLength(14)
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
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
        self.buttons: dict[str, QPushButton] = {}
        for name, text, permission, slot in (
            ("deal", "New deal…", Permission.DEALING_ENTER, self.open_dealing),
            ("nav", "Enter NAV…", Permission.NAV_MANAGE, self.open_nav),
            ("fees", "Record fee payment…", Permission.FEES_PAY, self.open_fee_payment),
            ("statements", "Statements…", Permission.REPORTS_RUN, self.open_statements),
            ("factsheet", "Factsheet PDF…", Permission.REPORTS_RUN, self.save_factsheet),
        ):
            button = QPushButton(text)
            button.setObjectName(f"{name}Button")
            button.setEnabled(allowed(role, permission))
            button.clicked.connect(slot)
            bar.addWidget(button)
            self.buttons[name] = button
        return bar

    def _kpi_row(self) -> QGridLayout:
        grid = QGridLayout()
        self.cards = {name: KpiCard(name, caption) for name, caption in KPI_CARDS}
        for column, card in enumerate(self.cards.values()):
            grid.addWidget(card, 0, column)
        return grid

    def _charts(self) -> QTabWidget:
        self.chart_tabs = QTabWidget()
        self.performance_chart = TimeSeriesChart("Growth of 100 (NAV per unit, after fees) vs benchmark")
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
        for widget, title in ((self.performance_chart, "Performance"), (self.drawdown_chart, "Drawdown"),
                              (allocation, "Allocation"), (self.monthly_view, "Monthly returns")):
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
        self.transaction_filter.setPlaceholderText("Investor number, e.g. INV-00017")
        self.status_filter = QComboBox()
        self.status_filter.addItem("All statuses", None)
        for status in STATUSES:
            self.status_filter.addItem(status.value.capitalize(), status.value)
        self.investor_count, self.transaction_count = QLabel(), QLabel()
        for name, model, edit, count, extra, order in (
            ("investors", self.investors, self.investor_filter, self.investor_count, None, Qt.SortOrder.AscendingOrder),
            ("transactions", self.transactions, self.transaction_filter, self.transaction_count, self.status_filter,
             Qt.SortOrder.DescendingOrder),
        ):
            edit.setObjectName(f"{name}Filter")
            edit.setClearButtonEnabled(True)
            page = QWidget()
            column = QVBoxLayout(page)
            top = QHBoxLayout()
            top.addWidget(edit, 1)
            if extra is not None:
                extra.setObjectName(f"{name}Status")
                top.addWidget(extra)
            top.addWidget(count)
            column.addLayout(top)
            view = _table(model, f"{name}Table", order)
            setattr(self, f"{name}_view", view)
            column.addWidget(view)
            model.loaded.connect(lambda total, label=count: label.setText(f"{total:,} rows"))
            model.loaded.connect(lambda _, v=view: v.resizeColumnsToContents())
            model.failed.connect(lambda exc, label=count: label.setText(f"Could not load: {describe_error(exc)}"))
            tabs.addTab(page, name.capitalize())
        self.deals_panel = DealsPanel(self.session, self.tell)
        self.deals_panel.setObjectName("openDeals")
        tabs.addTab(self.deals_panel, "Open deals")
        self.deals_panel.load()
        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(FILTER_DELAY_MS)
        self._filter_timer.timeout.connect(self.apply_filters)
        self.investor_filter.textChanged.connect(lambda _: self._filter_timer.start())
        self.investors_view.doubleClicked.connect(self.open_investor)
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
            self.message.setText("No funds yet. Create a fund, or start with --demo to see a demo office.")
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
        self.apply_filters()
        self.load_overview()

    def apply_filters(self) -> None:
        self.investors.set_filter(self.investor_filter.text().strip())
        query = TransactionQuery(fund_id=self.fund_combo.currentData(), status=self.status_filter.currentData())
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

    def open_investor(self, index: QModelIndex) -> None:
        """The double-clicked investor's details (sealed fields revealed one by one, audited)."""
        self.investor_dialog = InvestorDialog(self.session, self.investors.row_at(index.row()).investor_id, self)
        self.investor_dialog.open()

    def open_dealing(self) -> None:
        dialog = DealingDialog(self.session, self.fund_classes(), self.class_combo.currentData(), self)
        self._open(dialog)
        dialog.accepted.connect(lambda: self.tell(dialog.describe()))

    def open_nav(self) -> None:
        self._open(NavDialog(self.session, self.fund_classes(), self.class_combo.currentData(), self))

    def open_fee_payment(self) -> None:
        dialog = FeePaymentDialog(self.session, self.fund_classes(), self.class_combo.currentData(), self)
        dialog.accepted.connect(lambda: self.message.setText(dialog.describe()))
        self._open(dialog)

    def open_statements(self) -> None:
        last_quarter = (self.overview.aum.on if self.overview else date.today())
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
            target = path if path.suffix.lower() == ".pdf" else path / factsheet_filename(data)
            render_factsheet(data, target)
            return target

        self.session.runner.submit(work, owner=self,
                                   on_done=lambda p: self.message.setText(f"Factsheet written to {p}."))


def portfolio_tab(session: UiSession) -> QWidget:
    """The tab factory: staff see the Portfolio tab; a client role has no fund-wide view."""
    if not allowed(session.actor.role, Permission.FUNDS_READ):
        return NotAvailablePanel("Portfolio", "Your role sees its own investor statements only.")
    return PortfolioTab(session)
