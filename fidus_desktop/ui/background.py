"""The one way UI code runs slow work: off the GUI thread, with the result delivered back on it.

``runner().submit(fn, on_done=..., on_error=...)`` runs ``fn`` in the global ``QThreadPool``; the callbacks
run on the GUI thread. Errors without an ``on_error`` go to ``show_error`` (one central display). Tests
install ``InlineRunner`` (``set_runner``) so worker code runs synchronously and deterministically.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QMessageBox, QWidget

from fidus_desktop.ui import qt_compat
from fidus_desktop.ui.errors import describe_error

qt_compat.apply()  # before any signal is emitted from Python (see qt_compat)
log = logging.getLogger(__name__)
Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


def show_error(exc: BaseException, parent: QWidget | None = None, title: str = "FIDUS Desktop") -> None:
    """The central error display: a clear message, details logged (never secrets)."""
    log.error("%s: %s", type(exc).__name__, exc, exc_info=exc)
    box = QMessageBox(QMessageBox.Icon.Warning, title, describe_error(exc), QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("errorBox")
    box.open()


class _Relay(QObject):
    """Lives on the GUI thread; queued signals carry results back to it."""

    done = Signal(object, object)  # callback, result
    failed = Signal(object, object)  # callback or None, exception

    def __init__(self) -> None:
        super().__init__()
        # Decorated slots, not lambdas: PySide 6.8+ can crash delivering cross-thread signals to plain
        # callables (PYSIDE-3124), and these signals are emitted from pool threads.
        self.done.connect(self._deliver)
        self.failed.connect(self._report)

    @Slot(object, object)
    def _deliver(self, callback: Done | None, result: object) -> None:
        if callback is not None:
            callback(result)

    @Slot(object, object)
    def _report(self, callback: Failed | None, exc: BaseException) -> None:
        if callback is not None:
            callback(exc)
        else:
            show_error(exc)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay, on_done: Done | None, on_error: Failed | None) -> None:
        super().__init__()
        self.fn, self.relay, self.on_done, self.on_error = fn, relay, on_done, on_error

    def run(self) -> None:
        try:
            result = self.fn()
        except BaseException as exc:  # delivered to the GUI thread, not lost in the pool
            self.relay.failed.emit(self.on_error, exc)
        else:
            self.relay.done.emit(self.on_done, result)


class Runner:
    """Runs jobs on a thread pool."""

    def __init__(self, pool: QThreadPool | None = None) -> None:
        self.pool = pool or QThreadPool.globalInstance()
        self._relay = _Relay()

    def submit(self, fn: Callable[[], Any], *, on_done: Done | None = None, on_error: Failed | None = None) -> None:
        self.pool.start(_Job(fn, self._relay, on_done, on_error))

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until every job finished (shutdown and tests only)."""
        return self.pool.waitForDone(msecs)


class InlineRunner(Runner):
    """Runs each job immediately on the calling thread (tests)."""

    def __init__(self) -> None:
        self.errors: list[BaseException] = []

    def submit(self, fn: Callable[[], Any], *, on_done: Done | None = None, on_error: Failed | None = None) -> None:
        try:
            result = fn()
        except Exception as exc:
            if on_error is None:
                self.errors.append(exc)
                raise
            on_error(exc)
        else:
            if on_done is not None:
                on_done(result)

    def wait(self, msecs: int = 30_000) -> bool:
        return True


_current: Runner | None = None


def runner() -> Runner:
    """The application's runner (created on first use, after QApplication exists)."""
    global _current
    if _current is None:
        _current = Runner()
    return _current


def set_runner(new: Runner | None) -> None:
    global _current
    _current = new
