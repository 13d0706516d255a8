"""The import wizard: pick a NAV, transaction, FX, benchmark or trades file, see it checked, then import it.

Step 1 chooses what the file holds and the file (and, for benchmark levels, which benchmark). "Check file"
reads it in the worker and asks ``file_imports.preview``, which rehearses the real import and rolls it back:
step 2 shows the first rows as read and either every bad row with its line (Import stays disabled: fix the
file and check again) or what the import will write. "Import" runs ``file_imports.run``; nothing is written
before it, and a file refused then (a colleague changed data in between) writes nothing either.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fidus_desktop.services.permissions import allowed
from fidus_desktop.services.portfolio.file_imports import (
    KIND_CHANGES,
    KIND_LABELS,
    KIND_PERMISSIONS,
    BenchmarkTarget,
    ImportKind,
    ImportPreview,
)
from fidus_desktop.services.portfolio.imports import ImportProblem
from fidus_desktop.ui.common.labels import WrappingLabel
from fidus_desktop.ui.common.lazy_table import Column
from fidus_desktop.ui.common.record_table import RecordTableModel
from fidus_desktop.ui.common.screen_fit import fit_to_content
from fidus_desktop.ui.common.table_export import TableExport
from fidus_desktop.ui.errors import describe_error
from fidus_desktop.ui.session import UiSession

PROBLEM_COLUMNS = [Column("Line", lambda p: str(p.line) if p.line else "file"),
                   Column("Problem", lambda p: p.reason)]
ERROR_STYLE = "color: #b00020;"
OK_STYLE = "color: #1b5e20;"


def importable_kinds(session: UiSession) -> list[ImportKind]:
    """The kinds of file the signed-in role may import."""
    return [kind for kind in ImportKind if allowed(session.actor.role, KIND_PERMISSIONS[kind])]


def _table(name: str) -> QTableView:
    view = QTableView(objectName=name)
    view.setAlternatingRowColors(True)
    view.verticalHeader().hide()
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    return view


class ImportWizard(QDialog):
    def __init__(self, session: UiSession, start_dir: Path | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.start_dir = start_dir or Path.home()
        self.preview: ImportPreview | None = None
        self.data: bytes | None = None
        self.outcome = ""  # what the import wrote, once it has
        self.setObjectName("importWizard")
        self.setWindowTitle("Import a file")
        self.pages = QStackedWidget()
        self.pages.addWidget(self._choose_page())
        self.pages.addWidget(self._check_page())
        self.back_button = QPushButton("&Back", objectName="back")
        self.check_button = QPushButton("&Check file", objectName="check")
        self.import_button = QPushButton("&Import", objectName="import")
        self.close_button = QPushButton("Close", objectName="close")
        self.back_button.clicked.connect(lambda: self._go(0))
        self.check_button.clicked.connect(self.check)
        self.import_button.clicked.connect(self.run)
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        for button in (self.check_button, self.import_button, self.close_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages, 1)
        layout.addLayout(buttons)
        self.resize(900, 560)
        self._go(0)

    # -- pages --------------------------------------------------------------------------------------
    def _choose_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.kind = QComboBox(objectName="kind")
        for kind in importable_kinds(self.session):
            self.kind.addItem(KIND_LABELS[kind], kind)
        self.kind.currentIndexChanged.connect(lambda _: self._kind_changed())
        form.addRow("The file holds", self.kind)
        self.path = QLineEdit(objectName="path")
        self.path.setPlaceholderText("the file to import")
        browse = QPushButton("B&rowse…", objectName="browse")
        browse.clicked.connect(self.browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        form.addRow("File", row)
        self.benchmark = {name: QLineEdit(objectName=f"benchmark_{name}") for name in ("code", "name", "currency")}
        self.benchmark["code"].setPlaceholderText("e.g. MSCI-W (new or existing)")
        self.benchmark["currency"].setPlaceholderText("e.g. EUR")
        for name, label in (("code", "Benchmark code"), ("name", "Benchmark name"), ("currency", "Currency")):
            form.addRow(label, self.benchmark[name])
        self.choose_message = WrappingLabel(objectName="chooseMessage")
        self.choose_message.setStyleSheet(ERROR_STYLE)
        form.addRow(self.choose_message)
        self.form = form
        self._kind_changed()
        return page

    def _check_page(self) -> QWidget:
        page = QWidget()
        column = QVBoxLayout(page)
        self.verdict = WrappingLabel(objectName="verdict")
        column.addWidget(self.verdict)
        self.problems = RecordTableModel[ImportProblem](PROBLEM_COLUMNS, self)
        self.problems_view = _table("problems")
        self.problems_view.setModel(self.problems)
        # The bad rows are the work list for whoever corrects the file: copied or exported with their lines.
        self.problems_export = TableExport(self.problems_view, "Rows the import refuses", self.session.runner)
        self.problems_box = self._captioned("The rows refused, by line", self.problems_view, self.problems_export)
        column.addWidget(self.problems_box, 1)
        self.sample = RecordTableModel[list[str]]([], self)
        self.sample_view = _table("sample")
        self.sample_view.setModel(self.sample)
        self.sample_export = TableExport(self.sample_view, "The file's first rows as read", self.session.runner)
        self.sample_box = self._captioned("The first rows as read", self.sample_view, self.sample_export)
        column.addWidget(self.sample_box, 2)
        return page

    @staticmethod
    def _captioned(caption: str, view: QTableView, export: TableExport) -> QWidget:
        """A table under its caption and Export button, shown or hidden together."""
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(caption))
        bar.addStretch(1)
        bar.addWidget(export.button)
        layout.addLayout(bar)
        layout.addWidget(view, 1)
        return box

    def _kind_changed(self) -> None:
        benchmark = self.kind.currentData() == ImportKind.BENCHMARK
        for edit in self.benchmark.values():
            self.form.setRowVisible(edit, benchmark)

    def _go(self, page: int) -> None:
        self.pages.setCurrentIndex(page)
        self.back_button.setVisible(page == 1 and not self.outcome)
        self.check_button.setVisible(page == 0)
        self.check_button.setEnabled(self.kind.count() > 0)
        self.check_button.setToolTip("" if self.kind.count() else "Your role may not import files.")
        ready = self.preview is not None and self.preview.ready and not self.outcome
        self.import_button.setVisible(page == 1 and not self.outcome)
        self.import_button.setEnabled(ready)
        self.import_button.setToolTip("" if ready else "Fix the rows listed, then go Back and check the file again.")
        (self.check_button if page == 0 else self.import_button if ready else self.close_button).setDefault(True)

    # -- actions ------------------------------------------------------------------------------------
    def browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose the file to import", str(self.start_dir),
                                              "CSV, XML or zip (*.csv *.txt *.xml *.zip);;All files (*)")
        if path:
            self.path.setText(path)

    def target(self) -> BenchmarkTarget | None:
        if self.kind.currentData() != ImportKind.BENCHMARK:
            return None
        code, name, currency = (self.benchmark[n].text().strip() for n in ("code", "name", "currency"))
        return BenchmarkTarget(code, name, currency.upper())

    def check(self) -> None:
        """Read the file and rehearse its import in the worker."""
        text = self.path.text().strip()
        if not text:
            self._choose_failed("Choose the file to import (Browse…).")
            return
        kind, target, path = self.kind.currentData(), self.target(), Path(text)
        file_imports, actor = self.session.services.portfolio.file_imports, self.session.actor

        def work() -> tuple[bytes, ImportPreview]:
            data = path.read_bytes()
            return data, file_imports.preview(actor, kind, data, target)

        self.check_button.setEnabled(False)
        self.choose_message.setText("")
        self.session.runner.submit(work, owner=self, key="preview", on_done=self._checked,
                                   on_error=lambda exc: self._choose_failed(describe_error(exc)))

    def _choose_failed(self, text: str) -> None:
        self.check_button.setEnabled(True)
        self.choose_message.setText(text)
        fit_to_content(self)

    def _checked(self, result: tuple[bytes, ImportPreview]) -> None:
        self.data, self.preview = result
        preview = self.preview
        self.problems.set_records(preview.problems)
        self.problems_box.setVisible(bool(preview.problems))
        width = max([len(preview.header), *(len(r) for r in preview.sample)], default=0)
        titles = preview.header + [""] * (width - len(preview.header))
        self.sample.columns = [Column(title, lambda r, i=i: r[i] if i < len(r) else "") for i, title in
                               enumerate(titles)]
        self.sample.set_records(preview.sample)
        self.sample_box.setVisible(bool(titles))
        self.sample_view.resizeColumnsToContents()
        self.problems_view.resizeColumnToContents(0)
        if preview.ready:
            self.verdict.setStyleSheet(OK_STYLE)
            self.verdict.setText(f"The file is fine. Importing it will write: {preview.outcome}.")
        else:
            self.verdict.setStyleSheet(ERROR_STYLE)
            self.verdict.setText(f"{len(preview.problems):,} problem(s) below; nothing will be written. Correct the "
                                 "file, then go Back and check it again.")
        self._go(1)

    def run(self) -> None:
        if self.preview is None or self.data is None or not self.preview.ready:
            return
        kind, data, target = self.preview.kind, self.data, self.target()
        file_imports, actor = self.session.services.portfolio.file_imports, self.session.actor
        self.import_button.setEnabled(False)
        self.session.runner.submit(lambda: file_imports.run(actor, kind, data, target), owner=self,
                                   changes={KIND_CHANGES[kind]}, on_done=self._imported, on_error=self._import_failed)

    def _imported(self, outcome: str) -> None:
        self.outcome = outcome
        self.verdict.setStyleSheet(OK_STYLE)
        self.verdict.setText(f"Imported: {outcome}.")
        self._go(1)

    def _import_failed(self, exc: BaseException) -> None:
        self.verdict.setStyleSheet(ERROR_STYLE)
        self.verdict.setText(f"Nothing was imported: {describe_error(exc)} Go Back and check the file again.")
        self.import_button.setEnabled(False)

    def describe(self) -> str:
        return f"Imported {Path(self.path.text()).name}: {self.outcome}." if self.outcome else ""
