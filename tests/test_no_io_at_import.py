"""Importing any module opens no database: I/O starts in the composition root, never at import."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_importing_every_module_connects_to_nothing() -> None:
    script = textwrap.dedent(
        """
        import importlib, pkgutil, sqlite3
        import pymongo
        def refuse(*args, **kwargs):
            raise AssertionError("a database connection was opened at import time")
        sqlite3.connect = refuse
        pymongo.MongoClient = refuse
        import fidus_desktop
        names = [m.name for m in pkgutil.walk_packages(fidus_desktop.__path__, "fidus_desktop.")]
        for name in names:
            importlib.import_module(name)
        print(len(names))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.strip()) > 50
