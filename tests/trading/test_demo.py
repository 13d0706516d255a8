"""The demo builder: simulated accounts mapped to the demo funds, history synced."""

from __future__ import annotations

from pathlib import Path

from tests.support.demo import DemoDatabase, open_demo


def test_demo_maps_simulated_accounts_to_demo_funds_and_syncs_history(demo_database: DemoDatabase, demo_db: Path
                                                                      ) -> None:
    with open_demo(demo_db) as (services, actor):
        trading = services.trading
        accounts = {a.login: a for a in trading.accounts.all()}
        funds = {f.fund_id: f.code for f in services.portfolio.funds.list_funds(actor)}
        assert {login: funds.get(a.fund_id or "") for login, a in accounts.items()} == {
            5001001: "FIDUS-US", 5001002: "FIDUS-GLOBAL", 7002001: "FIDUS-INCOME"}
        assert all(count > 0 for count in demo_database.mt5_deals.values())
        assert {login: trading.sync.deal_count(login) for login in accounts} == demo_database.mt5_deals
        assert trading.analytics.account(actor, 5001001).true_pnl is not None
