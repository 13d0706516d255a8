"""``Mt5Poller``: follows every active MT5 account in the background, Qt-free.

One terminal holds one login at a time (docs/MT5.md, "Several accounts"). Accounts without a
``terminal_path`` share the default terminal and **cycle logins** on it; an account with its own
``terminal_path`` is polled through **its own terminal** (a ``WorkerTerminal`` process for the real
package), which stays logged in to it, so no login is switched. For each account of a terminal in turn:
account info + positions + conversion quotes (every ``poll_seconds``) → deals and orders since the stored
cursor (every ``deals_poll_seconds``) → one ``SyncService.record_poll`` transaction. Failures never stop it:
a terminal that is closed, refuses ``initialize`` or times out puts *its* accounts into ``reconnecting`` and
is retried with exponential backoff plus jitter while the other terminals keep being polled; a refused login
puts that one account into ``error`` with its own backoff; a missing ``MetaTrader5`` package is
``unavailable``. After any failure the next poll resumes from the cursor stored in the database.

Running (``start``), each terminal is followed on **its own thread**, so a terminal that hangs inside a call
delays only its own accounts. A planning thread re-reads the active accounts every ``poll_seconds`` and hands
each terminal its accounts: a new or changed ``terminal_path`` gets a fresh terminal, and one no account uses
any more (path changed or cleared, account deactivated) is shut down at once, ending its worker process.

What a real terminal does on its own is followed, not assumed away (docs/MT5.md, "Real terminals"):

- **Late history.** A terminal fetches the history it missed only when it (re)connects to its trade server: at
  start-up, after an outage (``terminal_info().connected`` was False) and after a login. Each such event owes the
  account a **re-read** from its cursor (minus the rescan), made once the terminal has been connected for
  ``history_settle_seconds``; the owed start is stored with the cursor, so a restart does not forget it. While the
  terminal is not connected to its server nothing is read and the cursor stays. A slower **deep re-read** of the
  last ``reread_days`` (every ``reread_minutes``) picks up what arrived later still, and deals the broker changed.
- **Another account.** Before anything is stored the terminal must show this account (login and server), checked
  before and after reading; the user may switch accounts in the terminal window at any time.
- **One writer.** The poller holds a lease per account in the database (``SyncLeaseService``); an account
  leased by another poller (``fidus mt5 sync``, another workstation) is left alone (``elsewhere``).
- **A closed terminal stays closed.** With ``attach_only`` (the default) FIDUS never calls ``initialize`` for a
  terminal that is not running, since the package would start it. Installations of their own are started
  ``portable`` (``portable_installations``), so they use their own data folder and saved logins. The shared
  terminal attached without a path is named in the log, and refused when it is one account's own installation.
- **Server clock.** At each (re)connect the server's offset is detected from the newest tick and compared with
  the account's ``server_time``; a disagreement is shown in the account's state and ``fidus doctor``.

Progress is reported through a plain listener (``on_state``, ``on_snapshot``, ``on_deals``) called on
the poller's threads; the Trading tab wraps it in Qt signals. ``stop()`` returns within two seconds.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from fidus_desktop.clock import wall_now
from fidus_desktop.config.settings import SettingsError
from fidus_desktop.domain.trading.models import AccountSnapshot, Deal, Position
from fidus_desktop.integrations.mt5 import (
    Mt5AccountMismatch,
    Mt5AuthError,
    Mt5ConnectionError,
    Mt5Error,
    Mt5Session,
    Mt5TerminalClosed,
    Mt5Unavailable,
    Terminal,
    WorkerTerminal,
    policy_from_config,
)
from fidus_desktop.integrations.mt5.processes import ProcessAware, installation_key, terminal_key
from fidus_desktop.integrations.mt5.real import NOT_INSTALLED
from fidus_desktop.integrations.mt5.session import HISTORY_START
from fidus_desktop.integrations.mt5.timezones import ServerTimePolicy
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.trading import TradingServices
from fidus_desktop.services.trading.accounts import Mt5Account
from fidus_desktop.services.trading.lease import SyncedElsewhere, holder_name
from fidus_desktop.services.trading.orders import history_orders
from fidus_desktop.services.trading.risk import conversion_symbols_for
from fidus_desktop.services.trading.sync import ConnectionState, Poll, SyncResult
from fidus_desktop.store.port import Document

log = logging.getLogger(__name__)
STOP_WITHIN_SECONDS = 2.0
# Ticks to read the server's clock from when the account has no open position (absent symbols are skipped).
_PROBE_SYMBOLS = ("EURUSD", "GBPUSD", "USDJPY", "XAUUSD")


class PollerListener(Protocol):
    """What the poller reports; every method is called on one of the poller's threads."""

    def on_state(self, login: int, state: ConnectionState, detail: str) -> None: ...

    def on_snapshot(self, login: int, snapshot: AccountSnapshot, positions: Sequence[Position]) -> None: ...

    def on_deals(self, login: int, count: int) -> None: ...


