"""The encrypted backup archive: one file, written and read as a stream, independent of the database.

Layout::

    b"FIDUSBAK" | version (1 byte) | header length (4 bytes, big-endian) | header JSON
    then chunks:  ciphertext length (4 bytes) | AES-256-GCM ciphertext + tag

The header JSON holds the scrypt parameters and salt, the chunk size, the creation time and a key-check
value. From the passphrase, scrypt gives a master key; HKDF splits it into the chunk key and the 16-byte
key check, so a wrong passphrase is told apart from damage before any chunk is opened. Chunk ``i``
(numbered from 1) is sealed with nonce ``i`` (the key is unique to the file, so a counter is safe) and
associated data ``SHA-256(header) | i | final flag``: altering the header or a chunk, swapping chunks,
dropping the tail or appending data are all detected, and the last chunk must carry the final flag.

The decrypted stream is JSON lines: ``{"kind": "collection", "name": ...}`` then one ``{"kind":
"document", "data": ...}`` per document, then ``{"kind": "blob", "name", "sha256", "data"}`` lines and
finally ``{"kind": "manifest", ...}`` with each collection's document count and the SHA-256 of its
document lines. Values outside JSON (Decimal, date, datetime, bytes) use the lossless tagged codec below.

Because the manifest comes last, ``read_backup`` only knows the archive is whole when its iterator is
exhausted without an error: restore into a staging area and commit after that.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import struct
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from fidus_desktop.clock import wall_now
from fidus_desktop.errors import UserError
from fidus_desktop.security.crypto import KEY_BYTES, NONCE_BYTES, SALT_BYTES, ScryptParams, WrongPassphrase
from fidus_desktop.security.private_files import create_private

MAGIC = b"FIDUSBAK"
FORMAT_VERSION = 1
DEFAULT_CHUNK_SIZE = 1024 * 1024
MAX_CHUNK_SIZE = 64 * 1024 * 1024
MAX_HEADER_BYTES = 64 * 1024
TAG_BYTES = 16
KEY_CHECK_BYTES = 16
TAG_PREFIX = "\x01"
_LENGTH = struct.Struct(">I")
_CHUNK_INFO = b"fidus backup v1 chunk key"
_CHECK_INFO = b"fidus backup v1 key check"

__all__ = [
    "BackupCorrupt",
    "BackupReport",
    "BlobRecord",
    "DocumentRecord",
    "WrongPassphrase",
    "decode_value",
    "encode_value",
    "read_backup",
    "verify_backup",
    "write_backup",
]


class BackupCorrupt(UserError, ValueError):
    """The archive is damaged, cut short or was altered; the message says where."""


@dataclass(frozen=True, slots=True)
class DocumentRecord:
    collection: str
    document: dict[str, Any]


@dataclass(frozen=True, slots=True)
class BlobRecord:
    name: str
    data: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class BackupReport:
    """What a verified (or just written) archive holds."""

    format_version: int
    created_at: datetime
    collections: dict[str, int]
    blobs: int
    chunks: int


# --- lossless JSON codec -------------------------------------------------------------------------------


def encode_value(value: Any, path: str = "") -> Any:
    """``value`` as JSON-able data; Decimal, datetime, date and bytes become one-key tagged objects.

    Decimals keep their exponent (``12.50`` stays ``12.50``), date-times their offset and microseconds.
    Tuples come back as lists. Keys starting with U+0001 are reserved for the tags.
    """
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return {TAG_PREFIX + "decimal": str(value)}
    if isinstance(value, datetime):
        offset = value.utcoffset()
        if offset is not None and offset.microseconds:
            raise TypeError(f"Field {path!r} has a sub-second UTC offset, which no real time zone has.")
        return {TAG_PREFIX + "datetime": value.isoformat(timespec="microseconds")}
    if isinstance(value, date):
        return {TAG_PREFIX + "date": value.isoformat()}
    if isinstance(value, bytes):
        return {TAG_PREFIX + "bytes": base64.b64encode(value).decode("ascii")}
    if isinstance(value, list | tuple):
        return [encode_value(item, f"{path}[{index}]") for index, item in enumerate(value)]
    if isinstance(value, Mapping):
        encoded = {}
        for key, item in value.items():
            if not isinstance(key, str) or key.startswith(TAG_PREFIX):
                raise TypeError(
                    f"Field {path or '<root>'!r} has key {key!r}; backups need plain string keys."
                )
            encoded[key] = encode_value(item, f"{path}.{key}" if path else key)
        return encoded
    raise TypeError(f"Field {path!r} holds a {type(value).__name__}, which a backup cannot store.")


_DECODERS: dict[str, Callable[[str], Any]] = {
    TAG_PREFIX + "decimal": Decimal,
    TAG_PREFIX + "datetime": datetime.fromisoformat,
    TAG_PREFIX + "date": date.fromisoformat,
    TAG_PREFIX + "bytes": base64.b64decode,
}


def _decode_object(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        ((key, text),) = obj.items()
        decoder = _DECODERS.get(key)
        if decoder is not None:
            return decoder(text)
        if key.startswith(TAG_PREFIX):
            raise BackupCorrupt(f"Unknown value tag {key[1:]!r}; was the backup written by a newer version?")
    return obj


def decode_value(text: str | bytes) -> Any:
    """The value ``json.dumps(encode_value(v))`` came from."""
    return json.loads(text, object_hook=_decode_object)


def _json_line(record: Mapping[str, Any]) -> bytes:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


# --- keys and chunk framing ----------------------------------------------------------------------------


def _subkey(master: bytes, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(master)


def _chunk_aad(header_digest: bytes, number: int, final: bool) -> bytes:
    return header_digest + number.to_bytes(8, "big") + (b"\x01" if final else b"\x00")


def _nonce(number: int) -> bytes:
    return number.to_bytes(NONCE_BYTES, "big")


class _ChunkWriter:
    """Buffers plaintext and seals it in fixed-size chunks; the last one written by ``close`` is final."""

    def __init__(self, out: BinaryIO, key: bytes, header_digest: bytes, chunk_size: int) -> None:
        self._out, self._aead, self._digest, self._size = out, AESGCM(key), header_digest, chunk_size
        self._buffer = bytearray()
        self.chunks = 0

    def write(self, data: bytes) -> None:
        self._buffer += data
        while len(self._buffer) > self._size:
            self._seal(bytes(self._buffer[: self._size]), final=False)
            del self._buffer[: self._size]

    def close(self) -> None:
        self._seal(bytes(self._buffer), final=True)
        self._buffer.clear()

    def _seal(self, plaintext: bytes, *, final: bool) -> None:
        self.chunks += 1
        sealed = self._aead.encrypt(
            _nonce(self.chunks), plaintext, _chunk_aad(self._digest, self.chunks, final)
        )
        self._out.write(_LENGTH.pack(len(sealed)) + sealed)


@dataclass
class _Section:
    count: int = 0
    sha256: Any = field(default_factory=hashlib.sha256)

    def add(self, line: bytes) -> None:
        self.count += 1
        self.sha256.update(line)

    def summary(self) -> dict[str, Any]:
        return {"count": self.count, "sha256": self.sha256.hexdigest()}


# --- writing -------------------------------------------------------------------------------------------


def write_backup(
    path: Path | str,
    passphrase: str,
    collections: Iterable[tuple[str, Iterable[Mapping[str, Any]]]],
    blobs: Iterable[tuple[str, bytes]] = (),
    *,
    kdf: ScryptParams | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    created_at: datetime | None = None,
) -> BackupReport:
    """Write the archive to ``path`` (via ``<path>.partial`` and a rename, so no half file is left)."""
    if not 0 < chunk_size <= MAX_CHUNK_SIZE:
        raise ValueError(f"Chunk size must be between 1 and {MAX_CHUNK_SIZE} bytes, not {chunk_size}.")
    params = kdf or ScryptParams()
    salt = os.urandom(SALT_BYTES)
    master = params.derive(passphrase, salt)
    created = (created_at or wall_now()).astimezone(UTC)
    header = json.dumps(
        {
            "format": FORMAT_VERSION,
            "created_at": created.isoformat(timespec="microseconds"),
            "chunk_size": chunk_size,
            "kdf": {"name": "scrypt", **params.as_dict(), "salt": base64.b64encode(salt).decode("ascii")},
            "key_check": base64.b64encode(_subkey(master, _CHECK_INFO, KEY_CHECK_BYTES)).decode("ascii"),
        },
        sort_keys=True,
        separators=(",", ":"),
    ).encode("utf-8")
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    try:
        with os.fdopen(create_private(partial), "wb") as out:  # owner-only: it holds every record
            out.write(MAGIC + bytes([FORMAT_VERSION]) + _LENGTH.pack(len(header)) + header)
            writer = _ChunkWriter(
                out, _subkey(master, _CHUNK_INFO, KEY_BYTES), hashlib.sha256(header).digest(), chunk_size
            )
            manifest = _write_records(writer, collections, blobs)
            writer.close()
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return BackupReport(
        format_version=FORMAT_VERSION,
        created_at=created,
        collections={name: section["count"] for name, section in manifest["collections"].items()},
        blobs=manifest["blobs"]["count"],
        chunks=writer.chunks,
    )


def _write_records(
    writer: _ChunkWriter,
    collections: Iterable[tuple[str, Iterable[Mapping[str, Any]]]],
    blobs: Iterable[tuple[str, bytes]],
) -> dict[str, Any]:
    sections: dict[str, _Section] = {}
    for name, documents in collections:
        if name in sections:
            raise ValueError(f"Collection {name!r} is given twice; a backup holds each collection once.")
        section = sections[name] = _Section()
        writer.write(_json_line({"kind": "collection", "name": name}))
        for index, document in enumerate(documents):
            line = _json_line({"kind": "document", "data": encode_value(document, f"{name}[{index}]")})
            section.add(line)
            writer.write(line)
    blob_section = _Section()
    for name, data in blobs:
        line = _json_line(
            {
                "kind": "blob",
                "name": name,
                "sha256": hashlib.sha256(data).hexdigest(),
                "data": encode_value(data),
            }
        )
        blob_section.add(line)
        writer.write(line)
    manifest = {
        "kind": "manifest",
        "collections": {name: section.summary() for name, section in sections.items()},
        "blobs": blob_section.summary(),
    }
    writer.write(_json_line(manifest))
    return manifest


# --- reading -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Header:
    created_at: datetime
    digest: bytes
    chunk_size: int
    chunk_key: bytes = field(repr=False)


def _open_header(source: BinaryIO, passphrase: str) -> _Header:
    fixed = source.read(len(MAGIC) + 1 + _LENGTH.size)
    if len(fixed) < len(MAGIC) or fixed[: len(MAGIC)] != MAGIC:
        raise BackupCorrupt("This is not a FIDUS backup file (the FIDUSBAK signature is missing).")
    if len(fixed) < len(MAGIC) + 1 + _LENGTH.size:
        raise BackupCorrupt("The backup is truncated inside its header.")
    if fixed[len(MAGIC)] != FORMAT_VERSION:
        raise BackupCorrupt(
            f"The backup has format version {fixed[len(MAGIC)]}; this version of FIDUS reads version "
            f"{FORMAT_VERSION}. Use a matching FIDUS version to restore it."
        )
    (length,) = _LENGTH.unpack(fixed[len(MAGIC) + 1 :])
    if length > MAX_HEADER_BYTES:
        raise BackupCorrupt("The backup header is damaged (impossible length).")
    raw = source.read(length)
    if len(raw) < length:
        raise BackupCorrupt("The backup is truncated inside its header.")
    try:
        header = json.loads(raw)
        kdf = header["kdf"]
        params = ScryptParams(n=int(kdf["n"]), r=int(kdf["r"]), p=int(kdf["p"]))
        salt = base64.b64decode(kdf["salt"])
        key_check = base64.b64decode(header["key_check"])
        chunk_size = int(header["chunk_size"])
        created_at = datetime.fromisoformat(header["created_at"])
    except (ValueError, KeyError, TypeError) as exc:
        raise BackupCorrupt(f"The backup header is damaged: {exc}") from exc
    if not 0 < chunk_size <= MAX_CHUNK_SIZE:
        raise BackupCorrupt("The backup header is damaged (impossible chunk size).")
    try:
        master = params.derive(passphrase, salt)
    except ValueError as exc:
        raise BackupCorrupt(f"The backup header has unusable key-derivation parameters: {exc}") from exc
    if not hmac.compare_digest(_subkey(master, _CHECK_INFO, KEY_CHECK_BYTES), key_check):
        raise WrongPassphrase("The passphrase does not open this backup.")
    return _Header(
        created_at=created_at,
        digest=hashlib.sha256(raw).digest(),
        chunk_size=chunk_size,
        chunk_key=_subkey(master, _CHUNK_INFO, KEY_BYTES),
    )


def _plaintext_chunks(source: BinaryIO, header: _Header) -> Iterator[bytes]:
    """Opened chunks in order; raises ``BackupCorrupt`` naming the chunk on truncation or alteration."""
    aead, number = AESGCM(header.chunk_key), 0
    while True:
        prefix = source.read(_LENGTH.size)
        where = f"chunk {number}" if number else "the header"
        if len(prefix) < _LENGTH.size:
            raise BackupCorrupt(f"The backup is truncated after {where}.")
        number += 1
        (length,) = _LENGTH.unpack(prefix)
        if not TAG_BYTES <= length <= header.chunk_size + TAG_BYTES:
            raise BackupCorrupt(f"The backup's chunk {number} was altered (impossible length).")
        sealed = source.read(length)
        if len(sealed) < length:
            raise BackupCorrupt(f"The backup is truncated after {where}.")
        for final in (False, True):
            try:
                plaintext = aead.decrypt(_nonce(number), sealed, _chunk_aad(header.digest, number, final))
                break
            except InvalidTag:
                continue
        else:
            raise BackupCorrupt(f"The backup's chunk {number} was altered (or chunks were reordered).")
        yield plaintext
        if final:
            if source.read(1):
                raise BackupCorrupt(f"The backup has unexpected data after its final chunk {number}.")
            return


def _lines(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Lines across chunk boundaries; only new bytes are searched, so a stored file's long line stays linear."""
    pending = bytearray()
    for chunk in chunks:
        cut, searched = 0, len(pending)  # ``pending`` holds no newline: it is the start of an unfinished line
        pending += chunk
        at = pending.find(b"\n", searched)
        while at != -1:
            yield bytes(pending[cut : at + 1])
            cut = at + 1
            at = pending.find(b"\n", cut)
        del pending[:cut]
    if pending:
        raise BackupCorrupt("The backup's content ends in the middle of a record.")


