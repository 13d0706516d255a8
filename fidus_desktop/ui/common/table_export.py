"""Export and copy for every table, the same way everywhere: ``TableExport(view, "Transactions", runner)``.

It gives the view a context menu (Copy, Export to CSV…, Export to Excel…), Ctrl+C copies the selected cells
as tab-separated text (pastes into a spreadsheet as cells), and ``button`` is an "Export" button with the same
two exports for the table's toolbar.

What is exported is what the table shows: its visible columns in their on-screen order, its filter and its
sort. A lazy model (``LazyTableModel.export_job``) or a caller's ``rows_job`` reads every matching row in the
worker, not only the pages scrolled to so far; other models are exported as they hold their rows. Cells are
the models' typed values (``EXPORT_ROLE``: Decimal amounts, dates) where they give one, else the text shown.
The file is written in the worker by ``reports.table_file``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMenu, QMessageBox, QTableView, QToolButton

from fidus_desktop.reports.table_file import FORMATS, TableData, with_suffix, write_table
from fidus_desktop.ui.background import Runner
from fidus_desktop.ui.common.lazy_table import EXPORT_ROLE
from fidus_desktop.ui.errors import show_error

RowsJob = Callable[[], list[list[Any]]]  # runs in the worker: every row's cells (all model columns), in order


def selection_text(view: QTableView) -> str:
    """The selected cells as tab-separated lines (rows and columns in the order shown)."""
    indexes = view.selectionModel().selectedIndexes() if view.selectionModel() else []
    header = view.horizontalHeader()
    rows: dict[int, dict[int, str]] = {}
    for index in indexes:
        if not header.isSectionHidden(index.column()):
            rows.setdefault(index.row(), {})[header.visualIndex(index.column())] = str(index.data() or "")
    columns = sorted({c for cells in rows.values() for c in cells})
    return "\n".join("\t".join(rows[r].get(c, "") for c in columns) for r in sorted(rows))


class TableExport(QObject):
    """Copy and export for ``view``; ``exported(message)`` after a file was written (also in the status bar)."""

    exported = Signal(str)

    def __init__(self, view: QTableView, title: str, runner: Runner, rows_job: Callable[[], RowsJob] | None = None,
                 *, row_header: str | None = None) -> None:
        """``row_header`` names a first column filled from the row headers (the years of the monthly returns)."""
        super().__init__(view)
        self.view, self.title, self.runner, self.rows_job = view, title, runner, rows_job
        self.row_header = row_header
        name = view.objectName() or "table"
        self.copy_action = QAction("&Copy", view, objectName=f"{name}Copy", shortcut=QKeySequence.StandardKey.Copy)
        self.copy_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.copy_action.triggered.connect(self.copy_selection)
        self.actions = {kind: QAction(f"Export to {label.split(' (')[0]}…", view, objectName=f"{name}Export{kind}")
                        for kind, label in FORMATS.items()}
        for kind, action in self.actions.items():
            action.triggered.connect(lambda _=False, k=kind: self.choose_and_export(k))
        separator = QAction(view)
        separator.setSeparator(True)
        view.addActions([self.copy_action, separator, *self.actions.values()])
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.button = QToolButton(objectName=f"{name}ExportButton", text="E&xport")
        self.button.setToolTip(f"Save the {title.lower()} as shown (filter, order, columns) to CSV or Excel")
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.button)
        menu.addActions(list(self.actions.values()))
        self.button.setMenu(menu)
        self.exported.connect(self._tell_window)

    def copy_selection(self) -> None:
        QGuiApplication.clipboard().setText(selection_text(self.view))

    def choose_path(self, kind: str) -> Path | None:
        """Ask where to save (a separate method so tests can answer it)."""
        suggested = str(Path.home() / f"{self.title.lower().replace(' ', '-')}.{kind}")
        path, _ = QFileDialog.getSaveFileName(self.view, f"Export {self.title.lower()}", suggested, FORMATS[kind])
        return Path(path) if path else None

    def choose_and_export(self, kind: str) -> None:
        path = self.choose_path(kind)
        if path is not None:
            self.export(with_suffix(path, kind))  # a name typed without the extension gets it

    def _columns(self) -> list[int]:
        header = self.view.horizontalHeader()
        logical = (header.logicalIndex(visual) for visual in range(header.count()))
        return [c for c in logical if not header.isSectionHidden(c)]

    def _rows_job(self, columns: list[int]) -> RowsJob:
        model = self.view.model()
        if self.rows_job is not None:
            every = self.rows_job()
            return lambda: [[row[c] for c in columns] for row in every()]
        export_job = getattr(model, "export_job", None)
        if callable(export_job):
            return export_job(columns)
        rows = [[self._cell(row, c) for c in columns] for row in range(model.rowCount())]
        if self.row_header is not None:
            for row, cells in enumerate(rows):
                cells.insert(0, model.headerData(row, Qt.Orientation.Vertical))
        return lambda: rows

    def _cell(self, row: int, column: int) -> Any:
        index = self.view.model().index(row, column)
        value = index.data(EXPORT_ROLE)
        return index.data() if value is None else value

    def export(self, path: Path) -> None:
        """Write the table to ``path`` (.csv or .xlsx) in the worker."""
        model, columns = self.view.model(), self._columns()
        headers = [str(model.headerData(c, Qt.Orientation.Horizontal) or "") for c in columns]
        if self.row_header is not None:
            headers.insert(0, self.row_header)
        try:
            job, title = self._rows_job(columns), self.title
        except Exception as exc:  # a filter the caller cannot read (a bad date): said, not raised
            self._failed(exc, path)
            return

        def write() -> int:
            rows = job()
            write_table(TableData(title, headers, rows), path)
            return len(rows)

        self.runner.submit(write, owner=self.view,
                           on_done=lambda n: self.exported.emit(f"Exported {n:,} rows to {path}."),
                           on_error=lambda exc: self._failed(exc, path))

    def _failed(self, exc: BaseException, path: Path) -> None:
        """Known conditions in words (a full disk, a file open in Excel, too many rows); others centrally."""
        title = f"Export {self.title.lower()}"
        if isinstance(exc, OSError):
            text = (f"Could not write {path}: {exc.strerror or exc}. If the file is open in Excel, close it; "
                    "otherwise choose a folder you can write to.")
        elif isinstance(exc, ValueError):
            text = str(exc)
        else:
            show_error(exc, self.view, title)
            return
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self.view)
        box.setObjectName("exportError")
        box.open()

    def _tell_window(self, message: str) -> None:
        window = self.view.window()
        if isinstance(window, QMainWindow):
            window.statusBar().showMessage(message, 10_000)
