"""Rendering a widget to a PNG (``fidus-desktop --screenshot``), for docs and for looking at what we build."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication, QWidget

from fidus_desktop.errors import UserError

DEFAULT_SIZE = QSize(1400, 900)


class SizeError(UserError, ValueError):
    """``--size`` not given as WIDTHxHEIGHT within the allowed range."""


def parse_size(text: str | None) -> QSize:
    """``'1400x900'`` → QSize; a ``SizeError`` saying what is allowed otherwise."""
    if not text:
        return DEFAULT_SIZE
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise SizeError(f"--size takes WIDTHxHEIGHT such as 1400x900, not {text!r}.") from None
    if not (200 <= width <= 8000 and 200 <= height <= 8000):
        raise SizeError(f"--size {text} is outside 200x200 … 8000x8000.")
    return QSize(width, height)


def render_to_png(widget: QWidget, path: Path, size: QSize | None = DEFAULT_SIZE) -> None:
    """Show ``widget`` at ``size`` (``None``: as it is) and save what it paints; works offscreen too."""
    if size is not None:
        widget.resize(size)
    widget.show()
    QApplication.processEvents()
    path.parent.mkdir(parents=True, exist_ok=True)
    if not widget.grab().save(str(path), "PNG"):
        raise OSError(f"Could not write the screenshot to {path}.")