@runtime_checkable
class Abortable(Protocol):
    """A terminal that can be cut off from another thread (``WorkerTerminal``): a call stuck in it returns."""

    def abort(self) -> None: ...


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
    attach_only: bool = True  # never start a terminal that is not running (initialize() would)
    terminal_portable: bool = False  # start the shared terminal with /portable (when attach_only is off)
    portable_installations: bool = True  # accounts' own installations are portable installs
    history_settle_seconds: float = 60.0  # connected this long before the owed re-read after a (re)connect
    reread_days: float = 7.0  # the deep re-read: late deals and deals the broker changed afterwards
    reread_minutes: float = 60.0
    lease_seconds: float = 120.0  # an account's lease, renewed by every stored poll

    @classmethod
    def from_settings(cls, get: Callable[[str, Any], Any]) -> PollerSettings:
        """Build from ``Settings.get``; unknown or missing keys keep the defaults above."""
        defaults = cls()
        values = {name: get(f"mt5.{name}", getattr(defaults, name)) for name in cls.__dataclass_fields__}
        settings = cls(**values)
        if min(settings.poll_seconds, settings.deals_poll_seconds, settings.backoff_initial_seconds) <= 0:
            raise SettingsError("mt5.poll_seconds, mt5.deals_poll_seconds and mt5.backoff_initial_seconds must be > 0 "
                                "in the settings file; correct them there and restart FIDUS Desktop.")
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
    online_since: datetime | None = None  # terminal clock when it was last seen (re)connected to its server
    retry_at: float = 0.0  # nothing is attempted on this terminal before (monotonic seconds)
    accounts: list[Mt5Account] = field(default_factory=list)  # the active accounts it serves, set each cycle
    retired: bool = False  # no account uses it any more: its thread ends and shuts the terminal down
    wake: threading.Event = field(default_factory=threading.Event)  # set by stop() and on retirement
    thread: threading.Thread | None = None  # the thread following it while the poller runs


@dataclass
class _AccountTimer:
    backoff: Backoff
    next_poll: float = 0.0
    next_deals: float = 0.0
    next_reread: float = 0.0
    owed_since: datetime | None = None  # history arrives late since this event: re-read once settled after it
    check_offset: bool = True  # compare the server's clock with server_time at the next poll
    clock_warning: str = ""  # the last check's disagreement, shown with every connected state until checked again
    seen: set[int] = field(default_factory=set)  # tickets of the previous read: not converted again
    # held while the account is polled: one that just moved to another terminal is never polled twice at once
    busy: threading.Lock = field(default_factory=threading.Lock)


@dataclass(frozen=True)
class PollOutcome:
    """One account's poll: what was stored, and whether its deal history is now read up to the clock."""

    stored: SyncResult
    deals_read: bool
    complete: bool
    warning: str = ""  # shown with the connected state (e.g. the server clock disagrees with server_time)


class _Stopped(Exception):
    """stop() was called, or the terminal retired, during a long catch-up; nothing of that poll was stored."""


