"""How figures are written for people, in PDFs and on screen alike (one copy, so they never disagree).

Money is Decimal to the currency's minor units with thousands separators; ratios are floats shown as
percentages; a missing figure is an em dash, never a zero.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from fidus_desktop.domain.money import round_money, round_units

MISSING = "—"


def amount(value: Decimal | None, currency: str | None = None, *, with_code: bool = False) -> str:
    """``Decimal('1234567.5')`` → ``'1,234,567.50'`` (rounded half-even to the currency's minor units)."""
    if value is None:
        return MISSING
    shown = round_money(value, currency) if currency else value
    text = f"{shown:,}"
    return f"{text} {currency}" if with_code and currency else text


def units(value: Decimal | None) -> str:
    """Fund units to 4 decimals, the precision they are issued at."""
    return MISSING if value is None else f"{round_units(value):,}"


def nav(value: Decimal | None) -> str:
    """A NAV per unit to 4 decimals."""
    return units(value)


def percent(value: float | None, *, signed: bool = True, decimals: int = 2) -> str:
    """``0.0512`` → ``'+5.12 %'``; None → ``'—'`` (too little history to say)."""
    if value is None:
        return MISSING
    return f"{value * 100:{'+' if signed else ''}.{decimals}f} %"


def day(value: date | None) -> str:
    return MISSING if value is None else value.isoformat()
