"""Funds and their share classes.

A fund has a unique ``code`` and a ``base_currency`` (the currency its AUM is stated in). A share class has
a unique ``code``, its own ``currency``, fee terms (``domain.fees.FeeTerms`` plus a switch fee) and a
dealing frequency. Both carry a ``version``: an edit against an old version raises ``ConcurrencyError``.
Changes need ``funds.manage``; reading needs ``funds.read``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from fidus_desktop.domain.fees import CrystallisationPeriod, FeeError, FeeTerms
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ChangeRecorder, Service, ValidationError
from fidus_desktop.services.permissions import Permission, require
from fidus_desktop.services.portfolio._common import (
    insert_unique,
    parse_choice,
    parse_code,
    parse_currency,
    parse_date,
    parse_decimal,
)
from fidus_desktop.store.port import Document

FUNDS = "funds"
SHARE_CLASSES = "share_classes"
DEALING_FREQUENCIES = ("daily", "weekly", "monthly")
FEE_FIELDS = ("management_rate", "performance_rate", "hurdle_rate", "entry_rate", "exit_rate", "switch_rate")


@dataclass(frozen=True)
class Fund:
    fund_id: str
    code: str
    name: str
    base_currency: str
    version: int

    @classmethod
    def from_doc(cls, doc: Document) -> Fund:
        return cls(doc["_id"], doc["code"], doc["name"], doc["base_currency"], doc["version"])


@dataclass(frozen=True)
class ShareClass:
    class_id: str
    fund_id: str
    code: str
    name: str
    currency: str
    dealing_frequency: str
    launch_date: date
    launch_nav: Decimal
    fees: dict[str, Decimal]
    crystallisation: str
    version: int
    benchmark_id: str | None = None  # the linked benchmark (``BenchmarkService.set_class_benchmark``)

    @classmethod
    def from_doc(cls, doc: Document) -> ShareClass:
        return cls(
            doc["_id"], doc["fund_id"], doc["code"], doc["name"], doc["currency"], doc["dealing_frequency"],
            doc["launch_date"], doc["launch_nav"], dict(doc["fees"]), doc["crystallisation"], doc["version"],
            doc.get("benchmark_id"),
        )

    @property
    def fee_terms(self) -> FeeTerms:
        """The class's terms as the fee domain wants them (the switch fee is separate)."""
        rates = {k: v for k, v in self.fees.items() if k != "switch_rate"}
        return FeeTerms(**rates, crystallisation=CrystallisationPeriod(self.crystallisation))


def parse_fees(fees: dict[str, Any] | None) -> dict[str, Decimal]:
    """Fee rates as fractions (0.015 = 1.5 %); missing rates are 0, unknown names refused."""
    fees = dict(fees or {})
    unknown = sorted(set(fees) - set(FEE_FIELDS))
    if unknown:
        raise ValidationError({"fees": f"Unknown fee {', '.join(unknown)}; use {', '.join(FEE_FIELDS)}."})
    rates = {k: parse_decimal(fees.get(k, "0"), f"fees.{k}", k.replace("_", " ")) for k in FEE_FIELDS}
    terms: dict[str, Any] = {k: v for k, v in rates.items() if k != "switch_rate"}  # FeeTerms' keyword names
    try:
        FeeTerms(**terms)
    except FeeError as exc:
        raise ValidationError({"fees": str(exc)}) from None
    if not 0 <= rates["switch_rate"] <= 1:
        raise ValidationError({"fees.switch_rate": "The switch rate must be between 0 and 1 (0.01 means 1 %)."})
    return rates


