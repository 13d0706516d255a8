"""Date and number editors driven by typing: what people write in their locale is read; ISO goes to services."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TypeVar

import pytest
from babel import Locale
from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import QCalendarWidget
from pytestqt.qtbot import QtBot

from fidus_desktop.ui.common.editors import DateEdit, DecimalEdit
from fidus_desktop.ui.common.locale_text import format_day, format_number, parse_day, parse_number

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
E = TypeVar("E", DateEdit, DecimalEdit)


def typed(qtbot: QtBot, edit: E, text: str) -> E:
    qtbot.addWidget(edit)
    edit.show()
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)  # editing finished: the text is rewritten as understood
    return edit


@pytest.mark.parametrize("text", ["15/04/2026", "15/4/2026", "2026-04-15", "15.04.2026"])
def test_a_british_user_types_a_day_first_date(qtbot: QtBot, text: str) -> None:
    edit = typed(qtbot, DateEdit(), text)
    assert (edit.date(), edit.iso(), edit.problem()) == (date(2026, 4, 15), "2026-04-15", "")
    assert edit.text() == "15/04/2026"


def test_an_american_user_types_month_first(qtbot: QtBot) -> None:
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    edit = typed(qtbot, DateEdit(), "04/15/2026")
    assert edit.iso() == "2026-04-15"
    assert edit.text() == "4/15/2026"


@pytest.mark.parametrize("text", ["31/02/2026", "15 April", "next week", "2026-13-01"])
def test_an_unreadable_date_says_how_to_type_it(qtbot: QtBot, text: str) -> None:
    edit = typed(qtbot, DateEdit(), text)
    assert edit.date() is None
    assert edit.problem() == f"{text!r} is not a date; type it as DD/MM/YYYY or YYYY-MM-DD."
    assert edit.text() == text  # left as typed, to correct


def test_an_optional_date_may_stay_empty(qtbot: QtBot) -> None:
    assert DateEdit(optional=True).problem() == ""
    assert DateEdit().problem() == "Type a date as DD/MM/YYYY or YYYY-MM-DD."


@pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing)")  # offscreen popups
def test_the_calendar_fills_the_field(qtbot: QtBot) -> None:
    edit = DateEdit(date(2026, 4, 15))
    qtbot.addWidget(edit)
    edit.show()
    qtbot.keyClick(edit, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    calendar = edit.findChild(QCalendarWidget, "calendarPopup")
    assert calendar.isVisible()
    assert calendar.selectedDate().toPython() == date(2026, 4, 15)
    calendar.setSelectedDate(calendar.selectedDate().addDays(3))
    calendar.activated.emit(calendar.selectedDate())
    assert edit.iso() == "2026-04-18"
    assert not calendar.isVisible()


@pytest.mark.parametrize(("text", "shown"), [("25,000.00", "25,000.00"), ("25000", "25,000.00"),
                                             ("25000.5", "25,000.50"), ("-1,234.567", "-1,234.567")])
def test_money_is_typed_with_or_without_separators(qtbot: QtBot, text: str, shown: str) -> None:
    edit = typed(qtbot, DecimalEdit(places=2), text)
    assert edit.value() == Decimal(text.replace(",", ""))
    assert Decimal(edit.plain()) == Decimal(text.replace(",", ""))
    assert edit.text() == shown  # never rounded behind the user's back: the service refuses excess decimals


def test_a_german_user_types_german_numbers(qtbot: QtBot) -> None:
    QLocale.setDefault(QLocale(QLocale.Language.German, QLocale.Country.Germany))
    edit = typed(qtbot, DecimalEdit(places=2), "25.000,75")
    assert edit.plain() == "25000.75"
    assert edit.text() == "25.000,75"
    assert typed(qtbot, DateEdit(), "15.04.2026").iso() == "2026-04-15"


@pytest.mark.parametrize("text", ["12,5x", "25,00.00", "1.2.3", "abc", "NaN"])
def test_an_unreadable_number_says_how_to_type_it(qtbot: QtBot, text: str) -> None:
    edit = typed(qtbot, DecimalEdit(), text)
    assert edit.value() is None
    assert edit.problem().startswith(f"{text!r} is not a number; type it as 25,000.00")
    assert edit.plain() == text


@given(st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=4),
       st.sampled_from(["en_GB", "en_US", "de_DE", "fr_FR", "de_CH", "it_IT"]))
def test_a_number_shown_in_any_locale_reads_back_exactly(value: Decimal, name: str) -> None:
    locale = Locale.parse(name)
    assert parse_number(format_number(value, locale), locale) == value


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2199, 12, 31)),
       st.sampled_from(["en_GB", "en_US", "de_DE", "fr_FR", "ja_JP", "nl_NL"]))
def test_a_date_shown_in_any_locale_reads_back_exactly(day: date, name: str) -> None:
    locale = Locale.parse(name)
    assert parse_day(format_day(day, locale), locale) == day
    assert parse_day(day.isoformat(), locale) == day
