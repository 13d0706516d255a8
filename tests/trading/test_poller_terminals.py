"""One terminal path per account: own terminals are polled without switching logins, a failing terminal does
not stall the others, and the poller's guarantees (cursor, no duplicates, stop within 2 s) hold in both modes."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from typing import Any

import pytest

from fidus_desktop.integrations.mt5 import DEFAULT_ACCOUNTS, SimulatedTerminal, Terminal
from fidus_desktop.integrations.mt5.enums import ResultCode
from fidus_desktop.integrations.mt5.processes import terminal_key
from fidus_desktop.integrations.mt5.records import AccountInfo
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.trading import TradingServices
from fidus_desktop.services.trading import accounts as accounts_module
from fidus_desktop.services.trading.poller import Mt5Poller, PollerSettings
from fidus_desktop.services.trading.sync import ConnectionState

from .conftest import sim_account_input
from .test_sync_poller import FakeTime, FlakyTerminal, Recorder, stored, truth

PATHS = {5001001: "C:/MT5/5001001/terminal64.exe", 5001002: "D:/MT5/alpha-eur/terminal64.exe"}
MOVED = "E:/MT5/5001001-new/terminal64.exe"
FAST = PollerSettings(poll_seconds=0.1, deals_poll_seconds=0.1, max_deals_per_poll=200)  # short catch-up polls


class Counting:
    """Counts the calls made to a terminal, and remembers which logins it answered for, in order."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: Counter[str] = Counter()
        self.logins: list[int] = []

    @property
    def now(self) -> Any:
        return self.inner.now

    @property
    def path(self) -> str:
        return self.inner.path

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.inner, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            result = method(*args, **kwargs)
            if name == "account_info" and result is not None:
                self.logins.append(result.login)
            return result

        return call


class Freezing(Counting):
    """An installation that, once ``frozen`` is set, blocks in account_info until ``abort()`` (a hung
    terminal64.exe behind a ``WorkerTerminal``, whose abort kills the worker so the call returns a lost link)."""

    def __init__(self, inner: Any) -> None:
        super().__init__(inner)
        self.frozen, self.stuck, self.aborted = threading.Event(), threading.Event(), threading.Event()

    def account_info(self) -> AccountInfo | None:
        if self.frozen.is_set():
            self.stuck.set()
            self.aborted.wait(30)
            return None
        return self.__getattr__("account_info")()

    def last_error(self) -> tuple[int, str]:
        if self.aborted.is_set():
            return int(ResultCode.RES_E_INTERNAL_FAIL_CONNECT), "No IPC connection (terminal worker not running)"
        return self.inner.last_error()

    def abort(self) -> None:
        self.aborted.set()


