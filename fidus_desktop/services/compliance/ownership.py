"""The ownership tree an officer enters for a corporate investor, and the beneficial owners it gives.

One record per investor (``kyc_ownership``): every "owner holds share of company" edge, the owner marked as a
person or a company, optionally with the owner's country (a person's nationality, a company's country of
incorporation: screening's country evidence for it), the investor itself named as the root company. Saving
replaces the whole tree, checked by the domain first (shares in (0, 1], no company held over 100 %, no cycle),
in one audited transaction with a version check, so two officers editing the same tree do not overwrite each
other unseen. The beneficial owners (25 % or more through every chain) and the number of company levels are
computed on reading, from ``domain.compliance.ownership``; the levels are what the risk model's ownership
factor takes. Whoever listens (``on_saved``: the screening, wired by the feature) hears of every saved tree,
after it is committed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from fidus_desktop.domain.compliance.ownership import (
    BeneficialOwner,
    Holding,
    OwnershipError,
    beneficial_owners,
    chain_depth,
    check_holdings,
)
from fidus_desktop.domain.countries import CountryError, country_codes
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ChangeRecorder, Service, ServiceContext, ValidationError
from fidus_desktop.services.compliance.permissions import KycPermission
from fidus_desktop.services.permissions import require
from fidus_desktop.services.personal_data import KYC_RETENTION, PersonCollection, Retention
from fidus_desktop.services.portfolio.investors import INVESTORS

OWNERSHIP = "kyc_ownership"
OWNERSHIP_PERSONAL_DATA = PersonCollection(
    OWNERSHIP, "investor_id", ("holdings",),
    Retention(KYC_RETENTION.years_setting, KYC_RETENTION.default_years, KYC_RETENTION.ends_field,
              owner=(INVESTORS, "investor_id")))
"""The owners' names are personal data of the investor's KYC file."""
KINDS = ("person", "company")


@dataclass(frozen=True)
class OwnerEdge:
    owner: str
    kind: str  # "person" | "company"
    company: str
    share: Decimal  # a fraction: 0.6 is 60 %
    country: str | None = None  # ISO 3166-1 alpha-2: a person's nationality, a company's incorporation


@dataclass(frozen=True)
class Ownership:
    investor_id: str
    root: str  # the investor's name: the company every chain ends at
    edges: tuple[OwnerEdge, ...]
    owners: tuple[BeneficialOwner, ...]
    levels: int  # companies between the investor and its furthest owner (0: owned directly), the risk input
    entered_by: str | None
    entered_at: datetime | None
    version: int | None  # None: nothing entered yet


def _share(value: Any, row: int) -> Decimal:
    """A share typed as a percentage ("60", "60 %", "12.5") → the fraction 0.6."""
    text = str(value).replace("%", "").replace(",", ".").strip()
    try:
        percent = Decimal(text)
    except InvalidOperation:
        raise ValidationError({"holdings": f"Row {row}: {value!r} is not a percentage; type e.g. 60 or 12.5."}
                              ) from None
    return percent / 100


def _country(value: Any, row: int) -> str | None:
    """The owner's country: one ISO code, or None when the cell is empty."""
    try:
        codes = country_codes(str(value or ""), "owner's country")
    except CountryError as exc:
        raise ValidationError({"holdings": f"Row {row}: {exc}"}) from None
    if len(codes) > 1:
        raise ValidationError({"holdings": f"Row {row}: give the owner one country, not {', '.join(codes)}."})
    return codes[0] if codes else None


def owner_countries(edges: Iterable[OwnerEdge]) -> dict[str, str]:
    """Each owner's country where one is entered on any of its rows."""
    return {e.owner: e.country for e in edges if e.country}


