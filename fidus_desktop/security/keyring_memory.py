"""An in-memory keyring backend for tests and demos: secrets live in a dict and vanish with the process.

Priority -1, like ``keyring.backends.null``, so keyring never selects it on its own; use it explicitly
(``keyring.set_keyring(InMemoryKeyring())``) in tests and in the offline demo.
"""

from __future__ import annotations

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class InMemoryKeyring(KeyringBackend):
    """Secrets by ``(service, username)`` in a dict."""

    priority = -1

    def __init__(self) -> None:
        super().__init__()
        self._secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self._secrets.pop((service, username), None) is None:
            raise PasswordDeleteError(f"No secret stored for {username!r} in {service!r}.")
