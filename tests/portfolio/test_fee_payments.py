"""Fee payments: fees owed = charged − paid, payments refused beyond that, idempotent, audited, in the derived NAV."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fidus_desktop.domain.fees import FeeError, check_fee_payment, fees_owed
from fidus_desktop.domain.money import Money
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.permissions import Permission, Role
from fidus_desktop.services.portfolio.fees import FEE_PAYMENT_CASH
from fidus_desktop.store.errors import ConcurrencyError
from tests.permission_matrix import assert_permission_matrix
from tests.portfolio.fixtures import BACK, D2, D3, D4, PM, Office
from tests.portfolio.test_nav_derivation import holdings


def pay(office: Office, amount: str, day: date = D4, reference: str = "BANK-1"):
    return office.p.fees.pay_fees(BACK, office.eur.class_id, amount, day, reference)


def written(office: Office) -> tuple[int, int, int]:
    """Payments, cash-ledger lines and the last audit seq: all unchanged when a payment is refused."""
    return (office.p.fees.payments.count(), office.p.ledgers.cash.count(), office.services.ctx.audit.last()["seq"])


def test_paying_reduces_what_is_owed_and_is_audited(office: Office) -> None:
    holdings(office)  # 35.00 EUR management fee charged to GLB-A-EUR for 2023-01-02 … 2023-01-04
    result = pay(office, "20.00")
    assert result.created
    assert (result.payment.number, result.payment.amount, result.payment.currency) == (1, Decimal("20.00"), "EUR")
    owed = office.p.fees.owed(PM, office.eur.class_id, D4)
    # Owed on D4 also holds the day accrued since the charge: 1000 units × NAV 102 × 1.25 % / 365 = 3.49.
    assert (owed.charged.amount, owed.accrued.amount, owed.paid.amount, owed.owed.amount, owed.payable.amount) == (
        Decimal("35.00"), Decimal("3.49"), Decimal("20.00"), Decimal("18.49"), Decimal("15.00"))
    assert office.p.fees.owed(PM, office.eur.class_id, D3).paid.amount == 0  # paid on D4, not yet on D3
    entry = office.services.ctx.audit.last()
    assert (entry["action"], entry["entity"], entry["after"]["reference"]) == ("fee.pay", "fee_payment", "BANK-1")
    assert pay(office, "15", reference="BANK-2").payment.number == 2
    assert office.p.fees.owed(PM, office.eur.class_id, D4).payable.is_zero()  # the accrual is not charged yet
    assert [p.reference for p in office.p.fees.list_payments(PM, class_id=office.eur.class_id)] == ["BANK-1",
                                                                                                   "BANK-2"]


def test_over_payment_is_refused_with_what_is_owed_and_nothing_is_written(office: Office) -> None:
    holdings(office)
    before = written(office)
    with pytest.raises(ValidationError, match=r"GLB-A-EUR owes 35\.00 EUR on 2023-01-05 \(charged 35\.00 EUR, paid "
                                              r"0\.00 EUR\); a payment of 50\.00 EUR is more than that\. Pay at most "
                                              r"35\.00 EUR") as refused:
        pay(office, "50.00")
    assert set(refused.value.problems) == {"amount"}
    assert written(office) == before


def test_a_payment_dated_before_the_fees_it_pays_is_refused(office: Office) -> None:
    holdings(office)
    with pytest.raises(ValidationError, match="No fees are charged to GLB-A-EUR up to 2023-01-03; the first is "
                                              "charged on 2023-01-04: date the payment on or after it") as early:
        pay(office, "10", day=D2)
    assert set(early.value.problems) == {"paid_on"}


def test_a_back_dated_payment_cannot_make_a_later_date_owe_less_than_nothing(office: Office) -> None:
    holdings(office)
    pay(office, "35", day=D4, reference="BANK-1")
    with pytest.raises(ValidationError, match=r"payments dated later leave only 0\.00 EUR payable on that date"):
        pay(office, "10", day=D3, reference="BANK-0")


def test_recording_the_same_payment_again_changes_nothing(office: Office) -> None:
    holdings(office)
    first = pay(office, "20.00")
    before = written(office)
    again = pay(office, "20", reference=" BANK-1 ")
    assert not again.created
    assert again.payment == first.payment
    assert written(office) == before
    with pytest.raises(ValidationError, match=r"already records a payment of 20\.00 EUR on 2023-01-05; give this "
                                              r"payment its own reference") as clash:
        pay(office, "10.00")
    assert set(clash.value.problems) == {"reference"}
    assert written(office) == before


@pytest.mark.parametrize(("amount", "day", "reference", "field", "message"), [
    ("abc", D4, "R", "amount", "not a number"),
    ("-5", D4, "R", "amount", "greater than zero"),
    ("1.005", D4, "R", "amount", r"more decimals than EUR has \(2\); give the amount paid with at most 2"),
    ("1.0", "05/01/2023", "R", "paid_on", "write it as YYYY-MM-DD"),
    ("1.0", date.today() + timedelta(days=1), "R", "paid_on", "record a payment once it is made"),
    ("1.0", D4, "  ", "reference", "The payment reference is required"),
])
def test_bad_input_names_the_field(office: Office, amount: str, day: object, reference: str, field: str,
                                   message: str) -> None:
    holdings(office)
    before = written(office)
    with pytest.raises(ValidationError, match=message) as refused:
        office.p.fees.pay_fees(BACK, office.eur.class_id, amount, day, reference)
    assert set(refused.value.problems) == {field}
    assert written(office) == before


def test_an_unknown_class_is_refused(office: Office) -> None:
    with pytest.raises(ValidationError, match="no share class with id 'nope'"):
        office.p.fees.pay_fees(BACK, "nope", "1", D4, "R")


def test_two_workstations_paying_at_once_cannot_both_pass_the_check(office: Office,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The second saw the payments before the first was recorded: its payment number clashes, nothing is written."""
    holdings(office)
    fees = office.p.fees
    before_first = fees._history(office.eur.class_id)
    pay(office, "30", reference="DESK-1")
    monkeypatch.setattr(fees, "_history", lambda class_id: before_first)
    before = written(office)
    with pytest.raises(ConcurrencyError, match="recorded at the same time; look at the fees owed again"):
        pay(office, "30", reference="DESK-2")
    assert written(office) == before


