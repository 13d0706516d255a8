"""Investor files: every investor with their KYC case status, investment readiness (the blocking reasons as
tooltip), risk band, open alerts and what is still missing, filterable; the selected investor's file beside
it (``InvestorFilePanel``)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QSplitter, QVBoxLayout, QWidget

from fidus_desktop.services.compliance.investor_file import InvestorFile
from fidus_desktop.services.compliance.kyc import CaseStatusView
from fidus_desktop.services.compliance.readiness import GateRefusalRecord, InvestorReadiness
from fidus_desktop.services.portfolio.investors import Investor
from fidus_desktop.ui.common.keys import find_goes_to, refresh_on_f5
from fidus_desktop.ui.common.lazy_table import RIGHT, Column
from fidus_desktop.ui.common.record_table import RecordTableModel, record_view
from fidus_desktop.ui.common.table_export import TableExport
from fidus_desktop.ui.compliance.file_panel import InvestorFilePanel, words
from fidus_desktop.ui.compliance.readiness_panel import readiness_tip, readiness_word
from fidus_desktop.ui.session import UiSession

RELOAD_ON = frozenset({"kyc_case", "screening_alert", "document", "investor", "portfolio", "investor_readiness",
                       "signed_agreement", "*"})
ANY_STATUS = "Any case status"
ANY_READINESS = "Ready or not"
NO_CASE = "no case"


def case_status(view: CaseStatusView) -> str:
    return words(view.case.status) if view.case else NO_CASE


def _missing(view: CaseStatusView) -> str:
    if view.case is None or view.case.status.value == "approved":
        return "; ".join(view.expiring)
    return f"{len(view.problems)} item(s)" if view.problems else "ready for approval"


@dataclass(frozen=True)
class FileRow:
    """One investor of the list: their KYC case status and their readiness (None when not read)."""

    status: CaseStatusView
    readiness: InvestorReadiness | None

    @property
    def investor(self) -> Investor:
        return self.status.investor


COLUMNS: list[Column[FileRow]] = [
    Column("Number", lambda r: r.investor.number),
    Column("Investor", lambda r: r.investor.name),
    Column("Case", lambda r: case_status(r.status)),
    Column("Readiness", lambda r: readiness_word(r.readiness), tooltip=lambda r: readiness_tip(r.readiness)),
    Column("Risk", lambda r: r.status.case.risk_band.value if r.status.case and r.status.case.risk_band else ""),
    Column("Alerts", lambda r: str(r.status.open_alerts) if r.status.open_alerts else "", align=RIGHT,
           value=lambda r: r.status.open_alerts),
    Column("Still missing", lambda r: _missing(r.status),
           tooltip=lambda r: "\n".join((*r.status.problems, *r.status.expiring)) or None),
    Column("Kind", lambda r: r.investor.kind),
]


class CaseFilter(QSortFilterProxyModel):
    """Rows whose number or name hold the typed text, whose case has the chosen status and whose readiness
    the chosen one ("" any; True ready, by override too; False not ready)."""

    def __init__(self, model: RecordTableModel[FileRow]) -> None:
        super().__init__()
        self.records = model
        self.setSourceModel(model)
        self.text, self.status = "", ""
        self.ready: bool | None = None

    def set_filter(self, text: str, status: str, ready: bool | None = None) -> None:
        self.beginFilterChange()  # Qt 6.10's way (invalidateFilter is deprecated)
        self.text, self.status, self.ready = text.casefold().strip(), status, ready
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, row: int, parent: object) -> bool:
        record = self.records.record(row)
        if self.status and case_status(record.status) != self.status:
            return False
        if self.ready is not None and (record.readiness is None or record.readiness.ready != self.ready):
            return False
        return not self.text or self.text in f"{record.investor.number} {record.investor.name}".casefold()


class KycFilesView(QWidget):
    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("kycFiles")
        self.session = session
        self.wanted: str | None = None  # the investor to select once the list has loaded
        self.model: RecordTableModel[FileRow] = RecordTableModel(COLUMNS)
        self.proxy = CaseFilter(self.model)
        self.search = QLineEdit(objectName="fileSearch", placeholderText="Find an investor (number or name)")
        self.search.setClearButtonEnabled(True)
        self.status = QComboBox(objectName="fileStatus")
        self.status.addItem(ANY_STATUS, "")
        for status in ("open", "in review", "needs update", "approved", "rejected", NO_CASE):
            self.status.addItem(status.capitalize(), status)
        self.ready = QComboBox(objectName="fileReadiness")
        for text, value in ((ANY_READINESS, None), ("Ready", True), ("Not ready", False)):
            self.ready.addItem(text, value)
        self.view = record_view(self.model, "investorCases", stretch=1)
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.view.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        self.view.setColumnWidth(1, 190)
        self.export = TableExport(self.view, "KYC status", session.runner)
        self.count = QLabel(objectName="fileCount")
        self.panel = InvestorFilePanel(session)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        filters = QHBoxLayout()
        filters.addWidget(self.search, 1)
        filters.addWidget(self.status)
        filters.addWidget(self.ready)
        left_layout.addLayout(filters)
        left_layout.addWidget(self.view, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count, 1)
        bottom.addWidget(self.export.button)
        left_layout.addLayout(bottom)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.panel)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setSizes([560, 720])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)

        self.search.textChanged.connect(self._filter)
        self.status.currentIndexChanged.connect(self._filter)
        self.ready.currentIndexChanged.connect(self._filter)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self.load_file())
        session.signals.data_changed.connect(self._changed)  # type: ignore[attr-defined]
        refresh_on_f5(self, self.reload)
        find_goes_to(self, lambda: self.search)
        self.reload()

    def _changed(self, name: str) -> None:
        if name in RELOAD_ON:
            self.reload()

    def _filter(self) -> None:
        self.proxy.set_filter(self.search.text(), self.status.currentData(), self.ready.currentData())
        self._count()

    def _count(self) -> None:
        self.count.setText(f"{self.proxy.rowCount()} of {self.model.rowCount()} investors")

    def reload(self) -> None:
        kyc, readiness, actor = self.session.services.kyc, self.session.services.readiness, self.session.actor

        def rows() -> list[FileRow]:
            ready = {r.investor.investor_id: r for r in readiness.of_investors(actor)}
            return [FileRow(view, ready.get(view.investor.investor_id)) for view in kyc.status(actor)]

        self.session.runner.submit(rows, owner=self, key="list", on_done=self._show)

    def _show(self, rows: list[FileRow]) -> None:
        chosen = self.wanted or self.selected_investor()
        self.model.set_records(rows)
        self._count()
        if chosen:
            self.select(chosen)

    def selected_investor(self) -> str | None:
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            return None
        return self.model.record(self.proxy.mapToSource(rows[0]).row()).investor.investor_id

    def select(self, investor_id: str) -> None:
        """Show the file of ``investor_id`` (from the queue); remembered until the list holds it."""
        for row, view in enumerate(self.model.records):
            if view.investor.investor_id == investor_id:
                index = self.proxy.mapFromSource(self.model.index(row, 0))
                if not index.isValid():  # filtered out: clear the filters so the file can be shown
                    self.search.clear()
                    self.status.setCurrentIndex(0)
                    self.ready.setCurrentIndex(0)
                    index = self.proxy.mapFromSource(self.model.index(row, 0))
                self.wanted = None
                if self.selected_investor() == investor_id:
                    self.load_file()
                else:
                    self.view.selectRow(index.row())
                    self.view.scrollTo(index)
                return
        self.wanted = investor_id

    def load_file(self) -> None:
        investor_id = self.selected_investor()
        if investor_id is None:
            self.panel.show_file(None)
            return
        files, readiness, actor = self.session.services.kyc_files, self.session.services.readiness, \
            self.session.actor
        self.session.runner.submit(lambda: (files.file(actor, investor_id), readiness.readiness(actor, investor_id),
                                            readiness.refusals(actor, investor_id)),
                                   owner=self, key="file", on_done=lambda found: self._show_file(*found))

    def _show_file(self, file: InvestorFile, readiness: InvestorReadiness,
                   refusals: list[GateRefusalRecord]) -> None:
        if file.investor.investor_id == self.selected_investor():
            self.panel.show_file(file, readiness, tuple(refusals))
