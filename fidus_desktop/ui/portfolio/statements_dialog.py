"""Batch investor statements: a period and a folder, then a cancellable progress dialog.

The whole batch runs in the worker (``reports.batch.write_statements``); progress comes back by a queued
signal and Cancel sets an event the batch checks between statements, so it stops after the statement in
hand and everything already written stays complete. Rendering stays in this worker (``workers=1``): the
process pool measured slower on two cores (docs/PERFORMANCE.md) and spawning from a frozen GUI needs care.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLineEdit, QProgressDialog, QPushButton, QWidget

from fidus_desktop.reports.batch import BatchResult, write_statements
from fidus_desktop.reports.periods import PeriodError, ReportPeriod, parse_period
from fidus_desktop.ui.admin.form_dialog import ServiceFormDialog
from fidus_desktop.ui.session import UiSession


class _Progress(QObject):
    """Created on the GUI thread; the worker emits, Qt queues the call back to the dialog."""

    step = Signal(int, int, str)


class StatementsDialog(ServiceFormDialog):
    def __init__(self, session: UiSession, default_period: str, default_dir: Path,
                 parent: QWidget | None = None) -> None:
        super().__init__(session, "Investor statements", "Generate", parent)
        self.period = self.add_field("period", "Period (YYYY-Qn or YYYY-MM)", QLineEdit(default_period))
        row = QWidget()
        self.folder = QLineEdit(str(default_dir))
        self.folder.setObjectName("out_dir_edit")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.folder)
        layout.addWidget(browse)
        self.add_field("out_dir", "Folder", row)
        self.cancel_event = threading.Event()
        self.progress: QProgressDialog | None = None
        self._signals = _Progress(self)
        self._signals.step.connect(self._step)
        self._period: ReportPeriod | None = None

    def _browse(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Folder for the statements", self.folder.text())
        if chosen:
            self.folder.setText(chosen)

    def local_problems(self) -> dict[str, str]:
        problems = {}
        try:
            self._period = parse_period(self.period.text())
        except PeriodError as exc:
            problems["period"] = str(exc)
        if not self.folder.text().strip():
            problems["out_dir"] = "Choose the folder the PDFs are written to."
        return problems

    def submit(self) -> None:
        self.cancel_event.clear()
        if not self.local_problems():
            self.progress = QProgressDialog("Gathering investors…", "Cancel", 0, 0, self)
            self.progress.setObjectName("statementsProgress")
            self.progress.setWindowTitle("Investor statements")
            self.progress.setWindowModality(Qt.WindowModality.WindowModal)
            self.progress.canceled.connect(self.cancel_event.set)
            self.progress.show()
        super().submit()

    def _step(self, done: int, total: int, label: str) -> None:
        if self.progress is not None:
            self.progress.setMaximum(total)
            self.progress.setValue(done)
            self.progress.setLabelText(f"Statement {done} of {total}: {label}")

    def call(self) -> BatchResult:
        assert self._period is not None  # set by local_problems before the job is submitted
        period, actor = self._period, self.session.actor
        statements = self.session.services.statements
        ids = statements.statement_investors(actor)
        return write_statements(ids, lambda i: statements.statement_data(actor, i, period),
                                Path(self.folder.text().strip()),
                                progress=self._signals.step.emit, cancelled=self.cancel_event.is_set)

    def _close_progress(self) -> None:
        if self.progress is not None:
            self.progress.reset()
            self.progress.deleteLater()
            self.progress = None

    def _done(self, result: BatchResult) -> None:
        self._close_progress()
        super()._done(result)

    def _failed(self, exc: BaseException) -> None:
        self._close_progress()
        super()._failed(exc)


def describe_batch(result: BatchResult, folder: str) -> str:
    """One line for the status area: what was written, what failed, whether it was cancelled."""
    text = f"{len(result.written)} of {result.total} statements written to {folder} in {result.seconds:.1f} s"
    if result.failed:
        text += f"; {len(result.failed)} failed (first: {result.failed[0][1]})"
    return text + ("; cancelled." if result.cancelled else ".")
