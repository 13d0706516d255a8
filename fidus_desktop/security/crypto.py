"""Encryption of personal data at rest: AES-256-GCM fields and blobs, passphrase-wrapped data keys and
blind indexes for looking encrypted values up.

Key hierarchy::

    passphrase ──scrypt(salt, n=2**15, r=8, p=1)──► KEK (never stored)
    KEK ──AES-256-GCM wrap──► WrappedKey {key_id, salt, nonce, ciphertext}  (stored in the database)
    DataKey (32 random bytes, key_id) ──AES-256-GCM──► field tokens and document blobs
    DataKey ──HKDF-SHA256("fidus blind index v1")──► HMAC key ──► blind indexes

Every ciphertext names the ``key_id`` of the data key it needs, so after a rotation old values stay
readable while both keys are loaded, and a value whose key is gone fails with an error that names it.
The associated data binds a field token to its context (``"investor.national_id"``): a ciphertext copied
into another field, or under another key id, does not decrypt.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from fidus_desktop.errors import UserError

KEY_BYTES = 32
NONCE_BYTES = 12
SALT_BYTES = 16
KEY_ID_BYTES = 8
FIELD_TOKEN_VERSION = "v1"  # noqa: S105 - a format tag, not a secret
BLOB_MAGIC = b"FIDUSBLOB1"
WRAP_VERSION = 1
MAX_SCRYPT_N = 2**20
_FIELD_AAD = b"fidus-field-v1"
_BLOB_AAD = b"fidus-blob-v1"
_WRAP_AAD = b"fidus-wrapped-key-v1"
_BLIND_INDEX_INFO = b"fidus blind index v1"
_TEXT, _BYTES = b"s", b"b"


class CryptoError(UserError):
    """Base of the errors raised here."""


class DecryptionError(CryptoError):
    """A field or blob could not be decrypted: wrong or missing key, wrong context, or altered data."""


class WrongPassphrase(CryptoError):
    """A passphrase did not unlock what it was asked to unlock."""


@dataclass(frozen=True, slots=True)
class ScryptParams:
    """scrypt cost: n=2**15, r=8, p=1 uses 32 MiB and ~0.1 s, OWASP's minimum for interactive unlocks.

    Tests pass cheaper parameters explicitly; the defaults are never lowered.
    """

    n: int = 2**15
    r: int = 8
    p: int = 1

    def __post_init__(self) -> None:
        # Parameters are read back from files and records: bound them so a crafted header cannot ask
        # for gigabytes of memory or hours of work.
        if not (2 <= self.n <= MAX_SCRYPT_N and self.n & (self.n - 1) == 0):
            raise ValueError(f"scrypt n must be a power of two between 2 and {MAX_SCRYPT_N}, not {self.n}.")
        if not (1 <= self.r <= 32 and 1 <= self.p <= 16):
            raise ValueError(f"scrypt r={self.r}, p={self.p} are out of range (r 1-32, p 1-16).")

    def derive(self, passphrase: str, salt: bytes) -> bytes:
        """A 32-byte key from ``passphrase`` (UTF-8) and ``salt``."""
        kdf = Scrypt(salt=salt, length=KEY_BYTES, n=self.n, r=self.r, p=self.p)
        return kdf.derive(passphrase.encode("utf-8"))

    def as_dict(self) -> dict[str, int]:
        return {"n": self.n, "r": self.r, "p": self.p}


@dataclass(frozen=True, slots=True)
class DataKey:
    """A 256-bit AES key and the id that ciphertexts use to name it. ``repr`` never shows the key."""

    key_id: str
    material: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.material) != KEY_BYTES:
            raise ValueError(f"A data key has {KEY_BYTES} bytes, not {len(self.material)}.")
        if not self.key_id or ":" in self.key_id:
            raise ValueError("A data key id must be non-empty and contain no ':'.")

    @classmethod
    def generate(cls) -> DataKey:
        return cls(key_id=secrets.token_hex(KEY_ID_BYTES), material=secrets.token_bytes(KEY_BYTES))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text.encode("ascii"))


def _pick_key(keys: DataKey | Collection[DataKey], key_id: str, what: str) -> DataKey:
    candidates = [keys] if isinstance(keys, DataKey) else list(keys)
    for key in candidates:
        if key.key_id == key_id:
            return key
    available = ", ".join(sorted(key.key_id for key in candidates)) or "none"
    raise DecryptionError(
        f"The {what} was encrypted with data key {key_id!r}, which is not loaded (loaded: {available}). "
        "Load that key (it may have been rotated out) or restore it from a backup."
    )


def _aad(domain: bytes, key_id: str, context: str) -> bytes:
    return b"\x00".join((domain, key_id.encode("utf-8"), context.encode("utf-8")))


def encrypt_field(key: DataKey, plaintext: str | bytes, *, context: str) -> str:
    """A ``v1:<key_id>:<base64(nonce + ciphertext)>`` token; decrypting gives back the same type."""
    tag = _TEXT if isinstance(plaintext, str) else _BYTES
    data = plaintext.encode("utf-8") if isinstance(plaintext, str) else plaintext
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = AESGCM(key.material).encrypt(nonce, tag + data, _aad(_FIELD_AAD, key.key_id, context))
    return f"{FIELD_TOKEN_VERSION}:{key.key_id}:{_b64(nonce + sealed)}"


def field_key_id(token: str) -> str:
    """The id of the data key ``token`` needs (to find values still under a rotated-out key)."""
    return _split_token(token)[0]


def _split_token(token: str) -> tuple[str, bytes]:
    parts = token.split(":")
    if len(parts) != 3 or parts[0] != FIELD_TOKEN_VERSION:
        raise DecryptionError(
            f"This is not a {FIELD_TOKEN_VERSION} encrypted field token (expected '{FIELD_TOKEN_VERSION}:"
            "<key id>:<data>'); it may be plain text or written by a newer version."
        )
    try:
        body = _unb64(parts[2])
    except ValueError as exc:
        raise DecryptionError(
            "The encrypted field token's data is not valid base64; it was altered."
        ) from exc
    return parts[1], body


def decrypt_field(keys: DataKey | Collection[DataKey], token: str, *, context: str) -> str | bytes:
    """The plaintext of ``token``; ``DecryptionError`` names the cause (missing key, altered, context)."""
    key_id, body = _split_token(token)
    key = _pick_key(keys, key_id, "field")
    try:
        opened = AESGCM(key.material).decrypt(
            body[:NONCE_BYTES], body[NONCE_BYTES:], _aad(_FIELD_AAD, key_id, context)
        )
    except (InvalidTag, ValueError) as exc:
        raise DecryptionError(
            f"The encrypted field does not open as {context!r} with data key {key_id!r}: it was altered, "
            "or copied from another field."
        ) from exc
    return opened[1:].decode("utf-8") if opened[:1] == _TEXT else opened[1:]


def encrypt_blob(key: DataKey, data: bytes, *, context: str) -> bytes:
    """A stored document's bytes encrypted: ``FIDUSBLOB1 | len(key_id) | key_id | nonce | ciphertext``."""
    key_id = key.key_id.encode("utf-8")
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = AESGCM(key.material).encrypt(nonce, data, _aad(_BLOB_AAD, key.key_id, context))
    return BLOB_MAGIC + bytes([len(key_id)]) + key_id + nonce + sealed


