"""Admin → Roles shows the permission matrix the services enforce."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from fidus_desktop.services.permissions import ROLE_PERMISSIONS, Permission, Role, allowed
from fidus_desktop.ui.admin.roles_view import RolesView
from fidus_desktop.ui.admin.user_dialogs import ROLE_LABELS
from fidus_desktop.ui.session import UiSession
from tests.support.ui_session import admin_session


@pytest.fixture
def session(tmp_path: Path) -> Iterator[UiSession]:
    yield from admin_session(tmp_path)


def test_every_permission_and_role_is_shown_as_the_services_decide(qtbot: QtBot, session: UiSession) -> None:
    view = RolesView(session)
    qtbot.addWidget(view)
    model = view.model
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert list(model.records) == list(ROLE_PERMISSIONS.declared())  # every feature's, in declaration order
    for row, permission in enumerate(model.records):
        for role in Role:
            shown = model.index(row, headers.index(ROLE_LABELS[role])).data()
            assert (shown == "✔") == allowed(role, permission), (permission, role)
    fees = model.records.index(Permission.FEES_PAY)
    assert model.index(fees, 0).data() == "Fees: pay"
    assert model.index(model.records.index(Permission.MT5_READ), 0).data() == "MT5: read"  # as the office writes it
