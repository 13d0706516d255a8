"""A row of action buttons, built the same way on every panel (object names for tests, a stretch after)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtWidgets import QHBoxLayout, QPushButton

ButtonSpec = tuple[str, str, Callable[[], object]]  # (name, text, handler)


def button_bar(specs: Sequence[ButtonSpec]) -> tuple[QHBoxLayout, dict[str, QPushButton]]:
    """Buttons named ``<name>Button`` wired to their handlers, left-aligned in a horizontal layout."""
    bar = QHBoxLayout()
    buttons: dict[str, QPushButton] = {}
    for name, text, handler in specs:
        button = QPushButton(text, objectName=f"{name}Button")
        button.clicked.connect(handler)
        bar.addWidget(button)
        buttons[name] = button
    bar.addStretch()
    return bar, buttons
