"""Admin → Users driven by clicks and typing: create, disable, enable, unlock, change role, refusals."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QComboBox, QLabel, QPushButton
from pytestqt.qtbot import QtBot

from fidus_desktop.services.changes import USER
from fidus_desktop.services.users import AuthenticationFailed, User
from fidus_desktop.ui.admin.tab import AdminTab
from fidus_desktop.ui.admin.users_view import COLUMNS, UsersModel, UsersView
from fidus_desktop.ui.background import InlineRunner
from fidus_desktop.ui.session import UiSession
from tests.support.forms import click, field_error, fill_form
from tests.support.ui_session import USER_PASSWORD, admin_session

# The offscreen platform plugin says this whenever a window is shown; it is not about our code.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[UiSession]:
    yield from admin_session(tmp_path)


@pytest.fixture
def view(qtbot: QtBot, session: UiSession) -> UsersView:
    widget = UsersView(session)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def cell(view: UsersView, username: str, column: str) -> str:
    row = next(r for r in range(view.model.rowCount()) if view.model.user_at(r).username == username)
    return view.model.index(row, [c[0] for c in COLUMNS].index(column)).data()


def select(view: UsersView, username: str) -> User:
    row = next(r for r in range(view.model.rowCount()) if view.model.user_at(r).username == username)
    view.table.selectRow(row)
    return view.model.user_at(row)


def confirm(qtbot: QtBot, view: UsersView) -> None:
    assert view.dialog is not None
    click(qtbot, view.dialog.findChild(QPushButton, "ok"))


def test_model_passes_the_model_tester(qtmodeltester, view: UsersView) -> None:
    assert view.model.rowCount() == 2
    qtmodeltester.check(view.model)
    qtmodeltester.check(UsersModel(view.session.now()))  # and empty


def test_admin_tab_shows_the_users_section(qtbot: QtBot, session: UiSession) -> None:
    tab = AdminTab(session)
    qtbot.addWidget(tab)
    assert tab.tabText(0) == "Users"
    assert isinstance(tab.widget(0), UsersView)


def test_create_user_by_typing_with_field_level_errors(qtbot: QtBot, view: UsersView, session: UiSession) -> None:
    click(qtbot, view.buttons["create"])
    fill_form(qtbot, view.dialog, username="lena.fischer", display_name="Lena Fischer", password="short",
              repeat="shorter")
    view.dialog.findChild(QComboBox, "role").setCurrentIndex(
        view.dialog.findChild(QComboBox, "role").findData("compliance_officer")
    )
    confirm(qtbot, view)
    assert "differ" in field_error(view.dialog, "repeat")
    fill_form(qtbot, view.dialog, repeat="short")
    confirm(qtbot, view)  # the service's policy message appears under the password
    assert "at least 12" in field_error(view.dialog, "password")
    assert view.dialog.isVisible()
    fill_form(qtbot, view.dialog, password="quiet harbour at dawn", repeat="quiet harbour at dawn")
    confirm(qtbot, view)
    assert not view.dialog.isVisible()
    assert cell(view, "lena.fischer", "Role") == "Compliance officer"
    assert cell(view, "lena.fischer", "MFA") == "Required"
    audit = list(session.services.ctx.audit.iter_chain())
    assert (audit[-1]["action"], audit[-1]["actor"]) == ("user.create", "alice.admin")


def test_disable_and_enable_by_clicks(qtbot: QtBot, view: UsersView, session: UiSession) -> None:
    changes: list[str] = []
    session.signals.data_changed.connect(changes.append)
    select(view, "bob.pm")
    assert not view.buttons["enable"].isEnabled()
    click(qtbot, view.buttons["disable"])
    confirm(qtbot, view)
    assert cell(view, "bob.pm", "Active") == "Disabled"
    assert changes == [USER]  # the dialog announced what it changed
    with pytest.raises(AuthenticationFailed):
        session.services.users.authenticate("bob.pm", USER_PASSWORD)
    assert view.selected().username == "bob.pm"  # the selection survives the reload
    click(qtbot, view.buttons["enable"])
    confirm(qtbot, view)
    assert cell(view, "bob.pm", "Active") == "Yes"


def test_unlock_by_clicks(qtbot: QtBot, view: UsersView, session: UiSession) -> None:
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            session.services.users.authenticate("bob.pm", "not the password, sorry")
    view.refresh()
    select(view, "bob.pm")
    assert cell(view, "bob.pm", "Locked until")
    click(qtbot, view.buttons["unlock"])
    confirm(qtbot, view)
    assert cell(view, "bob.pm", "Locked until") == ""
    assert not view.buttons["unlock"].isEnabled()
    assert session.services.users.authenticate("bob.pm", USER_PASSWORD).username == "bob.pm"


def test_change_role_by_clicks(qtbot: QtBot, view: UsersView) -> None:
    select(view, "bob.pm")
    click(qtbot, view.buttons["change_role"])
    box = view.dialog.findChild(QComboBox, "role")
    assert box.currentData() == "portfolio_manager"
    box.setCurrentIndex(box.findData("back_office"))
    confirm(qtbot, view)
    assert cell(view, "bob.pm", "Role") == "Back office"


def test_reset_password_by_typing(qtbot: QtBot, view: UsersView, session: UiSession) -> None:
    select(view, "bob.pm")
    click(qtbot, view.buttons["reset_password"])
    fill_form(qtbot, view.dialog, password="temporary lilac window", repeat="temporary lilac window")
    confirm(qtbot, view)
    assert session.services.users.authenticate("bob.pm", "temporary lilac window").must_change_password


def test_a_refused_action_keeps_the_dialog_open_with_the_reason(qtbot: QtBot, view: UsersView) -> None:
    select(view, "alice.admin")
    click(qtbot, view.buttons["disable"])
    confirm(qtbot, view)
    assert view.dialog.isVisible()
    assert "your own account" in field_error(view.dialog, "general")
    assert cell(view, "alice.admin", "Active") == "Yes"


def test_a_non_admin_sees_the_refusal_not_the_users(qtbot: QtBot, session: UiSession) -> None:
    bob = session.services.users.authenticate("bob.pm", USER_PASSWORD)
    widget = UsersView(UiSession(session.context, bob.actor(), runner=InlineRunner()))
    qtbot.addWidget(widget)
    assert widget.model.rowCount() == 0
    box = widget.findChild(QLabel, "qt_msgbox_label")
    assert box is not None
    assert "may not users: manage" in box.text()


def test_disabled_user_buttons_say_why(qtbot: QtBot, view: UsersView) -> None:
    view.table.clearSelection()
    assert view.buttons["disable"].toolTip() == "Select a user in the table first."
    view.table.selectRow(0)
    user = view.selected()
    assert user is not None
    assert view.buttons["unlock"].toolTip() == f"{user.username} is not locked out."
    assert not view.buttons["unlock"].isEnabled()
