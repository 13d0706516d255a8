"""The "what to do next" panel of an empty view: one sentence and the buttons that do it.

A fresh database is not a dead end: a view with nothing to show says what is missing and offers the action
(or, when the role may not do it, who can). ``show_step`` replaces the text and buttons; ``clear`` hides it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QWidget

from fidus_desktop.ui.common.labels import WrappingLabel

StepAction = tuple[str, str, Callable[[], object]]  # (object name, button text, handler)


class NextStepPanel(QFrame):
    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet(f"#{name} {{ background: palette(alternate-base); }}")
        self.text = WrappingLabel(objectName=f"{name}Text")
        self.buttons: dict[str, QPushButton] = {}
        self._row = QHBoxLayout(self)
        self._row.addWidget(self.text, 1)
        self.hide()

    def show_step(self, text: str, actions: Sequence[StepAction] = ()) -> None:
        if self.isVisibleTo(self.parentWidget()) and text == self.text.text() and \
                [name for name, _, _ in actions] == list(self.buttons):
            return  # the same step again (a reload): keep the buttons, and the focus on them
        for button in self.buttons.values():
            self._row.removeWidget(button)
            button.hide()
            button.deleteLater()
        self.buttons = {}
        self.text.setText(text)
        for name, label, handler in actions:
            button = QPushButton(label, objectName=name)
            button.clicked.connect(handler)
            self._row.addWidget(button)
            self.buttons[name] = button
        self.show()

    def clear(self) -> None:
        self.hide()
