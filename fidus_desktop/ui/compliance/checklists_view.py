"""The KYC checklists: for the chosen investor kind, every saved version (the one in use first, the shipped list
last) and the chosen version's requirements; officers holding ``kyc.checklist`` edit the list in use in a
dialog (add, remove, reorder items and set their fields) and save it with a reason as the next version through
``ChecklistService.save``: checked whole by the domain, refused with the item's number and what to fix, nothing
written when invalid or unchanged. Cases opened from then on copy the new list; open cases keep theirs."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fidus_desktop.domain.compliance.kyc import Requirement
from fidus_desktop.services.compliance.checklists import ChecklistVersion
from fidus_desktop.services.compliance.permissions import KycPermission
from fidus_desktop.services.permissions import allowed
from fidus_desktop.services.portfolio.investors import INVESTOR_KINDS
from fidus_desktop.ui.admin.form_dialog import ServiceFormDialog
from fidus_desktop.ui.common.keys import refresh_on_f5
from fidus_desktop.ui.common.lazy_table import RIGHT, Column
from fidus_desktop.ui.common.record_table import RecordTableModel, record_view, selected
from fidus_desktop.ui.common.refreshing_panel import RefreshingPanel
from fidus_desktop.ui.common.table_export import TableExport
from fidus_desktop.ui.compliance.saved_versions import saved_columns
from fidus_desktop.ui.session import UiSession

CHECKLIST_CHANGES = frozenset({"kyc_checklist"})
RELOAD_ON = frozenset({"kyc_checklist", "*"})
KIND_LABELS = {"individual": "Individuals", "corporate": "Companies"}

VERSION_COLUMNS: list[Column[ChecklistVersion]] = [
    Column("Version", lambda v: str(v.version) if v.version else "0 (shipped)", value=lambda v: v.version),
    *saved_columns(),
]
ITEM_COLUMNS: list[Column[Requirement]] = [
    Column("Code", lambda r: r.code),
    Column("Requirement", lambda r: r.label),
    Column("Required", lambda r: "yes" if r.required else "optional", value=lambda r: r.required),
    Column("Expiry date", lambda r: "entered, lapses" if r.expires else "", value=lambda r: r.expires),
    Column("Max age (days)", lambda r: str(r.max_age_days) if r.max_age_days else "", align=RIGHT,
           value=lambda r: r.max_age_days),
]

# the editor's columns
CODE, LABEL, REQUIRED, EXPIRES, MAX_AGE = range(5)
EDIT_HEADERS = ("Code", "Requirement", "Required", "Has expiry date", "Max age (days)")
EDIT_TIPS = (
    "Lower-case letters, digits and _; unique. Cases keep it with the item, so give a new document a new code.",
    "What officers and investors read, e.g. Proof of address (at most 3 months old).",
    "A case is approved only when every required item is approved; an optional one may stay missing.",
    "The officer enters the document's expiry date when it is received; the case needs an update when it lapses.",
    "A document older than this many days when received is refused (proof of address: 92). Empty: no limit.",
)


def version_html(version: ChecklistVersion, kind_label: str) -> str:
    saved = (f"saved {version.saved_at.astimezone():%Y-%m-%d} by {version.saved_by}" if version.saved_at
             else "shipped with FIDUS")
    lines = [f"<b>{kind_label}: checklist version {version.version}</b>, {saved}: {version.reason}"]
    if version.changes:
        lines.append("Changed from the version before: " + "; ".join(version.changes) + ".")
    return "<br>".join(lines)


class ChecklistEditor(QWidget):
    """The editable list of items: one row per requirement, in the order cases show them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = QTableWidget(0, len(EDIT_HEADERS), objectName="checklistItems")
        self.table.setHorizontalHeaderLabels(EDIT_HEADERS)
        for column, tip in enumerate(EDIT_TIPS):
            header_item = self.table.horizontalHeaderItem(column)
            header_item.setToolTip(tip)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(LABEL, QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumHeight(self.fontMetrics().height() * 16)
        self.table.setMinimumWidth(self.fontMetrics().averageCharWidth() * 100)  # every column without scrolling
        self.buttons: dict[str, QPushButton] = {}
        bar = QVBoxLayout()
        for name, text, action in (("item_add", "&Add item", self.add_row), ("item_remove", "&Remove", self.remove_row),
                                   ("item_up", "Move &up", lambda: self.move(-1)),
                                   ("item_down", "Move do&wn", lambda: self.move(1))):
            button = QPushButton(text, objectName=name)
            button.clicked.connect(action)
            bar.addWidget(button)
            self.buttons[name] = button
        bar.addStretch()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addLayout(bar)
        self.table.itemSelectionChanged.connect(self._enable)
        self._enable()

    def set_items(self, requirements: tuple[Requirement, ...]) -> None:
        self.table.setRowCount(0)
        for r in requirements:
            self.add_row(r)
        self.table.clearSelection()
        self._enable()

    def add_row(self, requirement: Requirement | None = None) -> None:
        """A new row at the end (an empty required item, its code cell being edited), or ``requirement``."""
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.table.setItem(row, CODE, QTableWidgetItem(requirement.code if requirement else ""))
        self.table.setItem(row, LABEL, QTableWidgetItem(requirement.label if requirement else ""))
        for column, on in ((REQUIRED, requirement.required if requirement else True),
                           (EXPIRES, requirement.expires if requirement else False)):
            check = QTableWidgetItem()
            check.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            check.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
            self.table.setItem(row, column, check)
        age = QTableWidgetItem(str(requirement.max_age_days) if requirement and requirement.max_age_days else "")
        age.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.table.setItem(row, MAX_AGE, age)
        if requirement is None:
            self.table.selectRow(row)
            self.table.setCurrentCell(row, CODE)
            self.table.editItem(self.table.item(row, CODE))

    def current_row(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def remove_row(self) -> None:
        row = self.current_row()
        if row is not None:
            self.table.removeRow(row)
            if self.table.rowCount():
                self.table.selectRow(min(row, self.table.rowCount() - 1))

    def move(self, step: int) -> None:
        """Swap the selected row with its neighbour (the order is the order cases list the items)."""
        row = self.current_row()
        if row is None or not 0 <= row + step < self.table.rowCount():
            return
        for column in range(self.table.columnCount()):
            here, there = self.table.takeItem(row, column), self.table.takeItem(row + step, column)
            self.table.setItem(row, column, there)
            self.table.setItem(row + step, column, here)
        self.table.selectRow(row + step)

    def _enable(self) -> None:
        row = self.current_row()
        self.buttons["item_remove"].setEnabled(row is not None)
        self.buttons["item_up"].setEnabled(row is not None and row > 0)
        self.buttons["item_down"].setEnabled(row is not None and row < self.table.rowCount() - 1)

    def _text(self, row: int, column: int) -> str:
        cell = self.table.item(row, column)
        return cell.text().strip() if cell is not None else ""

    def _checked(self, row: int, column: int) -> bool:
        cell = self.table.item(row, column)
        return cell is not None and cell.checkState() == Qt.CheckState.Checked

    def data(self) -> tuple[list[dict[str, Any]], str]:
        """The rows as the checklist's JSON form (what the service checks), and what cannot be read as such."""
        items: list[dict[str, Any]] = []
        for row in range(self.table.rowCount()):
            age_text = self._text(row, MAX_AGE)
            if age_text and not age_text.isdigit():
                return items, (f"Item {row + 1} ({self._text(row, CODE) or 'no code'}): the maximum age is a whole "
                               f"number of days such as 92, not {age_text!r}; leave it empty for no limit.")
            items.append({"code": self._text(row, CODE), "label": self._text(row, LABEL),
                          "required": self._checked(row, REQUIRED), "expires": self._checked(row, EXPIRES),
                          "max_age_days": int(age_text) if age_text else None})
        return items, ""


class EditChecklistDialog(ServiceFormDialog):
    """The list in use of one kind, edited and saved with a reason as the next version."""

    changes = CHECKLIST_CHANGES
    enter_submits = False  # Enter ends a cell's edit; it must not save the list half typed

    def __init__(self, session: UiSession, kind: str, kind_label: str, current: ChecklistVersion,
                 parent: QWidget | None = None) -> None:
        super().__init__(session, f"{kind_label}: KYC checklist (version {current.version} → "
                                  f"{current.version + 1})", "&Save as new version", parent)
        self.kind = kind
        self.based_on = current.version  # a save by someone else meanwhile is refused, not silently undone
        intro = QLabel(f"Cases opened after saving copy this list; the {kind_label.lower()}' cases already open "
                       "keep their items. Point at a column header for what it means.", wordWrap=True)
        self.form.addRow(intro)
        self.editor = self.add_field("checklist", "Items", ChecklistEditor())
        self.editor.set_items(current.requirements)
        self.reason = self.add_field("reason", "Reason", QPlainTextEdit())
        self.reason.setPlaceholderText("Why the checklist changes, e.g. MLRO decision of 3 March (audited)")
        self.reason.setFixedHeight(self.fontMetrics().lineSpacing() * 3)

    def local_problems(self) -> dict[str, str]:
        _items, problem = self.editor.data()
        return {"checklist": problem} if problem else {}

    def call(self) -> ChecklistVersion:
        items, _problem = self.editor.data()
        service, actor = self.session.services.kyc_checklists, self.session.actor
        return service.save(actor, self.kind, items, self.reason.toPlainText(), based_on=self.based_on)


class ChecklistsView(RefreshingPanel):
    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        self.setObjectName("checklists")
        self.dialog: EditChecklistDialog | None = None
        self.wanted: int | None = None  # the version to show once the list holds it (one just saved)
        self.kind = QComboBox(objectName="checklistKind")
        for kind in INVESTOR_KINDS:  # the service's kinds; a new one appears with its code as label
            self.kind.addItem(KIND_LABELS.get(kind, kind.capitalize()), kind)
        self.kind.currentIndexChanged.connect(lambda _i: self._kind_changed())
        self.edit_button = QPushButton("&Edit checklist…", objectName="checklist_edit")
        may_edit = allowed(session.actor.role, KycPermission.CHECKLIST)
        self.edit_button.setEnabled(may_edit)
        self.edit_button.setToolTip("Edit the list in use and save it as the next version; open cases keep theirs."
                                    if may_edit else "Changing a KYC checklist needs the kyc.checklist permission "
                                                     "(compliance officers and the administrator).")
        self.edit_button.clicked.connect(self.edit)
        self.versions: RecordTableModel[ChecklistVersion] = RecordTableModel(VERSION_COLUMNS)
        self.versions_view = record_view(self.versions, "checklistVersions", stretch=3)
        self.versions_export = TableExport(self.versions_view, "Checklist versions", session.runner)
        self.items: RecordTableModel[Requirement] = RecordTableModel(ITEM_COLUMNS)
        self.items_view = record_view(self.items, "checklistRequirements", stretch=1)
        self.items_export = TableExport(self.items_view, "Checklist", session.runner)
        self.summary = QLabel(objectName="checklistSummary", wordWrap=True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notice = QLabel(objectName="checklistNotice", wordWrap=True)
        self.notice.hide()

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Investor &kind:", buddy=self.kind))
        bar.addWidget(self.kind)
        bar.addWidget(self.edit_button)
        bar.addStretch()
        bar.addWidget(self.versions_export.button)
        left_layout.addLayout(bar)
        left_layout.addWidget(self.notice)
        left_layout.addWidget(self.versions_view, 1)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.items_export.button, 0, Qt.AlignmentFlag.AlignTop)
        right_layout.addLayout(top)
        right_layout.addWidget(self.items_view, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        self.versions_view.selectionModel().selectionChanged.connect(lambda *_: self._show_version())
        session.signals.data_changed.connect(self._changed)  # type: ignore[attr-defined]
        refresh_on_f5(self, self.refresh)
        self._stale = True  # read when first shown
        self._show_version()

    def chosen_kind(self) -> tuple[str, str]:
        return str(self.kind.currentData()), self.kind.currentText()

    def _kind_changed(self) -> None:
        self.notice.hide()
        self.wanted = None
        self.versions.set_records(())
        self._show_version()
        self.refresh()

    def _changed(self, name: str) -> None:
        if name in RELOAD_ON:
            self.data_arrived()

    def refresh(self) -> None:
        service, actor = self.session.services.kyc_checklists, self.session.actor
        kind, _label = self.chosen_kind()
        self.load(lambda: (kind, [*service.versions(actor, kind), ChecklistVersion.shipped(kind)]), self._show)

    def _show(self, result: tuple[str, list[ChecklistVersion]]) -> None:
        kind, versions = result
        self.finished()
        if kind != self.chosen_kind()[0]:  # the kind changed while reading: its own read follows
            return
        chosen = self.chosen()
        self.versions.set_records(versions)
        self.select(self.wanted if self.wanted is not None else (chosen.version if chosen else None))

    def select(self, version: int | None) -> None:
        """Show ``version`` (the one in use when None or not listed yet; then remembered until it is)."""
        numbers = [v.version for v in self.versions.records]
        self.wanted = None if version is None or version in numbers else version
        if numbers:
            self.versions_view.selectRow(numbers.index(version) if version in numbers else 0)
        self._show_version()

    def chosen(self) -> ChecklistVersion | None:
        version: ChecklistVersion | None = selected(self.versions_view, self.versions)
        return version

    def in_use(self) -> ChecklistVersion | None:
        records = self.versions.records
        return records[0] if records else None

    def _show_version(self) -> None:
        version = self.chosen()
        self.summary.setText(version_html(version, self.chosen_kind()[1]) if version else "Reading the checklist…")
        self.items.set_records(version.requirements if version else ())
        self.edit_button.setEnabled(allowed(self.session.actor.role, KycPermission.CHECKLIST)
                                    and self.in_use() is not None)

    def edit(self) -> None:
        current = self.in_use()
        if current is None:
            return
        kind, label = self.chosen_kind()
        self.dialog = EditChecklistDialog(self.session, kind, label, current, self)
        self.dialog.accepted.connect(lambda: self._saved(self.dialog.result_value if self.dialog else None))
        self.dialog.open()

    def _saved(self, saved: ChecklistVersion | None) -> None:
        if saved is None:
            return
        self.notice.setText(f"Version {saved.version} saved ({'; '.join(saved.changes)}). Cases opened from now on "
                            "use it; open cases keep their items.")
        self.notice.show()
        self.select(saved.version)
