"""The binding defect work-around: many Python-side emits must not free ``True`` (see fidus_desktop.ui.qt_compat)."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_a_long_session_of_emits_does_not_abort_the_interpreter() -> None:
    script = textwrap.dedent(
        """
        import sys
        import fidus_desktop.ui.background  # applies the work-around
        from PySide6.QtCore import QObject, Signal

        class Source(QObject):
            changed = Signal(str)

        source, seen = Source(), []
        source.changed.connect(seen.append)
        for _ in range(200_000):
            source.changed.emit("transactions")
        print(len(seen), sys.getrefcount(True) > 1_000_000)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["200000", "True"]
