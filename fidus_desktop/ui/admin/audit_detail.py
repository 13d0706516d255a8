"""One audit entry in full: who, when, where, what, and each field before and after (changed fields marked).

Opened from Admin → Audit with Enter or a double-click. Values are shown as stored; the service layer never
puts a secret or a sealed personal field in clear into an audit entry, so nothing here needs hiding.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fidus_desktop.services.audit import AuditEntry
from fidus_desktop.ui.common.table_export import TableExport
from fidus_desktop.ui.session import UiSession

CHANGED = QColor("#fff3cd")
ABSENT = "—"


def shown(value: Any) -> str:
    if value is None:
        return ABSENT
    return value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)


def changes(entry: AuditEntry) -> list[tuple[str, str, str]]:
    """(field, before, after) for every field in either version, in name order."""
    before, after = entry.before or {}, entry.after or {}
    return [(name, shown(before.get(name)), shown(after.get(name))) for name in sorted(before.keys() | after.keys())]


class AuditEntryDialog(QDialog):
    def __init__(self, session: UiSession, entry: AuditEntry, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="auditEntryDialog")
        self.setWindowTitle(f"Audit entry {entry.seq}")
        facts = QFormLayout()
        for label, text in (("When", entry.at.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")),
                            ("Who", f"{entry.actor} ({entry.role}) on {entry.workstation}"),
                            ("Action", entry.action), ("Entity", f"{entry.entity} {entry.entity_id}")):
            value = QLabel(text, wordWrap=True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            facts.addRow(label, value)
        rows = changes(entry)
        self.table = QTableWidget(len(rows), 3, objectName="auditChanges")
        self.table.setHorizontalHeaderLabels(["Field", "Before", "After"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        for row, cells in enumerate(rows):
            changed = cells[1] != cells[2]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if changed:
                    item.setBackground(QBrush(CHANGED))
                self.table.setItem(row, column, item)
        self.export = TableExport(self.table, f"Audit entry {entry.seq}", session.runner)
        note = QLabel("Changed fields are highlighted." if rows else "This action recorded no field values.")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.addButton(self.export.button, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addLayout(facts)
        layout.addWidget(note)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(720, 480)
