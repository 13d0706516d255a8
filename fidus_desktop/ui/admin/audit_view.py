"""Admin → Audit: the audit trail, newest first, fetched page by page in the worker as the table scrolls;
filters, CSV export and a "Verify chain" button that shows the verdict (first broken entry and why)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fidus_desktop.security.audit_chain import ChainVerdict
from fidus_desktop.services.audit import AuditEntry
from fidus_desktop.services.audit_query import AuditFilter
from fidus_desktop.services.base import ValidationError
from fidus_desktop.ui.admin.audit_detail import AuditEntryDialog
from fidus_desktop.ui.background import Runner
from fidus_desktop.ui.common.buttons import button_bar
from fidus_desktop.ui.common.editors import DateEdit
from fidus_desktop.ui.common.keys import enter_opens, find_goes_to, refresh_on_f5
from fidus_desktop.ui.common.table_export import TableExport
from fidus_desktop.ui.errors import describe_error, show_error
from fidus_desktop.ui.session import UiSession

Index = QModelIndex | QPersistentModelIndex
PAGE = 200
Loader = Callable[[int | None], list[AuditEntry]]  # before_seq → the next page

COLUMNS: list[tuple[str, Callable[[AuditEntry], str]]] = [
    ("Seq", lambda e: str(e.seq)),
    ("When", lambda e: e.at.astimezone().strftime("%Y-%m-%d %H:%M:%S")),
    ("Actor", lambda e: e.actor),
    ("Role", lambda e: e.role),
    ("Workstation", lambda e: e.workstation),
    ("Action", lambda e: e.action),
    ("Entity", lambda e: e.entity),
    ("Entity id", lambda e: e.entity_id),
]


class AuditModel(QAbstractTableModel):
    """Rows appear a page at a time: ``fetchMore`` asks the worker for the entries older than the last row."""

    def __init__(self, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self._entries: list[AuditEntry] = []
        self._loader: Loader | None = None
        self._exhausted = True
        self._loading = False
        self.error: BaseException | None = None

    def set_loader(self, loader: Loader | None) -> None:
        """Start again with a new query (new filter); the view then fetches the first page."""
        self.beginResetModel()
        self._entries, self._loader, self._exhausted, self._loading = [], loader, loader is None, False
        self.endResetModel()

    def entry_at(self, row: int) -> AuditEntry:
        return self._entries[row]

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008 - Qt's signature
        return not parent.isValid() and not self._exhausted and not self._loading

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008 - Qt's signature
        if not self.canFetchMore(parent):
            return
        assert self._loader is not None
        loader, before = self._loader, self._entries[-1].seq if self._entries else None
        self._loading = True
        self.runner.submit(lambda: loader(before), owner=self, key="page",
                           on_done=lambda page: self._arrived(loader, page), on_error=self._failed)

    def _arrived(self, loader: Loader, page: list[AuditEntry]) -> None:
        if loader is not self._loader:  # a page of a query the user has since replaced
            return
        self._loading = False
        self._exhausted = len(page) < PAGE
        if page:
            start = len(self._entries)
            self.beginInsertRows(QModelIndex(), start, start + len(page) - 1)
            self._entries.extend(page)
            self.endInsertRows()

    def _failed(self, exc: BaseException) -> None:
        self._loading, self._exhausted, self.error = False, True, exc
        show_error(exc)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        return COLUMNS[index.column()][1](self._entries[index.row()])

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section][0]
        return None


def filter_problem(exc: ValidationError) -> str:
    """A filter's problem named by its label ("From: …"), not its internal field name."""
    labels = {"since": "From", "until": "Before"}
    return " ".join(f"{labels.get(k, k.capitalize())}: {v}" if k else v for k, v in exc.problems.items())


def start_of(edit: DateEdit, field: str) -> datetime | None:
    """The start (local midnight) of the day typed in a date filter; None when empty."""
    if problem := edit.problem():
        raise ValidationError({field: problem})
    day = edit.date()
    return None if day is None else datetime.combine(day, time()).astimezone()


