"""Fund fees: management fee, performance fee with a per-investor high-water mark, entry/exit fees.

A stored ``nav_per_unit`` is the class valuation **net of fees**: the management fee accrued up to that
date and the fees charged but not yet paid are already out of it (an administrator's NAV is struck that
way; a derived NAV deducts ``fees owed``, which includes the accrual). So dealing prices at the stored NAV,
and settling fees only books what the NAV has already accrued.

Management fee: accrued day by day, actual/365: each day of ``(start, end]`` accrues
``units × nav_per_unit × annual_rate / 365`` on the NAV the day opened with (the latest NAV on or before the
previous day; the day's own NAV is struck after its fee, so it cannot be its base). A period's daily
accruals are summed unrounded and rounded once per ledger entry (ROUND_HALF_EVEN), so splitting a period
changes the total by at most a cent per entry.

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
* at a period end (31 Dec, or each quarter end) it *crystallises on the period-end valuation*: the NAV
  of the last valuation on or before the period end and the hurdle days up to it, charged at the first
  settlement after it (``charged_on``); the high-water mark then rises to that NAV and the next period
  starts at the period end. A redeeming investor's accrued fee crystallises pro rata on the units
  redeemed, at the dealing NAV. A crystallised fee is paid by cancelling ``round_units(fee /
  nav_per_unit)`` of that investor's units at the dealing NAV, which leaves everyone else's
  ``nav_per_unit`` unchanged;
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
    charged_on: date | None = None  # the settlement that charged it, when later than ``period_end``

    @property
    def currency(self) -> str:
        return self.amount.currency

    @property
    def charged(self) -> date:
        """The date from which the fee is owed (a performance period can end before the settlement that charges it)."""
        return self.charged_on or self.period_end


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


def _daily_accrual(daily_nav: Mapping[date, Money], rate: Decimal, start: date, end: date, what: str
                   ) -> tuple[Decimal, Decimal, str]:
    """Σ over the days of ``(start, end]`` of the value the day opened with × rate / 365 (unrounded), Σ of those
    values, and their currency."""
    known = sorted(d for d in daily_nav if d <= end)
    if end <= start or not known or known[0] > start:
        raise FeeError(f"Accruing {what} from {start} to {end} needs a NAV on or before {start}.")
    total, base_total, index, day = Decimal(0), Decimal(0), 0, start
    while day < end:
        while index + 1 < len(known) and known[index + 1] <= day:
            index += 1
        value = daily_nav[known[index]].amount
        total += value * rate / DAYS_PER_YEAR
        base_total += value
        day += timedelta(days=1)
    return total, base_total, daily_nav[known[0]].currency


def accrue_management_fee(
    fund_id: str, class_id: str, daily_nav: Mapping[date, Money], annual_rate: object, start: date, end: date
) -> FeeLedgerEntry:
    """Management fee for each day in ``(start, end]`` on the latest class NAV (total, not per unit) on or
    before the previous day (the NAV the day opened with), summed and rounded once.
    """
    rate = check_rate(annual_rate, "management fee rate")
    total, base_total, currency = _daily_accrual(daily_nav, rate, start, end, class_id)
    days = (end - start).days
    return FeeLedgerEntry(
        fund_id, class_id, None, FeeKind.MANAGEMENT, start, end,
        Money(round_money(base_total / days, currency), currency), rate,
        Money(round_money(total, currency), currency),
    )


def management_accrual(history: Mapping[date, Money], units: Decimal, annual_rate: object, start: date,
                       end: date) -> Money | None:
    """The management fee accrued over ``(start, end]`` on ``units`` at the NAVs per unit of ``history``
    (module docstring), rounded once; None when nothing accrues (no days, no rate or no units).
    """
    rate = check_rate(annual_rate, "management fee rate")
    if end <= start or not rate or units <= 0:
        return None
    values = {d: Money(nav.amount * units, nav.currency) for d, nav in history.items() if d < end}
    total, _, currency = _daily_accrual(values, rate, start, end, "the management fee")
    return Money(round_money(total, currency), currency)


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


def nav_on_or_before(history: Mapping[date, Money], day: date) -> Money | None:
    """The latest NAV per unit of ``history`` dated on or before ``day``."""
    known = [d for d in history if d <= day]
    return history[max(known)] if known else None


def _crystallise(holding: InvestorHolding, fee: Money, nav: Money, entry: FeeLedgerEntry
                 ) -> tuple[InvestorHolding, FeeLedgerEntry]:
    """Pay ``fee`` by cancelling the holding's units at the dealing ``nav``."""
    cancelled = min(round_units(fee.amount / nav.amount), holding.units)
    return replace(holding, units=holding.units - cancelled), replace(entry, units_cancelled=cancelled)


