"""The same habits in every tab: each table copies and exports, F5 refreshes, Ctrl+F goes to a filter, a
disabled button says why.

Walks the main window as an administrator sees it (every tab built), so a table or tab added later without
the shared pieces (``ui.common.table_export``, ``ui.common.keys``) fails here."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QTabBar,
    QTableView,
    QWidget,
)
from pytestqt.qtbot import QtBot

from fidus_desktop.bootstrap import AppContext
from fidus_desktop.reports.table_file import FORMATS
from fidus_desktop.services.actor import Actor
from fidus_desktop.ui.admin.audit_view import AuditView
from fidus_desktop.ui.admin.tab import AdminTab
from fidus_desktop.ui.background import InlineRunner
from fidus_desktop.ui.main_window import MainWindow
from fidus_desktop.ui.session import UiSession

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
# Tables that are input, not output: the ownership holdings typed into a dialog, a file's preview in a wizard.
NOT_EXPORTED = {"holdings"}


@pytest.fixture
def window(qtbot: QtBot, app_context: AppContext, admin: Actor) -> MainWindow:
    win = MainWindow(UiSession(app_context, admin, InlineRunner()), restore_state=False)
    qtbot.addWidget(win)
    win.show()
    for name in win.tab_names:
        win.tab_widget(name)  # tabs are built when first shown: build them all
    return win


def shortcuts(tab: QWidget, keys: QKeySequence.StandardKey) -> list[QShortcut]:
    wanted = QKeySequence(keys)
    return [s for s in tab.findChildren(QShortcut) if s.key() == wanted and s.isEnabled()]


def test_every_table_copies_and_exports(window: MainWindow) -> None:
    missing = []
    for name in window.tab_names:
        for view in window.tab_widget(name).findChildren(QTableView):
            actions = {action.objectName() for action in view.actions()}
            table = view.objectName() or "table"
            wanted = {f"{table}Copy", *(f"{table}Export{kind}" for kind in FORMATS)}
            if table not in NOT_EXPORTED and not wanted <= actions:
                missing.append(f"{name}: {table}")
    assert not missing


def test_f5_refreshes_and_ctrl_f_goes_to_a_filter_in_every_tab(qtbot: QtBot, window: MainWindow) -> None:
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    for name in window.tab_names:
        window.select_tab(name)
        tab = window.tab_widget(name)
        assert shortcuts(tab, QKeySequence.StandardKey.Refresh), f"{name}: no F5"
        if isinstance(tab, AdminTab):
            tab.setCurrentWidget(tab.findChild(AuditView))  # the Admin page with a filter
        inside = next(w for w in tab.findChildren(QAbstractItemView) if w.isVisible())  # the user is in a list
        inside.setFocus()
        qtbot.keyClick(inside, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
        box = window.focusWidget()
        assert isinstance(box, QLineEdit | QComboBox), f"{name}: Ctrl+F focused {box}"
        assert tab.isAncestorOf(box), name
        assert box.isVisible(), name


def test_every_disabled_button_says_why(window: MainWindow) -> None:
    """Nothing selected yet on a fresh database: the buttons that wait for a selection (or a role) say so."""
    silent = []
    for name in window.tab_names:
        for button in window.tab_widget(name).findChildren(QAbstractButton):
            internal = isinstance(button.parentWidget(), QTabBar | QAbstractSpinBox | QAbstractScrollArea) or \
                button.objectName().startswith("qt_")  # Qt's own (a tool bar's overflow arrow)
            if not button.isEnabled() and not button.isHidden() and not internal and not button.toolTip().strip():
                silent.append(f"{name}: {button.objectName() or button.text()}")
    assert not silent, "\n".join(silent)
