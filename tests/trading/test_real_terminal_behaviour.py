"""The poller against a terminal that behaves like a real one (issue 18): history that arrives late after outages
and logins, a wrong server-time setting, deals the broker changes or types FIDUS does not know, a person switching
accounts or closing the terminal, two pollers on one database, a clock that goes back."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fidus_desktop.config.secrets import SecretStore
from fidus_desktop.domain.trading.balance_rules import BalanceCategory
from fidus_desktop.domain.trading.models import DealKind
from fidus_desktop.integrations.mt5 import (
    DEFAULT_ACCOUNTS,
    EuropeanSummerTime,
    FixedOffset,
    Mt5Session,
    NewYorkClose,
    SimulatedTerminal,
)
from fidus_desktop.integrations.mt5.enums import DealType
from fidus_desktop.integrations.mt5.session import HISTORY_START
from fidus_desktop.integrations.mt5.timezones import ServerTimePolicy
from fidus_desktop.security.keyring_memory import InMemoryKeyring
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ServiceContext
from fidus_desktop.services.permissions import Role
from fidus_desktop.services.trading import TradingServices
from fidus_desktop.services.trading.classification import ReviewStatus
from fidus_desktop.services.trading.poller import Mt5Poller, PollerSettings
from fidus_desktop.services.trading.sync import ConnectionState
from fidus_desktop.store.sqlite import SqliteStore
from tests.support.clock import FakeClock
from tests.support.simulated_accounts import RECENT_ACCOUNTS, SIM_NOW, sim_account_input

pytestmark = pytest.mark.slow  # about 50 s together: each test drives the simulated terminal through hours

ALPHA = RECENT_ACCOUNTS[0]
PM = Actor("u-pm", "maria.costa", Role.PORTFOLIO_MANAGER, "ws-1")


class SimTime:
    """Monotonic seconds that follow the simulated clock, so the deep re-read's schedule runs in simulated time."""

    def __init__(self, terminal: SimulatedTerminal) -> None:
        self.terminal = terminal

    def __call__(self) -> float:
        return self.terminal.now.timestamp()


def poller_for(trading: TradingServices, terminal: SimulatedTerminal, **kwargs: Any) -> Mt5Poller:
    passwords = {login: sim.password for login, sim in terminal.accounts.items()}
    return Mt5Poller(trading, terminal, PM, passwords=passwords.get, terminal_clock=lambda: terminal.now,
                     monotonic=SimTime(terminal), terminal_for_path=terminal.installation, **kwargs)


def every_ticket(terminal: SimulatedTerminal, login: int) -> set[int]:
    """A full re-read of the account as the terminal shows it now: the reference the incremental sync must equal."""
    sim = terminal.accounts[login]
    session = Mt5Session(terminal, sim.policy, clock=lambda: terminal.now)
    session.connect(login=login, password=sim.password, server=sim.server)
    return {d.ticket for d in session.deals(HISTORY_START, terminal.now + timedelta(days=2))}


def stored(trading: TradingServices, login: int) -> set[int]:
    return {d["ticket"] for d in trading.sync.deals.find({"login": login}, projection=["ticket"])}


def run(poller: Mt5Poller, terminal: SimulatedTerminal, hours: float, step_minutes: float = 5) -> None:
    for _ in range(int(hours * 60 / step_minutes)):
        terminal.advance(step_minutes * 60)
        poller.run_once(force=True)


def test_a_three_hour_outage_loses_no_deal(trading: TradingServices, sim_accounts: list[int]) -> None:
    """Reproduces the issue's 5-of-13 loss: the cursor ran on during the outage and only the last hour was re-read."""
    terminal = SimulatedTerminal(seed=11, accounts=RECENT_ACCOUNTS, now=SIM_NOW, history_delay=45)
    poller = poller_for(trading, terminal)
    poller.sync_to_now()
    terminal.add_outage(terminal.now + timedelta(minutes=10), terminal.now + timedelta(hours=3, minutes=10))
    terminal.advance(20 * 60)
    terminal_info = terminal.terminal_info()
    assert terminal_info is not None
    assert not terminal_info.connected
    poller.run_once(force=True)
    assert poller.states[ALPHA.login] is ConnectionState.RECONNECTING
    run(poller, terminal, hours=5)
    for login in sim_accounts:
        assert stored(trading, login) == every_ticket(terminal, login)


