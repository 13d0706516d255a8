"""Stored documents (KYC scans, passports, signed forms): encrypted in the database, so every workstation on
the same MongoDB sees them and a SQLite office keeps them in its one file.

A document is one metadata record in ``documents`` (owner, file name, media type, size, SHA-256 of the
plaintext, who uploaded it and when, number of chunks) and its content in ``document_chunks``: pieces of at
most ``CHUNK_BYTES`` (1 MiB), because a MongoDB document is limited to 16 MB and the store refuses big values.
Each piece is sealed with the data key by the ``Vault`` (AES-256-GCM, declared in ``DOCUMENT_PERSONAL_DATA`` as
``document_chunks.data``) under the context ``document.chunk/<chunk id>``; the chunk id is
``<document id>.<index>``, so a piece copied into another document or position does not open.

Who may see and change an owner's documents is the owner's (``DocumentOwner``): an investor's need
``investors.read`` to list and ``investors.manage`` to attach or delete; an investigation's attachments need
``investigations.read`` and ``investigations.manage``, so a ``personal_data.read`` holder outside compliance who
knows an attachment's id still cannot open it (no tipping off). Opening the content needs the owner's read
permission and ``personal_data.read``, and is audited as ``personal_data.read``. Audit entries name the document,
its owner, type, size and checksum, never the file name (it often holds a person's name) or the content.

Backups carry each document's sealed chunks as one blob named by the document id (``stored_blobs`` /
``restore_blob``), still under the data key; the ``document_chunks`` collection itself is not archived.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from pathlib import Path, PurePath

from fidus_desktop.config.secrets import SecretsUnavailable
from fidus_desktop.config.settings import Settings
from fidus_desktop.errors import UserError
from fidus_desktop.security.private_files import write_private
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ChangeRecorder, Service, ServiceContext, ValidationError
from fidus_desktop.services.permissions import Permission, require
from fidus_desktop.services.personal_data import (
    KYC_RETENTION,
    Locked,
    PersonalDataRegistry,
    PersonalField,
    PersonCollection,
    Vault,
)
from fidus_desktop.store.port import Document, Filter, Store, new_id

DOCUMENTS = "documents"
CHUNKS = "document_chunks"
CHUNK_BYTES = 1024 * 1024
MAX_MB_SETTING = "documents.max_mb"
DEFAULT_MAX_MB = 25
# File extension -> (media type, leading bytes the content must start with): a renamed file is refused.
MEDIA_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".tif": ("image/tiff", (b"II*\x00", b"MM\x00*")),
    ".tiff": ("image/tiff", (b"II*\x00", b"MM\x00*")),
}
_FRAME = struct.Struct(">I")


@dataclass(frozen=True)
class DocumentOwner:
    """Where an owner entity's records live and the permissions its documents need (a feature declares it in
    ``document_owners``; a plain collection name means an investor's rules)."""

    collection: str
    read: StrEnum = Permission.INVESTORS_READ  # list; with personal_data.read, open
    manage: StrEnum = Permission.INVESTORS_MANAGE  # attach, delete


class DocumentDamaged(UserError, ValueError):
    """A stored document's pieces are missing or do not add up to what was uploaded."""


@dataclass(frozen=True)
class StoredDocument:
    document_id: str
    owner_entity: str
    owner_id: str
    name: str
    media_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime
    version: int

    @classmethod
    def from_doc(cls, doc: Document) -> StoredDocument:
        return cls(doc["_id"], doc["owner_entity"], doc["owner_id"], doc["name"], doc["media_type"], doc["size"],
                   doc["sha256"], doc["uploaded_by"], doc["uploaded_at"], doc["version"])


CHUNK_FIELD = PersonalField(CHUNKS, "data", "blob", "document.chunk")
# A stored document is kept as long as its owner's KYC file (read from the owning investor).
DOCUMENT_PERSONAL_DATA = PersonalDataRegistry(
    fields=[CHUNK_FIELD],
    people=[PersonCollection(DOCUMENTS, "owner_id", ("name",), replace(KYC_RETENTION, owner=("investors", "owner_id")),
                             dependents=((CHUNKS, "document_id"),))],
)


def chunk_id(document_id: str, index: int) -> str:
    return f"{document_id}.{index:05d}"


