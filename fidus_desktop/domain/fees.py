"""Fund fees: management fee, performance fee with a per-investor high-water mark, entry/exit fees.

Management fee: accrued daily on the class NAV, actual/365 (``nav × annual_rate × days / 365``).
A period's daily accruals are summed unrounded and rounded once per ledger entry (ROUND_HALF_EVEN),
so splitting a period changes the total by at most a cent per entry.

Performance fee — choice: **equalisation by per-investor high-water mark** (one NAV per unit per
class; each investor's holding carries its own ``high_water_mark`` and ``period_start``), not
series accounting. Why: every investor in a class deals at the same ``nav_per_unit`` (what
``dealing.price`` uses and what reports show), there is no proliferation of series to roll up,
and each investor still pays only on their own gains:

* fee = ``performance_rate × units × max(0, nav_per_unit − threshold)`` where
  ``threshold = high_water_mark × (1 + hurdle_rate × days since period_start / 365)``
  (hard hurdle: only the excess over the hurdle is charged);
* until crystallisation the fee is *accrued* per investor (reported in ``FeeSettlement.accrued``,
  deducted from that investor's redemption value) and does not change the class NAV;
* it *crystallises* at the first settlement on or after a period end (31 Dec, or each quarter end),
  and pro rata on the units an investor redeems; a crystallised fee is paid by cancelling
  ``round_units(fee / nav_per_unit)`` of that investor's units, which leaves everyone else's
  ``nav_per_unit`` unchanged; the high-water mark then rises to the ``nav_per_unit`` charged at;
* a newcomer's ``high_water_mark`` is the ``nav_per_unit`` they subscribed at, so they never pay
  for gains made before they joined; a top-up blends the mark unit-weighted (the investor's fee base
  stays the sum of both parts; a loss on one part nets against a gain on the other, in the
  investor's favour) and keeps the running ``period_start``.

The rule "fees are settled before a subscription or redemption changes the number of units" is
``settle_fees``: call it with the class state before the dealing day, deal at the returned
``nav_per_unit``, then apply the deals with ``add_units`` / ``remove_units``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from fidus_desktop.domain.dealing import (
    Deal,
    DealingError,
    Transaction,
    TransactionKind,
    check_rate,
    round_nav_per_unit,
)
from fidus_desktop.domain.money import Money, minor_units, round_money, round_units, to_decimal
from fidus_desktop.errors import UserError

DAYS_PER_YEAR = Decimal(365)


class FeeError(UserError, ValueError):
    """Invalid fee terms or fee state."""


class FeeKind(StrEnum):
    MANAGEMENT = "management"
    PERFORMANCE = "performance"
    ENTRY = "entry"
    EXIT = "exit"
    SWITCH = "switch"


class CrystallisationPeriod(StrEnum):
    ANNUAL = "annual"
    QUARTERLY = "quarterly"


@dataclass(frozen=True, slots=True)
class FeeTerms:
    """A class's fee rates as fractions (``0.02`` = 2 %); annual for management fee and hurdle."""

    management_rate: Decimal = Decimal(0)
    performance_rate: Decimal = Decimal(0)
    hurdle_rate: Decimal = Decimal(0)
    crystallisation: CrystallisationPeriod = CrystallisationPeriod.ANNUAL
    entry_rate: Decimal = Decimal(0)
    exit_rate: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        for name in ("management_rate", "performance_rate", "hurdle_rate", "entry_rate", "exit_rate"):
            try:
                object.__setattr__(self, name, check_rate(getattr(self, name), name.replace("_", " ")))
            except DealingError as exc:
                raise FeeError(str(exc)) from None


@dataclass(frozen=True, slots=True)
class FeeLedgerEntry:
    """One fee charged or accrued: ``amount = base_amount × rate`` (pro-rated) over the period.

    ``investor_id`` is ``None`` for class-level fees (management). ``units_cancelled`` is set when
    the fee is paid by cancelling the investor's units.
    """

    fund_id: str
    class_id: str
    investor_id: str | None
    kind: FeeKind
    period_start: date
    period_end: date
    base_amount: Money
    rate: Decimal
    amount: Money
    units_cancelled: Decimal = Decimal(0)

    @property
    def currency(self) -> str:
        return self.amount.currency


