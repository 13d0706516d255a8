"""Conventions shared by every analytics calculation, and the warning type they return.

Money stays ``Decimal`` everywhere upstream; statistics are ratios, so NAVs and flows
are converted to float exactly once, on entry to this package (see ``series.py``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

#: Observations per year used to annualise daily volatility, Sharpe, Sortino and
#: tracking error: fund NAVs are struck on business days.
TRADING_DAYS_PER_YEAR = 252
#: Calendar days per year used to annualise returns over a date range (actual/365),
#: the same day count as XIRR and Modified Dietz.
DAYS_PER_YEAR = 365
#: Float round-off threshold: growth levels within this relative distance are equal (a
#: NAV back exactly at its peak is a recovery), and a volatility, downside deviation or
#: tracking error below it is zero (the ratio dividing by it is undefined, not huge).
FLOAT_NOISE = 1e-12


@dataclass(frozen=True, slots=True)
class AnalyticsWarning:
    """Something the user must know about a figure: returned with it, never raised or hidden."""

    code: str
    message: str
    date: dt.date | None = None
