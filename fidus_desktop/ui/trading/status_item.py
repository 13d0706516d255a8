"""The status bar's MT5 slot (declared by the trading feature): whether MT5 can run here, then the poller's
summary (``SessionSignals.mt5_status``)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from fidus_desktop.bootstrap import mt5_available
from fidus_desktop.ui.session import UiSession
from fidus_desktop.ui.status import fit_short_slot


def mt5_text() -> tuple[str, str]:
    """Short text for the slot, and the whole story for its tooltip."""
    available, reason = mt5_available()
    return ("MT5: available", reason) if available else ("MT5: not available here", f"MT5: {reason}")


class Mt5StatusItem(QLabel):
    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusMt5")
        self.show_text(*mt5_text())
        session.signals.mt5_status.connect(self.show_text)

    def show_text(self, text: str, detail: str = "") -> None:
        self.setText(text)
        self.setToolTip(detail or text)  # the whole story, also when the window is narrow
        fit_short_slot(self)
