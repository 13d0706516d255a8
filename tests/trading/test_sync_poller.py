"""Idempotent sync and the poller: re-polls, overlaps, restarts, disconnects, backoff, stop()."""

from __future__ import annotations

import random
import time
from datetime import timedelta
from typing import Any

import pytest

from fidus_desktop.domain.trading.models import DealKind
from fidus_desktop.integrations.mt5 import (
    Mt5Session,
    RealTerminal,
    SimulatedTerminal,
    policy_from_config,
)
from fidus_desktop.integrations.mt5.session import HISTORY_START
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ServiceContext
from fidus_desktop.services.trading import TradingServices
from fidus_desktop.services.trading.poller import Backoff, Mt5Poller, PollerSettings
from fidus_desktop.services.trading.sync import ConnectionState, Poll
from tests.support.simulated_accounts import RECENT_ACCOUNTS, SIM_NOW, FlakyTerminal, stored, truth

pytestmark = pytest.mark.usefixtures("sim_accounts")


class Recorder:
    def __init__(self) -> None:
        self.states: list[tuple[int, ConnectionState, str]] = []
        self.snapshots: list[int] = []
        self.deals: list[tuple[int, int]] = []

    def on_state(self, login: int, state: ConnectionState, detail: str) -> None:
        self.states.append((login, state, detail))

    def on_snapshot(self, login: int, snapshot: Any, positions: Any) -> None:
        self.snapshots.append(login)

    def on_deals(self, login: int, count: int) -> None:
        self.deals.append((login, count))


class FakeTime:
    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value


def make_poller(trading: TradingServices, terminal: Any, actor: Actor, **kwargs: Any) -> Mt5Poller:
    clock = kwargs.pop("terminal_clock", None) or (lambda: terminal.now)
    return Mt5Poller(trading, terminal, actor, terminal_clock=clock, rng=random.Random(3), **kwargs)


def test_sync_twice_stores_each_deal_once(trading: TradingServices, terminal: SimulatedTerminal, pm: Actor) -> None:
    listener = Recorder()
    poller = make_poller(trading, terminal, pm, listener=listener)
    first = poller.sync_to_now()
    for login in first:
        tickets = stored(trading, login)
        assert len(tickets) == len(set(tickets)) == first[login]
        assert set(tickets) == truth(terminal, login)
    assert poller.sync_to_now() == dict.fromkeys(first, 0)
    assert {login for login, _ in listener.deals} == set(first)
    assert all(state is ConnectionState.CONNECTED for state in poller.states.values())


def test_overlapping_windows_do_not_duplicate(trading: TradingServices, terminal: SimulatedTerminal, pm: Actor) -> None:
    account = trading.accounts.all()[0]
    session = Mt5Session(terminal, policy_from_config(account.server_time), clock=lambda: terminal.now)
    session.connect(login=account.login, password="sim-alpha", server=account.server)
    now = terminal.now
    early = session.deals(now - timedelta(days=10), now - timedelta(days=3))
    late = session.deals(now - timedelta(days=5), now)
    snapshot, positions = session.account(), session.positions()
    first = trading.sync.record_poll(pm, account, Poll(snapshot, positions, early, watermark=now - timedelta(days=3)))
    second = trading.sync.record_poll(pm, account, Poll(snapshot, positions, late, watermark=now))
    overlap = {d.ticket for d in early} & {d.ticket for d in late}
    assert overlap
    assert first.new_deals == len(early)
    assert second.new_deals == len(late) - len(overlap)
    assert trading.sync.deal_count(account.login) == len({d.ticket for d in early + late})
    assert trading.sync.watermark(account.login) == now


def test_one_poll_holding_overlapping_windows_stores_each_deal_once(
    trading: TradingServices, terminal: SimulatedTerminal, pm: Actor
) -> None:
    """A catch-up poll reads several windows, each rescanning the last hour: a deal can arrive twice in one poll."""
    account = trading.accounts.all()[0]
    session = Mt5Session(terminal, policy_from_config(account.server_time), clock=lambda: terminal.now)
    session.connect(login=account.login, password="sim-alpha", server=account.server)
    now = terminal.now
    deals = session.deals(HISTORY_START, now)
    balance = [d for d in deals if d.kind is DealKind.BALANCE]
    assert balance, "the simulated account should hold deposits or withdrawals"
    twice = [*deals, *balance, *deals[-5:]]
    result = trading.sync.record_poll(pm, account, Poll(session.account(), session.positions(), twice, watermark=now))
    assert result.new_deals == trading.sync.deal_count(account.login) == len({d.ticket for d in deals})
    assert result.new_balance_deals == len(balance)


