"""The one filter language both adapters honour identically: a documented subset of MongoDB query syntax.

Supported: ``{"field": value}`` (equality), ``$eq $ne $in $nin $gt $gte $lt $lte $exists``, ``$and $or``,
dotted paths into embedded documents, and two case-insensitive text operators of our own:
``$istartswith`` (prefix) and ``$icontains`` (substring), and ``$contains`` (the field is a list holding an element
equal to the value, within its type bracket). Range operators compare within one type bracket
(numbers with numbers, text with text, date-times with date-times, dates with dates), as MongoDB does.
Anything else is refused with ``InvalidFilter`` rather than silently ignored. Apart from ``$contains``, filtering
on array elements is not part of the subset: a stored list is one opaque value (only ``$ne``, ``$nin`` and
``$exists: true`` hold for it) and a dotted path through a list is missing, on both adapters.

``parse_filter`` turns a filter into a small tree; each adapter compiles the tree to its own query language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fidus_desktop.store.errors import InvalidFilter

_PATH_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
COMPARISONS = ("$eq", "$ne", "$gt", "$gte", "$lt", "$lte")
RANGES = ("$gt", "$gte", "$lt", "$lte")
TEXT_OPS = ("$istartswith", "$icontains")
_SCALARS = (type(None), bool, int, Decimal, str, datetime, date)


@dataclass(frozen=True)
class Compare:
    path: str
    op: str  # one of COMPARISONS
    value: Any


@dataclass(frozen=True)
class Member:
    path: str
    values: tuple[Any, ...]
    negate: bool


@dataclass(frozen=True)
class Exists:
    path: str
    present: bool


@dataclass(frozen=True)
class Text:
    path: str
    op: str  # one of TEXT_OPS
    text: str  # already case-folded


@dataclass(frozen=True)
class Contains:
    """The field holds a list with an element equal to ``value`` (same type bracket); nothing else matches."""

    path: str
    value: Any


@dataclass(frozen=True)
class Logical:
    op: str  # "$and" | "$or"
    children: tuple[Node, ...]


Node = Compare | Member | Exists | Text | Contains | Logical


def check_path(path: object) -> str:
    """A field path is letters, digits and underscores, dot-separated; nothing else reaches a query."""
    if not isinstance(path, str) or not _PATH_RE.match(path):
        raise InvalidFilter(
            f"{path!r} is not a field name; use letters, digits and '_' with '.' between levels (e.g. 'address.city')."
        )
    return path


def _check_value(value: Any, path: str) -> Any:
    if isinstance(value, float):
        raise InvalidFilter(f"The filter on {path!r} uses a float; compare with a Decimal or an int.")
    if type(value) not in _SCALARS:
        raise InvalidFilter(
            f"The filter on {path!r} compares with a {type(value).__name__}; only text, numbers, booleans, "
            "dates, date-times and null can be compared (operators such as {'$gt': ''} are only allowed "
            "where this documented subset expects them)."
        )
    if isinstance(value, datetime) and value.utcoffset() is None:
        raise InvalidFilter(f"The date-time compared with {path!r} has no time zone; use an aware datetime.")
    if isinstance(value, str) and ("\x00" in value or "\x01" in value):
        raise InvalidFilter(f"The text compared with {path!r} contains a control character.")
    return value


def _field(path: str, spec: Any) -> Node:
    if not isinstance(spec, dict):
        return Compare(path, "$eq", _check_value(spec, path))
    if not spec:
        raise InvalidFilter(f"The condition on {path!r} is empty.")
    parts: list[Node] = []
    for op, arg in spec.items():
        if op in COMPARISONS:
            value = _check_value(arg, path)
            if op in RANGES and bracket(value) in ("null", "bool"):
                raise InvalidFilter(f"{op} on {path!r} needs a number, text, date or date-time, not {value!r}.")
            parts.append(Compare(path, op, value))
        elif op in ("$in", "$nin"):
            if not isinstance(arg, (list, tuple)):
                raise InvalidFilter(f"{op} on {path!r} needs a list of values.")
            parts.append(Member(path, tuple(_check_value(v, path) for v in arg), negate=op == "$nin"))
        elif op == "$exists":
            if not isinstance(arg, bool):
                raise InvalidFilter(f"$exists on {path!r} takes true or false.")
            parts.append(Exists(path, arg))
        elif op in TEXT_OPS:
            if not isinstance(arg, str) or "\x00" in arg or "\x01" in arg:
                raise InvalidFilter(f"{op} on {path!r} takes plain text.")
            parts.append(Text(path, op, arg.casefold()))
        elif op == "$contains":
            if arg is None:
                raise InvalidFilter(f"$contains on {path!r} needs the element to look for, not null.")
            parts.append(Contains(path, _check_value(arg, path)))
        else:
            raise InvalidFilter(
                f"{op!r} on {path!r} is not a supported operator; use one of "
                f"{', '.join((*COMPARISONS, '$in', '$nin', '$exists', *TEXT_OPS, '$contains'))}."
            )
    return parts[0] if len(parts) == 1 else Logical("$and", tuple(parts))


def parse_filter(spec: dict[str, Any] | None) -> Node | None:
    """Validate ``spec`` and return its tree (None matches everything)."""
    if spec is None:
        return None
    if not isinstance(spec, dict):
        raise InvalidFilter(f"A filter is a mapping of field names to conditions, not {type(spec).__name__}.")
    parts: list[Node] = []
    for key, cond in spec.items():
        if key in ("$and", "$or"):
            if not isinstance(cond, (list, tuple)) or not cond:
                raise InvalidFilter(f"{key} needs a non-empty list of filters.")
            parsed = [parse_filter(c) for c in cond]
            if key == "$or" and None in parsed:
                continue  # one alternative matches everything, so the $or does too
            parts.append(Logical(key, tuple(n for n in parsed if n is not None)))
        elif isinstance(key, str) and key.startswith("$"):
            raise InvalidFilter(f"{key!r} is not a supported top-level operator; use $and or $or.")
        else:
            parts.append(_field(check_path(key), cond))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else Logical("$and", tuple(parts))


def parse_sort(sort: list[tuple[str, int]] | None) -> list[tuple[str, int]]:
    """Validate a sort spec: a list of (path, 1 | -1)."""
    result = []
    for item in sort or []:
        if not (isinstance(item, tuple | list) and len(item) == 2 and item[1] in (1, -1)):
            raise InvalidFilter(f"Sort entries are (field, 1) or (field, -1), not {item!r}.")
        result.append((check_path(item[0]), int(item[1])))
    return result


def bracket(value: Any) -> str:
    """The MongoDB type bracket a value compares within."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, Decimal)):
        return "number"
    if isinstance(value, datetime):
        return "datetime"
    if isinstance(value, date):
        return "date"
    return "text"
