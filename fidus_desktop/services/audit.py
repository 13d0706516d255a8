"""The audit trail: one entry per change, written in the change's own transaction, hash-chained.

Each entry seals the previous one's hash (``security.audit_chain``), and ``seq`` is unique in the
database, so two workstations appending at once cannot fork the chain: the second one's transaction
fails on the unique index and is retried on top of the first.

Where this workstation holds the office data key, each entry is also sealed (``security.audit_seal``): the
composition root hands the log its ``sealer`` (``AuditSealKeys.current``). The seal is computed inside the
retried insert, from the hash of the entry as finally chained.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fidus_desktop.security.audit_chain import ChainVerdict, append_entry, verify_chain
from fidus_desktop.security.audit_seal import SealKey
from fidus_desktop.services.actor import Actor
from fidus_desktop.store.errors import DuplicateKey, TransactionConflict
from fidus_desktop.store.port import Document, Store
from fidus_desktop.store.values import without_reserved

AUDIT = "audit"


@dataclass(frozen=True)
class AuditEntry:
    """One audited action as the viewer shows it."""

    seq: int
    at: datetime
    actor: str
    role: str
    workstation: str
    action: str
    entity: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    @classmethod
    def from_doc(cls, doc: Document) -> AuditEntry:
        return cls(
            seq=doc["seq"],
            at=doc["at"],
            actor=doc["actor"],
            role=doc["role"],
            workstation=doc["workstation"],
            action=doc["action"],
            entity=doc["entity"],
            entity_id=doc["entity_id"],
            before=doc.get("before"),
            after=doc.get("after"),
        )


def chain_fields(doc: Document) -> Document:
    """The entry as it was sealed (without the store's ``_id``/``version``)."""
    return without_reserved(doc)


class AuditLog:
    """Appends and reads audit entries."""

    def __init__(self, store: Store, clock: Callable[[], datetime],
                 sealer: Callable[[], SealKey | None] | None = None) -> None:
        self.store = store
        self.clock = clock
        self.entries = store.collection(AUDIT)
        self.sealer = sealer

    def seal_with(self, sealer: Callable[[], SealKey | None]) -> None:
        """Seal new entries with the key ``sealer`` gives (None: this workstation cannot seal)."""
        self.sealer = sealer

    def ensure_indexes(self) -> None:
        self.entries.ensure_index(["seq"], unique=True)
        self.entries.ensure_index(["at"])
        self.entries.ensure_index(["entity", "entity_id"])

    def last(self) -> Document | None:
        """The newest entry, read through the unique ``seq`` index: on MongoDB that index is partial (only
        documents with ``seq``), which serves a sort only for a query that implies its filter."""
        return self.entries.find_one({"seq": {"$exists": True}}, sort=[("seq", -1)])

    def append(
        self,
        actor: Actor,
        action: str,
        entity: str,
        entity_id: str,
        *,
        before: Document | None = None,
        after: Document | None = None,
    ) -> Document:
        """Seal and store one entry; call inside the transaction of the change it describes."""
        fields = {
            "at": self.clock(),
            "actor": actor.username,
            "actor_id": actor.user_id,
            "role": actor.role.value,
            "workstation": actor.workstation,
            "action": action,
            "entity": entity,
            "entity_id": entity_id,
            "before": _strip(before),
            "after": _strip(after),
        }
        seal_key = self.sealer() if self.sealer is not None else None

        def insert() -> Document:
            # Two appenders read the same last entry: on MongoDB the second is rolled back by a write conflict,
            # or hits the unique seq index; either way its whole transaction rolls back and the chain never
            # forks. Both are a TransactionConflict, which atomic() (here or around the change) runs again.
            try:
                return self.entries.insert(append_entry(self.last(), fields, seal_key))
            except DuplicateKey as exc:
                raise TransactionConflict(
                    "Another workstation recorded a change in the audit log at the same moment. Try again."
                ) from exc

        return self.store.atomic(insert)

    def for_entity(self, entity: str, entity_id: str) -> list[Document]:
        """One record's entries in ``seq`` order (a certificate of completion lists its envelope's)."""
        return self.entries.find({"entity": entity, "entity_id": entity_id}, sort=[("seq", 1)])

    def iter_chain(self) -> Iterator[Document]:
        """Every entry in ``seq`` order, as sealed."""
        batch, after_seq = 1000, 0
        while True:
            docs = self.entries.find({"seq": {"$gt": after_seq}}, sort=[("seq", 1)], limit=batch)
            for doc in docs:
                yield chain_fields(doc)
            if len(docs) < batch:
                return
            after_seq = docs[-1]["seq"]

    def verify(self) -> ChainVerdict:
        """Check the whole hash chain; ``AuditAnchors.verify`` (``fidus audit verify``) adds anchors and seals."""
        return verify_chain(self.iter_chain())


def _strip(doc: Document | None) -> Document | None:
    """Before/after images without store bookkeeping (the version is kept: it says which edit this was)."""
    if doc is None:
        return None
    return {k: v for k, v in doc.items() if k != "_id"}
