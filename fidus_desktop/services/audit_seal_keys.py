"""The audit seal keys of one database on this workstation (``security.audit_seal``).

- **Sealing**: new entries are sealed with the seal key of the data key new values are encrypted with
  (``KeyService.sealing_key``), looked up once and again at most every ``RECHECK`` seconds (an enrolment in
  another process is picked up without a restart), at once when this process enrols or rotates, and, while it
  has none, whenever the database's data keys change.
- **Workstations without the data key**: a role that may not read personal data (portfolio manager, client)
  gets only the audit seal key, through the same administrator-approved enrolment (``key_enrolment``); it is
  kept in the keyring as ``audit-seal-key/<key_id>``. The seal key cannot decrypt anything: HKDF does not give
  the data key back.
- **Checking**: an entry names its seal key's id, which is a data key's id. The seal key comes from that data key
  when this workstation holds it; a retired key's seal key is kept in the database (``keys``, kind
  ``audit_seal_key``) encrypted under the current data key, so entries sealed before a rotation still verify on
  any enrolled workstation, also one enrolled after the rotation.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from datetime import datetime

from fidus_desktop.config.secrets import SecretStore, SecretsUnavailable
from fidus_desktop.security.audit_seal import SealKey, derive_seal_key
from fidus_desktop.security.crypto import DataKey, DecryptionError, decrypt_field, encrypt_field
from fidus_desktop.store.port import Collection, Document

RECHECK = 60.0
KIND = "audit_seal_key"
ENABLE = ("An administrator enables sealing with `fidus key init` (Admin → Keys → Create key); every entry "
          "written from then on by a workstation that holds the office data key is sealed.")
ENROL = ("Enrol it (`fidus key enroll`, or `fidus key request-enrolment` and an administrator's approval) "
         "and verify again.")


def _context(key_id: str) -> str:
    return f"{KIND}/{key_id}"


def secret_name(key_id: str) -> str:
    """The keyring entry holding audit seal key ``key_id`` on a workstation enrolled for sealing only."""
    return f"audit-seal-key/{key_id}"


def retired_seal_key_record(old: DataKey, under: DataKey, now: datetime) -> Document:
    """The record that keeps ``old``'s seal key, encrypted under the data key ``under`` (written at a rotation)."""
    material = base64.b64encode(derive_seal_key(old).material).decode("ascii")
    return {"_id": _context(old.key_id), "kind": KIND, "key_id": old.key_id,
            "sealed": encrypt_field(under, material, context=_context(old.key_id)), "created_at": now}


def rewrapped(doc: Document, keys: list[DataKey], under: DataKey) -> str:
    """A retired seal key's record value encrypted again under ``under`` (the rotation's new key)."""
    plain = decrypt_field(keys, doc["sealed"], context=_context(doc["key_id"]))
    return encrypt_field(under, plain, context=_context(doc["key_id"]))


class AuditSealKeys:
    """Which seal key to seal with, and the seal key for an id when checking."""

    def __init__(self, keys_collection: Collection, secrets: SecretStore, loaded_keys: Callable[[], list[DataKey]],
                 sealing_key: Callable[[], DataKey | None], clock: Callable[[], float] = time.monotonic) -> None:
        self.collection = keys_collection
        self.secrets = secrets
        self.loaded_keys = loaded_keys
        self.sealing_key = sealing_key
        self.clock = clock
        self._current: SealKey | None = None
        self._looked_at: float | None = None
        self._ids: tuple[str, ...] = ()  # the data keys' ids when this workstation last found none to seal with

    def forget(self) -> None:
        """This process enrolled, rotated or lost a key: look again before the next seal."""
        self._looked_at = None

    def current(self) -> SealKey | None:
        """The key new entries are sealed with; None when this workstation holds no data key (or no keyring)."""
        now = self.clock()
        if self._current is None:
            # Not sealing: look again as soon as the database's keys change (a `fidus key init` in another process
            # of this workstation must not leave this one writing unsealed entries after sealed ones for a minute).
            ids = tuple(sorted(doc["key_id"] for doc in self.collection.find({"kind": "data_key"})))
            if ids != self._ids:
                self._ids, self._looked_at = ids, None
        if self._looked_at is None or now - self._looked_at >= RECHECK:
            try:
                key = self.sealing_key()
                self._current = derive_seal_key(key) if key is not None else self._held_newest()
            except SecretsUnavailable:
                self._current = None
            self._looked_at = now
        return self._current

    def remember(self, key: SealKey) -> None:
        """Keep ``key`` in this workstation's keyring (a sealing-only enrolment an administrator approved)."""
        self.secrets.set(secret_name(key.key_id), base64.b64encode(key.material).decode("ascii"))
        self.forget()

    def _held(self, key_id: str) -> SealKey | None:
        text = self.secrets.get(secret_name(key_id))
        return SealKey(key_id, base64.b64decode(text)) if text else None

    def _held_newest(self) -> SealKey | None:
        """Without the data key: the newest seal key this keyring holds (a rotation's new key, the active one,
        else a retired one, as a workstation not yet enrolled again keeps encrypting with the old data key)."""
        docs = self.collection.find({"kind": {"$in": ["data_key", KIND]}})
        order = {"pending": 0, "active": 1}
        for doc in sorted(docs, key=lambda d: (order.get(d.get("status", ""), 2), -d["created_at"].timestamp())):
            held = self._held(doc["key_id"])
            if held is not None:
                return held
        return None

    def known(self, key_id: str) -> bool:
        """Whether the database names ``key_id`` as one of the office's keys, current or retired (an id it does not
        name is no key's: a seal under it is forged, not merely uncheckable here)."""
        doc = self.collection.get(key_id)
        return (doc is not None and doc.get("kind") == "data_key") or self.collection.get(_context(key_id)) is not None

    def retired(self, key_id: str) -> bool:
        """Whether ``key_id`` is a key a finished rotation retired (only its seal key's record is left)."""
        doc = self.collection.get(key_id)
        current = doc is not None and doc.get("kind") == "data_key"
        return not current and self.collection.get(_context(key_id)) is not None

    def configured(self) -> bool:
        """Whether the database has an office data key at all (sealing is possible)."""
        return self.collection.find_one({"kind": "data_key"}) is not None

    def for_id(self, key_id: str) -> SealKey | None:
        """The seal key named ``key_id``, if this workstation can have it."""
        try:
            loaded = self.loaded_keys()
            held = self._held(key_id)
        except SecretsUnavailable:
            return None
        for key in loaded:
            if key.key_id == key_id:
                return derive_seal_key(key)
        if held is not None:
            return held
        doc = self.collection.get(_context(key_id))
        if doc is None or doc.get("kind") != KIND:
            return None
        try:
            material = decrypt_field(loaded, doc["sealed"], context=_context(key_id))
        except DecryptionError:
            return None
        return SealKey(key_id, base64.b64decode(material))
