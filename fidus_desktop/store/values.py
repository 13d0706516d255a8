"""What may be stored, checked once for both adapters.

Documents are dicts of str keys. Values: None, bool, int (64-bit), ``Decimal`` (at most 34 significant
digits, what MongoDB's Decimal128 holds), str, timezone-aware ``datetime`` (kept to the microsecond, in
UTC), ``date``, bytes, lists and dicts of those. Floats are refused: money and every other non-integer
number is a ``Decimal``, so nothing ever rounds through binary floating point.

Keys starting with ``$``, containing ``.`` or NUL are refused (operator injection, dotted-path confusion).
Strings may not contain the control characters U+0000 and U+0001, which the adapters use as type tags.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from fidus_desktop.store.errors import InvalidDocument

MAX_STRING_CHARS = 1_000_000
MAX_BYTES = 12 * 1024 * 1024
MAX_DEPTH = 32
MAX_DECIMAL_DIGITS = 34
MIN_DECIMAL_EXPONENT, MAX_DECIMAL_EXPONENT = -6176, 6111  # Decimal128's range
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
RESERVED_FIELDS = ("_id", "version")  # kept by the store itself, never part of the stored body


def without_reserved(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` without the store's bookkeeping fields (returned as is when it has none)."""
    if "_id" not in doc and "version" not in doc:
        return doc
    return {k: v for k, v in doc.items() if k not in RESERVED_FIELDS}
_PLAIN_TYPES = (Decimal, str, int, datetime, date, bytes)


def check_key(key: object, path: str) -> str:
    """Refuse keys that could be read as operators or paths."""
    if not isinstance(key, str):
        raise InvalidDocument(f"Field names must be text; {path or 'the document'} has the key {key!r}.")
    if not key or key.startswith("$") or "." in key or "\x00" in key:
        raise InvalidDocument(
            f"The field name {key!r} at {path or 'the top level'} is not allowed: field names may not be "
            "empty, start with '$', or contain '.' or NUL."
        )
    return key


def check_scalar(value: Any, path: str) -> None:
    """Raise ``InvalidDocument`` if the scalar ``value`` may not be stored; containers are walked by callers."""
    if value is None or value is True or value is False:
        return
    kind = type(value)
    if kind is str:
        if len(value) > MAX_STRING_CHARS:
            raise InvalidDocument(
                f"The text at {path} is {len(value):,} characters; the limit is {MAX_STRING_CHARS:,}."
            )
        if "\x00" in value or "\x01" in value:
            raise InvalidDocument(f"The text at {path} contains a NUL or U+0001 control character; remove it.")
    elif kind is int:
        if not INT64_MIN <= value <= INT64_MAX:
            raise InvalidDocument(f"The integer at {path} does not fit in 64 bits; store it as a Decimal.")
    elif kind is Decimal:
        if not value.is_finite():
            raise InvalidDocument(f"The number at {path} is {value}; only finite numbers can be stored.")
        _, digits, exponent = value.as_tuple()
        if len(digits) > MAX_DECIMAL_DIGITS:
            raise InvalidDocument(f"The number at {path} has more than {MAX_DECIMAL_DIGITS} significant digits.")
        if not MIN_DECIMAL_EXPONENT <= exponent <= MAX_DECIMAL_EXPONENT:
            raise InvalidDocument(f"The number at {path} ({value}) is too large or too small to store exactly.")
    elif kind is float:
        raise InvalidDocument(
            f"The value at {path} is a float ({value!r}); store money and other fractions as Decimal."
        )
    elif kind is datetime:
        if value.tzinfo is None or value.utcoffset() is None:
            raise InvalidDocument(f"The date-time at {path} has no time zone; use an aware datetime (UTC).")
    elif kind is date:
        return
    elif kind is bytes:
        if len(value) > MAX_BYTES:
            raise InvalidDocument(f"The binary value at {path} is {len(value):,} bytes; the limit is {MAX_BYTES:,}.")
    elif isinstance(value, _PLAIN_TYPES):
        # Subclasses (enums, pendulum dates …) are refused so that what comes back equals what went in.
        plain = next(t for t in _PLAIN_TYPES if isinstance(value, t))
        raise InvalidDocument(f"The value at {path} is a {kind.__name__}; convert it to a plain {plain.__name__}.")
    else:
        raise InvalidDocument(f"The value at {path} is a {kind.__name__}, which cannot be stored.")


def to_utc(value: datetime) -> datetime:
    """The same instant in UTC (stored form)."""
    return value.astimezone(UTC)


def join(path: str, key: str | int) -> str:
    return f"{path}.{key}" if path else str(key)