def test_restart_resumes_from_the_stored_cursor(
    trading: TradingServices, ctx: ServiceContext, terminal: SimulatedTerminal, pm: Actor
) -> None:
    make_poller(trading, terminal, pm).sync_to_now()
    cursor = trading.sync.watermark(5001001)
    assert cursor == terminal.now
    terminal.advance(6 * 3600)
    restarted = TradingServices(ctx, secrets=trading.accounts.secrets)  # a new process over the same database
    added = make_poller(restarted, terminal, pm).sync_to_now()
    assert added[5001001] > 0
    tickets = stored(trading, 5001001)
    assert len(tickets) == len(set(tickets))
    assert set(tickets) == truth(terminal, 5001001)


def test_disconnect_reconnects_with_backoff_and_resumes_without_duplicates(
    trading: TradingServices, terminal: SimulatedTerminal, pm: Actor
) -> None:
    flaky, fake_time, listener = FlakyTerminal(terminal), FakeTime(), Recorder()
    poller = make_poller(trading, flaky, pm, listener=listener, monotonic=fake_time,
                         settings=PollerSettings(poll_seconds=5, deals_poll_seconds=5))
    poller.run_once()
    before = {login: trading.sync.deal_count(login) for login in poller.states}
    flaky.down = True
    terminal.advance(24 * 3600)
    fake_time.value += 10
    assert poller.run_once() == {}
    assert set(poller.states.values()) == {ConnectionState.RECONNECTING}
    assert "No IPC connection" in trading.sync.sync_state(5001001).detail  # type: ignore[union-attr]
    fake_time.value += 0.1
    assert poller.run_once() == {}, "inside the backoff nothing is attempted"
    retries = [fake_time.value]
    for _ in range(3):  # still down: each retry waits longer
        fake_time.value = poller._links[""].retry_at
        poller.run_once()
        retries.append(poller._links[""].retry_at - fake_time.value)
    assert retries[1] < retries[3]
    flaky.down = False
    fake_time.value = poller._links[""].retry_at
    resumed = poller.run_once()
    assert set(resumed) == set(before)
    assert set(poller.states.values()) == {ConnectionState.CONNECTED}
    for login in before:
        tickets = stored(trading, login)
        assert len(tickets) == len(set(tickets))
        assert set(tickets) == truth(terminal, login)
        assert len(tickets) > before[login]


def test_random_ipc_failures_never_lose_or_duplicate_deals(
    trading: TradingServices, pm: Actor
) -> None:
    terminal = SimulatedTerminal(seed=5, accounts=RECENT_ACCOUNTS, now=SIM_NOW, failure_rate=0.25)
    poller = make_poller(trading, terminal, pm, settings=PollerSettings(catch_up_days=60))
    for _ in range(30):
        poller.run_once(force=True)
        terminal.advance(1800)
    terminal.failure_rate = 0.0
    poller.sync_to_now()
    for login in (5001001, 5001002, 7002001):
        tickets = stored(trading, login)
        assert len(tickets) == len(set(tickets))
        assert set(tickets) == truth(terminal, login)


def test_backoff_doubles_with_jitter_up_to_the_cap() -> None:
    backoff = Backoff(1.0, 8.0, random.Random(1))
    delays = [backoff.next_delay() for _ in range(6)]
    for delay, cap in zip(delays, [1, 2, 4, 8, 8, 8], strict=True):
        assert cap / 2 <= delay <= cap
    backoff.reset()
    assert backoff.next_delay() <= 1


def test_stop_returns_within_two_seconds(trading: TradingServices, terminal: SimulatedTerminal, pm: Actor) -> None:
    listener = Recorder()
    poller = make_poller(trading, terminal, pm, listener=listener, settings=PollerSettings(poll_seconds=0.2))
    poller.start()
    deadline = time.monotonic() + 10
    while len(set(listener.snapshots)) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    started = time.monotonic()
    assert poller.stop()
    assert time.monotonic() - started < 2.0
    assert not poller.running
    assert set(poller.states.values()) == {ConnectionState.STOPPED}


def test_missing_metatrader_package_is_reported_as_unavailable(trading: TradingServices, pm: Actor) -> None:
    listener = Recorder()
    poller = Mt5Poller(trading, RealTerminal(), pm, listener=listener)
    assert poller.run_once() == {}
    assert {s for _, s, _ in listener.states} >= {ConnectionState.UNAVAILABLE}
    detail = trading.sync.sync_state(5001001).detail  # type: ignore[union-attr]
    assert detail == "MetaTrader5 package not installed (Windows only)"


def test_wrong_password_is_an_account_error_and_others_keep_syncing(
    trading: TradingServices, terminal: SimulatedTerminal, pm: Actor
) -> None:
    trading.accounts.set_password(pm, 5001002, "wrong")
    poller = make_poller(trading, terminal, pm)
    results = poller.run_once()
    assert set(results) == {5001001, 7002001}
    assert poller.states[5001002] is ConnectionState.ERROR
    assert "Login failed" in trading.sync.sync_state(5001002).detail  # type: ignore[union-attr]
