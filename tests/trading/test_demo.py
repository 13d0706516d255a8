"""The demo builder: simulated accounts mapped to the demo funds, history synced, no keyring writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from fidus_desktop.bootstrap import Services
from fidus_desktop.services.base import ServiceContext
from fidus_desktop.services.demo import load_demo
from fidus_desktop.store.sqlite import SqliteStore


@pytest.mark.slow
def test_demo_maps_simulated_accounts_to_demo_funds_and_syncs_history(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "demo.db")
    try:
        services = Services(ServiceContext(store))
        services.ensure_indexes()
        run = load_demo(services)
        trading = services.trading
        accounts = {a.login: a for a in trading.accounts.all()}
        funds = {f.fund_id: f.code for f in services.portfolio.funds.list_funds(run.actor)}
        assert {login: funds.get(a.fund_id or "") for login, a in accounts.items()} == {
            5001001: "FIDUS-US", 5001002: "FIDUS-GLOBAL", 7002001: "FIDUS-INCOME"}
        assert all(count > 0 for count in run.made["mt5_deals"].values())
        assert {login: trading.sync.deal_count(login) for login in accounts} == run.made["mt5_deals"]
        assert trading.analytics.account(run.actor, 5001001).true_pnl is not None
    finally:
        store.close()
