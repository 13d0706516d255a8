"""Vectorised statistics for many share classes at once (rows = classes, columns = days).

``compute_metrics`` runs the same kernel on a single row, so a figure on a one-fund
screen and in a 200-class batch report is computed by the same code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from fidus_desktop.domain.analytics.conventions import DAYS_PER_YEAR, FLOAT_NOISE, TRADING_DAYS_PER_YEAR
from fidus_desktop.domain.analytics.monthly import month_end_positions, period_returns_between
from fidus_desktop.domain.analytics.series import AnalyticsInputError

NO_DATE = -1


@dataclass(frozen=True, slots=True)
class BenchmarkArrays:
    """Benchmark statistics per class; formulas in docs/ANALYTICS.md."""

    annualised_return: np.ndarray
    excess_return: np.ndarray
    tracking_error: np.ndarray
    information_ratio: np.ndarray
    beta: np.ndarray
    correlation: np.ndarray


@dataclass(frozen=True, slots=True)
class BatchMetrics:
    """One entry per class. NaN marks an undefined figure; date fields hold positions in
    ``dates`` and ``NO_DATE`` (-1) when there is no such date."""

    dates: pd.DatetimeIndex
    total_return: np.ndarray
    annualised_return: np.ndarray
    annualised_volatility: np.ndarray
    sharpe: np.ndarray
    sortino: np.ndarray
    max_drawdown: np.ndarray
    drawdown_peak: np.ndarray
    drawdown_trough: np.ndarray
    drawdown_recovery: np.ndarray
    calmar: np.ndarray
    best_month: np.ndarray
    best_month_end: np.ndarray
    worst_month: np.ndarray
    worst_month_end: np.ndarray
    benchmark: BenchmarkArrays | None


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, NaN where the denominator is zero up to float noise (undefined ratio)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > FLOAT_NOISE, numerator / denominator, np.nan)


def _annualised(growth: np.ndarray, years: float) -> tuple[np.ndarray, np.ndarray]:
    """Total return and annualised return; the latter NaN under a year (GIPS: never annualise a shorter period)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        total = growth[:, -1] / growth[:, 0] - 1.0
        annual = np.power(1.0 + total, 1.0 / years) - 1.0 if years >= 1.0 else np.full_like(total, np.nan)
    return total, annual


def _sample_std(values: np.ndarray) -> np.ndarray:
    if values.shape[1] < 2:
        return np.full(values.shape[0], np.nan)
    return values.std(axis=1, ddof=1)


def _drawdowns(growth: np.ndarray) -> tuple[np.ndarray, ...]:
    """Maximum drawdown and its peak, trough and recovery positions per row."""
    rows, days = growth.shape
    with np.errstate(divide="ignore", invalid="ignore"):
        drawdown = growth / np.maximum.accumulate(growth, axis=1) - 1.0
    drawdown[drawdown > -FLOAT_NOISE] = 0.0
    trough = drawdown.argmin(axis=1)
    row = np.arange(rows)
    depth = drawdown[row, trough]
    positions = np.arange(days)
    at_peak = drawdown == 0.0
    peak = np.maximum.accumulate(np.where(at_peak, positions, 0), axis=1)[row, trough]
    recovered = at_peak & (positions > trough[:, None])
    recovery = np.where(recovered.any(axis=1), recovered.argmax(axis=1), NO_DATE)
    none = depth == 0.0
    return (
        depth,
        np.where(none, NO_DATE, peak),
        np.where(none, NO_DATE, trough),
        np.where(none, NO_DATE, recovery),
    )


def _benchmark(
    returns: np.ndarray, annual: np.ndarray, bench_returns: np.ndarray, bench_annual: np.ndarray,
    years: float, total: np.ndarray, bench_total: np.ndarray,
) -> BenchmarkArrays:
    """Excess return is annualised like the returns it compares: over a year or more only, else over the period."""
    active = returns - bench_returns
    tracking_error = _sample_std(active) * np.sqrt(TRADING_DAYS_PER_YEAR)
    ddof = max(returns.shape[1] - 1, 1)
    centred = returns - returns.mean(axis=1, keepdims=True)
    bench_centred = bench_returns - bench_returns.mean(axis=1, keepdims=True)
    covariance = (centred * bench_centred).sum(axis=1) / ddof
    bench_variance = (bench_centred**2).sum(axis=1) / ddof
    variance = (centred**2).sum(axis=1) / ddof
    return BenchmarkArrays(
        annualised_return=np.broadcast_to(bench_annual, annual.shape).copy(),
        excess_return=annual - bench_annual if years >= 1.0 else total - bench_total,
        tracking_error=tracking_error,
        information_ratio=_ratio(active.mean(axis=1) * TRADING_DAYS_PER_YEAR, tracking_error),
        beta=_ratio(covariance, bench_variance),
        correlation=_ratio(covariance, np.sqrt(variance * bench_variance)),
    )


