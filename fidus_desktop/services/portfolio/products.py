"""Fixed-yield products: versioned terms (admin-editable data), investments, schedules, obligations, coverage.

Terms are stored one document per ``(product_code, version)``; editing terms adds a new version
(``products.manage``) and existing investments keep the version they were sold under. Investing books the
principal into the product's cash book (``cash_ledger`` with ``product_code``). Coverage compares the
obligations due in a window with capital held = the product cash book + equity from a pluggable
``CapitalSource`` (the MT5 engineer provides one; until then equity is reported as not configured, 0).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from fidus_desktop.domain import fixed_yield as fy
from fidus_desktop.domain.money import Money
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ChangeRecorder, Service, ServiceContext, ValidationError
from fidus_desktop.services.permissions import Permission, require
from fidus_desktop.services.portfolio._common import parse_choice, parse_code, parse_currency, parse_date, parse_decimal
from fidus_desktop.services.portfolio.ledgers import Ledgers
from fidus_desktop.store.port import Document

PRODUCT_TERMS = "product_terms"
PRODUCT_INVESTMENTS = "product_investments"
CapitalSource = Callable[[str, date], Money | None]
"""Equity held for the products in a currency on a date, or None when the source is not configured."""


def no_equity_source(currency: str, on: date) -> Money | None:
    return None


@dataclass(frozen=True)
class CoverageReport:
    """Obligations due in ``[start, end]`` against capital on ``start``; ``equity_configured`` is honest."""

    currency: str
    start: date
    end: date
    coverage: fy.Coverage
    cash: Money
    equity: Money
    equity_configured: bool


def terms_from_doc(doc: Document) -> fy.ProductTerms:
    return fy.ProductTerms(
        product_code=doc["product_code"], name=doc["name"], version=doc["version_no"], kind=fy.YieldKind(doc["kind"]),
        payout_frequency=fy.PayoutFrequency[doc["payout_frequency"].upper()],
        incubation_months=doc["incubation_months"], commitment_months=doc["commitment_months"],
        minimum_investment=Money(doc["minimum_investment"], doc["currency"]),
        availability=fy.Availability(doc["availability"]), monthly_rate=doc["monthly_rate"],
        investor_share=doc["investor_share"])


class ProductService(Service):
    """Product terms, investments, schedules, redemption checks, obligations and coverage."""

    def __init__(self, ctx: ServiceContext, ledgers: Ledgers, capital_source: CapitalSource = no_equity_source
                 ) -> None:
        super().__init__(ctx)
        self.terms = ctx.store.collection(PRODUCT_TERMS)
        self.investments = ctx.store.collection(PRODUCT_INVESTMENTS)
        self.ledgers = ledgers
        self.capital_source = capital_source

    def ensure_indexes(self) -> None:
        self.terms.ensure_index(["product_code", "version_no"], unique=True)
        self.investments.ensure_index(["investor_id", "start_date"])
        self.investments.ensure_index(["product_code", "start_date"])

    # -- terms --------------------------------------------------------------------------------------
    def terms_doc(self, product_code: Any, name: Any, *, kind: Any = "fixed", payout_frequency: Any = "monthly",
                  incubation_months: int = 0, commitment_months: int = 12, minimum_investment: Any = "0",
                  currency: Any = "EUR", availability: Any = "open", monthly_rate: Any = "0",
                  investor_share: Any = "0", version_no: int = 1) -> Document:
        """Validated terms (the domain's rules) as a document; ``version_no`` is the terms version."""
        doc = {"product_code": parse_code(product_code, "product_code", "The product code"),
               "name": self.required_text(name, "name", "The product name"),
               "kind": parse_choice(kind, tuple(fy.YieldKind), "kind", "The yield kind"),
               "payout_frequency": parse_choice(payout_frequency, [f.name.lower() for f in fy.PayoutFrequency],
                                                "payout_frequency", "The payout frequency"),
               "incubation_months": int(incubation_months), "commitment_months": int(commitment_months),
               "minimum_investment": parse_decimal(minimum_investment, "minimum_investment", "The minimum", minimum=0),
               "currency": parse_currency(currency),
               "availability": parse_choice(availability, tuple(fy.Availability), "availability", "Availability"),
               "monthly_rate": parse_decimal(monthly_rate, "monthly_rate", "The monthly rate"),
               "investor_share": parse_decimal(investor_share, "investor_share", "The investor share"),
               "version_no": version_no, "updated_at": self.now()}
        try:
            terms_from_doc(doc)
        except fy.FixedYieldError as exc:
            raise ValidationError({"terms": str(exc)}) from None
        return doc

    def define_terms(self, actor: Actor, product_code: Any, name: Any, **terms: Any) -> fy.ProductTerms:
        """Add the next version of a product's terms (version 1 for a new product)."""
        code = parse_code(product_code, "product_code", "The product code")

        def write(rec: ChangeRecorder) -> Document:
            latest = self.terms.find_one({"product_code": code}, sort=[("version_no", -1)])
            doc = self.terms_doc(code, name, version_no=(latest["version_no"] + 1 if latest else 1), **terms)
            stored = self.terms.insert(doc)
            rec.record("product_terms.define", "product_terms", stored["_id"], before=latest, after=stored)
            return stored

        stored = self.change(actor, Permission.PRODUCTS_MANAGE, write)
        return terms_from_doc(stored)

    def current_terms(self, product_code: str, version: int | None = None) -> fy.ProductTerms:
        query: dict[str, Any] = {"product_code": product_code.strip().upper()}
        if version is not None:
            query["version_no"] = version
        doc = self.terms.find_one(query, sort=[("version_no", -1)])
        if doc is None:
            raise ValidationError({"product_code": f"There is no product {product_code}"
                                                   + (f" version {version}." if version else ".")})
        return terms_from_doc(doc)

    def list_products(self, actor: Actor) -> list[fy.ProductTerms]:
        """The latest terms of every product."""
        require(actor, Permission.FUNDS_READ)
        latest: dict[str, Document] = {}
        for doc in self.terms.find(sort=[("product_code", 1), ("version_no", 1)]):
            latest[doc["product_code"]] = doc
        return [terms_from_doc(d) for d in latest.values()]

    # -- investments --------------------------------------------------------------------------------
    def investment_doc(self, investor_id: str, product_code: Any, principal: Any, start_date: Any, *,
                       invited: bool = False) -> Document:
        terms = self.current_terms(str(product_code))
        amount = Money(parse_decimal(principal, "principal", "The principal", positive=True), terms.currency)
        try:
            fy.check_can_invest(terms, amount, invited=invited)
        except fy.FixedYieldError as exc:
            raise ValidationError({"principal": str(exc)}) from None
        return {"investor_id": investor_id, "product_code": terms.product_code, "version_no": terms.version,
                "principal": amount.amount, "currency": terms.currency,
                "start_date": parse_date(start_date, "start_date", "The start date", today=self.now().date()),
                "updated_at": self.now()}

    def invest(self, actor: Actor, investor_id: str, product_code: Any, principal: Any, start_date: Any, *,
               invited: bool = False) -> fy.Investment:
        """Sell the current terms of a product to an investor and book the principal into its cash book."""
        doc = self.investment_doc(investor_id, product_code, principal, start_date, invited=invited)

        def write(rec: ChangeRecorder) -> Document:
            stored = self.investments.insert(doc)
            self.ledgers.add_cash(doc["start_date"], "principal_in", doc["principal"], doc["currency"],
                                  product_code=doc["product_code"], investor_id=investor_id)
            rec.record("investment.create", "investment", stored["_id"], after=stored)
            return stored

        stored = self.change(actor, Permission.PRODUCTS_MANAGE, write)
        return self._investment(stored)

    def _investment(self, doc: Document) -> fy.Investment:
        terms = self.current_terms(doc["product_code"], doc["version_no"])
        return fy.Investment(doc["_id"], doc["investor_id"], terms, Money(doc["principal"], doc["currency"]),
                             doc["start_date"])

    def list_investments(self, actor: Actor, investor_id: str | None = None) -> list[fy.Investment]:
        require(actor, Permission.FUNDS_READ)
        query = {"investor_id": investor_id} if investor_id else {}
        return [self._investment(d) for d in self.investments.find(query, sort=[("start_date", 1)])]

    def schedule(self, actor: Actor, investment_id: str) -> tuple[fy.ScheduledPayment, ...]:
        require(actor, Permission.FUNDS_READ)
        return fy.payment_schedule(self._investment(self.investments.require(investment_id)))

    def check_redemption(self, actor: Actor, investment_id: str, on: date, part: str = "principal"
                         ) -> fy.RedemptionCheck:
        """Whether ``part`` may be redeemed on ``on`` and the earliest date it may."""
        require(actor, Permission.FUNDS_READ)
        which = fy.RedemptionPart(parse_choice(part, tuple(fy.RedemptionPart), "part", "The redemption part"))
        return fy.redemption_allowed(self._investment(self.investments.require(investment_id)), on, which)

    # -- obligations and coverage -------------------------------------------------------------------
    def obligations(self, actor: Actor, start: date | None = None, end: date | None = None
                    ) -> list[fy.MonthlyObligation]:
        """Interest and principal due per month (per currency), optionally within ``[start, end]`` months."""
        require(actor, Permission.FUNDS_READ)
        months = fy.monthly_obligations(self._investment(d) for d in self.investments.find())
        low = (start.year, start.month) if start else (0, 0)
        high = (end.year, end.month) if end else (9999, 12)
        return [m for m in months if low <= (m.year, m.month) <= high]

    def coverage(self, actor: Actor, currency: str, start: date, end: date) -> CoverageReport:
        """Obligations due in ``[start, end]`` against cash in the product books plus equity on ``start``."""
        currency = parse_currency(currency)
        due = sum((m.total for m in self.obligations(actor, start, end) if m.total.currency == currency),
                  Money.zero(currency))
        cash = Money.zero(currency)
        for doc in self.ledgers.cash.find({"product_code": {"$exists": True}, "currency": currency,
                                           "value_date": {"$lte": start}}, projection=["amount", "product_code"]):
            if doc.get("product_code"):
                cash += Money(doc["amount"], currency)
        equity = self.capital_source(currency, start)
        return CoverageReport(currency, start, end, fy.coverage(due, cash, equity or Money.zero(currency)), cash,
                              equity or Money.zero(currency), equity is not None)
