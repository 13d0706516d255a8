"""Tampering with the stored audit trail as an attacker with database access would."""

from __future__ import annotations

from fidus_desktop.services.audit import AUDIT
from fidus_desktop.store.port import Store


def tamper(store: Store, seq: int, **changes: object) -> None:
    """An attacker with database access edits one stored entry directly."""
    audit = store.collection(AUDIT)
    doc = audit.find_one({"seq": seq})
    audit.update(doc["_id"], changes, expected_version=doc["version"])

