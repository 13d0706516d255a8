"""``Mt5Poller``: follows every active MT5 account in the background, Qt-free.

One terminal holds one login at a time (docs/MT5.md, "Several accounts"). Accounts without a
``terminal_path`` share the default terminal and **cycle logins** on it; an account with its own
``terminal_path`` is polled through **its own terminal** (a ``WorkerTerminal`` process for the real
package), which stays logged in to it, so no login is switched. For each account in turn: account info +
positions + conversion quotes (every ``poll_seconds``) → deals and orders since the stored cursor (every
``deals_poll_seconds``) → one ``SyncService.record_poll`` transaction. Failures never stop it: a terminal
that is closed, refuses ``initialize`` or times out puts *its* accounts into ``reconnecting`` and is
retried with exponential backoff plus jitter while the other terminals keep being polled; a refused login
puts that one account into ``error`` with its own backoff; a missing ``MetaTrader5`` package is
``unavailable``. After any failure the next poll resumes from the cursor stored in the database.

Progress is reported through a plain listener (``on_state``, ``on_snapshot``, ``on_deals``) called on
the poller's thread; the Trading tab wraps it in Qt signals. ``stop()`` returns within two seconds.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from fidus_desktop.domain.trading.models import AccountSnapshot, Deal, Position
from fidus_desktop.integrations.mt5 import (
    Mt5AuthError,
    Mt5ConnectionError,
    Mt5Error,
    Mt5Session,
    Mt5Unavailable,
    Terminal,
    WorkerTerminal,
    policy_from_config,
)
from fidus_desktop.integrations.mt5.real import NOT_INSTALLED
from fidus_desktop.integrations.mt5.session import HISTORY_START
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.trading import TradingServices
from fidus_desktop.services.trading.accounts import Mt5Account
from fidus_desktop.services.trading.orders import history_orders
from fidus_desktop.services.trading.risk import conversion_symbols_for
from fidus_desktop.services.trading.sync import ConnectionState, Poll, SyncResult
from fidus_desktop.store.port import Document

log = logging.getLogger(__name__)
STOP_WITHIN_SECONDS = 2.0


class PollerListener(Protocol):
    """What the poller reports; every method is called on the poller's thread."""

    def on_state(self, login: int, state: ConnectionState, detail: str) -> None: ...

    def on_snapshot(self, login: int, snapshot: AccountSnapshot, positions: Sequence[Position]) -> None: ...

    def on_deals(self, login: int, count: int) -> None: ...


class NullListener:
    """A listener that ignores everything (headless sync)."""

    def on_state(self, login: int, state: ConnectionState, detail: str) -> None:
        return None

    def on_snapshot(self, login: int, snapshot: AccountSnapshot, positions: Sequence[Position]) -> None:
        return None

    def on_deals(self, login: int, count: int) -> None:
        return None


@dataclass(frozen=True)
class PollerSettings:
    """Intervals and limits, read from the ``[mt5]`` settings section."""

    terminal_path: str = ""  # the default terminal, shared by the accounts without their own terminal_path
    poll_seconds: float = 5.0  # account info + positions
    deals_poll_seconds: float = 30.0  # deals + orders since the cursor
    snapshot_seconds: float = 60.0  # how often an equity snapshot is kept in the time series
    rescan_minutes: float = 60.0  # re-read before the cursor, for deals that reached the terminal late
    catch_up_days: float = 2.0  # history window per terminal request: small batches keep GC pauses short
    max_deals_per_poll: int = 20_000  # a catch-up continues on the next cycle past this (see bench_gui_lag)
    timeout_ms: int = 10_000  # passed to initialize / login
    backoff_initial_seconds: float = 1.0
    backoff_max_seconds: float = 60.0

    @classmethod
    def from_settings(cls, get: Callable[[str, Any], Any]) -> PollerSettings:
        """Build from ``Settings.get``; unknown or missing keys keep the defaults above."""
        defaults = cls()
        values = {name: get(f"mt5.{name}", getattr(defaults, name)) for name in cls.__dataclass_fields__}
        settings = cls(**values)
        if min(settings.poll_seconds, settings.deals_poll_seconds, settings.backoff_initial_seconds) <= 0:
            raise ValueError("mt5.poll_seconds, mt5.deals_poll_seconds and mt5.backoff_initial_seconds must be > 0.")
        return settings


