"""Performance analytics: returns, risk, drawdowns, benchmark statistics, XIRR.

Conventions (day count, annualisation, flow timing …) are in docs/ANALYTICS.md.
"""

from fidus_desktop.domain.analytics.batch import NO_DATE, BatchMetrics, BenchmarkArrays, batch_metrics
from fidus_desktop.domain.analytics.conventions import (
    DAYS_PER_YEAR,
    TRADING_DAYS_PER_YEAR,
    AnalyticsWarning,
)
from fidus_desktop.domain.analytics.monthly import monthly_returns, monthly_table
from fidus_desktop.domain.analytics.periods import Period, PeriodReturn, period_return, period_returns
from fidus_desktop.domain.analytics.report import (
    BenchmarkComparison,
    Drawdown,
    MonthReturn,
    PerformanceReport,
    compute_metrics,
)
from fidus_desktop.domain.analytics.returns import (
    ReturnResult,
    TwrResult,
    annualise,
    modified_dietz,
    time_weighted_return,
)
from fidus_desktop.domain.analytics.series import AnalyticsInputError
from fidus_desktop.domain.analytics.xirr import XirrError, xirr

__all__ = [
    "DAYS_PER_YEAR",
    "NO_DATE",
    "TRADING_DAYS_PER_YEAR",
    "AnalyticsInputError",
    "AnalyticsWarning",
    "BatchMetrics",
    "BenchmarkArrays",
    "BenchmarkComparison",
    "Drawdown",
    "MonthReturn",
    "PerformanceReport",
    "Period",
    "PeriodReturn",
    "ReturnResult",
    "TwrResult",
    "XirrError",
    "annualise",
    "batch_metrics",
    "compute_metrics",
    "modified_dietz",
    "monthly_returns",
    "monthly_table",
    "period_return",
    "period_returns",
    "time_weighted_return",
    "xirr",
]
