"""The keyboard habits of a desktop application, wired the same way in every tab.

F5 refreshes, Ctrl+F goes to the filter box, Enter opens the selected row (as a double-click does).
The shortcuts are local to the tab or table (``WidgetWithChildrenShortcut`` / ``WidgetShortcut``), so the
same keys mean "this tab's refresh" in whichever tab is shown, without clashing between tabs.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QLineEdit, QWidget


def shortcut(widget: QWidget, keys: QKeySequence | QKeySequence.StandardKey | str, handler: Callable[[], object],
             *, context: Qt.ShortcutContext = Qt.ShortcutContext.WidgetWithChildrenShortcut) -> QShortcut:
    action = QShortcut(QKeySequence(keys), widget, context=context)
    action.activated.connect(handler)
    return action


def refresh_on_f5(widget: QWidget, handler: Callable[[], object]) -> QShortcut:
    return shortcut(widget, QKeySequence.StandardKey.Refresh, handler)


def find_goes_to(widget: QWidget, filter_box: Callable[[], QWidget | None]) -> QShortcut:
    """Ctrl+F focuses (and selects the text of) the filter ``filter_box()`` returns for what is shown: a text box,
    or the first filter of a tab that filters by choices (a symbol, a stage)."""
    def focus() -> None:
        box = filter_box()
        if box is None:
            return
        box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        text = box if isinstance(box, QLineEdit) else box.lineEdit() if isinstance(box, QComboBox) else None
        if text is not None:
            text.selectAll()

    return shortcut(widget, QKeySequence.StandardKey.Find, focus)


def enter_opens(view: QAbstractItemView, handler: Callable[[QModelIndex], object]) -> None:
    """Enter or Return on the current row does what a double-click does."""
    def open_current() -> None:
        if view.currentIndex().isValid():
            handler(view.currentIndex())

    for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
        shortcut(view, QKeySequence(key), open_current, context=Qt.ShortcutContext.WidgetShortcut)
    view.doubleClicked.connect(handler)
