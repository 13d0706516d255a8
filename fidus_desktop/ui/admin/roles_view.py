"""Admin → Roles: which role may do what, read-only, straight from ``services.permissions.ROLE_PERMISSIONS``.

Why read-only: roles are fixed in the product (the services check them); an administrator needs to see them
to choose a colleague's role, not to edit them.
"""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from fidus_desktop.services.permissions import ROLE_PERMISSIONS, Role, allowed
from fidus_desktop.ui.admin.user_dialogs import ROLE_LABELS
from fidus_desktop.ui.common.lazy_table import Column
from fidus_desktop.ui.common.record_table import RecordTableModel
from fidus_desktop.ui.common.table_export import TableExport
from fidus_desktop.ui.session import UiSession

ALLOWED, REFUSED = "✔", ""


AREA_NAMES = {"nav": "NAV", "fx": "FX", "mt5": "MT5", "crm": "CRM", "kyc": "KYC"}  # written as the office does


def what(permission: str) -> str:
    """``dealing.enter`` → ``Dealing: enter``; ``mt5.read`` → ``MT5: read``."""
    area, _, action = str(permission).partition(".")
    return f"{AREA_NAMES.get(area, area.replace('_', ' ').capitalize())}: {action.replace('_', ' ')}"


ROLE_COLUMNS: list[Column[str]] = [
    Column("Permission", what),
    *(Column(ROLE_LABELS[role], lambda p, r=role: ALLOWED if allowed(r, p) else REFUSED) for role in Role),
]


class RolesView(QWidget):
    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("rolesView")
        self.model = RecordTableModel(ROLE_COLUMNS, self)
        self.model.set_records(list(ROLE_PERMISSIONS.declared()))  # every feature's, in feature order
        self.table = QTableView(objectName="rolesTable")
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.export = TableExport(self.table, "Roles and permissions", session.runner)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(f"What each role may do ({len(Role)} roles, fixed in the product; change a user's "
                             "role under Users)."))
        bar.addStretch()
        bar.addWidget(self.export.button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table)
