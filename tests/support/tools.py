"""System tools some tests drive (poppler's pdftotext, …): skipped on a laptop without them, never in CI.

``.ci/run`` installs every tool named here (its SYSTEM_TOOLS line), so a missing one under ``CI=true`` is a
broken CI set-up and fails the test instead of hiding it.
"""

from __future__ import annotations

import os
import shutil

import pytest


def require_tool(command: str, package: str) -> str:
    """The path of ``command``; skips the test without it (fails it when ``CI`` is set)."""
    path = shutil.which(command)
    if path is None:
        message = f"{command} ({package}) is not installed"
        if os.environ.get("CI", "").lower() in ("true", "1"):
            pytest.fail(f"{message}; .ci/run installs it, so CI must have it")
        pytest.skip(message)
    return path
