"""The figures the Trading tab shows per account and per symbol, computed from stored deals and snapshots.

A thin service over ``domain.trading.analytics`` so every screen and report gets the same numbers from
the same data (true P&L uses the *current* balance classifications, including review decisions).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from fidus_desktop.domain.trading.analytics import (
    Drawdown,
    TradeStats,
    TruePnl,
    balance_curve,
    closed_trades,
    daily_returns,
    equity_curve,
    is_external_flow,
    max_balance_drawdown,
    max_equity_drawdown,
    sharpe_ratio,
    stats_by_symbol,
    trade_stats,
    true_pnl,
)
from fidus_desktop.domain.trading.models import Deal, EquityPoint
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import Service, ServiceContext
from fidus_desktop.services.permissions import Permission, require
from fidus_desktop.services.trading.classification import ClassificationService
from fidus_desktop.services.trading.documents import DEALS, SNAPSHOTS, deal_from_doc
from fidus_desktop.store.port import Filter

Curve = list[tuple[datetime, Decimal]]


@dataclass(frozen=True)
class AccountAnalytics:
    login: int
    stats: TradeStats
    by_symbol: dict[str, TradeStats]
    balance_drawdown: Drawdown
    equity_drawdown: Drawdown
    sharpe: Decimal | None  # annualised, from daily returns net of cash flows
    true_pnl: TruePnl | None  # None until a snapshot has been stored
    balance_curve: Curve
    equity_curve: Curve
    flows: Curve = field(default_factory=list)  # deposits (+), withdrawals (−): external money, not trading


class TradingAnalyticsService(Service):
    """Analytics per account and per symbol (permission ``mt5.read``)."""

    def __init__(self, ctx: ServiceContext, classification: ClassificationService) -> None:
        super().__init__(ctx)
        self.classification = classification
        self.deals = ctx.store.collection(DEALS)
        self.snapshots = ctx.store.collection(SNAPSHOTS)

    def account(self, actor: Actor, login: int) -> AccountAnalytics:
        require(actor, Permission.MT5_READ)
        deals = self._deals({"login": login})
        points = self.equity_points(login)
        flows = [(d.time, d.net) for d in deals if is_external_flow(d)]
        trades = closed_trades(deals)
        latest = self.snapshots.find_one({"login": login}, sort=[("time", -1)])
        pnl = None
        if latest is not None:
            pnl = true_pnl(latest["equity"], latest["credit"], self.classification.classified(login))
        return AccountAnalytics(
            login=login, stats=trade_stats(trades), by_symbol=stats_by_symbol(trades),
            balance_drawdown=max_balance_drawdown(deals), equity_drawdown=max_equity_drawdown(points, flows),
            sharpe=sharpe_ratio([r for _, r in daily_returns(points, flows)]), true_pnl=pnl,
            balance_curve=balance_curve(deals), equity_curve=equity_curve(points), flows=flows,
        )

    def symbol_stats(self, actor: Actor, login: int, symbol: str) -> TradeStats:
        require(actor, Permission.MT5_READ)
        return trade_stats(closed_trades(self._deals({"login": login, "symbol": symbol})))

    def equity_points(self, login: int) -> list[EquityPoint]:
        docs = self.snapshots.find({"login": login}, sort=[("time", 1)], projection=["time", "balance", "equity"])
        return [EquityPoint(d["time"], d["balance"], d["equity"]) for d in docs]

    def _deals(self, query: Filter) -> list[Deal]:
        return [deal_from_doc(d) for d in self.deals.find(query, sort=[("time", 1), ("ticket", 1)])]
