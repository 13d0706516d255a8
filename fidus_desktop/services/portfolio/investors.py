"""Investors and their investment accounts (one per investor per share class).

An investor has a unique ``number`` (e.g. ``INV-00017``), is an ``individual`` or a ``corporate``, and may
be linked to the ``user_id`` of a client login. ``name`` and ``email`` are personal data (to be listed in
``services.personal_data.PERSONAL_DATA`` when that registry lands). An account holds the investor's
``units`` of a class with the performance-fee ``high_water_mark`` and ``period_start``; its natural key is
``(investor_id, class_id)``. Units change only through settled transactions (``dealing``).

Reading needs ``investors.read``; a ``client`` actor sees only the investors in ``actor.investor_ids``
(``own_accounts.read``). Changes need ``investors.manage``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import Service, ServiceContext, ValidationError
from fidus_desktop.services.permissions import Permission, PermissionDenied, allowed, require
from fidus_desktop.services.portfolio._common import check_page, insert_unique, parse_choice, parse_code
from fidus_desktop.store.port import Document, Filter, Sort

INVESTORS = "investors"
ACCOUNTS = "accounts"
INVESTOR_KINDS = ("individual", "corporate")
INVESTOR_SORTS = ("number", "name_key", "kind", "updated_at")


@dataclass(frozen=True)
class Investor:
    investor_id: str
    number: str
    name: str
    kind: str
    email: str | None
    user_id: str | None
    version: int

    @classmethod
    def from_doc(cls, doc: Document) -> Investor:
        return cls(doc["_id"], doc["number"], doc["name"], doc["kind"], doc.get("email"), doc.get("user_id"),
                   doc["version"])


@dataclass(frozen=True)
class Account:
    account_id: str
    investor_id: str
    class_id: str
    fund_id: str
    units: Decimal
    high_water_mark: Decimal | None
    period_start: date | None
    version: int

    @classmethod
    def from_doc(cls, doc: Document) -> Account:
        return cls(doc["_id"], doc["investor_id"], doc["class_id"], doc["fund_id"], doc["units"],
                   doc.get("high_water_mark"), doc.get("period_start"), doc["version"])


def investor_filter(search: str | None = None, kind: str | None = None) -> Filter:
    """The store filter behind the investors table's search box and kind selector."""
    clauses: list[Filter] = []
    if search and search.strip():
        text = search.strip()
        clauses.append({"$or": [{"number": {"$istartswith": text}}, {"name_key": {"$icontains": text}}]})
    if kind:
        clauses.append({"kind": parse_choice(kind, INVESTOR_KINDS, "kind", "The investor kind")})
    return {"$and": clauses} if clauses else {}