def wait_for(condition: Any, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.fixture
def own_terminals(trading: TradingServices, pm: Actor) -> None:
    """5001001 and 5001002 each on their own installation, 7002001 on the shared terminal."""
    for sim in DEFAULT_ACCOUNTS:
        trading.accounts.create(pm, sim_account_input(sim.login, terminal_path=PATHS.get(sim.login, "")),
                                password=sim.password)


def make_poller(
    trading: TradingServices, terminal: Any, actor: Actor, opened: dict[str, Any], **kwargs: Any
) -> Mt5Poller:
    """A poller whose own terminals are installations of ``terminal``'s simulated market, kept in ``opened``."""
    wrap = kwargs.pop("wrap", Counting)
    market = getattr(terminal, "inner", terminal)

    def for_path(path: str) -> Terminal:
        opened[path] = wrap(market.installation(path))
        return opened[path]

    return Mt5Poller(trading, terminal, actor, terminal_clock=lambda: terminal.now, rng=random.Random(3),
                     terminal_for_path=for_path, **kwargs)


@pytest.mark.usefixtures("own_terminals")
def test_accounts_with_their_own_path_are_polled_without_switching_logins(
    trading: TradingServices, terminal: SimulatedTerminal, pm: Actor
) -> None:
    opened: dict[str, Counting] = {}
    shared = Counting(terminal)
    poller = make_poller(trading, shared, pm, opened)
    for _ in range(4):
        assert set(poller.run_once(force=True)) == {5001001, 5001002, 7002001}
        terminal.advance(600)
    assert set(opened) == set(PATHS.values())
    for login, path in PATHS.items():
        own = opened[path]
        assert own.calls["initialize"] == 1, "attached once, never re-initialised"
        assert own.calls["login"] <= 1, "at most the first login; no switching afterwards"
        # the first answer is whoever the installation showed when attached; from then on only its own account
        assert set(own.logins[1:]) == {login}
        assert own.path == path
    assert set(shared.logins[1:]) == {7002001}
    assert shared.calls["initialize"] == 1
    for login in (5001001, 5001002, 7002001):
        tickets = stored(trading, login)
        assert len(tickets) == len(set(tickets))
        assert set(tickets) == truth(terminal, login)


def test_cycling_on_one_terminal_switches_logins_every_pass(
    trading: TradingServices, terminal: SimulatedTerminal, pm: Actor, sim_accounts: list[int]
) -> None:
    shared = Counting(terminal)
    poller = make_poller(trading, shared, pm, {})
    for _ in range(4):
        poller.run_once(force=True)
    assert shared.calls["initialize"] == 1
    assert shared.calls["login"] >= 4 * 2, "the baseline the per-terminal mode avoids"


@pytest.mark.usefixtures("own_terminals")
def test_a_failing_terminal_does_not_stall_the_others(
    trading: TradingServices, terminal: SimulatedTerminal, pm: Actor
) -> None:
    opened: dict[str, FlakyTerminal] = {}
    fake_time, listener = FakeTime(), Recorder()
    settings = PollerSettings(poll_seconds=5, deals_poll_seconds=5, backoff_initial_seconds=60, backoff_max_seconds=60)
    poller = make_poller(trading, terminal, pm, opened, wrap=FlakyTerminal, monotonic=fake_time, listener=listener,
                         settings=settings)
    poller.run_once()
    broken = opened[PATHS[5001001]]
    broken.down = True
    for _ in range(5):  # 25 s: the broken terminal waits 30–60 s, the others are polled every 5 s
        terminal.advance(3600)
        fake_time.value += 5
        outcomes = poller.run_once()
        assert set(outcomes) == {5001002, 7002001}
        assert poller.states[5001001] is ConnectionState.RECONNECTING
        assert poller.states[5001002] is ConnectionState.CONNECTED
    assert "No IPC connection" in trading.sync.sync_state(5001001).detail  # type: ignore[union-attr]
    for login in (5001002, 7002001):
        assert set(stored(trading, login)) == truth(terminal, login)
    before = len(stored(trading, 5001001))
    broken.down = False
    fake_time.value = poller._links[terminal_key(PATHS[5001001])].retry_at
    poller.sync_to_now()
    tickets = stored(trading, 5001001)
    assert len(tickets) > before
    assert len(tickets) == len(set(tickets)), "resumed from the cursor, nothing stored twice"
    assert set(tickets) == truth(terminal, 5001001)
    assert poller.states[5001001] is ConnectionState.CONNECTED


@pytest.mark.usefixtures("own_terminals")
def test_stop_returns_within_two_seconds_with_own_terminals(
    trading: TradingServices, terminal: SimulatedTerminal, pm: Actor
) -> None:
    listener = Recorder()
    poller = make_poller(trading, terminal, pm, {}, listener=listener, settings=PollerSettings(poll_seconds=0.2))
    poller.start()
    deadline = time.monotonic() + 10
    while len(set(listener.snapshots)) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    started = time.monotonic()
    assert poller.stop()
    assert time.monotonic() - started < 2.0
    assert set(poller.states.values()) == {ConnectionState.STOPPED}


@pytest.mark.usefixtures("own_terminals")
def test_a_terminal_no_account_uses_any_more_is_shut_down_and_a_new_path_gets_a_fresh_one(
    trading: TradingServices, terminal: SimulatedTerminal, pm: Actor
) -> None:
    opened: dict[str, Counting] = {}
    shared = Counting(terminal)
    poller = make_poller(trading, shared, pm, opened)
    poller.run_once(force=True)
    trading.accounts.set_terminal_path(pm, 5001001, MOVED)  # moved to another installation
    trading.accounts.set_terminal_path(pm, 5001002, "")  # back on the shared terminal
    read_before = len(shared.logins)
    assert set(poller.run_once(force=True)) == {5001001, 5001002, 7002001}
    for path in PATHS.values():
        assert opened[path].calls["shutdown"] == 1, "the old installation's worker is ended"
        assert path not in poller._links
    assert opened[MOVED].calls["initialize"] == 1
    assert opened[MOVED].logins[-1] == 5001001
    assert set(shared.logins[read_before:]) == {5001002, 7002001}
    account = next(a for a in trading.accounts.all() if a.login == 5001001)
    trading.accounts.update(pm, sim_account_input(5001001, terminal_path=MOVED, active=False),
                            expected_version=account.version)
    assert set(poller.run_once(force=True)) == {5001002, 7002001}
    assert opened[MOVED].calls["shutdown"] == 1
    assert poller.states[5001001] is ConnectionState.STOPPED
    assert shared.calls["shutdown"] == 0, "the shared terminal is the user's, it is never shut down"


@pytest.mark.slow  # real threads on a 0.1 s schedule, a first catch-up
@pytest.mark.usefixtures("own_terminals")
def test_while_running_a_changed_path_ends_the_old_worker_promptly(
    trading: TradingServices, terminal: SimulatedTerminal, pm: Actor
) -> None:
    opened: dict[str, Counting] = {}
    listener = Recorder()
    poller = make_poller(trading, terminal, pm, opened, listener=listener, settings=FAST)
    poller.start()
    try:
        wait_for(lambda: 5001001 in listener.snapshots)
        trading.accounts.set_terminal_path(pm, 5001001, MOVED)
        wait_for(lambda: MOVED in opened and 5001001 in opened[MOVED].logins, seconds=5)
        old = opened[PATHS[5001001]]
        wait_for(lambda: old.calls["shutdown"] == 1, seconds=1)
        wait_for(lambda: all(t.name != f"mt5-poller {PATHS[5001001]}" for t in threading.enumerate()), seconds=1)
    finally:
        assert poller.stop()
    assert old.calls["shutdown"] == 1
    assert opened[MOVED].calls["shutdown"] == 1


@pytest.mark.slow  # real threads on a 0.1 s schedule, a first catch-up
@pytest.mark.usefixtures("own_terminals")
def test_a_hung_terminal_delays_only_its_own_accounts_and_stop_cuts_it_off(
    trading: TradingServices, terminal: SimulatedTerminal, pm: Actor
) -> None:
    opened: dict[str, Freezing] = {}
    listener = Recorder()
    poller = make_poller(trading, terminal, pm, opened, wrap=Freezing, listener=listener, settings=FAST)
    poller.start()
    try:
        wait_for(lambda: set(listener.snapshots) == {5001001, 5001002, 7002001})
        hung = opened[PATHS[5001001]]
        hung.frozen.set()
        wait_for(hung.stuck.is_set)
        before = Counter(listener.snapshots)
        time.sleep(1.0)
        polled = Counter(listener.snapshots) - before
    finally:
        started = time.monotonic()
        stopped = poller.stop()
        took = time.monotonic() - started
    assert polled[5001001] == 0
    assert min(polled[5001002], polled[7002001]) >= 3, f"the others keep their 0.1 s schedule: {polled}"
    assert stopped
    assert took < 2.0
    assert hung.aborted.is_set()
    assert set(poller.states.values()) == {ConnectionState.STOPPED}


def test_terminal_path_must_name_terminal64_exe(trading: TradingServices, pm: Actor) -> None:
    with pytest.raises(ValidationError, match=r"must end in terminal64\.exe") as caught:
        trading.accounts.create(pm, sim_account_input(5001001, terminal_path="C:/MT5/5001001/"))
    assert "terminal_path" in caught.value.problems
    assert trading.accounts.all() == []


def test_terminal_path_off_windows_is_accepted_with_a_warning(
    trading: TradingServices, pm: Actor, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(accounts_module, "on_windows", lambda: False)
    created = trading.accounts.create(pm, sim_account_input(5001001, terminal_path=' "C:/MT5/a/Terminal64.exe" '))
    assert created.terminal_path == "C:/MT5/a/Terminal64.exe"
    assert "cannot be checked on this computer" in caplog.text
    cleared = trading.accounts.set_terminal_path(pm, 5001001, "")
    assert cleared.terminal_path == ""
    actions = [e["action"] for e in trading.accounts.ctx.audit.iter_chain()]
    assert actions[-1] == "mt5_account.set_terminal_path"


def test_terminal_path_on_windows_must_exist(
    trading: TradingServices, pm: Actor, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.setattr(accounts_module, "on_windows", lambda: True)
    trading.accounts.create(pm, sim_account_input(5001001))
    with pytest.raises(ValidationError, match="does not exist on this PC"):
        trading.accounts.set_terminal_path(pm, 5001001, "C:/nowhere/terminal64.exe")
    exe = tmp_path / "terminal64.exe"
    exe.write_bytes(b"")
    assert trading.accounts.set_terminal_path(pm, 5001001, str(exe)).terminal_path == str(exe)
