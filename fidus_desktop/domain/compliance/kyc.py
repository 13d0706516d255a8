"""KYC cases: the checklist an investor's file must complete, each item's status and expiry, and when a case
may be approved.

Checklists are data an admin edits (``Requirement``, read from JSON by ``checklist_from_data``; stored as
versions by ``services.compliance.checklists``); the shipped defaults below follow the issue: identity, proof of
address no older than 3 months, source of funds and of wealth, bank statement and suitability for people;
incorporation, registers of directors and shareholders, beneficial owners, good standing and signatories for
companies. An item goes missing → received → approved, or rejected / revision requested with a reason. An item
with an expiry (identity document, proof of address) lapses on its date; a lapsed item puts an approved case
back to "needs update".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from fidus_desktop.errors import UserError


class KycError(UserError, ValueError):
    """A status change or an approval that the rules do not allow (the message says what is missing)."""


class ItemStatus(StrEnum):
    MISSING = "missing"
    RECEIVED = "received"
    APPROVED = "approved"
    REJECTED = "rejected"
    REVISION_REQUESTED = "revision_requested"


class CaseStatus(StrEnum):
    OPEN = "open"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    NEEDS_UPDATE = "needs_update"


ITEM_MOVES = {
    ItemStatus.MISSING: {ItemStatus.RECEIVED},
    ItemStatus.RECEIVED: {ItemStatus.APPROVED, ItemStatus.REJECTED, ItemStatus.REVISION_REQUESTED},
    ItemStatus.REJECTED: {ItemStatus.RECEIVED},
    ItemStatus.REVISION_REQUESTED: {ItemStatus.RECEIVED},
    ItemStatus.APPROVED: {ItemStatus.REVISION_REQUESTED, ItemStatus.RECEIVED},  # a newer document replaces it
}
CASE_MOVES = {
    CaseStatus.OPEN: {CaseStatus.IN_REVIEW},
    CaseStatus.IN_REVIEW: {CaseStatus.APPROVED, CaseStatus.REJECTED, CaseStatus.OPEN},
    CaseStatus.APPROVED: {CaseStatus.NEEDS_UPDATE, CaseStatus.IN_REVIEW},
    CaseStatus.NEEDS_UPDATE: {CaseStatus.IN_REVIEW},
    CaseStatus.REJECTED: {CaseStatus.OPEN},
}


@dataclass(frozen=True)
class Requirement:
    code: str
    label: str
    investor_kind: str  # "individual" | "corporate"
    required: bool = True
    expires: bool = False  # has an expiry date (identity documents)
    max_age_days: int | None = None  # a document must not be older than this when received (proof of address)


DEFAULT_CHECKLIST: tuple[Requirement, ...] = (
    Requirement("identity", "Identity document", "individual", expires=True),
    Requirement("address", "Proof of address (at most 3 months old)", "individual", max_age_days=92),
    Requirement("source_of_funds", "Source of funds", "individual"),
    Requirement("source_of_wealth", "Source of wealth", "individual"),
    Requirement("bank_statement", "Bank statement", "individual"),
    Requirement("suitability", "Suitability questionnaire", "individual"),
    Requirement("incorporation", "Certificate of incorporation", "corporate"),
    Requirement("directors", "Register of directors", "corporate"),
    Requirement("shareholders", "Register of shareholders", "corporate"),
    Requirement("ubo", "Ultimate beneficial owners (owners of 25 % or more)", "corporate"),
    Requirement("good_standing", "Certificate of good standing", "corporate", max_age_days=92),
    Requirement("signatories", "Authorised signatories", "corporate"),
)


ITEM_FIELDS = {"code": str, "label": str, "required": bool, "expires": bool, "max_age_days": int}
"""What a checklist item may hold (its JSON form): an unknown field is refused, not silently dropped."""
MAX_AGE_LIMIT = 3660  # ten years: a longer "maximum age" is a typing mistake


def checklist_to_data(requirements: Iterable[Requirement]) -> list[dict[str, object]]:
    """A kind's checklist as JSON data (what ``fidus kyc checklists show`` prints and ``set`` reads)."""
    return [{"code": r.code, "label": r.label, "required": r.required, "expires": r.expires,
             "max_age_days": r.max_age_days} for r in requirements]


def checklist_from_data(kind: str, data: object) -> tuple[Requirement, ...]:
    """The checklist of investor ``kind`` read from JSON data (a list of items, or ``{"items": [...]}``),
    checked: known fields, codes unique and lower-case, a label, a positive maximum age, at least one
    required item. The message names the item and says how to fix it."""
    if isinstance(data, dict) and set(data) <= {"kind", "items"} and "items" in data:
        if data.get("kind", kind) != kind:
            raise KycError(f"This checklist is for {data['kind']!r}, not {kind!r}.")
        data = data["items"]
    if not isinstance(data, list) or not data:
        raise KycError("A checklist is a non-empty JSON list of items such as "
                       '{"code": "identity", "label": "Identity document", "expires": true}.')
    found: list[Requirement] = []
    for n, raw in enumerate(data, 1):
        found.append(_requirement(kind, n, raw, {r.code for r in found}))
    if not any(r.required for r in found):
        raise KycError("At least one item must be required; otherwise any case could be approved empty.")
    return tuple(found)


