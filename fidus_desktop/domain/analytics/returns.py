"""Time-weighted (daily chain-linked) and Modified Dietz returns with external cash flows.

Flow timing, the same in both methods: an inflow (positive flow, e.g. a subscription) is
invested at the START of its day, an outflow (negative flow, e.g. a redemption) leaves at
the END of its day. Values are end-of-day market values in the base currency, after that
day's flows. Flows on the first valuation date are already in the opening value and are
ignored with a warning.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from fidus_desktop.domain.analytics.conventions import DAYS_PER_YEAR, AnalyticsWarning
from fidus_desktop.domain.analytics.series import AnalyticsInputError, to_float, to_float_series


@dataclass(frozen=True, slots=True)
class TwrResult:
    """A chain-linked return, the daily returns it links and the growth index (1.0 at the start)."""

    total_return: float
    daily_returns: pd.Series
    growth: pd.Series
    warnings: tuple[AnalyticsWarning, ...]


@dataclass(frozen=True, slots=True)
class ReturnResult:
    """A return that may be undefined (``value`` None), with the warnings that explain why."""

    value: float | None
    warnings: tuple[AnalyticsWarning, ...]


def _opening_flow_warning(day: dt.date) -> AnalyticsWarning:
    return AnalyticsWarning(
        "flow-in-opening-value",
        f"The cash flow on {day.isoformat()} is on the first valuation date, so it is already in the "
        "opening value; it was ignored.",
        day,
    )


def _split_flows(
    flows: pd.Series | Mapping | None, index: pd.DatetimeIndex
) -> tuple[np.ndarray, np.ndarray, list[AnalyticsWarning]]:
    """Gross inflows and outflows per valuation date (outflows as positive amounts)."""
    inflow = np.zeros(len(index))
    outflow = np.zeros(len(index))
    if flows is None or len(flows) == 0:
        return inflow, outflow, []
    series = to_float_series(flows, "cash flows", allow_same_day=True)
    warnings: list[AnalyticsWarning] = []
    positions = index.get_indexer(series.index)
    missing = series.index[positions < 0]
    if len(missing):
        days = ", ".join(d.date().isoformat() for d in missing[:5])
        raise AnalyticsInputError(
            f"Cash flows on {days} have no valuation on that day; add the valuation or move the flow "
            "to a valuation date."
        )
    for position, amount in zip(positions, series.to_numpy(), strict=True):
        if position == 0:
            warnings.append(_opening_flow_warning(index[0].date()))
        elif amount >= 0:
            inflow[position] += amount
        else:
            outflow[position] -= amount
    return inflow, outflow, warnings


def time_weighted_return(values: pd.Series | Mapping, flows: pd.Series | Mapping | None = None) -> TwrResult:
    """Chain-link daily returns r_t = (MV_t + OUT_t) / (MV_{t-1} + IN_t) - 1.

    A day whose denominator is zero or negative (an empty fund and no inflow) has no
    defined return: it is skipped (linked as 0 %) and reported as a warning, so the
    total stays finite and the user sees which days were left out.
    """
    series = to_float_series(values, "values")
    if len(series) < 2:
        raise AnalyticsInputError("A return needs at least two valuations (a start and an end).")
    inflow, outflow, warnings = _split_flows(flows, pd.DatetimeIndex(series.index))
    mv = series.to_numpy()
    numerator = mv[1:] + outflow[1:]
    denominator = mv[:-1] + inflow[1:]
    undefined = denominator <= 0
    # Link the ratios themselves: 1 + (ratio - 1) would lose digits on a near -100 % day.
    ratios = np.divide(numerator, denominator, out=np.ones_like(numerator), where=~undefined)
    daily = ratios - 1.0
    for position in np.flatnonzero(undefined):
        day = series.index[int(position) + 1].date()
        warnings.append(
            AnalyticsWarning(
                "zero-denominator",
                f"No return on {day.isoformat()}: the previous value plus that day's inflows is "
                f"{denominator[position]:g}, so the day was skipped (linked as 0 %).",
                day,
            )
        )
    growth = np.concatenate(([1.0], np.cumprod(ratios)))
    return TwrResult(
        total_return=float(growth[-1] - 1.0),
        daily_returns=pd.Series(daily, index=series.index[1:], name="daily return"),
        growth=pd.Series(growth, index=series.index, name="growth"),
        warnings=tuple(warnings),
    )


def modified_dietz(
    begin_value: object,
    end_value: object,
    flows: Iterable[tuple[dt.date, object]],
    start: dt.date,
    end: dt.date,
) -> ReturnResult:
    """Return (EMV - BMV - sum CF) / (BMV + sum w_i CF_i) for a period without daily values.

    ``start`` and ``end`` are the dates of the opening and closing valuations (end of day).
    With CD = end - start in days and D_i = flow date - start, an inflow weighs
    (CD - D_i + 1) / CD and an outflow (CD - D_i) / CD, which matches the TWR timing: over
    a single day both methods give the same return.
    """
    if end <= start:
        raise AnalyticsInputError(f"The period end {end} must be after its start {start}.")
    bmv = to_float(begin_value, "opening value")
    emv = to_float(end_value, "closing value")
    total_days = (end - start).days
    warnings: list[AnalyticsWarning] = []
    net_flow = 0.0
    weighted = 0.0
    for day, raw_amount in flows:
        amount = to_float(raw_amount, "cash flow")
        if day < start or day > end:
            raise AnalyticsInputError(f"The cash flow on {day} is outside the period {start} to {end}.")
        if day == start:
            warnings.append(_opening_flow_warning(day))
            continue
        elapsed = (day - start).days
        weight = (total_days - elapsed + (1 if amount >= 0 else 0)) / total_days
        net_flow += amount
        weighted += weight * amount
    denominator = bmv + weighted
    if denominator <= 0:
        warnings.append(
            AnalyticsWarning(
                "zero-denominator",
                f"No Modified Dietz return for {start} to {end}: the average capital is {denominator:g}.",
                start,
            )
        )
        return ReturnResult(None, tuple(warnings))
    return ReturnResult((emv - bmv - net_flow) / denominator, tuple(warnings))


def annualise(total_return: float, days: int) -> float | None:
    """Compound a return earned over ``days`` calendar days to one year: (1 + R) ** (365 / days) - 1."""
    if days <= 0:
        return None
    return float((1.0 + total_return) ** (DAYS_PER_YEAR / days) - 1.0)
