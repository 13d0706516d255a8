"""Keeping windows and dialogs on the screen they are on, at a size that shows their content.

Why: a 1400×900 default on a 1366×768 screen (or at 150 % scaling) puts the status bar and the right-hand
columns off-screen, a geometry saved on a since-unplugged monitor reopens the window where nobody sees it,
and a dialog whose word-wrapped error grows a line does not grow with it unless asked to.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QWidget

SCREEN_SHARE = 0.92  # a default-sized window leaves a margin of the screen free
FIT_ROUNDS = 8  # extra height goes to every growable row, so a label may need a second round; widening takes some


def available_geometry(widget: QWidget) -> QRect:
    """The usable area (without task bars) of the screen the widget is on, or of the primary screen."""
    screen = widget.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry()


def default_size(widget: QWidget, preferred: QSize) -> QSize:
    """``preferred`` limited to a share of the available screen."""
    area = available_geometry(widget)
    return QSize(min(preferred.width(), int(area.width() * SCREEN_SHARE)),
                 min(preferred.height(), int(area.height() * SCREEN_SHARE)))


def clamped(frame: QRect, areas: list[QRect], primary: QRect) -> QRect:
    """``frame`` moved (and shrunk) into the area that holds most of it, or into ``primary`` when it lies on none
    (a monitor unplugged since the geometry was saved)."""
    def overlap(area: QRect) -> int:
        common = area.intersected(frame)
        return common.width() * common.height()

    area = max(areas, key=overlap, default=primary)
    if overlap(area) == 0:
        area = primary
    width, height = min(frame.width(), area.width()), min(frame.height(), area.height())
    x = min(max(frame.x(), area.left()), area.left() + area.width() - width)
    y = min(max(frame.y(), area.top()), area.top() + area.height() - height)
    return QRect(x, y, width, height)


def clamp_to_screens(widget: QWidget) -> None:
    """Keep a restored window on a screen that exists now, whole."""
    frame = widget.frameGeometry()
    target = clamped(frame, [s.availableGeometry() for s in QGuiApplication.screens()],
                     QGuiApplication.primaryScreen().availableGeometry())
    if target == frame:
        return
    border = frame.size() - widget.geometry().size()  # the window frame, as far as the platform reports it
    widget.resize(target.width() - border.width(), target.height() - border.height())
    widget.move(target.topLeft())


def wrapped_height(widget: QWidget, width: int) -> int:
    """The height ``widget``'s layout needs at ``width`` for each word-wrapped label to show its whole text,
    measured label by label as ``fit_to_content`` does (the layout's own height-for-width over-estimates)."""
    layout = widget.layout()
    layout.activate()
    labels = [label for label in widget.findChildren(QLabel) if label.wordWrap() and label.isVisibleTo(widget)]
    height = layout.totalMinimumSize().height()
    for _ in range(FIT_ROUNDS * 4):
        layout.setGeometry(QRect(0, 0, width, height))
        lacking = sum(max(0, label.heightForWidth(label.width()) - label.height()) for label in labels)
        if not lacking:
            break
        height += lacking
    below = [child.geometry().bottom() + 1 for child in widget.findChildren(QWidget)
             if child.parentWidget() is widget and child.isVisibleTo(widget)]
    return max([height, *below])  # rows a minimum height pushed past the last measure


def fit_to_content(dialog: QWidget) -> bool:
    """Grow the dialog until its word-wrapped labels have the height their text needs, within the screen: taller
    first, wider once the screen's height would not do (many refused fields on a 1366×768 laptop). False when
    even the whole screen is not enough (the caller may then scroll the content).

    Measured label by label, with the layout tried at each candidate height: ``QFormLayout``'s own
    height-for-width over-estimates wrapped labels (it measures them narrower than they are laid out), which
    left gaps around every message, and a resize alone is applied later by some window systems."""
    layout = dialog.layout()
    if layout is None:
        return True
    layout.activate()
    area = available_geometry(dialog)
    frame_size = dialog.frameGeometry().size() - dialog.size()  # the title bar and borders, where reported
    room = QSize(area.width() - frame_size.width(), area.height() - frame_size.height())
    labels = [label for label in dialog.findChildren(QLabel) if label.wordWrap() and label.isVisibleTo(dialog)]
    width = min(max(dialog.width(), layout.totalMinimumSize().width()), room.width())
    height = max(dialog.height(), layout.totalMinimumSize().height())
    lacking = 0
    for _ in range(FIT_ROUNDS):
        layout.setGeometry(QRect(0, 0, width, height))
        lacking = sum(max(0, label.heightForWidth(label.width()) - label.height()) for label in labels)
        if not lacking:
            break
        if height + lacking > room.height() and width < room.width():
            width = min(room.width(), width * 3 // 2)  # longer lines rather than a dialog taller than the screen
            continue
        if height >= room.height():
            break
        height += lacking
    height = min(height, room.height())
    if (width, height) != (dialog.width(), dialog.height()):
        dialog.resize(width, height)
    layout.setGeometry(dialog.rect())
    frame = dialog.frameGeometry()
    if frame.bottom() > area.bottom():
        dialog.move(frame.x(), max(area.top(), area.bottom() + 1 - frame.height()))
    lacking = sum(max(0, label.heightForWidth(label.width()) - label.height()) for label in labels)
    return not lacking and layout.totalMinimumSize().height() <= room.height()
