"""Secrets (database password, MT5 passwords, OAuth tokens, the workstation's data key) in the OS keyring.

Nothing here writes a secret anywhere else. On a machine without a usable keyring (headless Linux, CI)
``keyring_status()`` says so and how to fix it; the encrypted file keyring is used only when the user
chooses it explicitly (``PYTHON_KEYRING_BACKEND=fidus_desktop.security.keyring_file.FileKeyring`` plus
``FIDUS_KEYRING_PASSPHRASE``), never silently.
"""

from __future__ import annotations

import keyring
from keyring.backend import KeyringBackend
from keyring.errors import KeyringError, PasswordDeleteError

from fidus_desktop.errors import UserError
from fidus_desktop.security.keyring_file import KeyringStatus, describe_keyring

SERVICE = "FIDUS Desktop"


class SecretsUnavailable(UserError):
    """No usable keyring; the message says how to get one."""


def keyring_status() -> KeyringStatus:
    return describe_keyring(keyring.get_keyring())


class SecretStore:
    """Get, set and delete named secrets for this application."""

    def __init__(self, backend: KeyringBackend | None = None) -> None:
        self._backend = backend

    @property
    def backend(self) -> KeyringBackend:
        if self._backend is None:
            self._backend = keyring.get_keyring()
        return self._backend

    def _check(self) -> None:
        status = describe_keyring(self.backend)
        if not status.usable:
            raise SecretsUnavailable(f"{status.problem} {status.fix}")

    def get(self, name: str) -> str | None:
        self._check()
        try:
            return self.backend.get_password(SERVICE, name)
        except KeyringError as exc:
            raise SecretsUnavailable(f"The keyring could not be read: {exc}") from exc

    def set(self, name: str, value: str) -> None:
        self._check()
        try:
            self.backend.set_password(SERVICE, name, value)
        except KeyringError as exc:
            raise SecretsUnavailable(f"The keyring could not be written: {exc}") from exc

    def delete(self, name: str) -> None:
        self._check()
        try:
            self.backend.delete_password(SERVICE, name)
        except PasswordDeleteError:
            return
