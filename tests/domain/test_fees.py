"""Fees: management accrual, per-investor high-water mark, crystallisation, dealing-day settlement."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fidus_desktop.domain.dealing import DealingDates, NavPrice, Transaction, TransactionKind, price, round_nav_per_unit
from fidus_desktop.domain.fees import (
    ClassFeeState,
    CrystallisationPeriod,
    FeeError,
    FeeKind,
    FeeTerms,
    InvestorHolding,
    accrue_management_fee,
    add_units,
    deal_fee_entry,
    is_period_end,
    management_fee,
    performance_fee,
    period_end_between,
    remove_units,
    settle_fees,
)
from fidus_desktop.domain.money import Money


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


START = date(2024, 1, 1)
TERMS = FeeTerms(performance_rate=Decimal("0.20"))


def one_investor(units: str = "1000", hwm: str = "100", as_of: date = START) -> ClassFeeState:
    return ClassFeeState("F1", "A", as_of, (InvestorHolding("OLD", Decimal(units), eur(hwm), as_of),))


def test_management_fee_actual_365() -> None:
    # 1,000,000 × 2 % × 31 / 365 = 1,698.630… → 1,698.63
    assert management_fee(eur("1000000"), "0.02", 31) == eur("1698.63")


def test_daily_accrual_uses_the_nav_each_day_opened_with() -> None:
    navs = {date(2024, 1, 1): eur("1000000"), date(2024, 1, 3): eur("2000000")}
    entry = accrue_management_fee("F1", "A", navs, "0.0365", date(2024, 1, 1), date(2024, 1, 5))
    # days 2, 3 on 1,000,000 (100.00 each); days 4, 5 on 2,000,000 (200.00 each) → 600.00
    assert entry.amount == eur("600.00")
    assert (entry.kind, entry.investor_id, entry.base_amount) == (FeeKind.MANAGEMENT, None, eur("1500000.00"))
    with pytest.raises(FeeError, match="needs a NAV on or before 2023-12-31"):
        accrue_management_fee("F1", "A", navs, "0.0365", date(2023, 12, 31), date(2024, 1, 5))


def test_period_ends() -> None:
    assert is_period_end(date(2024, 12, 31), CrystallisationPeriod.ANNUAL)
    assert not is_period_end(date(2024, 6, 30), CrystallisationPeriod.ANNUAL)
    assert is_period_end(date(2024, 6, 30), CrystallisationPeriod.QUARTERLY)
    assert not is_period_end(date(2024, 6, 29), CrystallisationPeriod.QUARTERLY)
    assert period_end_between(date(2024, 3, 30), date(2024, 4, 2), CrystallisationPeriod.QUARTERLY) \
        == date(2024, 3, 31)
    assert period_end_between(date(2024, 3, 31), date(2024, 4, 2), CrystallisationPeriod.QUARTERLY) is None
    assert period_end_between(date(2023, 12, 1), date(2025, 1, 2), CrystallisationPeriod.ANNUAL) \
        == date(2024, 12, 31)


def test_performance_fee_with_hurdle() -> None:
    holding = InvestorHolding("OLD", Decimal(1000), eur("100"), START)
    terms = FeeTerms(performance_rate=Decimal("0.20"), hurdle_rate=Decimal("0.0365"))
    # 100 days: threshold = 100 × (1 + 0.0365 × 100/365) = 101.00; gain 9.00 × 1000 × 20 % = 1,800.00
    assert performance_fee(holding, eur("110"), START + timedelta(days=100), terms) == eur("1800.00")
    assert performance_fee(holding, eur("100.50"), START + timedelta(days=100), terms) == eur("0.00")


def test_accrues_before_period_end_and_crystallises_at_it() -> None:
    state = one_investor()
    mid = settle_fees(state, date(2024, 6, 28), eur("120"), TERMS)
    # NAV 120 vs HWM 100: 20 × 1000 × 20 % = 4,000 accrued, nothing charged yet, NAV unchanged.
    assert mid.entries == ()
    assert mid.accrued == {"OLD": eur("4000.00")}
    assert mid.nav_per_unit == eur("120.0000")
    year_end = settle_fees(mid.state, date(2025, 1, 2), eur("120"), TERMS)
    (entry,) = year_end.entries
    assert (entry.kind, entry.investor_id, entry.amount) == (FeeKind.PERFORMANCE, "OLD", eur("4000.00"))
    assert (entry.period_end, entry.charged) == (date(2024, 12, 31), date(2025, 1, 2))
    assert entry.units_cancelled == Decimal("33.3333")  # 4000 / 120
    holding = year_end.state.holding("OLD")
    assert holding is not None
    assert (holding.units, holding.high_water_mark, holding.period_start) == (
        Decimal("966.6667"), eur("120"), date(2024, 12, 31))
    assert year_end.net_assets == eur("116000.00")
    assert year_end.accrued == {"OLD": eur("0.00")}


def test_below_high_water_mark_no_fee_and_mark_kept() -> None:
    settled = settle_fees(one_investor(), date(2025, 1, 2), eur("90"), TERMS)
    assert settled.entries == ()
    holding = settled.state.holding("OLD")
    assert holding is not None
    assert holding.high_water_mark == eur("100")


def test_redemption_crystallises_pro_rata() -> None:
    settled = settle_fees(one_investor(), date(2024, 6, 28), eur("120"), TERMS,
                          redeeming={"OLD": Decimal(250)})
    # 4,000 accrued; a quarter of the units redeem → 1,000.00 charged, 3,000.00 still accrued.
    (entry,) = settled.entries
    assert entry.amount == eur("1000.00")
    assert settled.accrued["OLD"] == eur("3000.00")
    with pytest.raises(FeeError, match=r"\['NEW'\] redeem from A but hold no units"):
        settle_fees(one_investor(), date(2024, 6, 28), eur("1"), TERMS, redeeming={"NEW": Decimal(1)})


def test_management_fee_entry_and_order_of_dates() -> None:
    terms = FeeTerms(management_rate=Decimal("0.02"))
    settled = settle_fees(one_investor(), date(2024, 2, 1), eur("100"), terms)
    (entry,) = settled.entries
    # 1000 units × 100 × 2 % × 31/365 = 169.863… → 169.86
    assert (entry.kind, entry.amount, entry.period_start, entry.period_end) == (
        FeeKind.MANAGEMENT, eur("169.86"), START, date(2024, 2, 1))
    # The stored NAV is net of the accrual already: dealing prices at it, the settlement only books the fee.
    assert settled.nav_per_unit == eur("100")
    with pytest.raises(FeeError, match="settled up to 2024-02-01; 2024-01-15 is earlier"):
        settle_fees(settled.state, date(2024, 1, 15), eur("1"), terms)


def test_top_up_blends_the_high_water_mark_and_units_move() -> None:
    state = add_units(one_investor(), "OLD", Decimal(1000), eur("120"), date(2024, 3, 1))
    holding = state.holding("OLD")
    assert holding is not None
    assert (holding.units, holding.high_water_mark) == (Decimal(2000), eur("110.0000"))
    state = remove_units(state, "OLD", Decimal(2000))
    assert state.holdings == ()
    with pytest.raises(FeeError, match=r"holds 0.0000 units of A, fewer than the 1.0000"):
        remove_units(state, "OLD", Decimal(1))


def test_terms_are_validated() -> None:
    with pytest.raises(FeeError, match=r"performance rate 20 must be between 0 and 1"):
        FeeTerms(performance_rate=Decimal(20))


def test_entry_fee_ledger_entry_from_a_deal() -> None:
    day = date(2024, 3, 15)
    tx = Transaction("T1", TransactionKind.SUBSCRIPTION, "F1", "A", "NEW", DealingDates(day, day, day),
                     amount=eur("10000"))
    deal = price(tx, NavPrice("A", day, eur("100")), fee_rate=Decimal("0.02"))
    entry = deal_fee_entry(tx, deal, Decimal("0.02"))
    assert entry is not None
    assert (entry.kind, entry.base_amount, entry.amount, entry.currency) == (
        FeeKind.ENTRY, eur("10000.00"), eur("200.00"), "EUR")
    assert deal_fee_entry(tx, price(tx, NavPrice("A", day, eur("100"))), Decimal(0)) is None


_nav = st.decimals(min_value=Decimal("50"), max_value=Decimal("200"), places=4)
_growth = st.decimals(min_value=Decimal("-0.3"), max_value=Decimal("0.5"), places=4)
_money = st.decimals(min_value=Decimal("1000"), max_value=Decimal("10000000"), places=2)
_terms = st.builds(
    FeeTerms,
    management_rate=st.decimals(min_value=0, max_value=Decimal("0.03"), places=4),
    performance_rate=st.decimals(min_value=0, max_value=Decimal("0.3"), places=4),
    hurdle_rate=st.decimals(min_value=0, max_value=Decimal("0.08"), places=4),
    crystallisation=st.sampled_from(CrystallisationPeriod),
)


def newcomer_fee(old_hwm: Decimal, nav_at_join: Decimal, subscribed: Decimal, growth: Decimal,
                 terms: FeeTerms, join_day: date) -> tuple[Money, Money, Money]:
    """Old investor holds 1000 units at ``old_hwm``; the class is worth ``nav_at_join`` per unit on
    ``join_day``; NEW subscribes, the class then grows by ``growth`` until the year end.
    Returns (NEW's performance fee, NEW's value right after joining, the dealing nav_per_unit).
    """
    state = one_investor(hwm=str(old_hwm))
    before = settle_fees(state, join_day, Money(nav_at_join, "EUR"), terms)
    tx = Transaction("S", TransactionKind.SUBSCRIPTION, "F1", "A", "NEW",
                     DealingDates(join_day, join_day, join_day), amount=Money(subscribed, "EUR"))
    deal = price(tx, NavPrice("A", join_day, before.nav_per_unit))
    joined = add_units(before.state, "NEW", deal.units, before.nav_per_unit, join_day)
    later = settle_fees(joined, date(2025, 1, 2), Money(round_nav_per_unit(nav_at_join * (1 + growth)), "EUR"), terms)
    fee = sum((e.amount for e in later.entries if e.investor_id == "NEW"), Money.zero("EUR"))
    return fee, Money(deal.units * before.nav_per_unit.amount, "EUR"), before.nav_per_unit


@settings(max_examples=150, deadline=None)
@given(_nav, _nav, _money, _growth, _terms, st.integers(min_value=1, max_value=300))
def test_newcomer_never_pays_for_gains_before_joining(
    old_hwm: Decimal, nav_at_join: Decimal, subscribed: Decimal, growth: Decimal, terms: FeeTerms,
    join_offset: int,
) -> None:
    join_day = START + timedelta(days=join_offset)
    fee, value_at_join, nav = newcomer_fee(old_hwm, nav_at_join, subscribed, growth, terms, join_day)
    # Joining costs nothing: the units bought are worth what was paid, within unit rounding.
    assert abs(value_at_join.amount - subscribed) <= Decimal("0.00005") * nav.amount + Decimal("0.005")
    # The fee does not depend on the old investor's history: same as if they had no gains at all.
    fee_no_history, _, _ = newcomer_fee(nav_at_join, nav_at_join, subscribed, growth, terms, join_day)
    assert abs(fee.amount - fee_no_history.amount) <= Decimal("0.02")
    # And it is charged only on growth after joining.
    assert fee.amount >= 0
    if growth <= 0:
        assert fee.is_zero()


@given(_nav, _nav, st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("100000"), places=4), _terms,
       st.integers(min_value=0, max_value=800))
def test_fees_are_never_negative(
    hwm: Decimal, nav: Decimal, units: Decimal, terms: FeeTerms, days: int
) -> None:
    holding = InvestorHolding("I", units, Money(hwm, "EUR"), START)
    assert performance_fee(holding, Money(nav, "EUR"), START + timedelta(days=days), terms).amount >= 0
    assert management_fee(Money(nav * units, "EUR"), terms.management_rate, days).amount >= 0
    settled = settle_fees(ClassFeeState("F", "A", START, (holding,)), START + timedelta(days=days),
                          Money(nav, "EUR"), terms)
    assert all(e.amount.amount > 0 for e in settled.entries)
    assert all(a.amount >= 0 for a in settled.accrued.values())


# -- independent recomputations (issue 11) -------------------------------------------------------------------

def plain_daily_fee(navs: dict[date, Decimal], units: Decimal, rate: Decimal, start: date, end: date) -> Decimal:
    """Each calendar day of (start, end] on units × the last NAV dated before that day; summed, rounded once."""
    total, day = Decimal(0), start + timedelta(days=1)
    while day <= end:
        opened_with = navs[max(d for d in navs if d < day)]
        total += units * opened_with * rate / 365
        day += timedelta(days=1)
    return total.quantize(Decimal("0.01"))


_path = st.lists(st.decimals(min_value=Decimal("50"), max_value=Decimal("150"), places=4), min_size=2, max_size=40)


@settings(max_examples=80, deadline=None)
@given(_path, st.decimals(min_value=Decimal("1"), max_value=Decimal("100000"), places=4),
       st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("0.05"), places=4), st.integers(1, 3))
def test_management_fee_is_accrued_day_by_day_on_each_days_nav(path, units, rate, step) -> None:
    navs = {START + timedelta(days=i * step): value for i, value in enumerate(path)}  # gaps = weekends
    end = max(navs)
    state = ClassFeeState("F1", "A", START, (InvestorHolding("OLD", units, eur("1"), START),))
    settled = settle_fees(state, end, eur(str(navs[end])), FeeTerms(management_rate=rate),
                          history={d: eur(str(v)) for d, v in navs.items()})
    charged = sum((e.amount.amount for e in settled.entries if e.kind is FeeKind.MANAGEMENT), Decimal(0))
    assert charged == plain_daily_fee(navs, units, rate, START, end)
    assert settled.nav_per_unit == eur(str(navs[end]))  # already net of the accrual


@settings(max_examples=60, deadline=None)
@given(_path, st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("0.05"), places=4), st.data())
def test_settling_more_often_charges_the_same_management_fee_within_a_cent_per_entry(path, rate, data) -> None:
    navs = {START + timedelta(days=i): eur(str(v)) for i, v in enumerate(path)}
    end = max(navs)
    cut = START + timedelta(days=data.draw(st.integers(1, max(1, len(path) - 2))))
    terms = FeeTerms(management_rate=rate)
    once = settle_fees(one_investor(), end, navs[end], terms, history=navs)
    first = settle_fees(one_investor(), cut, navs[cut], terms, history=navs)
    later = settle_fees(first.state, end, navs[end], terms, history=navs).entries if cut < end else ()
    total = sum((e.amount.amount for e in (*first.entries, *later)), Decimal(0))
    assert abs(total - sum((e.amount.amount for e in once.entries), Decimal(0))) <= Decimal("0.01")


def test_performance_fee_crystallises_on_the_period_end_valuation() -> None:
    # 2023 performance: NAV 104.62 on Fri 2023-12-29 (the last valuation of the year), 106.62 on 2024-01-15
    # when the first deal after the year end settles. The fee is on 104.62, not on 106.62.
    hwm, units, rate, hurdle = Decimal("100"), Decimal("2000"), Decimal("0.20"), Decimal("0.05")
    begun = date(2023, 3, 1)
    terms = FeeTerms(performance_rate=rate, hurdle_rate=hurdle)
    state = ClassFeeState("F1", "A", date(2023, 11, 30), (InvestorHolding("OLD", units, eur("100"), begun),))
    history = {date(2023, 11, 30): eur("103"), date(2023, 12, 29): eur("104.62"), date(2024, 1, 15): eur("106.62")}
    settled = settle_fees(state, date(2024, 1, 15), eur("106.62"), terms, history=history)
    days = (date(2023, 12, 31) - begun).days  # hurdle runs to the period end
    threshold = hwm * (1 + hurdle * days / 365)
    expected = ((Decimal("104.62") - threshold) * units * rate).quantize(Decimal("0.01"))
    (entry,) = settled.entries
    assert entry.amount == eur(str(expected))
    assert (entry.period_start, entry.period_end, entry.charged) == (begun, date(2023, 12, 31), date(2024, 1, 15))
    assert entry.units_cancelled == (expected / Decimal("106.62")).quantize(Decimal("0.0001"))  # paid at dealing NAV
    holding = settled.state.holding("OLD")
    assert holding is not None
    assert (holding.high_water_mark, holding.period_start) == (eur("104.62"), date(2023, 12, 31))
    # The January gain above the new mark accrues for the 2024 period, nothing is charged for it yet.
    jan = ((Decimal("106.62") - Decimal("104.62") * (1 + hurdle * 15 / 365)) * (units - entry.units_cancelled)
           * rate).quantize(Decimal("0.01"))
    assert settled.accrued["OLD"] == eur(str(jan))
