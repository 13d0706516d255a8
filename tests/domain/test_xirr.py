"""XIRR against published spreadsheet examples and a deliberately plain NPV loop."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fidus_desktop.domain.analytics import XirrError, xirr
from fidus_desktop.domain.money import Money


def npv_loop(rate: float, flows: list[tuple[dt.date, float]]) -> float:
    first = min(day for day, _ in flows)
    total = 0.0
    for day, amount in flows:
        total += amount / (1.0 + rate) ** ((day - first).days / 365.0)
    return total


# Microsoft Excel XIRR help page example: =XIRR(values, dates, 0.1) = 0.373362535 (37.34 %).
EXCEL_EXAMPLE = [
    (dt.date(2008, 1, 1), -10000.0),
    (dt.date(2008, 3, 1), 2750.0),
    (dt.date(2008, 10, 30), 4250.0),
    (dt.date(2009, 2, 15), 3250.0),
    (dt.date(2009, 4, 1), 2750.0),
]


def test_excel_documentation_example():
    assert xirr(EXCEL_EXAMPLE) == pytest.approx(0.373362535, abs=1e-8)


def test_published_example_with_unordered_dates():
    # Example of the `xirr` crate docs (docs.rs/xirr), matching LibreOffice Calc: 0.1635371584432641.
    flows = [
        (dt.date(2015, 6, 11), -1000.0),
        (dt.date(2015, 7, 21), -9000.0),
        (dt.date(2018, 6, 10), 20000.0),
        (dt.date(2015, 10, 17), -3000.0),
    ]
    assert xirr(flows) == pytest.approx(0.1635371584432641, abs=1e-9)


def test_result_zeroes_an_independent_npv():
    rate = xirr(EXCEL_EXAMPLE)
    assert abs(npv_loop(rate, EXCEL_EXAMPLE)) < 1e-6


def test_one_year_doubling_is_one_hundred_percent():
    # 365 days apart, actual/365: -100 then +200 is exactly 100 %.
    assert xirr([(dt.date(2021, 1, 1), -100), (dt.date(2022, 1, 1), 200)]) == pytest.approx(1.0, abs=1e-12)


def test_decimal_and_money_amounts_are_accepted():
    flows = [(day, Money.of(str(amount), "EUR")) for day, amount in EXCEL_EXAMPLE[:2]]
    flows += [(day, Decimal(str(amount))) for day, amount in EXCEL_EXAMPLE[2:]]
    assert xirr(flows) == pytest.approx(0.373362535, abs=1e-8)


@pytest.mark.parametrize("guess", [-0.99, -0.5, 0.0, 5.0, 1000.0])
def test_bad_guess_falls_back_to_bracketing(guess):
    assert xirr(EXCEL_EXAMPLE, guess=guess) == pytest.approx(0.373362535, abs=1e-8)


def test_large_loss_is_found():
    # -1000 then +10 a year later: rate = 10 / 1000 - 1 = -99 %.
    assert xirr([(dt.date(2021, 1, 1), -1000), (dt.date(2022, 1, 1), 10)]) == pytest.approx(-0.99, abs=1e-9)


@pytest.mark.parametrize(
    "flows",
    [
        [(dt.date(2021, 1, 1), -100), (dt.date(2022, 1, 1), -50)],
        [(dt.date(2021, 1, 1), 100), (dt.date(2022, 1, 1), 50)],
        [(dt.date(2021, 1, 1), -100)],
    ],
)
def test_no_sign_change_is_a_clear_error(flows):
    with pytest.raises(XirrError, match="cash flow"):
        xirr(flows)


def test_float_nan_is_refused():
    with pytest.raises(ValueError, match="missing or infinite"):
        xirr([(dt.date(2021, 1, 1), -100), (dt.date(2022, 1, 1), float("nan"))])


@given(
    rate=st.floats(min_value=-0.9, max_value=3.0),
    offsets=st.lists(st.integers(min_value=1, max_value=3650), min_size=1, max_size=8, unique=True),
    amounts=st.lists(st.floats(min_value=1.0, max_value=1e6), min_size=8, max_size=8),
)
def test_recovers_the_rate_that_generated_the_flows(rate, offsets, amounts):
    start = dt.date(2010, 1, 1)
    later = [(start + dt.timedelta(days=d), a) for d, a in zip(sorted(offsets), amounts, strict=False)]
    # The investment is the present value of the later flows at ``rate``, so ``rate`` is an IRR;
    # with one outflow followed by inflows it is the only one.
    investment = sum(a / (1 + rate) ** ((day - start).days / 365.0) for day, a in later)
    result = xirr([(start, -investment), *later])
    assert result == pytest.approx(rate, abs=1e-6)


# -- edge cases an independent recomputation found (issue 11) --------------------------------------------------

def test_break_even_on_one_day_is_zero_not_minus_one_hundred_percent():
    # Paying 1000 and getting 1000 back the same day: NPV is 0 at every rate; the return is exactly 0 %.
    day = dt.date(2026, 1, 5)
    assert xirr([(day, -1000), (day, 1000)]) == 0.0


def test_flows_that_net_to_zero_on_every_date_earn_zero():
    a, b = dt.date(2025, 1, 1), dt.date(2025, 6, 1)
    assert xirr([(a, -500), (a, 500), (b, 20), (b, -20)]) == 0.0


def test_underflowing_npv_is_not_a_root():
    # Same-day flows cancel, then one inflow: NPV = 50 / (1 + r)^100 > 0 at every rate, so there is no IRR.
    # A grid that counts an underflowed 0.0 as a crossing used to answer 1790.08.
    flows = [(dt.date(1925, 1, 1), -100), (dt.date(1925, 1, 1), 100), (dt.date(2025, 1, 1), 50)]
    assert all(npv_loop(r, [(d, float(a)) for d, a in flows]) > 0 for r in (-0.5, 0.0, 10.0, 1e3))
    with pytest.raises(XirrError, match="sign change"):
        xirr(flows)


def test_same_day_flows_are_netted_before_the_rate_is_sought():
    # -1000 and +400 on day one are a net investment of 600; 660 a year later is 10 %.
    flows = [(dt.date(2024, 1, 1), -1000), (dt.date(2024, 1, 1), 400), (dt.date(2024, 12, 31), 660)]
    assert xirr(flows) == pytest.approx(0.10, abs=1e-12)


@given(
    rate=st.floats(min_value=-0.9, max_value=3.0),
    offset=st.integers(min_value=1, max_value=3650),
    amount=st.floats(min_value=1.0, max_value=1e6),
    wash=st.floats(min_value=1.0, max_value=1e6),
)
def test_a_same_day_round_trip_does_not_change_the_rate(rate, offset, amount, wash):
    # Adding a deal that is paid and repaid on one day must leave the rate where the plain flows put it.
    start = dt.date(2010, 1, 1)
    end = start + dt.timedelta(days=offset)
    investment = amount / (1 + rate) ** (offset / 365.0)
    result = xirr([(start, -investment), (end, -wash), (end, wash), (end, amount)])
    assert result == pytest.approx(rate, abs=1e-6)
