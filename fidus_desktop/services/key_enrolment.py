"""A colleague who may read personal data enrols their own workstation for the data key; an administrator
approves, without telling anyone the office passphrase.

1. ``request`` (``personal_data.read``, on the workstation to enrol): a transfer key pair is made
   (``security.key_transfer``), its private half kept in this workstation's keyring; the request in
   ``key_enrolments`` holds the user, workstation, public key and its fingerprint, valid for ``VALID_FOR``.
2. ``approve`` (``keys.manage``, on an enrolled workstation, not one's own request): the approver types the
   fingerprint the colleague reads out (a public key swapped in the database does not match), and every data key
   this workstation holds is sealed to the request's public key.
3. ``collect`` (the requester, on the same workstation): the sealed keys are opened with the private half, put in
   the keyring as ``data-key/<id>`` exactly as ``fidus key enroll`` does, and removed from the database.

Every step is audited (``keys.enrol_requested``, ``keys.enrol_approved``, ``keys.enrol_rejected``, and
``keys.enrol`` with ``approved_by`` when collected). After a key rotation every workstation enrols again, these
included.

What is granted follows the asking user's role (``grant``): a role that may read personal data gets the data
key(s); any other (portfolio manager, client) gets only the audit seal key(s) derived from them
(``security.audit_seal``), so that the audit entries its workstation writes are sealed too. The grant is part of
the sealed copy's associated data: changing it in the database makes the copy fail to open.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from fidus_desktop.config.secrets import SecretStore
from fidus_desktop.security.audit_seal import SealKey, derive_seal_key
from fidus_desktop.security.crypto import DataKey
from fidus_desktop.security.key_transfer import (
    TransferKeyPair,
    fingerprint,
    new_key_pair,
    open_sealed,
    same_fingerprint,
    seal_to,
)
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ChangeRecorder, Service, ServiceContext, ValidationError
from fidus_desktop.services.keys import KeyService, KeysNotReady
from fidus_desktop.services.permissions import Permission, PermissionDenied, allowed, require
from fidus_desktop.store.port import Collection, Document, new_id

ENROLMENTS = "key_enrolments"
VALID_FOR = timedelta(days=7)  # the administrator may be away for a few days
PENDING, APPROVED, REJECTED, COLLECTED = "pending", "approved", "rejected", "collected"
DATA_KEY, AUDIT_SEAL_KEY = "data_key", "audit_seal_key"  # what an approval sends


def grant_for(actor: Actor) -> str:
    """The data key for roles that may read personal data, the audit seal key alone for the others."""
    return DATA_KEY if allowed(actor.role, Permission.PERSONAL_DATA_READ) else AUDIT_SEAL_KEY


def collected(actor: Actor, key_ids: list[str]) -> str:
    """What a workstation now holds after ``collect``, for the CLI and the dialog."""
    if grant_for(actor) == DATA_KEY:
        return f"This workstation is enrolled (data key {', '.join(key_ids)})."
    return f"This workstation now seals its audit entries (audit seal key {', '.join(key_ids)})."


def transfer_context(request_id: str, grant: str) -> str:
    return f"enrolment/{request_id}" if grant == DATA_KEY else f"enrolment/{request_id}/{grant}"


def private_entry(request_id: str) -> str:
    """The keyring entry holding the asking workstation's private transfer key for ``request_id``."""
    return f"enrolment-key/{request_id}"


@dataclass(frozen=True)
class EnrolmentRequest:
    request_id: str
    username: str
    user_id: str
    workstation: str
    fingerprint: str
    status: str
    requested_at: datetime
    expires_at: datetime
    decided_by: str | None
    grant: str = DATA_KEY

    @classmethod
    def from_doc(cls, doc: Document) -> EnrolmentRequest:
        return cls(doc["_id"], doc["username"], doc["user_id"], doc["workstation"], doc["fingerprint"],
                   doc["status"], doc["requested_at"], doc["expires_at"], doc.get("decided_by"),
                   doc.get("grant", DATA_KEY))