def settle_fees(
    state: ClassFeeState,
    on: date,
    nav: Money,
    terms: FeeTerms,
    *,
    redeeming: Mapping[str, Decimal] | None = None,
    history: Mapping[date, Money] | None = None,
) -> FeeSettlement:
    """Charge the fees accrued from ``state.as_of`` up to dealing date ``on``, before units change.

    ``nav``: the class's ``nav_per_unit`` on ``on`` (net of fees: module docstring); ``history``: its NAVs per
    unit from the last one on or before ``state.as_of`` up to ``on`` (without it the NAV is taken as constant);
    ``redeeming``: units each investor redeems on ``on`` (their accrued fee crystallises pro rata).
    Returns the ledger entries, the new state, the net assets and the ``nav_per_unit`` to deal at (``nav``).
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
    currency = nav.currency
    history = {**(history or {state.as_of: nav}), on: nav}
    entries: list[FeeLedgerEntry] = []
    mgmt = management_accrual(history, units, terms.management_rate, state.as_of, on)
    if mgmt is not None and mgmt.amount:
        entries.append(FeeLedgerEntry(state.fund_id, state.class_id, None, FeeKind.MANAGEMENT, state.as_of, on,
                                      Money(round_money(nav.amount * units, currency), currency),
                                      terms.management_rate, mgmt))
    net = Money(nav.amount * units, currency)
    period_end = period_end_between(state.as_of, on, terms.crystallisation)
    period_nav = (nav_on_or_before(history, period_end) or nav) if period_end else nav
    holdings: list[InvestorHolding] = []
    accrued: dict[str, Money] = {}
    for holding in state.holdings:
        if period_end:
            fee = performance_fee(holding, period_nav, period_end, terms)
            if fee.amount:
                holding, entry = _crystallise(holding, fee, nav, FeeLedgerEntry(
                    state.fund_id, state.class_id, holding.investor_id, FeeKind.PERFORMANCE, holding.period_start,
                    period_end, Money(round_money(holding.units * period_nav.amount, currency), currency),
                    terms.performance_rate, fee, charged_on=on))
                entries.append(entry)
                net -= fee
            raised = period_nav if fee.amount else holding.high_water_mark
            holding = replace(holding, high_water_mark=raised, period_start=period_end)
        fee = performance_fee(holding, nav, on, terms)
        redeemed = redeeming.get(holding.investor_id, Decimal(0))
        share = min(redeemed / holding.units, Decimal(1)) if holding.units else Decimal(0)
        charged = Money(round_money(fee.amount * share, currency), currency)
        accrued[holding.investor_id] = fee - charged
        if charged.amount:
            holding, entry = _crystallise(holding, charged, nav, FeeLedgerEntry(
                state.fund_id, state.class_id, holding.investor_id, FeeKind.PERFORMANCE, holding.period_start,
                on, Money(round_money(holding.units * nav.amount, currency), currency),
                terms.performance_rate, charged))
            entries.append(entry)
            net -= charged
        holdings.append(holding)
    new_state = replace(state, as_of=on, holdings=tuple(holdings))
    return FeeSettlement(tuple(entries), new_state, net.rounded(), nav, accrued)


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
    """A class's fees on a date: charged so far, paid so far, the management fee accrued since the last
    settlement (not yet charged), and what is still owed to the manager (charged + accrued − paid)."""

    on: date
    charged: Money
    paid: Money
    accrued: Money | None = None

    @property
    def owed(self) -> Money:
        return self.charged - self.paid + (self.accrued or Money.zero(self.charged.currency))

    @property
    def payable(self) -> Money:
        """What a payment on ``on`` may settle: the charged fees not yet paid (an accrual is not charged yet)."""
        return self.charged - self.paid


def _up_to(items: Iterable[Dated], on: date, currency: str) -> Money:
    return sum((amount for day, amount in items if day <= on), Money.zero(currency)).rounded()  # 0.00, not 0


def fees_owed(charges: Sequence[Dated], payments: Sequence[Dated], on: date, currency: str,
              accrued: Money | None = None) -> FeesOwed:
    """Charged and paid up to ``on`` (inclusive) in ``currency`` (a different currency is a ``MoneyError``),
    plus the management fee ``accrued`` since the last settlement."""
    return FeesOwed(on, _up_to(charges, on, currency), _up_to(payments, on, currency),
                    accrued.rounded() if accrued is not None else Money.zero(currency).rounded())


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
