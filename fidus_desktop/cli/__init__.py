"""The ``fidus`` command: the back office's work, headless.

Each area lives in its own module exposing ``register(subparsers)``; each feature lists its modules
(``Feature.cli``).
Exit codes: 0 success, 1 a problem was found (a check failed), 2 usage or input error.
"""

from __future__ import annotations

from fidus_desktop.cli.main import main

__all__ = ["main"]
