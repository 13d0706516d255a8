"""Password policy and argon2id password hashing.

Policy (NIST SP 800-63B style: length and a deny-list, no composition rules, which only push people to
``Password1!``): at least 12 characters, at most 1024 (bounds the hashing work an attacker can request),
not in the shipped common-password list (case-insensitive) and not containing the username.

Hashing: argon2id with the parameters below (RFC 9106's second recommended option, about 50-100 ms and
64 MiB on an office workstation). Passwords are NFKC-normalised before hashing and checking so that the
same password typed on a different keyboard layout or input method still matches. Stored hashes are PHC
strings (``$argon2id$v=19$m=65536,t=3,p=4$salt$hash``) that carry their own parameters, so raising the
parameters later only needs ``needs_rehash`` after a successful login.
"""

from __future__ import annotations

import unicodedata
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from fidus_desktop.security.resources import resources_dir

MIN_LENGTH = 12
MAX_LENGTH = 1024
MIN_USERNAME_LENGTH_CHECKED = 3
COMMON_PASSWORDS_FILE = "common-passwords.txt"

ARGON2_TIME_COST = 3
ARGON2_MEMORY_COST_KIB = 64 * 1024
ARGON2_PARALLELISM = 4
ARGON2_HASH_LEN = 32
ARGON2_SALT_LEN = 16

DEFAULT_HASHER = PasswordHasher(
    time_cost=ARGON2_TIME_COST,
    memory_cost=ARGON2_MEMORY_COST_KIB,
    parallelism=ARGON2_PARALLELISM,
    hash_len=ARGON2_HASH_LEN,
    salt_len=ARGON2_SALT_LEN,
)


def _normalise(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


@cache
def common_passwords() -> frozenset[str]:
    """The deny-list, lower-cased; read once, on first use (no I/O at import time)."""
    path = resources_dir() / COMMON_PASSWORDS_FILE
    with path.open(encoding="utf-8") as lines:
        return frozenset(
            line.strip().casefold() for line in lines if line.strip() and not line.startswith("#")
        )


def check_password_policy(password: str, username: str | None = None) -> list[str]:
    """Every way ``password`` breaks the policy, as sentences for the user; empty when acceptable."""
    problems: list[str] = []
    candidate = _normalise(password)
    folded = candidate.casefold()
    if len(candidate) < MIN_LENGTH:
        problems.append(
            f"The password has {len(candidate)} characters; use at least {MIN_LENGTH} "
            "(a few unrelated words make a long password that is easy to remember)."
        )
    if len(candidate) > MAX_LENGTH:
        problems.append(f"The password has {len(candidate)} characters; use at most {MAX_LENGTH}.")
    if folded in common_passwords():
        problems.append("The password is in the list of commonly used passwords; choose a less common one.")
    if username is not None:
        name = _normalise(username).strip().casefold()
        if len(name) >= MIN_USERNAME_LENGTH_CHECKED and name in folded:
            problems.append("The password contains the username; choose one that does not.")
    return problems


def hash_password(password: str, *, hasher: PasswordHasher = DEFAULT_HASHER) -> str:
    """The argon2id PHC string to store for ``password`` (random salt each time)."""
    return hasher.hash(_normalise(password))


def verify(stored_hash: str, password: str, *, hasher: PasswordHasher = DEFAULT_HASHER) -> bool:
    """Whether ``password`` matches ``stored_hash``; False (never an exception) on mismatch or a bad hash.

    A corrupt stored hash must not become a login crash or an oracle; it simply does not match.
    """
    try:
        return hasher.verify(stored_hash, _normalise(password))
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str, *, hasher: PasswordHasher = DEFAULT_HASHER) -> bool:
    """Whether ``stored_hash`` was made with other parameters than ``hasher``'s: rehash after a good login."""
    try:
        return hasher.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True
