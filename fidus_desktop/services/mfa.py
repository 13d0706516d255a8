"""The second sign-in factor as the user service applies it: pending challenges and code checks.

The primitives (TOTP, recovery codes) live in ``security.totp``; this module decides what a code means for a
stored user document — which step or recovery hash to store so the same code never works twice.

The TOTP secret is kept in the user document only wrapped under a key derived from the user's password
(``totp_wrapped``, see ``security.totp.wrap_secret``); the office data key cannot be used because a workstation
that is not enrolled yet must still let an administrator sign in. ``authenticate`` unwraps it (the password is
at hand there) and the ``ChallengeBook`` holds it, in this process only, until ``complete_mfa`` or expiry.
Secrets enrolled before wrapping existed were moved by schema migration 2 to ``legacy_totp_secret`` (clear);
the next successful sign-in wraps them and removes the clear copy (``OpenedSecret.rewrap``).
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from argon2 import PasswordHasher

from fidus_desktop.errors import UserError
from fidus_desktop.security import totp
from fidus_desktop.security.crypto import ScryptParams
from fidus_desktop.store.port import Document

CHALLENGE_MINUTES = 5
_BASE32 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
WRAPPED = "totp_wrapped"
LEGACY = "legacy_totp_secret"  # clear secrets from before wrapping, until their next sign-in
ENROLMENT_FIELDS = (WRAPPED, LEGACY, "totp_last_step", "recovery_codes", "mfa_enrolled_at")


class ChallengeExpired(UserError):
    """The password step is too old or unknown; the user must start the sign-in again."""


@dataclass(frozen=True)
class MfaChallenge:
    """Proof that the password step succeeded; pass it to ``UserService.complete_mfa`` with the code."""

    user_id: str
    username: str
    expires_at: datetime
    token: str = field(repr=False)


@dataclass(frozen=True)
class OpenedSecret:
    """The TOTP secret unwrapped with the password, and the stored form it came from.

    ``rewrap`` holds the wrapped form to store when the secret was still a clear legacy one; ``stored`` lets
    ``complete_mfa`` notice that the enrolment changed (reset, re-enrolled) since the password step.
    """

    secret: str = field(repr=False)
    stored: object = field(repr=False)
    rewrap: Document | None = field(default=None, repr=False)


@dataclass(frozen=True)
class PendingSignIn:
    """An issued challenge with the secret it may be answered against (never leaves this process)."""

    challenge: MfaChallenge
    opened: OpenedSecret


class ChallengeBook:
    """The challenges this process issued and not yet used (thread-safe: sign-in runs in workers)."""

    def __init__(self) -> None:
        self._open: dict[str, PendingSignIn] = {}
        self._lock = threading.Lock()

    def issue(self, user_id: str, username: str, now: datetime, opened: OpenedSecret) -> MfaChallenge:
        challenge = MfaChallenge(user_id, username, now + timedelta(minutes=CHALLENGE_MINUTES), secrets.token_urlsafe())
        with self._lock:
            self._open = {t: p for t, p in self._open.items() if p.challenge.expires_at > now}
            self._open[challenge.token] = PendingSignIn(challenge, opened)
        return challenge

    def check(self, challenge: object, now: datetime) -> PendingSignIn:
        """The challenge as issued; ``ChallengeExpired`` if it is not one of ours or too old."""
        token = challenge.token if isinstance(challenge, MfaChallenge) else None
        with self._lock:
            pending = self._open.get(token) if isinstance(token, str) else None
        if pending is None or pending.challenge.expires_at <= now:
            raise ChallengeExpired("The sign-in took too long or was already completed; enter your password again.")
        return pending

    def close(self, challenge: MfaChallenge) -> None:
        with self._lock:
            self._open.pop(challenge.token, None)


def enrolled(doc: Document) -> bool:
    """Whether the user has an authenticator (wrapped, or a legacy clear secret not yet wrapped)."""
    return bool(doc.get(WRAPPED) or doc.get(LEGACY))


def _secret(doc: Document, password: str) -> str:
    wrapped = doc.get(WRAPPED)
    return totp.unwrap_secret(wrapped, password, doc["_id"]) if wrapped else doc[LEGACY]


def open_secret(doc: Document, password: str, kdf: ScryptParams | None) -> OpenedSecret:
    """The user's secret, the password already verified; a legacy clear secret comes with its wrap to store."""
    secret = _secret(doc, password)
    rewrap = None if doc.get(WRAPPED) else totp.wrap_secret(secret, password, doc["_id"], kdf=kdf)
    return OpenedSecret(secret, doc.get(WRAPPED) or doc[LEGACY], rewrap)


def still_enrolled(doc: Document, opened: OpenedSecret) -> bool:
    """Whether ``doc`` still holds the enrolment ``opened`` came from (not reset or replaced meanwhile)."""
    return (doc.get(WRAPPED) or doc.get(LEGACY)) == opened.stored


def rewrapped(
    doc: Document, old_password: str, new_password: str, kdf: ScryptParams | None
) -> tuple[Document, tuple[str, ...]]:
    """Changes and fields to unset that re-wrap the secret under a new password; nothing when not enrolled."""
    if not enrolled(doc):
        return {}, ()
    secret = totp.wrap_secret(_secret(doc, old_password), new_password, doc["_id"], kdf=kdf)
    return {WRAPPED: secret}, ((LEGACY,) if LEGACY in doc else ())


@dataclass(frozen=True)
class SecondFactorUse:
    """A code that was accepted: what to store so it cannot be used again, and extra audit actions."""

    changes: Document
    actions: tuple[str, ...] = ()
    unset: tuple[str, ...] = ()

    def wrapping(self, opened: OpenedSecret) -> SecondFactorUse:
        """This use plus, for a legacy clear secret, storing its wrap and dropping the clear copy."""
        if opened.rewrap is None:
            return self
        return SecondFactorUse({**self.changes, WRAPPED: opened.rewrap}, (*self.actions, "user.mfa_wrapped"), (LEGACY,))


def check_code(
    doc: Document, opened: OpenedSecret, code: str, *, at: datetime, hasher: PasswordHasher
) -> SecondFactorUse | None:
    """Accept a TOTP code (after the last used step) or an unused recovery code; None if neither."""
    digits = "".join(code.split())
    if digits.isdigit():
        step = totp.verify_totp(opened.secret, digits, last_timestep=doc.get("totp_last_step"), at=at)
        return None if step is None else SecondFactorUse({"totp_last_step": step}).wrapping(opened)
    remaining = totp.consume_recovery_code(doc.get("recovery_codes") or [], code, hasher=hasher)
    if remaining is None:
        return None
    return SecondFactorUse({"recovery_codes": remaining}, ("user.recovery_code_used",)).wrapping(opened)


def is_totp_secret(value: object) -> bool:
    """Whether ``value`` looks like a secret ``security.totp.new_totp_secret`` made (guards enrolment input)."""
    return isinstance(value, str) and len(value) == 32 and set(value) <= _BASE32