def decrypt_blob(keys: DataKey | Collection[DataKey], blob: bytes, *, context: str) -> bytes:
    """The bytes ``encrypt_blob`` sealed under ``context``; ``DecryptionError`` otherwise."""
    if not blob.startswith(BLOB_MAGIC) or len(blob) <= len(BLOB_MAGIC):
        raise DecryptionError("This is not an encrypted FIDUS document (missing FIDUSBLOB1 header).")
    start = len(BLOB_MAGIC) + 1
    end = start + blob[len(BLOB_MAGIC)]
    key_id = blob[start:end].decode("utf-8", errors="replace")
    key = _pick_key(keys, key_id, "document")
    nonce, sealed = blob[end : end + NONCE_BYTES], blob[end + NONCE_BYTES :]
    try:
        return AESGCM(key.material).decrypt(nonce, sealed, _aad(_BLOB_AAD, key_id, context))
    except (InvalidTag, ValueError) as exc:
        raise DecryptionError(
            f"The encrypted document does not open as {context!r} with data key {key_id!r}: it was "
            "altered, truncated or belongs to another record."
        ) from exc


@dataclass(frozen=True, slots=True)
class WrappedKey:
    """A data key encrypted under a passphrase-derived KEK; safe to store, useless without the passphrase."""

    key_id: str
    salt: bytes
    nonce: bytes
    ciphertext: bytes
    kdf: ScryptParams = ScryptParams()

    def _aad(self) -> bytes:
        params = f"scrypt:{self.kdf.n}:{self.kdf.r}:{self.kdf.p}".encode("ascii")
        return b"\x00".join((_WRAP_AAD, self.key_id.encode("utf-8"), params))

    def to_dict(self) -> dict[str, str | int]:
        """Plain str/int values for any database."""
        return {
            "version": WRAP_VERSION,
            "key_id": self.key_id,
            "kdf": "scrypt",
            **{f"scrypt_{name}": value for name, value in self.kdf.as_dict().items()},
            "salt": _b64(self.salt),
            "nonce": _b64(self.nonce),
            "ciphertext": _b64(self.ciphertext),
        }

    @classmethod
    def from_dict(cls, stored: Mapping[str, Any]) -> WrappedKey:
        if stored.get("version") != WRAP_VERSION or stored.get("kdf") != "scrypt":
            raise CryptoError(
                f"Unsupported wrapped key (version {stored.get('version')!r}, kdf {stored.get('kdf')!r}); "
                f"this version reads version {WRAP_VERSION} with scrypt."
            )
        try:
            return cls(
                key_id=str(stored["key_id"]),
                salt=_unb64(stored["salt"]),
                nonce=_unb64(stored["nonce"]),
                ciphertext=_unb64(stored["ciphertext"]),
                kdf=ScryptParams(
                    n=int(stored["scrypt_n"]), r=int(stored["scrypt_r"]), p=int(stored["scrypt_p"])
                ),
            )
        except (KeyError, ValueError) as exc:
            raise CryptoError(f"The stored wrapped key is incomplete or damaged: {exc}") from exc


