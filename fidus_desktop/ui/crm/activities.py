"""Follow-up activities in the CRM tab: the dialog that logs or plans one, the actions on a selected activity
(done, snooze, cancel), and the panel listing a prospect's activities in its details.

Every call goes through ``ActivityService`` in the background runner and announces ``crm_activity``, so "my
day" and any open details reload from what was stored.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

from PySide6.QtCore import QTime, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from fidus_desktop.domain.crm.activities import ActivityKind, Priority
from fidus_desktop.services.crm import CrmPermission
from fidus_desktop.services.crm.activities import KIND_LABELS, Activity
from fidus_desktop.services.permissions import allowed
from fidus_desktop.ui.admin.form_dialog import ServiceFormDialog
from fidus_desktop.ui.background import show_error
from fidus_desktop.ui.common.editors import DateEdit
from fidus_desktop.ui.common.lazy_table import Column
from fidus_desktop.ui.common.record_table import RecordTableModel
from fidus_desktop.ui.common.table_export import TableExport
from fidus_desktop.ui.session import UiSession

CHANGES = ("crm_activity",)
MORNING = time(9, 0)


def when(moment: datetime | None) -> str:
    """A due time on this workstation's clock."""
    return moment.astimezone().strftime("%a %d %b %Y %H:%M") if moment else ""


def snooze_choices(now: datetime) -> list[tuple[str, datetime]]:
    """Where a snooze can move an activity: in an hour, tomorrow morning, next Monday morning (local time)."""
    local = now.astimezone()
    tomorrow = datetime.combine(local.date() + timedelta(days=1), MORNING).astimezone()
    monday = datetime.combine(local.date() + timedelta(days=7 - local.weekday()), MORNING).astimezone()
    return [("In 1 hour", local + timedelta(hours=1)), ("Tomorrow 09:00", tomorrow), ("Next Monday 09:00", monday)]


ACTIVITY_COLUMNS: list[Column[Activity]] = [
    Column("Due", lambda a: when(a.due), value=lambda a: a.due),
    Column("Kind", lambda a: KIND_LABELS[a.kind]),
    Column("Title", lambda a: a.title),
    Column("Assignee", lambda a: a.assignee),
    Column("Priority", lambda a: a.priority.value),
    Column("Status", lambda a: a.status.value),
    Column("Outcome", lambda a: a.outcome or "", tooltip=lambda a: a.notes),
]


class LogActivityDialog(ServiceFormDialog):
    """Plans an activity on a prospect, or records one that happened ("Already done")."""

    changes = frozenset(CHANGES)

    def __init__(self, session: UiSession, prospect_id: str, parent: QWidget | None = None) -> None:
        super().__init__(session, "Log activity", "Save", parent)
        self.prospect_id = prospect_id
        self.kind = self.add_field("kind", "Kind", QComboBox())
        for kind in ActivityKind:
            self.kind.addItem(KIND_LABELS[kind], kind.value)
        self.title_edit = self.add_field("title", "Title (empty: the kind)", QLineEdit())
        self.due_day = self.add_field("due", "Due day", DateEdit(session.today()))
        self.due_time = self.add_field("due_time", "Due time", QTimeEdit(QTime(9, 0)))
        self.assignee = self.add_field("assignee", "Assignee (empty: the prospect's owner)", QLineEdit())
        self.priority = self.add_field("priority", "Priority", QComboBox())
        self.priority.addItems([p.value for p in Priority])
        self.priority.setCurrentText(Priority.NORMAL.value)
        self.notes = self.add_field("notes", "Notes", QPlainTextEdit())
        self.notes.setFixedHeight(70)
        self.already_done = self.add_field("done", "", QCheckBox("Already done (log a call or meeting that happened)"))

    def values(self) -> dict[str, Any]:
        day = self.due_day.date() or self.session.today()
        moment = datetime.combine(day, self.due_time.time().toPython()).astimezone()
        return {"kind": self.kind.currentData(), "title": self.title_edit.text(), "due": moment,
                "assignee": self.assignee.text(), "priority": self.priority.currentText(),
                "notes": self.notes.toPlainText()}

    def call(self) -> Activity:
        values, done = self.values(), self.already_done.isChecked()
        return self.session.services.crm_activities.log(self.session.actor, self.prospect_id, values, done=done)


