"""Fixed-yield products: schedules, redemption rules, obligations and coverage."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fidus_desktop.domain.fixed_yield import (
    Availability,
    CoverageLevel,
    FixedYieldError,
    Investment,
    PaymentKind,
    PayoutFrequency,
    ProductTerms,
    RedemptionNotAllowed,
    RedemptionPart,
    YieldKind,
    add_months,
    check_can_invest,
    coverage,
    interest_paid_out,
    monthly_obligations,
    payment_schedule,
    profit_share_amount,
    redemption_allowed,
    require_redemption_allowed,
)
from fidus_desktop.domain.money import Money


def usd(amount: str) -> Money:
    return Money.of(amount, "USD")


def terms(code: str = "CORE", rate: str = "0.015", freq: PayoutFrequency = PayoutFrequency.MONTHLY,
          **kwargs: object) -> ProductTerms:
    fields: dict[str, object] = {"incubation_months": 2, "commitment_months": 12,
                                 "minimum_investment": usd("10000"), "monthly_rate": Decimal(rate)}
    fields.update(kwargs)
    return ProductTerms(code, code.title(), 1, YieldKind.FIXED, freq, **fields)  # type: ignore[arg-type]


CORE = terms()
BALANCE_Q = terms("BALANCE", "0.025", PayoutFrequency.QUARTERLY)
DYNAMIC_S = terms("DYNAMIC", "0.035", PayoutFrequency.SEMI_ANNUAL)


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 1, 31), 2) == date(2024, 3, 31)
    assert add_months(date(2024, 11, 30), 3) == date(2025, 2, 28)
    assert add_months(date(2024, 5, 15), -5) == date(2023, 12, 15)


def test_monthly_schedule_starts_after_incubation() -> None:
    inv = Investment("I1", "C1", CORE, usd("100000"), date(2024, 1, 31))
    schedule = payment_schedule(inv)
    interest = [p for p in schedule if p.kind is PaymentKind.INTEREST]
    assert len(interest) == 12
    # incubation to 2024-03-31; first interest one month later, 1.5 % of 100,000 = 1,500.00
    assert (interest[0].period_start, interest[0].due_date, interest[0].amount) == (
        date(2024, 3, 31), date(2024, 4, 30), usd("1500.00"))
    assert interest[-1].due_date == date(2025, 3, 31)
    assert schedule[-1].kind is PaymentKind.PRINCIPAL
    assert (schedule[-1].due_date, schedule[-1].amount) == (date(2025, 3, 31), usd("100000"))


def test_quarterly_twelve_months_is_four_payments_of_three_months() -> None:
    inv = Investment("I2", "C1", BALANCE_Q, usd("50000"), date(2024, 1, 15))
    interest = [p for p in payment_schedule(inv) if p.kind is PaymentKind.INTEREST]
    # 50,000 × 2.5 % × 3 = 3,750.00, four times; no fifth period
    assert [p.amount for p in interest] == [usd("3750.00")] * 4
    assert [p.due_date for p in interest] == [date(2024, 6, 15), date(2024, 9, 15), date(2024, 12, 15),
                                              date(2025, 3, 15)]


def test_semi_annual_dynamic() -> None:
    inv = Investment("I3", "C1", DYNAMIC_S, usd("20000"), date(2024, 2, 29))
    interest = [p for p in payment_schedule(inv) if p.kind is PaymentKind.INTEREST]
    # 20,000 × 3.5 % × 6 = 4,200.00 twice
    assert [(p.due_date, p.amount) for p in interest] == [
        (date(2024, 10, 29), usd("4200.00")), (date(2025, 4, 29), usd("4200.00"))]


def test_terms_validation() -> None:
    with pytest.raises(FixedYieldError, match="10 months of commitment cannot be paid every 3 months"):
        terms(freq=PayoutFrequency.QUARTERLY, commitment_months=10)
    with pytest.raises(FixedYieldError, match=r"monthly rate such as 0\.015"):
        terms(rate="0")
    with pytest.raises(FixedYieldError, match="below the CORE minimum"):
        Investment("I", "C", CORE, usd("9999.99"), date(2024, 1, 1))
    with pytest.raises(FixedYieldError, match="is in EUR but CORE is sold in USD"):
        Investment("I", "C", CORE, Money.of("20000", "EUR"), date(2024, 1, 1))


def test_availability() -> None:
    check_can_invest(CORE, usd("10000"))
    with pytest.raises(FixedYieldError, match="closed"):
        check_can_invest(terms(availability=Availability.CLOSED), usd("10000"))
    invite = terms(availability=Availability.INVITATION_ONLY)
    with pytest.raises(FixedYieldError, match="invitation only"):
        check_can_invest(invite, usd("10000"))
    check_can_invest(invite, usd("10000"), invited=True)
    with pytest.raises(FixedYieldError, match=r"needs at least 10,000\.00 USD; 500\.00 USD"):
        check_can_invest(CORE, usd("500"))


def test_old_investments_keep_their_terms_version() -> None:
    v2 = ProductTerms("CORE", "Core", 2, YieldKind.FIXED, PayoutFrequency.MONTHLY, 2, 12, usd("10000"),
                      monthly_rate=Decimal("0.012"))
    old = Investment("I1", "C1", CORE, usd("10000"), date(2024, 1, 1))
    new = Investment("I2", "C1", v2, usd("10000"), date(2024, 1, 1))
    assert payment_schedule(old)[0].amount == usd("150.00")
    assert payment_schedule(new)[0].amount == usd("120.00")


def test_redemption_rules_name_the_date() -> None:
    inv = Investment("I1", "C1", BALANCE_Q, usd("50000"), date(2024, 1, 15))
    assert redemption_allowed(inv, date(2024, 6, 14), RedemptionPart.INTEREST) == (False, date(2024, 6, 15))
    assert redemption_allowed(inv, date(2024, 6, 15), RedemptionPart.INTEREST) == (True, date(2024, 6, 15))
    allowed, earliest = redemption_allowed(inv, date(2024, 12, 31))
    assert (allowed, earliest) == (False, date(2025, 3, 15))
    with pytest.raises(RedemptionNotAllowed,
                       match=r"principal cannot be redeemed on 2024-12-31.*on 2025-03-15"):
        require_redemption_allowed(inv, date(2024, 12, 31), RedemptionPart.PRINCIPAL)
    require_redemption_allowed(inv, date(2025, 3, 15), RedemptionPart.PRINCIPAL)
    # paid 2024-06-15, 09-15 and 12-15: 3 × 3,750.00
    assert interest_paid_out(inv, date(2024, 12, 31)) == usd("11250.00")


def test_profit_share_product() -> None:
    share = ProductTerms("SPLIT", "Split 50/50", 1, YieldKind.PROFIT_SHARE, PayoutFrequency.QUARTERLY, 0, 12,
                         usd("25000"), investor_share=Decimal("0.5"))
    inv = Investment("P1", "C1", share, usd("25000"), date(2024, 1, 1))
    schedule = payment_schedule(inv)
    assert [p.amount for p in schedule[:-1]] == [None] * 4
    assert profit_share_amount(usd("1234.57"), share) == usd("617.28")  # 617.285 → half-even
    assert profit_share_amount(usd("-100"), share) == usd("0.00")
    assert monthly_obligations([inv])[-1].principal == usd("25000")
    with pytest.raises(FixedYieldError, match="needs an investor share"):
        ProductTerms("X", "X", 1, YieldKind.PROFIT_SHARE, PayoutFrequency.MONTHLY, 0, 12, usd("1"))


def test_obligations_aggregate_per_month_and_currency() -> None:
    a = Investment("A", "C1", CORE, usd("100000"), date(2024, 1, 31))   # interest 1,500 monthly from Apr 30
    b = Investment("B", "C2", BALANCE_Q, usd("40000"), date(2024, 1, 5))  # 3,000 quarterly from Jun 5
    months = {(o.year, o.month): o for o in monthly_obligations([a, b])}
    assert months[(2024, 4)].total == usd("1500.00")
    assert months[(2024, 6)].interest == usd("4500.00")
    # March 2025: A's last 1,500 (31st) and B's last 3,000 (5th); both principals come back.
    assert months[(2025, 3)].interest == usd("4500.00")
    assert months[(2025, 3)].principal == usd("140000")
    assert months[(2025, 3)].total == usd("144500.00")
    assert (2024, 3) not in months


@pytest.mark.parametrize(
    ("cash", "equity", "gap", "percent", "level"),
    [
        ("60000", "40000", "0.00", "0.00", CoverageLevel.OK),
        ("90000", "6000", "4000.00", "4.00", CoverageLevel.OK),
        ("90000", "5000", "5000.00", "5.00", CoverageLevel.WARNING),
        ("80000", "10000", "10000.00", "10.00", CoverageLevel.CRITICAL),
        ("150000", "0", "-50000.00", "-50.00", CoverageLevel.OK),
    ],
)
def test_coverage_levels(cash: str, equity: str, gap: str, percent: str, level: CoverageLevel) -> None:
    result = coverage(usd("100000"), usd(cash), usd(equity))
    assert (result.gap, result.gap_percent, result.level) == (usd(gap), Decimal(percent), level)


def test_coverage_thresholds_are_configurable() -> None:
    result = coverage(usd("100000"), usd("98000"), usd("0"), warning_percent=Decimal(1),
                      critical_percent=Decimal(2))
    assert result.level is CoverageLevel.CRITICAL
    with pytest.raises(FixedYieldError, match="warning"):
        coverage(usd("1"), usd("1"), usd("0"), warning_percent=Decimal(20), critical_percent=Decimal(10))


@given(
    st.decimals(min_value=Decimal("10000"), max_value=Decimal("10000000"), places=2),
    st.sampled_from([(CORE, "0.015"), (BALANCE_Q, "0.025"), (DYNAMIC_S, "0.035")]),
    st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
)
def test_schedule_totals_are_principal_times_rate_times_months(
    principal: Decimal, product: tuple[ProductTerms, str], start: date
) -> None:
    product_terms, rate = product
    inv = Investment("I", "C", product_terms, Money(principal, "USD"), start)
    schedule = payment_schedule(inv)
    interest = [p for p in schedule if p.kind is PaymentKind.INTEREST]
    total = sum((p.amount.amount for p in interest if p.amount), Decimal(0))
    exact = principal * Decimal(rate) * product_terms.commitment_months
    assert abs(total - exact) <= Decimal("0.005") * len(interest)
    assert len(interest) == product_terms.commitment_months // product_terms.payout_frequency.value
    dates = [p.due_date for p in schedule]
    assert dates == sorted(dates)
    assert interest[0].period_start == inv.interest_start > start
    assert interest[-1].due_date == schedule[-1].due_date == inv.principal_return_date