def test_history_later_than_the_settle_time_is_caught_by_the_deep_re_read(
    trading: TradingServices, sim_accounts: list[int]
) -> None:
    terminal = SimulatedTerminal(seed=12, accounts=RECENT_ACCOUNTS, now=SIM_NOW, history_delay=3 * 3600)
    poller = poller_for(trading, terminal, settings=PollerSettings(reread_minutes=60))
    poller.sync_to_now()
    terminal.add_outage(terminal.now, terminal.now + timedelta(hours=4))
    run(poller, terminal, hours=10, step_minutes=10)
    for login in sim_accounts:
        assert stored(trading, login) == every_ticket(terminal, login)


POLICIES: list[ServerTimePolicy] = [NewYorkClose(), FixedOffset(0), EuropeanSummerTime(120), FixedOffset(180)]
CONFIG = {0: "EET-NY", 1: "UTC+0", 2: "EET-EU", 3: "UTC+3"}


@pytest.mark.slow  # about a minute: each example syncs a fresh database through hours of simulated time
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    real=st.integers(0, 3), configured=st.integers(0, 3),
    outage_start=st.integers(0, 6 * 60), outage_minutes=st.integers(1, 18 * 60),
    delay_minutes=st.integers(0, 150), login_switch=st.booleans(),
)
def test_property_incremental_sync_stores_exactly_what_a_full_re_read_stores(
    real: int, configured: int, outage_start: int, outage_minutes: int, delay_minutes: int, login_switch: bool
) -> None:
    """Whatever the outage, arrival delay and (right or wrong) server-time setting, every ticket is stored."""
    now = datetime(2024, 3, 28, 12, tzinfo=UTC)  # between the US and EU summer-time switches
    account = replace(ALPHA, policy=POLICIES[real], opened=now - timedelta(days=2), trades_per_day=40)
    other = replace(DEFAULT_ACCOUNTS[1], opened=now - timedelta(days=2))
    terminal = SimulatedTerminal(seed=outage_start, accounts=(account, other), now=now,
                                 history_delay=delay_minutes * 60)
    with tempfile.TemporaryDirectory() as folder:
        store = SqliteStore(Path(folder) / "p.db")
        try:
            ctx = ServiceContext(store, FakeClock(datetime(2024, 6, 3, 12, 30, tzinfo=UTC)))
            ctx.audit.ensure_indexes()
            trading = TradingServices(ctx, secrets=SecretStore(InMemoryKeyring()))
            trading.ensure_indexes()
            trading.accounts.create(PM, sim_account_input(account.login, server_time=CONFIG[configured]),
                                    password=account.password)
            poller = poller_for(trading, terminal)
            poller.sync_to_now()
            start = terminal.now + timedelta(minutes=outage_start)
            terminal.add_outage(start, start + timedelta(minutes=outage_minutes))
            if login_switch:  # a person looks at another account for an hour meanwhile
                terminal.advance(30 * 60)
                terminal.switch_account_by_user(other.login)
            run(poller, terminal, hours=(outage_start + outage_minutes + delay_minutes) / 60 + 2, step_minutes=15)
            assert stored(trading, account.login) == every_ticket(terminal, account.login)
        finally:
            store.close()


def test_a_gmt_broker_left_on_the_default_setting_stores_every_new_deal_and_is_warned_about(
    trading: TradingServices, sim_accounts: list[int]
) -> None:
    gmt = tuple(replace(a, policy=FixedOffset(0)) if a.login == ALPHA.login else a for a in RECENT_ACCOUNTS)
    terminal = SimulatedTerminal(seed=13, accounts=gmt, now=SIM_NOW)  # ALPHA is configured "EET-NY"
    poller = poller_for(trading, terminal)
    poller.sync_to_now()
    before = len(stored(trading, ALPHA.login))
    run(poller, terminal, hours=48, step_minutes=30)
    assert len(stored(trading, ALPHA.login)) > before + 40  # about 24 deals a day
    assert stored(trading, ALPHA.login) == every_ticket(terminal, ALPHA.login)
    state = trading.sync.sync_state(ALPHA.login)
    assert state is not None
    assert state.server_offset is not None
    assert (state.server_offset["detected_minutes"], state.server_offset["configured_minutes"]) == (0, 180)
    assert "server_time 'EET-NY'" in state.detail


