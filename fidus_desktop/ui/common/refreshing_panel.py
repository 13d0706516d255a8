"""A panel whose figures are read in the background worker and refreshed as polls store new data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QWidget

from fidus_desktop.ui.errors import show_error
from fidus_desktop.ui.session import UiSession


class RefreshingPanel(QWidget):
    """One load at a time: a request made while one runs is kept and run once after it (the figures it shows
    are then the newest); data arriving while the panel is hidden reloads it when it is next shown, so hidden
    panels cost nothing. Subclasses implement ``refresh()`` with ``load()`` and call ``finished()`` when their
    result has been shown."""

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._loading = self._again = self._stale = False

    def refresh(self) -> None:
        raise NotImplementedError

    def load(self, work: Callable[[], Any], on_done: Callable[[Any], None]) -> None:
        """Run ``work`` in the worker and hand its result to ``on_done``, unless a load is already running."""
        if self._loading:
            self._again = True
            return
        self._loading = True
        self.session.runner.submit(work, owner=self, key="load", on_done=on_done, on_error=self._failed)

    def data_arrived(self) -> None:
        """New data was stored: refresh now if the panel is on screen, else when it is next shown."""
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True

    def showEvent(self, event: QShowEvent) -> None:
        if self._stale:
            self._stale = False
            self.refresh()
        super().showEvent(event)

    def finished(self) -> None:
        self._loading = False
        if self._again:
            self._again = False
            self.refresh()

    def _failed(self, exc: BaseException) -> None:
        self.finished()
        show_error(exc, self)
