"""Dealing workflow: four-eyes, NAV required, fees before units, ledgers, concurrency, paging, permissions."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.permissions import Permission
from fidus_desktop.services.portfolio.dealing import TransactionQuery, TransactionRequest
from fidus_desktop.store.errors import ConcurrencyError
from tests.permission_matrix import assert_permission_matrix
from tests.portfolio.fixtures import BACK, D1, D2, D3, PM, PM2, Office


def subscribe(o: Office, amount: str = "10000", day=D1, settle=D3, class_id=None):
    return o.p.dealing.enter(PM, TransactionRequest("subscription", class_id or o.eur.class_id, o.ann.investor_id,
                                                    day, day, settle, amount=amount))


def settled(o: Office, view):
    approved = o.p.dealing.approve(PM2, view.transaction_id, view.version)
    return o.p.dealing.settle(BACK, approved.transaction_id, approved.version)


def test_subscription_is_priced_at_the_dealing_nav_with_entry_fee_and_books_every_ledger(office: Office) -> None:
    done = settled(office, subscribe(office))
    assert done.status == "settled"
    assert done.deal == {"nav_per_unit": Decimal("100.0000"), "gross": Decimal("10000.00"), "fee": Decimal("200.00"),
                         "net": Decimal("9800.00"), "units": Decimal("98.0000"), "target_units": Decimal("0")}
    account = office.p.investors.account(office.ann.investor_id, office.eur.class_id)
    assert account is not None
    assert account.units == Decimal("98.0000")
    assert account.high_water_mark == Decimal("100")
    cash = office.p.cashflows.movements(PM, investor_id=office.ann.investor_id)
    assert [(m.kind, m.amount, m.value_date) for m in cash] == [("subscription", Decimal("10000.00"), D3),
                                                                 ("entry_fee", Decimal("-200.00"), D3)]
    assert [e.kind for e in office.p.fees.ledger(PM)] == ["entry"]


def test_four_eyes_the_creator_cannot_approve(office: Office) -> None:
    view = subscribe(office)
    with pytest.raises(ValidationError, match="Four-eyes"):
        office.p.dealing.approve(PM, view.transaction_id, view.version)
    assert office.p.dealing.get(PM, view.transaction_id).status == "pending"


def test_approving_needs_the_nav_of_the_dealing_date(office: Office) -> None:
    view = office.p.dealing.enter(PM, TransactionRequest("subscription", office.eur.class_id, office.ann.investor_id,
                                                         "2023-01-09", "2023-01-09", "2023-01-11", amount="500"))
    with pytest.raises(ValidationError, match="no NAV for GLB-A-EUR on the dealing date 2023-01-09"):
        office.p.dealing.approve(PM2, view.transaction_id, view.version)


def test_fees_are_settled_before_a_later_redemption_changes_units(office: Office) -> None:
    settled(office, subscribe(office))
    red = office.p.dealing.enter(PM, TransactionRequest("redemption", office.eur.class_id, office.ann.investor_id,
                                                        D2, D2, D3, full=True))
    done = settled(office, red)
    kinds = [e.kind for e in office.p.fees.ledger(PM, class_id=office.eur.class_id)]
    assert kinds[:2] == ["entry", "management"]
    assert "exit" in kinds
    assert done.deal["nav_per_unit"] < Decimal("101")  # one day of management fee came off the valuation
    assert office.p.investors.account(office.ann.investor_id, office.eur.class_id).units == 0


def test_redeeming_more_than_held_is_refused_and_nothing_changes(office: Office) -> None:
    settled(office, subscribe(office, "1000"))
    red = office.p.dealing.enter(PM, TransactionRequest("redemption", office.eur.class_id, office.ann.investor_id,
                                                        D2, D2, D3, units="50"))
    approved = office.p.dealing.approve(PM2, red.transaction_id, red.version)
    with pytest.raises(ValidationError, match="holds"):
        office.p.dealing.settle(BACK, approved.transaction_id, approved.version)
    assert office.p.dealing.get(PM, red.transaction_id).status == "approved"
    assert office.p.investors.account(office.ann.investor_id, office.eur.class_id).units == Decimal("9.8000")


def test_switch_and_transfer_move_units(office: Office) -> None:
    settled(office, subscribe(office, "1000"))
    transfer = office.p.dealing.enter(PM, TransactionRequest(
        "transfer", office.eur.class_id, office.ann.investor_id, D2, D2, D2, units="4",
        target_investor_id=office.bob.investor_id))
    settled(office, transfer)
    assert office.p.investors.account(office.bob.investor_id, office.eur.class_id).units == Decimal("4")
    other = office.p.funds.create_class(PM, office.fund.fund_id, "GLB-I-EUR", "I EUR", "EUR", launch_date=D1)
    office.p.navs.set_nav(PM, other.class_id, D3, "50")
    switch = office.p.dealing.enter(PM, TransactionRequest(
        "switch", office.eur.class_id, office.bob.investor_id, D3, D3, D3, full=True, target_class_id=other.class_id))
    done = settled(office, switch)
    assert office.p.investors.account(office.bob.investor_id, office.eur.class_id).units == 0
    assert office.p.investors.account(office.bob.investor_id, other.class_id).units == done.deal["target_units"] > 0


def test_cancel_needs_a_reason_and_settled_is_final(office: Office) -> None:
    view = subscribe(office)
    with pytest.raises(ValidationError, match="reason"):
        office.p.dealing.cancel(PM, view.transaction_id, view.version, " ")
    cancelled = office.p.dealing.cancel(PM, view.transaction_id, view.version, "client withdrew")
    assert cancelled.status == "cancelled"
    assert cancelled.cancel_reason == "client withdrew"
    with pytest.raises(ValidationError, match="cannot become approved"):
        office.p.dealing.approve(PM2, cancelled.transaction_id, cancelled.version)


def test_stale_version_is_a_concurrency_error(office: Office) -> None:
    view = subscribe(office)
    office.p.dealing.approve(PM2, view.transaction_id, view.version)
    with pytest.raises(ConcurrencyError):
        office.p.dealing.cancel(PM2, view.transaction_id, view.version, "too late")


def test_invalid_requests_are_explained(office: Office) -> None:
    bad = TransactionRequest("subscription", office.eur.class_id, office.ann.investor_id, D2, D1, D3, amount="5")
    with pytest.raises(ValidationError, match="before the trade date"):
        office.p.dealing.enter(PM, bad)
    with pytest.raises(ValidationError, match="not one of"):
        office.p.dealing.enter(PM, TransactionRequest("gift", office.eur.class_id, office.ann.investor_id, D1, D1, D1))
    with pytest.raises(ValidationError, match="float"):
        office.p.dealing.enter(PM, TransactionRequest("subscription", office.eur.class_id, office.ann.investor_id,
                                                      D1, D1, D1, amount=1.5))


def test_permissions_of_the_dealing_calls(office: Office) -> None:
    request = TransactionRequest("subscription", office.eur.class_id, office.ann.investor_id, D1, D1, D3,
                                 amount="100")
    count = office.p.dealing.transactions.count
    assert_permission_matrix(lambda actor: office.p.dealing.enter(actor, request), Permission.DEALING_ENTER,
                             state=count)
    view = subscribe(office)
    assert_permission_matrix(lambda actor: office.p.dealing.approve(actor, view.transaction_id, view.version),
                             Permission.DEALING_APPROVE,
                             state=lambda: office.p.dealing.transactions.require(view.transaction_id)["status"])


def test_paging_filters_and_sorts_on_indexed_fields(office: Office) -> None:
    for amount in ("100", "200", "300"):
        subscribe(office, amount)
    subscribe(office, "400", class_id=office.usd.class_id)
    query = TransactionQuery(class_id=office.eur.class_id, status="pending")
    assert office.p.dealing.count(PM, query) == 3
    page = office.p.dealing.page(PM, query, sort=[("trade_date", 1)], offset=1, limit=2)
    assert len(page) == 2
    assert all(v.class_id == office.eur.class_id for v in page)
    with pytest.raises(ValidationError, match="Cannot sort by amount"):
        office.p.dealing.page(PM, query, sort=[("amount", 1)])


def test_forecast_lists_unsettled_flows_by_settlement_date(office: Office) -> None:
    subscribe(office, "1000")
    subscribe(office, "500", settle=D2)
    lines = office.p.cashflows.forecast(PM, office.fund.fund_id)
    assert [(line.settlement_date, line.subscriptions) for line in lines] == [(D2, Decimal("500")),
                                                                              (D3, Decimal("1000"))]


def test_references_are_readable_per_fund_numbers(office: Office) -> None:
    refs = [subscribe(office, "100").ref for _ in range(3)]
    assert refs == ["GLB-000001", "GLB-000002", "GLB-000003"]


def test_a_reference_a_user_already_chose_is_skipped(office: Office) -> None:
    office.p.dealing.enter(PM, TransactionRequest("subscription", office.eur.class_id, office.ann.investor_id,
                                                  D1, D1, D3, amount="100", ref="GLB-000002"))
    assert [subscribe(office, "100").ref for _ in range(2)] == ["GLB-000001", "GLB-000003"]


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(per_thread=st.integers(min_value=1, max_value=25))
def test_rapid_entries_from_two_threads_all_get_distinct_references(office: Office, per_thread: int) -> None:
    """Many entries in the same instant, from two threads, are all stored under distinct references."""
    before = office.p.dealing.transactions.count()
    barrier = threading.Barrier(2)

    def enter_many() -> list[str]:
        barrier.wait()
        refs = [subscribe(office, "10").ref for _ in range(per_thread)]
        return refs

    with ThreadPoolExecutor(2) as pool:
        made = [ref for refs in pool.map(lambda _: enter_many(), range(2)) for ref in refs]
    assert len(set(made)) == len(made) == 2 * per_thread
    assert office.p.dealing.transactions.count() == before + 2 * per_thread
