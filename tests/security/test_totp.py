from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pyotp
import pytest
from argon2 import PasswordHasher

from fidus_desktop.security.crypto import DecryptionError, ScryptParams
from fidus_desktop.security.totp import (
    consume_recovery_code,
    enrol_totp,
    new_recovery_codes,
    unwrap_secret,
    verify_totp,
    wrap_secret,
)

NOW = datetime(2024, 5, 17, 9, 30, 10, tzinfo=UTC)


def test_enrolment_gives_secret_uri_and_png() -> None:
    enrolment = enrol_totp("alice@fidus.example")
    assert re.fullmatch(r"[A-Z2-7]{32}", enrolment.secret)
    uri = urlparse(enrolment.provisioning_uri)
    assert uri.scheme == "otpauth"
    assert uri.netloc == "totp"
    query = parse_qs(uri.query)
    assert query["issuer"] == ["FIDUS Desktop"]
    assert query["secret"] == [enrolment.secret]
    assert "FIDUS%20Desktop:alice%40fidus.example" in uri.path
    assert enrolment.qr_png.startswith(b"\x89PNG\r\n\x1a\n")
    assert enrolment.secret not in repr(enrolment)


def test_current_code_is_accepted_and_returns_its_step() -> None:
    secret = pyotp.random_base32()
    totp = pyotp.TOTP(secret)
    step = verify_totp(secret, totp.at(NOW), last_timestep=None, at=NOW)
    assert step == totp.timecode(NOW)


def test_codes_one_step_either_side_are_accepted_two_are_not() -> None:
    secret = pyotp.random_base32()
    totp = pyotp.TOTP(secret)
    for offset, accepted in ((-60, False), (-30, True), (30, True), (60, False)):
        code = totp.at(NOW + timedelta(seconds=offset))
        assert (verify_totp(secret, code, last_timestep=None, at=NOW) is not None) is accepted, offset


def test_replayed_code_is_refused() -> None:
    secret = pyotp.random_base32()
    code = pyotp.TOTP(secret).at(NOW)
    step = verify_totp(secret, code, last_timestep=None, at=NOW)
    assert step is not None
    assert verify_totp(secret, code, last_timestep=step, at=NOW + timedelta(seconds=5)) is None
    earlier = pyotp.TOTP(secret).at(NOW - timedelta(seconds=30))
    assert verify_totp(secret, earlier, last_timestep=step, at=NOW) is None


def test_malformed_and_wrong_codes_are_refused() -> None:
    secret = pyotp.random_base32()
    good = pyotp.TOTP(secret).at(NOW)
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"
    for code in ("", "12345", "1234567", "abcdef", wrong):
        assert verify_totp(secret, code, last_timestep=None, at=NOW) is None
    assert verify_totp(secret, f" {good[:3]} {good[3:]} ", last_timestep=None, at=NOW) is not None


def test_recovery_codes_format_and_hashing(fast_hasher: PasswordHasher) -> None:
    codes, hashes = new_recovery_codes(hasher=fast_hasher)
    assert len(codes) == len(hashes) == 10 == len(set(codes))
    for code, stored in zip(codes, hashes, strict=True):
        assert re.fullmatch(r"[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{2}", code)
        assert stored.startswith("$argon2id$")
        assert code not in stored


def test_each_recovery_code_works_once(fast_hasher: PasswordHasher) -> None:
    codes, hashes = new_recovery_codes(hasher=fast_hasher)
    remaining = consume_recovery_code(hashes, codes[3].lower().replace("-", " "), hasher=fast_hasher)
    assert remaining is not None
    assert len(remaining) == 9
    assert hashes[3] not in remaining
    assert consume_recovery_code(remaining, codes[3], hasher=fast_hasher) is None
    assert consume_recovery_code(remaining, codes[0], hasher=fast_hasher) == hashes[1:3] + hashes[4:]


def test_unknown_or_malformed_recovery_code_is_refused(fast_hasher: PasswordHasher) -> None:
    _, hashes = new_recovery_codes(hasher=fast_hasher)
    assert consume_recovery_code(hashes, "AAAA-AAAA-AA", hasher=fast_hasher) is None
    assert consume_recovery_code(hashes, "short", hasher=fast_hasher) is None


def test_a_wrapped_secret_opens_only_with_its_password_and_user() -> None:
    cheap = ScryptParams(n=2**4, r=1, p=1)
    secret = pyotp.random_base32(length=32)
    wrapped = wrap_secret(secret, "ｐassword typed wide", "user-1", kdf=cheap)
    assert secret not in repr(wrapped)
    assert all(isinstance(value, str | int) for value in wrapped.values())
    assert unwrap_secret(wrapped, "password typed wide", "user-1") == secret  # NFKC, as the password hash
    with pytest.raises(DecryptionError, match="does not open"):
        unwrap_secret(wrapped, "another password", "user-1")
    with pytest.raises(DecryptionError, match="does not open"):
        unwrap_secret(wrapped, "password typed wide", "user-2")  # copied onto another account
    with pytest.raises(DecryptionError, match="does not open"):
        unwrap_secret({**wrapped, "scrypt_n": 2**5}, "password typed wide", "user-1")  # parameters are bound
