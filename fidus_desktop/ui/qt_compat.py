"""Work-arounds for defects of the pinned Qt binding, applied once when the UI package loads.

PySide6 6.12.0 returns ``True`` from ``SignalInstance.emit()`` without taking a reference to it. On CPython
3.11 ``True`` is an ordinary reference-counted object, so every signal emitted from Python code (every
finished background job, every ``data_changed``) takes one reference away; after a few hundred emits the
interpreter frees ``True`` and aborts with "Fatal Python error: bool_dealloc". Python 3.12 made ``True``
immortal, which is what ``pin_true`` does here: it adds 2**40 references, so no session ever gets there.
The defect is probed, not assumed: a fixed binding (or Python ≥ 3.12) leaves everything untouched.
"""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject, Signal

PINNED_REFERENCES = 2**40
_applied = False


class _Probe(QObject):
    ping = Signal()


def emit_drops_a_reference_to_true() -> bool:
    """Emit a signal a few times and see whether ``True`` lost references (the defect described above)."""
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(4):
        probe.ping.emit()
    return sys.getrefcount(True) < before


def pin_true() -> None:
    """Give ``True`` enough references that the binding's missing ones can never free it (CPython < 3.12)."""
    refcount = ctypes.c_ssize_t.from_address(id(True))  # ob_refcnt is PyObject's first field
    refcount.value += PINNED_REFERENCES


def apply() -> None:
    """Idempotent; called at import of ``fidus_desktop.ui.background``, which every view goes through."""
    global _applied
    if _applied:
        return
    _applied = True
    if sys.implementation.name == "cpython" and sys.version_info < (3, 12) and emit_drops_a_reference_to_true():
        pin_true()
