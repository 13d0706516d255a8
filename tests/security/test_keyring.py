from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import keyring
import keyring.backend
import pytest
from keyring.backends import chainer, fail, null
from keyring.errors import KeyringLocked, PasswordDeleteError

from fidus_desktop.security.crypto import ScryptParams
from fidus_desktop.security.keyring_file import (
    PASSPHRASE_ENV,
    FileKeyring,
    default_keyring_path,
    describe_keyring,
)
from fidus_desktop.security.keyring_memory import InMemoryKeyring


@pytest.fixture
def file_keyring(tmp_path: Path, fast_kdf: ScryptParams) -> FileKeyring:
    return FileKeyring(tmp_path / "secrets" / "keyring.enc", "keyring passphrase", kdf=fast_kdf)


def test_in_memory_backend() -> None:
    backend = InMemoryKeyring()
    assert backend.get_password("fidus", "mongo") is None
    backend.set_password("fidus", "mongo", "s3cret")
    assert backend.get_password("fidus", "mongo") == "s3cret"
    backend.delete_password("fidus", "mongo")
    assert backend.get_password("fidus", "mongo") is None
    with pytest.raises(PasswordDeleteError):
        backend.delete_password("fidus", "mongo")


def test_in_memory_backend_works_through_the_keyring_api() -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(InMemoryKeyring())
    try:
        keyring.set_password("fidus", "google", "token")
        assert keyring.get_password("fidus", "google") == "token"
    finally:
        keyring.set_keyring(previous)


def test_fallback_backends_are_never_chosen_automatically() -> None:
    assert FileKeyring.priority < 0
    assert InMemoryKeyring.priority < 0
    # What keyring would choose by itself (the tests install an in-memory one explicitly).
    best = max(keyring.backend.get_all_keyring(), key=lambda backend: backend.priority)
    assert not isinstance(best, FileKeyring | InMemoryKeyring)


def test_file_keyring_round_trip(file_keyring: FileKeyring, fast_kdf: ScryptParams) -> None:
    assert file_keyring.get_password("fidus", "mongo") is None
    file_keyring.set_password("fidus", "mongo", "s3cret")
    file_keyring.set_password("fidus", "smtp", "other")
    file_keyring.set_password("google", "alice", "refresh-token")
    reopened = FileKeyring(file_keyring.path, "keyring passphrase", kdf=fast_kdf)
    assert reopened.get_password("fidus", "mongo") == "s3cret"
    assert reopened.get_password("google", "alice") == "refresh-token"
    reopened.delete_password("fidus", "mongo")
    assert file_keyring.get_password("fidus", "mongo") is None
    assert file_keyring.get_password("fidus", "smtp") == "other"
    with pytest.raises(PasswordDeleteError):
        file_keyring.delete_password("fidus", "mongo")


def test_file_is_encrypted_private_and_replaced_atomically(file_keyring: FileKeyring) -> None:
    file_keyring.set_password("fidus", "mongo", "s3cret-value")
    file_keyring.set_password("fidus", "mongo", "s3cret-value-2")
    content = file_keyring.path.read_text(encoding="utf-8")
    assert "s3cret" not in content
    assert "mongo" not in content
    assert "keyring passphrase" not in content
    assert json.loads(content)["format"] == 1
    assert [p.name for p in file_keyring.path.parent.iterdir()] == ["keyring.enc"]
    if sys.platform != "win32":
        assert stat.S_IMODE(os.stat(file_keyring.path).st_mode) == 0o600


def test_wrong_passphrase_and_tampering_are_refused(
    file_keyring: FileKeyring, fast_kdf: ScryptParams
) -> None:
    file_keyring.set_password("fidus", "mongo", "s3cret")
    with pytest.raises(KeyringLocked, match="passphrase does not open"):
        FileKeyring(file_keyring.path, "wrong", kdf=fast_kdf).get_password("fidus", "mongo")
    stored = json.loads(file_keyring.path.read_text(encoding="utf-8"))
    file_keyring.path.write_text(json.dumps({**stored, "n": 2**5}), encoding="utf-8")
    with pytest.raises(KeyringLocked, match="altered"):
        FileKeyring(file_keyring.path, "keyring passphrase").get_password("fidus", "mongo")
    file_keyring.path.write_text("{not json", encoding="utf-8")
    with pytest.raises(KeyringLocked, match="damaged"):
        file_keyring.get_password("fidus", "mongo")


def test_passphrase_is_required_and_can_come_from_the_environment(
    tmp_path: Path, fast_kdf: ScryptParams, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    locked = FileKeyring(tmp_path / "k.enc", kdf=fast_kdf)
    with pytest.raises(KeyringLocked, match=PASSPHRASE_ENV):
        locked.get_password("fidus", "mongo")
    monkeypatch.setenv(PASSPHRASE_ENV, "from the environment")
    locked.set_password("fidus", "mongo", "s3cret")
    assert FileKeyring(tmp_path / "k.enc", "from the environment").get_password("fidus", "mongo") == "s3cret"


def test_default_path_is_per_user_and_not_created(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FIDUS_HOME", raising=False)
    path = default_keyring_path()
    assert path.name == "keyring.enc"
    assert "FIDUS Desktop" in str(path)


def test_describe_fail_backend() -> None:
    status = describe_keyring(fail.Keyring())
    assert not status.usable
    assert status.backend_name == "keyring.backends.fail.Keyring"
    assert "No OS keyring" in status.problem
    assert PASSPHRASE_ENV in status.fix
    assert "fidus_desktop.security.keyring_file.FileKeyring" in status.fix


def test_describe_empty_chainer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [])
    status = describe_keyring(chainer.ChainerBackend())
    assert not status.usable
    assert "No OS keyring" in status.problem


def test_describe_null_backend() -> None:
    status = describe_keyring(null.Keyring())
    assert not status.usable
    assert "forgets every secret" in status.problem


def test_describe_file_backend(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    locked = describe_keyring(FileKeyring(tmp_path / "k.enc"))
    assert not locked.usable
    assert PASSPHRASE_ENV in locked.fix
    assert describe_keyring(FileKeyring(tmp_path / "k.enc", "pw")).usable


def test_describe_usable_backends() -> None:
    memory = describe_keyring(InMemoryKeyring())
    assert memory.usable
    assert "memory only" in memory.problem
    status = describe_keyring(keyring.get_keyring())
    assert status.backend_name


def test_the_file_keyring_lives_under_fidus_home(tmp_path, monkeypatch) -> None:
    from fidus_desktop.security.keyring_file import FILE_NAME, default_keyring_path

    monkeypatch.setenv("FIDUS_HOME", str(tmp_path / "portable"))
    assert default_keyring_path() == tmp_path / "portable" / "data" / FILE_NAME
