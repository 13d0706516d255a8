"""Screening in the Compliance tab: the current list versions, a list import and a full run, the alerts with
each hit's explanation, and the dispositions (a second officer confirms a true match or a false positive).

Every call goes through ``ScreeningService`` in the background runner; the service enforces permissions and
four eyes, the buttons only follow them."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
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
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fidus_desktop.services.compliance.investigations import InvestigationPermission
from fidus_desktop.services.compliance.lists import FORMATS, ImportCancelled, ImportResult, ListVersion
from fidus_desktop.services.compliance.permissions import ScreeningPermission
from fidus_desktop.services.compliance.screening import Alert, AlertStatus, Disposition, RunSummary
from fidus_desktop.services.permissions import allowed
from fidus_desktop.ui.common.buttons import enable
from fidus_desktop.ui.common.keys import refresh_on_f5
from fidus_desktop.ui.common.table_export import TableExport
from fidus_desktop.ui.compliance.alert_view import AlertComparisonView
from fidus_desktop.ui.errors import describe_error, show_error
from fidus_desktop.ui.session import UiSession

COLUMNS = ("Investor", "List", "Entry", "Matched name", "Score", "Status", "Proposed")
RELOAD_ON = frozenset({"screening_alert", "screening_list", "investor"})
CHANGES = ("screening_alert", "screening_list", "screening_run")


class _Progress(QObject):
    """Carries the run's progress from the worker to the GUI thread (a queued signal)."""

    moved = Signal(int, int)


def _when(alert: Alert) -> str:
    return f"{alert.proposed.value.replace('_', ' ')} by {alert.proposed_by}" if alert.proposed else ""


