"""The fee ledger and the dealing-day fee settlement.

Rule: fees are settled before units change. On every settlement of a dealing day ``plan_settlement`` runs
``domain.fees.settle_fees`` for the class from its last fee date (``class_fee_state.as_of``) to the dealing
date on the class's stored NAVs (net of fees, docs/PORTFOLIO.md "Fees"): the management fee accrued day by
day since then is charged to the ledger, performance fees crystallise (on the period-end valuation, or pro
rata for redeeming investors) by cancelling the investor's units, and the stored ``nav_per_unit`` is the
price the deals of that day use. A second settlement on the same dealing date reuses that price (management
fee for 0 days), so every deal of a day prices alike. A class with no units yet deals at its stored NAV.
``owed`` adds the management fee accrued since the last settlement up to the date asked, computed the same
way, so the fees owed on a date do not change when a settlement charges them. ``book`` writes a plan.

Fee payments: the management and performance fees charged to a class are owed to the manager until the back
office records paying them (``pay_fees``, permission ``fees.pay``): per class, dated, in the class currency, any
part of what is owed (``domain.fees.check_fee_payment``), idempotent by ``(class_id, reference)``. The payment and,
when the fund already has a cash ledger, its ``fee_payment`` outflow are written in one audited transaction.
``owed(actor, class_id, on)`` = charged up to ``on`` − paid up to ``on``; the derived NAV deducts exactly that.
Each payment takes the next ``number`` of its class (unique): two workstations paying at once cannot both pass
the "not more than owed" check, the second clashes and is told to look again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fidus_desktop.domain.fees import (
    OWED_FEE_KINDS,
    ClassFeeState,
    FeeError,
    FeeLedgerEntry,
    FeePaymentTooEarly,
    FeeSettlement,
    FeesOwed,
    InvestorHolding,
    check_fee_payment,
    fees_owed,
    management_accrual,
    settle_fees,
)
from fidus_desktop.domain.money import Money
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ChangeRecorder, Service, ServiceContext, ValidationError
from fidus_desktop.services.permissions import Permission, require
from fidus_desktop.services.portfolio._common import date_range, parse_date, parse_decimal, require_investor_read
from fidus_desktop.services.portfolio.funds import FundService, ShareClass
from fidus_desktop.services.portfolio.ledgers import Ledgers
from fidus_desktop.services.portfolio.nav import NavService
from fidus_desktop.store.errors import ConcurrencyError, DuplicateKey
from fidus_desktop.store.port import Document

FEE_LEDGER = "fee_ledger"
CLASS_FEE_STATE = "class_fee_state"
FEE_PAYMENTS = "fee_payments"
FEE_PAYMENT_CASH = "fee_payment"  # the cash-ledger kind of a fee payment (money out to the manager)


@dataclass(frozen=True)
class FeeEntry:
    fund_id: str
    class_id: str
    investor_id: str | None
    kind: str
    period_start: date
    period_end: date
    base_amount: Decimal
    rate: Decimal
    amount: Decimal
    currency: str
    units_cancelled: Decimal
    transaction_id: str | None
    charged_on: date  # the settlement that charged it; later than ``period_end`` for a period-end performance fee

    @classmethod
    def from_doc(cls, doc: Document) -> FeeEntry:
        return cls(doc["fund_id"], doc["class_id"], doc.get("investor_id"), doc["kind"], doc["period_start"],
                   doc["period_end"], doc["base_amount"], doc["rate"], doc["amount"], doc["currency"],
                   doc["units_cancelled"], doc.get("transaction_id"), doc.get("charged_on") or doc["period_end"])


@dataclass(frozen=True)
class FeePayment:
    """Fees of a class paid to the manager: ``number`` counts the class's payments in the order recorded."""

    payment_id: str
    fund_id: str
    class_id: str
    number: int
    paid_on: date
    amount: Decimal
    currency: str
    reference: str
    recorded_by_name: str
    recorded_at: datetime

    @classmethod
    def from_doc(cls, doc: Document) -> FeePayment:
        return cls(doc["_id"], doc["fund_id"], doc["class_id"], doc["number"], doc["paid_on"], doc["amount"],
                   doc["currency"], doc["reference"], doc["recorded_by_name"], doc["recorded_at"])


@dataclass(frozen=True)
class FeePaymentResult:
    """``created`` is False when the reference was already recorded with this amount and date: nothing written."""

    payment: FeePayment
    created: bool


