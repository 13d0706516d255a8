"""Normalise user series (NAV, benchmark, flows) to float pandas Series on a DatetimeIndex.

This is the single place where Decimal money becomes float for statistics.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal

import numpy as np
import pandas as pd

from fidus_desktop.domain.money import Money
from fidus_desktop.errors import UserError


class AnalyticsInputError(UserError, ValueError):
    """A NAV, benchmark or flow series that cannot be analysed as given."""


def to_float(value: object, what: str) -> float:
    """Convert one Decimal, Money, int or float to a finite float, else raise with ``what`` named."""
    if isinstance(value, Money):
        value = value.amount
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | np.number):
        raise AnalyticsInputError(f"The {what} value {value!r} is not a number.")
    result = float(value)
    if not math.isfinite(result):
        raise AnalyticsInputError(f"The {what} has a missing or infinite value ({value!r}); fill or drop it.")
    return result


def to_float_series(values: pd.Series | Mapping, what: str, *, allow_same_day: bool = False) -> pd.Series:
    """Return ``values`` as a float Series on a sorted DatetimeIndex (dates or datetimes accepted).

    Two values on one day are an error (a NAV is struck once a day) unless ``allow_same_day``
    (cash flows: several subscriptions may settle on one day).
    """
    series = pd.Series(values) if not isinstance(values, pd.Series) else values
    try:
        index = pd.DatetimeIndex(pd.to_datetime(series.index)).normalize()
    except (TypeError, ValueError) as exc:
        raise AnalyticsInputError(f"The {what} index must hold dates: {exc}") from None
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        floats = series.to_numpy(dtype=float)
        if not np.isfinite(floats).all():
            raise AnalyticsInputError(f"The {what} has missing or infinite values; fill or drop them.")
    else:
        floats = np.asarray([to_float(v, what) for v in series.to_numpy(dtype=object)], dtype=float)
    result = pd.Series(floats, index=index, name=what)
    if index.has_duplicates and not allow_same_day:
        dupes = sorted({d.date().isoformat() for d in index[index.duplicated()]})
        raise AnalyticsInputError(
            f"The {what} has more than one value on {', '.join(dupes[:5])}; keep one per day."
        )
    return result.sort_index(kind="stable")
