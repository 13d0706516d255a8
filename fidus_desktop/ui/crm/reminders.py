"""Follow-up reminders for the signed-in user, from sign-in whether or not the CRM tab was opened.

A session job (the CRM feature declares it): at start, then every minute, it asks
``ActivityService.due_reminders`` in the background runner; reminders that came while the application was
closed arrive with the first look. Each is announced once: a desktop notification (``DesktopNotice``), the
status bar, and ``reminded`` for the CRM tab's message line; then they are marked as shown, in the runner.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from fidus_desktop.services.crm import CrmPermission
from fidus_desktop.services.crm.activities import KIND_LABELS, DayItem
from fidus_desktop.services.permissions import allowed
from fidus_desktop.ui.common.desktop_notice import DesktopNotice
from fidus_desktop.ui.crm.activities import when
from fidus_desktop.ui.session import UiSession

INTERVAL_MS = 60_000
LISTED = 3  # reminders named in one notification; more are counted


def reminder_text(items: list[DayItem]) -> str:
    lines = [f"{KIND_LABELS[i.activity.kind]}: {i.activity.title} ({i.about}), due {when(i.activity.due)}"
             for i in items[:LISTED]]
    if len(items) > LISTED:
        lines.append(f"and {len(items) - LISTED} more in My day")
    return "\n".join(lines)


class ReminderJob(QObject):
    reminded = Signal(str)  # one line saying what is due, for a message line

    def __init__(self, session: UiSession, window: QWidget, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(window)
        self.session = session
        self.notice = DesktopNotice(window)
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check)
        self.enabled = allowed(session.actor.role, CrmPermission.READ)

    def start(self) -> None:
        if self.enabled:
            self.check()
            self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def check(self) -> None:
        service, actor = self.session.services.crm_activities, self.session.actor
        # A failure is logged by the runner and not shown: the status bar already says when the database is
        # unreachable, and the next tick tries again.
        self.session.runner.submit(lambda: service.due_reminders(actor), owner=self, key="reminders",
                                   on_done=self._announce, on_error=lambda _: None)

    def _announce(self, items: list[DayItem]) -> None:
        if not items:
            return
        title = "Follow-up due" if len(items) == 1 else f"{len(items)} follow-ups due"
        first = items[0].activity
        line = f"{title}: {first.title} ({items[0].about}), due {when(first.due)}" + (
            f", and {len(items) - 1} more — see My day in the CRM tab" if len(items) > 1 else "")
        self.notice.show(title, reminder_text(items), status=f"{title}: see My day in the CRM tab")
        self.reminded.emit(line)
        service, actor, ids = self.session.services.crm_activities, self.session.actor, \
            [i.activity.activity_id for i in items]
        self.session.runner.submit(lambda: service.mark_reminded(actor, ids), owner=self, on_error=lambda _: None)


def session_reminders(session: UiSession, window: QWidget) -> ReminderJob:
    return ReminderJob(session, window)
