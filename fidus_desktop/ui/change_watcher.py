"""One watcher per signed-in session: tells the tabs what changed, whether here or on another workstation.

Two sources, one signal (``SessionSignals.data_changed``, once per change name):

- jobs of this application that change data announce it (``Runner.submit(..., changes=...)``): the tabs
  refresh at once;
- a timer polls ``ChangeFeed.since`` (the audit trail's newest ``seq``, one indexed read) in the background
  runner, so a change saved on another workstation sharing the database, or by the ``fidus`` command,
  shows within ``POLL_MS``. The poll also sees this session's own changes again; tabs' loads are keyed, so
  the second reload supersedes the first instead of doubling the work.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer, Slot

from fidus_desktop.services.changes import ChangeFeed, Changes
from fidus_desktop.ui.background import Runner

log = logging.getLogger(__name__)
POLL_MS = 5000


class ChangeWatcher(QObject):
    """Relays announced changes at once and polls for everyone else's; ``start``/``stop`` with the window."""

    def __init__(self, feed: ChangeFeed, runner: Runner, signals: QObject, poll_ms: int = POLL_MS) -> None:
        super().__init__()
        self.feed, self.runner, self.signals = feed, runner, signals
        self.token: int | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(poll_ms)
        self.timer.timeout.connect(self.poll)
        runner.changed.connect(self._announced)
        self._relaying = True

    def start(self) -> None:
        """Take the current token now (nothing to report yet) and poll from then on."""
        self.poll()
        self.timer.start()

    def stop(self) -> None:
        """No more polling and no more relaying: the session ended (its window closed)."""
        self.timer.stop()
        if self._relaying:
            self.runner.changed.disconnect(self._announced)
            self._relaying = False

    def poll(self) -> None:
        """Ask (in the worker) what changed since the last look; a poll still running is superseded."""
        feed, token = self.feed, self.token
        self.runner.submit(lambda: feed.since(token), owner=self, key="poll", on_done=self._seen,
                           on_error=self._failed)

    def _seen(self, result: tuple[int, Changes]) -> None:
        self.token, names = result
        self.notify(names)

    def _failed(self, exc: BaseException) -> None:
        """Already logged by the runner; the status bar shows an unreachable database. Poll again next tick."""

    @Slot(object)
    def _announced(self, names: Changes) -> None:
        self.notify(names)

    def notify(self, names: Changes) -> None:
        for name in sorted(names):
            self.signals.data_changed.emit(name)  # type: ignore[attr-defined]
