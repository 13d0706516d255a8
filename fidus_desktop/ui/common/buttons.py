"""A row of action buttons, built the same way on every panel (object names for tests, a stretch after)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtWidgets import QAbstractButton, QHBoxLayout, QPushButton

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


def enable(button: QAbstractButton, why_not: str = "") -> None:
    """Enabled when ``why_not`` is empty; otherwise disabled, with the reason as its tooltip (a disabled button
    says why: the role, nothing selected, a state). The button's own tip (property ``tip``) returns with it."""
    button.setEnabled(not why_not)
    button.setToolTip(why_not or str(button.property("tip") or ""))