class _ServerOffline(Exception):
    """The terminal answers but is not connected to its trade server: its history is not complete."""


class Mt5Poller:
    """Polls every active account; ``run_once`` for one pass on the caller's thread, ``start``/``stop`` for the
    background threads (one planning, one per terminal in use).

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
        terminal_clock: Callable[[], datetime] = wall_now,
        monotonic: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        terminal_for_path: Callable[[str], Terminal] = WorkerTerminal,
        holder: str | None = None,
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
        self.holder = holder or holder_name("FIDUS Desktop")  # the name on this poller's account leases
        self.states: dict[int, ConnectionState] = {}
        self._details: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._links: dict[str, _Link] = {"": _Link("", terminal, self._backoff())}  # by path; "" the shared one
        self._retired: list[_Link] = []  # retired terminals whose thread may still be finishing a call
        self._timers: dict[int, _AccountTimer] = {}

    # -- threads -------------------------------------------------------------------------------
    def start(self) -> None:
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="mt5-poller", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = STOP_WITHIN_SECONDS) -> bool:
        """Ask every thread to finish and wait up to ``timeout`` in all; True when they have stopped.

        A terminal still inside a call after half that time is cut off if it can be (its worker process is
        killed, so the call returns as a lost link); an in-process terminal cannot be: then this returns False
        and its thread ends when the call returns.
        """
        self._stop.set()
        links = [*self._links.values(), *self._retired]
        for link in links:
            link.wake.set()
        deadline = time.monotonic() + timeout
        threads = [t for t in (self._thread, *(link.thread for link in links)) if t is not None]
        _join(threads, time.monotonic() + timeout / 2)
        for link in links:
            if link.thread is not None and link.thread.is_alive() and isinstance(link.terminal, Abortable):
                link.terminal.abort()
        _join(threads, deadline)
        if any(thread.is_alive() for thread in threads):
            log.warning("The MT5 poller is still inside a terminal call; it will exit when the call returns.")
            return False
        self._thread = None
        for link in self._links.values():  # a retired one was closed by its own thread
            self._close(link)
        for login in list(self.states):
            self._set_state(login, ConnectionState.STOPPED, "")
        self.release_leases()
        return True

    def release_leases(self) -> None:
        """Let other pollers take this poller's accounts at once (not only when the leases expire)."""
        try:
            self.trading.leases.release(self.holder)
        except Exception:  # the database may be gone; the leases then simply expire
            log.exception("Could not release the MT5 sync leases of %s", self.holder)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        """The planning loop: hand each terminal its accounts and keep one thread following each one in use."""
        while not self._stop.is_set():
            try:
                for link in self._plan():
                    if link.accounts and (link.thread is None or not link.thread.is_alive()):
                        link.thread = threading.Thread(target=self._follow, args=(link,), daemon=True,
                                                       name=f"mt5-poller {link.path or 'shared terminal'}")
                        link.thread.start()
            except Exception:  # the database may be briefly unreachable; the next cycle reads again
                log.exception("Reading the MT5 accounts to poll failed")
            self._stop.wait(self.settings.poll_seconds)
        self.trading.sync.store.release_thread()

    def _follow(self, link: _Link) -> None:
        """One terminal's loop: poll its due accounts, sleep until the next is due; ends on stop() or retirement."""
        try:
            while not self._stop.is_set() and not link.retired:
                try:
                    self._pass(link)
                except Exception:  # never let one bad pass end the thread; the pass logged the cause
                    log.exception("MT5 poll through %s failed", link.path or "the shared terminal")
                link.wake.wait(self._seconds_to_next_due(link))
                link.wake.clear()
        finally:
            if link.retired:
                self._close(link)
            self.trading.sync.store.release_thread()  # a retired or stopped terminal's thread ends here

    def _seconds_to_next_due(self, link: _Link) -> float:
        now = self.monotonic()
        timers = [self._timers[account.login] for account in link.accounts]
        wake = min((max(min(t.next_poll, t.next_deals), link.retry_at) for t in timers),
                   default=now + self.settings.poll_seconds)
        return min(self.settings.poll_seconds, max(0.05, wake - now))

    # -- one pass --------------------------------------------------------------------------------
    def run_once(self, *, force: bool = False) -> dict[int, PollOutcome]:
        """Poll every active account that is due (all of them with ``force``) on this thread, one terminal after
        the other; outcomes by login."""
        results: dict[int, PollOutcome] = {}
        for link in self._plan():
            results.update(self._pass(link, force=force))
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

    def _plan(self) -> list[_Link]:
        """Give each terminal its active accounts: a new terminal path gets a fresh terminal, one no account uses
        any more is retired (shut down) and an account no longer followed reads ``stopped``."""
        groups: dict[str, list[Mt5Account]] = {"": []}  # by installation, however its path is spelt
        spelled: dict[str, str] = {"": ""}  # each installation's path as its first account spells it
        for account in self.trading.accounts.all(active_only=True):
            if account.login not in self._timers:
                self._timers[account.login] = _AccountTimer(self._backoff())
            key = self._path_of(account)
            groups.setdefault(key, []).append(account)
            spelled.setdefault(key, account.terminal_path.strip())
        for key in self._links.keys() - groups.keys():
            self._retire(self._links.pop(key))
        for key, accounts in groups.items():
            if key not in self._links:
                self._links[key] = _Link(spelled[key], self.terminal_for_path(spelled[key]), self._backoff())
            self._links[key].accounts = accounts
        followed = {account.login for accounts in groups.values() for account in accounts}
        for login in set(self.states) - followed:
            self._set_state(login, ConnectionState.STOPPED, "")
        self._retired = [link for link in self._retired if link.thread is not None and link.thread.is_alive()]
        return list(self._links.values())

    def _path_of(self, account: Mt5Account) -> str:
        """The account's own installation as one spelling (``C:\\…`` and ``c:/…`` are one terminal), or ``""``
        for the shared terminal (also when it names that one)."""
        key = terminal_key(account.terminal_path)
        return "" if key == terminal_key(self.settings.terminal_path) else key

    def _retire(self, link: _Link) -> None:
        """No account uses this terminal any more: its thread shuts it down on the way out, or this does now."""
        link.retired = True
        link.wake.set()
        if link.thread is not None and link.thread.is_alive():
            self._retired.append(link)  # stop() still waits for it
        else:
            self._close(link)

    def _pass(self, link: _Link, *, force: bool = False) -> dict[int, PollOutcome]:
        """Poll the accounts of one terminal that are due (all of them with ``force``), one after the other."""
        results: dict[int, PollOutcome] = {}
        for account in link.accounts:
            if self._stop.is_set() or link.retired:
                break
            timer = self._timers[account.login]
            now = self.monotonic()
            if not force and (now < link.retry_at or now < min(timer.next_poll, timer.next_deals)):
                continue
            if not timer.busy.acquire(blocking=False):
                continue  # still being polled through the terminal it used before its path changed
            try:
                result = self._poll_safely(account, link, timer, deals_due=force or now >= timer.next_deals)
            finally:
                timer.busy.release()
            if result is not None:
                results[account.login] = result
        return results

    def _poll_safely(
        self, account: Mt5Account, link: _Link, timer: _AccountTimer, *, deals_due: bool
    ) -> PollOutcome | None:
        login = account.login
        try:
            result = self._poll(account, link, timer, deals_due=deals_due)
        except _Stopped:
            return None
        except SyncedElsewhere as exc:  # not a failure: look again when that lease may have ended
            timer.next_poll = timer.next_deals = self.monotonic() + self.settings.poll_seconds
            self._set_state(login, ConnectionState.ELSEWHERE, str(exc))
            return None
        except _ServerOffline as exc:  # the terminal reconnects by itself; the cursor waits meanwhile
            timer.next_poll = timer.next_deals = self.monotonic() + self.settings.poll_seconds
            self._set_state(login, ConnectionState.RECONNECTING, str(exc))
            return None
        except Mt5AccountMismatch as exc:
            link.logged_in = None  # log in to the right account on the next poll
            self._account_failed(account, timer, str(exc))
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
        self._set_state(login, ConnectionState.CONNECTED, result.warning)
        return result

    def _poll(self, account: Mt5Account, link: _Link, timer: _AccountTimer, *, deals_due: bool) -> PollOutcome:
        login = account.login
        if self.states.get(login) != ConnectionState.CONNECTED:
            self._set_state(login, ConnectionState.CONNECTING, "")
        lease = (self.holder, timedelta(seconds=max(self.settings.lease_seconds, 3 * self.settings.poll_seconds)))
        self.trading.leases.acquire(login, *lease)
        policy = policy_from_config(account.server_time)
        session = Mt5Session(link.terminal, policy, clock=self.terminal_clock)
        self._attach(session, account, link, timer)
        session.expect_account(login, account.server)
        self._expect_online(session, link)
        snapshot = session.account()
        positions = session.positions()
        quotes = session.quotes(conversion_symbols_for(snapshot.currency, positions))
        offset = None
        if timer.check_offset:
            offset, warning = self._check_offset(session, policy, account, [p.symbol for p in positions] + list(quotes))
            timer.check_offset = offset is None  # no fresh tick (market closed): try again next poll
            timer.clock_warning = warning if offset is not None else timer.clock_warning
        deals: list[Deal] = []
        orders: list[Document] = []
        watermark, complete, reread_from = None, True, None
        if deals_due:
            deals, orders, watermark, complete, reread_from = self._read_history(session, account, link, timer)
        session.expect_account(login, account.server)  # still this account after reading: else store nothing
        poll = Poll(snapshot, positions, deals, orders, watermark, list(quotes.values()), reread_from, offset)
        stored = self.trading.sync.record_poll(
            self.actor, account, poll, snapshot_every=timedelta(seconds=self.settings.snapshot_seconds), lease=lease
        )
        self.listener.on_snapshot(login, snapshot, positions)
        if stored.new_deals:
            self.listener.on_deals(login, stored.new_deals)
        return PollOutcome(stored, deals_due, complete, timer.clock_warning)

    def _attach(self, session: Mt5Session, account: Mt5Account, link: _Link, timer: _AccountTimer) -> None:
        """Attach the terminal once (only if it runs, with ``attach_only``), then log in to ``account`` unless the
        terminal shows it already; each attach or login is an event after which history arrives late.

        An installation of its own normally stays logged in to its account, so after the first attach no login
        is ever switched; on the shared default terminal the accounts take turns.
        """
        if not link.connected:
            path = link.path or self.settings.terminal_path or None
            running = link.terminal.terminal_running(path) if isinstance(link.terminal, ProcessAware) else None
            if self.settings.attach_only and running is False:
                raise Mt5TerminalClosed(
                    f"MetaTrader 5{' at ' + path if path else ''} is not running. FIDUS only attaches to a running "
                    "terminal and never starts one ([mt5] attach_only); start it and log in, and FIDUS attaches "
                    "by itself."
                )
            portable = self.settings.portable_installations if link.path else self.settings.terminal_portable
            session.connect(path=path, timeout=self.settings.timeout_ms, portable=portable)
            link.connected, link.online_since = True, None
            if path is None:
                self._check_attached(session, link)
            for other in link.accounts:  # a (re)started or re-attached terminal fetches what it missed
                self._owe_reread(self._timers[other.login], latest=True)
        link.logged_in = session.current_login()  # asked every poll: a person may have switched accounts
        if link.logged_in != account.login:
            password = self.passwords(account.login)
            if not password:
                raise Mt5AuthError(
                    f"No password stored for MT5 account {account.login}; enter it under Trading > Accounts "
                    "(it is kept in the OS keyring)."
                )
            session.login(account.login, password, account.server, timeout=self.settings.timeout_ms)
            link.logged_in = account.login
            self._owe_reread(timer, latest=False)

    def _check_attached(self, session: Mt5Session, link: _Link) -> None:
        """The shared terminal was attached without a path, so the package chose it: name it, and refuse one of
        the accounts' own installations (its account would then be read through two terminals)."""
        attached = session.terminal_state().path
        own = {installation_key(path) for path in self._links if path}
        if installation_key(attached) in own:
            self._disconnect(link)
            raise Mt5ConnectionError(
                f"The shared MetaTrader 5 terminal (no [mt5] terminal_path set) attached to {attached}, which is an "
                "account's own installation. Set [mt5] terminal_path to the shared terminal's terminal64.exe."
            )
        log.info("The shared MetaTrader 5 terminal is the one at %s", attached)

    def _expect_online(self, session: Mt5Session, link: _Link) -> None:
        """Go on only while the terminal is connected to its trade server; note when it came (back) online."""
        if not session.terminal_state().connected:
            link.online_since = None
            raise _ServerOffline(
                "MetaTrader 5 runs but is not connected to the trade server (network, or the server is down); "
                "its history is incomplete, so FIDUS reads nothing until it reconnects and then reads the gap again."
            )
        if link.online_since is None:
            link.online_since = self.terminal_clock()
            for account in link.accounts:
                self._owe_reread(self._timers[account.login], latest=True)

    def _owe_reread(self, timer: _AccountTimer, *, latest: bool) -> None:
        """History reaches the terminal late after now: re-read once it has settled, and check the server clock.

        A terminal-wide event (attach, reconnect to the server) restarts the settling time; a login does not
        when a re-read is already owed, or accounts cycling logins on the shared terminal (a login every few
        seconds) would never settle; for them the rescan of each incremental read catches the few seconds missed.
        """
        now = self.terminal_clock()
        timer.owed_since = now if latest or timer.owed_since is None else timer.owed_since
        timer.check_offset = True
        timer.seen.clear()

    def _check_offset(
        self, session: Mt5Session, policy: ServerTimePolicy, account: Mt5Account, symbols: list[str]
    ) -> tuple[Document | None, str]:
        """The server's offset detected from its newest tick against ``server_time``; a warning when they differ."""
        detected = session.detect_offset([*symbols, *_PROBE_SYMBOLS])
        if detected is None:
            return None, ""
        configured = policy.offset_at_utc(int(self.terminal_clock().timestamp())) // 60
        check = {"detected_minutes": detected, "configured_minutes": configured, "policy": account.server_time,
                 "checked_at": self.terminal_clock()}
        if detected == configured:
            return check, ""
        warning = (f"The trade server's clock is UTC{detected / 60:+g} h now, but server_time {account.server_time!r} "
                   f"says UTC{configured / 60:+g} h: deal times are stored shifted (no deal is lost). Correct "
                   "server_time under Trading > Accounts.")
        log.warning("MT5 account %s: %s", account.login, warning)
        return check, warning

    def _read_history(
        self, session: Mt5Session, account: Mt5Account, link: _Link, timer: _AccountTimer
    ) -> tuple[list[Deal], list[Document], datetime, bool, datetime | None]:
        """Deals since the stored cursor, in windows, up to ``max_deals_per_poll``; then, once caught up, the
        re-read the account is owed (after a reconnect or login, and the periodic deep one); orders of the span.

        Returns deals, orders, the new cursor, whether the cursor reached the clock, and the re-read still owed.
        """
        login = account.login
        state = self.trading.sync.sync_state(login)
        start_mark = state.watermark if state else None
        owed = state.reread_from if state else None
        rescan = timedelta(minutes=self.settings.rescan_minutes)
        now = self.terminal_clock()
        if timer.owed_since is not None and start_mark is not None:
            owed = min(owed or start_mark, start_mark - rescan)
        seen, deals = set(timer.seen), list[Deal]()
        mark, complete = self._read_windows(session, link, start_mark, rescan, seen, deals)
        timer.seen = seen
        deep_due = complete and start_mark is not None and self.monotonic() >= timer.next_reread
        since = max(t for t in (link.online_since, timer.owed_since) if t is not None) \
            if link.online_since is not None else None
        settled = since is not None and now - since >= timedelta(seconds=self.settings.history_settle_seconds)
        reread_start = min(owed or now, now - timedelta(days=self.settings.reread_days)) if deep_due else owed
        if complete and settled and reread_start is not None and reread_start < mark:
            reached, done = self._read_windows(session, link, reread_start, timedelta(0), set(), deals, until=mark)
            owed = None if done else reached
            if done:
                timer.owed_since = None
                if deep_due:
                    timer.next_reread = self.monotonic() + self.settings.reread_minutes * 60
        elif timer.owed_since is not None and owed is None:
            timer.owed_since = None  # nothing to re-read yet (first sync): the full read covers it
        first = min(t for t in (start_mark - rescan if start_mark else HISTORY_START, reread_start or mark) if t)
        orders = history_orders(session, login, first, mark) if mark > first else []
        return deals, orders, mark, complete, owed

    def _read_windows(
        self, session: Mt5Session, link: _Link, mark: datetime | None, rescan: timedelta, seen: set[int],
        deals: list[Deal], *, until: datetime | None = None,
    ) -> tuple[datetime, bool]:
        """Read from ``mark - rescan`` in ``catch_up_days`` windows into ``deals`` until caught up (to ``until``)
        or ``max_deals_per_poll``; returns how far it got and whether that is the end."""
        window = timedelta(days=self.settings.catch_up_days)
        complete = False
        while not complete and len(deals) < self.settings.max_deals_per_poll:
            if self._stop.is_set() or link.retired:
                raise _Stopped
            batch = session.deals_since(mark, rescan=rescan, max_window=window, until=until, seen=seen)
            deals.extend(batch.deals)
            mark, complete = batch.watermark, batch.complete
        assert mark is not None  # the loop ran at least once
        return mark, complete

    # -- failures --------------------------------------------------------------------------------
    def _terminal_failed(self, link: _Link, state: ConnectionState, detail: str, delay: float | None = None) -> None:
        """This terminal is unusable: its accounts wait for the same retry; other terminals carry on."""
        self._disconnect(link)
        wait = delay if delay is not None else link.backoff.next_delay()
        link.retry_at = self.monotonic() + wait
        for account in link.accounts:
            self._set_state(account.login, state, f"{detail} Retrying in {wait:.0f} s." if state is not
                            ConnectionState.UNAVAILABLE else detail)

    def _disconnect(self, link: _Link) -> None:
        link.connected, link.logged_in = False, None
        try:
            link.terminal.shutdown()
        except Exception:  # a dead IPC link may fail to close; the next initialize starts afresh
            log.debug("Terminal shutdown raised", exc_info=True)

    def _close(self, link: _Link) -> None:
        """End an installation's own terminal (its worker process); the shared terminal is the user's to close."""
        if link.path:
            self._disconnect(link)

    def _account_failed(self, account: Mt5Account, timer: _AccountTimer, detail: str) -> None:
        wait = timer.backoff.next_delay()
        timer.next_poll = timer.next_deals = self.monotonic() + wait
        self._set_state(account.login, ConnectionState.ERROR, f"{detail} Retrying in {wait:.0f} s.")

    def _set_state(self, login: int, state: ConnectionState, detail: str) -> None:
        if (self.states.get(login), self._details.get(login)) == (state, detail) and \
                state is not ConnectionState.RECONNECTING:
            return
        self.states[login], self._details[login] = state, detail
        try:
            self.trading.sync.note_connection(login, state, detail)
        except Exception:  # the status line must not take the poller down with the database
            log.exception("Could not store the MT5 connection state of %s", login)
        self.listener.on_state(login, state, detail)

    def _backoff(self) -> Backoff:
        return Backoff(self.settings.backoff_initial_seconds, self.settings.backoff_max_seconds, self.rng)


def _join(threads: Sequence[threading.Thread], deadline: float) -> None:
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