class ActivityActions:
    """Done, snooze and cancel on an activity, each one service call in the worker; ``said`` gets the result's
    sentence for the view's message line."""

    def __init__(self, session: UiSession, owner: QWidget, said: Callable[[str], None]) -> None:
        self.session, self.owner, self.said = session, owner, said
        self.editable = allowed(session.actor.role, CrmPermission.MANAGE)

    def _run(self, call: Callable[[], Any], text: Callable[[Any], str]) -> None:
        self.session.runner.submit(call, owner=self.owner, changes=CHANGES, on_done=lambda r: self.said(text(r)),
                                   on_error=lambda exc: show_error(exc, self.owner))

    def complete(self, activity: Activity) -> None:
        service, actor = self.session.services.crm_activities, self.session.actor

        def text(completion: Any) -> str:
            planned = "; ".join(f"next: {a.title}, due {when(a.due)}" for a in completion.planned)
            return f"{activity.title} done." + (f" Planned {planned}." if planned else "")

        self._run(lambda: service.complete(actor, activity.activity_id, version=activity.version), text)

    def snooze(self, activity: Activity, until: datetime) -> None:
        service, actor = self.session.services.crm_activities, self.session.actor
        self._run(lambda: service.snooze(actor, activity.activity_id, until, version=activity.version),
                  lambda moved: f"{moved.title} moved to {when(moved.due)}.")

    def cancel(self, activity: Activity) -> None:
        service, actor = self.session.services.crm_activities, self.session.actor
        self._run(lambda: service.cancel(actor, activity.activity_id), lambda a: f"{a.title} cancelled.")

    def buttons(self, selected: Callable[[], Activity | None]) -> list[QPushButton]:
        """Done, Snooze ▾ and Cancel buttons acting on ``selected()`` (disabled without ``crm.manage``)."""
        done, snooze, cancel = QPushButton("Done"), QPushButton("Snooze"), QPushButton("Cancel activity")
        for button, name in ((done, "activityDone"), (snooze, "activitySnooze"), (cancel, "activityCancel")):
            button.setObjectName(name)
            button.setEnabled(self.editable)

        def with_selected(action: Callable[[Activity], None]) -> None:
            activity = selected()
            if activity is None:
                self.said("Select an activity first.")
            elif not activity.open:
                self.said(f"{activity.title} is already {activity.status.value}.")
            else:
                action(activity)

        menu = QMenu(snooze)
        menu.setObjectName("snoozeMenu")
        for label, _ in snooze_choices(self.session.now().astimezone()):
            item = menu.addAction(label)
            item.setObjectName(f"snooze_{label.split()[0].lower()}")
            item.triggered.connect(lambda _=False, chosen=label: with_selected(
                lambda a: self.snooze(a, dict(snooze_choices(self.session.now().astimezone()))[chosen])))
        snooze.setMenu(menu)
        done.clicked.connect(lambda: with_selected(self.complete))
        cancel.clicked.connect(lambda: with_selected(self.cancel))
        return [done, snooze, cancel]


class ActivitiesPanel(QWidget):
    """A prospect's activities (planned and done) with Log activity…, Done, Snooze and Cancel."""

    message = Signal(str)

    def __init__(self, session: UiSession, prospect_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("activitiesPanel")
        self.session, self.prospect_id = session, prospect_id
        self.dialog: LogActivityDialog | None = None
        self.model: RecordTableModel[Activity] = RecordTableModel(ACTIVITY_COLUMNS, self)
        self.table = QTableView()
        self.table.setObjectName("activities")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.actions = ActivityActions(session, self, self.message.emit)
        log = QPushButton("Log activity…")
        log.setObjectName("logActivity")
        log.setEnabled(self.actions.editable)
        log.clicked.connect(self.open_log)
        row = QHBoxLayout()
        for button in (log, *self.actions.buttons(self.selected)):
            row.addWidget(button)
        row.addStretch(1)
        self.export = TableExport(self.table, "Activities", session.runner)
        row.addWidget(self.export.button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        session.signals.data_changed.connect(self._data_changed)
        self.reload()

    def _data_changed(self, topic: str) -> None:
        if topic in (*CHANGES, "*"):
            self.reload()

    def reload(self) -> None:
        service, actor, prospect_id = self.session.services.crm_activities, self.session.actor, self.prospect_id
        self.session.runner.submit(lambda: service.for_record(actor, prospect_id=prospect_id), owner=self,
                                   key="activities", on_done=self.model.set_records,
                                   on_error=lambda exc: show_error(exc, self))

    def selected(self) -> Activity | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.record(rows[0].row()) if rows else None

    def open_log(self) -> None:
        self.dialog = LogActivityDialog(self.session, self.prospect_id, self)
        self.dialog.accepted.connect(lambda: self.message.emit(f"{self.dialog.result_value.title} saved."))
        self.dialog.open()