class KeyEnrolments(Service):
    """Requests to enrol a workstation for the data key (or the audit seal key), approved by an administrator."""

    def __init__(self, ctx: ServiceContext, keys: KeyService, secrets: SecretStore) -> None:
        super().__init__(ctx)
        self.keys = keys
        self.secrets = secrets

    @property
    def requests(self) -> Collection:
        return self.store.collection(ENROLMENTS)

    def ensure_indexes(self) -> None:
        self.requests.ensure_index(["status"])

    def request(self, actor: Actor) -> EnrolmentRequest:
        """Ask for the data key (or the audit seal key) on this workstation; the answer names the fingerprint to
        read to the approver."""
        require(actor, Permission.OWN_CREDENTIALS)
        grant = grant_for(actor)
        if not self.keys.status().initialised:
            raise KeysNotReady("There is no data key yet; an administrator creates it with `fidus key init`.")
        if self.keys.status().enrolled:
            raise ValidationError("This workstation is already enrolled for the data key.")
        if grant == AUDIT_SEAL_KEY and self.keys.seal_keys.current() is not None:
            raise ValidationError("This workstation already holds the audit seal key: its audit entries are sealed.")
        pair = new_key_pair()
        now = self.now()
        request_id = new_id()  # chosen before: a change run again keeps the same keyring entry

        def write(rec: ChangeRecorder) -> Document:
            doc = self.requests.insert({
                "_id": request_id, "username": actor.username, "user_id": actor.user_id,
                "workstation": actor.workstation,
                "public_key": base64.b64encode(pair.public).decode("ascii"), "fingerprint": fingerprint(pair.public),
                "status": PENDING, "requested_at": now, "expires_at": now + VALID_FOR, "grant": grant,
            })
            rec.record("keys.enrol_requested", "workstation", actor.workstation,
                       after={"request": doc["_id"], "fingerprint": doc["fingerprint"], "grant": grant})
            self.secrets.set(private_entry(doc["_id"]), json.dumps({  # in the transaction: no keyring, no request
                "public": base64.b64encode(pair.public).decode("ascii"),
                "private": base64.b64encode(pair.private).decode("ascii")}))
            return doc

        doc = self.change(actor, Permission.OWN_CREDENTIALS, write)
        return EnrolmentRequest.from_doc(doc)

    def pending(self, actor: Actor) -> list[EnrolmentRequest]:
        require(actor, Permission.KEYS_MANAGE)
        now = self.now()
        docs = self.requests.find({"status": PENDING}, sort=[("requested_at", 1)])
        return [r for r in map(EnrolmentRequest.from_doc, docs) if r.expires_at > now]

    def approve(self, actor: Actor, request_id: str, typed_fingerprint: str) -> EnrolmentRequest:
        """Seal every data key this workstation holds (or, for a sealing-only grant, each one's audit seal key) to
        the request's public key."""
        require(actor, Permission.KEYS_MANAGE)
        doc = self._pending(actor, request_id)
        if not same_fingerprint(typed_fingerprint, doc["fingerprint"]):
            raise ValidationError({"fingerprint": "The fingerprint does not match the request. Ask the colleague to "
                                                  "read out the one their workstation shows; if it differs, reject "
                                                  "the request (its public key may have been replaced)."})
        held = self.keys.loaded_keys()
        if not held:
            raise KeysNotReady("This workstation does not hold the data key: approve from an enrolled workstation.")
        public = base64.b64decode(doc["public_key"])
        grant = doc.get("grant", DATA_KEY)
        if grant == AUDIT_SEAL_KEY:  # sent in a DataKey's shape: the transfer only carries an id and 32 bytes
            held = [DataKey(seal.key_id, seal.material) for seal in map(derive_seal_key, held)]
        sealed = [seal_to(public, key, context=transfer_context(request_id, grant)) for key in held]

        def write(rec: ChangeRecorder) -> Document:
            after = self.requests.update(request_id, {"status": APPROVED, "sealed_keys": sealed,
                                                      "decided_by": actor.username, "decided_at": self.now()},
                                         expected_version=doc["version"])
            rec.record("keys.enrol_approved", "workstation", doc["workstation"],
                       after={"request": request_id, "user": doc["username"], "fingerprint": doc["fingerprint"],
                              "key_ids": [s["key_id"] for s in sealed], "grant": grant})
            return after

        after = self.change(actor, Permission.KEYS_MANAGE, write)
        return EnrolmentRequest.from_doc(after)

    def reject(self, actor: Actor, request_id: str, reason: str) -> EnrolmentRequest:
        why = self.required_text(reason, "reason", "The reason", max_length=2000)
        require(actor, Permission.KEYS_MANAGE)
        doc = self._pending(actor, request_id)

        def write(rec: ChangeRecorder) -> Document:
            after = self.requests.update(request_id, {"status": REJECTED, "decided_by": actor.username,
                                                      "decided_at": self.now(), "reason": why},
                                         expected_version=doc["version"])
            rec.record("keys.enrol_rejected", "workstation", doc["workstation"],
                       after={"request": request_id, "user": doc["username"], "reason": why})
            return after

        after = self.change(actor, Permission.KEYS_MANAGE, write)
        return EnrolmentRequest.from_doc(after)

    def _collected(self, actor: Actor, doc: Document, keys: list[DataKey], rec: ChangeRecorder) -> None:
        self.requests.update(doc["_id"], {"status": COLLECTED, "collected_at": self.now()},
                             expected_version=doc["version"], unset=("sealed_keys",))
        rec.record("keys.enrol", "workstation", actor.workstation,
                   after={"key_ids": [k.key_id for k in keys], "approved_by": doc["decided_by"], "request": doc["_id"],
                          "grant": doc.get("grant", DATA_KEY)})

    def _pending(self, actor: Actor, request_id: str) -> Document:
        doc = self.requests.get(request_id) if isinstance(request_id, str) else None
        if doc is None or doc["status"] != PENDING or doc["expires_at"] <= self.now():
            state = "no such request" if doc is None else (
                doc["status"] if doc["status"] != PENDING else "it expired")
            raise ValidationError({"request": f"Enrolment request {request_id!r} cannot be decided ({state}); "
                                              "`fidus key enrolments` lists the pending ones."})
        if doc["user_id"] == actor.user_id:
            raise PermissionDenied(f"{actor.username} asked for this enrolment; another administrator approves it.")
        return doc

    def collect(self, actor: Actor) -> list[str]:
        """Take the approved key(s) into this workstation's keyring; the ids, or [] if nothing is approved yet."""
        require(actor, Permission.OWN_CREDENTIALS)
        docs = self.requests.find({"user_id": actor.user_id, "workstation": actor.workstation,
                                   "status": {"$in": [PENDING, APPROVED]}}, sort=[("requested_at", -1)])
        for doc in docs:
            stored = self.secrets.get(private_entry(doc["_id"]))
            if doc["status"] != APPROVED or stored is None:
                continue
            parts = json.loads(stored)
            pair = TransferKeyPair(base64.b64decode(parts["public"]), base64.b64decode(parts["private"]))
            grant = doc.get("grant", DATA_KEY)
            keys = [open_sealed(pair, s, context=transfer_context(doc["_id"], grant)) for s in doc["sealed_keys"]]
            for key in keys:
                if grant == AUDIT_SEAL_KEY:
                    self.keys.seal_keys.remember(SealKey(key.key_id, key.material))
                else:
                    self.keys.remember(key)

            self.change(actor, Permission.OWN_CREDENTIALS, partial(self._collected, actor, doc, keys))
            self.secrets.delete(private_entry(doc["_id"]))
            return [k.key_id for k in keys]
        return []
