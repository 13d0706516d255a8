"""Reporting periods: quarters and months to date ranges, and clear refusals."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fidus_desktop.reports.periods import PeriodError, parse_period

years = st.integers(1900, 2999)


@given(years, st.integers(1, 4))
def test_a_quarter_covers_its_three_months_exactly(year: int, quarter: int) -> None:
    period = parse_period(f"{year}-Q{quarter}")
    assert period.label == f"{year}-Q{quarter}"
    assert period.start == date(year, 3 * quarter - 2, 1)
    next_start = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    assert period.end + timedelta(days=1) == next_start


@given(years, st.integers(1, 12))
def test_a_month_covers_its_days(year: int, month: int) -> None:
    period = parse_period(f" {year}-{month:02d} ")
    assert (period.start, period.end) == (date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))


@given(years, st.integers(1, 4))
def test_the_quarters_of_a_year_tile_it(year: int, quarter: int) -> None:
    if quarter < 4:
        following = parse_period(f"{year}-Q{quarter + 1}")
        assert parse_period(f"{year}-Q{quarter}").end + timedelta(days=1) == following.start


@given(st.text(max_size=12).filter(lambda t: not t.strip()[:4].isdigit()))
def test_other_text_is_refused_with_the_formats_named(text: str) -> None:
    with pytest.raises(PeriodError, match="YYYY-Qn"):
        parse_period(text)


@pytest.mark.parametrize(("text", "message"), [
    ("2025-13", "month .* must be 01 to 12"), ("2025-00", "01 to 12"), ("2025-Q5", "YYYY-Qn"),
    ("0999-Q1", "year .* between 1900"), ("25-Q1", "YYYY-Qn"), ("2025-7", "YYYY-MM"), ("2025Q1", "YYYY-Qn"),
])
def test_near_misses_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(PeriodError, match=message):
        parse_period(text)


def test_lower_case_q_is_accepted() -> None:
    assert parse_period("2024-q2").label == "2024-Q2"
