"""Second factor: TOTP (RFC 6238, 30 s steps, 6 digits, SHA-1: what every authenticator app supports)
and one-time recovery codes.

Replay protection: a code is accepted only for a time step later than the last step the user already
used, so a code seen over someone's shoulder cannot be replayed in the same 90-second window. The
caller stores the returned step with the user.

Recovery codes are 10 random characters from a 31-symbol alphabet without look-alikes (~49 bits each),
shown once as ``XXXX-XXXX-XX`` and stored only as argon2id hashes (the password hasher, so a stolen
user table does not hand out second factors). Input is forgiving: case, spaces and dashes are ignored.

The shared secret is stored only wrapped under a key derived from the user's password (``wrap_secret``):
scrypt with a per-wrap salt, AES-256-GCM, the user id and scrypt parameters as associated data. The office
data key cannot be used (a workstation that is not yet enrolled must still let an administrator sign in),
and the password is at hand exactly when the secret is needed: at sign-in and at a password change.
"""

from __future__ import annotations

import base64
import io
import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pyotp
import segno
from argon2 import PasswordHasher
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from fidus_desktop.clock import wall_now
from fidus_desktop.security.crypto import NONCE_BYTES, SALT_BYTES, CryptoError, DecryptionError, ScryptParams
from fidus_desktop.security.passwords import DEFAULT_HASHER, verify

ISSUER = "FIDUS Desktop"
DIGITS = 6
STEP_SECONDS = 30
VALID_WINDOW_STEPS = 1
RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
RECOVERY_GROUPS = (4, 4, 2)
WRAP_VERSION = 1
_WRAP_AAD = b"fidus-totp-secret-v1"


@dataclass(frozen=True, slots=True)
class TotpEnrolment:
    """What the enrolment dialog shows once; only ``secret`` is stored (encrypted) afterwards."""

    secret: str = field(repr=False)
    provisioning_uri: str = field(repr=False)
    qr_png: bytes = field(repr=False)


def new_totp_secret() -> str:
    """A random 160-bit base32 secret (RFC 4226's recommended length)."""
    return pyotp.random_base32(length=32)