@dataclass(frozen=True, slots=True)
class InvestorHolding:
    """An investor's units in a class with the high-water mark their performance fee runs from."""

    investor_id: str
    units: Decimal
    high_water_mark: Money
    period_start: date


@dataclass(frozen=True, slots=True)
class ClassFeeState:
    """What fee settlement needs to know about a class: who holds what, and fees accrued up to when."""

    fund_id: str
    class_id: str
    as_of: date
    holdings: tuple[InvestorHolding, ...] = ()

    @property
    def total_units(self) -> Decimal:
        return sum((h.units for h in self.holdings), Decimal(0))

    def holding(self, investor_id: str) -> InvestorHolding | None:
        return next((h for h in self.holdings if h.investor_id == investor_id), None)


@dataclass(frozen=True, slots=True)
class FeeSettlement:
    """The result of settling fees up to a dealing date."""

    entries: tuple[FeeLedgerEntry, ...]
    state: ClassFeeState
    net_assets: Money
    nav_per_unit: Money
    accrued: Mapping[str, Money]


def management_fee(nav: Money, annual_rate: object, days: int) -> Money:
    """Management fee on ``nav`` for ``days`` days, actual/365, rounded to the currency."""
    rate = check_rate(annual_rate, "management fee rate")
    return Money(round_money(nav.amount * rate * days / DAYS_PER_YEAR, nav.currency), nav.currency)


def accrue_management_fee(
    fund_id: str, class_id: str, daily_nav: Mapping[date, Money], annual_rate: object, start: date, end: date
) -> FeeLedgerEntry:
    """Management fee for each day in ``(start, end]`` on the latest class NAV on or before the
    previous day (the NAV the day opened with), summed and rounded once.
    """
    rate = check_rate(annual_rate, "management fee rate")
    known = sorted(d for d in daily_nav if d <= end)
    if end <= start or not known or known[0] > start:
        raise FeeError(f"Accruing {class_id} from {start} to {end} needs a NAV on or before {start}.")
    total, base_total, index, day = Decimal(0), Decimal(0), 0, start
    currency = daily_nav[known[0]].currency
    while day < end:
        while index + 1 < len(known) and known[index + 1] <= day:
            index += 1
        nav = daily_nav[known[index]].amount
        total += nav * rate / DAYS_PER_YEAR
        base_total += nav
        day += timedelta(days=1)
    days = (end - start).days
    return FeeLedgerEntry(
        fund_id, class_id, None, FeeKind.MANAGEMENT, start, end,
        Money(round_money(base_total / days, currency), currency), rate,
        Money(round_money(total, currency), currency),
    )


def is_period_end(day: date, period: CrystallisationPeriod) -> bool:
    """Whether ``day`` ends a crystallisation period (31 Dec; or 31 Mar, 30 Jun, 30 Sep, 31 Dec)."""
    if (day + timedelta(days=1)).day != 1:
        return False
    return day.month == 12 if period is CrystallisationPeriod.ANNUAL else day.month % 3 == 0


def period_end_between(after: date, until: date, period: CrystallisationPeriod) -> date | None:
    """The last period end in ``(after, until]``, if any."""
    for year in range(until.year, after.year - 1, -1):
        months = (12,) if period is CrystallisationPeriod.ANNUAL else (12, 9, 6, 3)
        for month in months:
            end = (date(year + (month == 12), month % 12 + 1, 1)) - timedelta(days=1)
            if after < end <= until:
                return end
    return None


def performance_fee(holding: InvestorHolding, nav_per_unit: Money, on: date, terms: FeeTerms) -> Money:
    """The performance fee ``holding`` owes at ``nav_per_unit`` on ``on``; never negative."""
    days = max((on - holding.period_start).days, 0)
    threshold = holding.high_water_mark.amount * (1 + terms.hurdle_rate * days / DAYS_PER_YEAR)
    gain = max(nav_per_unit.amount - threshold, Decimal(0))
    fee = round_money(gain * holding.units * terms.performance_rate, nav_per_unit.currency)
    return Money(fee, nav_per_unit.currency)


