"""Helpers the portfolio services share: input parsing with clear messages, paging, and money fields.

Why here: every service validates the same kinds of input (codes, dates, Decimals, currencies) and the
messages must read the same everywhere; one copy keeps them consistent.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from fidus_desktop.domain.money import MoneyError, check_currency, to_decimal
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.permissions import Permission, PermissionDenied, allowed, require
from fidus_desktop.store.errors import DuplicateKey
from fidus_desktop.store.port import Document, Filter, Sort

CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9._-]{0,39}$")
MAX_PAGE = 1000


def parse_code(value: Any, field: str, label: str) -> str:
    """An upper-case business code (fund, class, investor number, instrument, product)."""
    if not isinstance(value, str) or not CODE_RE.match(value.strip().upper()):
        raise ValidationError({field: f"{label} {value!r} must be 1-40 letters, digits, '.', '_' or '-'."})
    return value.strip().upper()


# The documented ranges of every number and date a portfolio service accepts (docs/SECURITY.md, "Bad input"):
# wide enough for any fund office, narrow enough that nothing downstream (statements, quantize, reports)
# meets a value it cannot represent, such as 1e400 or 40 digits.
MAX_MAGNITUDE = Decimal(10) ** 15  # amounts, units, NAVs, prices, rates, levels: |value| < 10^15
MAX_PLACES = 10  # decimal places
EARLIEST_DATE = date(1800, 1, 1)  # later checks are stricter where they know more (birth dates)
LATEST_AHEAD_DAYS = 366  # dates at most a year ahead (forward-dated deals); no NAV in 2099


def parse_date(value: Any, field: str, label: str, *, today: date, ahead_days: int = LATEST_AHEAD_DAYS) -> date:
    """A ``date`` or an ISO ``YYYY-MM-DD`` text, from 1800-01-01 to ``ahead_days`` (a year) from ``today`` (the
    service's clock: the demo's day on the demo's timeline)."""
    day: date | None = None
    if isinstance(value, date):
        day = value
    elif isinstance(value, str):
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            day = None
    if day is None:
        raise ValidationError({field: f"{label} {value!r} is not a date; write it as YYYY-MM-DD."})
    latest = today + timedelta(days=ahead_days)
    if not EARLIEST_DATE <= day <= latest:
        raise ValidationError({field: f"{label} {day.isoformat()} is not plausible; it must lie between "
                                      f"{EARLIEST_DATE.isoformat()} and {latest.isoformat()}."})
    return day


def parse_decimal(value: Any, field: str, label: str, *, positive: bool = False, minimum: int | None = None) -> Decimal:
    """A Decimal from a Decimal, int or numeric text (never a float), optionally > 0 or >= ``minimum``."""
    try:
        number = to_decimal(value, label.removeprefix("The ").removeprefix("the "))  # it says "The …" itself
    except MoneyError as exc:
        raise ValidationError({field: str(exc)}) from None
    if abs(number) >= MAX_MAGNITUDE:
        raise ValidationError({field: f"{label} {_short(value)} is out of range; it must be smaller than 10^15 "
                                      "in absolute value."})
    exponent = number.normalize().as_tuple().exponent  # an int: the number is finite here
    if number != number.to_integral_value() and isinstance(exponent, int) and -exponent > MAX_PLACES:
        raise ValidationError({field: f"{label} {_short(value)} has more than {MAX_PLACES} decimal places."})
    if positive and number <= 0:
        raise ValidationError({field: f"{label} must be greater than zero, not {number}."})
    if minimum is not None and number < minimum:
        raise ValidationError({field: f"{label} must be at least {minimum}, not {number}."})
    return number


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def parse_currency(value: Any, field: str = "currency") -> str:
    try:
        return check_currency(value)
    except MoneyError as exc:
        raise ValidationError({field: str(exc)}) from None


def parse_choice(value: Any, choices: Sequence[str], field: str, label: str) -> str:
    text = value.strip().lower() if isinstance(value, str) else value
    if text not in choices:
        raise ValidationError({field: f"{label} {value!r} is not one of {', '.join(choices)}."})
    return text


def duplicate(field: str, message: str) -> ValidationError:
    """The ValidationError a unique-index clash becomes (raised ``from None`` by callers)."""
    return ValidationError({field: message})


def insert_unique(collection: Any, doc: Document, field: str, message: str) -> Document:
    """Insert ``doc``; a clash on a unique natural key becomes a ValidationError naming ``field``."""
    try:
        return collection.insert(doc)
    except DuplicateKey:
        raise duplicate(field, message) from None


def require_investor_read(actor: Actor, investor_id: str, staff: Permission) -> None:
    """Staff holding ``staff`` read any investor's records; a client (``own_accounts.read``) only its own."""
    if allowed(actor.role, staff):
        return
    require(actor, Permission.OWN_ACCOUNTS_READ)
    if investor_id not in actor.investor_ids:
        raise PermissionDenied(f"{actor.username} may only see their own investor accounts.")


@dataclass(frozen=True)
class PageRequest:
    """What a lazy table asks for: a filter, a sort on allowed fields, and a window of rows."""

    sort: Sort
    offset: int
    limit: int


def check_page(sort: Sort | None, offset: int, limit: int, allowed: Sequence[str], default: Sort) -> PageRequest:
    """Validate a page request: sort only on indexed fields (so paging stays fast), sane window.

    ``_id`` breaks ties in the direction of the last sort field, so one index on ``(field, _id)`` serves the
    order read forwards or backwards, and a keyset cursor (``store.keyset``) is exact.
    """
    sort = list(sort or default)
    bad = [f for f, _ in sort if f not in allowed]
    if bad:
        raise ValidationError({"sort": f"Cannot sort by {', '.join(bad)}; sortable: {', '.join(allowed)}."})
    if offset < 0 or not 0 < limit <= MAX_PAGE:
        raise ValidationError({"limit": f"Ask for 1 to {MAX_PAGE} rows from an offset of 0 or more."})
    return PageRequest([*sort, ("_id", sort[-1][1])], offset, limit)


def date_range(field: str, start: date | None, end: date | None) -> Filter:
    """A store filter keeping ``field`` within ``[start, end]`` (either side open)."""
    bounds: dict[str, date] = {}
    if start is not None:
        bounds["$gte"] = start
    if end is not None:
        bounds["$lte"] = end
    return {field: bounds} if bounds else {}
