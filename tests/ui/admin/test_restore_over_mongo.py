"""Admin → Backups → "Restore over this database…" on MongoDB (the strict replica-set double): the same clicks as
on SQLite (tests/ui/admin/test_restore_over.py); the window closes, the backup is loaded beside the live
collections and switched in (``store.mongo_restore``), the database opens again restored and its audit chain
verifies."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from fidus_desktop import bootstrap
from fidus_desktop.bootstrap import open_context
from fidus_desktop.config.secrets import SecretStore
from fidus_desktop.store import restore_marker
from fidus_desktop.store.mongo import MongoStore
from fidus_desktop.ui.admin.restore_over import RestoreOverDialog
from tests.support.forms import click, field_error, submit_form
from tests.support.mongomock_shim import bson_storage, server_comparisons
from tests.support.strict_mongo import StrictClient
from tests.support.users import ADMIN_PASSWORD
from tests.ui.admin.test_restore_over import BACKUP_PASSPHRASE, backed_up, backups_view, restore_outcome, usernames
from tests.ui.test_sign_out import sign_in
from tests.ui.test_startup import Run, no_file_logging_left_behind  # noqa: F401 - autouse: no log file left

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
URI = "mongodb://strict-replica/office"


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> Iterator[StrictClient]:
    """Every ``mongodb://`` the application opens (the window, the restore's target) is this replica set."""
    with server_comparisons(), bson_storage():
        client = StrictClient(user="fidus-app", roles=(("readWrite", "office"),))
        monkeypatch.setattr(bootstrap, "open_store", lambda uri, **kwargs: MongoStore(client, "office"))
        yield client


def test_restore_over_a_mongodb_database_from_the_window(
    qtbot: QtBot, client: StrictClient, secrets: SecretStore
) -> None:
    ctx = open_context(URI, secrets=secrets, log_to_file=False)
    admin = ctx.services.users.create_first_admin("admin", ADMIN_PASSWORD, "Administrator").actor()
    archive = backed_up(ctx, admin)
    run = Run(qtbot, URI, restore_state=False)
    window = sign_in(qtbot, run, "admin", ADMIN_PASSWORD)
    qtbot.addWidget(window)
    assert "late.arrival" in usernames(window)
    view = backups_view(window)
    click(qtbot, view.buttons["restore_over"])  # nobody else may approve: the administrator's password is asked
    dialog = view.dialog
    assert isinstance(dialog, RestoreOverDialog)
    assert "Replace MongoDB strict-replica:27017/office with" in dialog.findChild(QLabel, "restoreOverNote").text()
    submit_form(qtbot, dialog, passphrase=BACKUP_PASSPHRASE, password="not my password at all")
    assert field_error(dialog, "password")
    assert window.isVisible()  # refused: nothing closed, nothing restored
    submit_form(qtbot, dialog, passphrase=BACKUP_PASSPHRASE, password=ADMIN_PASSWORD)
    outcome = restore_outcome(run)
    assert f"from {archive.name}" in outcome, outcome
    restored = sign_in(qtbot, run, "admin", ADMIN_PASSWORD)
    qtbot.addWidget(restored)
    assert usernames(restored) == {"admin"}
    assert restored.session.services.audit_query.verify(restored.session.actor).ok
    store = restored.session.context.store
    assert restore_marker.unfinished(store) is None
    assert all("." not in name for name in store.raw_names())  # nothing staged or replaced is left
    [entry] = store.collection("audit").find({"action": "backup.restore"})
    assert entry["actor"] == "admin"
