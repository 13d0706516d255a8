"""A dialog that runs one service call in the worker and shows what the service refused next to the field.

Subclasses add fields with ``add_field`` and implement ``call(values)``; ``ValidationError.problems`` keyed by
a field name appear under that field, anything else above the buttons. The dialog closes only on success.
A field with a ``problem()`` method (the date and number editors of ``ui.common.editors``) is checked before
the service is asked. The dialog grows with its messages (``fit_to_content``), so every one is read in full; when
they would make it taller than the screen (every field of a long form refused at once on a 1366×768 laptop) the
form scrolls inside the dialog, the general message and the buttons staying in view.
"""

from __future__ import annotations

from typing import Any, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QLabel,
    QLayout,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from fidus_desktop.services.base import ValidationError
from fidus_desktop.ui.common import screen_fit
from fidus_desktop.ui.common.editors import DateEdit
from fidus_desktop.ui.errors import describe_error, plain
from fidus_desktop.ui.session import UiSession

W = TypeVar("W", bound=QWidget)
FORM_WIDTH_CHARS = 80  # wide enough that a two-sentence message wraps to two or three lines


def error_label(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(f"{name}_error")
    label.setStyleSheet("color: #b00020;")
    label.setWordWrap(True)
    label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)  # wraps at the field's width
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)  # to copy into a support mail
    label.hide()
    return label


class FormScroll(QScrollArea):
    """The form of a dialog taller than the screen; the form keeps the height its messages need at the width
    shown (not the form layout's own height-for-width, which leaves gaps around every wrapped message)."""

    def __init__(self, body: QWidget) -> None:
        super().__init__(frameShape=QFrame.Shape.NoFrame)
        self.setObjectName("form_scroll")
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)  # no width lost and regained
        self.setWidget(body)
        self.setMinimumWidth(body.minimumSizeHint().width() + self.verticalScrollBar().sizeHint().width())

    def refit(self) -> None:
        width = self.viewport().width()
        self.widget().resize(width, screen_fit.wrapped_height(self.widget(), width))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.refit()


class ServiceFormDialog(QDialog):
    changes: frozenset[str] = frozenset()  # what a successful call changed (``services.changes`` names)
    enter_submits = True  # False where Enter ends a cell's edit or adds a typed entry (it must not save)

    def __init__(self, session: UiSession, title: str, ok_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.result_value: Any = None
        self.typed_values: dict[str, Any] = {}  # ``typed()`` as read when the form was last submitted
        self.setWindowTitle(title)
        self.form = QFormLayout()
        self.form.setContentsMargins(0, 0, 0, 0)
        self.body = QWidget()  # the form's fields, moved into ``scroll`` once they outgrow the screen
        self.body.setLayout(self.form)
        self.scroll: FormScroll | None = None
        self.errors: dict[str, QLabel] = {}
        self.fields: dict[str, QWidget] = {}
        self.general_error = error_label("general")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.addButton(ok_text, QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setObjectName("ok")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        # Line edits take the width; check boxes stay at their size, so a click beside the text does not miss.
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        layout.addWidget(self.body)
        layout.addWidget(self.general_error)
        layout.addWidget(self.buttons)

    def add_field(self, name: str, label: str, widget: W) -> W:
        if isinstance(widget, DateEdit) and widget.today is None:
            widget.today = self.session.today  # its calendar opens on the office's day
        widget.setObjectName(name)
        self.fields[name] = widget
        self.errors[name] = error_label(name)
        self.form.addRow(label, widget)
        self.form.addRow("", self.errors[name])
        return widget

    def showEvent(self, event: QShowEvent) -> None:
        # A form widens only Expanding fields: a note or preview label left at its hint width wraps into more
        # lines than its row is given.
        for label in self.findChildren(QLabel):
            if label.wordWrap():
                policy = label.sizePolicy()
                policy.setHorizontalPolicy(QSizePolicy.Policy.Expanding)
                label.setSizePolicy(policy)
        self.resize(max(self.width(), self.fontMetrics().averageCharWidth() * FORM_WIDTH_CHARS), self.height())
        super().showEvent(event)
        if not self.enter_submits:
            for button in self.buttons.buttons():
                button.setAutoDefault(False)
                button.setDefault(False)
        self._fit()

    def local_problems(self) -> dict[str, str]:
        """Checks that need no service (two password fields agree); empty when fine."""
        return {}

    def field_problems(self) -> dict[str, str]:
        """What the fields that read their own text (dates, numbers) cannot read."""
        problems = {}
        for name, widget in self.fields.items():
            problem = getattr(widget, "problem", None)
            if callable(problem) and (text := problem()):
                problems[name] = text
        return problems

    def typed(self) -> dict[str, Any]:
        """What the fields hold, read on the GUI thread when the form is submitted and kept in ``typed_values``,
        so that ``call`` (in the worker) need not touch a widget. Empty for forms whose ``call`` reads its own."""
        return {}

    def call(self) -> Any:
        """The service call; runs in the worker."""
        raise NotImplementedError

    def show_problems(self, problems: dict[str, str]) -> None:
        problems = {name: plain(text) for name, text in problems.items()}
        for name, label in [*self.errors.items(), ("", self.general_error)]:
            text = problems.get(name, "")
            label.setText(text)
            label.setVisible(bool(text))
        stray = [text for name, text in problems.items() if name and name not in self.errors]
        if stray:
            self.general_error.setText(" ".join(filter(None, [problems.get("", ""), *stray])))
            self.general_error.show()
        self._fit()

    def _fit(self) -> None:
        if self.scroll is not None:
            self.scroll.refit()
        elif not screen_fit.fit_to_content(self):
            self._scroll_form()

    def _scroll_form(self) -> None:
        """Move the form into a scroll area as tall as the screen allows, so each message can be scrolled to."""
        layout = self.layout()
        placeholder = QWidget()
        layout.replaceWidget(self.body, placeholder)
        self.scroll = FormScroll(self.body)
        layout.replaceWidget(placeholder, self.scroll)
        placeholder.deleteLater()
        self.scroll.show()  # now: a layout shows a widget it is given only later, and lays out no hidden one
        layout.activate()
        area = screen_fit.available_geometry(self)
        border = self.frameGeometry().size() - self.size()
        self.resize(min(max(self.width(), self.scroll.minimumWidth()), area.width() - border.width()),
                    area.height() - border.height())
        layout.setGeometry(self.rect())
        self.scroll.refit()
        frame = self.frameGeometry()
        if frame.bottom() > area.bottom() or frame.top() < area.top():
            self.move(frame.x(), area.top())

    def submit(self) -> None:
        problems = self.field_problems() | self.local_problems()
        self.show_problems(problems)
        if problems:
            return
        self.typed_values = self.typed()
        self.ok_button.setEnabled(False)
        self.session.runner.submit(self.call, owner=self, changes=self.changes, on_done=self._done,
                                   on_error=self._failed)

    def _done(self, result: Any) -> None:
        self.result_value = result
        self.ok_button.setEnabled(True)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.ok_button.setEnabled(True)
        self.show_problems(exc.problems if isinstance(exc, ValidationError) else {"": describe_error(exc)})