class _Scan:
    """One pass over an archive: ``records()`` yields everything, checked against the manifest at the end,
    and leaves what it counted on the instance."""

    def __init__(self, path: Path | str, passphrase: str) -> None:
        self._path, self._passphrase = Path(path), passphrase
        self.created_at: datetime | None = None
        self.chunks = 0
        self.collections: dict[str, int] = {}
        self.blobs = 0

    def _counted(self, chunks: Iterator[bytes]) -> Iterator[bytes]:
        for chunk in chunks:
            self.chunks += 1
            yield chunk

    def records(self) -> Iterator[DocumentRecord | BlobRecord]:
        with self._path.open("rb") as source:
            header = _open_header(source, self._passphrase)
            self.created_at = header.created_at
            sections: dict[str, _Section] = {}
            blob_section = _Section()
            current: str | None = None
            manifest: dict[str, Any] | None = None
            for line in _lines(self._counted(_plaintext_chunks(source, header))):
                if manifest is not None:
                    raise BackupCorrupt("The backup has records after its manifest.")
                record = decode_value(line)
                kind = record.get("kind") if isinstance(record, dict) else None
                if kind == "collection":
                    current = record["name"]
                    if current in sections:
                        raise BackupCorrupt(f"Collection {current!r} appears twice in the backup.")
                    sections[current] = _Section()
                elif kind == "document":
                    if current is None:
                        raise BackupCorrupt("The backup has a document before any collection.")
                    sections[current].add(line)
                    yield DocumentRecord(collection=current, document=record["data"])
                elif kind == "blob":
                    if hashlib.sha256(record["data"]).hexdigest() != record["sha256"]:
                        raise BackupCorrupt(f"Checksum mismatch for blob {record['name']!r}.")
                    blob_section.add(line)
                    yield BlobRecord(name=record["name"], data=record["data"])
                elif kind == "manifest":
                    manifest = record
                else:
                    raise BackupCorrupt(f"The backup holds a record of unknown kind {kind!r}.")
            if manifest is None:
                raise BackupCorrupt("The backup has no manifest; it was not written to the end.")
            _check_manifest(manifest, sections, blob_section)
            self.collections = {name: section.count for name, section in sections.items()}
            self.blobs = blob_section.count


