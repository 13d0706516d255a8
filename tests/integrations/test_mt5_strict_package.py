"""The real adapter and the poller over a strict fake of the MetaTrader5 package (tests/integrations/strict_mt5.py)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta

import pytest

from fidus_desktop.domain.trading.models import DealKind
from fidus_desktop.integrations.mt5 import DEFAULT_ACCOUNTS, Mt5Session, RealTerminal, SimulatedTerminal
from fidus_desktop.integrations.mt5.enums import DealType
from fidus_desktop.integrations.mt5.session import HISTORY_START
from fidus_desktop.integrations.mt5.sim_history import SimAccount

from .strict_mt5 import strict_package

NOW = datetime(2024, 6, 3, 12, tzinfo=UTC)
ALPHA = DEFAULT_ACCOUNTS[0]
BETA = DEFAULT_ACCOUNTS[2]


@pytest.fixture
def sim() -> SimulatedTerminal:
    accounts = tuple(SimAccount(**{**a.__dict__, "opened": NOW - timedelta(days=3)}) for a in DEFAULT_ACCOUNTS)
    return SimulatedTerminal(seed=31, accounts=accounts, now=NOW, history_delay=120)


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch, sim: SimulatedTerminal) -> Mt5Session:
    monkeypatch.setitem(sys.modules, "MetaTrader5", strict_package(sim))
    session = Mt5Session(RealTerminal(), ALPHA.policy, clock=lambda: sim.now)
    session.connect(login=ALPHA.login, password=ALPHA.password, server=ALPHA.server)
    return session


def test_an_empty_range_answered_with_none_and_success_is_empty(session: Mt5Session) -> None:
    """Years of empty windows in a first sync must not fail (real terminals answer None + RES_S_OK)."""
    assert session.deals(HISTORY_START, HISTORY_START + timedelta(days=30)) == []
    batch = session.deals_since(None, max_window=timedelta(days=400))
    assert batch.deals == []
    assert not batch.complete


def test_ticket_selects_deals_by_their_order(session: Mt5Session, sim: SimulatedTerminal) -> None:
    deals = session.deals(NOW - timedelta(days=2), NOW)
    trade = next(d for d in deals if d.kind is DealKind.TRADE)
    rows = RealTerminal().history_deals_get(ticket=trade.order)
    assert rows is not None
    assert [r.ticket for r in rows] == [trade.ticket]
    assert RealTerminal().history_deals_get(ticket=trade.ticket) is None  # a deal ticket is no order ticket


def test_back_dated_deals_appear_after_reconnect_and_are_read_then(session: Mt5Session, sim: SimulatedTerminal) -> None:
    seen: set[int] = set()
    session.deals_since(None, seen=seen)
    sim.add_outage(sim.now, sim.now + timedelta(hours=2))
    sim.advance(2 * 3600 + 60)  # reconnected a minute ago: the missing history is still on its way
    during = session.deals_since(NOW - timedelta(minutes=1), seen=seen)
    sim.advance(120)
    after = session.deals_since(NOW - timedelta(minutes=1), seen=seen)
    assert after.deals, "deals of the outage arrive after the reconnect, with their original times"
    assert all(d.time < NOW + timedelta(hours=2) for d in after.deals)
    assert not {d.ticket for d in during.deals} & {d.ticket for d in after.deals}


def test_unknown_types_and_changed_deals_come_through_the_package(session: Mt5Session, sim: SimulatedTerminal) -> None:
    ticket = sim.add_deal(ALPHA.login, NOW - timedelta(minutes=5), type=31, profit=-12.5, comment="Agent commission")
    [odd] = [d for d in session.deals(NOW - timedelta(hours=1), NOW) if d.ticket == ticket]
    assert (odd.kind, odd.raw_type) == (DealKind.OTHER, 31)
    sim.revise_deal(ALPHA.login, ticket, NOW, type=int(DealType.DEAL_TYPE_CHARGE))
    sim.advance(60)
    [changed] = [d for d in session.deals(NOW - timedelta(hours=1), sim.now) if d.ticket == ticket]
    assert changed.kind is DealKind.CHARGE


def test_a_second_login_switched_in_between_is_detected(session: Mt5Session, sim: SimulatedTerminal) -> None:
    session.expect_account(ALPHA.login, "fidussim-live ")  # server names compare without case or blanks
    sim.switch_account_by_user(BETA.login)
    with pytest.raises(Exception, match=f"shows account {BETA.login}"):
        session.expect_account(ALPHA.login, ALPHA.server)


def test_keyword_dates_are_refused_like_the_package_does(sim: SimulatedTerminal) -> None:
    package = strict_package(sim)
    with pytest.raises(TypeError):
        package.history_deals_get(date_from=1, date_to=2)  # type: ignore[attr-defined]
