"""The demo builder: simulated accounts mapped to the demo funds, history synced; the products' coverage
counts those accounts' equity."""

from __future__ import annotations

from datetime import UTC, timedelta
from decimal import Decimal
from pathlib import Path

from fidus_desktop.bootstrap import Services
from fidus_desktop.services.actor import Actor
from tests.support.demo import DemoDatabase, open_demo


def assert_coverage_counts_mapped_equity(services: Services, actor: Actor) -> None:
    """Fixed-yield coverage shows the MT5 equity of the mapped accounts, recomputed here from the raw snapshots
    (last one per account on or before the day) and the ECB rate table, not from the service under test."""
    snapshots = list(services.ctx.store.collection("mt5_snapshots").iter_all())
    day = max(doc["time"] for doc in snapshots).date()
    rates = services.portfolio.fx.table()
    for currency in ("EUR", "USD"):
        expected = Decimal(0)
        for login in {doc["login"] for doc in snapshots}:
            last = max((d for d in snapshots if d["login"] == login), key=lambda d: d["time"])
            rate = Decimal(1) if last["currency"] == currency else rates.rate(last["currency"], currency, day).rate
            expected += last["equity"] * rate
        report = services.portfolio.products.coverage(actor, currency, day, day + timedelta(days=365))
        assert report.equity_configured, "coverage still says MT5 equity is not configured"
        assert report.equity.amount > 0
        assert abs(report.equity.amount - expected) <= Decimal("0.01") * len(snapshots), (currency, report.equity)


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
        assert_coverage_counts_mapped_equity(services, actor)


def test_the_demo_mt5_history_ends_where_the_portfolio_data_ends(demo_db: Path) -> None:
    """One demo timeline: the synced deals run up to the demo's clock, the business morning after the last NAV
    date, not to a 2024 of their own."""
    from fidus_desktop.services.demo import DEMO_NOW
    from fidus_desktop.services.portfolio.demo import END

    with open_demo(demo_db) as (services, actor):
        deals = list(services.ctx.store.collection("mt5_deals").iter_all())
        last = max(doc["time"] for doc in deals)
        first = min(doc["time"] for doc in deals).date()
        assert DEMO_NOW - timedelta(hours=12) <= last.replace(tzinfo=last.tzinfo or UTC) <= DEMO_NOW
        assert END < DEMO_NOW.date() <= END + timedelta(days=3)
        assert first >= END - timedelta(days=170)
        assert services.portfolio.figures.total_aum(actor).on == END