def test_the_server_clock_warning_stays_while_an_own_installation_keeps_its_login(
    trading: TradingServices, pm: Actor
) -> None:
    trading.accounts.create(pm, sim_account_input(ALPHA.login, terminal_path="C:/MT5/alpha/terminal64.exe"),
                            password=ALPHA.password)
    gmt = tuple(replace(a, policy=FixedOffset(0)) for a in RECENT_ACCOUNTS)
    terminal = SimulatedTerminal(seed=23, accounts=gmt, now=SIM_NOW)
    poller = poller_for(trading, terminal)
    for _ in range(3):  # logged in once, then polled without any new login
        poller.run_once(force=True)
        terminal.advance(60)
    assert "server_time 'EET-NY'" in trading.sync.sync_state(ALPHA.login).detail  # type: ignore[union-attr]


def test_a_deal_the_broker_changes_later_is_corrected_and_audited(
    trading: TradingServices, ctx: ServiceContext, sim_accounts: list[int]
) -> None:
    terminal = SimulatedTerminal(seed=14, accounts=RECENT_ACCOUNTS, now=SIM_NOW)
    poller = poller_for(trading, terminal)
    poller.sync_to_now()
    closing = next(d for d in trading.sync.deals.find({"login": ALPHA.login, "kind": "trade"}, sort=[("time", -1)])
                   if d["profit"] != 0)
    later = terminal.now + timedelta(hours=2)
    terminal.revise_deal(ALPHA.login, closing["ticket"], later, type=int(DealType.DEAL_TYPE_SELL_CANCELED), profit=0.0)
    terminal.add_deal(ALPHA.login, later, type=int(DealType.DEAL_TYPE_CORRECTION), profit=-float(closing["profit"]),
                      comment=f"Cancelled deal #{closing['ticket']}")
    run(poller, terminal, hours=3, step_minutes=30)
    [after] = trading.sync.deals.find({"login": ALPHA.login, "ticket": closing["ticket"]})
    assert (after["kind"], after["profit"]) == (DealKind.CANCELED.value, 0)
    corrections = [e for e in ctx.audit.entries.find({"action": "mt5.deal.correct"})]
    assert len(corrections) == 1


def test_an_unknown_deal_type_is_stored_and_waits_for_review(trading: TradingServices, sim_accounts: list[int]) -> None:
    terminal = SimulatedTerminal(seed=15, accounts=RECENT_ACCOUNTS, now=SIM_NOW)
    poller = poller_for(trading, terminal)
    poller.sync_to_now()
    ticket = terminal.add_deal(ALPHA.login, terminal.now + timedelta(minutes=3), type=23, profit=125.5,
                               comment="Stop out compensation")
    run(poller, terminal, hours=1)
    [deal] = trading.sync.deals.find({"login": ALPHA.login, "ticket": ticket})
    assert (deal["kind"], deal["raw_type"]) == ("other", 23)
    assert [i.ticket for i in trading.classification.review_queue(PM, ALPHA.login)] == [ticket]
    assert poller.states[ALPHA.login] is ConnectionState.CONNECTED


