"""Margin level and drawdown from the equity peak as the risk view reads them: the last stored snapshot against
the peak the polls kept, nothing before the first poll, and only for roles that may read MT5 data."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

import pytest

from fidus_desktop.services.actor import Actor
from fidus_desktop.services.permissions import PermissionDenied, Role
from fidus_desktop.services.trading import TradingServices
from fidus_desktop.services.trading.sync import Poll
from tests.support.mt5_records import T0, snapshot


def test_levels_are_the_last_snapshot_against_the_equity_peak(
    trading: TradingServices, pm: Actor, sim_accounts: list[int]
) -> None:
    account = trading.accounts.get(pm, 5001001)
    assert trading.risk.levels(pm, 5001001) is None, "not synced yet"
    trading.sync.record_poll(pm, account, Poll(snapshot("10000", "400"), []))
    trading.sync.record_poll(pm, account, Poll(snapshot("9000", "250", T0 + timedelta(minutes=1)), []))
    levels = trading.risk.levels(pm, 5001001)
    assert levels is not None
    assert (levels.as_of, levels.equity, levels.margin_level) == (T0 + timedelta(minutes=1), D("9000"), D("250"))
    assert (levels.equity_peak, levels.drawdown_percent) == (D("10000"), D("10.00"))


def test_levels_need_mt5_read(trading: TradingServices, sim_accounts: list[int]) -> None:
    with pytest.raises(PermissionDenied):
        trading.risk.levels(Actor("u-c", "client", Role.CLIENT, "ws-9"), 5001001)
