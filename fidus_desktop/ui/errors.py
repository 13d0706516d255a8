"""The GUI's end of the one error path: every failure a view shows goes through here.

The wording comes from ``fidus_desktop.errors`` (shared with start-up and the CLI); this module adds the
Qt display. Both functions log the exception once (unexpected ones with their trace), so a message on
screen always has its counterpart in the log file.
"""

from __future__ import annotations

import logging
import re
import sys
from types import TracebackType

from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from fidus_desktop.errors import report
from fidus_desktop.services.base import ValidationError

log = logging.getLogger(__name__)
_unparented: set[QMessageBox] = set()  # boxes without a parent window, kept alive until closed


_CODE = re.compile(r"`+([^`]+)`+")


def plain(text: str) -> str:
    """A message as a person reads it on screen: the CLI's `code` marks become quotes (services word
    their messages once, for the terminal and the window)."""
    return _CODE.sub(r"“\1”", text)


def describe_error(exc: BaseException) -> str:
    """The message for a label or a dialog line: what went wrong and how to fix it. A refusal shown away from
    its form gives its problems without the service's field names (the CLI's ``amount: …`` names an option)."""
    message = report(exc, log)
    if isinstance(exc, ValidationError):
        message = " ".join(text for text in exc.problems.values() if text)
    return plain(message)


def show_error(exc: BaseException, parent: QWidget | None = None, title: str = "FIDUS Desktop") -> None:
    """The central error display: a window-modal message box over ``parent`` (default: the active window)."""
    parent = parent or QApplication.activeWindow()
    box = QMessageBox(QMessageBox.Icon.Warning, title, describe_error(exc), QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("errorBox")
    if parent is None:  # nothing owns it: without a reference Python would delete it at once
        _unparented.add(box)
        box.finished.connect(lambda _: _unparented.discard(box))
    box.open()


def install_excepthook(*, unattended: bool = False) -> None:
    """An exception escaping a slot or an event handler (a bug): logged with its trace and shown, not only
    printed to a console nobody sees. The application keeps running, as Qt does after such an exception;
    ``unattended`` (``--screenshot``: nobody is there to close a message box) prints the message and exits 1."""

    def hook(kind: type[BaseException], exc: BaseException, trace: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, trace)
            return
        exc.__traceback__ = exc.__traceback__ or trace
        if unattended:
            print(f"fidus-desktop: {report(exc, log)}", file=sys.stderr)
            QApplication.exit(1)
            return
        show_error(exc)

    sys.excepthook = hook