class AuditView(QWidget):
    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setObjectName("auditView")
        self.model = AuditModel(session.runner, self)
        self.table = QTableView(objectName="auditTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setWordWrap(False)
        self.dialog: AuditEntryDialog | None = None
        enter_opens(self.table, self.open_entry)
        self.filters: dict[str, QLineEdit] = {}
        form = QHBoxLayout()  # one compact row
        for name, label, hint in [
            ("actor", "Actor", "user name"),
            ("entity", "Entity", "e.g. user, investors"),
            ("action", "Action", "e.g. user.create, or keys. for all key actions"),
            ("since", "From", ""),
            ("until", "Before", ""),
        ]:
            edit = DateEdit(optional=True, today=session.today) if not hint else QLineEdit(placeholderText=hint)
            edit.setObjectName(f"{name}Filter")
            if not hint:
                edit.setToolTip(("Entries from the start of this day. " if name == "since" else
                                 "Entries before the start of this day. ") + edit.toolTip())
            edit.returnPressed.connect(self.apply_filter)
            form.addWidget(QLabel(label))
            form.addWidget(edit, 1)
            self.filters[name] = edit
        self.dates = {name: edit for name, edit in self.filters.items() if isinstance(edit, DateEdit)}
        self.filter_error = QLabel(objectName="filterError", wordWrap=True)
        self.filter_error.setStyleSheet("color: #b00020;")
        self.verdict = QLabel(objectName="verdict", wordWrap=True)
        bar, self.buttons = button_bar(
            [
                ("apply", "&Apply filter", self.apply_filter),
                ("export", "Export full trail (CSV)…", self.export_csv),
                ("verify", "Verify &chain", self.verify_chain),
            ]
        )
        self.buttons["export"].setToolTip("Every field of the matching entries, before and after values included, "
                                          "as the audit service writes it for an auditor")
        self.table_export = TableExport(self.table, "Audit entries", session.runner, self._rows_job)
        bar.addWidget(self.table_export.button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.filter_error)
        layout.addLayout(bar)
        layout.addWidget(self.verdict)
        layout.addWidget(self.table)
        refresh_on_f5(self, self.apply_filter)
        find_goes_to(self, lambda: self.filters["actor"])
        self.apply_filter()

    def current_filter(self) -> AuditFilter:
        text = {name: edit.text().strip() or None for name, edit in self.filters.items()}
        return AuditFilter(text["actor"], text["entity"], text["action"],
                           start_of(self.dates["since"], "since"), start_of(self.dates["until"], "until"))

    def apply_filter(self) -> None:
        try:
            where = self.current_filter()
            where.to_store()  # type problems show here, before any query
        except ValidationError as exc:
            self.filter_error.setText(filter_problem(exc))
            return
        self.filter_error.setText("")
        query, actor = self.session.services.audit_query, self.session.actor
        self.model.set_loader(lambda before: query.page(actor, where, before_seq=before, limit=PAGE))
        self.model.fetchMore(QModelIndex())

    def open_entry(self, index: QModelIndex) -> None:
        """The entry in full, before and after (Enter or double-click)."""
        self.dialog = AuditEntryDialog(self.session, self.model.entry_at(index.row()), self)
        self.dialog.open()

    def _rows_job(self) -> Callable[[], list[list[str]]]:
        """Every entry matching the filter, as the table's columns show them (read in the worker)."""
        query, actor, where = self.session.services.audit_query, self.session.actor, self.current_filter()
        return lambda: [[text(entry) for _, text in COLUMNS] for entry in query.iter_matching(actor, where)]

    def export_csv(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export audit entries", "audit.csv", "CSV files (*.csv)")
        if not path:
            return
        try:
            where = self.current_filter()
        except ValidationError as exc:
            self.filter_error.setText(filter_problem(exc))
            return
        query, actor = self.session.services.audit_query, self.session.actor
        self.session.runner.submit(
            lambda: query.export_csv(actor, where, path), owner=self,
            on_done=lambda rows: self.verdict.setText(f"Exported {rows} entries to {path}."),
            on_error=lambda exc: self.verdict.setText(describe_error(exc)),
        )

    def verify_chain(self) -> None:
        self.verdict.setText("Verifying…")
        anchors, actor = self.session.services.audit_anchors, self.session.actor
        self.session.runner.submit(lambda: anchors.verify(actor)[0], owner=self, key="verify", on_done=self._verdict)

    def _verdict(self, verdict: ChainVerdict) -> None:
        """The same verdict as ``fidus audit verify``: chain, anchors and seals."""
        if verdict.ok:
            self.verdict.setText("\n".join((f"✔ Audit chain intact: {verdict.reason}", *verdict.notes,
                                            *verdict.warnings)))
            self.verdict.setStyleSheet("color: #8a5a00;" if verdict.warnings else "color: #1b5e20;")
        elif verdict.incomplete:
            self.verdict.setText(f"⚠ Audit chain not fully verified: {verdict.reason}")
            self.verdict.setStyleSheet("color: #8a5a00;")
        else:
            where = f" at entry {verdict.first_broken_seq}" if verdict.first_broken_seq is not None else ""
            self.verdict.setText(f"✘ Audit chain broken{where}: {verdict.reason}")
            self.verdict.setStyleSheet("color: #b00020;")