@dataclass(frozen=True)
class FeePlan:
    """A class's fee settlement computed but not booked: the settlement (None without holders) and the NAV."""

    state_doc: Document | None
    accounts: list[Document]
    settlement: FeeSettlement | None
    nav: Decimal


def fee_doc(entry: FeeLedgerEntry, transaction_id: str | None) -> Document:
    return {"fund_id": entry.fund_id, "class_id": entry.class_id, "investor_id": entry.investor_id,
            "kind": entry.kind.value, "period_start": entry.period_start, "period_end": entry.period_end,
            "base_amount": entry.base_amount.amount, "rate": entry.rate, "amount": entry.amount.amount,
            "currency": entry.currency, "units_cancelled": entry.units_cancelled, "transaction_id": transaction_id,
            "charged_on": entry.charged}


class FeeService(Service):
    """Settle fees on dealing days, read the fee ledger, and record fee payments to the manager."""

    def __init__(self, ctx: ServiceContext, funds: FundService, ledgers: Ledgers, accounts: Any,
                 navs: NavService) -> None:
        super().__init__(ctx)
        self.navs = navs
        self.entries = ctx.store.collection(FEE_LEDGER)
        self.states = ctx.store.collection(CLASS_FEE_STATE)
        self.payments = ctx.store.collection(FEE_PAYMENTS)
        self.funds = funds
        self.ledgers = ledgers
        self.accounts = accounts  # the ``accounts`` collection

    def ensure_indexes(self) -> None:
        self.entries.ensure_index(["class_id", "period_end"])
        self.entries.ensure_index(["investor_id", "period_end"])
        self.entries.ensure_index(["fund_id", "period_end"])
        self.entries.ensure_index(["class_id", "kind", "period_end"])
        self.states.ensure_index(["class_id"], unique=True)
        self.payments.ensure_index(["class_id", "reference"], unique=True)
        self.payments.ensure_index(["class_id", "number"], unique=True)
        self.payments.ensure_index(["fund_id", "paid_on"])

    def ledger(self, actor: Actor, *, fund_id: str | None = None, class_id: str | None = None,
               investor_id: str | None = None, start: date | None = None, end: date | None = None
               ) -> list[FeeEntry]:
        """Fee entries, oldest first, narrowed by any of fund, class, investor and period end.

        Staff need ``funds.read``; a client may read the entries of one of its own investors (its statement).
        """
        if investor_id:
            require_investor_read(actor, investor_id, Permission.FUNDS_READ)
        else:
            require(actor, Permission.FUNDS_READ)
        query = {k: v for k, v in (("fund_id", fund_id), ("class_id", class_id), ("investor_id", investor_id)) if v}
        query.update(date_range("period_end", start, end))
        return [FeeEntry.from_doc(d) for d in self.entries.find(query, sort=[("period_end", 1)])]

    def list_payments(self, actor: Actor, *, fund_id: str | None = None, class_id: str | None = None,
                      start: date | None = None, end: date | None = None) -> list[FeePayment]:
        """Fee payments, oldest first, narrowed by fund, class and payment date (``funds.read``)."""
        require(actor, Permission.FUNDS_READ)
        query = {k: v for k, v in (("fund_id", fund_id), ("class_id", class_id)) if v}
        query.update(date_range("paid_on", start, end))
        return [FeePayment.from_doc(d) for d in self.payments.find(query, sort=[("paid_on", 1), ("number", 1)])]

    def owed(self, actor: Actor, class_id: str, on: Any) -> FeesOwed:
        """Management and performance fees of ``class_id`` charged up to ``on``, paid up to ``on``, the
        management fee accrued since the last settlement up to ``on``, and what that leaves owed."""
        require(actor, Permission.FUNDS_READ)
        share_class = self.funds.get_class(class_id)
        day = parse_date(on, "on", "The date", today=self.now().date())
        return fees_owed(*self._history(class_id), day, share_class.currency, self.accrued(share_class, day))

    def accrued(self, share_class: ShareClass, on: date) -> Money | None:
        """The management fee accrued from the class's last fee settlement on or before ``on`` up to ``on``.

        Units are constant between settlements (every deal settles the class's fees first), so they are the
        units outstanding after that settlement.
        """
        start = self._last_settlement(share_class.class_id, on)
        if start is None or start >= on:
            return None
        units = self.ledgers.units_outstanding(share_class.class_id, start)
        return management_accrual(self.nav_history(share_class, start, on), units,
                                  share_class.fee_terms.management_rate, start, on)

    def nav_history(self, share_class: ShareClass, start: date, end: date) -> dict[date, Money]:
        """The class's NAVs per unit from the last one on or before ``start`` up to ``end``."""
        first = self.navs.latest(share_class.class_id, start)
        days = self.navs.series(share_class.class_id, start, end)
        if first is not None:
            days[first.nav_date] = first.nav_per_unit
        return {day: Money(nav, share_class.currency) for day, nav in days.items()}

    def _last_settlement(self, class_id: str, on: date) -> date | None:
        """The latest date on or before ``on`` the class's fees were settled: its fee state, a management fee
        charged, or a deal (every deal settles the class's fees first)."""
        state = self.states.find_one({"class_id": class_id})
        dates = [state["as_of"]] if state is not None and state["as_of"] <= on else []
        mgmt = self.entries.find_one({"class_id": class_id, "kind": "management", "period_end": {"$lte": on}},
                                     sort=[("period_end", -1)])
        deal = self.ledgers.units.find_one({"class_id": class_id, "value_date": {"$lte": on}},
                                           sort=[("value_date", -1)])
        dates += [mgmt["period_end"]] if mgmt else []
        dates += [deal["value_date"]] if deal else []
        return max(dates, default=None)

    def _history(self, class_id: str) -> tuple[list[tuple[date, Money]], list[tuple[date, Money]]]:
        """Every owed-kind charge (charged on, amount) and every payment (paid on, amount) of the class."""
        kinds = [k.value for k in OWED_FEE_KINDS]
        docs = self.entries.find({"class_id": class_id, "kind": {"$in": kinds}},
                                 projection=["period_end", "charged_on", "amount", "currency"])
        charges = [(d.get("charged_on") or d["period_end"], Money(d["amount"], d["currency"])) for d in docs]
        payments = [(d["paid_on"], Money(d["amount"], d["currency"])) for d in self.payments.find(
            {"class_id": class_id}, projection=["paid_on", "amount", "currency"])]
        return charges, payments

    def pay_fees(self, actor: Actor, class_id: str, amount: Any, paid_on: Any, reference: Any) -> FeePaymentResult:
        """Record paying ``amount`` (class currency) of the class's owed fees to the manager on ``paid_on``.

        ``reference`` is the payment's natural key within the class (the bank transfer's reference): the same
        payment recorded again changes nothing; the reference reused for a different payment is refused.
        """
        require(actor, Permission.FEES_PAY)
        doc = self.funds.classes.get(class_id) if isinstance(class_id, str) else None
        if doc is None:
            raise ValidationError({"class_id": f"There is no share class with id {class_id!r}; pick one from the "
                                               "fund's classes."})
        share_class = ShareClass.from_doc(doc)
        day = parse_date(paid_on, "paid_on", "The payment date", today=self.now().date())
        today = self.now().date()
        if day > today:
            raise ValidationError({"paid_on": f"The payment date {day} is after today ({today}); record a payment "
                                              "once it is made."})
        paid = Money(parse_decimal(amount, "amount", "The amount paid"), share_class.currency)
        ref = self.required_text(reference, "reference", "The payment reference", max_length=100)

        def write(rec: ChangeRecorder) -> FeePaymentResult:
            existing = self.payments.find_one({"class_id": class_id, "reference": ref})
            if existing is not None:
                return FeePaymentResult(self._same_payment(existing, share_class, day, paid), created=False)
            charges, payments = self._history(class_id)
            try:
                check_fee_payment(charges, payments, day, paid, share_class.code)
            except FeeError as exc:
                field = "paid_on" if isinstance(exc, FeePaymentTooEarly) else "amount"
                raise ValidationError({field: str(exc)}) from None
            try:
                stored = self.payments.insert({
                    "fund_id": share_class.fund_id, "class_id": class_id, "number": len(payments) + 1,
                    "paid_on": day, "amount": paid.amount, "currency": paid.currency, "reference": ref,
                    "recorded_by": actor.user_id, "recorded_by_name": actor.username, "recorded_at": self.now()})
            except DuplicateKey:
                raise ConcurrencyError(f"Another payment of {share_class.code}'s fees was recorded at the same "
                                       "time; look at the fees owed again, then record this one.") from None
            if self.ledgers.cash.find_one({"fund_id": share_class.fund_id}) is not None:
                self.ledgers.add_cash(day, FEE_PAYMENT_CASH, -paid.amount, paid.currency, fund_id=share_class.fund_id,
                                      class_id=class_id, fee_payment_id=stored["_id"])
            rec.record("fee.pay", "fee_payment", stored["_id"], after=stored)
            return FeePaymentResult(FeePayment.from_doc(stored), created=True)

        return self.change(actor, Permission.FEES_PAY, write)

    @staticmethod
    def _same_payment(doc: Document, share_class: ShareClass, day: date, paid: Money) -> FeePayment:
        """The stored payment when a re-run repeats it; a ValidationError when the reference meant another."""
        if (doc["paid_on"], doc["amount"]) == (day, paid.amount):
            return FeePayment.from_doc(doc)
        raise ValidationError({"reference": (
            f"Reference {doc['reference']!r} of {share_class.code} already records a payment of "
            f"{Money(doc['amount'], doc['currency'])} on {doc['paid_on']}; give this payment its own reference.")})

    def record(self, entry: FeeLedgerEntry, transaction_id: str | None = None) -> None:
        self.entries.insert(fee_doc(entry, transaction_id))

    def plan_settlement(self, share_class: ShareClass, dealing_date: date, stored_nav: Decimal,
                        redeeming: dict[str, Decimal]) -> FeePlan:
        """What settling the class's fees up to ``dealing_date`` will book, without writing anything (the
        dealing confirmation shows it; ``book`` writes it)."""
        accounts = [a for a in self.accounts.find({"class_id": share_class.class_id}) if a["units"] > 0]
        state_doc = self.states.find_one({"class_id": share_class.class_id})
        if state_doc is not None and state_doc["as_of"] > dealing_date:
            raise ValidationError({"dealing_date": (
                f"Fees of {share_class.code} are already settled up to {state_doc['as_of']}; a deal dealing on "
                f"{dealing_date} had to be settled before the later ones. Cancel it and enter it again with a "
                "current dealing date.")})
        if not accounts:
            return FeePlan(state_doc, accounts, None, stored_nav)
        as_of = state_doc["as_of"] if state_doc else dealing_date
        same_day = state_doc is not None and as_of == dealing_date
        currency = share_class.currency
        holdings = tuple(
            InvestorHolding(a["investor_id"], a["units"], Money(a["high_water_mark"] or stored_nav, currency),
                            a["period_start"] or as_of)
            for a in accounts)
        state = ClassFeeState(share_class.fund_id, share_class.class_id, as_of, holdings)
        unit_nav = Money(state_doc["dealing_nav"] if same_day and state_doc is not None else stored_nav, currency)
        redeeming = {k: v for k, v in redeeming.items() if state.holding(k) is not None}
        settlement = settle_fees(state, dealing_date, unit_nav, share_class.fee_terms, redeeming=redeeming,
                                 history=self.nav_history(share_class, as_of, dealing_date))
        return FeePlan(state_doc, accounts, settlement, settlement.nav_per_unit.amount)

    def book(self, plan: FeePlan, share_class: ShareClass, dealing_date: date, transaction_id: str) -> None:
        """Write a planned settlement inside the settling transaction: fee entries, fee units cancelled, accounts."""
        settlement = plan.settlement
        if settlement is not None:
            by_investor = {a["investor_id"]: a for a in plan.accounts}
            for entry in settlement.entries:
                self.record(entry, transaction_id)
                if entry.investor_id and entry.units_cancelled:
                    self.ledgers.add_units(dealing_date, share_class.class_id, entry.investor_id,
                                           -entry.units_cancelled, "performance_fee", transaction_id)
            for holding in settlement.state.holdings:
                doc = by_investor[holding.investor_id]
                changes = {"units": holding.units, "high_water_mark": holding.high_water_mark.amount,
                           "period_start": holding.period_start}
                if any(doc.get(k) != v for k, v in changes.items()):
                    self.accounts.update(doc["_id"], {**changes, "updated_at": self.now()},
                                         expected_version=doc["version"])
        self._save_state(plan.state_doc, share_class.class_id, dealing_date, plan.nav)

    def _save_state(self, state_doc: Document | None, class_id: str, as_of: date, dealing_nav: Decimal) -> None:
        fields = {"as_of": as_of, "dealing_nav": dealing_nav}
        if state_doc is None:
            self.states.insert({"class_id": class_id, **fields})
        else:
            self.states.update(state_doc["_id"], fields, expected_version=state_doc["version"])
