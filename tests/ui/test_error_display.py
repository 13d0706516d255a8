"""The GUI's end of the error path: each known condition shown with its own fix, bugs logged and referenced."""

from __future__ import annotations

import errno
import logging
import sys

import keyring
import pytest
from keyring.backends import fail
from keyring.errors import KeyringLocked, NoKeyringError
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from fidus_desktop.config.secrets import SecretStore
from fidus_desktop.errors import UserError
from fidus_desktop.ui.background import InlineRunner
from fidus_desktop.ui.errors import install_excepthook

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def no_keyring() -> None:
    keyring.set_keyring(fail.Keyring())
    SecretStore().get("mongodb/fidus@db.office")


def raising(exc: BaseException):  # type: ignore[no-untyped-def]
    def job() -> None:
        raise exc
    return job


KNOWN = [
    ("a service message written for both ends", raising(UserError("Sign in again with `fidus login`.")),
     ["Sign in again with “fidus login”."]),
    ("keyring missing", no_keyring, ["No OS keyring is available", "FIDUS_KEYRING_PASSPHRASE"]),
    ("keyring missing, raw", raising(NoKeyringError("no backend")), ["No OS keyring is available"]),
    ("keyring locked", raising(KeyringLocked("locked")), ["keyring is locked", "Unlock it"]),
    ("file not found", raising(FileNotFoundError(errno.ENOENT, "No such file", "C:/Scans/passport.pdf")),
     ["'C:/Scans/passport.pdf' does not exist", "Check the path"]),
    ("permission denied", raising(PermissionError(errno.EACCES, "Permission denied", "/srv/out/fact.pdf")),
     ["refused access to '/srv/out/fact.pdf'", "ask your administrator"]),
    ("disk full", raising(OSError(errno.ENOSPC, "No space left on device", "/backups/a.fidusbak")),
     ["is full", "Free some space"]),
]


@pytest.mark.parametrize(("condition", "job", "says"), KNOWN, ids=[k[0] for k in KNOWN])
def test_a_known_condition_in_a_job_is_shown_with_its_fix(qtbot: QtBot, condition: str, job: object,
                                                          says: list[str]) -> None:
    owner = QWidget()
    qtbot.addWidget(owner)
    owner.show()
    runner = InlineRunner()
    runner.submit(job, owner=owner)  # type: ignore[arg-type]  # no on_error: the central display
    box = owner.findChild(QMessageBox, "errorBox")
    assert box is not None
    for part in says:
        assert part in box.text()
    assert "unexpected" not in box.text().lower()
    assert "Something went wrong" not in box.text()
    assert "`" not in box.text()
    box.close()


def test_an_exception_escaping_a_slot_is_logged_with_its_trace_and_shown(
        qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test
    install_excepthook()
    try:
        {}["column"]
    except KeyError as exc:
        with caplog.at_level(logging.INFO, logger="fidus_desktop"):
            sys.excepthook(type(exc), exc, exc.__traceback__)
    [record] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert record.exc_info is not None
    assert record.exc_info[2] is not None  # with the trace
    boxes = [w for w in QApplication.topLevelWidgets() if w.objectName() == "errorBox" and w.isVisible()]
    assert len(boxes) == 1
    text = boxes[0].text()  # type: ignore[attr-defined]
    assert "KeyError" in text
    assert "reference" in text
    assert "'column'" not in text
    boxes[0].close()
    boxes[0].deleteLater()


def test_unattended_an_escaping_exception_ends_the_app_with_exit_1_and_no_box(
        qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """--screenshot: nobody is there to close a message box, so a start-up bug must not wait for one."""
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    exits: list[int] = []
    monkeypatch.setattr(QApplication, "exit", staticmethod(exits.append))
    install_excepthook(unattended=True)
    try:
        raise ModuleNotFoundError("No module named 'fidus_desktop.ui.portfolio'")
    except ModuleNotFoundError as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)
    assert exits == [1]
    assert "fidus-desktop: An unexpected problem" in capsys.readouterr().err
    assert not [w for w in QApplication.topLevelWidgets() if w.objectName() == "errorBox" and w.isVisible()]