def test_a_person_switching_accounts_in_the_terminal_never_files_one_account_under_another(
    trading: TradingServices, pm: Actor
) -> None:
    trading.accounts.create(pm, sim_account_input(ALPHA.login, terminal_path="C:/MT5/alpha/terminal64.exe"),
                            password=ALPHA.password)
    terminal = SimulatedTerminal(seed=16, accounts=RECENT_ACCOUNTS, now=SIM_NOW)
    installations: dict[str, SimulatedTerminal] = {}

    def install(path: str) -> SimulatedTerminal:
        return installations.setdefault(path, terminal.installation(path))

    passwords = {login: sim.password for login, sim in terminal.accounts.items()}
    poller = Mt5Poller(trading, terminal, pm, passwords=passwords.get, terminal_clock=lambda: terminal.now,
                       terminal_for_path=install)
    poller.sync_to_now()
    own = installations["C:/MT5/alpha/terminal64.exe"]
    own.switch_account_by_user(DEFAULT_ACCOUNTS[2].login)  # between two polls
    terminal.advance(600)
    for _ in range(3):
        terminal.advance(60)
        poller.run_once(force=True)
    logins = {d["login"] for d in trading.sync.deals.find({})}
    assert logins == {ALPHA.login}
    assert stored(trading, ALPHA.login) == every_ticket(terminal, ALPHA.login)
    assert own.account_info().login == ALPHA.login  # type: ignore[union-attr]  # logged back in by FIDUS


def test_the_same_installation_spelt_two_ways_is_one_terminal(trading: TradingServices, pm: Actor) -> None:
    trading.accounts.create(pm, sim_account_input(ALPHA.login, terminal_path=r"C:\MT5\Shared\terminal64.exe"),
                            password=ALPHA.password)
    trading.accounts.create(pm, sim_account_input(DEFAULT_ACCOUNTS[1].login,
                                                  terminal_path="c:/mt5/shared/terminal64.exe"),
                            password=DEFAULT_ACCOUNTS[1].password)
    terminal = SimulatedTerminal(seed=17, accounts=RECENT_ACCOUNTS, now=SIM_NOW)
    opened: list[str] = []

    def install(path: str) -> SimulatedTerminal:
        opened.append(path)
        return terminal.installation(path)

    passwords = {login: sim.password for login, sim in terminal.accounts.items()}
    Mt5Poller(trading, terminal, pm, passwords=passwords.get, terminal_clock=lambda: terminal.now,
              terminal_for_path=install).sync_to_now()
    assert opened == [r"C:\MT5\Shared\terminal64.exe"]


def test_one_poller_per_account_the_other_leaves_it_alone(
    trading: TradingServices, sim_accounts: list[int]
) -> None:
    terminal = SimulatedTerminal(seed=18, accounts=RECENT_ACCOUNTS, now=SIM_NOW)
    gui = poller_for(trading, terminal, holder="FIDUS Desktop on WS-1")
    gui.run_once(force=True)
    cli = poller_for(trading, terminal, holder="fidus mt5 sync on WS-2")
    assert cli.run_once(force=True) == {}
    assert cli.states[ALPHA.login] is ConnectionState.ELSEWHERE
    state = trading.sync.sync_state(ALPHA.login)
    assert state is not None
    assert "FIDUS Desktop on WS-1" in state.detail
    gui.stop()  # releases its leases: the other takes over at once
    assert set(cli.run_once(force=True)) == set(sim_accounts)


def test_a_terminal_the_user_closed_stays_closed(trading: TradingServices, sim_accounts: list[int]) -> None:
    terminal = SimulatedTerminal(seed=19, accounts=RECENT_ACCOUNTS, now=SIM_NOW, history_delay=30)
    poller = poller_for(trading, terminal)
    poller.sync_to_now()
    terminal.close_by_user()
    terminal.advance(600)
    assert poller.run_once(force=True) == {}
    assert (terminal.running, terminal.launched) == (False, 0)
    assert poller.states[ALPHA.login] is ConnectionState.RECONNECTING
    detail = trading.sync.sync_state(ALPHA.login).detail  # type: ignore[union-attr]
    assert "not running" in detail
    assert "never starts one" in detail
    terminal.advance(3600)
    terminal.initialize()  # the person starts it again: deals of the closed hour arrive late, none is lost
    run(poller, terminal, hours=2)
    for login in sim_accounts:
        assert stored(trading, login) == every_ticket(terminal, login)


