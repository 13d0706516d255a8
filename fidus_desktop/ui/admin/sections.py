"""The Admin tab's sections, in order; a feature adds ``(title, factory)`` here."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from fidus_desktop.ui.admin.users_view import UsersView
from fidus_desktop.ui.session import UiSession

SectionFactory = Callable[[UiSession], QWidget]

ADMIN_SECTIONS: list[tuple[str, SectionFactory]] = [
    ("Users", UsersView),
]