def metrics_from_returns(
    returns: np.ndarray,
    growth: np.ndarray,
    dates: pd.DatetimeIndex,
    *,
    risk_free: float = 0.0,
    benchmark_returns: np.ndarray | None = None,
    benchmark_growth: np.ndarray | None = None,
) -> BatchMetrics:
    """The statistics kernel: ``returns`` (classes × days-1) and levels ``growth`` (classes × days)."""
    years = (dates[-1] - dates[0]).days / DAYS_PER_YEAR
    total, annual = _annualised(growth, years)
    volatility = _sample_std(returns) * np.sqrt(TRADING_DAYS_PER_YEAR)
    daily_rf = (1.0 + risk_free) ** (1.0 / TRADING_DAYS_PER_YEAR) - 1.0
    excess = returns - daily_rf
    mean_excess = excess.mean(axis=1) * TRADING_DAYS_PER_YEAR
    downside = np.sqrt((np.minimum(excess, 0.0) ** 2).mean(axis=1)) * np.sqrt(TRADING_DAYS_PER_YEAR)
    depth, peak, trough, recovery = _drawdowns(growth)
    ends = month_end_positions(dates)
    months = period_returns_between(growth, ends)
    has_month = months.shape[1] > 0
    best = months.argmax(axis=1) if has_month else np.zeros(len(growth), dtype=int)
    worst = months.argmin(axis=1) if has_month else np.zeros(len(growth), dtype=int)
    row = np.arange(len(growth))
    bench = None
    if benchmark_returns is not None and benchmark_growth is not None:
        bench_total, bench_annual = _annualised(benchmark_growth, years)
        bench = _benchmark(returns, annual, benchmark_returns, bench_annual, years, total, bench_total)
    return BatchMetrics(
        dates=dates,
        total_return=total,
        annualised_return=annual,
        annualised_volatility=volatility,
        sharpe=_ratio(mean_excess, volatility),
        sortino=_ratio(mean_excess, downside),
        max_drawdown=depth,
        drawdown_peak=peak,
        drawdown_trough=trough,
        drawdown_recovery=recovery,
        calmar=_ratio(annual, -depth),
        best_month=months[row, best] if has_month else np.full(len(growth), np.nan),
        best_month_end=ends[best] if has_month else np.full(len(growth), NO_DATE),
        worst_month=months[row, worst] if has_month else np.full(len(growth), np.nan),
        worst_month_end=ends[worst] if has_month else np.full(len(growth), NO_DATE),
        benchmark=bench,
    )


def _levels(values: np.ndarray, what: str, days: int) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.shape[-1] != days:
        raise AnalyticsInputError(f"The {what} has {array.shape[-1]} columns but there are {days} dates.")
    if not np.isfinite(array).all() or (array <= 0).any():
        raise AnalyticsInputError(
            f"The {what} must be finite and positive on every date; analyse classes with gaps or "
            "different launch dates separately with compute_metrics."
        )
    return array


def batch_metrics(
    navs: np.ndarray,
    dates: Sequence | pd.DatetimeIndex,
    *,
    benchmark: np.ndarray | None = None,
    risk_free: float = 0.0,
) -> BatchMetrics:
    """Full statistics for many share classes sharing one date axis.

    ``navs`` is classes × days of NAV per unit (no flows); ``benchmark`` is either one
    level series (days,) shared by all classes or one per class (classes × days).
    """
    index = pd.DatetimeIndex(pd.to_datetime(dates)).normalize()
    if index.size < 2 or not index.is_monotonic_increasing or index.has_duplicates:
        raise AnalyticsInputError("The dates must be at least two, strictly increasing, one per NAV column.")
    levels = _levels(np.atleast_2d(navs), "NAV array", index.size)
    returns = levels[:, 1:] / levels[:, :-1] - 1.0
    bench_levels = bench_returns = None
    if benchmark is not None:
        bench_levels = _levels(np.atleast_2d(benchmark), "benchmark", index.size)
        if bench_levels.shape[0] not in (1, levels.shape[0]):
            raise AnalyticsInputError("The benchmark must be one series or one per share class.")
        bench_returns = bench_levels[:, 1:] / bench_levels[:, :-1] - 1.0
    return metrics_from_returns(
        returns,
        levels,
        index,
        risk_free=risk_free,
        benchmark_returns=bench_returns,
        benchmark_growth=bench_levels,
    )
