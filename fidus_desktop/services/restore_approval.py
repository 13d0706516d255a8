"""Four eyes on a restore over data: one administrator requests it, a second person approves it.

Replacing a database with an older backup throws away every change made since, so it is not one person's
decision. The request names one backup file by its SHA-256 (not by name: a file swapped after approval does not
match), with the backup's date and contents and the requester's reason; it lives in the database that would be
replaced, so whoever approves signs in to *that* database by its own rules. The approver holds
``backup.approve_restore`` (administrators and compliance officers) and is not the requester. Only the
requester may then run the restore, once, within ``VALID_FOR`` of the request.

An office whose database has no other active user able to approve cannot apply four eyes; there the
administrator's own sign-in (password, MFA) is the gate, as the restore's audit entry says ("no second approver
in this database"). Disaster recovery into a new or empty database needs no approval (nothing is replaced).
Every step is audited in the target: ``backup.restore_requested``, ``backup.restore_approved``,
``backup.restore_rejected``, ``backup.restore_approval_used`` (and, if the restore then fails before anything
was replaced, ``backup.restore_approval_released``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path

from fidus_desktop.security.backup_format import BackupReport
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ChangeRecorder, Service, ValidationError
from fidus_desktop.services.permissions import ROLE_PERMISSIONS, Permission, PermissionDenied, allowed, require
from fidus_desktop.services.users import USERS
from fidus_desktop.store.port import Collection, Document

COLLECTION = "restore_requests"
VALID_FOR = timedelta(hours=24)  # long enough for a colleague in another time zone, short enough to stay current


class RequestStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    USED = "used"


class RestoreNeedsApproval(PermissionDenied):
    """Replacing this database needs an approved restore request of this backup by this user."""


@dataclass(frozen=True)
class RestoreRequest:
    request_id: str
    backup_name: str
    backup_sha256: str
    backup_created_at: datetime
    documents: int
    reason: str
    requested_by: str
    requested_by_id: str
    requested_at: datetime
    expires_at: datetime
    status: RequestStatus
    decided_by: str | None
    decision_note: str | None
    version: int

    @classmethod
    def from_doc(cls, doc: Document) -> RestoreRequest:
        return cls(doc["_id"], doc["backup_name"], doc["backup_sha256"], doc["backup_created_at"],
                   doc["documents"], doc["reason"], doc["requested_by"], doc["requested_by_id"],
                   doc["requested_at"], doc["expires_at"], RequestStatus(doc["status"]), doc.get("decided_by"),
                   doc.get("decision_note"), doc["version"])

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at


@dataclass(frozen=True)
class Approval:
    """Under what authority a restore over data runs: the request it used, or why there was none."""

    request_id: str | None
    approved_by: str | None
    fingerprint: str  # SHA-256 of the backup file the approval is for

    def describe(self) -> str:
        if self.approved_by:
            return f"approved by {self.approved_by} (restore request {self.request_id})"
        return "no second approver in this database (no other active user may approve a restore)"


@dataclass(frozen=True)
class RestoreGate:
    """Whether one user may now restore one backup over this database, looked at without using anything:
    under an approved request (``approval``), under their own password when nobody else may approve
    (``needs_password``), or not yet (``why_not`` says what to do)."""

    approval: RestoreRequest | None
    needs_password: bool
    why_not: str

    @property
    def may_run(self) -> bool:
        return not self.why_not


def backup_fingerprint(path: Path) -> str:
    """SHA-256 of the backup file as it is on disk: what an approval is about."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class RestoreApprovals(Service):
    """Restore requests in the database that a restore would replace."""

    def ensure_indexes(self) -> None:
        self.store.collection(COLLECTION).ensure_index(["status"])

    @property
    def requests(self) -> Collection:
        return self.store.collection(COLLECTION)

    def request(self, actor: Actor, backup_path: Path, backup: BackupReport, reason: str) -> RestoreRequest:
        """Ask for a second person's approval to restore ``backup_path`` over this database."""
        why = self.required_text(reason, "reason", "The reason for the restore", max_length=2000)
        sha = backup_fingerprint(backup_path)
        now = self.now()

        def write(rec: ChangeRecorder) -> Document:
            doc = self.requests.insert({
                "backup_name": Path(backup_path).name, "backup_sha256": sha, "backup_created_at": backup.created_at,
                "documents": sum(backup.collections.values()), "reason": why, "requested_by": actor.username,
                "requested_by_id": actor.user_id, "requested_at": now, "expires_at": now + VALID_FOR,
                "status": RequestStatus.PENDING.value,
            })
            rec.record("backup.restore_requested", "restore_request", doc["_id"], after=_image(doc))
            return doc

        doc = self.change(actor, Permission.BACKUP_RESTORE, write)
        return RestoreRequest.from_doc(doc)

    def open_requests(self, actor: Actor) -> list[RestoreRequest]:
        """Pending and approved requests that have not expired, newest first."""
        self._may_see(actor)
        now = self.now()
        docs = self.requests.find({"status": {"$in": [RequestStatus.PENDING.value, RequestStatus.APPROVED.value]}},
                                  sort=[("requested_at", -1)])
        return [r for r in map(RestoreRequest.from_doc, docs) if not r.expired(now)]

    def approve(self, actor: Actor, request_id: str, note: str = "") -> RestoreRequest:
        return self._decide(actor, request_id, RequestStatus.APPROVED, note.strip() if isinstance(note, str) else "")

    def reject(self, actor: Actor, request_id: str, reason: str) -> RestoreRequest:
        why = self.required_text(reason, "reason", "The reason for rejecting", max_length=2000)
        return self._decide(actor, request_id, RequestStatus.REJECTED, why)

    def _decide(self, actor: Actor, request_id: str, status: RequestStatus, note: str) -> RestoreRequest:
        def write(rec: ChangeRecorder) -> Document:
            before = self._pending(request_id)
            if before["requested_by_id"] == actor.user_id:
                raise PermissionDenied(f"{actor.username} requested this restore; a second person decides it "
                                       "(four eyes).")
            after = self.requests.update(request_id, {"status": status.value, "decided_by": actor.username,
                                                      "decided_by_id": actor.user_id, "decided_at": self.now(),
                                                      "decision_note": note or None},
                                         expected_version=before["version"])
            action = "backup.restore_approved" if status is RequestStatus.APPROVED else "backup.restore_rejected"
            rec.record(action, "restore_request", request_id, before={"status": before["status"]},
                       after={"status": status.value, "backup_sha256": before["backup_sha256"],
                              "requested_by": before["requested_by"], "note": note or None})
            return after

        after = self.change(actor, Permission.BACKUP_APPROVE_RESTORE, write)
        return RestoreRequest.from_doc(after)

    def _pending(self, request_id: str) -> Document:
        doc = self.requests.get(request_id) if isinstance(request_id, str) else None
        if doc is None:
            raise ValidationError({"request": f"There is no restore request {request_id!r}; "
                                              "`fidus backup restore-requests` lists them."})
        request = RestoreRequest.from_doc(doc)
        if request.status is not RequestStatus.PENDING:
            raise ValidationError({"request": f"The restore request is already {request.status.value}."})
        if request.expired(self.now()):
            raise ValidationError({"request": f"The restore request expired at {request.expires_at:%Y-%m-%d %H:%M} "
                                              "UTC; the requester asks again."})
        return doc

    def _may_see(self, actor: Actor) -> None:
        if not allowed(actor.role, Permission.BACKUP_RESTORE):
            require(actor, Permission.BACKUP_APPROVE_RESTORE)

    # --- used by the restore itself (services.restore) ----------------------------------------------------

    def possible_approvers(self, actor: Actor) -> list[str]:
        """Active users other than ``actor`` whose role may approve a restore."""
        roles = [role.value for role, held in ROLE_PERMISSIONS.items() if Permission.BACKUP_APPROVE_RESTORE in held]
        docs = self.store.collection(USERS).find({"role": {"$in": roles}}, projection=["username", "active"])
        return sorted(d["username"] for d in docs if d.get("active", True) and d["_id"] != actor.user_id)

    def gate(self, actor: Actor, backup_sha256: str) -> RestoreGate:
        """What a restore of the backup with ``backup_sha256`` by ``actor`` would run under (``claim`` decides)."""
        require(actor, Permission.BACKUP_RESTORE)
        if not self.possible_approvers(actor):
            return RestoreGate(None, True, "")
        now = self.now()
        mine = [r for r in map(RestoreRequest.from_doc, self.requests.find(
            {"requested_by_id": actor.user_id, "backup_sha256": backup_sha256,
             "status": {"$in": [RequestStatus.PENDING.value, RequestStatus.APPROVED.value]}},
            sort=[("requested_at", -1)])) if not r.expired(now)]
        approved = next((r for r in mine if r.status is RequestStatus.APPROVED), None)
        if approved is not None:
            return RestoreGate(approved, False, "")
        if mine:
            return RestoreGate(None, False, "Your request to restore this backup waits for a second person's "
                                            "approval (another administrator or a compliance officer).")
        return RestoreGate(None, False, "Replacing this database needs a second person's approval: use Request "
                                        "restore… first.")

    def claim(self, actor: Actor, backup_sha256: str) -> Approval:
        """The approval this restore by ``actor`` runs under, marked used; ``RestoreNeedsApproval`` if none."""
        require(actor, Permission.BACKUP_RESTORE)
        if not self.possible_approvers(actor):
            return Approval(None, None, backup_sha256)
        now = self.now()
        mine = self.requests.find({"requested_by_id": actor.user_id, "backup_sha256": backup_sha256,
                                   "status": RequestStatus.APPROVED.value}, sort=[("requested_at", -1)])
        usable = [d for d in mine if not RestoreRequest.from_doc(d).expired(now)]
        if not usable:
            raise RestoreNeedsApproval(
                "Replacing this database needs a second person's approval (four eyes). Request it with `fidus "
                "backup request-restore FILE --reason TEXT --db URI`; another administrator or a compliance "
                "officer approves it with `fidus backup approve-restore ID --db URI` (or under Admin → Backups); "
                f"then run this restore again within {VALID_FOR.total_seconds() / 3600:g} hours of the request. "
                "Nothing was changed.")
        doc = usable[0]

        def write(rec: ChangeRecorder) -> None:
            self.requests.update(doc["_id"], {"status": RequestStatus.USED.value, "used_at": now},
                                 expected_version=doc["version"])
            rec.record("backup.restore_approval_used", "restore_request", doc["_id"],
                       after={"backup_sha256": backup_sha256, "approved_by": doc["decided_by"]})

        self.change(actor, Permission.BACKUP_RESTORE, write)
        return Approval(doc["_id"], doc["decided_by"], backup_sha256)

    def release(self, actor: Actor, approval: Approval, why: str) -> None:
        """The restore failed before anything was replaced: its approval may be used again."""
        doc = self.requests.get(approval.request_id) if approval.request_id else None
        if doc is None or doc["status"] != RequestStatus.USED.value:
            return

        def write(rec: ChangeRecorder) -> None:
            self.requests.update(doc["_id"], {"status": RequestStatus.APPROVED.value}, expected_version=doc["version"],
                                 unset=("used_at",))
            rec.record("backup.restore_approval_released", "restore_request", doc["_id"], after={"why": why[:500]})

        self.change(actor, Permission.BACKUP_RESTORE, write)


def _image(doc: Document) -> Document:
    keep = ("backup_name", "backup_sha256", "backup_created_at", "documents", "reason", "expires_at")
    return {k: doc[k] for k in keep}
