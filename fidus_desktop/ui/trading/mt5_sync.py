"""The MT5 poller of a signed-in session, started once there is an active account to follow.

The main window owns one for the whole session (the trading feature declares it as a session job), so
accounts sync from sign-in whether or not the Trading tab was opened, and closing the window (quit or
sign-out) stops it. A Trading view standing alone, as in tests, makes and owns its own.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from PySide6.QtCore import QObject, Signal

from fidus_desktop.services.permissions import Permission, allowed
from fidus_desktop.services.trading.link import TerminalLink
from fidus_desktop.services.trading.poller import PollerSettings
from fidus_desktop.ui.errors import describe_error
from fidus_desktop.ui.session import UiSession
from fidus_desktop.ui.trading.poller_thread import PollerThread, build_poller_thread

log = logging.getLogger(__name__)


class Mt5Sync(QObject):
    """``start()`` looks for active accounts in the background; ``ensure_running`` starts the poller once.

    Without one, ``role_cannot_sync`` or ``settings_problem`` (the ``[mt5]`` section is not usable) says why.
    """

    started = Signal(object)  # the PollerThread, once it runs

    def __init__(self, session: UiSession, link: TerminalLink | None = None, settings: PollerSettings | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._link, self._settings = link, settings
        self.poller: PollerThread | None = None
        self.role_cannot_sync = False
        self.settings_problem = ""

    def start(self) -> None:
        accounts = self.session.services.trading.accounts
        # A failure is logged by the runner and not shown: the status bar says the database is unreachable,
        # and the Trading tab tries again when it loads the accounts.
        self.session.runner.submit(lambda: [a.login for a in accounts.all(active_only=True)], owner=self,
                                   key="accounts", on_done=self.ensure_running, on_error=lambda _: None)

    def ensure_running(self, active_logins: Sequence[int]) -> PollerThread | None:
        """Start the poller for ``active_logins`` unless it runs, there is none, or it is off (say so once)."""
        if self.poller is not None or self.role_cannot_sync or self.settings_problem or not active_logins:
            return self.poller
        if not allowed(self.session.actor.role, Permission.MT5_SYNC):
            self.role_cannot_sync = True
            self.session.signals.mt5_status.emit("MT5: not syncing here (your role cannot sync)")
            return None
        try:
            poller = build_poller_thread(self.session, self._link or self.session.context.terminal_link(),
                                         self._settings, self)
        except ValueError as exc:
            self.settings_problem = describe_error(exc)
            self.session.signals.mt5_status.emit("MT5: settings not usable")
            return None
        poller.expect(active_logins)
        poller.start()
        self.poller = poller
        self.started.emit(poller)
        return poller

    def stop(self) -> bool:
        """Stop the poller (within two seconds); True when it is stopped."""
        if self.poller is None:
            return True
        stopped = self.poller.stop()
        if not stopped:
            log.warning("The MT5 poller did not stop within two seconds.")
        return stopped


def session_mt5_sync(session: UiSession, parent: QObject) -> Mt5Sync:
    """The trading feature's session job: made by the main window, started with it, stopped when it closes."""
    return Mt5Sync(session, parent=parent)
