"""The second sign-in factor as the user service applies it: pending challenges and code checks.

The primitives (TOTP, recovery codes) live in ``security.totp``; this module decides what a code means for a
stored user document — which step or recovery hash to store so the same code never works twice.

The TOTP secret is kept in the user document (``totp_secret``). It is not encrypted yet (there is no
workstation data key at sign-in time, before anyone has unlocked one); it is protected by database access
control and is never written to the audit trail, logs or exports (``users.SECRET_FIELDS``).
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from argon2 import PasswordHasher

from fidus_desktop.security import totp
from fidus_desktop.store.port import Document

CHALLENGE_MINUTES = 5
_BASE32 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


class ChallengeExpired(Exception):
    """The password step is too old or unknown; the user must start the sign-in again."""


@dataclass(frozen=True)
class MfaChallenge:
    """Proof that the password step succeeded; pass it to ``UserService.complete_mfa`` with the code."""

    user_id: str
    username: str
    expires_at: datetime
    token: str = field(repr=False)


class ChallengeBook:
    """The challenges this process issued and not yet used (thread-safe: sign-in runs in workers)."""

    def __init__(self) -> None:
        self._open: dict[str, MfaChallenge] = {}
        self._lock = threading.Lock()

    def issue(self, user_id: str, username: str, now: datetime) -> MfaChallenge:
        challenge = MfaChallenge(user_id, username, now + timedelta(minutes=CHALLENGE_MINUTES), secrets.token_urlsafe())
        with self._lock:
            self._open = {t: c for t, c in self._open.items() if c.expires_at > now}
            self._open[challenge.token] = challenge
        return challenge

    def check(self, challenge: object, now: datetime) -> MfaChallenge:
        """The challenge as issued; ``ChallengeExpired`` if it is not one of ours or too old."""
        token = challenge.token if isinstance(challenge, MfaChallenge) else None
        with self._lock:
            issued = self._open.get(token) if isinstance(token, str) else None
        if issued is None or issued.expires_at <= now:
            raise ChallengeExpired("The sign-in took too long or was already completed; enter your password again.")
        return issued

    def close(self, challenge: MfaChallenge) -> None:
        with self._lock:
            self._open.pop(challenge.token, None)


@dataclass(frozen=True)
class SecondFactorUse:
    """A code that was accepted: what to store so it cannot be used again, and extra audit actions."""

    changes: Document
    actions: tuple[str, ...] = ()


def check_code(doc: Document, code: str, *, at: datetime, hasher: PasswordHasher) -> SecondFactorUse | None:
    """Accept a TOTP code (after the last used step) or an unused recovery code; None if neither."""
    secret = doc.get("totp_secret")
    if not secret:
        return None
    digits = "".join(code.split())
    if digits.isdigit():
        step = totp.verify_totp(secret, digits, last_timestep=doc.get("totp_last_step"), at=at)
        return None if step is None else SecondFactorUse({"totp_last_step": step})
    remaining = totp.consume_recovery_code(doc.get("recovery_codes") or [], code, hasher=hasher)
    return None if remaining is None else SecondFactorUse({"recovery_codes": remaining}, ("user.recovery_code_used",))


def is_totp_secret(value: object) -> bool:
    """Whether ``value`` looks like a secret ``security.totp.new_totp_secret`` made (guards enrolment input)."""
    return isinstance(value, str) and len(value) == 32 and set(value) <= _BASE32