def _check_manifest(manifest: Mapping[str, Any], sections: Mapping[str, _Section], blobs: _Section) -> None:
    listed = manifest.get("collections", {})
    for name in listed.keys() - sections.keys():
        raise BackupCorrupt(f"Collection {name!r} is listed in the manifest but missing from the backup.")
    for name, section in sections.items():
        expected = listed.get(name)
        if expected is None:
            raise BackupCorrupt(f"Collection {name!r} is in the backup but not in its manifest.")
        if expected["count"] != section.count:
            raise BackupCorrupt(
                f"Manifest count mismatch for collection {name}: {expected['count']} listed, "
                f"{section.count} found."
            )
        if expected["sha256"] != section.sha256.hexdigest():
            raise BackupCorrupt(f"Manifest checksum mismatch for collection {name}.")
    if manifest.get("blobs") != blobs.summary():
        raise BackupCorrupt("Manifest count or checksum mismatch for the stored documents (blobs).")


def read_backup(path: Path | str, passphrase: str) -> Iterator[DocumentRecord | BlobRecord]:
    """Stream the archive's documents (decoded) and blobs, in the order written.

    Raises ``WrongPassphrase`` before yielding anything; ``BackupCorrupt`` where damage is found, which
    for a manifest mismatch is after the last record: treat the data as valid only once exhausted.
    """
    return _Scan(path, passphrase).records()


def verify_backup(path: Path | str, passphrase: str) -> BackupReport:
    """Open and check every chunk, record and checksum without keeping the data; what the archive holds."""
    scan = _Scan(path, passphrase)
    for _ in scan.records():
        pass
    assert scan.created_at is not None
    return BackupReport(
        format_version=FORMAT_VERSION,
        created_at=scan.created_at,
        collections=scan.collections,
        blobs=scan.blobs,
        chunks=scan.chunks,
    )
