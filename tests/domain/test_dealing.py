"""Dealing: status machine, dates, and pricing at the dealing-date NAV."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fidus_desktop.domain.dealing import (
    DealingDates,
    DealingError,
    IllegalTransition,
    InsufficientUnits,
    NavPrice,
    Transaction,
    TransactionKind,
    TransactionStatus,
    apply_fee,
    approve,
    cancel,
    distribution_amount,
    price,
    settle,
    transition,
)
from fidus_desktop.domain.money import Money

DAY = date(2024, 3, 15)
DATES = DealingDates(trade_date=date(2024, 3, 13), dealing_date=DAY, settlement_date=date(2024, 3, 19))
NAV = NavPrice("A-EUR", DAY, Money.of("125.4321", "EUR"))


def tx(kind: TransactionKind = TransactionKind.SUBSCRIPTION, **kwargs: object) -> Transaction:
    fields: dict[str, object] = {"amount": Money.of("10000", "EUR")} if kind in (
        TransactionKind.SUBSCRIPTION, TransactionKind.DISTRIBUTION, TransactionKind.FEE) else {}
    fields.update(kwargs)
    return Transaction("T1", kind, "F1", "A-EUR", "INV1", DATES, **fields)  # type: ignore[arg-type]


def test_status_machine_happy_path() -> None:
    done = settle(approve(tx()))
    assert done.status is TransactionStatus.SETTLED


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (TransactionStatus.PENDING, TransactionStatus.SETTLED),
        (TransactionStatus.APPROVED, TransactionStatus.PENDING),
        (TransactionStatus.SETTLED, TransactionStatus.CANCELLED),
        (TransactionStatus.SETTLED, TransactionStatus.APPROVED),
    ],
)
def test_illegal_transitions_raise(start: TransactionStatus, to: TransactionStatus) -> None:
    current = tx()
    if start is not TransactionStatus.PENDING:
        current = approve(current)
    if start is TransactionStatus.SETTLED:
        current = settle(current)
    with pytest.raises(IllegalTransition, match=f"is {start} and cannot become {to}"):
        transition(current, to, reason="x" if to is TransactionStatus.CANCELLED else None)


def test_cancel_needs_a_reason_and_is_final() -> None:
    with pytest.raises(DealingError, match="needs a reason"):
        cancel(tx(), "  ")
    cancelled = cancel(approve(tx()), " investor withdrew ")
    assert (cancelled.status, cancelled.cancel_reason) == (TransactionStatus.CANCELLED, "investor withdrew")
    with pytest.raises(IllegalTransition, match=r"allowed: none \(final status\)"):
        approve(cancelled)
    with pytest.raises(DealingError, match="Only a cancellation takes a reason"):
        transition(tx(), TransactionStatus.APPROVED, reason="why")


def test_dates_must_be_in_order() -> None:
    with pytest.raises(DealingError, match="dealing date 2024-03-12 is before the trade date 2024-03-13"):
        DealingDates(date(2024, 3, 13), date(2024, 3, 12), date(2024, 3, 20))
    with pytest.raises(DealingError, match="settlement date 2024-03-14 is before the dealing date"):
        DealingDates(date(2024, 3, 13), date(2024, 3, 15), date(2024, 3, 14))
    assert DealingDates(DAY, DAY, DAY).settlement_date == DAY


def test_transaction_shape_is_validated() -> None:
    with pytest.raises(DealingError, match="exactly one of amount, units or full; 2"):
        tx(units=Decimal("1"))
    with pytest.raises(DealingError, match="give amount"):
        Transaction("T", TransactionKind.SUBSCRIPTION, "F", "A", "I", DATES, units=Decimal(1))
    with pytest.raises(DealingError, match="only a switch, needs target_class_id"):
        tx(TransactionKind.SWITCH, units=Decimal(1))
    with pytest.raises(DealingError, match="into itself"):
        tx(TransactionKind.SWITCH, units=Decimal(1), target_class_id="A-EUR")
    with pytest.raises(DealingError, match="same investor"):
        tx(TransactionKind.TRANSFER, full=True, target_investor_id="INV1")
    with pytest.raises(DealingError, match="at most 4 decimals"):
        tx(TransactionKind.REDEMPTION, units=Decimal("1.00001"))
    with pytest.raises(DealingError, match="positive amount"):
        tx(amount=Money.of("-5", "EUR"))


def test_subscription_with_entry_fee() -> None:
    # 10,000.00 gross, 3 % entry fee = 300.00, net 9,700.00; 9,700 / 125.4321 = 77.33268… → 77.3327 units.
    deal = price(tx(), NAV, fee_rate="0.03")
    assert (deal.gross, deal.fee, deal.net) == (
        Money.of("10000.00", "EUR"), Money.of("300.00", "EUR"), Money.of("9700.00", "EUR"))
    assert deal.units == Decimal("77.3327")


def test_redemption_by_units_and_by_amount() -> None:
    # 50 units × 125.4321 = 6,271.605 → 6,271.60 (half-even); 1 % exit fee 62.716 → 62.72; net 6,208.88.
    deal = price(tx(TransactionKind.REDEMPTION, units=Decimal("50")), NAV, held_units=Decimal("80"),
                 fee_rate="0.01")
    assert (deal.gross.amount, deal.fee.amount, deal.net.amount) == (
        Decimal("6271.60"), Decimal("62.72"), Decimal("6208.88"))
    by_amount = price(tx(TransactionKind.REDEMPTION, amount=Money.of("5000", "EUR")), NAV,
                      held_units=Decimal("80"))
    # 5000 / 125.4321 = 39.86221… → 39.8622 units
    assert by_amount.units == Decimal("39.8622")
    assert by_amount.net == Money.of("5000.00", "EUR")


def test_full_redemption_takes_every_unit() -> None:
    deal = price(tx(TransactionKind.REDEMPTION, full=True), NAV, held_units=Decimal("12.3456"))
    assert deal.units == Decimal("12.3456")
    with pytest.raises(InsufficientUnits, match="holds no units"):
        price(tx(TransactionKind.REDEMPTION, full=True), NAV)


def test_redemption_above_holding_names_the_figures() -> None:
    with pytest.raises(InsufficientUnits, match=r"needs 100.0000 units but investor INV1 holds 80.0000"):
        price(tx(TransactionKind.REDEMPTION, units=Decimal("100")), NAV, held_units=Decimal("80"))
    with pytest.raises(InsufficientUnits, match=r"80.0000 units of A-EUR are worth 10,034.57 EUR at 125.4321; ask "
                                                r"for at most 10,034.57 EUR"):
        price(tx(TransactionKind.REDEMPTION, amount=Money.of("10100", "EUR")), NAV, held_units=Decimal("80"))


def test_redemption_by_amount_cannot_pay_half_a_unit_tick_more_than_the_holding() -> None:
    # 1 unit at 1000: 1000.04 EUR is 1.00004 units, which rounds to 1.0000 unit, yet pays 0.04 EUR more than
    # the unit is worth. The holding's value bounds the amount.
    nav = NavPrice("A-EUR", NAV.nav_date, Money.of("1000", "EUR"))
    with pytest.raises(InsufficientUnits, match=r"worth 1,000.00 EUR"):
        price(tx(TransactionKind.REDEMPTION, amount=Money.of("1000.04", "EUR")), nav, held_units=Decimal(1))
    assert price(tx(TransactionKind.REDEMPTION, amount=Money.of("1000.00", "EUR")), nav,
                 held_units=Decimal(1)).units == Decimal(1)


def test_price_must_be_the_dealing_date_nav_of_the_class() -> None:
    yesterday = NavPrice("A-EUR", DAY - timedelta(days=1), Money.of("120", "EUR"))
    with pytest.raises(DealingError, match="A-EUR on its dealing date 2024-03-15, not A-EUR on 2024-03-14"):
        price(tx(), yesterday)
    with pytest.raises(DealingError, match="convert the amount first"):
        price(tx(amount=Money.of("10", "USD")), NAV)


def test_switch_between_classes() -> None:
    target = NavPrice("B-EUR", DAY, Money.of("10.00", "EUR"))
    switch = tx(TransactionKind.SWITCH, units=Decimal("10"), target_class_id="B-EUR")
    # 10 × 125.4321 = 1,254.321 → 1,254.32; 0.5 % fee 6.2716 → 6.27; net 1,248.05 / 10 = 124.805 units
    deal = price(switch, NAV, held_units=Decimal("10"), fee_rate="0.005", target_nav=target)
    assert (deal.units, deal.net.amount, deal.target_units) == (Decimal("10"), Decimal("1248.05"),
                                                                Decimal("124.8050"))
    with pytest.raises(DealingError, match="needs the NAV of B-EUR"):
        price(switch, NAV, held_units=Decimal("10"))
    usd = NavPrice("B-EUR", DAY, Money.of("10", "USD"))
    with pytest.raises(DealingError, match="same currency"):
        price(switch, NAV, held_units=Decimal("10"), target_nav=usd)


def test_transfer_distribution_and_fee() -> None:
    transfer = price(tx(TransactionKind.TRANSFER, full=True, target_investor_id="INV2"), NAV,
                     held_units=Decimal("7.5"))
    assert (transfer.units, transfer.gross.is_zero()) == (Decimal("7.5000"), True)
    # 1,234.5678 units × 0.0350 per unit = 43.209873 → 43.21
    paid = distribution_amount(Decimal("1234.5678"), Money.of("0.035", "EUR"))
    assert paid == Money.of("43.21", "EUR")
    assert price(tx(TransactionKind.DISTRIBUTION, amount=paid), NAV).units == 0
    # A 250.00 fee at 125.4321 cancels 1.99311… → 1.9931 units
    assert price(tx(TransactionKind.FEE, amount=Money.of("250", "EUR")), NAV, held_units=Decimal(5)).units \
        == Decimal("1.9931")


def test_fee_rate_is_checked() -> None:
    with pytest.raises(DealingError, match=r"between 0 and 1 \(0.05 means 5 %\)"):
        apply_fee(Money.of("100", "EUR"), "5")


_amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000000"), places=2)
_navs = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=4)
_rates = st.decimals(min_value=Decimal("0"), max_value=Decimal("0.1"), places=4)


@given(_amounts, _rates)
def test_fee_plus_net_is_gross_and_never_negative(gross: Decimal, rate: Decimal) -> None:
    fee, net = apply_fee(Money(gross, "EUR"), rate)
    assert fee + net == Money(gross, "EUR")
    assert fee.amount >= 0
    assert net.amount >= 0


@given(_amounts, _navs)
def test_units_times_nav_round_trips_within_rounding(amount: Decimal, nav: Decimal) -> None:
    price_ = NavPrice("A-EUR", DAY, Money(nav, "EUR"))
    sub = price(tx(amount=Money(amount, "EUR")), price_)
    if sub.units == 0:
        return
    back = price(tx(TransactionKind.REDEMPTION, units=sub.units), price_, held_units=sub.units)
    # Units are off by at most 0.00005, worth 0.00005 × NAV, plus half a cent from rounding money.
    assert abs(back.gross.amount - amount) <= Decimal("0.00005") * nav + Decimal("0.005")


@given(_navs, st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("100000"), places=4))
def test_never_redeems_more_than_held(nav: Decimal, held: Decimal) -> None:
    price_ = NavPrice("A-EUR", DAY, Money(nav, "EUR"))
    deal = price(tx(TransactionKind.REDEMPTION, full=True), price_, held_units=held)
    assert deal.units == held
    with pytest.raises(InsufficientUnits):
        price(tx(TransactionKind.REDEMPTION, units=held + Decimal("0.0001")), price_, held_units=held)


@given(held=st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("100000"), places=4),
       nav=st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("10000"), places=4),
       amount=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("10000000"), places=2),
       kind=st.sampled_from([TransactionKind.REDEMPTION, TransactionKind.FEE]))
def test_an_amount_taken_from_a_holding_never_exceeds_what_it_is_worth(held, nav, amount, kind) -> None:
    price_ = NavPrice("A-EUR", DAY, Money(nav, "EUR"))
    worth = (held * nav).quantize(Decimal("0.01"))  # independent: the holding's value in cents (half-even)
    try:
        deal = price(tx(kind, amount=Money(amount, "EUR")), price_, held_units=held)
    except InsufficientUnits:
        assert amount > worth or (amount / nav).quantize(Decimal("0.0001")) > held
        return
    assert deal.gross.amount <= worth
    assert deal.units <= held