class FundService(Service):
    """Create, edit and read funds and share classes."""

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self.funds = ctx.store.collection(FUNDS)
        self.classes = ctx.store.collection(SHARE_CLASSES)

    def ensure_indexes(self) -> None:
        self.funds.ensure_index(["code"], unique=True)
        self.funds.ensure_index(["updated_at"])
        self.classes.ensure_index(["code"], unique=True)
        self.classes.ensure_index(["fund_id", "code"])

    # -- reading ------------------------------------------------------------------------------------
    def list_funds(self, actor: Actor) -> list[Fund]:
        require(actor, Permission.FUNDS_READ)
        return [Fund.from_doc(d) for d in self.funds.find(sort=[("code", 1)])]

    def list_classes(self, actor: Actor, fund_id: str | None = None) -> list[ShareClass]:
        require(actor, Permission.FUNDS_READ)
        query = {"fund_id": fund_id} if fund_id else {}
        return [ShareClass.from_doc(d) for d in self.classes.find(query, sort=[("code", 1)])]

    def get_fund(self, fund_id: str) -> Fund:
        """A fund by id (internal reads by other services; no permission: they check their own)."""
        return Fund.from_doc(self.funds.require(fund_id))

    def get_class(self, class_id: str) -> ShareClass:
        return ShareClass.from_doc(self.classes.require(class_id))

    def fund_by_code(self, code: str) -> Fund | None:
        doc = self.funds.find_one({"code": code.strip().upper()})
        return Fund.from_doc(doc) if doc else None

    def class_by_code(self, code: str) -> ShareClass | None:
        doc = self.classes.find_one({"code": code.strip().upper()})
        return ShareClass.from_doc(doc) if doc else None

    def all_classes(self) -> list[ShareClass]:
        return [ShareClass.from_doc(d) for d in self.classes.find(sort=[("code", 1)])]

    # -- changing -----------------------------------------------------------------------------------
    def fund_doc(self, code: Any, name: Any, base_currency: Any) -> Document:
        """A validated new fund document (also used by the demo's bulk load)."""
        return {
            "code": parse_code(code, "code", "The fund code"),
            "name": self.required_text(name, "name", "The fund name"),
            "base_currency": parse_currency(base_currency, "base_currency"),
            "updated_at": self.now(),
        }

    def create_fund(self, actor: Actor, code: Any, name: Any, base_currency: Any) -> Fund:
        doc = self.fund_doc(code, name, base_currency)

        def write(rec: ChangeRecorder) -> Document:
            stored = insert_unique(self.funds, doc, "code", f"A fund with code {doc['code']} already exists.")
            rec.record("fund.create", "fund", stored["_id"], after=stored)
            return stored

        stored = self.change(actor, Permission.FUNDS_MANAGE, write)
        return Fund.from_doc(stored)

    def rename_fund(self, actor: Actor, fund_id: str, version: int, name: Any) -> Fund:
        """Change the display name (code and base currency are fixed once the fund has dealt)."""
        text = self.required_text(name, "name", "The fund name")

        def write(rec: ChangeRecorder) -> Document:
            before = self.funds.require(fund_id)
            after = self.funds.update(fund_id, {"name": text, "updated_at": self.now()}, expected_version=version)
            rec.record("fund.update", "fund", fund_id, before=before, after=after)
            return after

        after = self.change(actor, Permission.FUNDS_MANAGE, write)
        return Fund.from_doc(after)

    def class_doc(
        self,
        fund_id: str,
        code: Any,
        name: Any,
        currency: Any,
        *,
        fees: dict[str, Any] | None = None,
        dealing_frequency: Any = "daily",
        launch_date: Any,
        launch_nav: Any = "100",
        crystallisation: Any = "annual",
    ) -> Document:
        """A validated new share class document (also used by the demo's bulk load)."""
        self.funds.require(fund_id)
        return {
            "fund_id": fund_id,
            "code": parse_code(code, "code", "The class code"),
            "name": self.required_text(name, "name", "The class name"),
            "currency": parse_currency(currency),
            "fees": parse_fees(fees),
            "crystallisation": parse_choice(crystallisation, tuple(CrystallisationPeriod), "crystallisation",
                                            "Crystallisation"),
            "dealing_frequency": parse_choice(dealing_frequency, DEALING_FREQUENCIES, "dealing_frequency",
                                              "The dealing frequency"),
            "launch_date": parse_date(launch_date, "launch_date", "The launch date", today=self.now().date()),
            "launch_nav": parse_decimal(launch_nav, "launch_nav", "The launch NAV per unit", positive=True),
            "updated_at": self.now(),
        }

    def create_class(self, actor: Actor, fund_id: str, code: Any, name: Any, currency: Any, **terms: Any) -> ShareClass:
        doc = self.class_doc(fund_id, code, name, currency, **terms)

        def write(rec: ChangeRecorder) -> Document:
            stored = insert_unique(self.classes, doc, "code", f"A share class with code {doc['code']} already exists.")
            rec.record("share_class.create", "share_class", stored["_id"], after=stored)
            return stored

        stored = self.change(actor, Permission.FUNDS_MANAGE, write)
        return ShareClass.from_doc(stored)

    def update_class_terms(
        self, actor: Actor, class_id: str, version: int, *, fees: dict[str, Any] | None = None,
        dealing_frequency: Any = None, name: Any = None,
    ) -> ShareClass:
        """Edit fee terms, dealing frequency or name; ``version`` is the one the editor read."""
        changes: Document = {"updated_at": self.now()}
        if fees is not None:
            changes["fees"] = parse_fees(fees)
        if dealing_frequency is not None:
            changes["dealing_frequency"] = parse_choice(
                dealing_frequency, DEALING_FREQUENCIES, "dealing_frequency", "The dealing frequency")
        if name is not None:
            changes["name"] = self.required_text(name, "name", "The class name")

        def write(rec: ChangeRecorder) -> Document:
            before = self.classes.require(class_id)
            after = self.classes.update(class_id, changes, expected_version=version)
            rec.record("share_class.update", "share_class", class_id, before=before, after=after)
            return after

        after = self.change(actor, Permission.FUNDS_MANAGE, write)
        return ShareClass.from_doc(after)
