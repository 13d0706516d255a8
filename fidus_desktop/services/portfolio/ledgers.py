"""The two append-only ledgers every settled movement writes: cash and units.

``cash_ledger``: one line per movement of money between the fund (or a fixed-yield product book) and an
investor, signed from the fund's side (+ in, − out), in the currency it moved, dated by ``value_date`` (the
settlement date). ``unit_ledger``: one line per change of an investor's units in a class (issued +,
cancelled −), including units cancelled to pay a performance fee. Units outstanding on any date are the sum
of the unit ledger up to it, so AUM history needs no snapshots. Lines are written inside the change that
causes them (whose audit entry covers them) and never edited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from fidus_desktop.store.port import Document, Store

CASH_LEDGER = "cash_ledger"
UNIT_LEDGER = "unit_ledger"


@dataclass(frozen=True)
class CashMovement:
    value_date: date
    kind: str
    amount: Decimal
    currency: str
    fund_id: str | None
    class_id: str | None
    investor_id: str | None
    transaction_id: str | None
    product_code: str | None

    @classmethod
    def from_doc(cls, doc: Document) -> CashMovement:
        return cls(doc["value_date"], doc["kind"], doc["amount"], doc["currency"], doc.get("fund_id"),
                   doc.get("class_id"), doc.get("investor_id"), doc.get("transaction_id"), doc.get("product_code"))


class Ledgers:
    """Append and sum ledger lines (internal: callers check permissions and audit)."""

    def __init__(self, store: Store) -> None:
        self.cash = store.collection(CASH_LEDGER)
        self.units = store.collection(UNIT_LEDGER)

    def ensure_indexes(self) -> None:
        self.cash.ensure_index(["fund_id", "value_date"])
        self.cash.ensure_index(["investor_id", "value_date"])
        self.cash.ensure_index(["product_code", "value_date"])
        self.cash.ensure_index(["class_id", "value_date"])
        self.units.ensure_index(["class_id", "value_date"])
        self.units.ensure_index(["investor_id", "class_id"])

    def add_cash(self, value_date: date, kind: str, amount: Decimal, currency: str, **links: Any) -> None:
        if amount:
            self.cash.insert({"value_date": value_date, "kind": kind, "amount": amount, "currency": currency,
                              **links})

    def add_units(self, value_date: date, class_id: str, investor_id: str, units: Decimal, reason: str,
                  transaction_id: str | None = None) -> None:
        if units:
            self.units.insert({"value_date": value_date, "class_id": class_id, "investor_id": investor_id,
                               "units": units, "reason": reason, "transaction_id": transaction_id})

    def investor_units(self, investor_id: str, end: date | None = None) -> list[Document]:
        """``investor_id``'s unit ledger lines up to ``end`` (inclusive), oldest first."""
        query: dict[str, Any] = {"investor_id": investor_id}
        if end is not None:
            query["value_date"] = {"$lte": end}
        return self.units.find(query, sort=[("value_date", 1), ("_id", 1)])

    def units_by_date(self, class_id: str, end: date | None = None, *, investor_flows_only: bool = False
                      ) -> dict[date, Decimal]:
        """Net units issued (+) or cancelled (−) per value date for a class, in date order.

        ``investor_flows_only`` leaves out units cancelled to pay performance fees (a cost, not a flow).
        """
        query: dict[str, Any] = {"class_id": class_id}
        if end is not None:
            query["value_date"] = {"$lte": end}
        if investor_flows_only:
            query["reason"] = {"$ne": "performance_fee"}
        changes: dict[date, Decimal] = {}
        for doc in self.units.find(query, sort=[("value_date", 1)], projection=["value_date", "units"]):
            changes[doc["value_date"]] = changes.get(doc["value_date"], Decimal(0)) + doc["units"]
        return changes

    def units_outstanding(self, class_id: str, on: date) -> Decimal:
        return sum(self.units_by_date(class_id, on).values(), Decimal(0))