class InvestorService(Service):
    """Create, edit, page through investors; open and read accounts."""

    def __init__(self, ctx: ServiceContext) -> None:
        super().__init__(ctx)
        self.investors = ctx.store.collection(INVESTORS)
        self.accounts = ctx.store.collection(ACCOUNTS)

    def ensure_indexes(self) -> None:
        self.investors.ensure_index(["number"], unique=True)
        self.investors.ensure_index(["name_key"])
        self.investors.ensure_index(["kind", "number"])
        self.investors.ensure_index(["user_id"])
        self.investors.ensure_index(["updated_at"])
        self.accounts.ensure_index(["investor_id", "class_id"], unique=True)
        self.accounts.ensure_index(["class_id"])
        self.accounts.ensure_index(["fund_id"])

    # -- reading ------------------------------------------------------------------------------------
    def _scope(self, actor: Actor, query: Filter) -> Filter:
        """Staff see everyone; a client only their own investors."""
        if allowed(actor.role, Permission.INVESTORS_READ):
            return query
        require(actor, Permission.OWN_ACCOUNTS_READ)
        own: Filter = {"_id": {"$in": sorted(actor.investor_ids)}}
        return {"$and": [query, own]} if query else own

    def count(self, actor: Actor, query: Filter | None = None) -> int:
        """How many investors match ``query`` (build it with ``investor_filter``)."""
        return self.investors.count(self._scope(actor, query or {}))

    def page(
        self, actor: Actor, query: Filter | None = None, sort: Sort | None = None, offset: int = 0, limit: int = 100
    ) -> list[Investor]:
        """One window of the investors table, sorted on an indexed field (``INVESTOR_SORTS``)."""
        request = check_page(sort, offset, limit, INVESTOR_SORTS, [("number", 1)])
        docs = self.investors.find(self._scope(actor, query or {}), sort=request.sort, skip=request.offset,
                                   limit=request.limit)
        return [Investor.from_doc(d) for d in docs]

    def get(self, actor: Actor, investor_id: str) -> Investor:
        doc = self.investors.require(investor_id)
        if not allowed(actor.role, Permission.INVESTORS_READ) and investor_id not in actor.investor_ids:
            raise PermissionDenied(f"{actor.username} may only see their own investor records.")
        return Investor.from_doc(doc)

    def by_number(self, number: str) -> Investor | None:
        doc = self.investors.find_one({"number": number.strip().upper()})
        return Investor.from_doc(doc) if doc else None

    def accounts_of(self, actor: Actor, investor_id: str) -> list[Account]:
        self.get(actor, investor_id)
        return [Account.from_doc(d) for d in self.accounts.find({"investor_id": investor_id})]

    def accounts_in_class(self, class_id: str) -> list[Account]:
        """Every account of a class (fee settlement and figures; callers check permissions)."""
        return [Account.from_doc(d) for d in self.accounts.find({"class_id": class_id})]

    def account(self, investor_id: str, class_id: str) -> Account | None:
        doc = self.accounts.find_one({"investor_id": investor_id, "class_id": class_id})
        return Account.from_doc(doc) if doc else None

    # -- changing -----------------------------------------------------------------------------------
    def investor_doc(self, number: Any, name: Any, kind: Any, *, email: Any = None, user_id: Any = None) -> Document:
        """A validated new investor document (also used by the demo's bulk load)."""
        name_text = self.required_text(name, "name", "The investor name")
        if email is not None and (not isinstance(email, str) or "@" not in email or len(email) > 200):
            raise ValidationError({"email": f"{email!r} is not an e-mail address like name@example.com."})
        return {
            "number": parse_code(number, "number", "The investor number"),
            "name": name_text,
            "name_key": name_text.casefold(),
            "kind": parse_choice(kind, INVESTOR_KINDS, "kind", "The investor kind"),
            "email": email,
            "user_id": user_id,
            "updated_at": self.now(),
        }

    def create_investor(
        self, actor: Actor, number: Any, name: Any, kind: Any, *, email: Any = None, user_id: Any = None
    ) -> Investor:
        doc = self.investor_doc(number, name, kind, email=email, user_id=user_id)
        with self.changing(actor, Permission.INVESTORS_MANAGE) as rec:
            stored = insert_unique(self.investors, doc, "number", f"Investor number {doc['number']} is taken.")
            rec.record("investor.create", "investor", stored["_id"], after=stored)
        return Investor.from_doc(stored)

    def update_investor(
        self, actor: Actor, investor_id: str, version: int, *, name: Any = None, email: Any = None,
        user_id: Any = None,
    ) -> Investor:
        """Edit name, e-mail or linked user; ``version`` is the one the editor read."""
        with self.changing(actor, Permission.INVESTORS_MANAGE) as rec:
            before = self.investors.require(investor_id)
            fresh = self.investor_doc(before["number"], before["name"] if name is None else name, before["kind"],
                                      email=before.get("email") if email is None else email,
                                      user_id=before.get("user_id") if user_id is None else user_id)
            changes = {k: v for k, v in fresh.items() if k != "number"}
            after = self.investors.update(investor_id, changes, expected_version=version)
            rec.record("investor.update", "investor", investor_id, before=before, after=after)
        return Investor.from_doc(after)

    def open_account(self, investor_id: str, class_id: str, fund_id: str) -> Document:
        """The account of ``investor_id`` in ``class_id``, created empty if missing.

        Called inside a dealing change (whose audit entry covers it), so it checks no permission itself.
        """
        found = self.accounts.find_one({"investor_id": investor_id, "class_id": class_id})
        if found:
            return found
        self.investors.require(investor_id)
        return self.accounts.insert({"investor_id": investor_id, "class_id": class_id, "fund_id": fund_id,
                                     "units": Decimal(0), "high_water_mark": None, "period_start": None,
                                     "updated_at": self.now()})
