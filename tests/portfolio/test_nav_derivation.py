"""Derived NAV: holdings + cash − fees owed, split by the previous NAV, per unit; saving as ``derived`` NAVs."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from fidus_desktop.domain.fees import FeeKind, FeeLedgerEntry
from fidus_desktop.domain.money import Money
from fidus_desktop.domain.nav_derivation import ClassInput, NavDerivationError, derive_class_navs
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.permissions import Permission
from fidus_desktop.store.errors import ConcurrencyError
from tests.permission_matrix import assert_permission_matrix
from tests.portfolio.fixtures import D1, D2, D3, D4, PM, PM2, Office

SATURDAY = date(2023, 1, 7)  # no ECB rate: the USD rate of Friday 6 January is used (stale)


def positions(office: Office, price_dates: tuple[date, ...] = (D4,)) -> None:
    """1000 US shares at 100 USD and 60,000 EUR cash."""
    p = office.p
    shares = p.holdings.add_instrument(PM, "EQ-US", "US equity", "USD", "equity")
    cash = p.holdings.add_instrument(PM, "CASH-EUR", "Cash EUR", "EUR", "cash")
    p.holdings.set_prices(PM, shares["_id"], dict.fromkeys(price_dates, "100"))
    p.holdings.set_position(PM, office.fund.fund_id, shares["_id"], "1000")
    p.holdings.set_position(PM, office.fund.fund_id, cash["_id"], "60000")


def holdings(office: Office, *, price_dates: tuple[date, ...] = (D4,)) -> None:
    """``positions``; 1000 EUR-class and 500 USD-class units; 35 EUR fees owed."""
    p = office.p
    positions(office, price_dates)
    p.ledgers.add_units(D2, office.eur.class_id, office.ann.investor_id, Decimal(1000), "subscription")
    p.ledgers.add_units(D2, office.usd.class_id, office.bob.investor_id, Decimal(500), "subscription")
    p.fees.record(FeeLedgerEntry(office.fund.fund_id, office.eur.class_id, None, FeeKind.MANAGEMENT, D1, D3,
                                 Money(Decimal(102000), "EUR"), Decimal("0.0125"), Money(Decimal("35.00"), "EUR")))


def test_two_class_multi_currency_nav_by_hand(office: Office) -> None:
    holdings(office)
    result = office.p.nav_derivation.derive_nav(PM, office.fund.fund_id, D4)
    # ECB 2023-01-05: 1.0601 USD per EUR; 2023-01-04 (previous NAV date): 1.0599.
    # Holdings: 1000 × 100 USD / 1.0601 = 94,330.72 EUR; cash 60,000 EUR; gross 154,330.72 EUR.
    assert (result.holdings, result.cash, result.gross) == (Decimal("94330.72"), Decimal(60000),
                                                             Decimal("154330.72"))
    eur, usd = result.classes
    # Weights before fees: EUR 1000 × 102 + 35.00 owed on D3 (already out of its NAV) = 102,035;
    # USD 500 × 102 / 1.0599 = 48,117.7470 (EUR).
    # Shares: 104,874.1054 and 49,456.6146 → floor to cents, the left-over cent to the larger remainder (EUR).
    assert (eur.share.gross_base, usd.share.gross_base) == (Decimal("104874.11"), Decimal("49456.61"))
    # EUR fees owed on D4: 35.00 charged + one day accrued on D3's NAV, 1000 × 102 × 1.25 % / 365 = 3.49.
    # 104,874.11 − 38.49 = 104,835.62 / 1000 = 104.8356 (104.83562 to 4 dp).
    assert (eur.share.fees_base, eur.share.net_assets, eur.share.nav_per_unit) == (
        Decimal("38.49"), Decimal("104835.62"), Decimal("104.8356"))
    assert (eur.fees.charged.amount, eur.fees.accrued.amount) == (Decimal("35.00"), Decimal("3.49"))
    # USD: 49,456.61 EUR × 1.0601 = 52,428.95 USD / 500 = 104.8579 (104.85790).
    assert (usd.share.net_assets, usd.share.nav_per_unit) == (Decimal("52428.95"), Decimal("104.8579"))
    assert result.fees == Decimal("38.49")
    assert result.net == Decimal("154292.23")
    assert usd.previous_fx.rate_date == D3
    assert not result.stale
    assert "EQ-US" not in result.describe()
    assert "104.8579" in result.describe()


def test_stale_fx_rate_is_flagged(office: Office) -> None:
    holdings(office, price_dates=(D4, SATURDAY))
    result = office.p.nav_derivation.derive_nav(PM, office.fund.fund_id, SATURDAY)
    eur, usd = result.classes
    assert usd.fx.stale
    assert usd.fx.rate_date == date(2023, 1, 6)
    assert not eur.fx.stale
    assert result.stale
    assert "stale" in result.describe()


def test_missing_price_is_a_clear_error_and_nothing_is_saved(office: Office) -> None:
    holdings(office)
    bond = office.p.holdings.add_instrument(PM, "BD-1", "Bond", "EUR", "bonds")
    office.p.holdings.set_position(PM, office.fund.fund_id, bond["_id"], "10")
    navs, audit = office.p.navs.navs.count(), office.services.ctx.audit.last()["seq"]
    with pytest.raises(ValidationError, match="no price for BD-1 on or before 2023-01-06"):
        office.p.nav_derivation.derive_nav(PM, office.fund.fund_id, "2023-01-06", save=True)
    assert office.p.navs.navs.count() == navs
    assert office.services.ctx.audit.last()["seq"] == audit


def test_a_class_without_units_gets_a_message_and_no_nav(office: Office) -> None:
    holdings(office)
    office.p.ledgers.add_units(D3, office.usd.class_id, office.bob.investor_id, Decimal(-500), "redemption")
    result = office.p.nav_derivation.derive_nav(PM, office.fund.fund_id, D4)
    eur, usd = result.classes
    assert usd.share.nav_per_unit is None
    assert "no units outstanding" in usd.share.message
    assert eur.share.gross_base == result.gross  # the whole fund belongs to the EUR class


def test_save_inserts_new_dates_and_corrects_stored_ones_with_a_reason(office: Office) -> None:
    holdings(office, price_dates=(D4, date(2023, 1, 6)))
    p = office.p
    saved = p.nav_derivation.derive_nav(PM, office.fund.fund_id, "2023-01-06", save=True)
    assert {p.navs.nav_on(c.share.class_id, date(2023, 1, 6)).source for c in saved.classes} == {"derived"}
    assert office.services.ctx.audit.last()["action"] == "nav.derive"
    with pytest.raises(ValidationError, match="give a reason"):
        p.nav_derivation.derive_nav(PM, office.fund.fund_id, D4, save=True)
    p.nav_derivation.derive_nav(PM, office.fund.fund_id, D4, save=True, reason="valued from holdings")
    point = p.navs.nav_on(office.eur.class_id, D4)
    assert (point.nav_per_unit, point.source) == (Decimal("104.8356"), "derived")
    assert (point.corrections[0].old, point.corrections[0].reason) == (Decimal("101.5"), "valued from holdings")


def test_saving_a_preview_after_a_colleague_changed_the_nav_is_refused(office: Office) -> None:
    holdings(office)
    p = office.p
    preview = p.nav_derivation.derive_nav(PM, office.fund.fund_id, D4)
    stored = p.navs.nav_on(office.eur.class_id, D4)
    p.navs.correct_nav(PM2, stored.nav_id, stored.version, "101.6", "late price")
    with pytest.raises(ConcurrencyError):
        p.nav_derivation.save(PM, preview, "valued from holdings")
    assert p.navs.nav_on(office.usd.class_id, D4).nav_per_unit == Decimal("101.5")  # nothing half-written


def test_derive_permissions(office: Office) -> None:
    holdings(office)
    assert_permission_matrix(
        lambda actor: office.p.nav_derivation.derive_nav(actor, office.fund.fund_id, "2023-01-06", save=True),
        Permission.NAV_MANAGE, state=office.p.navs.navs.count)


money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000000"), places=2)


@settings(max_examples=200, deadline=None)
@given(gross=money, classes=st.lists(st.tuples(
    st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("1000000"), places=4),
    st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("10000"), places=4),
    st.decimals(min_value=Decimal("0.5"), max_value=Decimal("2"), places=5),
    st.decimals(min_value=Decimal("0.5"), max_value=Decimal("2"), places=5),
    st.decimals(min_value=Decimal(0), max_value=Decimal("100"), places=2),
    st.sampled_from(["EUR", "USD", "JPY"])), min_size=1, max_size=4))
def test_class_shares_add_up_to_the_fund_net_assets(gross: Decimal, classes: list[tuple]) -> None:
    inputs = [ClassInput(f"c{i}", f"C{i}", ccy, units, nav, D3, prev_rate, rate, fees)
              for i, (units, nav, prev_rate, rate, fees, ccy) in enumerate(classes)]
    try:
        result = derive_class_navs(gross, "EUR", D4, inputs)
    except NavDerivationError:
        assume(False)
    assert sum(c.gross_base for c in result) == gross
    assert sum(c.net_base for c in result) == gross - sum(c.fees_base for c in result)
    assert sum(c.weight for c in result) == pytest.approx(1)


def test_a_fund_without_positions_says_so_instead_of_blaming_the_fees(office: Office) -> None:
    p = office.p
    p.ledgers.add_units(D2, office.eur.class_id, office.ann.investor_id, Decimal(1000), "subscription")
    # Fees owed: the management fee accrued since the units were issued on D2: 1000 × (101 + 102) × 1.25 % / 365.
    with pytest.raises(ValidationError, match=r"GLB-A-EUR's share of the fund on 2023-01-05 \(0 EUR\) does not exceed "
                                              r"its fees owed \(6\.95 EUR\), so it has no positive NAV; check the "
                                              "fund's positions and prices"):
        p.nav_derivation.derive_nav(PM, office.fund.fund_id, D4)


# -- unpaid fees are not taken twice (issue 11) ----------------------------------------------------------------

def plain_nav(gross: Decimal, mine: tuple[Decimal, Decimal, Decimal], everyone: list[tuple[Decimal, Decimal, Decimal]]
              ) -> Decimal:
    """A class's NAV by hand: its gross part of the pool (units × NAV + fees owed, all in one currency), less
    its fees owed today; ``(units, previous nav, fees owed)``, fees unchanged since the previous date."""
    units, nav, fees = mine
    part = gross * (units * nav + fees) / sum(u * n + f for u, n, f in everyone)
    return ((part - fees) / units).quantize(Decimal("0.0001"))


def test_the_issue_example_two_classes_one_owing_100_stay_where_they_are() -> None:
    # Reported: the class owing 100 went 99.0000 → 98.4975 → 97.9925 → 97.4849 while the other rose.
    navs = {"a": Decimal("99.0000"), "b": Decimal("100.0000")}
    fees = {"a": Decimal(100), "b": Decimal(0)}
    for day in (D2, D3, D4):
        inputs = [ClassInput(c, c.upper(), "EUR", Decimal(100), navs[c], D1, Decimal(1), Decimal(1), fees[c],
                             fees[c]) for c in ("a", "b")]
        navs = {n.class_id: n.nav_per_unit for n in derive_class_navs(Decimal(20000), "EUR", day, inputs)}
        assert navs == {"a": Decimal("99.0000"), "b": Decimal("100.0000")}
        assert navs["a"] == plain_nav(Decimal(20000), (Decimal(100), Decimal(99), Decimal(100)),
                                      [(Decimal(100), Decimal(99), Decimal(100)), (Decimal(100), Decimal(100), 0)])


@settings(max_examples=150, deadline=None)
@given(classes=st.lists(st.tuples(
    st.decimals(min_value=Decimal("1"), max_value=Decimal("100000"), places=4),
    st.decimals(min_value=Decimal("50"), max_value=Decimal("200"), places=4),
    st.decimals(min_value=Decimal(0), max_value=Decimal("1000"), places=2)), min_size=2, max_size=4))
def test_repeated_derivations_with_nothing_changing_do_not_move_value_between_classes(classes: list[tuple]) -> None:
    # The pool is what the classes' NAVs and fees say it is; re-deriving day after day must keep every NAV
    # (within the 4-dp rounding of the first derivation) and match the hand computation.
    gross = sum((u * n + f for u, n, f in classes), Decimal(0)).quantize(Decimal("0.01"))
    navs = [n for _, n, _ in classes]
    seen = []
    for day in (D2, D3, D4):
        inputs = [ClassInput(f"c{i}", f"C{i}", "EUR", u, navs[i], D1, Decimal(1), Decimal(1), f, f)
                  for i, (u, _, f) in enumerate(classes)]
        navs = [n.nav_per_unit for n in derive_class_navs(gross, "EUR", day, inputs)]
        seen.append(navs)
    for i, (units, nav, fees) in enumerate(classes):
        assert abs(seen[0][i] - plain_nav(gross, (units, nav, fees), classes)) <= Decimal("0.0001") + \
            Decimal("0.01") / units  # split to cents
        assert abs(seen[-1][i] - seen[0][i]) <= Decimal("0.0001") + Decimal("0.02") / units


def test_saved_derivations_day_after_day_are_stable_and_accrue_only_the_class_that_pays(office: Office) -> None:
    """Two EUR classes sharing 20,000 EUR of cash: A owes 100.00 and pays 3.65 % a year of management fee, B pays
    nothing. B must stay at 100.0000 every day; A falls by exactly its own daily accrual (recomputed here)."""
    p = office.p
    fund = p.funds.create_fund(PM, "TWO", "Two classes", "EUR")
    a = p.funds.create_class(PM, fund.fund_id, "TWO-A", "A", "EUR", launch_date="2023-01-01",
                             fees={"management_rate": "0.0365"})
    b = p.funds.create_class(PM, fund.fund_id, "TWO-B", "B", "EUR", launch_date="2023-01-01")
    cash = p.holdings.add_instrument(PM, "CASH-TWO", "Cash", "EUR", "cash")
    p.holdings.set_position(PM, fund.fund_id, cash["_id"], "20000")
    for share_class, investor, nav in ((a, office.ann, "99"), (b, office.bob, "100")):
        p.ledgers.add_units(D1, share_class.class_id, investor.investor_id, Decimal(100), "subscription")
        p.navs.set_nav(PM, share_class.class_id, D1, nav)
    p.fees.record(FeeLedgerEntry(fund.fund_id, a.class_id, None, FeeKind.MANAGEMENT, D1, D1,
                                 Money(Decimal(9900), "EUR"), Decimal("0.0365"), Money(Decimal(100), "EUR")))
    a_navs = {D1: Decimal(99)}
    day = D1
    for _ in range(9):  # across a weekend: every calendar day accrues, on the NAV the day opened with
        day += timedelta(days=1)
        saved = {c.share.code: c.share.nav_per_unit for c in p.nav_derivation.derive_nav(
            PM, fund.fund_id, day, save=True).classes}
        accrued = sum((100 * a_navs[max(d for d in a_navs if d < k)] * Decimal("0.0365") / 365
                       for k in (D1 + timedelta(days=i) for i in range(1, (day - D1).days + 1))), Decimal(0))
        expected = ((20000 - 10000 - 100 - accrued.quantize(Decimal("0.01"))) / 100).quantize(Decimal("0.0001"))
        assert saved == {"TWO-A": expected, "TWO-B": Decimal("100.0000")}
        assert p.fees.owed(PM, a.class_id, day).accrued.amount == accrued.quantize(Decimal("0.01"))
        a_navs[day] = expected
