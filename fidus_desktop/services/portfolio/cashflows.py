"""Cash movements per fund and investor, and the forecast of pending dealing by settlement date.

The ledger itself is ``ledgers.cash_ledger`` (written by settlements and fixed-yield bookings); this
service reads it for screens and reports. The forecast lists transactions not yet settled (pending or
approved) by settlement date; a request by units is valued at the class's latest NAV and marked
``estimated`` (its amount is only known once priced). ``external_flows`` gives the money each settled
subscription or redemption moved between the fund and an investor, which MT5 reconciliation matches against
the balance deals of the fund's trading accounts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from fidus_desktop.domain.money import round_money
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import Service, ServiceContext
from fidus_desktop.services.permissions import Permission, require
from fidus_desktop.services.portfolio._common import date_range
from fidus_desktop.services.portfolio.ledgers import CashMovement, Ledgers


@dataclass(frozen=True)
class ForecastLine:
    """Expected cash on one settlement date in one currency for one fund (+ in, − out)."""

    settlement_date: date
    fund_id: str
    currency: str
    subscriptions: Decimal
    redemptions: Decimal
    estimated: bool

    @property
    def net(self) -> Decimal:
        return self.subscriptions - self.redemptions


# The ledger kinds that move money between the fund and its investors: a settled subscription or redemption
# and its fee leg. Netted per transaction they are what reaches (or leaves) the fund's trading account.
# Distributions, switches (money stays in the fund) and fixed-yield product books are not external flows of a
# fund's trading account; the ledger has no kind for manual transfers to the broker yet.
EXTERNAL_FLOW_KINDS = ("subscription", "entry_fee", "redemption", "exit_fee")


@dataclass(frozen=True)
class ExternalFlow:
    """The net cash one settled transaction moved between the fund and an investor, signed (+ in, − out)."""

    transaction_id: str
    fund_id: str
    value_date: date
    amount: Decimal
    currency: str
    kind: str  # "subscription" or "redemption"
    reference: str


class CashflowService(Service):
    """Read the cash ledger and forecast unsettled dealing."""

    def __init__(self, ctx: ServiceContext, ledgers: Ledgers, dealing: Any, navs: Any) -> None:
        super().__init__(ctx)
        self.ledgers, self.dealing, self.navs = ledgers, dealing, navs

    def movements(self, actor: Actor, *, fund_id: str | None = None, investor_id: str | None = None,
                  product_code: str | None = None, start: date | None = None, end: date | None = None
                  ) -> list[CashMovement]:
        """Every movement matching the filters, in value-date order."""
        require(actor, Permission.FUNDS_READ)
        query = {k: v for k, v in (("fund_id", fund_id), ("investor_id", investor_id),
                                   ("product_code", product_code)) if v}
        query.update(date_range("value_date", start, end))
        return [CashMovement.from_doc(d) for d in self.ledgers.cash.find(query, sort=[("value_date", 1)])]

    def external_flows(self, actor: Actor, fund_id: str, start: date, end: date) -> list[ExternalFlow] | None:
        """Settled subscriptions and redemptions of ``fund_id`` with value dates in ``[start, end]``, net of fees.

        None when the fund has no cash ledger at all (nothing settled in FIDUS yet): then there is nothing to
        reconcile against, which is not the same as "no flows in this window".
        """
        require(actor, Permission.FUNDS_READ)
        if self.ledgers.cash.find_one({"fund_id": fund_id}) is None:
            return None
        query = {"fund_id": fund_id, "kind": {"$in": list(EXTERNAL_FLOW_KINDS)}, **date_range("value_date", start, end)}
        legs: dict[str, list[Any]] = {}
        for doc in self.ledgers.cash.find(query, sort=[("value_date", 1)]):
            leg = legs.setdefault(doc["transaction_id"], [doc["value_date"], Decimal(0), doc["currency"], doc["kind"]])
            leg[1] += doc["amount"]
            if doc["kind"] in ("subscription", "redemption"):
                leg[3] = doc["kind"]
        refs = {d["_id"]: d.get("ref", "") for d in self.dealing.transactions.find(
            {"_id": {"$in": list(legs)}}, projection=["ref"])} if legs else {}
        return [ExternalFlow(tid, fund_id, day, amount, ccy, kind, refs.get(tid, ""))
                for tid, (day, amount, ccy, kind) in legs.items()]

    def balance(self, *, fund_id: str | None = None, product_code: str | None = None, on: date | None = None
                ) -> dict[str, Decimal]:
        """Sum of the ledger per currency up to ``on`` for a fund or a product book."""
        query = {k: v for k, v in (("fund_id", fund_id), ("product_code", product_code)) if v}
        query.update(date_range("value_date", None, on))
        totals: dict[str, Decimal] = {}
        for doc in self.ledgers.cash.find(query, projection=["amount", "currency"]):
            totals[doc["currency"]] = totals.get(doc["currency"], Decimal(0)) + doc["amount"]
        return totals

    def forecast(self, actor: Actor, fund_id: str | None = None) -> list[ForecastLine]:
        """Unsettled subscriptions and redemptions grouped by settlement date, fund and currency."""
        require(actor, Permission.FUNDS_READ)
        lines: dict[tuple[date, str, str], list[Any]] = {}
        for doc in self.dealing.pending(fund_id):
            if doc["kind"] not in ("subscription", "redemption"):
                continue
            amount, estimated = doc.get("amount"), False
            if amount is None:
                latest = self.navs.latest(doc["class_id"])
                held = self.dealing.account_doc(doc["investor_id"], doc["class_id"])
                units = (held["units"] if held else Decimal(0)) if doc.get("full") else doc["units"]
                amount = round_money(units * latest.nav_per_unit, doc["currency"]) if latest else Decimal(0)
                estimated = True
            key = (doc["settlement_date"], doc["fund_id"], doc["currency"])
            line = lines.setdefault(key, [Decimal(0), Decimal(0), False])
            line[0 if doc["kind"] == "subscription" else 1] += amount
            line[2] = line[2] or estimated
        return [ForecastLine(d, f, c, s, r, e) for (d, f, c), (s, r, e) in sorted(lines.items())]
