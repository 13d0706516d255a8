"""Date and number editors that accept what people type, in their locale, and hand ISO text to services.

Both are line edits (so typing, pasting and tests behave as in any field): ``DateEdit`` adds a calendar
button and ``DecimalEdit`` a decimal-only reading of the text. When editing finishes the text is rewritten
in the locale's form (``15/04/2026``, ``25,000.00``), so the user sees what was understood. ``problem()``
says what is wrong with the text ("" when readable); ``ServiceFormDialog`` shows it under the field before
anything is sent. ``iso()`` / ``plain()`` are what services, files and the CLI take.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QAction, QKeyEvent
from PySide6.QtWidgets import QCalendarWidget, QLineEdit, QStyle, QWidget

from fidus_desktop.ui.common.locale_text import date_hint, format_day, format_number, parse_day, parse_number

INVALID_STYLE = "border: 1px solid #b00020;"


def mark_problem(edit: QLineEdit, problem: str) -> None:
    """A red frame and the problem as tooltip while the text cannot be read (filters have no error label)."""
    edit.setStyleSheet(INVALID_STYLE if problem else "")
    edit.setProperty("problem", problem)
    if problem:
        edit.setToolTip(problem)


class DateEdit(QLineEdit):
    """A date typed in the locale's order or as ISO, or picked from a calendar (the button or Alt+Down).

    ``today``: the office's day (``UiSession.today``: the demo's on ``--demo``), where the calendar of an empty
    field opens; a form dialog's ``add_field`` hands it on.
    """

    def __init__(self, value: date | None = None, *, optional: bool = False,
                 today: Callable[[], date] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.optional, self.today = optional, today
        self.setPlaceholderText(date_hint() + (" (optional)" if optional else ""))
        self.setToolTip(f"Type the date as {date_hint()} or YYYY-MM-DD, or pick it from the calendar (Alt+Down).")
        self.calendar_action = QAction(self.style().standardIcon(QStyle.StandardPixmap.SP_FileDialogDetailedView),
                                       "Calendar", self)
        self.calendar_action.setObjectName("calendarAction")
        self.calendar_action.triggered.connect(self.show_calendar)
        self.addAction(self.calendar_action, QLineEdit.ActionPosition.TrailingPosition)
        self.calendar: QCalendarWidget | None = None
        self.editingFinished.connect(self._normalise)
        if value is not None:
            self.set_date(value)

    def date(self) -> date | None:
        """The date typed, or None while the text is empty or not a date."""
        try:
            return parse_day(self.text())
        except ValueError:
            return None

    def set_date(self, value: date | None) -> None:
        self.setText("" if value is None else format_day(value))

    def iso(self) -> str:
        """``YYYY-MM-DD`` for a service; the raw text when unreadable (``problem()`` explains it first)."""
        day = self.date()
        return day.isoformat() if day else self.text().strip()

    def problem(self) -> str:
        if self.optional and not self.text().strip():
            return ""
        try:
            parse_day(self.text())
        except ValueError as exc:
            return str(exc)
        return ""

    def _normalise(self) -> None:
        day = self.date()
        if day is not None and self.text() != format_day(day):
            self.set_date(day)
        mark_problem(self, self.problem())

    def show_calendar(self) -> None:
        """A calendar popup under the field, on the typed date (the office's today when none); a click fills
        the field."""
        self.calendar = QCalendarWidget(self, objectName="calendarPopup")
        self.calendar.setWindowFlags(Qt.WindowType.Popup)
        self.calendar.setGridVisible(True)
        current = self.date() or (self.today() if self.today else None)
        if current is not None:
            self.calendar.setSelectedDate(QDate(current.year, current.month, current.day))
        self.calendar.clicked.connect(self._picked)
        self.calendar.activated.connect(self._picked)
        self.calendar.move(self.mapToGlobal(self.rect().bottomLeft()))
        self.calendar.show()
        self.calendar.setFocus()

    def _picked(self, picked: QDate) -> None:
        self.set_date(date(picked.year(), picked.month(), picked.day()))
        self.editingFinished.emit()
        if self.calendar is not None:
            self.calendar.close()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Down and event.modifiers() & Qt.KeyboardModifier.AltModifier:
            self.show_calendar()
            return
        super().keyPressEvent(event)


class DecimalEdit(QLineEdit):
    """A number typed with the locale's separators (``25,000.00``) or plainly (``25000.00``), kept as Decimal.

    ``places`` fixes the decimals shown after editing (2 for money); None keeps what was typed (units, NAVs).
    """

    def __init__(self, *, places: int | None = None, optional: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.places, self.optional = places, optional
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.editingFinished.connect(self._normalise)

    def value(self) -> Decimal | None:
        try:
            return parse_number(self.text())
        except ValueError:
            return None

    def set_value(self, value: Decimal | None) -> None:
        self.setText("" if value is None else format_number(value, places=self.places))

    def plain(self) -> str:
        """The number as a plain decimal string for a service ("" when empty; raw text when unreadable)."""
        value = self.value()
        return self.text().strip() if value is None else str(value)

    def problem(self) -> str:
        if self.optional and not self.text().strip():
            return ""
        try:
            parse_number(self.text())
        except ValueError as exc:
            return str(exc)
        return ""

    def _normalise(self) -> None:
        value = self.value()
        if value is not None:
            self.set_value(value)
        mark_problem(self, self.problem())
