from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from fidus_desktop.bootstrap import AppContext
from fidus_desktop.security import passwords
from fidus_desktop.security.passwords import (
    check_password_policy,
    common_passwords,
    hash_password,
    needs_rehash,
    verify,
)
from fidus_desktop.security.resources import resources_dir


def test_common_list_is_shipped_with_its_source_and_loaded_once() -> None:
    text = (resources_dir() / "common-passwords.txt").read_text(encoding="utf-8")
    assert "zxcvbn frequency list (Dropbox, MIT licence)" in text.splitlines()[1]
    common = common_passwords()
    assert len(common) >= 9_000
    assert {"password", "123456", "qwerty", "iloveyou"} <= common
    assert common_passwords() is common


def test_resources_dir_honours_pyinstaller_bundle(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setattr("sys.frozen", True, raising=False)
    monkeypatch.setattr("sys._MEIPASS", str(tmp_path), raising=False)
    assert resources_dir() == tmp_path / "resources"


def test_a_long_uncommon_password_passes() -> None:
    assert check_password_policy("correct horse battery staple", username="alice") == []


@pytest.mark.parametrize(
    ("password", "username", "fragment"),
    [
        ("short1!", None, "at least 12"),
        ("QWERTY123456", None, "commonly used"),  # in the list, case-insensitively
        ("leavemealone", None, "commonly used"),
        ("xXmjensenXx-2024!", "MJensen", "contains the username"),
        ("a" * 1025, None, "at most 1024"),
    ],
)
def test_policy_names_each_problem(password: str, username: str | None, fragment: str) -> None:
    problems = check_password_policy(password, username=username)
    assert any(fragment in problem for problem in problems), problems


def test_policy_reports_every_problem_at_once() -> None:
    problems = check_password_policy("password", username="password")
    assert len(problems) == 3


def test_very_short_usernames_are_not_matched_inside_passwords() -> None:
    assert check_password_policy("a quiet blue harbour", username="a") == []


def test_hash_and_verify(fast_hasher: PasswordHasher) -> None:
    stored = hash_password("correct horse battery staple", hasher=fast_hasher)
    assert stored.startswith("$argon2id$")
    assert stored != hash_password("correct horse battery staple", hasher=fast_hasher)  # salted
    assert verify(stored, "correct horse battery staple", hasher=fast_hasher)
    assert not verify(stored, "correct horse battery stapler", hasher=fast_hasher)


def test_verify_never_raises_on_garbage(fast_hasher: PasswordHasher) -> None:
    assert not verify("not-a-hash", "whatever", hasher=fast_hasher)
    assert not verify("", "whatever", hasher=fast_hasher)


def test_unicode_is_normalised_before_hashing(fast_hasher: PasswordHasher) -> None:
    composed, decomposed = "caf\u00e9 au lait tous les jours", "cafe\u0301 au lait tous les jours"
    assert verify(hash_password(composed, hasher=fast_hasher), decomposed, hasher=fast_hasher)


def test_needs_rehash_after_parameters_change(fast_hasher: PasswordHasher) -> None:
    stored = hash_password("correct horse battery staple", hasher=fast_hasher)
    assert not needs_rehash(stored, hasher=fast_hasher)
    assert needs_rehash(stored)
    assert needs_rehash("garbage", hasher=fast_hasher)


@pytest.mark.product_crypto_cost
def test_default_parameters_are_the_documented_ones() -> None:
    hasher = passwords.DEFAULT_HASHER
    assert (hasher.time_cost, hasher.memory_cost, hasher.parallelism) == (3, 65536, 4)
    assert (hasher.hash_len, hasher.salt_len) == (32, 16)


@pytest.mark.slow
@pytest.mark.product_crypto_cost
def test_default_hasher_round_trip() -> None:
    stored = hash_password("correct horse battery staple")
    assert "$m=65536,t=3,p=4$" in stored
    assert verify(stored, "correct horse battery staple")
    assert not needs_rehash(stored)


@pytest.mark.product_crypto_cost
def test_the_composition_root_hashes_with_the_product_parameters(app_context: AppContext) -> None:
    """Tests hash cheaply only through the root conftest's patch; an application context never does."""
    hasher = app_context.services.users.hasher
    assert (hasher.time_cost, hasher.memory_cost, hasher.parallelism) == (3, 65536, 4)
