"""Calendar-month and calendar-year returns from a growth index.

A month's return runs from the last observation of the previous month to the last
observation of the month; the first month runs from the first observation, so it may be
a partial month. A month whose only observation is the first one has no return.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _last_positions(keys: np.ndarray) -> np.ndarray:
    """Positions of the last observation of each run of equal ``keys``, except position 0."""
    ends = np.flatnonzero(np.append(keys[1:] != keys[:-1], True))
    return ends[ends > 0]


def month_end_positions(dates: pd.DatetimeIndex) -> np.ndarray:
    """Positions in ``dates`` of the last observation of every calendar month that has a return."""
    return _last_positions(np.asarray(dates.year * 12 + dates.month))


def year_end_positions(dates: pd.DatetimeIndex) -> np.ndarray:
    """Positions in ``dates`` of the last observation of every calendar year that has a return."""
    return _last_positions(np.asarray(dates.year))


def period_returns_between(levels: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Returns from each end position to the next (the first from position 0), along the last axis."""
    bases = np.concatenate(([0], ends[:-1])).astype(int)
    with np.errstate(divide="ignore", invalid="ignore"):
        return levels[..., ends] / levels[..., bases] - 1.0


def monthly_returns(growth: pd.Series) -> pd.Series:
    """Calendar-month returns indexed by month (``pandas.Period``)."""
    dates = pd.DatetimeIndex(growth.index)
    ends = month_end_positions(dates)
    values = period_returns_between(growth.to_numpy(), ends)
    return pd.Series(values, index=dates[ends].to_period("M"), name="monthly return")


def monthly_table(growth: pd.Series) -> pd.DataFrame:
    """Year × month table of returns plus a ``YTD`` column (the calendar-year return); NaN where no data."""
    dates = pd.DatetimeIndex(growth.index)
    months = monthly_returns(growth)
    table = pd.DataFrame(np.nan, index=sorted(set(dates.year)), columns=[*MONTH_NAMES, "YTD"])
    for period, value in zip(months.index, months, strict=True):  # monthly Periods
        table.loc[period.year, MONTH_NAMES[period.month - 1]] = value
    year_ends = year_end_positions(dates)
    for position, value in zip(year_ends, period_returns_between(growth.to_numpy(), year_ends), strict=True):
        table.loc[dates[position].year, "YTD"] = value
    table.index.name = "year"
    return table
