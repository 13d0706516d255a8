"""Reporting periods as people write them: ``2025-Q3`` (a calendar quarter) or ``2025-07`` (a month).

One parser for the CLI, the batch dialog and the statement service, so a period means the same everywhere.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from fidus_desktop.errors import UserError

_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
MIN_YEAR, MAX_YEAR = 1900, 2999


class PeriodError(UserError, ValueError):
    """Text that is not a reporting period; the message says what to write instead."""


@dataclass(frozen=True, slots=True)
class ReportPeriod:
    """A closed date range ``start``..``end`` with the label it was written as (``2025-Q3``)."""

    label: str
    start: date
    end: date


def _year(text: str, original: str) -> int:
    year = int(text)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise PeriodError(f"The year in {original!r} must be between {MIN_YEAR} and {MAX_YEAR}.")
    return year


def parse_period(text: str) -> ReportPeriod:
    """``YYYY-Qn`` → that quarter, ``YYYY-MM`` → that month; anything else is a ``PeriodError``."""
    cleaned = text.strip() if isinstance(text, str) else ""
    if match := _QUARTER.match(cleaned):
        year, quarter = _year(match[1], text), int(match[2])
        first_month = 3 * quarter - 2
        last_month = first_month + 2
        return ReportPeriod(f"{year}-Q{quarter}", date(year, first_month, 1),
                            date(year, last_month, calendar.monthrange(year, last_month)[1]))
    if match := _MONTH.match(cleaned):
        year, month = _year(match[1], text), int(match[2])
        if not 1 <= month <= 12:
            raise PeriodError(f"The month in {text!r} must be 01 to 12.")
        return ReportPeriod(f"{year}-{month:02d}", date(year, month, 1),
                            date(year, month, calendar.monthrange(year, month)[1]))
    raise PeriodError(f"{text!r} is not a period; write a quarter as YYYY-Qn (2025-Q3) or a month as YYYY-MM "
                      "(2025-07).")
