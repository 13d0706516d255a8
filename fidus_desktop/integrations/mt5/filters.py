"""How the package reads ``group`` masks and date arguments, shared by the test-double terminals."""

from __future__ import annotations

import calendar
import fnmatch
from datetime import datetime


def group_matches(symbol: str, group: str) -> bool:
    """MT5 ``group`` filter: comma-separated masks with ``*``; a leading ``!`` excludes.

    A symbol is selected when it matches at least one inclusion mask and no exclusion mask.
    """
    masks = [m.strip() for m in group.split(",") if m.strip()]
    includes = [m for m in masks if not m.startswith("!")]
    excludes = [m[1:] for m in masks if m.startswith("!")]
    return any(fnmatch.fnmatchcase(symbol, m) for m in includes) and not any(
        fnmatch.fnmatchcase(symbol, m) for m in excludes
    )


def date_seconds(value: datetime | int) -> int:
    """A date argument as server seconds: ints as given, naive datetimes as server wall time,
    aware datetimes by their POSIX timestamp (our reading of what the package does with them;
    :class:`~.session.Mt5Session` sidesteps the question by always passing integers)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return calendar.timegm(value.timetuple())
        return int(value.timestamp())
    return int(value)
