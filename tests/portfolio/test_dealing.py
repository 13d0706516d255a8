"""Dealing workflow: four-eyes, NAV required, fees before units, ledgers, concurrency, paging, permissions."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.permissions import Permission
from fidus_desktop.services.portfolio.dealing import TransactionQuery, TransactionRequest
from fidus_desktop.store.errors import ConcurrencyError
from tests.permission_matrix import assert_permission_matrix
from tests.portfolio.fixtures import BACK, D1, D2, D3, D4, PM, PM2, Office


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
    # The stored NAV is net of fees: the deal prices at it; the settlement books the day's accrual
    # (98 units × NAV 100 of D1 × 1.25 % / 365 = 0.3356 → 0.34).
    assert done.deal["nav_per_unit"] == Decimal("101")
    (mgmt,) = office.p.fees.ledger(PM, class_id=office.eur.class_id)[1:2]
    assert (mgmt.kind, mgmt.amount, mgmt.period_start, mgmt.period_end) == ("management", Decimal("0.34"), D1, D2)
    assert office.p.investors.account(office.ann.investor_id, office.eur.class_id).units == 0


def redeem(o: Office, **how):
    return o.p.dealing.enter(PM, TransactionRequest("redemption", o.eur.class_id, o.ann.investor_id, D2, D2, D3,
                                                    **how))


def test_redeeming_more_than_held_is_refused_at_entry_and_nothing_is_stored(office: Office) -> None:
    settled(office, subscribe(office, "1000"))  # 980 net / 100 = 9.8000 units
    count = office.p.dealing.transactions.count()
    with pytest.raises(ValidationError, match=r"holds 9\.8000 units of GLB-A-EUR; this redemption needs 50\.0000\. "
                                              r"Ask for at most 9\.8000 units"):
        redeem(office, units="50")
    with pytest.raises(ValidationError, match=r"needs 9\.9010"):  # 1000 EUR at NAV 101 of D2
        redeem(office, amount="1000")
    assert office.p.dealing.transactions.count() == count
    assert office.p.investors.account(office.ann.investor_id, office.eur.class_id).units == Decimal("9.8000")


def test_open_redemptions_count_against_the_holding_at_entry_and_approval(office: Office) -> None:
    settled(office, subscribe(office, "1000"))  # 9.8000 units
    first = redeem(office, units="6")
    with pytest.raises(ValidationError, match=r"6\.0000 already asked for by open transactions"):
        redeem(office, units="4")
    second = redeem(office, units="3.8")  # exactly what is left
    with pytest.raises(ValidationError, match=f"Redemption {first.ref} of the same holding"):
        redeem(office, full=True)
    office.p.dealing.cancel(PM, first.transaction_id, first.version, "entered twice")
    assert office.p.dealing.approve(PM2, second.transaction_id, second.version).status == "approved"


def test_a_redemption_by_amount_cannot_pay_more_than_the_holding_is_worth(office: Office) -> None:
    settled(office, subscribe(office, "1000"))  # 9.8000 units, worth 9.8 × 101 = 989.80 EUR on D2
    with pytest.raises(ValidationError, match=r"needs 9\.8001\. Ask for at most 9\.8000 units \(worth about "
                                              r"989\.80 EUR at 101\)"):
        redeem(office, amount="989.81")  # 9.800099 units: a fraction of a tick over
    done = settled(office, redeem(office, amount="989.80"))
    assert (done.deal["gross"], done.deal["units"]) == (Decimal("989.80"), Decimal("9.8000"))


def test_a_performance_fee_due_on_the_units_leaving_is_named_at_approval(office: Office) -> None:
    p = office.p
    perf = p.funds.create_class(PM, office.fund.fund_id, "GLB-P-EUR", "P EUR", "EUR", launch_date="2023-01-01",
                                fees={"performance_rate": "0.20"})
    for day, nav in ((D1, "100"), (D2, "110")):
        p.navs.set_nav(PM, perf.class_id, day, nav)
    settled(office, subscribe(office, "1000", class_id=perf.class_id))  # 10 units at 100, high-water mark 100
    red = p.dealing.enter(PM, TransactionRequest("redemption", perf.class_id, office.ann.investor_id, D2, D2, D3,
                                                 units="10"))
    # Fee on the 10 units leaving: 20 % × 10 × (110 − 100) = 20.00 EUR = 0.1818 units at 110; 9.8182 can go.
    with pytest.raises(ValidationError, match=r"a performance fee of 20\.00 EUR on the units leaving .* cancelling "
                                              r"0\.1818 units; this redemption needs 10\.1818\. Ask for at most "
                                              r"9\.8182 units"):
        p.dealing.approve(PM2, red.transaction_id, red.version)
    p.dealing.cancel(PM, red.transaction_id, red.version, "ask for all units instead")
    full = p.dealing.enter(PM, TransactionRequest("redemption", perf.class_id, office.ann.investor_id, D2, D2, D3,
                                                  full=True))
    done = settled(office, full)
    assert done.deal["units"] == Decimal("9.8182")
    fee = [e for e in p.fees.ledger(PM, class_id=perf.class_id) if e.kind == "performance"]
    assert [(e.amount, e.units_cancelled) for e in fee] == [(Decimal("20.00"), Decimal("0.1818"))]


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


def test_fees_owed_accrue_daily_after_the_last_deal_and_settling_does_not_change_them(office: Office) -> None:
    settled(office, subscribe(office))  # 98 units on D1 (NAVs: D1 100, D2 101, D3 102)
    eur = office.eur.class_id
    daily = [Decimal(98) * nav * Decimal("0.0125") / 365 for nav in (Decimal(100), Decimal(101), Decimal(102))]
    cent = Decimal("0.01")
    # Nothing settled since D1, yet the management fee accrues every day on the NAV the day opened with.
    assert office.p.fees.owed(PM, eur, D4).owed.amount == sum(daily).quantize(cent)
    before = office.p.fees.owed(PM, eur, D3)
    assert before.accrued.amount == sum(daily[:2]).quantize(cent)
    settled(office, office.p.dealing.enter(PM, TransactionRequest("redemption", eur, office.ann.investor_id,
                                                                  D3, D3, D3, full=True)))
    after = office.p.fees.owed(PM, eur, D3)
    assert after.owed == before.owed  # the settlement charged exactly what had accrued
    assert (after.charged.amount, after.accrued.amount) == (sum(daily[:2]).quantize(cent), 0)
    assert office.p.fees.owed(PM, eur, D4).owed == after.owed  # no units left, nothing accrues


def test_the_preview_shows_what_settling_books_and_writes_nothing(office: Office) -> None:
    settled(office, subscribe(office))  # 98 units on D1
    red = redeem(office, units="40")
    written = (office.p.fees.entries.count(), office.p.ledgers.units.count(), office.services.ctx.audit.last()["seq"])
    preview = office.p.dealing.preview(PM, red.transaction_id)
    assert (office.p.fees.entries.count(), office.p.ledgers.units.count(),
            office.services.ctx.audit.last()["seq"]) == written
    # 40 units at the D2 NAV 101: gross 4,040.00, 1 % exit fee 40.40, net 3,999.60; one day's management fee first.
    assert preview.deal is not None
    assert (preview.deal.nav_per_unit.amount, preview.deal.units, preview.deal.gross.amount, preview.deal.fee.amount,
            preview.deal.net.amount) == (Decimal(101), Decimal(40), Decimal("4040.00"), Decimal("40.40"),
                                         Decimal("3999.60"))
    assert [(e.kind, e.amount.amount) for e in preview.fees] == [("management", Decimal("0.34"))]
    assert "at NAV 101.0000 EUR: 40.0000 units, gross 4,040.00 − fee 40.40 = net 3,999.60 EUR" in preview.describe()
    done = settled(office, red)
    assert (done.deal["units"], done.deal["net"]) == (preview.deal.units, preview.deal.net.amount)
    later = office.p.dealing.enter(PM, TransactionRequest("redemption", office.eur.class_id, office.ann.investor_id,
                                                          "2023-01-09", "2023-01-09", "2023-01-10", units="1"))
    assert office.p.dealing.preview(PM, later.transaction_id).describe() == (
        f"{later.ref} cannot be settled now: dealing_date: Cannot settle: there is no NAV for GLB-A-EUR on the "
        "dealing date 2023-01-09. Enter or import that NAV first.")


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


def test_the_year_end_performance_fee_is_charged_on_the_year_end_valuation(office: Office) -> None:
    p = office.p
    perf = p.funds.create_class(PM, office.fund.fund_id, "GLB-P2-EUR", "P2 EUR", "EUR", launch_date="2023-01-01",
                                fees={"performance_rate": "0.20", "hurdle_rate": "0.05"})
    year_end, later = date(2023, 12, 29), date(2024, 1, 15)  # Friday 29 December: the last valuation of 2023
    for day, nav in ((D1, "100"), (year_end, "110"), (later, "120")):
        p.navs.set_nav(PM, perf.class_id, day, nav)
    settled(office, subscribe(office, "1000", class_id=perf.class_id))  # 10 units at 100 on D1
    settled(office, office.p.dealing.enter(PM, TransactionRequest(
        "subscription", perf.class_id, office.bob.investor_id, later, later, later, amount="1200")))
    # By hand: hurdle to 31 Dec = 100 × (1 + 5 % × 363/365); fee = 20 % × 10 × (110 − that), paid in units at 120.
    threshold = Decimal(100) * (1 + Decimal("0.05") * 363 / 365)
    fee = (Decimal("0.20") * 10 * (Decimal(110) - threshold)).quantize(Decimal("0.01"))
    (entry,) = [e for e in p.fees.ledger(PM, class_id=perf.class_id) if e.kind == "performance"]
    assert (entry.amount, entry.period_end, entry.charged_on) == (fee, date(2023, 12, 31), later)
    assert entry.units_cancelled == (fee / 120).quantize(Decimal("0.0001"))
    account = p.investors.account(office.ann.investor_id, perf.class_id)
    assert (account.high_water_mark, account.period_start) == (Decimal(110), date(2023, 12, 31))
    assert p.fees.owed(PM, perf.class_id, date(2023, 12, 31)).charged.is_zero()  # charged when it is paid
    assert p.fees.owed(PM, perf.class_id, later).charged.amount == fee
