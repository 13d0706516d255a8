"""Handing the data key to one workstation without the office passphrase: sealed to that workstation's own key.

The workstation asking for the key makes an X25519 key pair and keeps the private half in its keyring; only the
public half goes into the database. An administrator on an enrolled workstation seals each data key to it
(ephemeral X25519 → HKDF-SHA256 → AES-256-GCM, the request and key ids as associated data), so the sealed copy
in the database opens only on the asking workstation. Someone who can write the database could swap in their
own public key before the approval; the fingerprint (SHA-256 of the public key, shown on the asking
workstation and typed by the approver) catches that.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from fidus_desktop.security.crypto import DataKey, DecryptionError

_INFO = b"fidus workstation key transfer v1"
_RAW = serialization.Encoding.Raw


@dataclass(frozen=True)
class TransferKeyPair:
    """The asking workstation's key pair; ``private`` stays in its keyring, never in the database."""

    public: bytes
    private: bytes = field(repr=False)


def new_key_pair() -> TransferKeyPair:
    private = X25519PrivateKey.generate()
    return TransferKeyPair(
        private.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw),
        private.private_bytes(_RAW, serialization.PrivateFormat.Raw, serialization.NoEncryption()),
    )


def fingerprint(public: bytes) -> str:
    """What the approver compares: 80 bits of SHA-256 of the public key, in five groups of four hex digits."""
    digest = hashlib.sha256(b"fidus transfer key\x00" + public).hexdigest()[:20].upper()
    return "-".join(digest[i : i + 4] for i in range(0, 20, 4))


def same_fingerprint(typed: str, expected: str) -> bool:
    """Spaces, dashes and case do not matter when the approver types it."""
    def norm(text: str) -> str:
        return "".join(ch for ch in text.upper() if ch.isalnum())
    return isinstance(typed, str) and norm(typed) == norm(expected)


def _cipher_key(shared: bytes, salt: bytes) -> AESGCM:
    return AESGCM(HKDF(hashes.SHA256(), 32, salt, _INFO).derive(shared))


def seal_to(public: bytes, key: DataKey, *, context: str) -> dict[str, str]:
    """``key`` sealed so that only the holder of the private half of ``public`` opens it (with ``context``)."""
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = ephemeral.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(public))
    nonce = hashlib.sha256(ephemeral_public + public).digest()[:12]  # unique: the ephemeral key is fresh
    sealed = _cipher_key(shared, ephemeral_public + public).encrypt(
        nonce, key.material, f"{context}\x00{key.key_id}".encode())
    return {"key_id": key.key_id, "ephemeral": _b64(ephemeral_public), "sealed": _b64(sealed)}


def open_sealed(pair: TransferKeyPair, sealed: dict[str, str], *, context: str) -> DataKey:
    """The data key from ``seal_to``; ``DecryptionError`` if it was altered or sealed to another key."""
    try:
        ephemeral_public = _unb64(sealed["ephemeral"])
        shared = X25519PrivateKey.from_private_bytes(pair.private).exchange(
            X25519PublicKey.from_public_bytes(ephemeral_public))
        nonce = hashlib.sha256(ephemeral_public + pair.public).digest()[:12]
        material = _cipher_key(shared, ephemeral_public + pair.public).decrypt(
            nonce, _unb64(sealed["sealed"]), f"{context}\x00{sealed['key_id']}".encode())
        return DataKey(sealed["key_id"], material)
    except (InvalidTag, KeyError, ValueError, TypeError) as exc:
        raise DecryptionError(f"The data key sent to this workstation does not open ({type(exc).__name__}): it "
                              "was altered or sealed for another workstation. Ask for enrolment again.") from None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text.encode("ascii"))