def test_without_attach_only_the_package_starts_the_terminal(trading: TradingServices, sim_accounts: list[int]) -> None:
    terminal = SimulatedTerminal(seed=20, accounts=RECENT_ACCOUNTS, now=SIM_NOW)
    terminal.close_by_user()
    poller = poller_for(trading, terminal, settings=PollerSettings(attach_only=False))
    assert set(poller.run_once(force=True)) == set(sim_accounts)
    assert terminal.launched == 1


def test_a_workstation_clock_that_goes_back_does_not_loop_the_account_in_errors(
    trading: TradingServices, sim_accounts: list[int]
) -> None:
    terminal = SimulatedTerminal(seed=21, accounts=RECENT_ACCOUNTS, now=SIM_NOW)
    offset = timedelta(0)
    poller = Mt5Poller(trading, terminal, PM, passwords={a.login: a.password for a in RECENT_ACCOUNTS}.get,
                       terminal_clock=lambda: terminal.now - offset)
    poller.sync_to_now()
    offset = timedelta(hours=3)  # the PC's clock jumps three hours back
    terminal.advance(600)
    assert set(poller.run_once(force=True)) == set(sim_accounts)
    assert all(state is ConnectionState.CONNECTED for state in poller.states.values())


def test_a_shared_terminal_found_without_a_path_that_is_an_accounts_own_installation_is_refused(
    trading: TradingServices, pm: Actor
) -> None:
    terminal = SimulatedTerminal(seed=22, accounts=RECENT_ACCOUNTS, now=SIM_NOW)
    trading.accounts.create(pm, sim_account_input(ALPHA.login, terminal_path=terminal.path.replace("/", "\\")),
                            password=ALPHA.password)
    trading.accounts.create(pm, sim_account_input(DEFAULT_ACCOUNTS[2].login), password=DEFAULT_ACCOUNTS[2].password)
    poller = poller_for(trading, terminal)  # no [mt5] terminal_path: initialize() picks a terminal itself
    outcome = poller.run_once(force=True)
    assert DEFAULT_ACCOUNTS[2].login not in outcome
    detail = trading.sync.sync_state(DEFAULT_ACCOUNTS[2].login).detail  # type: ignore[union-attr]
    assert "account's own installation" in detail


def test_a_revised_balance_deal_takes_its_classification_along(
    trading: TradingServices, ctx: ServiceContext, sim_accounts: list[int]
) -> None:
    terminal = SimulatedTerminal(seed=24, accounts=RECENT_ACCOUNTS, now=SIM_NOW)
    poller = poller_for(trading, terminal)
    poller.sync_to_now()
    balance = int(DealType.DEAL_TYPE_BALANCE)
    soon = terminal.now + timedelta(minutes=5)
    wire = terminal.add_deal(ALPHA.login, soon, type=balance, profit=5000.0, comment="Deposit via wire transfer")
    odd = terminal.add_deal(ALPHA.login, soon, type=balance, profit=10.0, comment="Adjustment 7/24")
    run(poller, terminal, hours=1, step_minutes=30)
    items = {i.ticket: i for i in trading.classification.items_for(PM, ALPHA.login)}
    first, second = items[wire], items[odd]
    admin = Actor("u-admin", "ada", Role.ADMIN, "ws-9")
    trading.classification.resolve(admin, ALPHA.login, first.ticket, "client_deposit")
    later = terminal.now + timedelta(minutes=30)
    terminal.revise_deal(ALPHA.login, first.ticket, later, profit=float(first.amount) / 2)
    terminal.revise_deal(ALPHA.login, second.ticket, later, profit=float(second.amount) + 1, comment="Rebate")
    run(poller, terminal, hours=2, step_minutes=30)
    after = {i.ticket: i for i in trading.classification.items_for(PM, ALPHA.login)}
    assert after[first.ticket].amount == first.amount / 2
    assert after[first.ticket].status is ReviewStatus.REVIEW  # decided on other figures: a person looks again
    assert after[second.ticket].amount == second.amount + 1
    assert after[second.ticket].category is BalanceCategory.FEE_REBATE
    assert ctx.audit.entries.count({"action": "mt5.balance_deal.correct"}) == 2
