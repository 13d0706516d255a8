"""Admin → Keys driven by clicks: create the key, a workstation that is not enrolled, enrol, rotate with progress."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from fidus_desktop.features.registry import PERSONAL_DATA
from fidus_desktop.security.crypto import field_key_id
from fidus_desktop.services.keys import KeyService, secret_name
from fidus_desktop.ui.admin.keys_view import KeysView
from fidus_desktop.ui.session import UiSession
from tests.support.cost import CHEAP_KDF
from tests.support.forms import click, field_error, submit_form
from tests.support.keys_office import PASSPHRASE, REGISTRY
from tests.support.ui_session import admin_session

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[UiSession]:
    for ui_session in admin_session(tmp_path):
        ui_session.services.keys.kdf = CHEAP_KDF
        yield ui_session


@pytest.fixture
def view(qtbot: QtBot, session: UiSession) -> KeysView:
    widget = KeysView(session)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_create_the_key_then_a_new_workstation_enrols(
    qtbot: QtBot, view: KeysView, session: UiSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "No data key yet" in view.status_label.text()
    assert not view.buttons["enrol"].isEnabled()
    click(qtbot, view.buttons["init"])
    submit_form(qtbot, view.dialog, passphrase=PASSPHRASE, repeat="something else")
    assert "differ" in field_error(view.dialog, "repeat")
    submit_form(qtbot, view.dialog, repeat=PASSPHRASE)
    assert not view.dialog.isVisible()
    assert "this workstation is enrolled" in view.status_label.text()
    assert not view.buttons["init"].isEnabled()
    assert view.seal_hint.isHidden()

    key_id = session.services.keys.status().active_key_id
    session.context.secrets.delete(secret_name(key_id))  # the same database seen from a fresh workstation
    monkeypatch.setattr(session.services, "keys", KeyService(session.services.ctx, session.context.secrets, CHEAP_KDF))
    view.refresh()
    assert "NOT enrolled" in view.status_label.text()
    assert view.seal_hint.isVisible()
    assert "writes unsealed audit entries" in view.seal_hint.text()
    click(qtbot, view.buttons["enrol"])
    submit_form(qtbot, view.dialog, passphrase="not the office passphrase")
    assert "does not unlock" in field_error(view.dialog, "passphrase")
    submit_form(qtbot, view.dialog, passphrase=PASSPHRASE)
    assert not view.dialog.isVisible()
    assert "this workstation is enrolled" in view.status_label.text()


def test_rotate_shows_progress_and_ends_on_the_new_key(
    qtbot: QtBot, view: KeysView, session: UiSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(PERSONAL_DATA, "fields", REGISTRY.fields)
    old = session.services.keys.init(session.actor, PASSPHRASE)
    people = session.context.store.collection("people")
    for n in range(3):
        people.insert({"_id": f"p{n}", "notes": session.services.vault.seal(f"note {n}", "person.notes")})
    view.refresh()
    click(qtbot, view.buttons["rotate"])
    submit_form(qtbot, view.dialog, passphrase=PASSPHRASE)
    assert not view.dialog.isVisible()
    assert view.progress.isVisibleTo(view)
    assert view.progress.value() == view.progress.maximum()
    new = session.services.keys.status().active_key_id
    assert new != old
    assert new in view.status_label.text()
    assert {field_key_id(doc["notes"]) for doc in people.find()} == {new}


def test_a_colleagues_enrolment_request_is_approved_with_the_fingerprint_they_read_out(
    qtbot: QtBot, session: UiSession
) -> None:
    from dataclasses import replace

    from fidus_desktop.config.secrets import SecretStore
    from fidus_desktop.security.keyring_memory import InMemoryKeyring
    from fidus_desktop.services.key_enrolment import KeyEnrolments
    from tests.support.users import USER_PASSWORD

    services = session.services
    services.keys.init(session.actor, PASSPHRASE)
    carol = replace(services.users.create_user(session.actor, "carol", USER_PASSWORD, "compliance_officer")
                    .actor(), workstation="carol-pc")
    carol_secrets = SecretStore(InMemoryKeyring())
    carols_pc = KeyEnrolments(services.ctx, KeyService(services.ctx, carol_secrets, CHEAP_KDF), carol_secrets)
    request = carols_pc.request(carol)
    view = KeysView(session)
    qtbot.addWidget(view)
    view.show()
    panel = view.enrolments
    assert panel.model.rowCount() == 1
    assert not panel.buttons["approve"].isEnabled()
    panel.table.selectRow(0)
    qtbot.keyClicks(panel.fingerprint, "1234-5678-9ABC-DEF0-1234")
    click(qtbot, panel.buttons["approve"])
    assert "does not match" in panel.message.text()
    panel.fingerprint.clear()
    qtbot.keyClicks(panel.fingerprint, request.fingerprint)
    click(qtbot, panel.buttons["approve"])
    assert "Approved: carol collects the key on carol-pc" in panel.message.text()
    assert panel.model.rowCount() == 0
    assert carols_pc.collect(carol) == [services.keys.status().active_key_id]
