"""Cheap key-derivation parameters for tests. The product has no switch to these: tests pass or patch them in.

argon2 at the product's parameters costs 64 MiB and ~0.2 s per hash, scrypt ~0.2 s per derivation; with
hundreds of sign-ins and key unlocks that would be most of the suite's time. The root conftest puts
``CHEAP_HASHER`` in place of ``passwords.DEFAULT_HASHER`` for every test not marked ``product_crypto_cost``.
"""

from __future__ import annotations

from argon2 import PasswordHasher

from fidus_desktop.security.crypto import ScryptParams

CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
CHEAP_KDF = ScryptParams(n=2**4, r=1, p=1)