def wrap_data_key(data_key: DataKey, passphrase: str, *, kdf: ScryptParams | None = None) -> WrappedKey:
    """``data_key`` encrypted under a KEK derived from ``passphrase`` with a fresh random salt."""
    params = kdf or ScryptParams()
    salt = secrets.token_bytes(SALT_BYTES)
    nonce = secrets.token_bytes(NONCE_BYTES)
    draft = WrappedKey(key_id=data_key.key_id, salt=salt, nonce=nonce, ciphertext=b"", kdf=params)
    sealed = AESGCM(params.derive(passphrase, salt)).encrypt(nonce, data_key.material, draft._aad())
    return WrappedKey(key_id=data_key.key_id, salt=salt, nonce=nonce, ciphertext=sealed, kdf=params)


def unwrap_data_key(wrapped: WrappedKey, passphrase: str) -> DataKey:
    """The data key; ``WrongPassphrase`` if the passphrase (or the stored record) is not the right one."""
    kek = wrapped.kdf.derive(passphrase, wrapped.salt)
    try:
        material = AESGCM(kek).decrypt(wrapped.nonce, wrapped.ciphertext, wrapped._aad())
    except InvalidTag as exc:
        raise WrongPassphrase(
            f"The passphrase does not unlock data key {wrapped.key_id!r} (or its stored record was altered)."
        ) from exc
    return DataKey(key_id=wrapped.key_id, material=material)


def _iban(value: str | date) -> str:
    return "".join(str(value).split()).upper()


def _national_id(value: str | date) -> str:
    return "".join(ch for ch in str(value) if not ch.isspace() and ch != "-").upper()


def _email(value: str | date) -> str:
    return str(value).strip().lower()


def _iso_date(value: str | date) -> str:
    if isinstance(value, datetime):
        raise ValueError("A blind index of kind 'date' takes a date, not a datetime.")
    if isinstance(value, date):
        return value.isoformat()
    return date.fromisoformat(value.strip()).isoformat()


NORMALISERS: dict[str, Callable[[str | date], str]] = {
    "iban": _iban,
    "national_id": _national_id,
    "email": _email,
    "date": _iso_date,
}


def blind_index(key: DataKey, value: str | date, *, kind: str) -> str:
    """HMAC-SHA256 (hex) of the normalised ``value``: equal values give equal indexes, for exact lookups.

    The HMAC key is derived from the data key with HKDF so it differs from the encryption key; the kind
    is part of the message so an IBAN and a national id with the same characters do not collide.
    Rotating the data key means recomputing the indexes.
    """
    try:
        normalise = NORMALISERS[kind]
    except KeyError:
        raise ValueError(f"Unknown blind index kind {kind!r}; use one of {', '.join(NORMALISERS)}.") from None
    hmac_key = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=_BLIND_INDEX_INFO).derive(
        key.material
    )
    message = kind.encode("ascii") + b"\x00" + normalise(value).encode("utf-8")
    return hmac.new(hmac_key, message, hashlib.sha256).hexdigest()