class OwnershipService(Service):
    def __init__(self, ctx: ServiceContext) -> None:
        super().__init__(ctx)
        self.trees = ctx.store.collection(OWNERSHIP)
        self.investors = ctx.store.collection(INVESTORS)
        self._listeners: list[Callable[[str], object]] = []

    def on_saved(self, listener: Callable[[str], object]) -> None:
        """Call ``listener(investor_id)`` after a tree is saved (the tree is stored already: it must not raise)."""
        self._listeners.append(listener)

    def ensure_indexes(self) -> None:
        self.trees.ensure_index(["investor_id"], unique=True)

    def ownership(self, actor: Actor, investor_id: str) -> Ownership:
        require(actor, KycPermission.READ)
        investor = self.investors.require(investor_id)
        doc = self.trees.find_one({"investor_id": investor_id})
        entered = doc or {}
        rows = entered.get("holdings")
        rows = rows if isinstance(rows, list) else []  # pseudonymised once the KYC retention period has passed
        edges = tuple(OwnerEdge(e["owner"], e["kind"], e["company"], Decimal(e["share"]), e.get("country"))
                      for e in rows)
        root = investor["name"]
        holdings = [Holding(e.owner, e.company, e.share) for e in edges]
        people = {e.owner for e in edges if e.kind == "person"}
        return Ownership(investor_id, root, edges, tuple(beneficial_owners(root, holdings, people)),
                         max(chain_depth(root, holdings) - 1, 0), entered.get("entered_by"), entered.get("entered_at"),
                         doc["version"] if doc else None)

    def set_ownership(self, actor: Actor, investor_id: str, rows: Iterable[Mapping[str, Any]],
                      expected_version: int | None) -> Ownership:
        """Replace the investor's tree with ``rows`` (owner, kind, company, share as a percentage, optional
        country)."""
        require(actor, KycPermission.MANAGE)
        investor = self.investors.require(investor_id)
        if investor["kind"] != "corporate":
            raise ValidationError({"investor": f"{investor['name']} is a person; ownership is entered for corporate "
                                               "investors."})
        edges = self._edges(rows, investor["name"])
        stored = {"holdings": [{"owner": e.owner, "kind": e.kind, "company": e.company, "share": e.share,
                                **({"country": e.country} if e.country else {})}
                               for e in edges], "entered_by": actor.username, "entered_at": self.now()}

        def write(rec: ChangeRecorder) -> None:
            before = self.trees.find_one({"investor_id": investor_id})
            if before is None:
                if expected_version is not None:
                    raise ValidationError("Someone removed this ownership tree meanwhile; reload it.")
                after = self.trees.insert({"investor_id": investor_id, **stored})
            else:
                after = self.trees.update(before["_id"], stored, expected_version=expected_version or 0)
            rec.record("kyc.ownership", "kyc_case", after["_id"],
                       before={"edges": len(before["holdings"])} if before else None,
                       after={"investor_id": investor_id, "edges": len(edges)})

        self.change(actor, KycPermission.MANAGE, write)
        for listener in self._listeners:
            listener(investor_id)
        return self.ownership(actor, investor_id)

    @staticmethod
    def _edges(rows: Iterable[Mapping[str, Any]], root: str) -> list[OwnerEdge]:
        edges: list[OwnerEdge] = []
        for row, values in enumerate(rows, start=1):
            owner, company = str(values.get("owner") or "").strip(), str(values.get("company") or "").strip()
            kind = str(values.get("kind") or "").strip().lower()
            if not owner or not company:
                raise ValidationError({"holdings": f"Row {row}: name the owner and the company it holds."})
            if kind not in KINDS:
                raise ValidationError({"holdings": f"Row {row}: the owner is a person or a company, not {kind!r}."})
            edges.append(OwnerEdge(owner, kind, company, _share(values.get("share"), row),
                                   _country(values.get("country"), row)))
        countries: dict[str, set[str]] = {}
        for e in edges:
            if e.country:
                countries.setdefault(e.owner, set()).add(e.country)
        differing = sorted(owner for owner, codes in countries.items() if len(codes) > 1)
        if differing:
            raise ValidationError({"holdings": f"{', '.join(differing)} is entered with different countries; give "
                                               "one country per owner (or leave it empty on its other rows)."})
        people = {e.owner for e in edges if e.kind == "person"}
        companies = {e.owner for e in edges if e.kind == "company"} | {e.company for e in edges}
        both = sorted(people & companies)
        if both:
            raise ValidationError({"holdings": f"{', '.join(both)} is entered both as a person and as a company."})
        unreachable = sorted({e.company for e in edges} - {e.owner for e in edges} - {root})
        if unreachable:
            raise ValidationError({"holdings": f"{', '.join(unreachable)} holds nothing of {root} through the chain; "
                                               "enter who owns it, or correct the company's name."})
        try:
            holdings = check_holdings(Holding(e.owner, e.company, e.share) for e in edges)
            beneficial_owners(root, holdings, people)  # refuses a cycle
        except OwnershipError as exc:
            raise ValidationError({"holdings": str(exc)}) from None
        return edges

