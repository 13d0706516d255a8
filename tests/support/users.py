"""The passwords test users sign in with (long and uncommon enough for the policy) and their TOTP codes."""

from __future__ import annotations

from datetime import datetime

import pyotp

ADMIN_PASSWORD = "correct horse battery staple 42"
USER_PASSWORD = "violet kettle under moonlight"
NEW_PASSWORD = "seven lanterns drift east"


def totp_code(secret: str, at: datetime) -> str:
    return pyotp.TOTP(secret).at(at)
