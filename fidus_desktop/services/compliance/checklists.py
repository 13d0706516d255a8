"""The KYC checklist of each investor kind, stored as versioned data an administrator edits.

Until a version of a kind is saved, the shipped checklist (``DEFAULT_CHECKLIST``) is used, under version 0.
Each save is the next version of that kind, kept with who saved it, when, why and what changed; old versions
stay readable. A new KYC case copies the items of the version in use when it opens, so a later edit never
changes an open file (the KYC service reads the version in use through ``requirements_in_use``).

Saving needs ``kyc.checklist`` (compliance officers and the administrator): the checklist is compliance
policy, like the risk model.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fidus_desktop.domain.compliance.kyc import (
    DEFAULT_CHECKLIST,
    KycError,
    Requirement,
    checklist_from_data,
    checklist_to_data,
)
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ChangeRecorder, Service, ServiceContext, ValidationError
from fidus_desktop.services.compliance.permissions import KycPermission
from fidus_desktop.services.permissions import require
from fidus_desktop.services.portfolio.investors import INVESTOR_KINDS
from fidus_desktop.store.errors import DuplicateKey
from fidus_desktop.store.port import Collection, Document

CHECKLISTS = "kyc_checklists"
SHIPPED_VERSION = 0


@dataclass(frozen=True)
class ChecklistVersion:
    kind: str
    version: int  # 0: the shipped checklist, nothing saved yet
    requirements: tuple[Requirement, ...]
    saved_at: datetime | None
    saved_by: str | None
    reason: str
    changes: tuple[str, ...] = ()

    @classmethod
    def from_doc(cls, doc: Document) -> ChecklistVersion:
        return cls(doc["kind"], doc["number"], checklist_from_data(doc["kind"], doc["items"]), doc["saved_at"],
                   doc["saved_by"], doc["reason"], tuple(doc["changes"]))

    @classmethod
    def shipped(cls, kind: str) -> ChecklistVersion:
        return cls(kind, SHIPPED_VERSION, tuple(r for r in DEFAULT_CHECKLIST if r.investor_kind == kind), None,
                   None, "the checklist FIDUS ships with")


def _latest(collection: Collection, kind: str) -> Document | None:
    found = collection.find({"kind": kind}, sort=[("number", -1)], limit=1)
    return found[0] if found else None


def requirements_in_use(collection: Collection, kind: str) -> tuple[Requirement, ...]:
    """The requirements of ``kind`` a new case copies: the latest saved version, else the shipped list."""
    latest = _latest(collection, kind)
    return ChecklistVersion.from_doc(latest).requirements if latest else ChecklistVersion.shipped(kind).requirements


def changes_between(old: tuple[Requirement, ...], new: tuple[Requirement, ...]) -> list[str]:
    """What a new version adds, removes and changes, by item code (kept with the version and in the audit)."""
    before, after = {r.code: r for r in old}, {r.code: r for r in new}
    found = [f"added {c}" for c in after if c not in before]
    found += [f"removed {c}" for c in before if c not in after]
    found += [f"changed {c}" for c in after if c in before and after[c] != before[c]]
    if not found and [r.code for r in old] != [r.code for r in new]:
        found.append("reordered")
    return found


class ChecklistService(Service):
    def __init__(self, ctx: ServiceContext) -> None:
        super().__init__(ctx)
        self.checklists = ctx.store.collection(CHECKLISTS)

    def ensure_indexes(self) -> None:
        self.checklists.ensure_index(["kind", "number"], unique=True)

    @staticmethod
    def _kind(kind: Any) -> str:
        text = str(kind or "").strip().lower()
        if text not in INVESTOR_KINDS:
            raise ValidationError({"kind": f"{kind!r} is not an investor kind; use one of "
                                           f"{', '.join(INVESTOR_KINDS)}."})
        return text

    def current(self, actor: Actor, kind: Any) -> ChecklistVersion:
        """The checklist of ``kind`` new cases get: the latest saved version, else the shipped one."""
        require(actor, KycPermission.READ)
        chosen = self._kind(kind)
        latest = _latest(self.checklists, chosen)
        return ChecklistVersion.from_doc(latest) if latest else ChecklistVersion.shipped(chosen)

    def versions(self, actor: Actor, kind: Any) -> list[ChecklistVersion]:
        """Every saved version of ``kind``, newest first."""
        require(actor, KycPermission.READ)
        return [ChecklistVersion.from_doc(d) for d in
                self.checklists.find({"kind": self._kind(kind)}, sort=[("number", -1)])]

    def save(self, actor: Actor, kind: Any, data: Any, reason: Any, *, based_on: int | None = None
             ) -> ChecklistVersion:
        """Save ``data`` (a list of items, see ``checklist_from_data``) as the next version of ``kind``. Nothing
        is written when it is not valid or does not differ from the version in use, nor when ``based_on`` (the
        version the editor started from) is no longer the one in use: another officer saved meanwhile, and
        saving would silently undo their change. Open cases keep their items; cases opened from now on get
        these."""
        require(actor, KycPermission.CHECKLIST)
        chosen = self._kind(kind)
        why = self.required_text(reason, "reason", "The reason for the new checklist", max_length=2000)
        try:
            requirements = checklist_from_data(chosen, data)
        except KycError as exc:
            raise ValidationError({"checklist": str(exc)}) from None

        def write(rec: ChangeRecorder) -> Document:
            latest = _latest(self.checklists, chosen)
            current = ChecklistVersion.from_doc(latest) if latest else ChecklistVersion.shipped(chosen)
            if based_on is not None and based_on != current.version:
                raise ValidationError({"checklist": f"{current.saved_by} saved {chosen} version {current.version} "
                                                    f"after you started from version {based_on}; reload the "
                                                    "checklist and make your change again."})
            changes = changes_between(current.requirements, requirements)
            if not changes:
                raise ValidationError({"checklist": f"This checklist is the same as {chosen} version "
                                                    f"{current.version}; nothing saved."})
            stored = self.checklists.insert({
                "kind": chosen, "number": current.version + 1, "items": checklist_to_data(requirements),
                "saved_at": self.now(), "saved_by": actor.username, "reason": why, "changes": changes})
            rec.record("kyc.checklist", "kyc_checklist", stored["_id"],
                       before={"kind": chosen, "version": current.version,
                               "items": [r.code for r in current.requirements]},
                       after={"kind": chosen, "version": stored["number"], "items": [r.code for r in requirements],
                              "changes": changes, "reason": why})
            return stored

        try:
            return ChecklistVersion.from_doc(self.change(actor, KycPermission.CHECKLIST, write))
        except DuplicateKey:  # another save of this kind took the number first (two editors at once)
            raise ValidationError({"checklist": f"Someone saved a new {chosen} checklist meanwhile; see "
                                                f"`fidus kyc checklists show {chosen}` and save again."}) from None
