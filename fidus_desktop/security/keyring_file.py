"""Where secrets go when the machine has no OS keyring (headless Linux, CI), and how to tell.

``FileKeyring`` keeps secrets in one file encrypted with AES-256-GCM under a key derived with scrypt
from a passphrase that must be given explicitly (constructor or ``FIDUS_KEYRING_PASSPHRASE``): an
encrypted file whose key sits next to it would only look safe. Its priority is -1, so keyring never
picks it on its own; select it with ``keyring.set_keyring(FileKeyring(...))`` or
``PYTHON_KEYRING_BACKEND=fidus_desktop.security.keyring_file.FileKeyring``. Writes go to a temporary
file (mode 0600) that replaces the old one, so a crash never leaves a half-written keyring. Concurrent
writers from two processes are not merged: the last write wins.

``describe_keyring`` turns keyring's silent fallbacks (the ``fail`` and ``null`` backends, a chainer
with nothing to chain) into a status the UI and ``fidus doctor`` can show with the fix.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import keyring
import platformdirs
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null
from keyring.errors import KeyringLocked, PasswordDeleteError

from fidus_desktop.config.paths import AppPaths
from fidus_desktop.security.crypto import NONCE_BYTES, SALT_BYTES, ScryptParams
from fidus_desktop.security.keyring_memory import InMemoryKeyring

PASSPHRASE_ENV = "FIDUS_KEYRING_PASSPHRASE"  # noqa: S105 - the variable name, not a secret
FILE_NAME = "keyring.enc"
FILE_FORMAT = 1
_AAD = b"fidus-keyring-file-v1"
_BACKEND_PATH = "fidus_desktop.security.keyring_file.FileKeyring"


def default_keyring_path() -> Path:
    """``<per-user data folder>/FIDUS Desktop/keyring.enc``, or in the data folder under ``FIDUS_HOME`` when
    that is set (portable installs, tests), like every other per-user file (computed, not created)."""
    if os.environ.get("FIDUS_HOME"):
        return AppPaths.for_user().data_dir / FILE_NAME
    return platformdirs.user_data_path("FIDUS Desktop", appauthor=False) / FILE_NAME


class FileKeyring(KeyringBackend):
    """Secrets in a passphrase-encrypted file. Never selected automatically (priority -1)."""

    priority = -1

    def __init__(
        self, path: Path | None = None, passphrase: str | None = None, *, kdf: ScryptParams | None = None
    ) -> None:
        super().__init__()
        self.path = path or default_keyring_path()
        self._passphrase = passphrase
        self._kdf = kdf or ScryptParams()
        self._derived: tuple[bytes, bytes] | None = None  # (salt, key) of the last derivation

    @property
    def has_passphrase(self) -> bool:
        """Whether a passphrase was given or is in the environment (without revealing it)."""
        return bool(self._passphrase or os.environ.get(PASSPHRASE_ENV))

    def _resolve_passphrase(self) -> str:
        passphrase = self._passphrase or os.environ.get(PASSPHRASE_ENV)
        if not passphrase:
            raise KeyringLocked(
                f"The FIDUS keyring file {self.path} needs a passphrase: set {PASSPHRASE_ENV} "
                "or pass one to FileKeyring."
            )
        return passphrase

    def _key(self, salt: bytes, kdf: ScryptParams) -> bytes:
        if self._derived is None or self._derived[0] != salt or kdf != self._kdf:
            self._kdf = kdf
            self._derived = (salt, kdf.derive(self._resolve_passphrase(), salt))
        return self._derived[1]

    @staticmethod
    def _aad(kdf: ScryptParams) -> bytes:
        return _AAD + f":scrypt:{kdf.n}:{kdf.r}:{kdf.p}".encode("ascii")

    def _load(self) -> tuple[bytes, dict[str, dict[str, str]]]:
        """``(salt, {service: {username: secret}})``; a new salt and no secrets when there is no file yet."""
        if not self.path.exists():
            self._resolve_passphrase()
            return secrets.token_bytes(SALT_BYTES), {}
        try:
            stored = json.loads(self.path.read_text(encoding="utf-8"))
            if stored["format"] != FILE_FORMAT:
                raise ValueError(f"format {stored['format']!r}, expected {FILE_FORMAT}")
            kdf = ScryptParams(n=int(stored["n"]), r=int(stored["r"]), p=int(stored["p"]))
            salt = base64.b64decode(stored["salt"])
            nonce = base64.b64decode(stored["nonce"])
            ciphertext = base64.b64decode(stored["ciphertext"])
        except (ValueError, KeyError, TypeError) as exc:
            raise KeyringLocked(f"The FIDUS keyring file {self.path} is damaged ({exc}).") from exc
        try:
            plaintext = AESGCM(self._key(salt, kdf)).decrypt(nonce, ciphertext, self._aad(kdf))
        except InvalidTag as exc:
            raise KeyringLocked(
                f"The passphrase does not open the FIDUS keyring file {self.path} (or the file was altered)."
            ) from exc
        return salt, json.loads(plaintext)

    def _save(self, salt: bytes, entries: dict[str, dict[str, str]]) -> None:
        nonce = secrets.token_bytes(NONCE_BYTES)
        plaintext = json.dumps(entries, sort_keys=True).encode("utf-8")
        ciphertext = AESGCM(self._key(salt, self._kdf)).encrypt(nonce, plaintext, self._aad(self._kdf))
        stored = {
            "format": FILE_FORMAT,
            **self._kdf.as_dict(),
            "salt": base64.b64encode(salt).decode("ascii"),
            "nonce": base64.b64encode(nonce).decode("ascii"),
            "ciphertext": base64.b64encode(ciphertext).decode("ascii"),
        }
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".keyring-", suffix=".tmp")
        try:
            os.chmod(temporary, 0o600)
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(stored, out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def get_password(self, service: str, username: str) -> str | None:
        return self._load()[1].get(service, {}).get(username)

    def set_password(self, service: str, username: str, password: str) -> None:
        salt, entries = self._load()
        entries.setdefault(service, {})[username] = password
        self._save(salt, entries)

    def delete_password(self, service: str, username: str) -> None:
        salt, entries = self._load()
        if entries.get(service, {}).pop(username, None) is None:
            raise PasswordDeleteError(f"No secret stored for {username!r} in {service!r}.")
        if not entries[service]:
            del entries[service]
        self._save(salt, entries)


@dataclass(frozen=True, slots=True)
class KeyringStatus:
    """Whether secrets can be stored, through which backend, and if not, what is wrong and the fix."""

    usable: bool
    backend_name: str
    problem: str | None
    fix: str | None


def _no_keyring_fix() -> str:
    fallback = (
        f"On a headless machine or CI, use the encrypted file instead: set {PASSPHRASE_ENV} and "
        f"PYTHON_KEYRING_BACKEND={_BACKEND_PATH}."
    )
    if sys.platform == "win32":
        return "Windows Credential Manager should be available: reinstall FIDUS Desktop. " + fallback
    if sys.platform == "darwin":
        return "Unlock the login Keychain (Keychain Access) and restart FIDUS Desktop. " + fallback
    return (
        "Install and unlock a Secret Service provider (GNOME Keyring or KWallet) and start FIDUS Desktop "
        "inside the desktop session (it needs D-Bus). " + fallback
    )


def describe_keyring(backend: KeyringBackend | None = None) -> KeyringStatus:
    """The status of ``backend`` (default: the one keyring selected) in words a user can act on."""
    backend = backend or keyring.get_keyring()
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    if isinstance(backend, fail.Keyring) or (
        isinstance(backend, chainer.ChainerBackend) and not backend.backends
    ):
        return KeyringStatus(
            usable=False,
            backend_name=name,
            problem="No OS keyring is available, so FIDUS cannot store passwords or keys.",
            fix=_no_keyring_fix(),
        )
    if isinstance(backend, null.Keyring):
        return KeyringStatus(
            usable=False,
            backend_name=name,
            problem="The keyring is set to the 'null' backend, which forgets every secret.",
            fix="Remove the PYTHON_KEYRING_BACKEND setting (or keyringrc.cfg entry) that selects it.",
        )
    if isinstance(backend, FileKeyring) and not backend.has_passphrase:
        return KeyringStatus(
            usable=False,
            backend_name=name,
            problem=f"The encrypted keyring file {backend.path} is selected but has no passphrase.",
            fix=f"Set {PASSPHRASE_ENV} in the environment that starts FIDUS Desktop.",
        )
    if isinstance(backend, InMemoryKeyring):
        return KeyringStatus(
            usable=True,
            backend_name=name,
            problem="Secrets are kept in memory only (test/demo backend) and are lost on exit.",
            fix=None,
        )
    return KeyringStatus(usable=True, backend_name=name, problem=None, fix=None)
