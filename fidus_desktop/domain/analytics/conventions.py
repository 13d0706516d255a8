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
#: Relative tolerance below which two growth-index levels count as equal, so that a
#: NAV returning exactly to its peak is a recovery despite float round-off.
LEVEL_RTOL = 1e-12


@dataclass(frozen=True, slots=True)
class AnalyticsWarning:
    """Something the user must know about a figure: returned with it, never raised or hidden."""

    code: str
    message: str
    date: dt.date | None = None
