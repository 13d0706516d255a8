"""Performance analytics checked against hand-worked numbers and plain-loop reference code.

The reference functions below are deliberately naive (Python loops, ``statistics``) so that
they share no code with the vectorised implementation.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fidus_desktop.domain.analytics import (
    AnalyticsInputError,
    Period,
    batch_metrics,
    compute_metrics,
    modified_dietz,
    monthly_table,
    period_returns,
    time_weighted_return,
)

D = dt.date


# ---------- plain reference implementations ----------------------------------------------------------


def loop_returns(values: list[float]) -> list[float]:
    return [values[i] / values[i - 1] - 1.0 for i in range(1, len(values))]


def loop_drawdown(values: list[float]) -> tuple[float, int | None, int | None, int | None]:
    """(depth, peak, trough, recovery) positions; peak = last time at the high before the trough."""
    best_depth, best_peak, best_trough = 0.0, None, None
    peak_value, peak_at = values[0], 0
    for i, value in enumerate(values):
        if value >= peak_value:
            peak_value, peak_at = value, i
        depth = value / peak_value - 1.0
        if depth < best_depth - 1e-12:
            best_depth, best_peak, best_trough = depth, peak_at, i
    if best_trough is None:
        return 0.0, None, None, None
    recovery = next((i for i in range(best_trough + 1, len(values)) if values[i] >= values[best_peak]), None)
    return best_depth, best_peak, best_trough, recovery


def loop_stats(dates: list[dt.date], values: list[float], rf: float) -> dict[str, float]:
    r = loop_returns(values)
    years = (dates[-1] - dates[0]).days / 365.0
    total = values[-1] / values[0] - 1.0
    annual = (1.0 + total) ** (1.0 / years) - 1.0
    vol = statistics.stdev(r) * math.sqrt(252)
    rf_d = (1.0 + rf) ** (1.0 / 252) - 1.0
    mean_excess = sum(x - rf_d for x in r) / len(r) * 252
    downside = math.sqrt(sum(min(x - rf_d, 0.0) ** 2 for x in r) / len(r)) * math.sqrt(252)
    depth = loop_drawdown(values)[0]
    return {
        "total": total,
        "annual": annual,
        "vol": vol,
        "sharpe": mean_excess / vol,
        "sortino": mean_excess / downside,
        "mdd": depth,
        "calmar": annual / -depth,
    }


def loop_months(dates: list[dt.date], values: list[float]) -> dict[tuple[int, int], float]:
    last_in_month: dict[tuple[int, int], int] = {}
    for i, day in enumerate(dates):
        last_in_month[(day.year, day.month)] = i
    result, base = {}, 0
    for key, end in last_in_month.items():
        if end == 0:
            continue
        result[key] = values[end] / values[base] - 1.0
        base = end
    return result


def random_nav(seed: int, days: int = 800, start: str = "2019-01-01") -> pd.Series:
    rng = np.random.default_rng(seed)
    index = pd.bdate_range(start, periods=days)
    return pd.Series(100 * np.cumprod(1 + rng.normal(0.0004, 0.012, days)), index=index)


# ---------- time-weighted return ---------------------------------------------------------------------


def test_twr_with_inflow_at_start_and_outflow_at_end_of_day():
    values = pd.Series([100.0, 110.0, 220.0, 115.0], index=pd.bdate_range("2024-01-01", periods=4))
    flows = {D(2024, 1, 3): 100, D(2024, 1, 4): -100}
    result = time_weighted_return(values, flows)
    # r1 = 110/100 - 1; r2 = 220/(110+100) - 1 (inflow at start); r3 = (115+100)/220 - 1 (outflow at end)
    expected = [0.1, 220 / 210 - 1, 215 / 220 - 1]
    assert result.daily_returns.to_list() == pytest.approx(expected)
    assert result.total_return == pytest.approx(1.1 * 215 / 210 - 1)
    assert result.warnings == ()


def test_zero_denominator_day_is_skipped_with_a_warning():
    values = pd.Series([100.0, 0.0, 0.0, 50.0, 55.0], index=pd.bdate_range("2024-01-01", periods=5))
    flows = {D(2024, 1, 2): -100, D(2024, 1, 4): 50}
    result = time_weighted_return(values, flows)
    # day 2: (0+100)/100-1 = 0; day 3: 0/(0+0) undefined -> skipped; day 4: 50/(0+50)-1 = 0; day 5: +10 %
    assert result.total_return == pytest.approx(0.1)
    assert [w.code for w in result.warnings] == ["zero-denominator"]
    assert result.warnings[0].date == D(2024, 1, 3)
    assert np.isfinite(result.growth).all()


def test_flow_on_first_day_is_ignored_with_a_warning_and_unknown_day_is_an_error():
    values = pd.Series([100.0, 101.0], index=pd.bdate_range("2024-01-01", periods=2))
    result = time_weighted_return(values, {D(2024, 1, 1): 100})
    assert result.total_return == pytest.approx(0.01)
    assert result.warnings[0].code == "flow-in-opening-value"
    with pytest.raises(AnalyticsInputError, match="no valuation"):
        time_weighted_return(values, {D(2024, 1, 6): 100})


def test_decimal_values_are_accepted():
    values = pd.Series([Decimal("100.00"), Decimal("102.50")], index=[D(2024, 1, 1), D(2024, 1, 2)])
    assert time_weighted_return(values).total_return == pytest.approx(0.025)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (pd.Series([1.0, np.nan], index=[D(2024, 1, 1), D(2024, 1, 2)]), "missing or infinite"),
        (pd.Series([1.0, 2.0], index=[D(2024, 1, 1), D(2024, 1, 1)]), "more than one value"),
        (pd.Series([1.0], index=[D(2024, 1, 1)]), "at least two"),
    ],
)
def test_bad_series_are_clear_errors(values, message):
    with pytest.raises(AnalyticsInputError, match=message):
        time_weighted_return(values)


@given(st.lists(st.floats(min_value=0.01, max_value=1e6), min_size=2, max_size=60))
def test_twr_without_flows_is_end_over_start(values):
    series = pd.Series(values, index=pd.bdate_range("2020-01-01", periods=len(values)))
    assert time_weighted_return(series).total_return == pytest.approx(values[-1] / values[0] - 1, rel=1e-9)


# ---------- Modified Dietz ---------------------------------------------------------------------------


def test_modified_dietz_by_hand():
    # CD = 30 days, inflow of 100 on day 10 weighs (30 - 10 + 1) / 30 = 0.7:
    # R = (1200 - 1000 - 100) / (1000 + 0.7 * 100) = 100 / 1070
    result = modified_dietz(
        Decimal(1000), Decimal(1200), [(D(2024, 1, 11), Decimal(100))], D(2024, 1, 1), D(2024, 1, 31)
    )
    assert result.value == pytest.approx(100 / 1070)
    # an outflow of 100 on the same day weighs (30 - 10) / 30: R = (1200 - 1000 + 100) / (1000 - 66.67)
    result = modified_dietz(1000, 1200, [(D(2024, 1, 11), -100)], D(2024, 1, 1), D(2024, 1, 31))
    assert result.value == pytest.approx(300 / (1000 - 100 * 20 / 30))


def test_modified_dietz_zero_capital_is_a_warning_not_an_error():
    result = modified_dietz(0, 0, [], D(2024, 1, 1), D(2024, 1, 31))
    assert result.value is None
    assert result.warnings[0].code == "zero-denominator"


def test_modified_dietz_rejects_flows_outside_the_period():
    with pytest.raises(AnalyticsInputError, match="outside the period"):
        modified_dietz(100, 100, [(D(2024, 2, 1), 1)], D(2024, 1, 1), D(2024, 1, 31))


@given(
    begin=st.floats(min_value=1, max_value=1e6),
    end=st.floats(min_value=0, max_value=1e6),
    inflow=st.floats(min_value=0, max_value=1e6),
    outflow=st.floats(min_value=0, max_value=1e6),
)
def test_single_day_modified_dietz_equals_the_twr_day(begin, end, inflow, outflow):
    day0, day1 = D(2024, 3, 4), D(2024, 3, 5)
    values = pd.Series([begin, end], index=[day0, day1])
    flows = pd.Series([inflow, -outflow], index=[day1, day1])
    twr = time_weighted_return(values, flows).total_return
    dietz = modified_dietz(begin, end, [(day1, inflow), (day1, -outflow)], day0, day1).value
    assert dietz == pytest.approx(twr, rel=1e-9, abs=1e-12)


# ---------- drawdown, ratios, months -----------------------------------------------------------------


def test_drawdown_peak_trough_recovery_by_hand():
    index = pd.bdate_range("2024-01-01", periods=7)
    report = compute_metrics(pd.Series([100, 120, 90, 100, 120, 130, 125.0], index=index))
    dd = report.max_drawdown
    assert dd.depth == pytest.approx(90 / 120 - 1)
    assert (dd.peak, dd.trough, dd.recovery) == (D(2024, 1, 2), D(2024, 1, 3), D(2024, 1, 5))


def test_drawdown_without_recovery_and_without_drawdown():
    index = pd.bdate_range("2024-01-01", periods=4)
    dd = compute_metrics(pd.Series([100, 120, 90, 110.0], index=index)).max_drawdown
    assert (dd.peak, dd.trough, dd.recovery) == (D(2024, 1, 2), D(2024, 1, 3), None)
    rising = compute_metrics(pd.Series([100, 101, 102, 103.0], index=index))
    assert rising.max_drawdown.depth == 0.0
    assert rising.max_drawdown.peak is None
    assert rising.calmar is None


def test_recovery_to_exactly_the_peak_counts_despite_float_noise():
    index = pd.bdate_range("2024-01-01", periods=5)
    flows_path = compute_metrics(pd.Series([1.0, 1.1, 0.7, 0.9, 1.1], index=index))
    assert flows_path.max_drawdown.recovery == D(2024, 1, 5)


def test_compute_metrics_matches_loop_reference():
    nav = random_nav(7)
    dates = [d.date() for d in nav.index]
    values = nav.to_list()
    expected = loop_stats(dates, values, rf=0.02)
    report = compute_metrics(nav, risk_free=0.02)
    assert report.total_return == pytest.approx(expected["total"], rel=1e-9)
    assert report.annualised_return == pytest.approx(expected["annual"], rel=1e-9)
    assert report.annualised_volatility == pytest.approx(expected["vol"], rel=1e-9)
    assert report.sharpe == pytest.approx(expected["sharpe"], rel=1e-9)
    assert report.sortino == pytest.approx(expected["sortino"], rel=1e-9)
    assert report.max_drawdown.depth == pytest.approx(expected["mdd"], rel=1e-9)
    assert report.calmar == pytest.approx(expected["calmar"], rel=1e-9)
    _, peak, trough, recovery = loop_drawdown(values)
    assert report.max_drawdown.peak == dates[peak]
    assert report.max_drawdown.trough == dates[trough]
    assert report.max_drawdown.recovery == (None if recovery is None else dates[recovery])
    months = loop_months(dates, values)
    best = max(months, key=months.get)
    worst = min(months, key=months.get)
    assert (report.best_month.month.year, report.best_month.month.month) == best
    assert report.best_month.value == pytest.approx(months[best])
    assert (report.worst_month.month.year, report.worst_month.month.month) == worst


def test_benchmark_statistics_match_loop_reference():
    nav, bench = random_nav(1), random_nav(2)
    report = compute_metrics(nav, benchmark=bench)
    r, b = loop_returns(nav.to_list()), loop_returns(bench.to_list())
    active = [x - y for x, y in zip(r, b, strict=True)]
    te = statistics.stdev(active) * math.sqrt(252)
    mean_r, mean_b = statistics.fmean(r), statistics.fmean(b)
    cov = sum((x - mean_r) * (y - mean_b) for x, y in zip(r, b, strict=True)) / (len(r) - 1)
    years = (nav.index[-1] - nav.index[0]).days / 365
    bench_annual = (bench.iloc[-1] / bench.iloc[0]) ** (1 / years) - 1
    comparison = report.benchmark
    assert comparison.tracking_error == pytest.approx(te, rel=1e-9)
    assert comparison.beta == pytest.approx(cov / statistics.variance(b), rel=1e-9)
    assert comparison.correlation == pytest.approx(cov / statistics.stdev(r) / statistics.stdev(b), rel=1e-9)
    assert comparison.information_ratio == pytest.approx(statistics.fmean(active) * 252 / te, rel=1e-9)
    assert comparison.excess_return == pytest.approx(report.annualised_return - bench_annual, rel=1e-9)


def test_benchmark_against_itself_and_partial_overlap():
    nav = random_nav(3)
    same = compute_metrics(nav, benchmark=nav).benchmark
    assert same.beta == pytest.approx(1.0)
    assert same.correlation == pytest.approx(1.0)
    assert same.tracking_error == pytest.approx(0.0, abs=1e-12)
    assert same.information_ratio is None  # zero tracking error: undefined, not inf
    short = compute_metrics(nav, benchmark=nav.iloc[100:])
    assert short.benchmark.start == nav.index[100].date()
    assert "benchmark-period" in [w.code for w in short.warnings]
    none = compute_metrics(nav, benchmark=nav.iloc[:2])
    assert none.benchmark is None
    assert "benchmark-overlap" in [w.code for w in none.warnings]


def test_constant_nav_has_undefined_ratios_not_nan():
    report = compute_metrics(pd.Series(100.0, index=pd.bdate_range("2024-01-01", periods=30)))
    assert report.annualised_volatility == 0.0
    assert report.sharpe is None
    assert report.sortino is None


def test_monthly_table_by_hand():
    nav = pd.Series(
        [100.0, 110.0, 99.0, 108.9, 119.79],
        index=pd.to_datetime(["2023-11-15", "2023-11-30", "2023-12-29", "2024-01-31", "2024-02-10"]),
    )
    table = monthly_table(nav)
    assert list(table.columns) == [
        "Jan",
        "Feb",
        "Mar",
        "Apr",
        "May",
        "Jun",
        "Jul",
        "Aug",
        "Sep",
        "Oct",
        "Nov",
        "Dec",
        "YTD",
    ]
    assert table.loc[2023, "Nov"] == pytest.approx(0.10)  # partial first month, from 15 Nov
    assert table.loc[2023, "Dec"] == pytest.approx(-0.10)
    assert table.loc[2023, "YTD"] == pytest.approx(99 / 100 - 1)
    assert table.loc[2024, "Jan"] == pytest.approx(0.10)
    assert table.loc[2024, "YTD"] == pytest.approx(119.79 / 99 - 1)
    assert math.isnan(table.loc[2024, "Mar"])


def test_period_returns_as_of():
    nav = pd.Series(
        [100.0, 104.0, 110.0, 121.0, 125.0],
        index=pd.to_datetime(["2022-06-30", "2022-12-30", "2023-06-30", "2023-12-29", "2024-03-15"]),
    )
    results = {p.period: p for p in period_returns(nav, D(2024, 3, 15))}
    assert results[Period.YEAR_TO_DATE].cumulative == pytest.approx(125 / 121 - 1)
    assert results[Period.YEAR_TO_DATE].start == D(2023, 12, 29)
    # 1Y anchor 2023-03-15 -> last value on or before it is 2022-12-30
    assert results[Period.ONE_YEAR].cumulative == pytest.approx(125 / 104 - 1)
    assert results[Period.THREE_YEARS].cumulative is None  # history too short: not silently shorter
    inception = results[Period.SINCE_INCEPTION]
    assert inception.cumulative == pytest.approx(0.25)
    days = (D(2024, 3, 15) - D(2022, 6, 30)).days
    assert inception.annualised == pytest.approx(1.25 ** (365 / days) - 1)
    assert results[Period.MONTH_TO_DATE].annualised is None


def test_flows_change_the_report_to_time_weighted():
    values = pd.Series([100.0, 110.0, 220.0, 231.0], index=pd.bdate_range("2024-01-01", periods=4))
    report = compute_metrics(values, flows={D(2024, 1, 3): 100})
    assert report.total_return == pytest.approx(1.1 * 220 / 210 * 1.05 - 1)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(min_value=0.5, max_value=2.0), min_size=3, max_size=80))
def test_drawdown_is_never_positive_and_matches_loop(values):
    series = pd.Series(values, index=pd.bdate_range("2020-01-01", periods=len(values)))
    dd = compute_metrics(series).max_drawdown
    assert dd.depth <= 0.0
    depth = loop_drawdown(values)[0]
    assert dd.depth == pytest.approx(depth, abs=1e-12)
    if dd.peak is not None:
        assert dd.peak < dd.trough
        assert dd.recovery is None or dd.recovery > dd.trough


# ---------- batch ------------------------------------------------------------------------------------


def test_batch_agrees_with_single_fund_reports():
    navs = np.vstack([random_nav(seed, days=600).to_numpy() for seed in range(5)])
    dates = random_nav(0, days=600).index
    bench = random_nav(99, days=600).to_numpy()
    batch = batch_metrics(navs, dates, benchmark=bench, risk_free=0.01)
    for row in range(5):
        report = compute_metrics(
            pd.Series(navs[row], index=dates), benchmark=pd.Series(bench, index=dates), risk_free=0.01
        )
        assert batch.sharpe[row] == pytest.approx(report.sharpe)
        assert batch.max_drawdown[row] == pytest.approx(report.max_drawdown.depth)
        assert dates[batch.drawdown_trough[row]].date() == report.max_drawdown.trough
        assert batch.best_month[row] == pytest.approx(report.best_month.value)
        assert batch.benchmark.beta[row] == pytest.approx(report.benchmark.beta)


def test_batch_rejects_gaps_and_shape_mismatch():
    dates = pd.bdate_range("2024-01-01", periods=3)
    with pytest.raises(AnalyticsInputError, match="finite and positive"):
        batch_metrics(np.array([[1.0, np.nan, 1.0]]), dates)
    with pytest.raises(AnalyticsInputError, match="columns"):
        batch_metrics(np.ones((2, 4)), dates)


# ---------- periods shorter than a year are never annualised (issue 11) ------------------------------------


def test_a_month_is_shown_unannualised_with_a_note():
    # 4.2 % in 28 days: annualising it would show about 71 %; the report gives the period return only.
    navs = {D(2026, 2, 2): Decimal("100.0000"), D(2026, 2, 16): Decimal("101.5000"), D(2026, 3, 2): Decimal("104.2000")}
    report = compute_metrics(navs)
    assert report.total_return == pytest.approx(104.2 / 100.0 - 1.0, abs=1e-12)
    assert report.annualised_return is None
    assert report.calmar is None
    assert any(w.code == "short-period" and "28 days" in w.message for w in report.warnings)


def test_a_year_or_more_is_annualised_actual_365():
    navs = {D(2024, 1, 1): 100.0, D(2024, 7, 1): 90.0, D(2025, 6, 1): 130.0}
    report = compute_metrics(navs)
    days = (D(2025, 6, 1) - D(2024, 1, 1)).days
    assert report.annualised_return == pytest.approx((130.0 / 100.0) ** (365.0 / days) - 1.0, rel=1e-12)
    assert report.calmar == pytest.approx(report.annualised_return / (1 - 90.0 / 100.0), rel=1e-12)
    assert not any(w.code == "short-period" for w in report.warnings)


def test_short_period_excess_return_compares_period_returns():
    navs = {D(2026, 1, 5): 100.0, D(2026, 1, 6): 101.0, D(2026, 2, 5): 103.0}
    bench = {D(2026, 1, 5): 50.0, D(2026, 1, 6): 50.5, D(2026, 2, 5): 51.0}
    comparison = compute_metrics(navs, benchmark=bench).benchmark
    assert comparison is not None
    assert comparison.benchmark_annualised_return is None
    assert comparison.excess_return == pytest.approx((1.03 - 1) - (51.0 / 50.0 - 1), abs=1e-12)