def media_type_of(name: str, data: bytes) -> str:
    """The media type for ``name``'s extension, provided the content really is of that type."""
    suffix = PurePath(name).suffix.lower()
    if suffix not in MEDIA_TYPES:
        raise ValidationError({"name": f"{name} is not a type FIDUS stores; attach a PDF, PNG, JPEG or TIFF "
                                       f"({', '.join(sorted(MEDIA_TYPES))})."})
    media_type, signatures = MEDIA_TYPES[suffix]
    if not data.startswith(signatures):
        raise ValidationError({"name": f"{name} is named {suffix} but its content is not a {media_type} file; "
                                       "export it again as a real file of that type."})
    return media_type


def pack_chunks(chunks: list[bytes]) -> bytes:
    """Sealed chunks as one backup blob: each prefixed by its 4-byte length."""
    return b"".join(_FRAME.pack(len(chunk)) + chunk for chunk in chunks)


def unpack_chunks(blob: bytes) -> list[bytes]:
    chunks, at = [], 0
    while at < len(blob):
        if at + _FRAME.size > len(blob):
            raise DocumentDamaged("A stored document blob ends inside a chunk length.")
        (length,) = _FRAME.unpack_from(blob, at)
        at += _FRAME.size
        if at + length > len(blob):
            raise DocumentDamaged("A stored document blob ends inside a chunk.")
        chunks.append(blob[at : at + length])
        at += length
    return chunks


def _sealed_chunks(store: Store, document_id: str) -> list[bytes]:
    return [c["data"] for c in store.collection(CHUNKS).find({"document_id": document_id}, sort=[("index", 1)])]


def stored_blobs(store: Store, document_ids: Iterable[str]) -> Iterator[tuple[str, bytes]]:
    """The sealed content of ``document_ids`` as ``(document id, blob)``, one document in memory at a time.

    A backup passes the ids of the records it archived, so a file attached meanwhile (MongoDB without
    transactions) never appears in the blob section without its record.
    """
    for document_id in document_ids:
        chunks = _sealed_chunks(store, document_id)
        if chunks:
            yield document_id, pack_chunks(chunks)


def restore_blob(into: Store, document_id: str, blob: bytes) -> None:
    """Put a backup blob's chunks back under the (already restored) document record ``document_id``."""
    doc = into.collection(DOCUMENTS).get(document_id)
    chunks = unpack_chunks(blob)
    if doc is None or doc.get("chunks") != len(chunks):
        raise DocumentDamaged(f"The backup's stored document {document_id} does not match its record.")
    into.collection(CHUNKS).insert_many(
        [{"_id": chunk_id(document_id, i), "document_id": document_id, "index": i, "data": data}
         for i, data in enumerate(chunks)]
    )