def provisioning_uri(secret: str, account_name: str) -> str:
    """The ``otpauth://`` URI authenticator apps import, labelled ``FIDUS Desktop:<account_name>``."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=account_name, issuer_name=ISSUER
    )


def qr_png(uri: str, *, scale: int = 6) -> bytes:
    """``uri`` as a PNG QR code (error correction M, quiet zone included)."""
    buffer = io.BytesIO()
    segno.make_qr(uri, error="m").save(buffer, kind="png", scale=scale)
    return buffer.getvalue()


def enrol_totp(account_name: str) -> TotpEnrolment:
    """A new secret with its URI and QR code, for the user to scan and confirm with a first code."""
    secret = new_totp_secret()
    uri = provisioning_uri(secret, account_name)
    return TotpEnrolment(secret=secret, provisioning_uri=uri, qr_png=qr_png(uri))


def verify_totp(
    secret: str, code: str, *, last_timestep: int | None, at: datetime | None = None
) -> int | None:
    """The time step ``code`` is valid for (±1 step around ``at``/now, after ``last_timestep``), or None.

    Store the returned step as the user's new ``last_timestep``.
    """
    digits = "".join(code.split())
    if len(digits) != DIGITS or not digits.isdigit():
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    now = at or wall_now()  # the authenticator app's clock is the real one
    current = totp.timecode(now)
    for step in range(current - VALID_WINDOW_STEPS, current + VALID_WINDOW_STEPS + 1):
        if last_timestep is not None and step <= last_timestep:
            continue
        if secrets.compare_digest(totp.generate_otp(step), digits):
            return step
    return None


def _normalise_recovery_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch not in " -")


def _format_recovery_code(raw: str) -> str:
    parts, start = [], 0
    for size in RECOVERY_GROUPS:
        parts.append(raw[start : start + size])
        start += size
    return "-".join(parts)


def new_recovery_codes(
    count: int = RECOVERY_CODE_COUNT, *, hasher: PasswordHasher = DEFAULT_HASHER
) -> tuple[list[str], list[str]]:
    """``(codes to show the user once, hashes to store)``, in the same order."""
    length = sum(RECOVERY_GROUPS)
    codes = [
        _format_recovery_code("".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(length)))
        for _ in range(count)
    ]
    return codes, [hasher.hash(_normalise_recovery_code(code)) for code in codes]


def consume_recovery_code(
    stored_hashes: Sequence[str], code: str, *, hasher: PasswordHasher = DEFAULT_HASHER
) -> list[str] | None:
    """The hashes left after using ``code`` (store them), or None when ``code`` matches none.

    Each code works once because its hash is removed; the caller must save the returned list in the
    same transaction that logs the user in.
    """
    normalised = _normalise_recovery_code(code)
    if len(normalised) != sum(RECOVERY_GROUPS):
        return None
    for index, stored in enumerate(stored_hashes):
        if verify(stored, normalised, hasher=hasher):
            return [*stored_hashes[:index], *stored_hashes[index + 1 :]]
    return None


def _wrap_aad(user_id: str, kdf: ScryptParams) -> bytes:
    return b"\x00".join((_WRAP_AAD, user_id.encode("utf-8"), f"scrypt:{kdf.n}:{kdf.r}:{kdf.p}".encode("ascii")))


def _password_key(password: str, salt: bytes, kdf: ScryptParams) -> bytes:
    # NFKC as for the password hash: the same password typed with another input method opens the secret.
    return kdf.derive(unicodedata.normalize("NFKC", password), salt)


def wrap_secret(secret: str, password: str, user_id: str, *, kdf: ScryptParams | None = None) -> dict[str, str | int]:
    """``secret`` sealed under a key derived from ``password`` and bound to ``user_id``; plain str/int values."""
    params = kdf or ScryptParams()
    salt, nonce = secrets.token_bytes(SALT_BYTES), secrets.token_bytes(NONCE_BYTES)
    sealed = AESGCM(_password_key(password, salt, params)).encrypt(
        nonce, secret.encode("ascii"), _wrap_aad(user_id, params)
    )
    encode = base64.urlsafe_b64encode
    return {
        "version": WRAP_VERSION,
        "kdf": "scrypt",
        **{f"scrypt_{name}": value for name, value in params.as_dict().items()},
        "salt": encode(salt).decode("ascii"),
        "nonce": encode(nonce).decode("ascii"),
        "ciphertext": encode(sealed).decode("ascii"),
    }


def unwrap_secret(wrapped: dict[str, Any], password: str, user_id: str) -> str:
    """The secret ``wrap_secret`` sealed; ``DecryptionError`` for another password, user or an altered record."""
    if not isinstance(wrapped, dict) or wrapped.get("version") != WRAP_VERSION or wrapped.get("kdf") != "scrypt":
        raise CryptoError("The stored two-step sign-in secret has an unknown format; reset two-step sign-in.")
    try:
        params = ScryptParams(int(wrapped["scrypt_n"]), int(wrapped["scrypt_r"]), int(wrapped["scrypt_p"]))
        salt, nonce, sealed = (base64.urlsafe_b64decode(str(wrapped[k])) for k in ("salt", "nonce", "ciphertext"))
    except (KeyError, TypeError, ValueError) as exc:
        raise CryptoError(f"The stored two-step sign-in secret is incomplete or damaged: {exc}") from exc
    try:
        opened = AESGCM(_password_key(password, salt, params)).decrypt(nonce, sealed, _wrap_aad(user_id, params))
    except (InvalidTag, ValueError) as exc:
        raise DecryptionError(
            "The two-step sign-in secret does not open with this password for this user (or it was altered)."
        ) from exc
    return opened.decode("ascii")
