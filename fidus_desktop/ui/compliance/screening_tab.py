"""Screening in the Compliance tab: the current list versions, a list import and a full run, the alerts with
each hit's explanation, and the dispositions (a second officer confirms a true match or a false positive).

Every call goes through ``ScreeningService`` in the background runner; the service enforces permissions and
four eyes, the buttons only follow them."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fidus_desktop.services.compliance.lists import FORMATS, ListVersion
from fidus_desktop.services.compliance.permissions import ScreeningPermission
from fidus_desktop.services.compliance.screening import Alert, AlertStatus, Disposition
from fidus_desktop.services.permissions import allowed
from fidus_desktop.ui.errors import show_error
from fidus_desktop.ui.session import UiSession

COLUMNS = ("Investor", "List", "Entry", "Matched name", "Score", "Status", "Proposed")
RELOAD_ON = frozenset({"screening_alert", "screening_list", "investor"})
CHANGES = ("screening_alert", "screening_list", "screening_run")


def _when(alert: Alert) -> str:
    return f"{alert.proposed.value.replace('_', ' ')} by {alert.proposed_by}" if alert.proposed else ""


class ScreeningTab(QWidget):
    def __init__(self, session: UiSession) -> None:
        super().__init__()
        self.setObjectName("screeningTab")
        self.session = session
        self.alerts: list[Alert] = []
        role = session.actor.role
        self.lists_label = QLabel(objectName="screeningLists")
        self.format = QComboBox(objectName="screeningFormat")
        for key, (what, _) in FORMATS.items():
            self.format.addItem(what, key)
        self.import_button = QPushButton("Import list…", objectName="screeningImport",
                                         enabled=allowed(role, ScreeningPermission.LISTS_IMPORT))
        self.run_button = QPushButton("Screen every investor", objectName="screeningRun",
                                      enabled=allowed(role, ScreeningPermission.RUN))
        self.open_only = QCheckBox("Open alerts only", objectName="screeningOpenOnly", checked=True)
        self.table = QTableWidget(0, len(COLUMNS), objectName="screeningAlerts")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.horizontalHeader().setSectionResizeMode(COLUMNS.index("Matched name"),
                                                           QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.detail = QPlainTextEdit(objectName="screeningDetail", readOnly=True)
        self.reason = QLineEdit(objectName="screeningReason", placeholderText="Reason for the decision (required)")
        self.buttons = {name: QPushButton(label, objectName=f"screening_{name}") for name, label in (
            (Disposition.NEEDS_INFORMATION.value, "Needs information"), (Disposition.TRUE_MATCH.value, "True match"),
            (Disposition.FALSE_POSITIVE.value, "False positive"), ("confirm", "Confirm (second officer)"),
            ("send_back", "Send back"))}

        top = QHBoxLayout()
        top.addWidget(self.lists_label, 1)
        top.addWidget(self.format)
        top.addWidget(self.import_button)
        top.addWidget(self.run_button)
        decide = QHBoxLayout()
        decide.addWidget(self.reason, 1)
        for button in self.buttons.values():
            decide.addWidget(button)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.detail)
        lower_layout.addLayout(decide)
        split = QSplitter()
        split.setOrientation(split.orientation().Vertical)
        split.addWidget(self.table)
        split.addWidget(lower)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.open_only)
        layout.addWidget(split, 1)

        self.import_button.clicked.connect(self.import_list)
        self.run_button.clicked.connect(self.run_all)
        self.open_only.toggled.connect(self.reload)
        self.table.itemSelectionChanged.connect(self._selected)
        for name, button in self.buttons.items():
            button.clicked.connect(lambda _=False, n=name: self.decide(n))
        session.signals.data_changed.connect(self._changed)  # type: ignore[attr-defined]
        self._selected()
        self.reload()

    # -- loading ---------------------------------------------------------------------------------------
    def _changed(self, name: str) -> None:
        if name in RELOAD_ON:
            self.reload()

    def reload(self) -> None:
        screening, lists, actor = self.session.services.screening, self.session.services.screening_lists, \
            self.session.actor
        open_only = self.open_only.isChecked()
        self.session.runner.submit(lambda: (lists.versions(actor), screening.list_alerts(actor, open_only=open_only)),
                                   owner=self, key="load", on_done=self._show)

    def _show(self, loaded: tuple[list[ListVersion], list[Alert]]) -> None:
        versions, self.alerts = loaded
        current: dict[str, ListVersion] = {}
        for version in versions:
            current.setdefault(version.list_name, version)
        self.lists_label.setText("; ".join(
            f"{v.list_name}: {v.entry_count:,} entries, imported {v.imported_at:%Y-%m-%d} by {v.imported_by}"
            for v in current.values()) or "No sanctions list imported yet: choose its format and import the file.")
        selected = self._alert()
        self.table.setRowCount(len(self.alerts))
        for row, alert in enumerate(self.alerts):
            cells = (alert.investor_number, alert.list_name, alert.entry_id, alert.matched_name, f"{alert.score:.2f}",
                     alert.status.value.replace("_", " "), _when(alert))
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
            if selected is not None and alert.alert_id == selected.alert_id:
                self.table.selectRow(row)
        self._selected()

    def _alert(self) -> Alert | None:
        rows = self.table.selectionModel().selectedRows()
        return self.alerts[rows[0].row()] if rows and rows[0].row() < len(self.alerts) else None

    def _selected(self) -> None:
        alert = self._alert()
        may = allowed(self.session.actor.role, ScreeningPermission.DECIDE)
        undecided = alert is not None and alert.status in (AlertStatus.OPEN, AlertStatus.NEEDS_INFORMATION)
        waiting = alert is not None and alert.status is AlertStatus.AWAITING_SECOND_OFFICER
        for name in (d.value for d in Disposition):
            self.buttons[name].setEnabled(may and undecided)
        second = waiting and alert is not None and alert.proposed_by != self.session.actor.username
        self.buttons["confirm"].setEnabled(may and second)
        self.buttons["send_back"].setEnabled(may and second)
        if alert is None:
            self.detail.setPlainText("")
            return
        steps = [f"{s['at']:%Y-%m-%d %H:%M} {s['by']}: {s['action'].replace('_', ' ')} — {s['reason']}"
                 for s in alert.history]
        self.detail.setPlainText("\n".join([alert.explanation, "", f"Raised {alert.raised_at:%Y-%m-%d %H:%M}",
                                            *steps]))

    # -- actions ---------------------------------------------------------------------------------------
    def decide(self, name: str) -> None:
        alert = self._alert()
        if alert is None:
            return
        screening, actor, reason = self.session.services.screening, self.session.actor, self.reason.text()
        if name in ("confirm", "send_back"):
            job = lambda: screening.confirm(actor, alert.alert_id, alert.version, name == "confirm", reason)  # noqa: E731
        else:
            job = lambda: screening.decide(actor, alert.alert_id, alert.version, name, reason)  # noqa: E731
        self.session.runner.submit(job, owner=self, on_done=lambda _: self.reason.clear(),
                                   on_error=lambda exc: show_error(exc, self), changes=CHANGES)

    def import_list(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, f"Import {self.format.currentText()}", "",
                                              "List files (*.csv *.xml);;All files (*)")
        if not path:
            return
        screening, actor, fmt = self.session.services.screening, self.session.actor, self.format.currentData()
        self.import_button.setEnabled(False)

        def done(_: object) -> None:
            self.import_button.setEnabled(True)

        def failed(exc: BaseException) -> None:
            self.import_button.setEnabled(True)
            show_error(exc, self)

        self.session.runner.submit(lambda: screening.import_list(actor, fmt, Path(path).read_bytes(), Path(path).name),
                                   owner=self, on_done=done, on_error=failed, changes=CHANGES)

    def run_all(self) -> None:
        screening, actor = self.session.services.screening, self.session.actor
        self.session.runner.submit(lambda: screening.run(actor), owner=self, on_error=lambda exc: show_error(exc, self),
                                   changes=CHANGES)
