"""Each open position's commission: the sum of its stored deals' commissions (MT5 positions carry none),
checked against the simulated terminal's own deals of that position, and "not known" before any is stored."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from fidus_desktop.domain.trading.models import Position
from fidus_desktop.integrations.mt5 import DEFAULT_ACCOUNTS, SimulatedTerminal
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.trading import TradingServices
from fidus_desktop.services.trading.poller import Mt5Poller
from fidus_desktop.services.trading.sync import Poll
from tests.support.mt5_records import snapshot

pytestmark = pytest.mark.usefixtures("sim_accounts")
CENT = Decimal("0.01")


def terminal_commission(terminal: SimulatedTerminal, login: int, position_id: int) -> Decimal:
    """Independently of FIDUS: the terminal's raw deals of the position, their float commissions summed."""
    sim = next(a for a in DEFAULT_ACCOUNTS if a.login == login)
    assert terminal.initialize(login=login, password=sim.password, server=sim.server)
    deals = terminal.history_deals_get(position=position_id)
    assert deals, f"the terminal holds no deal of position {position_id}"
    return sum((Decimal(repr(d.commission)).quantize(CENT) for d in deals), Decimal(0))


def test_open_positions_carry_the_sum_of_their_deals_commissions(
        trading: TradingServices, terminal: SimulatedTerminal, pm: Actor) -> None:
    Mt5Poller(trading, terminal, pm, terminal_clock=lambda: terminal.now, rng=random.Random(3)).sync_to_now()
    checked = 0
    for sim in DEFAULT_ACCOUNTS:
        for position in trading.queries.open_positions(pm, sim.login):
            assert position.commission == terminal_commission(terminal, sim.login, position.identifier), position
            checked += position.commission != 0
    assert checked > 0, "the simulator charged commission on some open position"


def test_a_position_without_stored_deals_has_no_commission_yet_not_zero(
        trading: TradingServices, terminal: SimulatedTerminal, pm: Actor) -> None:
    Mt5Poller(trading, terminal, pm, terminal_clock=lambda: terminal.now, rng=random.Random(3)).sync_to_now()
    login = DEFAULT_ACCOUNTS[0].login
    known = trading.queries.open_positions(pm, login)
    assert known, "the simulator's first account has open positions"
    opened = known[0]
    newer = Position(login, 99_000_001, 99_000_001, opened.opened, opened.updated, opened.side, opened.symbol,
                     opened.volume, opened.price_open, opened.price_current, opened.sl, opened.tp, Decimal(0),
                     Decimal(0), opened.currency)  # opened after the last deals sync: no deal stored yet
    account = trading.accounts.get(pm, login)
    trading.sync.record_poll(pm, account, Poll(snapshot("10000"), [*known, newer]))
    shown = {p.ticket: p.commission for p in trading.queries.open_positions(pm, login)}
    assert shown[99_000_001] is None
    assert all(shown[p.ticket] == p.commission for p in known)  # the stored position record holds no commission
