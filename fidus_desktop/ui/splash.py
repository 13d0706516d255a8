"""The start-up progress window, painted before the application's heavy imports.

Importing the features (pandas, pyHanko, the services) takes seconds on an office PC; a window painted before
them tells the user the application is starting. ``Startup`` then uses the same window for its own steps
("Opening the database…", "Building the demo office…"). Imports only PySide6, so it is quick to reach.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QProgressDialog, QWidget


def progress_dialog(parent: QWidget | None = None, text: str = "Starting FIDUS Desktop…") -> QProgressDialog:
    """A busy indicator with a line saying what is being done; no Cancel (a step cannot be interrupted)."""
    progress = QProgressDialog(text, "", 0, 0, parent)
    progress.setObjectName("startupProgress")
    progress.setWindowTitle("FIDUS Desktop")
    progress.setCancelButton(None)
    progress.setWindowModality(Qt.WindowModality.ApplicationModal)
    progress.setMinimumDuration(400)
    return progress


def show_starting(app: QApplication) -> QProgressDialog:
    """Show and paint the progress window at once, before the event loop runs."""
    progress = progress_dialog()
    progress.setMinimumDuration(0)
    progress.show()
    progress.repaint()
    app.processEvents()
    return progress
