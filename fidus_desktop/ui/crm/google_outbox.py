"""The Google outbox's worker in a signed-in session: drains the user's due jobs in the background.

The CRM feature declares it as a session job, so mail queued before a restart (or while offline) goes out
from sign-in whether or not the CRM tab is opened. Every ``INTERVAL_MS`` (and at once when a view queues
something: ``kick``) it asks ``GoogleService.status`` and, when the user is connected, runs their due jobs
(``run_outbox``) in the runner; jobs that are not due yet wait for their backoff. Nothing runs for a user
without ``crm.google`` or without a connection: their jobs stay queued, and the CRM's Google page says why.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from fidus_desktop.services.crm import CrmPermission
from fidus_desktop.services.crm.google import GoogleStatus
from fidus_desktop.services.crm.outbox import DrainReport
from fidus_desktop.services.permissions import allowed
from fidus_desktop.ui.errors import describe_error
from fidus_desktop.ui.session import UiSession

log = logging.getLogger(__name__)

INTERVAL_MS = 30_000
BATCH = 50  # jobs per run, so a long queue does not hold a pool thread for minutes
OUTBOX_TOPIC = "crm_outbox"


class OutboxWorker(QObject):
    """``status`` is emitted after each run with the user's Google status; ``problem`` with what stopped it."""

    status = Signal(object)  # GoogleStatus
    ran = Signal(object)  # DrainReport (only when the user is connected)
    problem = Signal(str)

    def __init__(self, session: UiSession, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self.session = session
        self.enabled = allowed(session.actor.role, CrmPermission.GOOGLE)
        self.last_status: GoogleStatus | None = None
        self._busy = False
        self._again = False
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.kick)

    def start(self) -> None:
        if self.enabled:
            self.timer.start()
            self.kick()

    def stop(self) -> bool:
        self.timer.stop()
        return True

    def kick(self) -> None:
        """Run now (or right after the run in progress)."""
        if not self.enabled:
            return
        if self._busy:
            self._again = True
            return
        self._busy = True
        google, actor = self.session.services.google, self.session.actor

        def run() -> tuple[GoogleStatus, DrainReport | None]:
            status = google.status(actor)
            if not status.connected or status.needs_reconnect:
                return status, None
            report = google.run_outbox(actor, limit=BATCH)
            return google.status(actor), report

        self.session.runner.submit(run, owner=self, on_done=self._done, on_error=self._failed)

    def _done(self, result: tuple[GoogleStatus, DrainReport | None]) -> None:
        status, report = result
        self.last_status = status
        self.status.emit(status)
        if report is not None:
            self.ran.emit(report)
            if report.done or report.failed or report.retrying:
                self.session.runner.submit(lambda: None, owner=None, changes={OUTBOX_TOPIC})  # tell the views
        self._finish(more=report is not None and report.done + report.failed + report.retrying >= BATCH)

    def _failed(self, exc: BaseException) -> None:
        self.problem.emit(describe_error(exc))
        self._finish(more=False)

    def _finish(self, *, more: bool) -> None:
        self._busy = False
        if self._again or more:
            self._again = False
            self.kick()


def session_google_outbox(session: UiSession, parent: QObject) -> OutboxWorker:
    """The CRM feature's session job: made by the main window, started with it, stopped when it closes."""
    return OutboxWorker(session, parent)


def consent(session: UiSession) -> Callable[[], GoogleStatus]:
    """The consent flow as a runner job. It waits minutes for the user in the browser, so while it waits the pool
    may start another thread in its place (``QThreadPool.releaseThread``): other loads are not held up."""
    google, actor, pool = session.services.google, session.actor, session.runner.pool

    def run() -> GoogleStatus:
        pool.releaseThread()
        try:
            return google.connect(actor)
        finally:
            pool.reserveThread()

    return run


def worker_of(session: UiSession) -> OutboxWorker | None:
    """The session's outbox worker, if the main window made one (a view standing alone in a test has none)."""
    worker = session.jobs.get("google_outbox")
    return worker if isinstance(worker, OutboxWorker) else None