class DocumentService(Service):
    """Attach, list, open and delete stored documents."""

    def __init__(self, ctx: ServiceContext, vault: Vault, settings: Settings | None = None,
                 owners: Mapping[str, str | DocumentOwner] | None = None) -> None:
        """``owners``: owner entity → the collection holding it (or its ``DocumentOwner``), from the features'
        ``document_owners``."""
        super().__init__(ctx)
        self.vault = vault
        self.settings = settings
        self.owners: dict[str, DocumentOwner] = {
            entity: owner if isinstance(owner, DocumentOwner) else DocumentOwner(owner)
            for entity, owner in (owners or {}).items()}
        self.documents = self.store.collection(DOCUMENTS)
        self.chunks = self.store.collection(CHUNKS)

    def ensure_indexes(self) -> None:
        self.documents.ensure_index(["owner_entity", "owner_id", "uploaded_at"])
        self.chunks.ensure_index(["document_id", "index"], unique=True)

    def max_bytes(self) -> int:
        """The upload limit: setting ``documents.max_mb`` (default 25 MB)."""
        mb = self.settings.get(MAX_MB_SETTING, DEFAULT_MAX_MB) if self.settings else DEFAULT_MAX_MB
        if not isinstance(mb, int) or isinstance(mb, bool) or mb < 1:
            raise ValidationError(f"The setting {MAX_MB_SETTING} must be a whole number of megabytes ≥ 1.")
        return mb * 1024 * 1024

    def locked(self) -> Locked | None:
        """``Locked`` when this workstation holds no data key (the documents panel shows it instead of a list)."""
        try:
            loaded = self.vault.keys.loaded_keys()
        except SecretsUnavailable as exc:
            return Locked(f"The OS keyring is unusable: {exc}")
        return None if loaded else Locked("No data key is enrolled on this workstation.")

    def owner(self, owner_entity: str) -> DocumentOwner:
        """The rules of ``owner_entity``'s documents (``ValidationError`` for an entity nobody declared)."""
        if owner_entity not in self.owners:
            raise ValidationError({"owner": f"Documents can be attached to {', '.join(self.owners)} records, "
                                            f"not {owner_entity!r}."})
        return self.owners[owner_entity]

    def _owner(self, owner_entity: str, owner_id: str) -> str:
        owner = self.owner(owner_entity)
        owner_id = self.required_text(owner_id, "owner", f"The {owner_entity} id")
        if self.store.collection(owner.collection).get(owner_id) is None:
            raise ValidationError({"owner": f"There is no {owner_entity} with id {owner_id}."})
        return owner_id

    def _check_size(self, name: str, size: int) -> None:
        limit = self.max_bytes()
        if size > limit:
            raise ValidationError({"data": f"{name} is {size / 1e6:.1f} MB; the limit is {limit // (1024 * 1024)} MB "
                                           f"(setting {MAX_MB_SETTING}). Scan it at a lower resolution or split it."})

    def attach(self, actor: Actor, owner_entity: str, owner_id: str, name: str, data: bytes) -> StoredDocument:
        """Encrypt and store ``data`` as the file ``name`` of the owner; checked whole before anything is written."""
        manage = self.owner(owner_entity).manage
        require(actor, manage)
        record, chunks = self._sealed(actor, owner_entity, owner_id, name, data)
        return self.change(actor, manage, lambda rec: self._write(rec, record, chunks))

    def attach_within(self, rec: ChangeRecorder, actor: Actor, owner_entity: str, owner_id: str, name: str,
                      data: bytes) -> StoredDocument:
        """``attach`` as one step of another service's change: in its transaction, audited by its recorder, under
        the permission that service checked (a completed envelope files its signed PDFs with the investor's
        documents whoever conducted the last signature)."""
        record, chunks = self._sealed(actor, owner_entity, owner_id, name, data)
        return self._write(rec, record, chunks)

    def _sealed(self, actor: Actor, owner_entity: str, owner_id: str, name: str,
                data: bytes) -> tuple[Document, list[Document]]:
        owner_id = self._owner(owner_entity, owner_id)
        name = self.required_text(PurePath(name).name if isinstance(name, str) else name, "name", "The file name")
        if not data:
            raise ValidationError({"data": f"{name} is empty; attach the file again once it has content."})
        self._check_size(name, len(data))
        media_type = media_type_of(name, data)
        document_id = new_id()
        spec = CHUNK_FIELD
        chunks = [  # sealed first: a locked workstation (VaultLocked) writes nothing
            {"_id": chunk_id(document_id, i), "document_id": document_id, "index": i,
             "data": self.vault.seal_blob(data[at : at + CHUNK_BYTES], spec, chunk_id(document_id, i))}
            for i, at in enumerate(range(0, len(data), CHUNK_BYTES))
        ]
        record: Document = {
            "_id": document_id, "owner_entity": owner_entity, "owner_id": owner_id, "name": name,
            "media_type": media_type, "size": len(data), "sha256": hashlib.sha256(data).hexdigest(),
            "chunks": len(chunks), "uploaded_by": actor.username, "uploaded_at": self.now(),
        }
        return record, chunks

    def _write(self, rec: ChangeRecorder, record: Document, chunks: list[Document]) -> StoredDocument:
        stored = self.documents.insert(record)
        for chunk in chunks:
            self.chunks.insert(chunk)
        rec.record("document.attach", "document", record["_id"], after=_trail(stored))
        return StoredDocument.from_doc(stored)

    def attach_file(self, actor: Actor, owner_entity: str, owner_id: str, path: Path) -> StoredDocument:
        """``attach`` the file at ``path`` (its size is checked before it is read)."""
        path = Path(path)
        try:
            self._check_size(path.name, path.stat().st_size)
            data = path.read_bytes()
        except OSError as exc:
            raise ValidationError({"path": f"Cannot read {path}: {exc.strerror or exc}."}) from exc
        return self.attach(actor, owner_entity, owner_id, path.name, data)

    def _of_owner(self, actor: Actor, owner_entity: str, owner_id: str) -> Filter:
        require(actor, self.owner(owner_entity).read)
        return {"owner_entity": owner_entity, "owner_id": self._owner(owner_entity, owner_id), "erased_at": None}

    def count_for(self, actor: Actor, owner_entity: str, owner_id: str) -> int:
        return self.documents.count(self._of_owner(actor, owner_entity, owner_id))

    def list_for(
        self, actor: Actor, owner_entity: str, owner_id: str, *, offset: int = 0, limit: int | None = None
    ) -> list[StoredDocument]:
        """The owner's documents, newest first (metadata only: nothing is decrypted)."""
        docs = self.documents.find(self._of_owner(actor, owner_entity, owner_id),
                                   sort=[("uploaded_at", -1), ("_id", 1)], skip=offset, limit=limit)
        return [StoredDocument.from_doc(doc) for doc in docs]

    def _record(self, document_id: str) -> Document:
        document_id = self.required_text(document_id, "document", "The document id")
        doc = self.documents.get(document_id)
        if doc is None or doc.get("erased_at") is not None:
            raise ValidationError({"document": f"There is no stored document {document_id} (it may have been "
                                               "deleted or erased)."})
        return doc

    def _readable(self, actor: Actor, document_id: str) -> Document:
        """The record, once ``actor`` may read its owner's documents (refused alike for an unknown owner)."""
        doc = self._record(document_id)
        require(actor, self.owner(doc["owner_entity"]).read)
        return doc

    def open(self, actor: Actor, document_id: str) -> bytes | Locked:
        """The plaintext, checked against its SHA-256 (audited as ``personal_data.read``), or ``Locked``; needs
        ``personal_data.read`` and the owner's read permission (an investigation's: ``investigations.read``)."""
        require(actor, Permission.PERSONAL_DATA_READ)
        doc = self._readable(actor, document_id)
        sealed = _sealed_chunks(self.store, doc["_id"])
        if len(sealed) != doc["chunks"]:
            raise DocumentDamaged(f"Stored document {doc['_id']} has {len(sealed)} of its {doc['chunks']} pieces; "
                                  "restore it from a backup.")
        spec, parts = CHUNK_FIELD, []
        for index, data in enumerate(sealed):
            part = self.vault.open_blob(data, spec, chunk_id(doc["_id"], index))
            if isinstance(part, Locked):
                return part
            parts.append(part)
        content = b"".join(parts)
        if len(content) != doc["size"] or hashlib.sha256(content).hexdigest() != doc["sha256"]:
            raise DocumentDamaged(f"Stored document {doc['_id']} does not match the checksum taken at upload; "
                                  "restore it from a backup.")

        def write(rec: ChangeRecorder) -> None:
            rec.record("personal_data.read", "document", doc["_id"], after={"field": "content"})

        self.change(actor, Permission.PERSONAL_DATA_READ, write)
        return content

    def save_copy(self, actor: Actor, document_id: str, path: Path) -> int | Locked:
        """``open`` the document and write it to ``path`` (via a temporary name and a rename: no half file)."""
        content = self.open(actor, document_id)
        if isinstance(content, Locked):
            return content
        path = Path(path)
        try:
            write_private(path, content)  # a decrypted copy: readable by its owner only
        except OSError as exc:
            raise ValidationError({"path": f"Cannot write {path}: {exc.strerror or exc}."}) from exc
        return len(content)

    def delete(self, actor: Actor, document_id: str, expected_version: int) -> None:
        """Remove the document and its content; ``ConcurrencyError`` if someone changed it since it was read."""
        doc = self._readable(actor, document_id)
        manage = self.owner(doc["owner_entity"]).manage
        require(actor, manage)

        def write(rec: ChangeRecorder) -> None:
            self.documents.delete(doc["_id"], expected_version=expected_version)
            for chunk in self.chunks.find({"document_id": doc["_id"]}, projection=["index"]):
                self.chunks.delete(chunk["_id"], expected_version=chunk["version"])
            rec.record("document.delete", "document", doc["_id"], before=_trail(doc))

        self.change(actor, manage, write)


def _trail(doc: Document) -> Document:
    """What the audit keeps of a document: never its file name or content."""
    return {k: doc[k] for k in ("owner_entity", "owner_id", "media_type", "size", "sha256")}
