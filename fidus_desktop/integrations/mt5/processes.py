"""Which MetaTrader 5 terminals run on this PC, and one spelling per installation path.

``initialize(path)`` *starts* a terminal that is not running (the package's documented behaviour), so a terminal
the user closed on purpose would come back, logged in, on a shared workstation. FIDUS therefore attaches only to a
running terminal by default (``[mt5] attach_only``) and asks the process list first (psutil). Windows paths are
case-insensitive and accept both slashes, so ``C:\\MT5\\a\\terminal64.exe`` and ``c:/mt5/a/terminal64.exe`` are one
installation: :func:`terminal_key` gives the one spelling every comparison uses.
"""

from __future__ import annotations

import logging
from ntpath import normpath
from typing import Protocol, runtime_checkable

log = logging.getLogger(__name__)
TERMINAL_EXE = "terminal64.exe"


def terminal_key(path: str) -> str:
    """A Windows path reduced to one spelling: backslashes, no quotes or trailing separator, case-folded."""
    cleaned = path.strip().strip('"').strip()
    return normpath(cleaned.replace("/", "\\")).rstrip("\\").casefold() if cleaned else ""


def installation_key(path: str) -> str:
    """The installation folder's key for a ``terminal64.exe`` path or the folder itself
    (``terminal_info().path`` names the folder)."""
    key = terminal_key(path)
    return key.rsplit("\\", 1)[0] if key.endswith("\\" + TERMINAL_EXE) else key


@runtime_checkable
class ProcessAware(Protocol):
    """A terminal adapter that can tell whether its terminal process runs (None: cannot tell)."""

    def terminal_running(self, path: str | None = None) -> bool | None: ...


def terminal_running(path: str | None = None) -> bool | None:
    """Whether a ``terminal64.exe`` runs (the one at ``path`` when given); None when the process list is unreadable."""
    try:
        import psutil
    except ImportError:  # pragma: no cover - psutil is a dependency; an odd build may lack it
        return None
    wanted = installation_key(path) if path else None
    try:
        for process in psutil.process_iter(["name", "exe"]):
            if (process.info.get("name") or "").casefold() != TERMINAL_EXE:
                continue
            exe = process.info.get("exe")
            if wanted is None or (exe and installation_key(exe) == wanted):
                return True
    except psutil.Error:
        log.debug("Reading the process list failed", exc_info=True)
        return None
    return False
