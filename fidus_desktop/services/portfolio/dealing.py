"""Dealing: transactions and their status workflow pending → approved → settled, or cancelled with reason.

* ``enter`` (``dealing.enter``) validates a request with ``domain.dealing`` rules and stores it pending.
* ``approve`` (``dealing.approve``) — **four-eyes rule**: the approver must not be the user who entered the
  transaction (``created_by``); it also needs the NAV of the dealing date for the class (and the target
  class of a switch) to exist already.
* ``settle`` (``dealing.enter``: back office books it once the cash is in; the four eyes were at approval)
  settles the class's fees first (``fees.FeeService.dealing_nav``), prices the deal at the dealing-date NAV
  (``domain.dealing.price``), then changes units, and writes the cash, unit and fee ledgers.
* ``cancel``: a pending transaction with ``dealing.enter``, an approved one with ``dealing.approve``;
  a reason is required. Settled transactions are final.
* Unit gates (``add_unit_gate``): a subscription, a switch (its incoming leg gives units in another class) or
  a transfer to another investor is refused at entry, import, approval and settlement when a gate refuses the
  investor receiving the units (compliance's investment readiness). The refused change rolls back, so the
  refusals are handed to ``on_gate_refused`` listeners afterwards (compliance audits them in a change of
  their own).

Every status change passes the version the user saw (``ConcurrencyError`` if someone else moved it) and is
audited. ``count``/``page`` serve the lazy transactions table; filters and sorts use indexed fields only, and
``page(after=last row)`` seeks (keyset paging) so a page deep in 100,000 rows costs what the first one does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from enum import StrEnum
from typing import Any

from fidus_desktop.domain import dealing as dom
from fidus_desktop.domain import fees as fee_rules
from fidus_desktop.domain.money import Money, round_money, round_units
from fidus_desktop.services import sequences
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ChangeRecorder, Service, ServiceContext, ValidationError
from fidus_desktop.services.permissions import Permission, require
from fidus_desktop.services.portfolio._common import (
    check_page,
    date_range,
    parse_choice,
    parse_date,
    parse_decimal,
    require_investor_read,
)
from fidus_desktop.services.portfolio.fees import FeePlan, FeeService
from fidus_desktop.services.portfolio.funds import FundService, ShareClass
from fidus_desktop.services.portfolio.investors import InvestorService
from fidus_desktop.services.portfolio.ledgers import Ledgers
from fidus_desktop.services.portfolio.nav import NavService
from fidus_desktop.store.keyset import find_after
from fidus_desktop.store.port import Document, Filter, Sort, stale

TRANSACTIONS = "transactions"
TRANSACTION_SORTS = ("trade_date", "dealing_date", "settlement_date", "status", "kind", "updated_at", "ref")
KINDS = tuple(dom.TransactionKind)
STATUSES = tuple(dom.TransactionStatus)
# Transactions that take units out of the investor's holding in their class.
OUTGOING = (dom.TransactionKind.REDEMPTION, dom.TransactionKind.SWITCH, dom.TransactionKind.TRANSFER,
            dom.TransactionKind.FEE)
OPEN = ("pending", "approved")
UNIT_TICK = Decimal("0.0001")
# Who receives new units, by the kind that gives them: the field of the transaction naming that investor.
RECEIVER_FIELD = {dom.TransactionKind.SUBSCRIPTION: "investor_id", dom.TransactionKind.SWITCH: "investor_id",
                  dom.TransactionKind.TRANSFER: "target_investor_id"}
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GateRefusal:
    """A unit gate refused an investor new units: kept to be reported once the refused change rolled back."""

    investor_id: str
    kind: str
    amount: Decimal | None
    units: Decimal | None
    currency: str | None
    ref: str | None  # the transaction's reference (an imported row's own), None when not drawn yet
    reason: str  # the gate's reason, without the investor's name (``reason`` of the error, else its text)


_REFUSALS: ContextVar[list[GateRefusal] | None] = ContextVar("unit_gate_refusals", default=None)
"""The refusals of the dealing operation running in this thread (``DealingService.reporting_refusals``)."""


@dataclass(frozen=True)
class TransactionRequest:
    """What a user (or an import row) asks for; values may be text, validated by ``DealingService``."""

    kind: Any
    class_id: str
    investor_id: str
    trade_date: Any
    dealing_date: Any
    settlement_date: Any
    amount: Any = None
    units: Any = None
    full: bool = False
    target_class_id: str | None = None
    target_investor_id: str | None = None
    ref: str | None = None


@dataclass(frozen=True)
class TransactionView:
    """A transaction row as the dealing screen and reports show it."""

    transaction_id: str
    ref: str
    kind: str
    status: str
    fund_id: str
    class_id: str
    investor_id: str
    trade_date: date
    dealing_date: date
    settlement_date: date
    amount: Decimal | None
    currency: str
    units: Decimal | None
    full: bool
    target_class_id: str | None
    target_investor_id: str | None
    created_by: str
    approved_by: str | None
    cancel_reason: str | None
    deal: dict[str, Any] | None
    version: int

    @classmethod
    def from_doc(cls, doc: Document) -> TransactionView:
        return cls(doc["_id"], doc["ref"], doc["kind"], doc["status"], doc["fund_id"], doc["class_id"],
                   doc["investor_id"], doc["trade_date"], doc["dealing_date"], doc["settlement_date"],
                   doc.get("amount"), doc["currency"], doc.get("units"), doc.get("full", False),
                   doc.get("target_class_id"), doc.get("target_investor_id"), doc["created_by_name"],
                   doc.get("approved_by_name"), doc.get("cancel_reason"), doc.get("deal"), doc["version"])


@dataclass(frozen=True)
class TransactionQuery:
    """Filters of the transactions table; every field combination is served by an index."""

    fund_id: str | None = None
    class_id: str | None = None
    investor_id: str | None = None
    status: str | None = None
    kind: str | None = None
    start: date | None = None
    end: date | None = None
    investor_ids: tuple[str, ...] | None = None  # any of these investors (a name typed in the filter)

    def to_filter(self) -> Filter:
        query: Filter = {k: v for k, v in (("fund_id", self.fund_id), ("class_id", self.class_id),
                                             ("investor_id", self.investor_id), ("status", self.status),
                                             ("kind", self.kind)) if v}
        if self.investor_ids is not None and not self.investor_id:
            query["investor_id"] = {"$in": list(self.investor_ids)}
        bounds = {k: v for k, v in (("$gte", self.start), ("$lte", self.end)) if v is not None}
        if bounds:
            query["trade_date"] = bounds
        return query


@dataclass(frozen=True)
class UnitMovement:
    """One change of an investor's units in a class (a unit ledger line) with the transaction that made it.

    ``reason`` is the transaction kind, or for the two-legged kinds the leg (``switch_out``/``switch_in``,
    ``transfer_out``/``transfer_in``), or ``performance_fee`` (units cancelled to pay a crystallised fee:
    ``transaction`` is then None, since the deal that triggered the fee settlement is usually someone else's).
    """

    value_date: date  # the dealing date
    class_id: str
    units: Decimal  # + received, − given up
    reason: str
    transaction: TransactionView | None


def units_held(movements: Iterable[UnitMovement], on: date) -> dict[str, Decimal]:
    """Units per class on ``on``: the sum of the movements up to it (zero holdings left out)."""
    held: dict[str, Decimal] = {}
    for m in movements:
        if m.value_date <= on:
            held[m.class_id] = held.get(m.class_id, Decimal(0)) + m.units
    return {class_id: units for class_id, units in held.items() if units}


def domain_transaction(doc: Document) -> dom.Transaction:
    """The stored transaction as the dealing domain's value object (its rules re-checked)."""
    return dom.Transaction(
        transaction_id=doc["ref"], kind=dom.TransactionKind(doc["kind"]), fund_id=doc["fund_id"],
        class_id=doc["class_id"], investor_id=doc["investor_id"],
        dates=dom.DealingDates(doc["trade_date"], doc["dealing_date"], doc["settlement_date"]),
        amount=Money(doc["amount"], doc["currency"]) if doc.get("amount") is not None else None,
        units=doc.get("units"), full=doc.get("full", False), target_class_id=doc.get("target_class_id"),
        target_investor_id=doc.get("target_investor_id"), status=dom.TransactionStatus(doc["status"]),
        cancel_reason=doc.get("cancel_reason"))


@dataclass(frozen=True)
class DealPreview:
    """What settling a transaction would book now: the priced deal and the fee entries settled first, or why it
    cannot settle (``problem``)."""

    ref: str
    kind: str
    class_code: str
    currency: str
    deal: dom.Deal | None
    fees: tuple[fee_rules.FeeLedgerEntry, ...]
    problem: str | None = None

    def describe(self) -> str:
        """The confirmation text: NAV, units, amounts and the fees that will be booked."""
        if self.deal is None:
            return f"{self.ref} cannot be settled now: {self.problem}"
        d, ccy = self.deal, self.currency
        lines = [f"{self.kind.capitalize()} {self.ref} in {self.class_code} at NAV {d.nav_per_unit.amount} {ccy}: "
                 f"{d.units:.4f} units, gross {d.gross.amount:,} − fee {d.fee.amount:,} = net {d.net.amount:,} {ccy}"
                 + (f"; {d.target_units:.4f} units in the target class" if d.target_units else "")]
        lines += [f"Fee settled first: {e.kind} {e.amount.amount:,} {e.currency}"
                  + (f" (investor {e.investor_id}, {e.units_cancelled} units cancelled)" if e.units_cancelled else "")
                  for e in self.fees]
        return "\n".join(lines)


def deal_doc(deal: dom.Deal) -> Document:
    return {"nav_per_unit": deal.nav_per_unit.amount, "gross": deal.gross.amount, "fee": deal.fee.amount,
            "net": deal.net.amount, "units": deal.units, "target_units": deal.target_units}


class DealingService(Service):
    """Enter, approve, settle, cancel and page through transactions."""

    def __init__(self, ctx: ServiceContext, funds: FundService, investors: InvestorService, navs: NavService,
                 fees: FeeService, ledgers: Ledgers) -> None:
        super().__init__(ctx)
        self.transactions = ctx.store.collection(TRANSACTIONS)
        self.funds, self.investors, self.navs, self.fees, self.ledgers = funds, investors, navs, fees, ledgers
        self._unit_gates: list[Callable[[str, str], None]] = []
        self._refusal_listeners: list[Callable[[Actor, str, StrEnum, Sequence[GateRefusal]], None]] = []

    def add_unit_gate(self, gate: Callable[[str, str], None]) -> None:
        """Call ``gate(investor_id, field)`` before an investor receives new units (a subscription, a transfer
        in) when it is entered, imported, approved and settled (``field``: the request field naming that
        investor); the gate raises to refuse (another feature's rule, e.g. compliance's investment readiness,
        wired by that feature)."""
        self._unit_gates.append(gate)

    def on_gate_refused(self, listener: Callable[[Actor, str, StrEnum, Sequence[GateRefusal]], None]) -> None:
        """Call ``listener(actor, source, permission, refusals)`` after a dealing operation a unit gate refused
        has rolled back (``source``: entry, approval, settlement or import; ``permission``: the one the operation
        checked), so the refusal can be recorded in a change of its own (compliance's audit)."""
        self._refusal_listeners.append(listener)

    @contextmanager
    def reporting_refusals(self, actor: Actor, source: str, permission: StrEnum) -> Iterator[None]:
        """Collect the unit gates' refusals made inside and, when the operation fails, report them to the
        ``on_gate_refused`` listeners once its change has rolled back (inside it they would roll back too).
        Nested uses report once, from the outermost."""
        if _REFUSALS.get() is not None:
            yield
            return
        refusals: list[GateRefusal] = []
        token = _REFUSALS.set(refusals)
        collecting = True
        try:
            yield
        except Exception:
            _REFUSALS.reset(token)  # the report's own change runs outside the collection
            collecting = False
            if refusals:
                self._report_refusals(actor, source, permission, list(dict.fromkeys(refusals)))
            raise
        finally:
            if collecting:
                _REFUSALS.reset(token)

    def _report_refusals(self, actor: Actor, source: str, permission: StrEnum, refusals: list[GateRefusal]) -> None:
        for listener in self._refusal_listeners:
            try:
                listener(actor, source, permission, refusals)
            except Exception:  # the refusal is what the user must see; a failed record is logged
                log.exception("Recording %d unit-gate refusal(s) failed", len(refusals))

    def _check_receiver(self, doc: Document, passed: set[str] | None = None) -> None:
        """Run the unit gates for the investor this transaction gives new units to, if any (a switch gives its
        own investor units in the target class). ``passed``: investors already let through in this same
        operation (an import's rows), not asked again. A refusal is noted for ``reporting_refusals``."""
        field = RECEIVER_FIELD.get(dom.TransactionKind(doc["kind"]))
        receiver = doc.get(field) if field else None
        if field is None or not receiver or (passed is not None and receiver in passed):
            return
        for gate in self._unit_gates:
            try:
                gate(receiver, field)
            except ValidationError as exc:
                if (collected := _REFUSALS.get()) is not None:
                    collected.append(GateRefusal(receiver, doc["kind"], doc.get("amount"), doc.get("units"),
                                                 doc.get("currency"), doc.get("ref"),
                                                 getattr(exc, "reason", None) or str(exc)))
                raise
        if passed is not None:
            passed.add(receiver)

    def ensure_indexes(self) -> None:
        t = self.transactions
        t.ensure_index(["ref"], unique=True)
        sequences.ensure_indexes(self.store)
        for field in TRANSACTION_SORTS:
            if field != "ref":  # (field, _id): the page order, read forwards or backwards, and the keyset seek
                t.ensure_index([field, "_id"])
        for scope in ("fund_id", "class_id", "investor_id", "status", "kind"):
            t.ensure_index([scope, "trade_date"])
        t.ensure_index(["status", "settlement_date"])
        t.ensure_index(["target_investor_id", "trade_date"])  # transfers in (``party_transactions``)

    # -- reading ------------------------------------------------------------------------------------
    def count(self, actor: Actor, query: TransactionQuery | None = None) -> int:
        require(actor, Permission.FUNDS_READ)
        return self.transactions.count((query or TransactionQuery()).to_filter())

    def page(self, actor: Actor, query: TransactionQuery | None = None, sort: Sort | None = None,
             offset: int = 0, limit: int = 100, after: TransactionView | None = None) -> list[TransactionView]:
        """One window of the transactions table, newest trade date first unless ``sort`` says otherwise.

        ``after``: the last row of the previous page; the page then starts right after it by its sort key and
        id (keyset paging, the same cost at any depth). ``offset`` is used only without ``after`` or when no
        cursor can be formed from it (a sort field the view does not carry, such as ``updated_at``).
        """
        require(actor, Permission.FUNDS_READ)
        request = check_page(sort, offset, limit, TRANSACTION_SORTS, [("trade_date", -1)])
        flt = (query or TransactionQuery()).to_filter()
        docs = None if after is None else find_after(
            self.transactions, flt, request.sort, [after.transaction_id if field == "_id" else
                                                   getattr(after, field, None) for field, _ in request.sort],
            request.limit)
        if docs is None:
            docs = self.transactions.find(flt, sort=request.sort, skip=request.offset, limit=request.limit)
        return [TransactionView.from_doc(d) for d in docs]

    def unit_movements(self, actor: Actor, investor_id: str, end: date | None = None) -> list[UnitMovement]:
        """Every change of ``investor_id``'s units up to ``end``, oldest first, each with its transaction.

        The unit ledger is the record of units (opening units + movements = closing units); both legs of a
        switch and the receiving side of a transfer are lines of it. Staff need ``funds.read``; a client may
        read its own investors'.
        """
        require_investor_read(actor, investor_id, Permission.FUNDS_READ)
        lines = self.ledgers.investor_units(investor_id, end)
        links = [None if line["reason"] == "performance_fee" else line.get("transaction_id") for line in lines]
        ids = sorted(set(filter(None, links)))
        found = {d["_id"]: TransactionView.from_doc(d) for d in self.transactions.find({"_id": {"$in": ids}})}
        return [UnitMovement(line["value_date"], line["class_id"], line["units"], line["reason"],
                             found.get(link) if link else None) for line, link in zip(lines, links, strict=True)]

    def party_transactions(self, actor: Actor, investor_id: str, start: date | None = None,
                           end: date | None = None) -> list[TransactionView]:
        """Transactions ``investor_id`` is a party to (its own and transfers to it), by trade date in the range.

        Same permission as ``unit_movements``.
        """
        require_investor_read(actor, investor_id, Permission.FUNDS_READ)
        query: Filter = {"$or": [{"investor_id": investor_id}, {"target_investor_id": investor_id}],
                         **date_range("trade_date", start, end)}
        return [TransactionView.from_doc(d) for d in self.transactions.find(query, sort=[("trade_date", 1),
                                                                                          ("_id", 1)])]

    def get(self, actor: Actor, transaction_id: str) -> TransactionView:
        require(actor, Permission.FUNDS_READ)
        return TransactionView.from_doc(self.transactions.require(transaction_id))

    def by_ref(self, actor: Actor, ref: str) -> TransactionView | None:
        """The transaction with reference ``ref`` (its business key), if any."""
        require(actor, Permission.FUNDS_READ)
        doc = self.transactions.find_one({"ref": ref.strip()}) if isinstance(ref, str) else None
        return TransactionView.from_doc(doc) if doc else None

    def open_transactions(self, actor: Actor, status: str | None = None) -> list[TransactionView]:
        """Pending and approved transactions (or those of one ``status``), by dealing date then reference."""
        require(actor, Permission.FUNDS_READ)
        wanted = [parse_choice(status, STATUSES, "status", "The status")] if status else list(OPEN)
        docs = self.transactions.find({"status": {"$in": wanted}}, sort=[("dealing_date", 1), ("ref", 1)])
        return [TransactionView.from_doc(d) for d in docs]

    def pending(self, fund_id: str | None = None) -> list[Document]:
        """Pending and approved (not yet settled) transactions, for the cash forecast."""
        query: Filter = {"status": {"$in": ["pending", "approved"]}}
        if fund_id:
            query["fund_id"] = fund_id
        return self.transactions.find(query, sort=[("settlement_date", 1)])

    # -- entering -----------------------------------------------------------------------------------
    def transaction_doc(self, actor: Actor, request: TransactionRequest, *, passed: set[str] | None = None
                        ) -> Document:
        """Validate ``request`` completely without writing (imports check every row with this first, sharing
        ``passed``: the investors the unit gates already let through)."""
        kind = parse_choice(request.kind, KINDS, "kind", "The transaction kind")
        share_class = self._class(request.class_id, "class_id")
        if self.investors.investors.get(request.investor_id) is None:
            raise ValidationError({"investor_id": f"There is no investor with id {request.investor_id}."})
        if request.target_class_id:
            target = self._class(request.target_class_id, "target_class_id")
            if target.fund_id != share_class.fund_id:
                raise ValidationError({"target_class_id": "A switch stays within one fund; redeem and subscribe "
                                                          "to move between funds."})
        if request.target_investor_id and self.investors.investors.get(request.target_investor_id) is None:
            raise ValidationError({"target_investor_id": f"There is no investor {request.target_investor_id}."})
        amount = None if request.amount in (None, "") else parse_decimal(request.amount, "amount", "The amount",
                                                                         positive=True)
        units = None if request.units in (None, "") else parse_decimal(request.units, "units", "The units",
                                                                       positive=True)
        dates = [parse_date(getattr(request, f), f, f.replace("_", " ").capitalize(), today=self.now().date())
                 for f in ("trade_date", "dealing_date", "settlement_date")]
        doc = {
            "ref": (request.ref or "").strip() or None, "kind": kind, "status": dom.TransactionStatus.PENDING.value,
            "fund_id": share_class.fund_id, "class_id": share_class.class_id, "investor_id": request.investor_id,
            "trade_date": dates[0], "dealing_date": dates[1], "settlement_date": dates[2],
            "amount": amount, "currency": share_class.currency, "units": units, "full": bool(request.full),
            "target_class_id": request.target_class_id or None,
            "target_investor_id": request.target_investor_id or None,
            "created_by": actor.user_id, "created_by_name": actor.username, "created_at": self.now(),
            "updated_at": self.now(),
        }
        if dates[1] < share_class.launch_date:
            raise ValidationError({"dealing_date": f"{share_class.code} launched on {share_class.launch_date}."})
        try:
            domain_transaction({**doc, "ref": doc["ref"] or "(new)"})  # the reference is drawn when stored
        except dom.DealingError as exc:
            raise ValidationError({"": str(exc)}) from None
        self._check_receiver(doc, passed)
        return doc

    def enter(self, actor: Actor, request: TransactionRequest) -> TransactionView:
        """Store a new pending transaction (one taking units out must fit the holding: ``check_holding``)."""
        require(actor, Permission.DEALING_ENTER)
        with self.reporting_refusals(actor, "entry", Permission.DEALING_ENTER):
            doc = self.transaction_doc(actor, request)

        def write(rec: ChangeRecorder) -> Document:
            # A copy: a change run again draws its reference again (the rolled-back draw is undone too).
            entry = {**doc, "ref": doc["ref"] or self._next_ref(doc["fund_id"])}
            self.check_holding(entry)
            stored = self.insert_checked(entry)
            rec.record("transaction.enter", "transaction", stored["_id"], after=stored)
            return stored

        stored = self.change(actor, Permission.DEALING_ENTER, write)
        return TransactionView.from_doc(stored)

    def _next_ref(self, fund_id: str) -> str:
        """The fund's next free reference, e.g. ``GLB-000042`` (inside the entering transaction).

        A per-fund counter, not a slice of the new id: ids are time-ordered, so their leading characters are
        the clock and repeat between entries made in the same instant. Numbers a user already chose (an
        imported ``GLB-000043``) are skipped.
        """
        code = self.funds.get_fund(fund_id).code
        while True:
            ref = f"{code}-{sequences.next_number(self.store, f'transaction_ref:{fund_id}'):06d}"
            if self.transactions.find_one({"ref": ref}) is None:
                return ref

    def insert_checked(self, doc: Document) -> Document:
        if self.transactions.find_one({"ref": doc["ref"]}):
            raise ValidationError({"ref": f"A transaction with reference {doc['ref']} already exists."})
        return self.transactions.insert(doc)

    # -- workflow -----------------------------------------------------------------------------------
    def approve(self, actor: Actor, transaction_id: str, version: int) -> TransactionView:
        def write(rec: ChangeRecorder) -> Document:
            before = self.transactions.require(transaction_id)
            if before["created_by"] == actor.user_id:
                raise ValidationError({"": f"Four-eyes rule: {actor.username} entered transaction {before['ref']} "
                                           "and cannot approve it too; ask a colleague to approve."})
            self._transition(before, dom.TransactionStatus.APPROVED)
            self._check_receiver(before)
            for class_id in filter(None, (before["class_id"], before.get("target_class_id"))):
                self._stored_nav(class_id, before["dealing_date"], "approve")
            self.check_holding(before, with_fee=True)
            after = self.transactions.update(transaction_id, {
                "status": "approved", "approved_by": actor.user_id, "approved_by_name": actor.username,
                "approved_at": self.now(), "updated_at": self.now()}, expected_version=version)
            rec.record("transaction.approve", "transaction", transaction_id, before=before, after=after)
            return after

        with self.reporting_refusals(actor, "approval", Permission.DEALING_APPROVE):
            after = self.change(actor, Permission.DEALING_APPROVE, write)
        return TransactionView.from_doc(after)

    def cancel(self, actor: Actor, transaction_id: str, version: int, reason: Any) -> TransactionView:
        why = self.required_text(reason, "reason", "A reason for cancelling", max_length=500)
        before = self.transactions.require(transaction_id)
        needed = Permission.DEALING_APPROVE if before["status"] == "approved" else Permission.DEALING_ENTER

        def write(rec: ChangeRecorder) -> Document:
            self._transition(before, dom.TransactionStatus.CANCELLED, why)
            after = self.transactions.update(transaction_id, {
                "status": "cancelled", "cancel_reason": why, "cancelled_by_name": actor.username,
                "updated_at": self.now()}, expected_version=version)
            rec.record("transaction.cancel", "transaction", transaction_id, before=before, after=after)
            return after

        after = self.change(actor, needed, write)
        return TransactionView.from_doc(after)

    def settle(self, actor: Actor, transaction_id: str, version: int) -> TransactionView:
        """Settle fees, price at the dealing-date NAV, change units and book the ledgers, atomically."""

        def write(rec: ChangeRecorder) -> Document:
            before = self.transactions.require(transaction_id)
            if before["version"] != version:
                raise stale(TRANSACTIONS, transaction_id, before["version"], version)
            tx = self._transition(before, dom.TransactionStatus.SETTLED)
            self._check_receiver(before)
            deal = self._execute(tx, before)
            after = self.transactions.update(transaction_id, {
                "status": "settled", "deal": deal_doc(deal), "settled_by_name": actor.username,
                "settled_at": self.now(), "updated_at": self.now()}, expected_version=version)
            rec.record("transaction.settle", "transaction", transaction_id, before=before, after=after)
            return after

        with self.reporting_refusals(actor, "settlement", Permission.DEALING_ENTER):
            after = self.change(actor, Permission.DEALING_ENTER, write)
        return TransactionView.from_doc(after)

    def check_holding(self, doc: Document, *, with_fee: bool = False) -> None:
        """Refuse a transaction taking out more units than the investor holds net of the other open ones.

        Open (pending or approved) redemptions, switches, transfers and fee deductions of the same holding are
        counted as taken (by amount at the dealing-date NAV, else the latest before it). At approval
        (``with_fee``) the performance fee that will crystallise on the units leaving is counted too: it is paid
        by cancelling units before the deal, so the refusal names it instead of failing at settlement.
        Pending subscriptions are not counted as held: units exist once settled.
        """
        if dom.TransactionKind(doc["kind"]) not in OUTGOING:
            return
        share_class = self.funds.get_class(doc["class_id"])
        account = self.account_doc(doc["investor_id"], doc["class_id"])
        held = account["units"] if account else Decimal(0)
        point = self.navs.nav_on(doc["class_id"], doc["dealing_date"]) or self.navs.latest(
            doc["class_id"], doc["dealing_date"])
        nav = point.nav_per_unit if point else None
        others = [o for o in self.transactions.find({
            "investor_id": doc["investor_id"], "class_id": doc["class_id"], "status": {"$in": list(OPEN)},
            "kind": {"$in": [k.value for k in OUTGOING]}}) if o.get("_id") != doc.get("_id")]
        code, ccy = share_class.code, share_class.currency
        if (doc["full"] and others) or any(o["full"] for o in others):
            first = next(o for o in others if o["full"] or doc["full"])
            raise ValidationError({"": f"{first['kind'].capitalize()} {first['ref']} of the same holding in {code} is "
                                       "still open; with a full one, settle or cancel the other first."})
        taken = sum((self._units_of(o, nav) for o in others), Decimal(0))
        free = held - taken
        pending = f" ({taken:.4f} already asked for by open transactions)" if taken else ""
        if doc["full"]:
            if free <= 0:
                raise ValidationError({"": f"The investor holds no units of {code}{pending}; there is nothing to "
                                           f"{doc['kind']}."})
            return
        asked = self._units_of(doc, nav)
        fee_units, fee_note = (self._fee_units(share_class, account, doc, asked, nav) if with_fee and account
                               else (Decimal(0), ""))
        if asked + fee_units <= free:
            return
        can = max(free - fee_units, Decimal(0)).quantize(UNIT_TICK, ROUND_FLOOR)
        worth = f" (worth about {round_money(can * nav, ccy):,} {ccy} at {nav})" if nav else ""
        raise ValidationError({"units" if doc.get("units") else "amount": (
            f"The investor holds {held:.4f} units of {code}{pending}{fee_note}; this {doc['kind']} needs "
            f"{(asked + fee_units).quantize(UNIT_TICK, ROUND_CEILING)}. Ask for at most {can:.4f} units{worth}, or "
            "for all units held (full).")})

    @staticmethod
    def _units_of(doc: Document, nav: Decimal | None) -> Decimal:
        """Units an open transaction takes: its units, or its amount at ``nav`` unrounded (rounding to 4 dp could
        let an amount through that is worth more than the holding); 0 when there is no NAV yet."""
        if doc.get("units") is not None:
            return doc["units"]
        return doc["amount"] / nav if doc.get("amount") is not None and nav else Decimal(0)

    @staticmethod
    def _fee_units(share_class: ShareClass, account: Document, doc: Document, asked: Decimal, nav: Decimal | None
                   ) -> tuple[Decimal, str]:
        """The performance fee crystallising on ``asked`` units on the dealing date, in units, and a note."""
        if not nav or not account["units"] or not account.get("high_water_mark"):
            return Decimal(0), ""
        ccy = share_class.currency
        holding = fee_rules.InvestorHolding(doc["investor_id"], account["units"],
                                            Money(account["high_water_mark"], ccy),
                                            account.get("period_start") or doc["dealing_date"])
        fee = fee_rules.performance_fee(holding, Money(nav, ccy), doc["dealing_date"], share_class.fee_terms)
        share = min(asked / account["units"], Decimal(1))
        charged = round_money(fee.amount * share, ccy)
        if not charged:
            return Decimal(0), ""
        units = round_units(charged / nav)
        return units, (f"; a performance fee of {charged:,} {ccy} on the units leaving (high-water mark "
                       f"{account['high_water_mark']}, NAV {nav}) is paid first by cancelling {units:.4f} units")

    def _transition(self, doc: Document, to: dom.TransactionStatus, reason: str | None = None) -> dom.Transaction:
        try:
            return dom.transition(domain_transaction(doc), to, reason=reason)
        except dom.DealingError as exc:
            raise ValidationError({"status": str(exc)}) from None

    def _class(self, class_id: str, field: str) -> ShareClass:
        doc = self.funds.classes.get(class_id) if class_id else None
        if doc is None:
            raise ValidationError({field: f"There is no share class with id {class_id!r}."})
        return ShareClass.from_doc(doc)

    def _stored_nav(self, class_id: str, day: date, action: str) -> Decimal:
        point = self.navs.nav_on(class_id, day)
        if point is None:
            code = self.funds.get_class(class_id).code
            raise ValidationError({"dealing_date": f"Cannot {action}: there is no NAV for {code} on the dealing "
                                                   f"date {day}. Enter or import that NAV first."})
        return point.nav_per_unit

    def account_doc(self, investor_id: str, class_id: str) -> Document | None:
        return self.investors.accounts.find_one({"investor_id": investor_id, "class_id": class_id})

    def preview(self, actor: Actor, transaction_id: str) -> DealPreview:
        """What settling the transaction now would book (NAV, units, amounts, fees), writing nothing.

        The confirmation before approving or settling shows it; a deal that cannot settle says why instead.
        """
        require(actor, Permission.FUNDS_READ)
        return self._preview_doc(self.transactions.require(transaction_id))

    def preview_request(self, actor: Actor, request: TransactionRequest) -> DealPreview:
        """What ``request`` would book if it settled at its dealing date's NAV, before it is entered (the
        dealing dialog shows it). Refused input raises ``ValidationError`` as ``enter`` would; a NAV not in yet
        is the preview's ``problem``."""
        require(actor, Permission.DEALING_ENTER)
        doc = self.transaction_doc(actor, request)
        return self._preview_doc({**doc, "ref": doc["ref"] or "(new)"})

    def _preview_doc(self, doc: Document) -> DealPreview:
        tx = domain_transaction(doc)
        share_class = self.funds.get_class(tx.class_id)
        try:
            deal, plans = self._price(tx, doc)
        except ValidationError as exc:
            return DealPreview(doc["ref"], doc["kind"], share_class.code, share_class.currency, None, (), str(exc))
        entries = [e for plan in plans if plan.settlement for e in plan.settlement.entries]
        return DealPreview(doc["ref"], doc["kind"], share_class.code, share_class.currency, deal, tuple(entries))

    def _price(self, tx: dom.Transaction, doc: Document) -> tuple[dom.Deal, list[FeePlan]]:
        """The class's (and a switch target's) fee settlement planned, then the deal priced on the units left."""
        share_class = self.funds.get_class(tx.class_id)
        day = tx.dates.dealing_date
        account = self.account_doc(tx.investor_id, tx.class_id)
        held_before = account["units"] if account else Decimal(0)
        stored = self._stored_nav(tx.class_id, day, "settle")
        redeeming = {tx.investor_id: self._units_leaving(tx, held_before, stored)} if tx.kind in {
            dom.TransactionKind.REDEMPTION, dom.TransactionKind.SWITCH, dom.TransactionKind.TRANSFER,
            dom.TransactionKind.FEE} else {}
        plans = [self.fees.plan_settlement(share_class, day, stored, redeeming)]
        target_nav = None
        if tx.target_class_id:
            target = self.funds.get_class(tx.target_class_id)
            plans.append(self.fees.plan_settlement(target, day, self._stored_nav(target.class_id, day, "settle"), {}))
            target_nav = dom.NavPrice(target.class_id, day, Money(plans[1].nav, target.currency))
        settlement = plans[0].settlement
        after_fee = settlement.state.holding(tx.investor_id) if settlement else None
        held = after_fee.units if after_fee else (Decimal(0) if settlement else held_before)
        rate = {dom.TransactionKind.SUBSCRIPTION: "entry_rate", dom.TransactionKind.REDEMPTION: "exit_rate",
                dom.TransactionKind.SWITCH: "switch_rate"}.get(tx.kind)
        fee_rate = share_class.fees[rate] if rate else Decimal(0)
        try:
            deal = dom.price(tx, dom.NavPrice(tx.class_id, day, Money(plans[0].nav, share_class.currency)),
                             held_units=held, fee_rate=fee_rate, target_nav=target_nav)
        except dom.InsufficientUnits as exc:
            fee = held_before - held
            why = (f" A performance fee is charged first by cancelling {fee:.4f} of the investor's "
                   f"{held_before:.4f} units, leaving {held:.4f}.") if fee > 0 else ""
            raise ValidationError({"": f"{exc}{why}"}) from None
        except dom.DealingError as exc:
            raise ValidationError({"": str(exc)}) from None
        return deal, plans

    def _execute(self, tx: dom.Transaction, doc: Document) -> dom.Deal:
        """Fees first, then price, then move units and book cash (inside ``settle``'s transaction)."""
        deal, plans = self._price(tx, doc)
        day = tx.dates.dealing_date
        for plan, class_id in zip(plans, filter(None, (tx.class_id, tx.target_class_id)), strict=False):
            self.fees.book(plan, self.funds.get_class(class_id), day, doc["_id"])
        share_class = self.funds.get_class(tx.class_id)
        rate = {dom.TransactionKind.SUBSCRIPTION: "entry_rate", dom.TransactionKind.REDEMPTION: "exit_rate",
                dom.TransactionKind.SWITCH: "switch_rate"}.get(tx.kind)
        entry = fee_rules.deal_fee_entry(tx, deal, share_class.fees[rate] if rate else Decimal(0))
        if entry is not None:
            self.fees.record(entry, doc["_id"])
        self._move_units(tx, deal, share_class, doc["_id"])
        self._book_cash(tx, deal, share_class, doc["_id"])
        return deal

    @staticmethod
    def _units_leaving(tx: dom.Transaction, held: Decimal, nav: Decimal) -> Decimal:
        if tx.full:
            return held
        if tx.units is not None:
            return min(tx.units, held)
        assert tx.amount is not None
        return min(tx.amount.amount / nav, held)

    def _change_account(self, investor_id: str, share_class: ShareClass, units: Decimal, hwm: Decimal,
                        day: date, reason: str, transaction_id: str) -> None:
        """Add (units > 0, at high-water mark ``hwm``) or remove units, and write the unit ledger."""
        doc = self.investors.open_account(investor_id, share_class.class_id, share_class.fund_id)
        currency = share_class.currency
        holding = fee_rules.InvestorHolding(investor_id, doc["units"], Money(doc["high_water_mark"] or hwm, currency),
                                            doc["period_start"] or day)
        state = fee_rules.ClassFeeState(share_class.fund_id, share_class.class_id, day,
                                        (holding,) if doc["units"] > 0 else ())
        try:
            if units > 0:
                state = fee_rules.add_units(state, investor_id, units, Money(hwm, currency), day)
            else:
                state = fee_rules.remove_units(state, investor_id, -units)
        except fee_rules.FeeError as exc:
            raise ValidationError({"units": str(exc)}) from None
        left = state.holding(investor_id)
        changes = {"units": left.units if left else Decimal(0),
                   "high_water_mark": left.high_water_mark.amount if left else None,
                   "period_start": left.period_start if left else None, "updated_at": self.now()}
        self.investors.accounts.update(doc["_id"], changes, expected_version=doc["version"])
        self.ledgers.add_units(day, share_class.class_id, investor_id, units, reason, transaction_id)

    def _move_units(self, tx: dom.Transaction, deal: dom.Deal, share_class: ShareClass, tid: str) -> None:
        day, kind, nav = tx.dates.dealing_date, tx.kind, deal.nav_per_unit.amount
        if kind is dom.TransactionKind.SUBSCRIPTION:
            self._change_account(tx.investor_id, share_class, deal.units, nav, day, kind.value, tid)
        elif kind in (dom.TransactionKind.REDEMPTION, dom.TransactionKind.FEE):
            self._change_account(tx.investor_id, share_class, -deal.units, nav, day, kind.value, tid)
        elif kind is dom.TransactionKind.TRANSFER:
            giver = self.account_doc(tx.investor_id, tx.class_id)
            mark = giver["high_water_mark"] if giver and giver["high_water_mark"] else nav
            self._change_account(tx.investor_id, share_class, -deal.units, nav, day, "transfer_out", tid)
            assert tx.target_investor_id is not None
            self._change_account(tx.target_investor_id, share_class, deal.units, mark, day, "transfer_in", tid)
        elif kind is dom.TransactionKind.SWITCH:
            assert tx.target_class_id is not None
            target = self.funds.get_class(tx.target_class_id)
            target_nav = deal.net.amount / deal.target_units if deal.target_units else nav
            self._change_account(tx.investor_id, share_class, -deal.units, nav, day, "switch_out", tid)
            self._change_account(tx.investor_id, target, deal.target_units, dom.round_nav_per_unit(target_nav),
                                 day, "switch_in", tid)

    def _book_cash(self, tx: dom.Transaction, deal: dom.Deal, share_class: ShareClass, tid: str) -> None:
        """Cash ledger lines, signed from the fund's side, on the settlement date."""
        day, ccy = tx.dates.settlement_date, share_class.currency
        links = {"fund_id": tx.fund_id, "class_id": tx.class_id, "investor_id": tx.investor_id,
                 "transaction_id": tid}
        add = self.ledgers.add_cash
        if tx.kind is dom.TransactionKind.SUBSCRIPTION:
            add(day, "subscription", deal.gross.amount, ccy, **links)
            add(day, "entry_fee", -deal.fee.amount, ccy, **links)
        elif tx.kind is dom.TransactionKind.REDEMPTION:
            add(day, "redemption", -deal.gross.amount, ccy, **links)
            add(day, "exit_fee", deal.fee.amount, ccy, **links)
        elif tx.kind is dom.TransactionKind.DISTRIBUTION:
            add(day, "distribution", -deal.net.amount, ccy, **links)
        elif tx.kind is dom.TransactionKind.SWITCH:
            assert tx.target_class_id is not None
            add(day, "switch_out", -deal.gross.amount, ccy, **links)
            add(day, "switch_fee", deal.fee.amount, ccy, **links)
            add(day, "switch_in", deal.net.amount, ccy, **{**links, "class_id": tx.target_class_id})
