"""File → Data key for this workstation…: a compliance officer asks for the key, an administrator approves it
from their own (enrolled) workstation, the officer takes it; clicks only on the officer's side."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from fidus_desktop.config.secrets import SecretStore
from fidus_desktop.security.keyring_memory import InMemoryKeyring
from fidus_desktop.services.key_enrolment import KeyEnrolments
from fidus_desktop.services.keys import KeyService, secret_name
from fidus_desktop.ui.background import InlineRunner
from fidus_desktop.ui.key_access_dialog import KeyAccessDialog
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


def test_ask_for_the_key_then_take_it_once_approved(
    qtbot: QtBot, admin: UiSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = admin.services
    services.keys.kdf = CHEAP_KDF
    key_id = services.keys.init(admin.actor, PASSPHRASE)
    admin_secrets = SecretStore(InMemoryKeyring())  # the administrator's own workstation, enrolled
    admin_keys = KeyService(services.ctx, admin_secrets, CHEAP_KDF)
    admin_keys.enroll(admin.actor, PASSPHRASE)
    admin.context.secrets.delete(secret_name(key_id))  # this workstation: not enrolled
    fresh = KeyService(services.ctx, admin.context.secrets, CHEAP_KDF)
    monkeypatch.setattr(services, "keys", fresh)
    monkeypatch.setattr(services, "key_enrolments", KeyEnrolments(services.ctx, fresh, admin.context.secrets))
    carol = services.users.create_user(admin.actor, "carol", USER_PASSWORD, "compliance_officer").actor()
    dialog = KeyAccessDialog(UiSession(admin.context, carol, InlineRunner()))
    qtbot.addWidget(dialog)
    dialog.show()
    assert "NOT enrolled" in dialog.status.text()
    click(qtbot, dialog.buttons["collect"])
    assert "No approved request" in dialog.message.text()
    click(qtbot, dialog.buttons["request"])
    shown = re.search(r"([0-9A-F]{4}(?:-[0-9A-F]{4}){4})", dialog.message.text())
    assert shown, dialog.message.text()
    [request] = KeyEnrolments(services.ctx, admin_keys, admin_secrets).pending(admin.actor)
    KeyEnrolments(services.ctx, admin_keys, admin_secrets).approve(admin.actor, request.request_id, shown.group(1))
    click(qtbot, dialog.buttons["collect"])
    assert f"enrolled (data key {key_id})" in dialog.message.text()
    assert "this workstation is enrolled" in dialog.status.text()
    assert not dialog.buttons["request"].isEnabled()
