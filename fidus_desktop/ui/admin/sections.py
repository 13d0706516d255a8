"""The Admin tab's sections, in order; a feature adds ``(title, factory)`` here."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from fidus_desktop.ui.admin.audit_view import AuditView
from fidus_desktop.ui.admin.backup_view import BackupsView
from fidus_desktop.ui.admin.keys_view import KeysView
from fidus_desktop.ui.admin.roles_view import RolesView
from fidus_desktop.ui.admin.users_view import UsersView
from fidus_desktop.ui.session import UiSession

SectionFactory = Callable[[UiSession], QWidget]

ADMIN_SECTIONS: list[tuple[str, SectionFactory]] = [
    ("Users", UsersView),
    ("Audit", AuditView),
    ("Backups", BackupsView),
    ("Keys", KeysView),
    ("Roles", RolesView),
]
