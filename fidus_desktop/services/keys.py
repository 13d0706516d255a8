"""The data key hierarchy: one random data key per generation, stored WRAPPED under the office passphrase.

The database (collection ``keys``) holds only wrapped keys; a workstation is *enrolled* when an
administrator typed the passphrase there once and the unwrapped key went to the OS keyring
(``data-key/<key_id>``). Without it the application still runs and personal fields show as locked.

Rotation is resumable: the new key is stored as ``pending`` with a ``rotation`` marker listing the
collections already re-encrypted; running ``rotate`` again continues where it stopped. The old key stays
until every registered field is under the new one (tokens carry their key id, ``field_key_id``).
Stored documents' chunks (``document_chunks.data``, up to 1 MiB each) are re-encrypted the same way; batches
are also capped in bytes so a collection of large blobs is never held in memory (or one transaction) at once.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from fidus_desktop.config.secrets import SecretStore, SecretsUnavailable
from fidus_desktop.errors import UserError
from fidus_desktop.security.crypto import (
    DataKey,
    DecryptionError,
    ScryptParams,
    WrappedKey,
    blind_index,
    decrypt_blob,
    decrypt_field,
    encrypt_blob,
    encrypt_field,
    field_key_id,
    unwrap_data_key,
    wrap_data_key,
)
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.audit_seal_keys import KIND as SEAL_KEY_KIND
from fidus_desktop.services.audit_seal_keys import AuditSealKeys, retired_seal_key_record, rewrapped
from fidus_desktop.services.base import ChangeRecorder, Service, ServiceContext, ValidationError
from fidus_desktop.services.permissions import Permission, require
from fidus_desktop.store.port import Document

if TYPE_CHECKING:
    from fidus_desktop.services.personal_data import PersonalField

KEYS = "keys"
ROTATION_ID = "rotation"
ACTIVE, PENDING = "active", "pending"
MIN_PASSPHRASE = 12
BATCH = 200
BATCH_BYTES = 16 * 1024 * 1024  # a batch of re-encrypted blobs is written once it holds this much
BLOB_READ_BATCH = 16  # documents read at a time from a collection holding blobs
Progress = Callable[[str, int, int], None]  # collection, documents done, documents in it


def secret_name(key_id: str) -> str:
    """The keyring entry holding the unwrapped data key ``key_id`` on this workstation."""
    return f"data-key/{key_id}"


class KeysNotReady(UserError):
    """No data key exists yet, or this workstation cannot use it; the message says what to run."""


@dataclass(frozen=True)
class RotationState:
    from_key_id: str
    to_key_id: str
    done: tuple[str, ...]
    started_at: datetime


@dataclass(frozen=True)
class KeyStatus:
    """What the Keys section and ``fidus key status`` show."""

    active_key_id: str | None
    enrolled: bool
    rotation: RotationState | None
    keyring_problem: str | None
    seals_audit: bool = False  # this workstation's audit entries are sealed (data key or audit seal key held)

    @property
    def initialised(self) -> bool:
        return self.active_key_id is not None

    @property
    def writes_unsealed(self) -> bool:
        """Sealing is on in the office and this workstation cannot seal: a usable keyring holding neither the data
        key nor the audit seal key (the GUI's seal banner and Admin → Keys say so)."""
        return self.initialised and not self.seals_audit and not self.keyring_problem

    def describe(self) -> str:
        if not self.initialised:
            return "No data key yet: an administrator runs `fidus key init` (or Admin → Keys → Create key)."
        if self.keyring_problem:
            return f"Data key {self.active_key_id}: the OS keyring is unusable ({self.keyring_problem})."
        state = ("this workstation is enrolled" if self.enrolled else
                 "this workstation holds only the audit seal key (its audit entries are sealed)" if self.seals_audit
                 else "this workstation is NOT enrolled (enrol it)")
        text = f"Data key {self.active_key_id}: {state}."
        if self.rotation:
            text += (
                f" A rotation to {self.rotation.to_key_id} is in progress "
                f"({len(self.rotation.done)} collection(s) done); run rotate again to finish it."
            )
        return text


@dataclass(frozen=True)
class RotationReport:
    old_key_id: str
    new_key_id: str
    documents: dict[str, int]


class KeyService(Service):
    """Create, enrol, load and rotate data keys."""

    def __init__(self, ctx: ServiceContext, secrets: SecretStore, kdf: ScryptParams | None = None):
        super().__init__(ctx)
        self.secrets = secrets
        self.kdf = kdf or ScryptParams()
        self.keys = self.store.collection(KEYS)
        self._loaded: dict[str, DataKey] = {}
        self.seal_keys = AuditSealKeys(self.keys, secrets, self.loaded_keys, self.sealing_key)

    # -- reading ---------------------------------------------------------------------------------------
    def _key_doc(self, status: str) -> Document | None:
        return self.keys.find_one({"kind": "data_key", "status": status})

    def rotation(self) -> RotationState | None:
        doc = self.keys.get(ROTATION_ID)
        if doc is None:
            return None
        return RotationState(doc["from_key_id"], doc["to_key_id"], tuple(doc["done"]), doc["started_at"])

    def status(self) -> KeyStatus:
        active = self._key_doc(ACTIVE)
        problem = None
        try:
            loaded = {key.key_id for key in self.loaded_keys()}
        except SecretsUnavailable as exc:
            loaded, problem = set(), str(exc)
        key_id = active["key_id"] if active else None
        return KeyStatus(key_id, key_id in loaded, self.rotation(), problem, self.seal_keys.current() is not None)

    def loaded_keys(self) -> list[DataKey]:
        """The stored keys this workstation holds (active, and the pending one during a rotation)."""
        found = []
        for doc in self.keys.find({"kind": "data_key"}):
            key = self._loaded.get(doc["key_id"]) or self._from_keyring(doc["key_id"])
            if key is not None:
                found.append(key)
        return found

    def sealing_key(self) -> DataKey | None:
        """The key new values are encrypted with: the rotation's new key once loaded, else the active one."""
        loaded = {key.key_id: key for key in self.loaded_keys()}
        rotation = self.rotation()
        if rotation and rotation.to_key_id in loaded:
            return loaded[rotation.to_key_id]
        active = self._key_doc(ACTIVE)
        return loaded.get(active["key_id"]) if active else None

    def _from_keyring(self, key_id: str) -> DataKey | None:
        text = self.secrets.get(secret_name(key_id))
        if text is None:
            return None
        try:
            key = DataKey(key_id, base64.b64decode(text, validate=True))
        except (binascii.Error, ValueError):
            return None  # a damaged entry is the same as none: enrolling again replaces it
        self._loaded[key_id] = key
        return key

    def remember(self, key: DataKey) -> None:
        """Keep ``key`` in this workstation's keyring (an enrolment approved by an administrator)."""
        self._remember(key)

    def _remember(self, key: DataKey) -> None:
        self.secrets.set(secret_name(key.key_id), base64.b64encode(key.material).decode("ascii"))
        self._loaded[key.key_id] = key
        self.seal_keys.forget()

    def _unwrap(self, doc: Document, passphrase: str) -> DataKey:
        return unwrap_data_key(WrappedKey.from_dict(doc["wrapped"]), passphrase)

    # -- changing --------------------------------------------------------------------------------------
    def init(self, actor: Actor, passphrase: str) -> str:
        """Create the first data key, wrapped under ``passphrase``, and enrol this workstation."""
        require(actor, Permission.KEYS_MANAGE)
        if len(passphrase) < MIN_PASSPHRASE:
            raise ValidationError(
                {"passphrase": f"The office passphrase needs at least {MIN_PASSPHRASE} characters."}
            )
        if self.keys.find_one({"kind": "data_key"}) is not None:
            raise ValidationError("A data key already exists; enrol this workstation or rotate the key instead.")
        key = DataKey.generate()

        def write(rec: ChangeRecorder) -> None:
            self.keys.insert(self._key_record(key, passphrase, ACTIVE))
            # Inside the change: without a keyring, neither the key nor its audit entry is kept (a change run again
            # keeps the same key). Kept before the entry is recorded, so that entry is the first one sealed.
            try:
                self._remember(key)
            except SecretsUnavailable as exc:
                raise KeysNotReady(f"The data key was not created: this workstation has no usable keyring "
                                   f"to keep it in ({exc}).") from None
            rec.record("keys.init", "data_key", key.key_id)

        self.change(actor, Permission.KEYS_MANAGE, write)
        return key.key_id

    def _key_record(self, key: DataKey, passphrase: str, status: str) -> Document:
        wrapped = wrap_data_key(key, passphrase, kdf=self.kdf).to_dict()
        return {"_id": key.key_id, "kind": "data_key", "key_id": key.key_id, "status": status,
                "wrapped": wrapped, "created_at": self.now()}

    def enroll(self, actor: Actor, passphrase: str) -> list[str]:
        """Unwrap the stored key(s) with the office passphrase and keep them in this workstation's keyring."""
        require(actor, Permission.KEYS_MANAGE)
        docs = self.keys.find({"kind": "data_key"}, sort=[("status", 1)])
        if not docs:
            raise KeysNotReady("There is no data key to enrol with; run `fidus key init` first.")
        keys = [self._unwrap(doc, passphrase) for doc in docs]  # WrongPassphrase before anything is kept
        for key in keys:
            self._remember(key)

        def write(rec: ChangeRecorder) -> None:
            rec.record("keys.enrol", "workstation", actor.workstation, after={"key_ids": [k.key_id for k in keys]})

        self.change(actor, Permission.KEYS_MANAGE, write)
        return [key.key_id for key in keys]

    def rotate(
        self, actor: Actor, passphrase: str, fields: Sequence[PersonalField], progress: Progress | None = None
    ) -> RotationReport:
        """Re-encrypt every registered field under a new key; resumes an interrupted rotation."""
        require(actor, Permission.KEYS_MANAGE)
        active = self._key_doc(ACTIVE)
        if active is None:
            raise KeysNotReady("There is no data key to rotate; run `fidus key init` first.")
        old = self._unwrap(active, passphrase)
        new = self._start_or_resume(actor, passphrase, old)
        by_collection: dict[str, list[PersonalField]] = {}
        for spec in fields:
            by_collection.setdefault(spec.collection, []).append(spec)
        counts: dict[str, int] = {}
        for name, specs in sorted(by_collection.items()):
            rotation = self.rotation()
            assert rotation is not None
            if name not in rotation.done:
                counts[name] = self._reencrypt(actor, name, specs, (old, new), progress)
                self._mark_done(actor, name)
        # A workstation that did not hold the new key kept sealing with the old one: sweep once more.
        for name, specs in sorted(by_collection.items()):
            counts[name] = counts.get(name, 0) + self._reencrypt(actor, name, specs, (old, new), progress)
        self._finish(actor, old, new)
        return RotationReport(old.key_id, new.key_id, counts)

    def _start_or_resume(self, actor: Actor, passphrase: str, old: DataKey) -> DataKey:
        pending = self._key_doc(PENDING)
        if pending is not None:
            new = self._unwrap(pending, passphrase)
        else:
            new = DataKey.generate()

            def write(rec: ChangeRecorder) -> None:
                self.keys.insert(self._key_record(new, passphrase, PENDING))
                self.keys.insert({"_id": ROTATION_ID, "kind": "rotation", "from_key_id": old.key_id,
                                  "to_key_id": new.key_id, "done": [], "started_at": self.now()})
                rec.record("keys.rotation_started", "data_key", new.key_id, after={"from_key_id": old.key_id})

            self.change(actor, Permission.KEYS_MANAGE, write)
        self._remember(old)
        self._remember(new)
        return new

    def _reencrypt(
        self, actor: Actor, name: str, specs: list[PersonalField], keys: tuple[DataKey, DataKey],
        progress: Progress | None,
    ) -> int:
        collection = self.store.collection(name)
        total, seen, changed, size = collection.count(), 0, 0, 0
        batch: list[tuple[Document, Document]] = []
        has_blobs = any(spec.kind == "blob" for spec in specs)
        for doc in collection.iter_all(batch_size=BLOB_READ_BATCH if has_blobs else 1000):
            seen += 1
            changes = reencrypted_fields(doc, specs, keys)
            if changes:
                batch.append((doc, changes))
                size += sum(len(value) for value in changes.values() if isinstance(value, bytes))
            if len(batch) >= BATCH or size >= BATCH_BYTES:
                changed += self._write_batch(actor, name, batch, keys[1])
                batch, size = [], 0
            if progress is not None:
                progress(name, seen, total)
        if batch:
            changed += self._write_batch(actor, name, batch, keys[1])
        return changed

    def _write_batch(self, actor: Actor, name: str, batch: list[tuple[Document, Document]], new: DataKey) -> int:
        collection = self.store.collection(name)

        def write(rec: ChangeRecorder) -> None:
            for doc, changes in batch:
                collection.update(doc["_id"], changes, expected_version=doc["version"])
            rec.record("keys.reencrypt", name, new.key_id, after={"documents": len(batch)})

        self.change(actor, Permission.KEYS_MANAGE, write)
        return len(batch)

    def _mark_done(self, actor: Actor, name: str) -> None:
        def write(_rec: ChangeRecorder) -> None:
            doc = self.keys.require(ROTATION_ID)
            self.keys.update(ROTATION_ID, {"done": [*doc["done"], name]}, expected_version=doc["version"])

        self.change(actor, Permission.KEYS_MANAGE, write)

    def _finish(self, actor: Actor, old: DataKey, new: DataKey) -> None:
        def write(rec: ChangeRecorder) -> None:
            pending = self.keys.require(new.key_id)
            self.keys.update(new.key_id, {"status": ACTIVE}, expected_version=pending["version"])
            self._keep_seal_keys(old, new)
            self.keys.delete(old.key_id)
            self.keys.delete(ROTATION_ID)
            rec.record("keys.rotated", "data_key", new.key_id, after={"retired_key_id": old.key_id})

        self.change(actor, Permission.KEYS_MANAGE, write)
        self._loaded.pop(old.key_id, None)
        self.secrets.delete(secret_name(old.key_id))
        self.seal_keys.forget()

    def _keep_seal_keys(self, old: DataKey, new: DataKey) -> None:
        """Audit entries sealed under ``old`` (and keys retired before it) must still verify: their seal keys stay
        in the database, encrypted under ``new``."""
        for doc in self.keys.find({"kind": SEAL_KEY_KIND}):
            self.keys.update(doc["_id"], {"sealed": rewrapped(doc, [old, new], new)}, expected_version=doc["version"])
        self.keys.insert(retired_seal_key_record(old, new, self.now()))


def reencrypted_fields(doc: Document, specs: Iterable[PersonalField], keys: tuple[DataKey, DataKey]) -> Document:
    """The changes that put ``doc``'s registered fields (and blind indexes) under ``keys[1]``; {} if none."""
    old_and_new, new = list(keys), keys[1]
    changes: Document = {}
    for spec in specs:
        value: Any = doc.get(spec.field)
        if spec.item_field and isinstance(value, list):
            items = [_reencrypted_item(item, spec, keys) for item in value]
            if items != value:
                changes[spec.field] = items
            continue
        if spec.kind == "blob" and isinstance(value, bytes):
            context = spec.blob_context(doc["_id"])
            try:
                decrypt_blob(new, value, context=context)
                continue  # already under the new key
            except DecryptionError:
                changes[spec.field] = encrypt_blob(new, decrypt_blob(old_and_new, value, context=context),
                                                   context=context)
        elif isinstance(value, str) and field_key_id(value) != new.key_id:
            plain = decrypt_field(old_and_new, value, context=spec.context)
            changes[spec.field] = encrypt_field(new, plain, context=spec.context)
            if spec.index_field and isinstance(plain, str):
                changes[spec.index_field] = blind_index(new, plain, kind=spec.kind)
    return changes


def _reencrypted_item(item: Any, spec: PersonalField, keys: tuple[DataKey, DataKey]) -> Any:
    """One list item with its sealed ``spec.item_field`` under ``keys[1]`` (unchanged if it already is)."""
    token = item.get(spec.item_field) if isinstance(item, dict) and spec.item_field else None
    if not isinstance(token, str) or field_key_id(token) == keys[1].key_id:
        return item
    plain = decrypt_field(list(keys), token, context=spec.context)
    return {**item, spec.item_field: encrypt_field(keys[1], plain, context=spec.context)}
