"""System tools and shared reference data some tests need: skipped on a laptop without them, never in CI.

``.ci/run`` installs every tool named here (its SYSTEM_TOOLS line) and CI lays ``shared/data`` beside the
repository, so a missing one under ``CI=true`` is a broken CI set-up and fails the test instead of hiding it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import NoReturn

import pytest

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


def _missing(message: str, in_ci: str) -> NoReturn:
    """Skip the test, or fail it under ``CI`` (where ``in_ci`` says why it must be there)."""
    if os.environ.get("CI", "").lower() in ("true", "1"):
        pytest.fail(f"{message}; {in_ci}")
    pytest.skip(message)


def require_tool(command: str, package: str) -> str:
    """The path of ``command``; skips the test without it (fails it when ``CI`` is set)."""
    path = shutil.which(command)
    if path is None:
        _missing(f"{command} ({package}) is not installed", ".ci/run installs it, so CI must have it")
    return path


def shared_file(name: str) -> Path:
    """A file of ``shared/data`` beside the repository; skips the test without it (fails it when ``CI`` is set)."""
    path = SHARED_DATA / name
    if not path.exists():
        _missing(f"{path} not found (shared/data is not beside the repository)",
                 "CI must have shared/data beside the repository")
    return path
