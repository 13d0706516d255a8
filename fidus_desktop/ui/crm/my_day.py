"""The signed-in user's day in the CRM tab: their open activities overdue (red), due today and later this week,
with Done / Snooze / Cancel, a double-click that opens the prospect, and their reminder preference."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fidus_desktop.domain.crm.activities import DayBucket
from fidus_desktop.services.crm.activities import KIND_LABELS, DayItem
from fidus_desktop.ui.background import show_error
from fidus_desktop.ui.common.keys import enter_opens
from fidus_desktop.ui.common.lazy_table import Column
from fidus_desktop.ui.common.record_table import RecordTableModel
from fidus_desktop.ui.common.table_export import TableExport
from fidus_desktop.ui.crm.activities import CHANGES, ActivityActions, when
from fidus_desktop.ui.crm.cards import OVERDUE_COLOUR
from fidus_desktop.ui.session import UiSession

Index = QModelIndex | QPersistentModelIndex
BUCKETS = {DayBucket.OVERDUE: "Overdue", DayBucket.TODAY: "Today", DayBucket.THIS_WEEK: "This week",
           DayBucket.LATER: "Later"}
COLUMNS: list[Column[DayItem]] = [
    Column("When", lambda i: BUCKETS[i.bucket]),
    Column("Due", lambda i: when(i.activity.due), value=lambda i: i.activity.due),
    Column("Kind", lambda i: KIND_LABELS[i.activity.kind]),
    Column("Title", lambda i: i.activity.title, tooltip=lambda i: i.activity.notes),
    Column("About", lambda i: i.about),
    Column("Priority", lambda i: i.activity.priority.value),
]
# (label, minutes before the due time; None: off)
LEADS: list[tuple[str, int | None]] = [("At the due time", 0), ("5 minutes before", 5), ("15 minutes before", 15),
                                       ("30 minutes before", 30), ("1 hour before", 60), ("1 day before", 1440),
                                       ("Off", None)]


class DayModel(RecordTableModel[DayItem]):
    """Overdue rows in the board's overdue red."""

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if role == Qt.ItemDataRole.ForegroundRole and index.isValid() \
                and self.record(index.row()).bucket is DayBucket.OVERDUE:
            return QBrush(QColor(OVERDUE_COLOUR))
        return super().data(index, role)


class MyDayView(QWidget):
    open_prospect = Signal(str)  # a prospect id, on double-click
    message = Signal(str)

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("myDay")
        self.session = session
        self.model = DayModel(COLUMNS, self)
        self.table = QTableView()
        self.table.setObjectName("myDayTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        enter_opens(self.table, self._open)
        self.summary = QLabel()
        self.summary.setObjectName("myDaySummary")
        self.include_later = QCheckBox("Also after this week")
        self.include_later.setObjectName("includeLater")
        self.include_later.toggled.connect(lambda _: self.reload())
        self.lead = QComboBox()
        self.lead.setObjectName("reminderLead")
        for label, minutes in LEADS:
            self.lead.addItem(label, minutes)
        self.lead.setToolTip("When to remind you of an activity (a tray notification); your own preference")
        self.lead.activated.connect(self._lead_chosen)
        self.actions = ActivityActions(session, self, self.message.emit)
        row = QHBoxLayout()
        for button in self.actions.buttons(lambda: item.activity if (item := self.selected()) else None):
            row.addWidget(button)
        row.addWidget(self.include_later)
        row.addStretch(1)
        row.addWidget(QLabel("Remind me"))
        row.addWidget(self.lead)
        self.export = TableExport(self.table, "My day", session.runner)
        row.addWidget(self.export.button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        session.signals.data_changed.connect(self._data_changed)
        self.reload()

    def _data_changed(self, topic: str) -> None:
        if topic in (*CHANGES, "crm_prospect", "*"):
            self.reload()

    def reload(self) -> None:
        service, actor, later = self.session.services.crm_activities, self.session.actor, self.include_later.isChecked()
        self.session.runner.submit(lambda: (service.my_day(actor, include_later=later), service.reminder_lead(actor)),
                                   owner=self, key="my_day", on_done=self._show,
                                   on_error=lambda exc: show_error(exc, self))

    def _show(self, loaded: tuple[list[DayItem], int | None]) -> None:
        items, lead = loaded
        self.model.set_records(items)
        counts = {bucket: sum(1 for i in items if i.bucket is bucket) for bucket in DayBucket}
        self.summary.setText(f"{counts[DayBucket.OVERDUE]} overdue · {counts[DayBucket.TODAY]} today · "
                             f"{counts[DayBucket.THIS_WEEK]} later this week" if items else
                             "Nothing due: no open activity of yours is overdue or due this week.")
        index = self.lead.findData(lead)
        self.lead.setCurrentIndex(index if index >= 0 else self.lead.count() - 1)

    def selected(self) -> DayItem | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.record(rows[0].row()) if rows else None

    def _open(self, index: QModelIndex) -> None:
        prospect_id = self.model.record(index.row()).activity.prospect_id
        if prospect_id:
            self.open_prospect.emit(prospect_id)

    def _lead_chosen(self, index: int) -> None:
        minutes = self.lead.itemData(index)
        service, actor = self.session.services.crm_activities, self.session.actor
        self.session.runner.submit(lambda: service.set_reminder_lead(actor, minutes), owner=self,
                                   on_done=lambda _: self.message.emit(f"Reminders: {self.lead.itemText(index)}."),
                                   on_error=lambda exc: show_error(exc, self))
