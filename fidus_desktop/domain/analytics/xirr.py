"""Money-weighted return (XIRR) of dated cash flows, actual/365 like the spreadsheet XIRR.

NPV(r) = sum c_i / (1 + r) ** ((d_i - d_0) / 365), d_0 the earliest date. Flows of one date are
netted first: only what changes hands between dates has a rate. Flows that net to zero on every
date (a break-even deal settled the same day) earn exactly 0 %; netted flows without both signs
have no rate. Newton's method from ``guess`` is tried next (fast, and it finds the root a
spreadsheet finds); if it diverges or leaves r > -1, the root is bracketed on a grid and bisected.
Only a strict change of sign between grid points counts as a crossing: an NPV that underflows to
0.0 at a huge rate is not a root.
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


_NET_ZERO = 1e-12  # a date's net flow below this fraction of the largest flow is float noise, i.e. zero


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


def _is_root(rate: float, times: np.ndarray, amounts: np.ndarray) -> bool:
    """An exact zero of NPV that is not underflow: every discounted flow is still representable."""
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        discounted = amounts * np.power(1.0 + rate, -times)
    return bool(np.all(np.abs(discounted) > 0.0) and np.all(np.isfinite(discounted)))


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
    given = [(day, to_float(amount, "cash flow")) for day, amount in flows]
    if len(given) < 2:
        raise XirrError("XIRR needs at least two cash flows (an investment and a return).")
    netted: dict[dt.date, float] = {}
    for day, amount in given:
        netted[day] = netted.get(day, 0.0) + amount
    scale = max(abs(amount) for _, amount in given)
    pairs = [(day, amount) for day, amount in netted.items() if abs(amount) > _NET_ZERO * scale]
    if not pairs:
        return 0.0  # every date nets to zero: nothing gained, nothing lost
    amounts = np.array([amount for _, amount in pairs])
    if not (amounts > 0).any() or not (amounts < 0).any():
        raise XirrError(
            "XIRR needs at least one negative cash flow (money invested) and one positive cash flow "
            "(money returned) once the flows of each date are netted; these flows have no sign change, so no rate "
            "makes their value zero."
        )
    first = min(day for day, _ in pairs)
    times = np.array([(day - first).days / DAYS_PER_YEAR for day, _ in pairs])
    rate = _newton(guess, times, amounts)
    if rate is not None:
        return rate
    values = np.array([_npv(r, times, amounts) for r in _GRID])
    for exact in _GRID[values == 0.0]:
        if _is_root(float(exact), times, amounts):
            return float(exact)
    changes = np.flatnonzero(np.sign(values[:-1]) * np.sign(values[1:]) < 0)
    if changes.size == 0:
        raise XirrError(
            "No rate between -99.9999999 % and 1,000,000 % makes the net present value of these cash "
            "flows zero; check the signs and dates of the flows."
        )
    start = int(changes[0])
    return _bisect(float(_GRID[start]), float(_GRID[start + 1]), times, amounts)
