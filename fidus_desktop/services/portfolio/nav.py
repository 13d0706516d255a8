"""NAV history: one ``nav_per_unit`` per share class per valuation date, with corrections.

A NAV is entered by hand, imported from CSV (``imports``) or derived from holdings (``nav_derivation``); its
``source`` says which. A correction never overwrites silently: the old value, who changed it, when and why
are appended to the document's ``corrections`` list (and the audit trail). Natural key:
``(class_id, nav_date)``. Changes need ``nav.manage``; reads need ``funds.read``.

The stored ``nav_per_unit`` is the class's valuation per unit on that date; dealing prices at it after the
day's fee settlement (``fees.FeeService.dealing_nav``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from fidus_desktop.domain.dealing import round_nav_per_unit
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ChangeRecorder, Service, ServiceContext, ValidationError
from fidus_desktop.services.permissions import Permission, require
from fidus_desktop.services.portfolio._common import date_range, parse_date, parse_decimal
from fidus_desktop.store.port import Document

NAV = "nav"
NAV_SOURCES = ("entered", "imported", "derived")


@dataclass(frozen=True)
class NavCorrection:
    old: Decimal
    new: Decimal
    by: str
    at: Any
    reason: str


@dataclass(frozen=True)
class NavPoint:
    nav_id: str
    class_id: str
    nav_date: date
    nav_per_unit: Decimal
    currency: str
    source: str
    corrections: tuple[NavCorrection, ...]
    version: int

    @classmethod
    def from_doc(cls, doc: Document) -> NavPoint:
        corrections = tuple(NavCorrection(**c) for c in doc.get("corrections", ()))
        return cls(doc["_id"], doc["class_id"], doc["nav_date"], doc["nav_per_unit"], doc["currency"],
                   doc["source"], corrections, doc["version"])


def check_nav_value(value: Any, field: str = "nav_per_unit") -> Decimal:
    """A positive NAV per unit with at most 4 decimals (the precision units are priced at)."""
    nav = parse_decimal(value, field, "The NAV per unit", positive=True)
    if nav != round_nav_per_unit(nav):
        raise ValidationError({field: f"The NAV per unit {nav} has more than 4 decimals; round it to 4."})
    return nav


def check_source(source: str) -> None:
    if source not in NAV_SOURCES:
        raise ValidationError({"source": f"The NAV source must be one of {', '.join(NAV_SOURCES)}."})


class NavService(Service):
    """Enter, correct and read NAV per unit."""

    def __init__(self, ctx: ServiceContext, classes: Any) -> None:
        super().__init__(ctx)
        self.navs = ctx.store.collection(NAV)
        self.classes = classes  # FundService: class currencies

    def ensure_indexes(self) -> None:
        self.navs.ensure_index(["class_id", "nav_date"], unique=True)
        self.navs.ensure_index(["nav_date"])
        self.navs.ensure_index(["updated_at"])

    # -- reading ------------------------------------------------------------------------------------
    def nav_on(self, class_id: str, nav_date: date) -> NavPoint | None:
        """The NAV struck exactly on ``nav_date`` (dealing needs exactly this one)."""
        doc = self.navs.find_one({"class_id": class_id, "nav_date": nav_date})
        return NavPoint.from_doc(doc) if doc else None

    def latest(self, class_id: str, on_or_before: date | None = None) -> NavPoint | None:
        query: dict[str, Any] = {"class_id": class_id}
        if on_or_before is not None:
            query["nav_date"] = {"$lte": on_or_before}
        doc = self.navs.find_one(query, sort=[("nav_date", -1)])
        return NavPoint.from_doc(doc) if doc else None

    def latest_date(self) -> date | None:
        """The newest NAV date of any class: the default 'as of' of figures and screens."""
        doc = self.navs.find_one(sort=[("nav_date", -1)])
        return doc["nav_date"] if doc else None

    def series(self, class_id: str, start: date | None = None, end: date | None = None) -> dict[date, Decimal]:
        """``{nav_date: nav_per_unit}`` in date order: what analytics and charts take."""
        query = {"class_id": class_id, **date_range("nav_date", start, end)}
        docs = self.navs.find(query, sort=[("nav_date", 1)], projection=["nav_date", "nav_per_unit"])
        return {d["nav_date"]: d["nav_per_unit"] for d in docs}

    def history(self, actor: Actor, class_id: str, start: date | None = None, end: date | None = None
                ) -> list[NavPoint]:
        """NAV points with their corrections, newest first (the NAV history table)."""
        require(actor, Permission.FUNDS_READ)
        query = {"class_id": class_id, **date_range("nav_date", start, end)}
        return [NavPoint.from_doc(d) for d in self.navs.find(query, sort=[("nav_date", -1)])]

    # -- changing -----------------------------------------------------------------------------------
    def nav_doc(self, class_id: str, nav_date: Any, nav_per_unit: Any, source: str) -> Document:
        """A validated new NAV document (imports and the demo build these in bulk)."""
        share_class = self.classes.get_class(class_id)
        day = parse_date(nav_date, "nav_date", "The NAV date", today=self.now().date())
        if day < share_class.launch_date:
            raise ValidationError({"nav_date": f"{share_class.code} launched on {share_class.launch_date}; "
                                               f"there is no NAV on {day}."})
        check_source(source)
        return {"class_id": class_id, "nav_date": day, "nav_per_unit": check_nav_value(nav_per_unit),
                "currency": share_class.currency, "source": source, "corrections": [], "updated_at": self.now()}

    def set_nav(self, actor: Actor, class_id: str, nav_date: Any, nav_per_unit: Any, source: str = "entered"
                ) -> NavPoint:
        """Record a new NAV; an existing one is changed only through ``correct_nav`` (with a reason)."""
        doc = self.nav_doc(class_id, nav_date, nav_per_unit, source)
        return NavPoint.from_doc(self.change(actor, Permission.NAV_MANAGE, lambda rec: self.insert_nav(rec, doc)))

    def insert_nav(self, rec: Any, doc: Document) -> Document:
        """Store a new NAV inside a caller's change (``set_nav`` and derived NAVs share it)."""
        existing = self.nav_on(doc["class_id"], doc["nav_date"])
        if existing is not None:
            raise ValidationError({"nav_date": f"There is already a NAV of {existing.nav_per_unit} on "
                                               f"{existing.nav_date}; correct it (with a reason) instead."})
        stored = self.navs.insert(doc)
        rec.record("nav.create", "nav", stored["_id"], after=stored)
        return stored

    def correct_nav(self, actor: Actor, nav_id: str, version: int, nav_per_unit: Any, reason: Any,
                    source: str | None = None) -> NavPoint:
        """Replace a NAV, keeping the old value with who, when and why in ``corrections``; ``source`` says
        where the new value comes from when it is not the stored one's (a value derived from holdings)."""
        new = check_nav_value(nav_per_unit)
        why = self.required_text(reason, "reason", "A reason for the correction", max_length=500)
        if source is not None:
            check_source(source)

        def write(rec: ChangeRecorder) -> Document:
            return self.apply_correction(rec, actor, self.navs.require(nav_id), version, new, why, source)

        return NavPoint.from_doc(self.change(actor, Permission.NAV_MANAGE, write))

    def apply_correction(self, rec: Any, actor: Actor, before: Document, version: int, new: Decimal, why: str,
                         source: str | None = None) -> Document:
        """The correction itself, inside a caller's change (``correct_nav``, NAV imports and derived NAVs share
        it); ``source`` replaces the stored one when the new value comes from elsewhere (a derivation)."""
        if before["nav_per_unit"] == new:
            raise ValidationError({"nav_per_unit": f"The NAV on {before['nav_date']} is already {new}."})
        correction = {"old": before["nav_per_unit"], "new": new, "by": actor.username, "at": self.now(),
                      "reason": why}
        changes = {"nav_per_unit": new, "updated_at": self.now(),
                   "corrections": [*before.get("corrections", []), correction]}
        after = self.navs.update(before["_id"], changes | ({"source": source} if source else {}),
                                 expected_version=version)
        rec.record("nav.correct", "nav", before["_id"], before=before, after=after)
        return after
