"""Money-weighted return (XIRR) of dated cash flows, actual/365 like the spreadsheet XIRR.

NPV(r) = sum c_i / (1 + r) ** ((d_i - d_0) / 365), d_0 the earliest date. Newton's method
from ``guess`` is tried first (fast, and it finds the root a spreadsheet finds); if it
diverges or leaves r > -1, the root is bracketed on a grid and bisected, which cannot fail
once a sign change of NPV is found.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np

from fidus_desktop.domain.analytics.conventions import DAYS_PER_YEAR
from fidus_desktop.domain.analytics.series import to_float
from fidus_desktop.errors import UserError

RATE_TOLERANCE = 1e-12
_MAX_NEWTON_STEPS = 100
# Candidate rates scanned for a sign change of NPV when Newton fails: fine near 0, wide above.
_GRID = np.concatenate(
    (-1.0 + np.logspace(-9, 0, 50)[:-1], np.linspace(0.0, 1.0, 41), np.logspace(0.1, 6, 60))
)


class XirrError(UserError, ValueError):
    """The cash flows have no internal rate of return (or it cannot be found)."""


def _npv(rate: float, times: np.ndarray, amounts: np.ndarray) -> float:
    with np.errstate(over="ignore", invalid="ignore"):
        return float(np.sum(amounts * np.power(1.0 + rate, -times)))


def _newton(guess: float, times: np.ndarray, amounts: np.ndarray) -> float | None:
    rate = guess
    for _ in range(_MAX_NEWTON_STEPS):
        with np.errstate(over="ignore", invalid="ignore"):
            factors = np.power(1.0 + rate, -times)
            value = float(np.sum(amounts * factors))
            slope = float(np.sum(-times * amounts * factors / (1.0 + rate)))
        if slope == 0.0 or not np.isfinite(slope) or not np.isfinite(value):
            return None
        step = value / slope
        rate -= step
        if not np.isfinite(rate) or rate <= -1.0:
            return None
        if abs(step) < RATE_TOLERANCE * max(1.0, abs(rate)):
            return rate
    return None


def _bisect(low: float, high: float, times: np.ndarray, amounts: np.ndarray) -> float:
    low_value = _npv(low, times, amounts)
    while high - low > RATE_TOLERANCE * max(1.0, abs(low)):
        middle = (low + high) / 2.0
        middle_value = _npv(middle, times, amounts)
        if middle_value == 0.0:
            return middle
        if (middle_value > 0) == (low_value > 0):
            low, low_value = middle, middle_value
        else:
            high = middle
    return (low + high) / 2.0


def xirr(flows: Iterable[tuple[dt.date, object]], *, guess: float = 0.1) -> float:
    """Annual internal rate of return of ``(date, amount)`` flows (negative = money paid in).

    Amounts may be Decimal, Money, int or float; several flows may share a date.
    Raises ``XirrError`` when there is no sign change or no root.
    """
    pairs = [(day, to_float(amount, "cash flow")) for day, amount in flows]
    if len(pairs) < 2:
        raise XirrError("XIRR needs at least two cash flows (an investment and a return).")
    amounts = np.array([amount for _, amount in pairs])
    if not (amounts > 0).any() or not (amounts < 0).any():
        raise XirrError(
            "XIRR needs at least one negative cash flow (money invested) and one positive cash flow "
            "(money returned); these flows have no sign change, so no rate makes their value zero."
        )
    first = min(day for day, _ in pairs)
    times = np.array([(day - first).days / DAYS_PER_YEAR for day, _ in pairs])
    rate = _newton(guess, times, amounts)
    if rate is not None:
        return rate
    values = np.array([_npv(r, times, amounts) for r in _GRID])
    changes = np.flatnonzero(np.sign(values[:-1]) * np.sign(values[1:]) <= 0)
    if changes.size == 0:
        raise XirrError(
            "No rate between -99.9999999 % and 1,000,000 % makes the net present value of these cash "
            "flows zero; check the signs and dates of the flows."
        )
    start = int(changes[0])
    return _bisect(float(_GRID[start]), float(_GRID[start + 1]), times, amounts)