class Backoff:
    """Exponential backoff with jitter: 1, 2, 4 … s up to a cap, each drawn from [delay/2, delay]."""

    def __init__(self, initial: float, maximum: float, rng: random.Random) -> None:
        self.initial, self.maximum, self.rng = initial, maximum, rng
        self.failures = 0

    def next_delay(self) -> float:
        delay = min(self.maximum, self.initial * 2**self.failures)
        self.failures += 1
        return delay / 2 + self.rng.uniform(0, delay / 2)

    def reset(self) -> None:
        self.failures = 0


@dataclass
class _Link:
    """One terminal connection: the default terminal (path ``""``, accounts cycle logins) or one installation."""

    path: str
    terminal: Terminal
    backoff: Backoff
    connected: bool = False
    logged_in: int | None = None
    retry_at: float = 0.0  # nothing is attempted on this terminal before (monotonic seconds)


@dataclass
class _AccountTimer:
    backoff: Backoff
    next_poll: float = 0.0
    next_deals: float = 0.0


@dataclass(frozen=True)
class PollOutcome:
    """One account's poll: what was stored, and whether its deal history is now read up to the clock."""

    stored: SyncResult
    deals_read: bool
    complete: bool


class _Stopped(Exception):
    """stop() was called during a long catch-up; nothing of the unfinished poll was stored."""


