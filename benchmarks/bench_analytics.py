"""Batch analytics for 200 share classes × 10 years of daily NAV, against a plain pandas loop.

Run: ``uv run python benchmarks/bench_analytics.py``. It checks both paths agree, prints a
markdown table and writes the "## Analytics (200 classes × 10 years)" section of
docs/PERFORMANCE.md (other sections are kept).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import platform
import statistics
import time

import numpy as np
import pandas as pd
from perf_doc import replace_section

from fidus_desktop.domain.analytics import NO_DATE, BatchMetrics, batch_metrics

CLASSES = 200
YEARS = 10
DAYS = 252 * YEARS
RISK_FREE = 0.02
SEED = 20240601
REPEATS = 7
TARGET_SECONDS = 1.0
SECTION = "## Analytics (200 classes × 10 years)"
BENCHMARK_KEYS = {"excess_return", "tracking_error", "beta", "correlation", "information_ratio"}


def generate() -> tuple[pd.DatetimeIndex, np.ndarray, np.ndarray]:
    """Seeded business-day NAVs: each class = beta × market + own noise; the market is the benchmark."""
    rng = np.random.default_rng(SEED)
    dates = pd.bdate_range("2014-01-01", periods=DAYS)
    market = rng.normal(0.0003, 0.011, DAYS)
    betas = rng.uniform(0.4, 1.4, (CLASSES, 1))
    own = rng.normal(0.0001, rng.uniform(0.002, 0.012, (CLASSES, 1)), (CLASSES, DAYS))
    navs = 100.0 * np.cumprod(1.0 + betas * market + own, axis=1)
    benchmark = 1000.0 * np.cumprod(1.0 + market)
    return dates, navs, benchmark


def pandas_metrics(dates: pd.DatetimeIndex, navs: np.ndarray, benchmark: np.ndarray) -> dict[str, np.ndarray]:
    """The straightforward way: one pandas Series per class, pct_change / cummax / resample / std."""
    bench = pd.Series(benchmark, index=dates)
    bench_returns = bench.pct_change().dropna()
    years = (dates[-1] - dates[0]).days / 365
    bench_annual = (bench.iloc[-1] / bench.iloc[0]) ** (1 / years) - 1
    daily_rf = (1 + RISK_FREE) ** (1 / 252) - 1
    out: dict[str, list] = {
        key: []
        for key in (
            "annualised_return",
            "annualised_volatility",
            "sharpe",
            "sortino",
            "max_drawdown",
            "drawdown_peak",
            "drawdown_trough",
            "drawdown_recovery",
            "calmar",
            "best_month",
            "worst_month",
            "tracking_error",
            "beta",
            "correlation",
            "information_ratio",
            "excess_return",
        )
    }
    for row in navs:
        nav = pd.Series(row, index=dates)
        returns = nav.pct_change().dropna()
        annual = (nav.iloc[-1] / nav.iloc[0]) ** (1 / years) - 1
        volatility = returns.std() * math.sqrt(252)
        excess = returns - daily_rf
        downside = math.sqrt((excess.clip(upper=0) ** 2).mean()) * math.sqrt(252)
        drawdown = nav / nav.cummax() - 1
        trough = drawdown.idxmin()
        before = nav.loc[:trough]
        peak = before[before == before.max()].index[-1]
        after = nav.loc[trough:].iloc[1:]
        recovered = after[after >= nav[peak]]
        month_ends = nav.resample("ME").last()
        monthly = pd.concat([nav.iloc[:1], month_ends]).pct_change().dropna()
        active = returns - bench_returns
        tracking_error = active.std() * math.sqrt(252)
        out["annualised_return"].append(annual)
        out["annualised_volatility"].append(volatility)
        out["sharpe"].append(excess.mean() * 252 / volatility)
        out["sortino"].append(excess.mean() * 252 / downside)
        out["max_drawdown"].append(drawdown.min())
        out["drawdown_peak"].append(dates.get_loc(peak))
        out["drawdown_trough"].append(dates.get_loc(trough))
        out["drawdown_recovery"].append(dates.get_loc(recovered.index[0]) if len(recovered) else NO_DATE)
        out["calmar"].append(annual / -drawdown.min())
        out["best_month"].append(monthly.max())
        out["worst_month"].append(monthly.min())
        out["tracking_error"].append(tracking_error)
        out["beta"].append(returns.cov(bench_returns) / bench_returns.var())
        out["correlation"].append(returns.corr(bench_returns))
        out["information_ratio"].append(active.mean() * 252 / tracking_error)
        out["excess_return"].append(annual - bench_annual)
    return {key: np.asarray(values) for key, values in out.items()}


def check_agreement(batch: BatchMetrics, reference: dict[str, np.ndarray]) -> None:
    assert batch.benchmark is not None
    for key, expected in reference.items():
        source = batch.benchmark if key in BENCHMARK_KEYS else batch
        actual = getattr(source, key)
        if key.startswith("drawdown_"):
            assert np.array_equal(actual, expected), key
        else:
            np.testing.assert_allclose(actual, expected, rtol=1e-9, atol=1e-12, err_msg=key)


def timed(function, repeats: int) -> tuple[float, object]:
    """Median wall time of ``repeats`` calls, and the last result."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    dates, navs, benchmark = generate()
    batch_seconds, batch = timed(
        lambda: batch_metrics(navs, dates, benchmark=benchmark, risk_free=RISK_FREE), REPEATS
    )
    pandas_seconds, reference = timed(lambda: pandas_metrics(dates, navs, benchmark), 1)
    check_agreement(batch, reference)
    verdict = "met" if batch_seconds < TARGET_SECONDS else "MISSED"
    table = "\n".join(
        [
            "| Path | Time (s) | Per class (ms) | Speed-up |",
            "|---|---:|---:|---:|",
            f"| `batch_metrics` (numpy, all classes at once; median of {REPEATS}) | {batch_seconds:.3f} | "
            f"{batch_seconds / CLASSES * 1000:.2f} | {pandas_seconds / batch_seconds:.0f}× |",
            f"| pandas loop per class (pct_change, cummax, resample, std) | {pandas_seconds:.3f} | "
            f"{pandas_seconds / CLASSES * 1000:.2f} | 1× |",
        ]
    )
    markdown = f"""{SECTION}

Full statistics (annualised return and volatility, Sharpe, Sortino, maximum drawdown with
peak/trough/recovery dates, Calmar, best/worst month, excess return, tracking error, beta,
correlation, information ratio) for {CLASSES} share classes × {DAYS} business days ({YEARS} years)
against one benchmark, seeded synthetic data. Both paths agree (rtol 1e-9; drawdown dates exact).

{table}

Target < {TARGET_SECONDS:.0f} s for the batch path: **{verdict}**.

- Reproduce: `uv run python benchmarks/bench_analytics.py`
- Machine: {os.cpu_count()} CPUs (nproc), {platform.machine()}, {platform.system()};
  Python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}
- Date: {dt.date.today().isoformat()}
"""
    print(markdown)
    replace_section(markdown)


if __name__ == "__main__":
    main()