def settle_fees(
    state: ClassFeeState,
    on: date,
    gross_assets: Money,
    terms: FeeTerms,
    *,
    redeeming: Mapping[str, Decimal] | None = None,
) -> FeeSettlement:
    """Accrue and crystallise fees from ``state.as_of`` up to dealing date ``on``, before units change.

    ``gross_assets``: the class's assets on ``on`` before the fees of ``(as_of, on]``;
    ``redeeming``: units each investor redeems on ``on`` (their accrued fee crystallises pro rata).
    Returns the ledger entries, the new state, the net assets and the ``nav_per_unit`` to deal at.
    """
    if on < state.as_of:
        raise FeeError(f"Fees of {state.class_id} are settled up to {state.as_of}; {on} is earlier.")
    units = state.total_units
    if units <= 0:
        raise FeeError(f"Class {state.class_id} has no units; subscribe at the launch price instead.")
    redeeming = redeeming or {}
    unknown = set(redeeming) - {h.investor_id for h in state.holdings}
    if unknown:
        raise FeeError(f"Investors {sorted(unknown)} redeem from {state.class_id} but hold no units.")
    currency = gross_assets.currency
    mgmt = management_fee(gross_assets, terms.management_rate, (on - state.as_of).days)
    entries: list[FeeLedgerEntry] = []
    if mgmt.amount:
        entries.append(FeeLedgerEntry(state.fund_id, state.class_id, None, FeeKind.MANAGEMENT, state.as_of,
                                      on, gross_assets, terms.management_rate, mgmt))
    net = gross_assets - mgmt
    nav = Money(round_nav_per_unit(net.amount / units), currency)
    period_end = period_end_between(state.as_of, on, terms.crystallisation)
    holdings: list[InvestorHolding] = []
    accrued: dict[str, Money] = {}
    for holding in state.holdings:
        fee = performance_fee(holding, nav, on, terms)
        redeemed = redeeming.get(holding.investor_id, Decimal(0))
        share = Decimal(1) if period_end else min(redeemed / holding.units, Decimal(1))
        charged = Money(round_money(fee.amount * share, currency), currency)
        accrued[holding.investor_id] = fee - charged
        if charged.amount:
            cancelled = min(round_units(charged.amount / nav.amount), holding.units)
            entries.append(FeeLedgerEntry(
                state.fund_id, state.class_id, holding.investor_id, FeeKind.PERFORMANCE, holding.period_start,
                on, Money(round_money(holding.units * nav.amount, currency), currency),
                terms.performance_rate, charged, cancelled))
            net -= charged
            holding = replace(holding, units=holding.units - cancelled)
        if period_end:
            raised = nav if charged.amount else holding.high_water_mark
            holding = replace(holding, high_water_mark=raised, period_start=on)
        holdings.append(holding)
    new_state = replace(state, as_of=on, holdings=tuple(holdings))
    return FeeSettlement(tuple(entries), new_state, net, nav, accrued)


def add_units(
    state: ClassFeeState, investor_id: str, units: Decimal, high_water_mark: Money, on: date
) -> ClassFeeState:
    """``state`` after ``investor_id`` receives ``units`` (a subscription at ``high_water_mark`` =
    the dealing ``nav_per_unit``, or a transfer carrying the giver's mark).
    """
    units = round_units(to_decimal(units, "units"))
    if units <= 0:
        raise FeeError(f"Adding {units} units to {investor_id}: the number of units must be positive.")
    existing = state.holding(investor_id)
    if existing is None:
        added = InvestorHolding(investor_id, units, high_water_mark, on)
        return replace(state, holdings=(*state.holdings, added))
    total = existing.units + units
    blended = (existing.units * existing.high_water_mark.amount + units * high_water_mark.amount) / total
    merged = replace(existing, units=total,
                     high_water_mark=Money(round_nav_per_unit(blended), high_water_mark.currency))
    return replace(state, holdings=tuple(merged if h is existing else h for h in state.holdings))


def remove_units(state: ClassFeeState, investor_id: str, units: Decimal) -> ClassFeeState:
    """``state`` after ``investor_id`` gives up ``units`` (redemption, switch out, transfer out)."""
    existing = state.holding(investor_id)
    held = existing.units if existing else Decimal(0)
    if existing is None or units > held:
        raise FeeError(f"Investor {investor_id} holds {held:.4f} units of {state.class_id}, "
                       f"fewer than the {units:.4f} to remove.")
    left = replace(existing, units=existing.units - units)
    kept = tuple(h for h in state.holdings if h is not existing) + ((left,) if left.units else ())
    return replace(state, holdings=kept)


