"""Fund dealing: transactions, their status machine, dates, and pricing at the dealing-date NAV.

Rounding rules (all ROUND_HALF_EVEN, see ``fidus_desktop.domain.money``):

* ``nav_per_unit`` is quoted to 4 dp (``round_nav_per_unit``).
* A fee on a gross amount is ``round_money(gross × fee_rate)``; the net is ``gross − fee``, so
  ``fee + net == gross`` to the cent.
* Subscription: the entry fee comes off the gross; ``units = round_units(net / nav_per_unit)``.
* Redemption by amount: the amount is the gross the investor wants redeemed;
  ``units = round_units(gross / nav_per_unit)``; the exit fee comes off that gross.
* Redemption by units: ``gross = round_money(units × nav_per_unit)``; the exit fee comes off it.
  A full redemption is a redemption by units of every unit held.
* Switch: the source units are redeemed by units at the source NAV (switch fee off the gross)
  and the net buys ``round_units(net / target nav_per_unit)`` in the target class.
* Transfer: units move between investors unchanged, no cash, no fee.
* Distribution: ``round_money(units held × distribution per unit)``, no units change.
* Fee: a fee amount is paid by cancelling ``round_units(amount / nav_per_unit)`` units.

Dates: ``trade_date <= dealing_date <= settlement_date`` always (no exceptions, including
pre-funded subscriptions: the cash may arrive early but is settled on or after the dealing date).
Prices must be the NAV of the transaction's dealing date and class, checked by ``price``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum

from fidus_desktop.domain.money import Money, round_money, round_units, to_decimal
from fidus_desktop.errors import UserError

NAV_PER_UNIT_DP = 4


class DealingError(UserError, ValueError):
    """A dealing request or its pricing is invalid."""


class IllegalTransition(DealingError):
    """A status change the state machine does not allow."""


class InsufficientUnits(DealingError):
    """A redemption, switch, transfer or fee asks for more units than are held."""


class TransactionKind(StrEnum):
    SUBSCRIPTION = "subscription"
    REDEMPTION = "redemption"
    SWITCH = "switch"
    TRANSFER = "transfer"
    DISTRIBUTION = "distribution"
    FEE = "fee"


class TransactionStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    SETTLED = "settled"
    CANCELLED = "cancelled"


ALLOWED_TRANSITIONS: dict[TransactionStatus, frozenset[TransactionStatus]] = {
    TransactionStatus.PENDING: frozenset({TransactionStatus.APPROVED, TransactionStatus.CANCELLED}),
    TransactionStatus.APPROVED: frozenset({TransactionStatus.SETTLED, TransactionStatus.CANCELLED}),
    TransactionStatus.SETTLED: frozenset(),
    TransactionStatus.CANCELLED: frozenset(),
}

# Kinds that take cash in or out by amount, and kinds that move existing units.
_AMOUNT_KINDS = {TransactionKind.SUBSCRIPTION, TransactionKind.DISTRIBUTION, TransactionKind.FEE}
_UNIT_KINDS = {TransactionKind.SWITCH, TransactionKind.TRANSFER}


def round_nav_per_unit(value: Decimal) -> Decimal:
    """A NAV per unit to 4 dp (ROUND_HALF_EVEN), the precision units are priced at."""
    return round_units(value)


def check_rate(value: object, what: str = "fee rate") -> Decimal:
    """A rate such as ``'0.05'`` for 5 %, checked to be between 0 and 1."""
    rate = to_decimal(value, what)
    if not 0 <= rate <= 1:
        raise DealingError(f"The {what} {rate} must be between 0 and 1 (0.05 means 5 %).")
    return rate


def apply_fee(gross: Money, rate: object) -> tuple[Money, Money]:
    """``(fee, net)`` for a fee charged at ``rate`` on ``gross``; ``fee + net == gross``."""
    fee = Money(round_money(gross.amount * check_rate(rate), gross.currency), gross.currency)
    return fee, gross.rounded() - fee


@dataclass(frozen=True, slots=True)
class DealingDates:
    """When a deal was agreed, which NAV prices it, and when cash and units change hands."""

    trade_date: date
    dealing_date: date
    settlement_date: date

    def __post_init__(self) -> None:
        if self.dealing_date < self.trade_date:
            raise DealingError(
                f"The dealing date {self.dealing_date} is before the trade date {self.trade_date}; "
                "a deal is priced on or after the day it is agreed."
            )
        if self.settlement_date < self.dealing_date:
            raise DealingError(
                f"The settlement date {self.settlement_date} is before the dealing date {self.dealing_date}; "
                "settle on or after the dealing date."
            )


@dataclass(frozen=True, slots=True)
class NavPrice:
    """The ``nav_per_unit`` of one class on one valuation date."""

    class_id: str
    nav_date: date
    nav_per_unit: Money

    def __post_init__(self) -> None:
        if self.nav_per_unit.amount <= 0:
            raise DealingError(f"The NAV per unit of {self.class_id} on {self.nav_date} must be positive.")
        rounded = round_nav_per_unit(self.nav_per_unit.amount)
        object.__setattr__(self, "nav_per_unit", Money(rounded, self.nav_per_unit.currency))


@dataclass(frozen=True, slots=True)
class Transaction:
    """A dealing request. ``amount`` or ``units`` says how much, depending on the kind.

    * subscription, distribution, fee: ``amount``;
    * redemption: ``amount`` (by amount) or ``units`` (by units; ``full=True`` means all held);
    * switch: ``units`` (or ``full``) and ``target_class_id``;
    * transfer: ``units`` (or ``full``) and ``target_investor_id``.
    """

    transaction_id: str
    kind: TransactionKind
    fund_id: str
    class_id: str
    investor_id: str
    dates: DealingDates
    amount: Money | None = None
    units: Decimal | None = None
    full: bool = False
    target_class_id: str | None = None
    target_investor_id: str | None = None
    status: TransactionStatus = TransactionStatus.PENDING
    cancel_reason: str | None = None

    def __post_init__(self) -> None:
        what = f"{self.kind} {self.transaction_id}"
        if self.units is not None:
            units = to_decimal(self.units, "units")
            if units <= 0 or units != round_units(units):
                raise DealingError(f"The {what} needs a positive number of units with at most 4 decimals.")
            object.__setattr__(self, "units", units)
        if self.amount is not None and self.amount.amount <= 0:
            raise DealingError(f"The {what} needs a positive amount, not {self.amount}.")
        given = (self.amount is not None) + (self.units is not None) + self.full
        if given != 1:
            raise DealingError(f"The {what} needs exactly one of amount, units or full; {given} were given.")
        if self.kind in _AMOUNT_KINDS and self.amount is None:
            raise DealingError(f"A {self.kind} is for an amount of money; give amount.")
        if self.kind in _UNIT_KINDS and self.amount is not None:
            raise DealingError(f"A {self.kind} moves units; give units or full=True, not an amount.")
        if (self.kind is TransactionKind.SWITCH) != (self.target_class_id is not None):
            raise DealingError("A switch, and only a switch, needs target_class_id.")
        if self.target_class_id == self.class_id:
            raise DealingError(f"The {what} switches {self.class_id} into itself; choose another class.")
        if (self.kind is TransactionKind.TRANSFER) != (self.target_investor_id is not None):
            raise DealingError("A transfer, and only a transfer, needs target_investor_id.")
        if self.target_investor_id == self.investor_id:
            raise DealingError(f"The {what} transfers to the same investor {self.investor_id}.")
        if (self.status is TransactionStatus.CANCELLED) != bool(self.cancel_reason):
            raise DealingError("A cancelled transaction, and only one, carries a cancel_reason.")


def transition(tx: Transaction, to: TransactionStatus, *, reason: str | None = None) -> Transaction:
    """``tx`` moved to status ``to``; cancelling needs a non-empty ``reason``."""
    if to not in ALLOWED_TRANSITIONS[tx.status]:
        allowed = ", ".join(sorted(ALLOWED_TRANSITIONS[tx.status])) or "none (final status)"
        raise IllegalTransition(
            f"Transaction {tx.transaction_id} is {tx.status} and cannot become {to}; allowed: {allowed}."
        )
    if to is TransactionStatus.CANCELLED:
        if not reason or not reason.strip():
            raise DealingError(f"Cancelling transaction {tx.transaction_id} needs a reason; say why.")
        return replace(tx, status=to, cancel_reason=reason.strip())
    if reason is not None:
        raise DealingError("Only a cancellation takes a reason.")
    return replace(tx, status=to)


def approve(tx: Transaction) -> Transaction:
    return transition(tx, TransactionStatus.APPROVED)


def settle(tx: Transaction) -> Transaction:
    return transition(tx, TransactionStatus.SETTLED)


def cancel(tx: Transaction, reason: str) -> Transaction:
    return transition(tx, TransactionStatus.CANCELLED, reason=reason)


@dataclass(frozen=True, slots=True)
class Deal:
    """A priced transaction. ``units`` are positive: issued for a subscription, cancelled for a
    redemption, switch-out or fee, moved for a transfer; ``target_units`` are issued by a switch.
    """

    transaction_id: str
    kind: TransactionKind
    nav_per_unit: Money
    gross: Money
    fee: Money
    net: Money
    units: Decimal
    target_units: Decimal = Decimal(0)


def _check_held(tx: Transaction, units: Decimal, held_units: Decimal) -> None:
    if units > held_units:
        raise InsufficientUnits(
            f"The {tx.kind} {tx.transaction_id} needs {units:.4f} units but investor {tx.investor_id} holds "
            f"{held_units:.4f} units of {tx.class_id}; ask for at most {held_units:.4f} units (a full "
            "redemption) or a smaller amount."
        )


def _check_worth(tx: Transaction, amount: Money, held_units: Decimal, nav_per_unit: Money) -> None:
    """An amount taken out of a holding may not exceed what the holding is worth: rounding the units to 4 dp
    must not pay out up to half a unit tick more than the investor owns."""
    worth = round_money(held_units * nav_per_unit.amount, amount.currency)
    if amount.amount > worth:
        raise InsufficientUnits(
            f"The {tx.kind} {tx.transaction_id} asks for {amount.amount:,} {amount.currency} but investor "
            f"{tx.investor_id}'s {held_units:.4f} units of {tx.class_id} are worth {worth:,} {amount.currency} at "
            f"{nav_per_unit.amount}; ask for at most {worth:,} {amount.currency}, or redeem in full."
        )


def _check_price(tx: Transaction, nav: NavPrice, class_id: str) -> None:
    if nav.class_id != class_id or nav.nav_date != tx.dates.dealing_date:
        raise DealingError(
            f"Transaction {tx.transaction_id} must be priced at the NAV of {class_id} on its dealing date "
            f"{tx.dates.dealing_date}, not {nav.class_id} on {nav.nav_date}."
        )


def _units_asked(tx: Transaction, held_units: Decimal) -> Decimal:
    if tx.full:
        if held_units <= 0:
            raise InsufficientUnits(
                f"Investor {tx.investor_id} holds no units of {tx.class_id}; there is nothing to {tx.kind}."
            )
        return held_units
    assert tx.units is not None  # guaranteed by Transaction.__post_init__
    return tx.units


def price(
    tx: Transaction,
    nav: NavPrice,
    *,
    held_units: Decimal = Decimal(0),
    fee_rate: object = "0",
    target_nav: NavPrice | None = None,
) -> Deal:
    """Price ``tx`` at its dealing-date NAV. ``held_units``: the investor's units before the deal;
    ``fee_rate``: entry fee (subscription), exit fee (redemption) or switch fee; ``target_nav``:
    the target class's NAV for a switch.
    """
    _check_price(tx, nav, tx.class_id)
    held_units = round_units(to_decimal(held_units, "held units"))
    nav_amount = nav.nav_per_unit.amount
    currency = nav.nav_per_unit.currency
    zero = Money.zero(currency)
    if tx.amount is not None and tx.amount.currency != currency:
        raise DealingError(
            f"Transaction {tx.transaction_id} is in {tx.amount.currency} but {tx.class_id} is priced in "
            f"{currency}; convert the amount first."
        )
    kind = tx.kind
    if kind is TransactionKind.SUBSCRIPTION:
        assert tx.amount is not None
        fee, net = apply_fee(tx.amount, fee_rate)
        units = round_units(net.amount / nav_amount)
        return Deal(tx.transaction_id, kind, nav.nav_per_unit, tx.amount.rounded(), fee, net, units)
    if kind is TransactionKind.REDEMPTION:
        if tx.amount is not None:
            gross = tx.amount.rounded()
            _check_worth(tx, gross, held_units, nav.nav_per_unit)
            units = round_units(gross.amount / nav_amount)
        else:
            units = _units_asked(tx, held_units)
            gross = Money(round_money(units * nav_amount, currency), currency)
        _check_held(tx, units, held_units)
        fee, net = apply_fee(gross, fee_rate)
        return Deal(tx.transaction_id, kind, nav.nav_per_unit, gross, fee, net, units)
    if kind is TransactionKind.SWITCH:
        if target_nav is None:
            raise DealingError(f"Switch {tx.transaction_id} needs the NAV of {tx.target_class_id}.")
        assert tx.target_class_id is not None
        _check_price(tx, target_nav, tx.target_class_id)
        units = _units_asked(tx, held_units)
        _check_held(tx, units, held_units)
        gross = Money(round_money(units * nav_amount, currency), currency)
        fee, net = apply_fee(gross, fee_rate)
        if target_nav.nav_per_unit.currency != currency:
            raise DealingError(
                f"Switch {tx.transaction_id} is from {currency} into {target_nav.nav_per_unit.currency}; "
                "switches are between classes of the same currency (redeem and subscribe instead)."
            )
        target_units = round_units(net.amount / target_nav.nav_per_unit.amount)
        return Deal(tx.transaction_id, kind, nav.nav_per_unit, gross, fee, net, units, target_units)
    if kind is TransactionKind.TRANSFER:
        units = _units_asked(tx, held_units)
        _check_held(tx, units, held_units)
        return Deal(tx.transaction_id, kind, nav.nav_per_unit, zero, zero, zero, units)
    if kind is TransactionKind.DISTRIBUTION:
        assert tx.amount is not None
        paid = tx.amount.rounded()
        return Deal(tx.transaction_id, kind, nav.nav_per_unit, paid, zero, paid, Decimal(0))
    assert tx.amount is not None  # FEE
    charged = tx.amount.rounded()
    _check_worth(tx, charged, held_units, nav.nav_per_unit)
    units = round_units(charged.amount / nav_amount)
    _check_held(tx, units, held_units)
    return Deal(tx.transaction_id, kind, nav.nav_per_unit, charged, charged, zero, units)


def distribution_amount(units_held: Decimal, per_unit: Money) -> Money:
    """Cash paid on ``units_held`` at ``per_unit``, rounded to the currency."""
    return Money(round_money(units_held * per_unit.amount, per_unit.currency), per_unit.currency)
