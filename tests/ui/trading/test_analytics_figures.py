"""The analytics list says "not measured yet" for equity drawdown until there is an equity history."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from fidus_desktop.domain.trading.analytics import Drawdown, trade_stats
from fidus_desktop.services.trading.analytics import AccountAnalytics
from fidus_desktop.ui.trading.models import analytics_figures


def figures(equity_points: int) -> dict[str, str]:
    curve = [(datetime(2024, 6, 3, 12, minute, tzinfo=UTC), Decimal(100_000 - minute)) for minute in
             range(equity_points)]
    result = AccountAnalytics(5001001, trade_stats([]), {}, Drawdown(Decimal(0), Decimal(0)),
                              Drawdown(Decimal("1.00"), Decimal("0.00")), None, None, [], curve)
    return dict(analytics_figures(result, "USD"))


def test_equity_drawdown_is_not_measured_without_an_equity_history() -> None:
    assert figures(0)["Max equity drawdown"] == "not measured yet (equity history starts with the first polls)"
    assert figures(1)["Max equity drawdown"].startswith("not measured yet")
    assert figures(2)["Max equity drawdown"] == "1.00 (0.00 %)"
