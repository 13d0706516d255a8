"""The main window on a read-only database says so and starts nothing that writes (automatic backups, MT5 sync);
browsing works and the file is not changed."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from fidus_desktop.bootstrap import open_context
from fidus_desktop.ui.background import InlineRunner
from fidus_desktop.ui.main_window import MainWindow
from fidus_desktop.ui.session import UiSession
from tests.support.ui_session import open_test_context
from tests.support.users import ADMIN_PASSWORD

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def test_read_only_banner_and_no_background_writers(qtbot: QtBot, tmp_path: Path) -> None:
    ctx = open_test_context(tmp_path)
    ctx.services.users.create_first_admin("alice", ADMIN_PASSWORD, "Alice")
    ctx.close()
    db = tmp_path / "ui.db"
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    ctx = open_context(f"sqlite:///{db.as_posix()}?mode=ro", paths=ctx.paths, log_to_file=False)
    try:
        user = ctx.services.users.authenticate("alice", ADMIN_PASSWORD)  # checked, not recorded
        window = MainWindow(UiSession(ctx, user.actor(), InlineRunner()), restore_state=False)
        qtbot.addWidget(window)
        window.show()
        banner = window.findChild(QLabel, "readOnlyBanner")
        assert banner is not None
        assert "opened with ?mode=ro" in banner.text()
        assert window.windowTitle().endswith("(read-only)")
        assert not window.backups.timer.isActive()
        assert not any(getattr(job, "running", False) for job in window.jobs.values())
        assert window.select_tab("admin")
        window.close()
    finally:
        ctx.close()
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
