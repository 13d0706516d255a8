"""Reports: the KYC report (``ComplianceReportService.kyc_report``) read in the worker and shown section by
section (KYC status, reviews due, expiring documents, screening hits, risk distribution), saved whole as PDF or
as an Excel workbook (a sheet per section), or one section as CSV/Excel with the table's Export. What is saved
is what is shown (the report read last: its date is in the header); files are readable by their owner only.

The report is read when the page is first shown and again when compliance data changes while it is on screen
(otherwise when it is next shown), so the tab costs nothing until someone looks at it."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from fidus_desktop.reports.kyc_report import SECTIONS, kyc_report_pdf, tables
from fidus_desktop.reports.table_file import TableData, with_suffix, write_workbook
from fidus_desktop.security.private_files import write_private
from fidus_desktop.services.compliance.reports import KycReport
from fidus_desktop.ui.common.buttons import enable
from fidus_desktop.ui.common.keys import refresh_on_f5
from fidus_desktop.ui.common.lazy_table import RIGHT, Column
from fidus_desktop.ui.common.record_table import RecordTableModel, record_view
from fidus_desktop.ui.common.refreshing_panel import RefreshingPanel
from fidus_desktop.ui.common.table_export import TableExport
from fidus_desktop.ui.errors import show_error
from fidus_desktop.ui.session import UiSession

RELOAD_ON = frozenset({"kyc_case", "screening_alert", "screening_run", "investor_readiness", "document", "investor",
                       "signed_agreement", "*"})
FILE_KINDS = {"pdf": "PDF (*.pdf)", "xlsx": "Excel workbook (*.xlsx)"}


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value.astimezone():%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def table_columns(table: TableData) -> list[Column[list[Any]]]:
    """A column per header; numbers right-aligned, typed values kept for exports."""
    numeric = {i for i, _ in enumerate(table.headers)
               if table.rows and all(isinstance(r[i], int | float) or r[i] is None for r in table.rows)
               and any(r[i] is not None for r in table.rows)}
    return [Column(header, lambda r, i=i: cell_text(r[i]), value=lambda r, i=i: r[i],
                   **({"align": RIGHT} if i in numeric else {})) for i, header in enumerate(table.headers)]


def summary_text(report: KycReport) -> str:
    counts = ", ".join(f"{n} {status.replace('_', ' ')}" for status, n in sorted(report.case_counts.items()))
    return (f"<b>KYC report as of {report.as_of}</b>: {len(report.status)} investors ({counts}); "
            f"{sum(r.ready for r in report.status)} ready to invest, "
            f"{sum(r.days_overdue > 0 for r in report.reviews)} reviews overdue, "
            f"{sum(r.days_left <= 0 for r in report.documents)} documents lapsed, "
            f"{sum(h.status != 'closed' for h in report.hits)} screening alerts undecided.")


class ReportsView(RefreshingPanel):
    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        self.setObjectName("complianceReports")
        self.report: KycReport | None = None
        self.saved: QMessageBox | None = None
        self.summary = QLabel("Reading the KYC report…", objectName="reportSummary", wordWrap=True)
        self.buttons: dict[str, QPushButton] = {}
        bar = QHBoxLayout()
        for name, text, handler in (("pdf", "Save as &PDF…", lambda: self.save("pdf")),
                                    ("xlsx", "Save as &Excel…", lambda: self.save("xlsx")),
                                    ("refresh", "&Refresh", self.refresh)):
            button = QPushButton(text, objectName=f"report_{name}")
            button.clicked.connect(handler)
            bar.addWidget(button)
            self.buttons[name] = button
        bar.addStretch()
        self.sections = QTabWidget(objectName="reportSections")
        self.models: dict[str, RecordTableModel[list[Any]]] = {}
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(bar)
        layout.addWidget(self.sections, 1)
        self._stale = True  # read when first shown
        self._enable()
        session.signals.data_changed.connect(self._changed)  # type: ignore[attr-defined]
        refresh_on_f5(self, self.refresh)

    def _changed(self, name: str) -> None:
        if name in RELOAD_ON:
            self.data_arrived()

    def _enable(self) -> None:
        for name in ("pdf", "xlsx"):
            enable(self.buttons[name], "" if self.report is not None else "The report is still being read.")

    def refresh(self) -> None:
        service, actor = self.session.services.compliance_reports, self.session.actor
        self.load(lambda: service.kyc_report(actor), self._show)

    def _show(self, report: KycReport) -> None:
        self.report = report
        self.summary.setText(summary_text(report))
        current = self.sections.currentIndex()
        for name, table in tables(report).items():
            model = self.models.get(name)
            if model is None:  # the pages are made once, on the first report
                model = self.models[name] = RecordTableModel(table_columns(table))
                view = record_view(model, f"report_{name}")
                export = TableExport(view, table.title, self.session.runner)
                page = QWidget()
                page_layout = QVBoxLayout(page)
                top = QHBoxLayout()
                top.addStretch()
                top.addWidget(export.button)
                page_layout.addLayout(top)
                page_layout.addWidget(view, 1)
                self.sections.addTab(page, table.title)
            model.columns = table_columns(table)
            model.set_records(table.rows)
            self.sections.setTabText(SECTIONS.index(name), f"{table.title} ({len(table.rows)})")
        self.sections.setCurrentIndex(max(current, 0))
        self._enable()
        self.finished()

    def choose_path(self, kind: str) -> Path | None:
        """Ask where to save (a separate method so tests can answer it)."""
        as_of = self.report.as_of if self.report else self.session.today()
        suggested = str(Path.home() / f"kyc-report-{as_of}.{kind}")
        path, _ = QFileDialog.getSaveFileName(self, "Save the KYC report", suggested, FILE_KINDS[kind])
        return with_suffix(Path(path), kind) if path else None

    def save(self, kind: str) -> None:
        """The report shown, whole: PDF with every section or a workbook with a sheet each (worker, owner-only)."""
        report = self.report
        path = self.choose_path(kind) if report is not None else None
        if report is None or path is None:
            return

        def write() -> Path:
            if kind == "pdf":
                write_private(path, kyc_report_pdf(report))
            else:
                write_workbook(list(tables(report).values()), path)
            return path

        self.session.runner.submit(write, owner=self, on_done=self._saved, on_error=lambda exc: show_error(exc, self))

    def _saved(self, path: Path) -> None:
        self.saved = QMessageBox(QMessageBox.Icon.Information, "KYC report saved",
                                 f"The KYC report as of {self.report.as_of if self.report else ''} was saved to {path} "
                                 "(readable by you only).", QMessageBox.StandardButton.Ok, self)
        self.saved.setObjectName("reportSaved")
        self.saved.open()
