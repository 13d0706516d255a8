"""Standard reporting periods (MTD, YTD, 1Y, 3Y, 5Y, since inception) as of a given date.

A period's return runs from the last valuation on or before its anchor date (e.g. the
previous year end for YTD, the same date one year earlier for 1Y) to the last valuation
on or before the as-of date. If the history starts after the anchor, the return is not
available (None) rather than silently shorter; returns are annualised only over a year
or more, as GIPS requires.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

import pandas as pd

from fidus_desktop.domain.analytics.conventions import DAYS_PER_YEAR
from fidus_desktop.domain.analytics.returns import annualise
from fidus_desktop.domain.analytics.series import to_float_series


class Period(StrEnum):
    MONTH_TO_DATE = "MTD"
    YEAR_TO_DATE = "YTD"
    ONE_YEAR = "1Y"
    THREE_YEARS = "3Y"
    FIVE_YEARS = "5Y"
    SINCE_INCEPTION = "Since inception"


_YEARS = {Period.ONE_YEAR: 1, Period.THREE_YEARS: 3, Period.FIVE_YEARS: 5}


@dataclass(frozen=True, slots=True)
class PeriodReturn:
    """Cumulative (and, over a year or more, annualised) return between two valuation dates."""

    period: Period
    start: dt.date | None
    end: dt.date | None
    cumulative: float | None
    annualised: float | None
    label: str | None = None  # shown instead of the period's name (e.g. "Since 2026-02-02" for a chosen start)

    @property
    def name(self) -> str:
        return self.label or self.period.value


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a non-leap year
        return day.replace(year=day.year - years, day=28)


def anchor_date(period: Period, as_of: dt.date, inception: dt.date) -> dt.date:
    """The date whose closing value is the base of ``period`` as of ``as_of``."""
    if period is Period.MONTH_TO_DATE:
        return as_of.replace(day=1) - dt.timedelta(days=1)
    if period is Period.YEAR_TO_DATE:
        return dt.date(as_of.year - 1, 12, 31)
    if period is Period.SINCE_INCEPTION:
        return inception
    return _years_before(as_of, _YEARS[period])


def period_return(growth: pd.Series, period: Period, as_of: dt.date) -> PeriodReturn:
    """Return of ``period`` as of ``as_of`` from a NAV per unit or a growth index.

    For a portfolio with cash flows pass ``time_weighted_return(values, flows).growth``.
    """
    growth = to_float_series(growth, "NAV")
    index = pd.DatetimeIndex(growth.index)
    anchor = anchor_date(period, as_of, index[0].date())
    base = index.searchsorted(pd.Timestamp(anchor), side="right") - 1
    end = index.searchsorted(pd.Timestamp(as_of), side="right") - 1
    if base < 0 or end <= base:
        return PeriodReturn(period, None, None, None, None)
    values = growth.to_numpy()
    cumulative = float(values[end] / values[base] - 1.0)
    start_day, end_day = index[base].date(), index[end].date()
    days = (end_day - start_day).days
    annualised = annualise(cumulative, days) if days >= DAYS_PER_YEAR else None
    return PeriodReturn(period, start_day, end_day, cumulative, annualised)


def period_returns(growth: pd.Series, as_of: dt.date) -> tuple[PeriodReturn, ...]:
    """Every standard period as of ``as_of``, in display order."""
    growth = to_float_series(growth, "NAV")
    return tuple(period_return(growth, period, as_of) for period in Period)
