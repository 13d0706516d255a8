"""MT5 account records: validation, keyring-only passwords, audit, permissions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.permissions import PermissionDenied
from fidus_desktop.services.trading import TradingServices
from fidus_desktop.services.trading.accounts import CapitalSource, password_name
from fidus_desktop.services.trading.documents import ACCOUNTS
from tests.support.simulated_accounts import sim_account_input


def test_create_keeps_the_password_only_in_the_keyring(trading: TradingServices, pm: Actor) -> None:
    account = trading.accounts.create(pm, sim_account_input(5001001, fund_id="fund-1",
                                                            alert_thresholds={"margin_level_below": "150"}),
                                      password="s3cret-pw")
    assert account.initial_allocation.amount == Decimal(100000)
    assert account.capital_source is CapitalSource.CLIENT_MONEY
    assert account.thresholds.margin_level_below == Decimal(150)
    assert trading.accounts.secrets.get(password_name(5001001)) == "s3cret-pw"
    stored = trading.accounts.accounts.find_one({"login": 5001001})
    assert stored is not None
    assert "s3cret-pw" not in repr(stored)
    audit = trading.accounts.ctx.audit
    assert "s3cret-pw" not in repr(list(audit.iter_chain()))
    assert [e["action"] for e in audit.iter_chain()] == ["mt5_account.create", "mt5_account.set_password"]


def test_duplicate_login_and_bad_input_are_refused_with_the_field(trading: TradingServices, pm: Actor) -> None:
    trading.accounts.create(pm, sim_account_input(5001001))
    with pytest.raises(ValidationError, match="already set up"):
        trading.accounts.create(pm, sim_account_input(5001001))
    cases = {
        "server_time": sim_account_input(5001002, server_time="Mars time"),
        "initial_allocation": sim_account_input(5001002, initial_allocation=1.5),
        "capital_source": sim_account_input(5001002, capital_source="borrowed"),
        "fund_id": sim_account_input(5001002, fund_id="f", investor_account_id="i"),
        "alert_thresholds.drawdown_above": sim_account_input(5001002, alert_thresholds={"drawdown_above": "-3"}),
    }
    for field, data in cases.items():
        with pytest.raises(ValidationError) as caught:
            trading.accounts.create(pm, data)
        assert field in caught.value.problems
    assert trading.accounts.accounts.count() == 1


def test_update_is_versioned_and_audited(trading: TradingServices, pm: Actor) -> None:
    created = trading.accounts.create(pm, sim_account_input(5001001))
    changed = trading.accounts.update(pm, sim_account_input(5001001, name="Alpha renamed"),
                                      expected_version=created.version)
    assert changed.name == "Alpha renamed"
    assert changed.version == created.version + 1
    entry = next(e for e in trading.accounts.ctx.audit.iter_chain() if e["action"] == "mt5_account.update")
    assert entry["entity"] == ACCOUNTS
    assert entry["before"]["name"] != entry["after"]["name"]


def test_back_office_may_read_but_not_manage(trading: TradingServices, pm: Actor, back_office: Actor) -> None:
    trading.accounts.create(pm, sim_account_input(5001001))
    assert [a.login for a in trading.accounts.list(back_office)] == [5001001]
    with pytest.raises(PermissionDenied):
        trading.accounts.create(back_office, sim_account_input(5001002))
