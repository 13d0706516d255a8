"""The window fits the screen it is on: default size, restored geometry, status-bar slots, the keyring banner."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import pytest
from keyring.backends.fail import Keyring as FailKeyring
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QToolButton
from pytestqt.qtbot import QtBot

from fidus_desktop.bootstrap import AppContext
from fidus_desktop.services.actor import Actor
from fidus_desktop.ui.background import InlineRunner
from fidus_desktop.ui.common import screen_fit
from fidus_desktop.ui.common.screen_fit import clamped
from fidus_desktop.ui.keyring_banner import DISMISSED
from fidus_desktop.ui.main_window import MainWindow
from fidus_desktop.ui.session import UiSession

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
LAPTOP = QRect(0, 0, 1366, 728)  # 1366×768 less a 40 px task bar
SECOND = QRect(1366, 0, 1920, 1040)


def window(qtbot: QtBot, ctx: AppContext, actor: Actor) -> MainWindow:
    win = MainWindow(UiSession(ctx, actor, InlineRunner()))
    qtbot.addWidget(win)
    win.show()
    return win


def test_the_default_size_fits_a_1366x768_screen(qtbot: QtBot, app_context: AppContext, admin: Actor,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(screen_fit, "available_geometry", lambda _: LAPTOP)
    win = window(qtbot, app_context, admin)
    assert win.width() <= LAPTOP.width()
    assert win.height() <= LAPTOP.height()
    assert win.minimumSizeHint().width() <= LAPTOP.width()


def test_the_default_size_at_150_percent_scaling_still_fits(qtbot: QtBot, app_context: AppContext, admin: Actor,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    scaled = QRect(0, 0, 910, 485)  # the same screen in device-independent pixels
    monkeypatch.setattr(screen_fit, "available_geometry", lambda _: scaled)
    win = window(qtbot, app_context, admin)
    assert (win.width(), win.height()) <= (scaled.width(), scaled.height())
    assert win.minimumSizeHint().width() <= scaled.width()
    assert win.minimumSizeHint().height() <= scaled.height()


@pytest.mark.parametrize(("saved", "expected"), [
    (QRect(3400, 100, 1400, 900), QRect(0, 0, 1366, 728)),  # on a monitor that is gone: onto the primary, shrunk
    (QRect(1200, 50, 1000, 600), QRect(1366, 50, 1000, 600)),  # mostly on the second screen: wholly on it
    (QRect(-200, -30, 800, 600), QRect(0, 0, 800, 600)),  # hanging off the top left
    (QRect(100, 100, 800, 600), QRect(100, 100, 800, 600)),  # fine as it is
])
def test_a_restored_geometry_is_clamped_to_a_screen_that_exists(saved: QRect, expected: QRect) -> None:
    assert clamped(saved, [LAPTOP, SECOND], LAPTOP) == expected


def test_short_status_slots_keep_their_whole_text_in_a_narrow_window(
        qtbot: QtBot, app_context: AppContext, admin: Actor) -> None:
    win = window(qtbot, app_context, admin)
    win.resize(win.minimumSizeHint().width(), 600)
    status = win.status_panel
    for label in (status.connection, status.user, status.items["mt5"]):  # MT5: the trading feature's item
        assert label.width() >= label.fontMetrics().horizontalAdvance(label.text()), label.objectName()
    assert status.backend.toolTip() == app_context.store.describe()  # the long slot gives way, whole in the tip


@pytest.fixture
def banner_reset() -> Iterator[None]:
    yield
    QApplication.instance().setProperty(DISMISSED, None)  # the application outlives the test


@pytest.mark.usefixtures("banner_reset")
def test_the_keyring_banner_is_one_line_explains_on_demand_and_can_be_dismissed(
        qtbot: QtBot, app_context: AppContext, admin: Actor) -> None:
    keyring.set_keyring(FailKeyring())
    win = window(qtbot, app_context, admin)
    banner = win.keyring_banner
    assert banner.isVisible()
    assert banner.height() <= 2 * banner.fontMetrics().height() + 8
    banner.label.linkActivated.emit("fix")
    fix = banner.findChild(QMessageBox, "keyringFix")
    assert "PYTHON_KEYRING_BACKEND" in fix.text()
    fix.close()
    qtbot.mouseClick(banner.findChild(QToolButton, "keyringBannerClose"), Qt.MouseButton.LeftButton)
    assert not banner.isVisible()
    assert not window(qtbot, app_context, admin).keyring_banner.isVisible()  # for the rest of the session
