"""Money on ``Decimal``: amounts never touch float.

Rounding is ROUND_HALF_EVEN to the currency's minor units (2 dp for most, 0 for
JPY, 3 for BHD …); fund units round to 4 dp. See docs/GLOSSARY.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from fidus_desktop.errors import UserError

UNITS_DP = 4
_CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
# ISO 4217 minor units that differ from the usual 2.
_MINOR_UNITS = {
    "JPY": 0, "KRW": 0, "ISK": 0, "CLP": 0, "VND": 0, "HUF": 2,
    "BHD": 3, "KWD": 3, "OMR": 3, "JOD": 3, "TND": 3, "LYD": 3, "IQD": 3,
}


class MoneyError(UserError, ValueError):
    """Invalid amount, currency or a mixed-currency operation."""


def check_currency(code: str) -> str:
    """Return ``code`` upper-cased if it looks like an ISO 4217 code, else raise."""
    if not isinstance(code, str) or not _CURRENCY_RE.match(code.strip().upper()):
        raise MoneyError(f"Currency {code!r} is not a 3-letter ISO 4217 code such as EUR or USD.")
    return code.strip().upper()


def minor_units(currency: str) -> int:
    """Decimal places of ``currency`` (2 unless ISO 4217 says otherwise)."""
    return _MINOR_UNITS.get(check_currency(currency), 2)


def to_decimal(value: object, what: str = "amount") -> Decimal:
    """Convert ``value`` (Decimal, int or numeric string) to Decimal; floats are refused.

    A float has already lost cents (0.1 + 0.2 != 0.3); callers must pass strings.
    """
    if isinstance(value, bool) or isinstance(value, float):
        raise MoneyError(f"The {what} {value!r} is a float; pass a Decimal or a string such as '12.50'.")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        text = value.strip().replace("_", "")
        try:
            result = Decimal(text)
        except InvalidOperation:
            raise MoneyError(f"The {what} {value!r} is not a number; write it like 1234.56.") from None
    else:
        raise MoneyError(f"The {what} {value!r} is not a number.")
    if not result.is_finite():
        raise MoneyError(f"The {what} {value!r} must be a finite number.")
    return result


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round ``amount`` to the minor units of ``currency`` (ROUND_HALF_EVEN)."""
    return amount.quantize(Decimal(1).scaleb(-minor_units(currency)), rounding=ROUND_HALF_EVEN)


def round_units(units: Decimal) -> Decimal:
    """Round fund units to 4 dp (ROUND_HALF_EVEN)."""
    return units.quantize(Decimal(1).scaleb(-UNITS_DP), rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in one currency. Arithmetic across currencies is an error, never a silent 1:1."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", to_decimal(self.amount))
        object.__setattr__(self, "currency", check_currency(self.currency))

    @classmethod
    def of(cls, amount: object, currency: str) -> Money:
        return cls(to_decimal(amount), currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"Cannot combine Money with {type(other).__name__}.")
        if other.currency != self.currency:
            raise MoneyError(
                f"Cannot combine {self.currency} and {other.currency}; convert with an FX rate first."
            )

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __mul__(self, factor: object) -> Money:
        if isinstance(factor, Money):
            raise TypeError("Money cannot be multiplied by Money.")
        return Money(self.amount * to_decimal(factor, "factor"), self.currency)

    __rmul__ = __mul__

    def __truediv__(self, divisor: object) -> Money:
        return Money(self.amount / to_decimal(divisor, "divisor"), self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.amount >= other.amount

    def rounded(self) -> Money:
        """This amount rounded to the currency's minor units."""
        return Money(round_money(self.amount, self.currency), self.currency)

    def is_zero(self) -> bool:
        return self.amount == 0

    def __str__(self) -> str:
        return f"{round_money(self.amount, self.currency):,} {self.currency}"