class ScreeningTab(QWidget):
    investigate = Signal(str)  # open an investigation from this alert (its id)

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
        self.progress = QProgressBar(objectName="screeningProgress")
        self.cancel_button = QPushButton("&Cancel screening", objectName="screeningCancel")
        self.progress.hide()
        self.cancel_button.hide()
        self.run_note = QLabel(objectName="screeningRunNote")
        self._progress = _Progress(self)
        self._progress.moved.connect(self._moved)
        self._stop = threading.Event()
        self.wanted: str | None = None  # an alert to select once loaded (from My queue)
        self.comparison = AlertComparisonView(session)
        self.open_only = QCheckBox("Open alerts only", objectName="screeningOpenOnly", checked=True)
        self.table = QTableWidget(0, len(COLUMNS), objectName="screeningAlerts")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.horizontalHeader().setSectionResizeMode(COLUMNS.index("Matched name"),
                                                           QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.detail = QPlainTextEdit(objectName="screeningDetail", readOnly=True)
        self.reason = QLineEdit(objectName="screeningReason", placeholderText="Reason for the decision (required)")
        self.buttons = {name: QPushButton(label, objectName=f"screening_{name}") for name, label in (
            (Disposition.NEEDS_INFORMATION.value, "Needs information"), (Disposition.TRUE_MATCH.value, "True match"),
            (Disposition.FALSE_POSITIVE.value, "False positive"), ("confirm", "Confirm (second officer)"),
            ("send_back", "Send back"))}
        self.investigate_button = QPushButton("Investi&gate…", objectName="screening_investigate")
        self.investigate_button.setToolTip("Open an investigation case from this alert (its investor is linked)")

        top = QHBoxLayout()
        top.addWidget(self.lists_label, 1)
        top.addWidget(self.format)
        top.addWidget(self.import_button)
        top.addWidget(self.run_button)
        running = QHBoxLayout()
        running.addWidget(self.open_only)
        running.addWidget(self.run_note, 1)
        running.addWidget(self.progress, 1)
        running.addWidget(self.cancel_button)
        self.export = TableExport(self.table, "Screening alerts", session.runner)
        running.addWidget(self.export.button)
        decide = QHBoxLayout()
        decide.addWidget(self.reason, 1)
        for button in self.buttons.values():
            decide.addWidget(button)
        decide.addWidget(self.investigate_button)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        sides = QSplitter(Qt.Orientation.Horizontal)
        sides.addWidget(self.comparison)
        sides.addWidget(self.detail)
        sides.setStretchFactor(0, 2)
        sides.setStretchFactor(1, 1)
        sides.setSizes([800, 400])
        lower_layout.addWidget(sides)
        lower_layout.addLayout(decide)
        split = QSplitter()
        split.setOrientation(split.orientation().Vertical)
        split.addWidget(self.table)
        split.addWidget(lower)
        split.setSizes([280, 440])  # the alert view needs the room more than the list
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(running)
        layout.addWidget(split, 1)

        self.import_button.clicked.connect(self.import_list)
        self.run_button.clicked.connect(self.run_all)
        self.cancel_button.clicked.connect(self.cancel_run)
        self.open_only.toggled.connect(self.reload)
        self.table.itemSelectionChanged.connect(self._selected)
        for name, button in self.buttons.items():
            button.clicked.connect(lambda _=False, n=name: self.decide(n))
        self.investigate_button.clicked.connect(
            lambda: self.investigate.emit(alert.alert_id) if (alert := self._alert()) else None)
        session.signals.data_changed.connect(self._changed)  # type: ignore[attr-defined]
        refresh_on_f5(self, self.reload)
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
        selected_id = self.wanted or (chosen.alert_id if (chosen := self._alert()) else None)
        versions, self.alerts = loaded
        self.table.clearSelection()
        current: dict[str, ListVersion] = {}
        for version in versions:
            current.setdefault(version.list_name, version)
        self.lists_label.setText("; ".join(
            f"{v.list_name}: {v.entry_count:,} entries, imported {v.imported_at:%Y-%m-%d} by {v.imported_by}"
            for v in current.values()) or "No sanctions list imported yet: choose its format and import the file.")
        self.table.setRowCount(len(self.alerts))
        for row, alert in enumerate(self.alerts):
            cells = (alert.subject, alert.list_name, alert.entry_id, alert.matched_name, f"{alert.score:.2f}",
                     alert.status.value.replace("_", " "), _when(alert))
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                cell.setToolTip(text)
                self.table.setItem(row, column, cell)
            if alert.alert_id == selected_id:
                self.table.selectRow(row)
                self.wanted = None
        self.table.resizeColumnsToContents()  # one line a row, every column readable; the name takes the rest
        self._selected()

    def _alert(self) -> Alert | None:
        rows = self.table.selectionModel().selectedRows()
        return self.alerts[rows[0].row()] if rows and rows[0].row() < len(self.alerts) else None

    def _selected(self) -> None:
        alert = self._alert()
        may = allowed(self.session.actor.role, ScreeningPermission.DECIDE)
        undecided = alert is not None and alert.status in (AlertStatus.OPEN, AlertStatus.NEEDS_INFORMATION)
        waiting = alert is not None and alert.status is AlertStatus.AWAITING_SECOND_OFFICER
        basic = "Select an alert first." if alert is None else "" if may else "Your role may not decide alerts."
        for name in (d.value for d in Disposition):
            enable(self.buttons[name], basic or ("" if undecided else "This alert is decided or awaits a second "
                                                                          "officer."))
        second = basic or ("This alert is not waiting for a second officer." if not waiting else
                           "You proposed this decision: a second officer confirms it (four eyes)."
                           if alert is not None and alert.proposed_by == self.session.actor.username else "")
        enable(self.buttons["confirm"], second)
        enable(self.buttons["send_back"], second)
        self.investigate_button.setEnabled(alert is not None
                                           and allowed(self.session.actor.role, InvestigationPermission.MANAGE))
        if self.comparison.alert_id != (alert.alert_id if alert else None):
            self.comparison.show_alert(alert.alert_id if alert else None)
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
        """Read and store the chosen file, then screen every investor against it, in the worker; Cancel stops
        the import before it writes, or the screening between two investors."""
        path, _ = QFileDialog.getOpenFileName(self, f"Import {self.format.currentText()}", "",
                                              "List files (*.csv *.xml);;All files (*)")
        if not path:
            return
        screening, actor, fmt, stop, progress = self.session.services.screening, self.session.actor, \
            self.format.currentData(), self._stop, self._progress
        self._start(f"Importing {Path(path).name}…")
        self.session.runner.submit(
            lambda: screening.import_list(actor, fmt, Path(path).read_bytes(), Path(path).name,
                                          progress=progress.moved.emit, cancelled=stop.is_set),
            owner=self, on_done=self._imported, on_error=self._run_failed, changes=CHANGES)

    def _imported(self, done: tuple[ImportResult, RunSummary | None]) -> None:
        result, summary = done
        version = result.version
        note = (f"{version.file_name} was already imported on {version.imported_at:%Y-%m-%d} by "
                f"{version.imported_by}; nothing changed." if result.already_imported
                else f"Imported {version.file_name}: {version.entry_count:,} entries ({version.summary()}).")
        self._ran(summary, note)

    def select_alert(self, alert_id: str) -> None:
        """Show alert ``alert_id`` (opened from My queue), whether or not it is still open."""
        self.wanted = alert_id
        for row, alert in enumerate(self.alerts):
            if alert.alert_id == alert_id:
                self.table.selectRow(row)
                self.wanted = None
                return
        self.open_only.setChecked(False)  # reloads; the alert is selected when it arrives
        self.reload()

    def run_all(self) -> None:
        """Screen every investor in the worker, with a progress bar and Cancel (the run stops between two
        investors, so none is left half screened)."""
        screening, actor, stop, progress = self.session.services.screening, self.session.actor, self._stop, \
            self._progress
        self._start("Screening every investor…")
        self.session.runner.submit(
            lambda: screening.run(actor, progress=progress.moved.emit, cancelled=stop.is_set), owner=self,
            on_done=self._ran, on_error=self._run_failed, changes=CHANGES)

    def _start(self, note: str) -> None:
        self._stop.clear()
        self.run_button.setEnabled(False)
        self.import_button.setEnabled(False)
        self.progress.setMaximum(0)  # busy until the first investor is screened
        self.progress.show()
        self.cancel_button.show()
        self.cancel_button.setEnabled(True)
        self.run_note.setText(note)

    def cancel_run(self) -> None:
        self._stop.set()
        self.cancel_button.setEnabled(False)
        self.run_note.setText("Stopping after the investor being screened…")

    def _moved(self, done: int, total: int) -> None:
        self.progress.setMaximum(total)
        self.progress.setValue(done)

    def _run_over(self) -> None:
        self.run_button.setEnabled(allowed(self.session.actor.role, ScreeningPermission.RUN))
        self.import_button.setEnabled(allowed(self.session.actor.role, ScreeningPermission.LISTS_IMPORT))
        self.progress.hide()
        self.cancel_button.hide()

    def _ran(self, summary: RunSummary | None, before: str = "") -> None:
        self._run_over()
        said = ""
        if summary is not None:
            said = (f"{'Cancelled after' if summary.cancelled else 'Screened'} {summary.screened} investor(s): "
                    f"{summary.hits} hit(s), {summary.raised} new alert(s), {summary.remembered} covered by earlier "
                    f"decisions; {summary.open_alerts} alert(s) open.")
        self.run_note.setText(" ".join(filter(None, [before, said])))

    def _run_failed(self, exc: BaseException) -> None:
        self._run_over()
        if isinstance(exc, ImportCancelled):
            self.run_note.setText(describe_error(exc))
            return
        self.run_note.setText("")
        show_error(exc, self)