def test_cash_ledger_outflow_only_when_the_fund_keeps_a_cash_ledger(office: Office) -> None:
    holdings(office)
    pay(office, "10", reference="NO-LEDGER")
    assert office.p.cashflows.movements(PM, fund_id=office.fund.fund_id) == []  # nothing settled in FIDUS yet
    office.p.ledgers.add_cash(D2, "subscription", Decimal(1000), "EUR", fund_id=office.fund.fund_id,
                              class_id=office.eur.class_id, investor_id=office.ann.investor_id, transaction_id="t1")
    pay(office, "25", reference="WITH-LEDGER")
    line = office.p.cashflows.movements(PM, fund_id=office.fund.fund_id)[-1]
    assert (line.kind, line.amount, line.currency, line.value_date, line.class_id) == (
        FEE_PAYMENT_CASH, Decimal("-25"), "EUR", D4, office.eur.class_id)
    assert [f.kind for f in office.p.cashflows.external_flows(PM, office.fund.fund_id, D2, D4)] == ["subscription"]


def test_pay_fees_permissions(office: Office) -> None:
    holdings(office)
    outcomes = assert_permission_matrix(
        lambda actor: office.p.fees.pay_fees(actor, office.eur.class_id, "5", D4, "BANK-1"), Permission.FEES_PAY,
        state=lambda: written(office))
    assert [role for role, outcome in outcomes.items() if outcome is None] == [Role.ADMIN, Role.BACK_OFFICE]
    assert office.p.fees.payments.count() == 1  # admin recorded it; back office's re-run was the same payment


def test_derived_nav_no_longer_deducts_a_paid_fee_twice(office: Office) -> None:
    holdings(office)  # cash 60,000 EUR; 35.00 EUR fees owed by GLB-A-EUR
    fund_id, derive = office.fund.fund_id, office.p.nav_derivation.derive_nav
    owing = derive(PM, fund_id, D4)
    # 35.00 charged + 3.49 accrued on D4 (1000 × 102 × 1.25 % / 365)
    assert (owing.cash, owing.fees, owing.net) == (Decimal(60000), Decimal("38.49"), Decimal("154292.23"))
    cash = office.p.holdings.instruments.find_one({"code": "CASH-EUR"})
    office.p.holdings.set_position(PM, fund_id, cash["_id"], "59965")  # the custodian paid the manager 35.00
    double = derive(PM, fund_id, D4)
    assert double.net == owing.net - 35  # cash lowered and the fee still owed: deducted twice
    pay(office, "35.00")
    paid = derive(PM, fund_id, D4)
    assert (paid.cash, paid.fees, paid.net) == (Decimal(59965), Decimal("3.49"), owing.net)
    eur = paid.classes[0]
    assert (eur.fees.charged.amount, eur.fees.paid.amount, eur.fees.owed.amount) == (Decimal("35.00"),
                                                                                     Decimal("35.00"), Decimal("3.49"))
    assert "fees EUR: charged 35.00 + accrued 3.49 − paid 35.00 = owed 3.49" in paid.describe()


DAY0 = date(2024, 1, 1)
cents = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000"), places=2)
dated = st.tuples(st.integers(min_value=0, max_value=30), cents)


@settings(max_examples=200, deadline=None)
@given(charges=st.lists(dated, max_size=8), attempts=st.lists(dated, max_size=12))
def test_accepted_payments_never_leave_a_date_owing_less_than_nothing(
    charges: list[tuple[int, Decimal]], attempts: list[tuple[int, Decimal]]
) -> None:
    """Whatever the order payments arrive in, a payment is accepted exactly when no date would owe below zero."""
    charged = [(DAY0 + timedelta(days=d), Money(a, "EUR")) for d, a in charges]
    paid: list[tuple[date, Money]] = []
    days = [DAY0 + timedelta(days=d) for d in range(32)]
    for offset, amount in attempts:
        payment = (DAY0 + timedelta(days=offset), Money(amount, "EUR"))
        fits = all(fees_owed(charged, [*paid, payment], day, "EUR").owed.amount >= 0 for day in days)
        try:
            check_fee_payment(charged, paid, *payment, "C")
        except FeeError:
            assert not fits
        else:
            assert fits
            paid.append(payment)
        for day in days:
            state = fees_owed(charged, paid, day, "EUR")
            assert state.owed.amount >= 0
            assert state.paid.amount == sum((m.amount for d, m in paid if d <= day), Decimal(0))
    assert fees_owed(charged, paid, days[-1], "EUR").paid.amount == sum((m.amount for _, m in paid), Decimal(0))
