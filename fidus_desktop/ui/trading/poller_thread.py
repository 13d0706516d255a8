"""The Qt side of the MT5 poller: ``Mt5Poller`` callbacks turned into Qt signals, and its start/stop.

``Mt5Poller`` already owns its background threads (one planning thread, one per terminal in use) with the
backoff and a ``stop()`` that returns within two seconds, so this worker does not run a loop of its own: it is
the poller's listener and re-emits each callback as a signal. The poller calls the listener on whichever of
its threads polled; the receivers live on the GUI thread, so Qt queues every emission and the slots run on
the GUI thread, never touching widgets from a poller thread.

Which terminal is the composition root's choice (``AppContext.terminal_link``): the simulator for the demo
database, whose clock this worker advances in real time, the real terminal otherwise.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from fidus_desktop.domain.trading.models import AccountSnapshot, Position
from fidus_desktop.services.trading.link import TerminalLink, poller_over
from fidus_desktop.services.trading.poller import STOP_WITHIN_SECONDS, Mt5Poller, PollerSettings
from fidus_desktop.services.trading.sync import ConnectionState
from fidus_desktop.ui.session import UiSession

SIM_TICK_MS = 1000


def status_summary(states: Mapping[int, tuple[str, str]]) -> str:
    """One line for the status bar's MT5 slot: the worst state first, with its reason."""
    if not states:
        return "MT5: no accounts"
    order = [ConnectionState.UNAVAILABLE, ConnectionState.RECONNECTING, ConnectionState.ERROR,
             ConnectionState.ELSEWHERE, ConnectionState.CONNECTING, ConnectionState.CONNECTED,
             ConnectionState.STOPPED]
    total = len(states)
    for state in order:
        hits = [detail for s, detail in states.values() if s == state.value]
        if not hits:
            continue
        if state is ConnectionState.CONNECTED and len(hits) == total:
            return f"MT5: {total} connected"
        reason = next((d for d in hits if d), "")
        return f"MT5: {state.value} ({len(hits)} of {total}){' – ' + reason if reason else ''}"
    return "MT5: " + ", ".join(sorted({s for s, _ in states.values()}))


class PollerThread(QObject):
    """Runs an ``Mt5Poller`` in the background and reports it through Qt signals (emitted on its thread)."""

    state_changed = Signal(int, str, str)  # login, ConnectionState value, detail
    snapshot = Signal(int, object, object)  # login, AccountSnapshot, list[Position]
    deals_arrived = Signal(int, int)  # login, new deals stored
    status_text = Signal(str)  # the status-bar summary, on the GUI thread

    def __init__(
        self, poller: Mt5Poller, advance: Callable[[float], None] | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.poller = poller
        poller.listener = self
        self.states: dict[int, tuple[str, str]] = {}
        self.state_changed.connect(self._note_state)
        self._clock = self._simulated_clock(advance) if advance is not None else None

    # -- the poller's listener (called on the poller's threads) -----------------------------------
    def on_state(self, login: int, state: ConnectionState, detail: str) -> None:
        self.state_changed.emit(login, state.value, detail)

    def on_snapshot(self, login: int, snapshot: AccountSnapshot, positions: Sequence[Position]) -> None:
        self.snapshot.emit(login, snapshot, list(positions))

    def on_deals(self, login: int, count: int) -> None:
        self.deals_arrived.emit(login, count)

    # -- control (GUI thread) ------------------------------------------------------------------
    def start(self) -> None:
        self.poller.start()
        if self._clock is not None:
            self._clock.start()

    def stop(self, timeout: float = STOP_WITHIN_SECONDS) -> bool:
        """Stop the poller; True when its thread ended within ``timeout`` seconds."""
        if self._clock is not None:
            self._clock.stop()
        return self.poller.stop(timeout)

    def expect(self, logins: Sequence[int]) -> None:
        """The accounts the poller will follow, so the summary counts those it has not reached yet."""
        for login in logins:
            self.states.setdefault(login, (ConnectionState.STOPPED.value, ""))

    @property
    def running(self) -> bool:
        return self.poller.running

    @Slot(int, str, str)  # a declared slot: PySide 6.8+ can crash queuing cross-thread calls to plain callables
    def _note_state(self, login: int, state: str, detail: str) -> None:
        self.states[login] = (state, detail)
        self.status_text.emit(status_summary(self.states))

    def _simulated_clock(self, advance: Callable[[float], None]) -> QTimer:
        """The simulated market moves in real time while the app runs (as ``fidus mt5 sync`` does)."""
        timer = QTimer(self, interval=SIM_TICK_MS)
        last = [time.monotonic()]

        def tick() -> None:
            now = time.monotonic()
            advance(now - last[0])
            last[0] = now

        timer.timeout.connect(tick)
        return timer


def build_poller_thread(
    session: UiSession, link: TerminalLink, settings: PollerSettings | None = None, parent: QObject | None = None
) -> PollerThread:
    """A poller over ``link`` for the signed-in user, its summary wired to the status bar's MT5 slot.

    ``settings`` default to the ``[mt5]`` section; a ValueError says when that section is not usable.
    """
    settings = settings or PollerSettings.from_settings(session.context.settings.get)
    poller = poller_over(link, session.services.trading, session.actor, settings)
    worker = PollerThread(poller, link.advance, parent)
    worker.status_text.connect(session.signals.mt5_status)
    return worker
