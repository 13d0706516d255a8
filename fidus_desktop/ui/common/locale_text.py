"""Dates and numbers as the user reads and types them, in their locale; ISO and plain decimals underneath.

Why babel: it parses a locale's numbers straight to ``Decimal`` (money never passes through a float) and
refuses misplaced group separators (``25,00.00``), and it knows each locale's date order. The screen shows
the locale's form; services, files and the CLI keep ISO dates and plain decimals. ISO dates and plain
decimals (as pasted from a CSV file) are accepted in every locale.

The locale is Qt's default locale (the operating system's regional format unless ``QLocale.setDefault``
changed it). The POSIX "C" locale of a bare server maps to ``en_GB``: day-first dates with four-digit years,
the habit of a European fund office, and ISO is accepted anyway.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.dates import ParseError, format_date, get_date_format, parse_date
from babel.numbers import NumberFormatError, format_decimal, get_decimal_symbol, get_group_symbol, parse_decimal
from PySide6.QtCore import QLocale

FALLBACK_LOCALE = "en_GB"
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
PLAIN_DECIMAL = re.compile(r"^[+-]?\d+(\.\d+)?$")


def current_locale() -> Locale:
    """The user's locale as babel knows it."""
    name = QLocale().name()
    try:
        return Locale.parse(FALLBACK_LOCALE if name in ("C", "") else name)
    except (ValueError, UnknownLocaleError):
        return Locale.parse(FALLBACK_LOCALE)


def date_pattern(locale: Locale | None = None) -> str:
    """The locale's short date pattern with a four-digit year (``dd/MM/yyyy``): two-digit years mislead."""
    pattern = get_date_format("short", locale or current_locale()).pattern
    return re.sub(r"y+", "yyyy", pattern)


def date_hint(locale: Locale | None = None) -> str:
    """The pattern as people write it in a help text: ``DD/MM/YYYY``."""
    return re.sub(r"d+", "DD", re.sub(r"M+", "MM", date_pattern(locale))).upper()


def format_day(value: date, locale: Locale | None = None) -> str:
    return format_date(value, date_pattern(locale), locale=locale or current_locale())


def format_long_day(value: date, locale: Locale | None = None) -> str:
    """A day for reading rather than typing, with the month's name: ``10 Apr 2026`` (en_GB), ``Apr 10, 2026``."""
    return format_date(value, "medium", locale=locale or current_locale())


def parse_day(text: str, locale: Locale | None = None) -> date:
    """A typed date: ISO (``2026-04-15``) or the locale's order (``15/04/2026`` in en_GB, ``04/15/2026`` in
    en_US). ValueError says what to type instead."""
    text = text.strip()
    locale = locale or current_locale()
    problem = f"{text!r} is not a date; type it as {date_hint(locale)} or YYYY-MM-DD."
    if not text:
        raise ValueError(f"Type a date as {date_hint(locale)} or YYYY-MM-DD.")
    if ISO_DATE.match(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise ValueError(problem) from None
    if len(re.findall(r"\d+", text)) != 3:
        raise ValueError(problem)
    try:
        return parse_date(text, locale=locale)
    except (ParseError, ValueError):
        raise ValueError(problem) from None


def format_number(value: Decimal, locale: Locale | None = None, places: int | None = None) -> str:
    """``Decimal('25000')`` → ``'25,000.00'`` (with ``places=2``) in the user's locale; no rounding otherwise."""
    locale = locale or current_locale()
    if places is None:
        exponent = value.as_tuple().exponent
        places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return format_decimal(value, format=f"#,##0{'.' + '0' * places if places else ''}", locale=locale,
                          decimal_quantization=False)


def parse_number(text: str, locale: Locale | None = None) -> Decimal:
    """A typed number as ``Decimal``: the locale's form (``25,000.00``; ``25.000,00`` in de_DE) or a plain
    decimal (``25000.00``). ValueError says what to type instead."""
    text = text.strip().replace("\u00a0", " ").replace("\u202f", " ")
    locale = locale or current_locale()
    example = format_number(Decimal("25000.00"), locale)
    if not text:
        raise ValueError(f"Type a number such as {example}.")
    try:
        value = parse_decimal(text.replace(" ", get_group_symbol(locale)) if " " in text else text, locale,
                              strict=True)
    except NumberFormatError:
        if not PLAIN_DECIMAL.match(text):
            raise ValueError(f"{text!r} is not a number; type it as {example} (decimal mark "
                             f"{get_decimal_symbol(locale)!r}).") from None
        value = Decimal(text)
    if not value.is_finite():
        raise ValueError(f"{text!r} is not a number; type it as {example}.")
    return value

