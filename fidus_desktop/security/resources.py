"""Where the shipped read-only resources live, from a source checkout or a PyInstaller bundle."""

from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path:
    """The ``resources`` folder: ``<repo>/resources`` from source, ``<bundle>/resources`` when frozen.

    PyInstaller unpacks (or maps) bundled data under ``sys._MEIPASS``; the build copies ``resources/``
    there under the same name, so one relative path works in both cases.
    """
    bundle = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"
