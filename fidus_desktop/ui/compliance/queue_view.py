""""My queue": alerts, cases, documents and reviews awaiting the signed-in officer, one sub-tab each with the
count of items they may act on. Opening a row (double-click or Enter) shows the investor's file, or the alert
in the screening view."""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QTableView, QTabWidget, QVBoxLayout, QWidget

from fidus_desktop.services.compliance.queue import Queue, QueueItem, Section
from fidus_desktop.ui.common.keys import enter_opens, refresh_on_f5
from fidus_desktop.ui.common.lazy_table import Column
from fidus_desktop.ui.common.record_table import RecordTableModel, record_view
from fidus_desktop.ui.common.table_export import TableExport
from fidus_desktop.ui.session import UiSession

RELOAD_ON = frozenset({"kyc_case", "screening_alert", "screening_run", "screening_list", "document", "investor",
                       "portfolio", "investor_readiness", "*"})
TITLES = {Section.ALERTS: "&Alerts to decide", Section.CASES: "&Cases to review",
          Section.DOCUMENTS: "&Documents to check", Section.REVIEWS: "Reviews &due"}


def _since(value: datetime | date | None) -> str:
    if isinstance(value, datetime):
        return f"{value.astimezone():%Y-%m-%d %H:%M}"
    return f"{value:%Y-%m-%d}" if value else ""


COLUMNS: list[Column[QueueItem]] = [
    Column("Investor", lambda i: f"{i.investor_number} {i.investor_name}"),
    Column("What", lambda i: i.what),
    Column("Since / due", lambda i: _since(i.since), value=lambda i: i.since),
    Column("Your part", lambda i: i.part),
]


class QueueModel(RecordTableModel[QueueItem]):
    """Overdue rows in red; rows awaiting someone else greyed."""

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):  # type: ignore[no-untyped-def]
        if index.isValid() and role == Qt.ItemDataRole.ForegroundRole:
            item = self.record(index.row())
            if item.overdue:
                return QBrush(QColor("#b00020"))
            if not item.mine:
                return QBrush(QColor("#777777"))
        return super().data(index, role)


class QueueView(QWidget):
    open_investor = Signal(str)  # investor id
    open_alert = Signal(str)  # alert id
    counted = Signal(int)  # items the reader may act on

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("complianceQueue")
        self.session = session
        self.queue = Queue(())
        self.shown_once = False
        self.mine_only = QCheckBox("Only what I can act on", objectName="queueMineOnly", checked=False)
        self.summary = QLabel(objectName="queueSummary")
        self.tabs = QTabWidget(objectName="queueTabs")
        self.models: dict[Section, QueueModel] = {}
        self.views: dict[Section, QTableView] = {}
        for section in Section:
            model = QueueModel(COLUMNS)
            view = record_view(model, f"queue_{section.value}", stretch=1)
            export = TableExport(view, TITLES[section].replace("&", ""), session.runner)
            enter_opens(view, lambda index, s=section: self._open(s, index.row()))
            page = QWidget()
            layout = QVBoxLayout(page)
            bar = QHBoxLayout()
            bar.addStretch()
            bar.addWidget(export.button)
            layout.addLayout(bar)
            layout.addWidget(view, 1)
            self.tabs.addTab(page, TITLES[section])
            self.models[section], self.views[section] = model, view
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.mine_only)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)
        self.mine_only.toggled.connect(lambda _: self._fill())
        session.signals.data_changed.connect(self._changed)  # type: ignore[attr-defined]
        refresh_on_f5(self, self.reload)
        self.reload()

    def _changed(self, name: str) -> None:
        if name in RELOAD_ON:
            self.reload()

    def reload(self) -> None:
        service, actor = self.session.services.compliance_queue, self.session.actor
        self.session.runner.submit(lambda: service.queue(actor), owner=self, key="queue", on_done=self._show)

    def _show(self, queue: Queue) -> None:
        self.queue = queue
        self._fill()
        total = queue.count()
        waiting = len(queue.items) - total
        self.summary.setText(f"{total} item(s) for you" + (f"; {waiting} awaiting a colleague or another role"
                                                           if waiting else ""))
        self.counted.emit(total)
        if not self.shown_once:  # open on the first section holding work for the reader
            self.shown_once = True
            first = next((n for n, s in enumerate(Section) if queue.count(s)), 0)
            self.tabs.setCurrentIndex(first)

    def _fill(self) -> None:
        mine_only = self.mine_only.isChecked()
        for index, section in enumerate(Section):
            items = [i for i in self.queue.of(section) if i.mine or not mine_only]
            self.models[section].set_records(items)
            title = TITLES[section]
            count = self.queue.count(section)
            self.tabs.setTabText(index, f"{title} ({count})")

    def _open(self, section: Section, row: int) -> None:
        item = self.models[section].record(row)
        if section is Section.ALERTS:
            self.open_alert.emit(item.ref)
        else:
            self.open_investor.emit(item.investor_id)
