"""The session's change watcher: another workstation's change (a second service instance on the same SQLite
file) reaches the tabs, polled in the background on a timer; this session's own changes are announced."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QThreadPool
from pytestqt.qtbot import QtBot

from fidus_desktop.bootstrap import AppContext
from fidus_desktop.services.changes import NAV, TRANSACTION, USER
from fidus_desktop.ui.admin.tab import AdminTab
from fidus_desktop.ui.admin.users_view import UsersView
from fidus_desktop.ui.background import Runner
from fidus_desktop.ui.main_window import MainWindow
from fidus_desktop.ui.session import UiSession
from tests.security_services.ui_support import BOB_PASSWORD, admin_session, open_test_context

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[UiSession]:
    yield from admin_session(tmp_path, monkeypatch)


@pytest.fixture
def other_workstation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, session: UiSession) -> Iterator[AppContext]:
    """Its own store and services over the same database file, as a second PC on a shared database."""
    ctx = open_test_context(tmp_path, monkeypatch)
    assert ctx.store is not session.context.store
    yield ctx
    ctx.close()


def usernames(view: UsersView) -> set[str]:
    return {view.model.user_at(row).username for row in range(view.model.rowCount())}


def admin_tab(qtbot: QtBot, session: UiSession) -> tuple[AdminTab, UsersView]:
    """The Admin tab (kept referenced by the caller, or Python deletes it) and its users section."""
    tab = AdminTab(session)
    qtbot.addWidget(tab)
    tab.show()
    view = tab.findChild(UsersView)
    assert view is not None
    return tab, view


def test_a_change_on_another_workstation_reaches_the_tab_at_the_next_poll(
        qtbot: QtBot, session: UiSession, other_workstation: AppContext) -> None:
    _tab, view = admin_tab(qtbot, session)
    session.watcher.poll()  # the current position in the audit trail: nothing to report
    seen: list[str] = []
    session.signals.data_changed.connect(seen.append)
    other_workstation.services.users.create_user(session.actor, "carol.bo", BOB_PASSWORD, "back_office")
    assert "carol.bo" not in usernames(view)
    session.watcher.poll()
    assert seen == [USER]
    assert "carol.bo" in usernames(view)
    session.watcher.poll()  # nothing new since
    assert seen == [USER]


def test_the_started_watcher_polls_in_the_background_on_its_timer(
        qtbot: QtBot, session: UiSession, other_workstation: AppContext) -> None:
    pool = QThreadPool()
    threaded = UiSession(session.context, session.actor, runner=Runner(pool), backups=session.backups)
    _tab, view = admin_tab(qtbot, threaded)
    qtbot.waitUntil(lambda: usernames(view) == {"alice.admin", "bob.pm"})
    threaded.watcher.timer.setInterval(50)
    threaded.watcher.start()  # as the main window does
    qtbot.waitUntil(lambda: threaded.watcher.token is not None)
    other_workstation.services.users.create_user(session.actor, "dora.co", BOB_PASSWORD, "compliance_officer")
    qtbot.waitUntil(lambda: "dora.co" in usernames(view), timeout=5000)
    threaded.watcher.stop()
    assert not threaded.watcher.timer.isActive()
    assert pool.waitForDone(5000)


def test_announced_changes_are_told_at_once_each_name_once(session: UiSession) -> None:
    seen: list[str] = []
    session.signals.data_changed.connect(seen.append)
    session.runner.submit(lambda: None, owner=None, changes={TRANSACTION, NAV})
    assert sorted(seen) == [NAV, TRANSACTION]
    session.runner.submit(lambda: None, owner=None)  # a read announces nothing
    assert sorted(seen) == [NAV, TRANSACTION]


def test_a_stopped_watcher_no_longer_relays(session: UiSession) -> None:
    seen: list[str] = []
    session.signals.data_changed.connect(seen.append)
    session.watcher.stop()
    session.runner.submit(lambda: None, owner=None, changes={NAV})
    assert seen == []


def test_the_main_window_runs_the_watcher_while_it_is_open(qtbot: QtBot, session: UiSession) -> None:
    window = MainWindow(session, restore_state=False)
    qtbot.addWidget(window)
    assert session.watcher.timer.isActive()
    assert session.watcher.token is not None  # taken at start: only later changes are reported
    window.close()
    assert not session.watcher.timer.isActive()
