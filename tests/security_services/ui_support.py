"""Opening a real application context for Qt tests of the user screens (cheap hashing, no log file)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from fidus_desktop.bootstrap import AppContext, open_context
from fidus_desktop.config.paths import AppPaths
from fidus_desktop.security import passwords

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def open_test_context(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppContext:
    """A fresh SQLite database whose UserService hashes cheaply (argon2 defaults cost 64 MiB per hash)."""
    monkeypatch.setattr(passwords, "DEFAULT_HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    paths = AppPaths(tmp_path / "config", tmp_path / "data", tmp_path / "logs")
    return open_context(f"sqlite:///{(tmp_path / 'ui.db').as_posix()}", paths=paths, log_to_file=False)
