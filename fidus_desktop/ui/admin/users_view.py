"""Admin → Users: the user table and the administrator's actions on it.

Every action opens a dialog whose service call runs in the worker; the service checks the permission and
writes the audit entry; the dialog announces the change ``user``, and the table reloads on it (also when
another workstation changed a user).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fidus_desktop.services.changes import EVERYTHING, USER
from fidus_desktop.services.users import User
from fidus_desktop.ui.admin.form_dialog import ServiceFormDialog
from fidus_desktop.ui.admin.user_dialogs import (
    ROLE_LABELS,
    ChangeRoleDialog,
    ConfirmDialog,
    CreateUserDialog,
    ResetPasswordDialog,
)
from fidus_desktop.ui.common.keys import refresh_on_f5
from fidus_desktop.ui.common.table_export import TableExport
from fidus_desktop.ui.session import UiSession

Index = QModelIndex | QPersistentModelIndex


def _when(value: datetime | None) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M") if value else ""


COLUMNS: list[tuple[str, Callable[[User, datetime], str]]] = [
    ("Username", lambda u, now: u.username),
    ("Name", lambda u, now: u.display_name),
    ("Role", lambda u, now: ROLE_LABELS[u.role]),
    ("Active", lambda u, now: "Yes" if u.active else "Disabled"),
    ("MFA", lambda u, now: "On" if u.mfa_enabled else ("Required" if u.must_enrol_mfa else "Off")),
    ("Locked until", lambda u, now: _when(u.locked_until) if u.is_locked(now) else ""),
    ("Last sign-in", lambda u, now: _when(u.last_sign_in_at)),
]


class UsersModel(QAbstractTableModel):
    """Users as loaded by ``UserService.list`` (an office has tens of users: no lazy fetching needed)."""

    def __init__(self, now: datetime, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._users: list[User] = []
        self._now = now

    def set_users(self, users: list[User], now: datetime) -> None:
        self.beginResetModel()
        self._users, self._now = list(users), now
        self.endResetModel()

    @property
    def now(self) -> datetime:
        """When the users were loaded (whether a lockout is still running is judged at that time)."""
        return self._now

    def user_at(self, row: int) -> User:
        return self._users[row]

    def row_of(self, user_id: str) -> int:
        return next((i for i, u in enumerate(self._users) if u.user_id == user_id), -1)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._users)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        return COLUMNS[index.column()][1](self._users[index.row()], self._now)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section][0]
        return None


class UsersView(QWidget):
    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setObjectName("usersView")
        self.model = UsersModel(session.now(), self)
        self.table = QTableView()
        self.table.setObjectName("usersTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setWordWrap(False)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.dialog: QDialog | None = None  # the open action dialog (tests drive it)

        self.buttons: dict[str, QPushButton] = {}
        bar = QHBoxLayout()
        for name, text, handler in [
            ("create", "&New user…", self.create_user),
            ("disable", "Disable…", self.disable_user),
            ("enable", "Enable…", self.enable_user),
            ("reset_password", "Reset &password…", self.reset_password),
            ("unlock", "Unlock…", self.unlock_user),
            ("change_role", "Change &role…", self.change_role),
            ("reset_mfa", "Reset MFA…", self.reset_mfa),
        ]:
            button = QPushButton(text)
            button.setObjectName(f"{name}Button")
            button.clicked.connect(handler)
            bar.addWidget(button)
            self.buttons[name] = button
        bar.addStretch()
        self.export = TableExport(self.table, "Users", session.runner)
        bar.addWidget(self.export.button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table)
        self._update_buttons()
        session.signals.data_changed.connect(self._data_changed)
        refresh_on_f5(self, self.refresh)
        self.refresh()

    def _data_changed(self, name: str) -> None:
        if name in (USER, EVERYTHING):
            self.refresh()

    def refresh(self) -> None:
        users, actor = self.session.services.users, self.session.actor
        self.session.runner.submit(
            lambda: (users.list(actor), users.now()),
            owner=self, key="refresh", on_done=lambda result: self._loaded(*result),
        )

    def _loaded(self, users: list[User], now: datetime) -> None:
        selected = self.selected()
        self.model.set_users(users, now)
        if selected is not None and (row := self.model.row_of(selected.user_id)) >= 0:
            self.table.selectRow(row)
        self._update_buttons()

    def selected(self) -> User | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.user_at(rows[0].row()) if rows else None

    def _update_buttons(self) -> None:
        """Enable what applies to the selected user; a disabled button's tooltip says why."""
        user = self.selected()
        now = self.model.now
        if user is None:
            why = dict.fromkeys(("disable", "enable", "reset_password", "unlock", "change_role", "reset_mfa"),
                                "Select a user in the table first.")
        else:
            why = {
                "disable": "" if user.active else f"{user.username} is already disabled.",
                "enable": "" if not user.active else f"{user.username} is already enabled.",
                "reset_password": "",
                "unlock": "" if user.is_locked(now) else f"{user.username} is not locked out.",
                "change_role": "",
                "reset_mfa": "" if user.mfa_enabled else f"{user.username} has no two-step sign-in set up.",
            }
        for name, reason in why.items():
            self.buttons[name].setEnabled(not reason)
            self.buttons[name].setToolTip(reason)

    def _open(self, dialog: ServiceFormDialog) -> None:
        self.dialog = dialog
        dialog.changes = frozenset({USER})  # announced when it succeeds; this view reloads on it
        dialog.open()

    def _confirm(self, title: str, message: str, ok_text: str, action: Callable[[User], Any]) -> None:
        user = self.selected()
        if user is not None:
            self._open(
                ConfirmDialog(self.session, title, message.format(u=user.username), ok_text, lambda: action(user), self)
            )

    def create_user(self) -> None:
        self._open(CreateUserDialog(self.session, self))

    def disable_user(self) -> None:
        users, actor = self.session.services.users, self.session.actor
        self._confirm(
            "Disable user",
            "{u} will not be able to sign in until enabled again.",
            "Disable",
            lambda u: users.disable_user(actor, u.user_id),
        )

    def enable_user(self) -> None:
        users, actor = self.session.services.users, self.session.actor
        self._confirm(
            "Enable user", "{u} will be able to sign in again.", "Enable", lambda u: users.enable_user(actor, u.user_id)
        )

    def unlock_user(self) -> None:
        users, actor = self.session.services.users, self.session.actor
        self._confirm(
            "Unlock user", "Lift the lockout of {u} now?", "Unlock", lambda u: users.unlock_user(actor, u.user_id)
        )

    def reset_mfa(self) -> None:
        users, actor = self.session.services.users, self.session.actor
        self._confirm(
            "Reset MFA",
            "Remove the authenticator and recovery codes of {u}? They must enrol again "
            "if their role requires it. Do this only after checking who is asking.",
            "Reset MFA",
            lambda u: users.reset_mfa(actor, u.user_id),
        )

    def reset_password(self) -> None:
        if (user := self.selected()) is not None:
            self._open(ResetPasswordDialog(self.session, user, self))

    def change_role(self) -> None:
        if (user := self.selected()) is not None:
            self._open(ChangeRoleDialog(self.session, user, self))