class Mt5Poller:
    """Polls every active account; ``run_once`` for one pass, ``start``/``stop`` for a thread.

    ``terminal`` is the default terminal; ``terminal_for_path`` opens the terminal of an account's own
    ``terminal_path`` (default: a ``WorkerTerminal`` process over the real package).
    """

    def __init__(
        self,
        trading: TradingServices,
        terminal: Terminal,
        actor: Actor,
        *,
        settings: PollerSettings | None = None,
        listener: PollerListener | None = None,
        passwords: Callable[[int], str | None] | None = None,
        terminal_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        monotonic: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        terminal_for_path: Callable[[str], Terminal] = WorkerTerminal,
    ) -> None:
        self.trading = trading
        self.terminal = terminal
        self.terminal_for_path = terminal_for_path
        self.actor = actor
        self.settings = settings or PollerSettings()
        self.listener: PollerListener = listener or NullListener()
        self.passwords = passwords or trading.accounts.password
        self.terminal_clock = terminal_clock
        self.monotonic = monotonic
        self.rng = rng or random.Random()
        self.states: dict[int, ConnectionState] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._links: dict[str, _Link] = {"": _Link("", terminal, self._backoff())}
        self._link_of: dict[int, _Link] = {}  # login → the terminal it was last polled through
        self._timers: dict[int, _AccountTimer] = {}

    # -- thread ----------------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="mt5-poller", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = STOP_WITHIN_SECONDS) -> bool:
        """Ask the thread to finish and wait up to ``timeout``; True when it has stopped."""
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                log.warning("The MT5 poller is still inside a terminal call; it will exit when the call returns.")
                return False
        self._thread = None
        for path, link in self._links.items():
            if path and link.connected:  # an account's own terminal: end its worker, not the terminal
                link.terminal.shutdown()
                link.connected, link.logged_in = False, None
        for login in list(self.states):
            self._set_state(login, ConnectionState.STOPPED, "")
        return True

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # never let one bad cycle end the thread; the cycle logged the cause
                log.exception("MT5 poll cycle failed")
            self._stop.wait(self._seconds_to_next_due())

    def _seconds_to_next_due(self) -> float:
        now = self.monotonic()
        due = [max(min(timer.next_poll, timer.next_deals), self._link_of[login].retry_at)
               for login, timer in self._timers.items() if login in self._link_of]
        wake = min(due) if due else now + self.settings.poll_seconds
        return min(self.settings.poll_seconds, max(0.05, wake - now))

    # -- one pass --------------------------------------------------------------------------------
    def run_once(self, *, force: bool = False) -> dict[int, PollOutcome]:
        """Poll every active account that is due (all of them with ``force``); outcomes by login."""
        results: dict[int, PollOutcome] = {}
        for account in self.trading.accounts.all(active_only=True):
            if self._stop.is_set():
                break
            timer = self._timer(account.login)
            link = self._link(account)
            now = self.monotonic()
            if not force and (now < link.retry_at or now < min(timer.next_poll, timer.next_deals)):
                continue
            result = self._poll_safely(account, link, timer, deals_due=force or now >= timer.next_deals)
            if result is not None:
                results[account.login] = result
        return results

    def sync_to_now(self) -> dict[int, int]:
        """Forced passes until every reachable account's deals are read up to the terminal's clock (``--once``).

        Returns the new deals stored per login; an account that failed is absent (its state says why).
        """
        totals: dict[int, int] = {}
        pending = True
        while pending and not self._stop.is_set():
            outcomes = self.run_once(force=True)
            for login, outcome in outcomes.items():
                totals[login] = totals.get(login, 0) + outcome.stored.new_deals
            pending = any(not o.complete for o in outcomes.values())
        return totals

    def _poll_safely(
        self, account: Mt5Account, link: _Link, timer: _AccountTimer, *, deals_due: bool
    ) -> PollOutcome | None:
        login = account.login
        try:
            result = self._poll(account, link, deals_due=deals_due)
        except _Stopped:
            return None
        except Mt5Unavailable:
            self._terminal_failed(link, ConnectionState.UNAVAILABLE, NOT_INSTALLED, self.settings.backoff_max_seconds)
            return None
        except Mt5ConnectionError as exc:
            self._terminal_failed(link, ConnectionState.RECONNECTING, str(exc))
            return None
        except Mt5Error as exc:  # refused login, unknown deal type …: this account only
            if isinstance(exc, Mt5AuthError):
                link.logged_in = None
            self._account_failed(account, timer, str(exc))
            return None
        except Exception as exc:  # storage trouble: keep the other accounts going
            log.exception("Storing the MT5 poll of %s failed", login)
            self._account_failed(account, timer, f"Could not store the poll: {exc}")
            return None
        now = self.monotonic()
        timer.backoff.reset()
        link.backoff.reset()
        timer.next_poll = now + self.settings.poll_seconds
        if result.deals_read:
            timer.next_deals = now if not result.complete else now + self.settings.deals_poll_seconds
        self._set_state(login, ConnectionState.CONNECTED, "")
        return result

    def _poll(self, account: Mt5Account, link: _Link, *, deals_due: bool) -> PollOutcome:
        login = account.login
        if self.states.get(login) != ConnectionState.CONNECTED:
            self._set_state(login, ConnectionState.CONNECTING, "")
        session = Mt5Session(link.terminal, policy_from_config(account.server_time), clock=self.terminal_clock)
        self._attach(session, account, link)
        snapshot = session.account()
        positions = session.positions()
        quotes = session.quotes(conversion_symbols_for(snapshot.currency, positions))
        deals: list[Deal] = []
        orders: list[Document] = []
        watermark, complete = None, True
        if deals_due:
            deals, orders, watermark, complete = self._read_history(session, login)
        poll = Poll(snapshot, positions, deals, orders, watermark, list(quotes.values()))
        stored = self.trading.sync.record_poll(
            self.actor, account, poll, snapshot_every=timedelta(seconds=self.settings.snapshot_seconds)
        )
        self.listener.on_snapshot(login, snapshot, positions)
        if stored.new_deals:
            self.listener.on_deals(login, stored.new_deals)
        return PollOutcome(stored, deals_due, complete)

    def _link(self, account: Mt5Account) -> _Link:
        """The terminal ``account`` is polled through: its own installation, else the shared default one."""
        path = account.terminal_path.strip()
        if path == self.settings.terminal_path:
            path = ""
        if path not in self._links:
            self._links[path] = _Link(path, self.terminal_for_path(path), self._backoff())
        self._link_of[account.login] = self._links[path]
        return self._links[path]

    def _attach(self, session: Mt5Session, account: Mt5Account, link: _Link) -> None:
        """Initialise the terminal once, then log in to ``account`` unless it already is the current login.

        An installation of its own normally stays logged in to its account, so after the first attach no login
        is ever switched; on the shared default terminal the accounts take turns.
        """
        if not link.connected:
            session.connect(path=link.path or self.settings.terminal_path or None, timeout=self.settings.timeout_ms)
            link.connected, link.logged_in = True, session.current_login()
        if link.logged_in != account.login:
            password = self.passwords(account.login)
            if not password:
                raise Mt5AuthError(
                    f"No password stored for MT5 account {account.login}; enter it under Trading > Accounts "
                    "(it is kept in the OS keyring)."
                )
            session.login(account.login, password, account.server, timeout=self.settings.timeout_ms)
            link.logged_in = account.login

    def _read_history(self, session: Mt5Session, login: int) -> tuple[list[Deal], list[Document], datetime, bool]:
        """Deals since the stored cursor, in windows, up to ``max_deals_per_poll``; orders of the same span."""
        start_mark = self.trading.sync.watermark(login)
        rescan = timedelta(minutes=self.settings.rescan_minutes)
        window = timedelta(days=self.settings.catch_up_days)
        deals: list[Deal] = []
        mark, complete = start_mark, False
        while not complete and len(deals) < self.settings.max_deals_per_poll:
            if self._stop.is_set():
                raise _Stopped
            batch = session.deals_since(mark, rescan=rescan, max_window=window)
            deals.extend(batch.deals)
            mark, complete = batch.watermark, batch.complete
        assert mark is not None  # the loop ran at least once
        orders = history_orders(session, login, start_mark - rescan if start_mark else HISTORY_START, mark)
        return deals, orders, mark, complete

    # -- failures --------------------------------------------------------------------------------
    def _terminal_failed(self, link: _Link, state: ConnectionState, detail: str, delay: float | None = None) -> None:
        """This terminal is unusable: its accounts wait for the same retry; other terminals carry on."""
        link.connected, link.logged_in = False, None
        try:
            link.terminal.shutdown()
        except Exception:  # a dead IPC link may fail to close; the next initialize starts afresh
            log.debug("Terminal shutdown after a failure raised", exc_info=True)
        wait = delay if delay is not None else link.backoff.next_delay()
        link.retry_at = self.monotonic() + wait
        for login, account_link in self._link_of.items():
            if account_link is link:
                self._set_state(login, state, f"{detail} Retrying in {wait:.0f} s." if state is not
                                ConnectionState.UNAVAILABLE else detail)

    def _account_failed(self, account: Mt5Account, timer: _AccountTimer, detail: str) -> None:
        wait = timer.backoff.next_delay()
        timer.next_poll = timer.next_deals = self.monotonic() + wait
        self._set_state(account.login, ConnectionState.ERROR, f"{detail} Retrying in {wait:.0f} s.")

    def _set_state(self, login: int, state: ConnectionState, detail: str) -> None:
        if self.states.get(login) == state and state is not ConnectionState.RECONNECTING:
            return
        self.states[login] = state
        try:
            self.trading.sync.note_connection(login, state, detail)
        except Exception:  # the status line must not take the poller down with the database
            log.exception("Could not store the MT5 connection state of %s", login)
        self.listener.on_state(login, state, detail)

    def _timer(self, login: int) -> _AccountTimer:
        if login not in self._timers:
            self._timers[login] = _AccountTimer(self._backoff())
        return self._timers[login]

    def _backoff(self) -> Backoff:
        return Backoff(self.settings.backoff_initial_seconds, self.settings.backoff_max_seconds, self.rng)

