"""The one way UI code runs slow work: off the GUI thread, with the result delivered back on it.

``runner().submit(fn, owner=widget, key="load", on_done=..., on_error=..., changes={...})`` runs ``fn`` in
the global ``QThreadPool``; the callbacks run on the GUI thread, and only while they still make sense:

- **owner**: the widget (or other ``QObject``) the result is for. A result for an owner that was deleted, or
  whose window was closed, is dropped. ``owner=None`` for work that belongs to no widget.
- **key**: a newer job with the same owner and key supersedes an older one, whose result is then dropped
  (and which does not run at all if it had not started yet, unless it changes data). Use it for loads that
  a newer request makes obsolete ("reload the figures for the new selection").
- **failures** always reach the log, once, with the trace when unexpected (``fidus_desktop.errors``), even
  when the result is dropped. Without ``on_error`` they are shown by ``show_error`` over the owner.
- **changes**: a job that changes data names what it changed (``services.changes`` vocabulary); once it
  succeeded the runner emits ``changed`` with those names, even if the owner is gone, and the session's
  ``ChangeWatcher`` tells every tab.

Tests install ``InlineRunner`` (``set_runner``) so worker code runs synchronously and deterministically.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QWidget

from fidus_desktop.errors import is_expected, report
from fidus_desktop.ui import qt_compat
from fidus_desktop.ui.errors import show_error

qt_compat.apply()  # before any signal is emitted from Python (see qt_compat)
log = logging.getLogger(__name__)
Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


@dataclass
class _Ticket:
    """A submitted job as the GUI thread knows it. Owner and callbacks never travel to the pool thread, so
    the last reference to a widget is never dropped there."""

    owner: QObject | None
    key: tuple[int, str] | None
    on_done: Done | None
    on_error: Failed | None
    changes: frozenset[str]
    cancelled: list[bool] = field(default_factory=lambda: [False])  # shared with the job; set when superseded


def owner_gone(owner: QObject | None) -> bool:
    """Whether a result for ``owner`` has nobody to go to: deleted, or its window closed after being shown."""
    if owner is None:
        return False
    if not shiboken6.isValid(owner):
        return True
    if isinstance(owner, QWidget):
        window = owner.window()
        # A window never shown yet (a dialog filling itself before open()) still wants its result.
        return window.isHidden() and window.testAttribute(Qt.WidgetAttribute.WA_WState_ExplicitShowHide)
    return False


class _Job(QRunnable):
    def __init__(self, ticket_id: int, fn: Callable[[], Any], runner: Runner, cancelled: list[bool],
                 skippable: bool) -> None:
        super().__init__()
        self.ticket_id, self.fn, self.runner = ticket_id, fn, runner
        self.cancelled, self.skippable = cancelled, skippable

    def run(self) -> None:
        if self.skippable and self.cancelled[0]:
            self.runner._finished.emit(self.ticket_id, None, None)  # superseded before it started
            return
        try:
            result = self.fn()
        except BaseException as exc:  # logged here, so it reaches the log even if nobody receives it
            report(exc, log, doing="background job")
            self.runner._finished.emit(self.ticket_id, None, exc)
        else:
            self.runner._finished.emit(self.ticket_id, result, None)


class Runner(QObject):
    """Runs jobs on a thread pool; lives on the GUI thread, where queued signals bring results back."""

    changed = Signal(object)  # frozenset of change names a job announced
    _finished = Signal(int, object, object)  # ticket id, result, exception or None

    def __init__(self, pool: QThreadPool | None = None) -> None:
        super().__init__()
        self.pool = pool or QThreadPool.globalInstance()
        self._tickets: dict[int, _Ticket] = {}
        self._latest: dict[tuple[int, str], int] = {}  # (id of owner, key) → ticket id of the newest job
        self._ids = itertools.count(1)
        # A decorated slot, not a lambda: PySide 6.8+ can crash delivering cross-thread signals to plain
        # callables (PYSIDE-3124), and this signal is emitted from pool threads.
        self._finished.connect(self._deliver)

    def submit(self, fn: Callable[[], Any], *, owner: QObject | None, key: str | None = None,
               on_done: Done | None = None, on_error: Failed | None = None,
               changes: Iterable[str] = ()) -> None:
        """Run ``fn`` in the background for ``owner``; see the module docstring for ``key`` and ``changes``."""
        ticket_id = next(self._ids)
        slot = (id(owner), key) if key is not None else None
        ticket = _Ticket(owner, slot, on_done, on_error, frozenset(changes))
        if slot is not None:
            older = self._latest.get(slot)
            if older is not None and older in self._tickets:
                self._tickets[older].cancelled[0] = True
            self._latest[slot] = ticket_id
        self._tickets[ticket_id] = ticket
        self._start(ticket_id, fn, ticket)

    def _start(self, ticket_id: int, fn: Callable[[], Any], ticket: _Ticket) -> None:
        self.pool.start(_Job(ticket_id, fn, self, ticket.cancelled, skippable=not ticket.changes))

    def pending(self) -> int:
        """Jobs submitted whose result has not been delivered or dropped yet."""
        return len(self._tickets)

    @Slot(int, object, object)
    def _deliver(self, ticket_id: int, result: object, exc: BaseException | None) -> None:
        ticket = self._forget(ticket_id)
        if exc is None and ticket.changes:
            self.changed.emit(ticket.changes)
        if ticket.cancelled[0] or owner_gone(ticket.owner):
            return  # superseded, or nobody to show it to (a failure is already in the log)
        if exc is None:
            if ticket.on_done is not None:
                ticket.on_done(result)
        elif ticket.on_error is not None:
            ticket.on_error(exc)
        else:
            show_error(exc, ticket.owner if isinstance(ticket.owner, QWidget) else None)

    def _forget(self, ticket_id: int) -> _Ticket:
        ticket = self._tickets.pop(ticket_id)
        if ticket.key is not None and self._latest.get(ticket.key) == ticket_id:
            del self._latest[ticket.key]
        return ticket

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until every job finished (shutdown and tests only)."""
        return self.pool.waitForDone(msecs)


class InlineRunner(Runner):
    """Runs each job immediately on the calling thread (tests), with the same delivery rules.

    Every failure is also kept in ``errors``; an unexpected one without ``on_error`` (a bug) is raised, so
    a test does not pass over it behind a message box.
    """

    def __init__(self) -> None:
        super().__init__(QThreadPool())
        self.errors: list[BaseException] = []

    def _start(self, ticket_id: int, fn: Callable[[], Any], ticket: _Ticket) -> None:
        try:
            result = fn()
        except Exception as exc:
            report(exc, log, doing="background job")
            self.errors.append(exc)
            if ticket.on_error is None and not is_expected(exc):
                self._forget(ticket_id)
                raise
            self._deliver(ticket_id, None, exc)
        else:
            self._deliver(ticket_id, result, None)

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