_DEAL_FEE_KINDS = {
    TransactionKind.SUBSCRIPTION: FeeKind.ENTRY,
    TransactionKind.REDEMPTION: FeeKind.EXIT,
    TransactionKind.SWITCH: FeeKind.SWITCH,
}


def deal_fee_entry(tx: Transaction, deal: Deal, rate: Decimal) -> FeeLedgerEntry | None:
    """The ledger entry for the entry, exit or switch fee of a priced deal (``None`` if no fee)."""
    kind = _DEAL_FEE_KINDS.get(tx.kind)
    if kind is None or deal.fee.is_zero():
        return None
    day = tx.dates.dealing_date
    return FeeLedgerEntry(tx.fund_id, tx.class_id, tx.investor_id, kind, day, day, deal.gross, rate, deal.fee)


# -- fees owed and fee payments ----------------------------------------------------------------------------
# Management and performance fees are charged to the class (fee ledger) and stay owed to the manager until a
# fee payment pays them: owed on a date = charged with ``period_end`` up to it − paid with ``paid_on`` up to it.
# Entry, exit and switch fees leave the fund with the deal's cash, so they are never owed.
OWED_FEE_KINDS = (FeeKind.MANAGEMENT, FeeKind.PERFORMANCE)

Dated = tuple[date, Money]  # a charge (period end, amount) or a payment (paid on, amount)


class FeePaymentTooEarly(FeeError):
    """A fee payment dated before any fee it could pay was charged (the date is wrong, not the amount)."""


@dataclass(frozen=True, slots=True)
class FeesOwed:
    """A class's fees on a date: charged so far, paid so far, and the difference still owed to the manager."""

    on: date
    charged: Money
    paid: Money

    @property
    def owed(self) -> Money:
        return self.charged - self.paid


def _up_to(items: Iterable[Dated], on: date, currency: str) -> Money:
    return sum((amount for day, amount in items if day <= on), Money.zero(currency)).rounded()  # 0.00, not 0


def fees_owed(charges: Sequence[Dated], payments: Sequence[Dated], on: date, currency: str) -> FeesOwed:
    """Charged and paid up to ``on`` (inclusive) in ``currency`` (a different currency is a ``MoneyError``)."""
    return FeesOwed(on, _up_to(charges, on, currency), _up_to(payments, on, currency))


def payable(charges: Sequence[Dated], payments: Sequence[Dated], on: date, currency: str) -> Money:
    """The most a payment dated ``on`` may pay: the least owed on ``on`` or on any later charge or payment date.

    Why not just the owed on ``on``: a payment entered late but dated earlier must not leave a later date
    (after the payments already recorded) owing less than nothing.
    """
    later = {day for day, _ in (*charges, *payments) if day > on}
    return min((fees_owed(charges, payments, day, currency).owed for day in (on, *later)),
               key=lambda money: money.amount)


def check_fee_payment(charges: Sequence[Dated], payments: Sequence[Dated], on: date, amount: Money,
                      class_code: str) -> None:
    """Refuse a payment of ``amount`` on ``on`` that is not positive, not in whole minor units, or more than owed.

    A payment dated before the fees it pays is more than owed on its date; the message names the first
    charge date then, so the user knows which date to give instead.
    """
    ccy = amount.currency
    if amount.amount <= 0:
        raise FeeError(f"The amount paid must be greater than zero, not {amount.amount}.")
    if amount.rounded() != amount:
        raise FeeError(f"{amount.amount} has more decimals than {ccy} has ({minor_units(ccy)}); give the amount "
                       f"paid with at most {minor_units(ccy)}.")
    limit = payable(charges, payments, on, ccy)
    if amount <= limit:
        return
    state = fees_owed(charges, payments, on, ccy)
    if state.charged.is_zero():
        first = min((day for day, _ in charges if day > on), default=None)
        when = f"the first is charged on {first}: date the payment on or after it" if first else \
            "there is nothing to pay yet"
        raise FeePaymentTooEarly(f"No fees are charged to {class_code} up to {on}; {when}.")
    shown = f"{class_code} owes {state.owed} on {on} (charged {state.charged}, paid {state.paid})"
    if limit != state.owed:
        shown += f", and payments dated later leave only {limit} payable on that date"
    raise FeeError(f"{shown}; a payment of {amount} is more than that. Pay at most {limit}, or date the payment "
                   "after the fees it pays are charged.")
