"""The workstation's settings: a TOML file in the per-user config folder. Never holds a secret.

Values are read with dotted names (``settings.get("backup.keep", 14)``); unknown keys are kept, so an
older version does not drop what a newer one wrote.
"""

from __future__ import annotations

import os
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import tomli_w

from fidus_desktop.errors import UserError

DEFAULTS: dict[str, Any] = {
    "database": {"uri": ""},
    "security": {"idle_lock_minutes": 10, "lockout_attempts": 5, "lockout_minutes": 15},
    "backup": {"folder": "", "keep": 14},
}
_SECRET_WORDS = ("password", "secret", "token", "passphrase", "api_key")


class SettingsError(UserError, ValueError):
    """The settings file cannot be read, or a value is not allowed there."""


class Settings:
    """Settings backed by one TOML file."""

    def __init__(self, path: Path, data: dict[str, Any] | None = None) -> None:
        self.path = path
        self.data: dict[str, Any] = data if data is not None else {}

    @classmethod
    def load(cls, path: Path) -> Settings:
        if not path.exists():
            return cls(path)
        try:
            return cls(path, tomllib.loads(path.read_text(encoding="utf-8")))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SettingsError(
                f"The settings file {path} is not valid TOML ({exc}). Fix it in a text editor or rename it to "
                "start with defaults."
            ) from exc

    def get(self, name: str, default: Any = None) -> Any:
        for source in (self.data, DEFAULTS):
            node: Any = source
            for part in name.split("."):
                if not isinstance(node, dict) or part not in node:
                    break
                node = node[part]
            else:
                return node
        return default

    def set(self, name: str, value: Any) -> None:
        if any(word in name.lower() for word in _SECRET_WORDS):
            raise SettingsError(f"{name} looks like a secret; secrets go to the OS keyring, never the settings file.")
        parts = name.split(".")
        node = self.data
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value

    def save(self) -> None:
        """Write atomically (temporary file + rename), so a crash never leaves half a file."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".settings-", suffix=".toml")
        try:
            with os.fdopen(fd, "wb") as fh:
                tomli_w.dump(self.data, fh)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