def _requirement(kind: str, n: int, raw: object, seen: set[str]) -> Requirement:
    if not isinstance(raw, dict):
        raise KycError(f"Item {n} is not a JSON object with a code and a label.")
    where = f"Item {n} ({raw.get('code', 'no code')})"
    unknown = sorted(set(raw) - set(ITEM_FIELDS))
    if unknown:
        raise KycError(f"{where}: unknown field(s) {', '.join(unknown)}; an item has {', '.join(ITEM_FIELDS)}.")
    for name, kind_of in ITEM_FIELDS.items():
        value = raw.get(name)
        if value is not None and (type(value) is not kind_of):  # bool is not an int here, nor 1 a bool
            raise KycError(f"{where}: {name} must be {'true or false' if kind_of is bool else kind_of.__name__}.")
    code, label = str(raw.get("code") or "").strip(), str(raw.get("label") or "").strip()
    if not code or not all(c.isascii() and (c.isalnum() or c == "_") for c in code) or code != code.lower():
        raise KycError(f"{where}: the code must be lower-case letters, digits or _ (e.g. source_of_funds).")
    if code in seen:
        raise KycError(f"{where}: the code {code!r} appears twice; each item needs its own code.")
    if not label:
        raise KycError(f"{where}: give the label officers and investors read.")
    age = raw.get("max_age_days")
    if age is not None and not 0 < age <= MAX_AGE_LIMIT:
        raise KycError(f"{where}: max_age_days must be between 1 and {MAX_AGE_LIMIT} (or left out).")
    return Requirement(code, label, kind, bool(raw.get("required", True)), bool(raw.get("expires", False)),
                       age)


@dataclass(frozen=True)
class Item:
    requirement: Requirement
    status: ItemStatus = ItemStatus.MISSING
    document_date: date | None = None  # the date on the document (issue date, statement date)
    expires_on: date | None = None
    reason: str | None = None  # why rejected or what to revise


def checklist(kind: str, requirements: Iterable[Requirement] = DEFAULT_CHECKLIST) -> list[Item]:
    items = [Item(r) for r in requirements if r.investor_kind == kind]
    if not items:
        raise KycError(f"There is no KYC checklist for investor kind {kind!r}; an admin adds one in settings.")
    return items


def move_item(item: Item, to: ItemStatus, *, today: date, reason: str | None = None,
              document_date: date | None = None, expires_on: date | None = None) -> Item:
    """The item after a status change, checked."""
    if to not in ITEM_MOVES[item.status]:
        raise KycError(f"{item.requirement.label}: {item.status.value} cannot become {to.value}.")
    if to in (ItemStatus.REJECTED, ItemStatus.REVISION_REQUESTED) and not (reason or "").strip():
        raise KycError(f"{item.requirement.label}: say why it is {to.value.replace('_', ' ')}; the investor is told.")
    req = item.requirement
    if to is ItemStatus.RECEIVED:
        if req.expires and expires_on is None:
            raise KycError(f"{req.label}: enter the expiry date printed on the document.")
        if expires_on is not None and expires_on <= today:
            raise KycError(f"{req.label}: the document expired on {expires_on}; ask for a valid one.")
        if req.max_age_days is not None:
            if document_date is None:
                raise KycError(f"{req.label}: enter the date on the document.")
            if today - document_date > timedelta(days=req.max_age_days):
                raise KycError(f"{req.label}: dated {document_date}, more than {req.max_age_days} days ago; "
                               "ask for a recent one.")
        return Item(req, to, document_date, expires_on, None)
    return Item(req, to, item.document_date, item.expires_on, reason.strip() if reason else None)


def lapsed(items: Sequence[Item], today: date) -> list[Item]:
    """Approved or received items whose document has expired."""
    return [i for i in items if i.expires_on is not None and i.expires_on <= today
            and i.status in (ItemStatus.APPROVED, ItemStatus.RECEIVED)]


def expiring(items: Sequence[Item], today: date, within: timedelta) -> list[Item]:
    """Items whose document lapses within ``within`` (reminders)."""
    return [i for i in items if i.expires_on is not None and today < i.expires_on <= today + within]


def approval_problems(items: Sequence[Item], *, risk_band: str | None, open_alerts: int, today: date) -> list[str]:
    """What stands between a case and its approval (empty: it may be approved)."""
    problems = [f"{i.requirement.label} is {i.status.value.replace('_', ' ')}" for i in items
                if i.requirement.required and i.status is not ItemStatus.APPROVED]
    problems += [f"{i.requirement.label} expired on {i.expires_on}" for i in lapsed(items, today)]
    if risk_band is None:
        problems.append("no risk band: score the investor first")
    if open_alerts:
        problems.append(f"{open_alerts} screening alert(s) still open")
    return problems


def move_case(current: CaseStatus, to: CaseStatus, problems: Sequence[str] = ()) -> CaseStatus:
    if to not in CASE_MOVES[current]:
        raise KycError(f"A case {current.value.replace('_', ' ')} cannot become {to.value.replace('_', ' ')}.")
    if to is CaseStatus.APPROVED and problems:
        raise KycError("The case cannot be approved yet: " + "; ".join(problems) + ".")
    return to
