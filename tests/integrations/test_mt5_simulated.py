"""The simulated terminal: deterministic history, clock, several accounts, realistic failures."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from fidus_desktop.domain.trading.models import DealKind
from fidus_desktop.integrations.mt5.enums import DealType, ResultCode
from fidus_desktop.integrations.mt5.errors import Mt5ConnectionError
from fidus_desktop.integrations.mt5.session import Mt5Session
from fidus_desktop.integrations.mt5.sim_history import SimAccount
from fidus_desktop.integrations.mt5.simulated import DEFAULT_ACCOUNTS, SimulatedTerminal
from fidus_desktop.integrations.mt5.timezones import NewYorkClose

ALPHA = DEFAULT_ACCOUNTS[0]
START = datetime(2024, 1, 1, tzinfo=UTC)


def session_for(terminal: SimulatedTerminal, account: SimAccount = ALPHA) -> Mt5Session:
    session = Mt5Session(terminal, account.policy, clock=lambda: terminal.now)
    session.connect(login=account.login, password=account.password, server=account.server)
    return session


def test_same_seed_same_history_different_seed_different():
    a = session_for(SimulatedTerminal(seed=7)).deals(START, datetime(2024, 6, 1, tzinfo=UTC))
    b = session_for(SimulatedTerminal(seed=7)).deals(START, datetime(2024, 6, 1, tzinfo=UTC))
    c = session_for(SimulatedTerminal(seed=8)).deals(START, datetime(2024, 6, 1, tzinfo=UTC))
    assert len(a) > 1000
    assert a == b
    assert a != c


def test_overlapping_windows_deduplicated_equal_one_big_window():
    terminal = SimulatedTerminal(seed=3)
    terminal.initialize(login=ALPHA.login, password=ALPHA.password)
    mid_a, mid_b = 1_710_000_000, 1_712_000_000  # server seconds, overlapping ranges
    union = {d.ticket: d for d in terminal.history_deals_get(1_704_000_000, mid_b)}
    union.update({d.ticket: d for d in terminal.history_deals_get(mid_a, 1_716_000_000)})
    whole = terminal.history_deals_get(1_704_000_000, 1_716_000_000)
    assert sorted(union.values()) == sorted(whole)
    assert len({d.ticket for d in whole}) == len(whole)


def test_second_sync_stores_nothing_new_and_the_clock_reveals_more():
    terminal = SimulatedTerminal(seed=5)
    session = session_for(terminal)
    store: dict[tuple[int, int], object] = {}

    def sync(watermark):
        batch = session.deals_since(watermark)
        added = [d for d in batch.deals if (d.login, d.ticket) not in store]
        store.update({(d.login, d.ticket): d for d in batch.deals})
        return batch.watermark, added

    watermark, first = sync(None)
    assert first
    _, again = sync(None)
    assert again == []
    terminal.advance(3 * 86_400)
    _, later = sync(watermark)
    assert later
    assert min(d.time for d in later) >= watermark - timedelta(hours=1)
    assert all(d.time <= terminal.now for d in store.values())


def test_history_never_shows_the_future():
    terminal = SimulatedTerminal(seed=1)
    deals = session_for(terminal).deals(START, terminal.now + timedelta(days=30))
    assert max(d.time for d in deals) <= terminal.now


def test_accounts_have_their_currency_credentials_and_server_clock():
    terminal = SimulatedTerminal(seed=2)
    eur = DEFAULT_ACCOUNTS[1]
    assert not terminal.login(eur.login, password="wrong")
    terminal.initialize()
    assert not terminal.login(eur.login, password="wrong", server=eur.server)
    assert terminal.last_error() == (ResultCode.RES_E_AUTH_FAILED, "Terminal: Authorization failed")
    session = session_for(terminal, eur)
    assert session.account().currency == "EUR"
    assert {d.currency for d in session.deals(START, terminal.now)} == {"EUR"}


def test_balance_operations_use_realistic_comments_and_match_the_account():
    terminal = SimulatedTerminal(seed=11)
    session = session_for(terminal)
    deals = session.deals(START, terminal.now + timedelta(seconds=1))
    comments = {d.comment.split(" ")[0] for d in deals if d.kind is DealKind.BALANCE}
    assert {"Deposit", "Withdrawal", "Rebate"} <= comments
    account = session.account()
    assert sum((d.net for d in deals), Decimal(0)) == account.balance
    positions = session.positions()
    assert account.equity == account.balance + sum((p.profit + p.swap for p in positions), Decimal(0))


def test_ticket_position_and_group_queries():
    terminal = SimulatedTerminal(seed=4)
    terminal.initialize(login=ALPHA.login, password=ALPHA.password)
    deals = terminal.history_deals_get(1_704_000_000, 1_706_000_000)
    trade = next(d for d in deals if d.type in (DealType.DEAL_TYPE_BUY, DealType.DEAL_TYPE_SELL))
    assert terminal.history_deals_get(ticket=trade.order) == (trade,)  # ticket= is an ORDER ticket, as in the package
    both = terminal.history_deals_get(position=trade.position_id)
    assert [d.entry for d in both] == [0, 1]
    [order] = terminal.history_orders_get(ticket=trade.order)
    assert order.position_id == trade.position_id
    only_fx = terminal.history_deals_get(1_704_000_000, 1_706_000_000, group="*USD*,!XAU*")
    assert only_fx
    assert {d.symbol for d in only_fx} <= {"EURUSD", "GBPUSD", "USDJPY"}


def test_invalid_date_range_reproduces_the_empty_plus_invalid_params_quirk():
    terminal = SimulatedTerminal()
    terminal.initialize()
    assert terminal.history_deals_get(1_710_000_000, 1_700_000_000) == ()
    assert terminal.last_error()[0] == ResultCode.RES_E_INVALID_PARAMS


def test_failures_use_ipc_codes_and_never_change_history():
    flaky = SimulatedTerminal(seed=9, failure_rate=1.0)
    assert not flaky.initialize()
    assert flaky.last_error()[0] in {
        ResultCode.RES_E_INTERNAL_FAIL_INIT, ResultCode.RES_E_INTERNAL_FAIL_TIMEOUT}
    sometimes = SimulatedTerminal(seed=9, failure_rate=0.3)
    session = Mt5Session(sometimes, NewYorkClose(), clock=lambda: sometimes.now)
    results, errors = [], []
    for _ in range(40):
        try:
            session.connect(login=ALPHA.login, password=ALPHA.password)
            results.append(session.deals(START, datetime(2024, 2, 1, tzinfo=UTC)))
        except Mt5ConnectionError as exc:
            errors.append(exc.code)
    assert errors
    assert results
    assert set(errors) <= {-10001, -10002, -10003, -10004, -10005}
    assert all(r == results[0] for r in results)
    reference = session_for(SimulatedTerminal(seed=9)).deals(START, datetime(2024, 2, 1, tzinfo=UTC))
    assert results[0] == reference


def test_calls_before_initialize_fail_with_no_ipc():
    terminal = SimulatedTerminal()
    assert terminal.account_info() is None
    assert terminal.last_error() == (ResultCode.RES_E_INTERNAL_FAIL_CONNECT, "No IPC connection")


@pytest.mark.slow
def test_a_million_deals_are_generated_and_served():
    busy = SimAccount(9000001, "pw", "FidusSim-Live", "HFT", trades_per_day=5000,
                      opened=datetime(2024, 1, 1, tzinfo=UTC), balance_ops_per_day=0.0)
    terminal = SimulatedTerminal(seed=1, accounts=[busy], now=datetime(2024, 4, 11, tzinfo=UTC))
    terminal.initialize(login=busy.login, password="pw")
    deals = terminal.history_deals_get(1_704_000_000, 1_713_000_000)
    assert len(deals) > 990_000
    assert len({d.ticket for d in deals}) == len(deals)
