"""Opening a real application context for Qt tests of the user screens (no log file)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from fidus_desktop.bootstrap import AppContext, open_context
from fidus_desktop.config.paths import AppPaths
from fidus_desktop.ui.background import InlineRunner
from fidus_desktop.ui.backup_scheduler import BackupScheduler
from fidus_desktop.ui.session import UiSession
from tests.support.users import ADMIN_PASSWORD, USER_PASSWORD

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def open_test_context(tmp_path: Path) -> AppContext:
    """A fresh SQLite database (hashing is cheap in every test: see tests/support/cost.py)."""
    paths = AppPaths(tmp_path / "config", tmp_path / "data", tmp_path / "logs")
    return open_context(f"sqlite:///{(tmp_path / 'ui.db').as_posix()}", paths=paths, log_to_file=False)


def admin_session(tmp_path: Path) -> Iterator[UiSession]:
    """Administrator alice.admin signed in (inline runner), with colleague bob.pm; closes the database after.

    The session carries a backup scheduler, not started, as the main window would give it (Admin → Backups)."""
    ctx = open_test_context(tmp_path)
    admin = ctx.services.users.create_first_admin("alice.admin", ADMIN_PASSWORD, "Alice Admin")
    ctx.services.users.create_user(admin.actor(), "bob.pm", USER_PASSWORD, "portfolio_manager", "Bob PM")
    session = UiSession(ctx, admin.actor(), runner=InlineRunner())
    session.backups = BackupScheduler(ctx, session.runner, session.actor)
    yield session
    ctx.close()
