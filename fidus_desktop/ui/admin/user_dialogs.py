"""Dialogs for the Users section: create a user, reset a password, change a role, confirm a simple action."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QWidget

from fidus_desktop.services.permissions import Role
from fidus_desktop.services.users import User
from fidus_desktop.ui.admin.form_dialog import ServiceFormDialog
from fidus_desktop.ui.session import UiSession

ROLE_LABELS = {role: role.value.replace("_", " ").capitalize() for role in Role}


def role_box(current: Role | None = None) -> QComboBox:
    box = QComboBox()
    for role, label in ROLE_LABELS.items():
        box.addItem(label, role.value)
    if current is not None:
        box.setCurrentIndex(box.findData(current.value))
    return box


def password_edit() -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


class PasswordPair:
    """A new password typed twice, as fields ``password`` and ``repeat``; the service checks the policy."""

    def __init__(self, dialog: ServiceFormDialog, label: str) -> None:
        self.password = dialog.add_field("password", label, password_edit())
        self.repeat = dialog.add_field("repeat", "Repeat it", password_edit())

    def text(self) -> str:
        return self.password.text()

    def problems(self) -> dict[str, str]:
        if not self.password.text():
            return {"password": "Enter a password (at least 12 characters)."}
        if self.password.text() != self.repeat.text():
            return {"repeat": "The two passwords differ; type the same password twice."}
        return {}


class CreateUserDialog(ServiceFormDialog):
    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(session, "New user", "Create", parent)
        self.username = self.add_field("username", "Username", QLineEdit())
        self.display_name = self.add_field("display_name", "Full name", QLineEdit())
        self.role = self.add_field("role", "Role", role_box(Role.BACK_OFFICE))
        self.password = PasswordPair(self, "Password")

    def local_problems(self) -> dict[str, str]:
        if not self.username.text().strip():
            return {"username": "Enter a username, e.g. maria.costa."}
        return self.password.problems()

    def call(self) -> User:
        return self.session.services.users.create_user(
            self.session.actor,
            self.username.text(),
            self.password.text(),
            self.role.currentData(),
            self.display_name.text() or None,
        )


class ResetPasswordDialog(ServiceFormDialog):
    def __init__(self, session: UiSession, user: User, parent: QWidget | None = None) -> None:
        super().__init__(session, f"Reset the password of {user.username}", "Reset password", parent)
        self.user = user
        self.form.addRow(QLabel(f"{user.username} must choose a new password at the next sign-in."))
        self.password = PasswordPair(self, "Temporary password")

    def local_problems(self) -> dict[str, str]:
        return self.password.problems()

    def call(self) -> User:
        return self.session.services.users.reset_password(self.session.actor, self.user.user_id, self.password.text())


class ChangeRoleDialog(ServiceFormDialog):
    def __init__(self, session: UiSession, user: User, parent: QWidget | None = None) -> None:
        super().__init__(session, f"Change the role of {user.username}", "Change role", parent)
        self.user = user
        self.role = self.add_field("role", "Role", role_box(user.role))

    def call(self) -> User:
        return self.session.services.users.set_role(self.session.actor, self.user.user_id, self.role.currentData())


class ConfirmDialog(ServiceFormDialog):
    """Asks once before an action without fields (disable, enable, unlock, reset MFA)."""

    def __init__(
        self,
        session: UiSession,
        title: str,
        message: str,
        ok_text: str,
        action: Callable[[], Any],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(session, title, ok_text, parent)
        self.action = action
        message_label = QLabel(message)
        message_label.setWordWrap(True)
        self.form.addRow(message_label)

    def call(self) -> Any:
        return self.action()
