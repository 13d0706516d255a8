"""A workstation that would write unsealed audit entries says so after sign-in (one dismissable line with "How to
fix"), and File → Data key offers what the role may have: the data key, or only the audit seal key."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QToolButton
from pytestqt.qtbot import QtBot

from fidus_desktop.config.secrets import SecretStore
from fidus_desktop.security.audit_seal import derive_seal_key
from fidus_desktop.security.keyring_memory import InMemoryKeyring
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.key_enrolment import KeyEnrolments
from fidus_desktop.services.keys import KeyService, secret_name
from fidus_desktop.ui.background import InlineRunner
from fidus_desktop.ui.key_access_dialog import KeyAccessDialog
from fidus_desktop.ui.main_window import MainWindow
from fidus_desktop.ui.seal_banner import DISMISSED
from fidus_desktop.ui.session import UiSession
from tests.support.cost import CHEAP_KDF
from tests.support.forms import click
from tests.support.keys_office import PASSPHRASE
from tests.support.ui_session import admin_session
from tests.support.users import USER_PASSWORD

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def admin(tmp_path: Path) -> Iterator[UiSession]:
    yield from admin_session(tmp_path)
    QApplication.instance().setProperty(DISMISSED, None)  # the application outlives the test


@pytest.fixture
def approver(admin: UiSession) -> KeyEnrolments:
    """The office has a data key; the administrator's own workstation holds it, this one does not."""
    services = admin.services
    services.keys.kdf = CHEAP_KDF
    key_id = services.keys.init(admin.actor, PASSPHRASE)
    admin_secrets = SecretStore(InMemoryKeyring())
    admin_keys = KeyService(services.ctx, admin_secrets, CHEAP_KDF)
    admin_keys.enroll(admin.actor, PASSPHRASE)
    admin.context.secrets.delete(secret_name(key_id))
    return KeyEnrolments(services.ctx, admin_keys, admin_secrets)


@pytest.fixture
def this_workstation(admin: UiSession, approver: KeyEnrolments, monkeypatch: pytest.MonkeyPatch) -> KeyService:
    services = admin.services
    fresh = KeyService(services.ctx, admin.context.secrets, CHEAP_KDF)  # nothing cached from the init
    monkeypatch.setattr(services, "keys", fresh)
    monkeypatch.setattr(services, "key_enrolments", KeyEnrolments(services.ctx, fresh, admin.context.secrets))
    return fresh


def window(qtbot: QtBot, admin: UiSession, actor: Actor) -> MainWindow:
    win = MainWindow(UiSession(admin.context, actor, InlineRunner()), restore_state=False)
    qtbot.addWidget(win)
    win.show()
    return win


def user(admin: UiSession, name: str, role: str) -> Actor:
    return admin.services.users.create_user(admin.actor, name, USER_PASSWORD, role).actor()


def test_a_portfolio_manager_is_warned_asks_for_the_seal_key_and_the_warning_goes(
        qtbot: QtBot, admin: UiSession, approver: KeyEnrolments, this_workstation: KeyService) -> None:
    pm = user(admin, "petra.pm", "portfolio_manager")
    win = window(qtbot, admin, pm)
    banner = win.seal_banner
    assert banner.isVisible()
    assert "Audit entries not sealed" in banner.text()
    assert banner.height() <= 2 * banner.fontMetrics().height() + 8  # one line
    banner.label.linkActivated.emit("fix")  # "How to fix" opens File → Data key for this workstation…
    dialog = win.key_access
    assert dialog.isVisible()
    assert "not sealed" in dialog.note.text()
    assert dialog.buttons["request"].text() == "&Ask an administrator for the audit seal key"
    click(qtbot, dialog.buttons["request"])
    shown = re.search(r"([0-9A-F]{4}(?:-[0-9A-F]{4}){4})", dialog.message.text())
    assert shown, dialog.message.text()
    [request] = approver.pending(admin.actor)
    approver.approve(admin.actor, request.request_id, shown.group(1))
    click(qtbot, dialog.buttons["collect"])
    assert "now seals its audit entries" in dialog.message.text()
    # Seal-only now: the dialog says so and offers nothing more to a role that does not read personal data.
    assert "holds only the audit seal key" in dialog.status.text()
    assert "Nothing more to ask for" in dialog.note.text()
    assert not dialog.buttons["request"].isEnabled()
    assert "does not read personal data" in dialog.buttons["request"].toolTip()
    dialog.close()
    assert not banner.isVisible()  # the key was taken: checked again when the dialog closed
    assert not window(qtbot, admin, pm).seal_banner.isVisible()


def test_the_banner_can_be_dismissed_for_the_session(
        qtbot: QtBot, admin: UiSession, this_workstation: KeyService) -> None:
    win = window(qtbot, admin, user(admin, "bo", "back_office"))
    assert win.seal_banner.isVisible()
    qtbot.mouseClick(win.seal_banner.findChild(QToolButton, "sealBannerClose"), Qt.MouseButton.LeftButton)
    assert not win.seal_banner.isVisible()
    assert not window(qtbot, admin, user(admin, "bo2", "back_office")).seal_banner.isVisible()


def test_an_administrator_is_told_to_enrol_with_the_passphrase(
        qtbot: QtBot, admin: UiSession, this_workstation: KeyService) -> None:
    win = window(qtbot, admin, admin.actor)
    assert win.seal_banner.isVisible()
    win.seal_banner.label.linkActivated.emit("fix")
    fix = win.findChild(QMessageBox, "sealFix")
    assert "Admin → Keys → Enrol this workstation" in fix.text()
    assert "fidus key enroll" in fix.text()
    fix.close()


def test_no_banner_where_entries_are_sealed_or_sealing_is_off(qtbot: QtBot, admin: UiSession) -> None:
    assert not window(qtbot, admin, admin.actor).seal_banner.isVisible()  # no data key in the office yet
    admin.services.keys.kdf = CHEAP_KDF
    admin.services.keys.init(admin.actor, PASSPHRASE)
    assert not window(qtbot, admin, admin.actor).seal_banner.isVisible()  # this workstation holds the key


def test_a_compliance_officer_holding_only_the_seal_key_may_still_ask_for_the_data_key(
        qtbot: QtBot, admin: UiSession, approver: KeyEnrolments, this_workstation: KeyService) -> None:
    key = approver.keys.loaded_keys()[0]
    this_workstation.seal_keys.remember(derive_seal_key(key))
    carol = user(admin, "carol", "compliance_officer")
    win = window(qtbot, admin, carol)
    assert not win.seal_banner.isVisible()
    dialog = KeyAccessDialog(UiSession(admin.context, carol, InlineRunner()))
    qtbot.addWidget(dialog)
    dialog.show()
    assert "holds only the audit seal key" in dialog.status.text()
    assert "ask for the data key" in dialog.note.text()
    assert dialog.buttons["request"].text() == "&Ask an administrator for the data key"
    click(qtbot, dialog.buttons["request"])
    shown = re.search(r"([0-9A-F]{4}(?:-[0-9A-F]{4}){4})", dialog.message.text())
    assert shown, dialog.message.text()
    [request] = approver.pending(admin.actor)
    approver.approve(admin.actor, request.request_id, shown.group(1))
    click(qtbot, dialog.buttons["collect"])
    assert f"enrolled (data key {key.key_id})" in dialog.message.text()
    assert "this workstation is enrolled" in dialog.status.text()
