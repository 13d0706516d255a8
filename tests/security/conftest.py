"""Cheap KDF and hashing parameters so the security tests stay fast; the defaults are tested separately."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from fidus_desktop.security.crypto import ScryptParams
from tests.support.cost import CHEAP_HASHER


@pytest.fixture
def fast_hasher() -> PasswordHasher:
    return CHEAP_HASHER


@pytest.fixture
def fast_kdf() -> ScryptParams:
    return ScryptParams(n=2**4, r=8, p=1)
