"""``compute_metrics``: the one entry point services, CLI and UI call for a fund's performance.

Results are floats: they are ratios, not money. NAVs and flows stay Decimal upstream and
are converted to float once, on entry (``series.to_float_series``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from fidus_desktop.domain.analytics.batch import NO_DATE, BatchMetrics, metrics_from_returns
from fidus_desktop.domain.analytics.conventions import DAYS_PER_YEAR, AnalyticsWarning
from fidus_desktop.domain.analytics.monthly import monthly_table
from fidus_desktop.domain.analytics.periods import PeriodReturn, period_returns
from fidus_desktop.domain.analytics.returns import time_weighted_return
from fidus_desktop.domain.analytics.series import AnalyticsInputError, to_float_series

_MIN_OVERLAP = 3


@dataclass(frozen=True, slots=True)
class Drawdown:
    """Deepest fall from a peak (``depth`` <= 0); dates are None when there was no drawdown / no recovery."""

    depth: float
    peak: dt.date | None
    trough: dt.date | None
    recovery: dt.date | None


@dataclass(frozen=True, slots=True)
class MonthReturn:
    month: pd.Period
    value: float


@dataclass(frozen=True, slots=True)
class BenchmarkComparison:
    """Fund against benchmark over the dates both have (``start`` to ``end``)."""

    start: dt.date
    end: dt.date
    benchmark_annualised_return: float | None
    excess_return: float | None
    tracking_error: float | None
    information_ratio: float | None
    beta: float | None
    correlation: float | None


@dataclass(frozen=True, slots=True)
class PerformanceReport:
    """Every performance figure of one fund or share class. None means undefined (see ``warnings``)."""

    start: dt.date
    end: dt.date
    total_return: float
    annualised_return: float | None
    annualised_volatility: float | None
    sharpe: float | None
    sortino: float | None
    max_drawdown: Drawdown
    calmar: float | None
    best_month: MonthReturn | None
    worst_month: MonthReturn | None
    monthly_returns: pd.DataFrame
    periods: tuple[PeriodReturn, ...]
    benchmark: BenchmarkComparison | None
    daily_returns: pd.Series
    warnings: tuple[AnalyticsWarning, ...]


def _value(array: np.ndarray) -> float | None:
    value = float(array[0])
    return None if math.isnan(value) else value


def _date(dates: pd.DatetimeIndex, positions: np.ndarray) -> dt.date | None:
    position = int(positions[0])
    return None if position == NO_DATE else dates[position].date()


def _month(stats: BatchMetrics, values: np.ndarray, ends: np.ndarray) -> MonthReturn | None:
    value = _value(values)
    if value is None:
        return None
    return MonthReturn(stats.dates[int(ends[0])].to_period("M"), value)


def _compare(
    growth: pd.Series, benchmark: pd.Series | Mapping, risk_free: float
) -> tuple[BenchmarkComparison | None, list[AnalyticsWarning]]:
    levels = to_float_series(benchmark, "benchmark")
    if (levels <= 0).any():
        raise AnalyticsInputError("The benchmark levels must be positive (an index or a NAV, not returns).")
    common = growth.index.intersection(levels.index)
    if len(common) < _MIN_OVERLAP:
        return None, [
            AnalyticsWarning(
                "benchmark-overlap",
                f"The fund and the benchmark share only {len(common)} dates; at least {_MIN_OVERLAP} are "
                "needed, so there is no benchmark comparison.",
            )
        ]
    fund = growth.reindex(common).to_numpy()[None, :]
    bench = levels.reindex(common).to_numpy()[None, :]
    stats = metrics_from_returns(
        fund[:, 1:] / fund[:, :-1] - 1.0,
        fund,
        common,
        risk_free=risk_free,
        benchmark_returns=bench[:, 1:] / bench[:, :-1] - 1.0,
        benchmark_growth=bench,
    )
    warnings = []
    if common[0] != growth.index[0] or common[-1] != growth.index[-1]:
        warnings.append(
            AnalyticsWarning(
                "benchmark-period",
                f"The benchmark comparison covers {common[0].date()} to {common[-1].date()} only, the dates "
                "both series have.",
            )
        )
    arrays = stats.benchmark
    if arrays is None:
        raise RuntimeError("The analytics kernel returned no benchmark statistics for a benchmark.")
    comparison = BenchmarkComparison(
        start=common[0].date(),
        end=common[-1].date(),
        benchmark_annualised_return=_value(arrays.annualised_return),
        excess_return=_value(arrays.excess_return),
        tracking_error=_value(arrays.tracking_error),
        information_ratio=_value(arrays.information_ratio),
        beta=_value(arrays.beta),
        correlation=_value(arrays.correlation),
    )
    return comparison, warnings


def compute_metrics(
    nav: pd.Series | Mapping,
    *,
    benchmark: pd.Series | Mapping | None = None,
    risk_free: float = 0.0,
    flows: pd.Series | Mapping | None = None,
    as_of: dt.date | None = None,
) -> PerformanceReport:
    """Performance of one fund from its daily values.

    ``nav`` is NAV per unit (no ``flows``) or total market value in base currency with
    ``flows`` (positive = subscription, negative = redemption) on a date index; values may be
    Decimal. ``benchmark`` is an index level series; ``risk_free`` an annual rate (0.02 = 2 %);
    ``as_of`` (default: last date) anchors the period returns.
    """
    twr = time_weighted_return(nav, flows)
    growth = twr.growth
    dates = pd.DatetimeIndex(growth.index)
    warnings = list(twr.warnings)
    stats = metrics_from_returns(
        twr.daily_returns.to_numpy()[None, :], growth.to_numpy()[None, :], dates, risk_free=float(risk_free)
    )
    if len(twr.daily_returns) < 2:
        warnings.append(
            AnalyticsWarning(
                "short-history", "Fewer than three valuations: volatility and the ratios are undefined."
            )
        )
    days = (dates[-1] - dates[0]).days
    if 0 < days < DAYS_PER_YEAR:
        warnings.append(
            AnalyticsWarning(
                "short-period",
                f"The period is {days} days, shorter than a year: its return is shown as is, not annualised, "
                "and the annualised return and Calmar ratio are not given.",
            )
        )
    comparison = None
    if benchmark is not None:
        comparison, bench_warnings = _compare(growth, benchmark, float(risk_free))
        warnings.extend(bench_warnings)
    return PerformanceReport(
        start=dates[0].date(),
        end=dates[-1].date(),
        total_return=twr.total_return,
        annualised_return=_value(stats.annualised_return),
        annualised_volatility=_value(stats.annualised_volatility),
        sharpe=_value(stats.sharpe),
        sortino=_value(stats.sortino),
        max_drawdown=Drawdown(
            depth=float(stats.max_drawdown[0]),
            peak=_date(dates, stats.drawdown_peak),
            trough=_date(dates, stats.drawdown_trough),
            recovery=_date(dates, stats.drawdown_recovery),
        ),
        calmar=_value(stats.calmar),
        best_month=_month(stats, stats.best_month, stats.best_month_end),
        worst_month=_month(stats, stats.worst_month, stats.worst_month_end),
        monthly_returns=monthly_table(growth),
        periods=period_returns(growth, as_of or dates[-1].date()),
        benchmark=comparison,
        daily_returns=twr.daily_returns,
        warnings=tuple(warnings),
    )
