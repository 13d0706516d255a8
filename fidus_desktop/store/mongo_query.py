"""Compile filter trees (``store.filters``) to MongoDB queries with the same results as ``sqlite_sql``.

Date-times and dates are stored as the same tagged strings as in SQLite, so a date-time range is bounded to
the date-time tag range and a text range excludes tagged strings (otherwise ``{"$lt": "b"}`` would match
every stored date). Numbers and booleans need no guard: MongoDB's own type bracketing already keeps
``{"$gt": 0}`` to numbers and ``{"x": 1}`` away from ``true``.

Arrays are opaque, as in SQLite (where ``json_extract`` gives an array as one value of its own type): a
condition never looks inside a stored list. MongoDB would match ``{"tags": "a"}`` against ``["a", "b"]``, range
and ``$in`` conditions against any element and a dotted path through every document in a list, and its ``$ne``
would refuse a list holding the value. So each condition on a field is compiled as "the field is not a list and
no field on its path is a list, and the condition holds", or what the condition means for a list value (only
the negative ones, ``$ne``, ``$nin`` and ``$exists: true``, hold) and for a path through a list (the field is
missing there). ``$contains`` is the one condition that looks inside a list: ``$elemMatch`` with ``$eq``, which
matches lists only, with no list allowed on the path before the field.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from bson.decimal128 import Decimal128

from fidus_desktop.store.codec import TAG_RANGES, TAGGED_TEXT, encode_filter_value
from fidus_desktop.store.filters import Compare, Contains, Exists, Logical, Member, Node, Text, bracket

_COLUMNS = ("_id", "version")  # stored plainly on every document: no type guard needed
# A regex that never matches a tagged string (date, date-time, bytes kept as text): they start with U+0001.
_NOT_TAGGED = "^(?!\\x01)"


def mongo_value(value: Any) -> Any:
    """A filter operand as stored: tagged text for dates, Decimal128 for Decimals."""
    value = encode_filter_value(value)
    return Decimal128(value) if isinstance(value, Decimal) else value


def _range(path: str, op: str, value: Any) -> dict[str, Any]:
    cond: dict[str, Any] = {op: mongo_value(value)}
    kind = bracket(value)
    if path not in _COLUMNS:
        if kind in TAG_RANGES:
            lo, hi = TAG_RANGES[kind]
            if op in ("$gt", "$gte"):
                cond["$lt"] = hi
            else:
                cond["$gte"] = lo
        elif kind == "text":
            cond["$not"] = {"$gte": TAGGED_TEXT[0], "$lt": TAGGED_TEXT[1]}
    return {path: cond}


def _text(node: Text) -> dict[str, Any]:
    escaped = re.escape(node.text)
    body = escaped if node.op == "$istartswith" else "[\\s\\S]*" + escaped
    return {node.path: {"$regex": _NOT_TAGGED + body, "$options": "i"}}


_IS_ARRAY = {"$type": "array"}
_NOT_ARRAY = {"$not": _IS_ARRAY}


def _on_missing_and_list(node: Node) -> tuple[bool, bool]:
    """Whether ``node`` holds for a missing field, and for a field holding a list (opaque)."""
    if isinstance(node, Compare):
        if node.op == "$eq":
            return node.value is None, False
        if node.op == "$ne":
            return node.value is not None, True
        return False, False
    if isinstance(node, Member):
        has_null = None in node.values
        return (not has_null, True) if node.negate else (has_null, False)
    if isinstance(node, Exists):
        return not node.present, node.present
    return False, False  # text operators


def _opaque_arrays(node: Node, query: dict[str, Any]) -> dict[str, Any]:
    """``query`` (one condition on one field) with stored lists treated as opaque values (module docstring)."""
    path = node.path  # type: ignore[union-attr]
    if path in _COLUMNS:
        return query
    parts = path.split(".")
    prefixes = [".".join(parts[:i]) for i in range(1, len(parts))]
    scalar_path = [{p: _NOT_ARRAY} for p in prefixes]
    on_missing, on_list = _on_missing_and_list(node)
    options: list[dict[str, Any]] = [{"$and": [query, {path: _NOT_ARRAY}, *scalar_path]}]
    if on_list:
        options.append({"$and": [{path: _IS_ARRAY}, *scalar_path]} if scalar_path else {path: _IS_ARRAY})
    if on_missing:
        options += [{p: _IS_ARRAY} for p in prefixes]
    return options[0] if len(options) == 1 else {"$or": options}


def _contains(node: Contains) -> dict[str, Any]:
    """A list at the path holding an element equal to the value (MongoDB's own type brackets)."""
    if node.path in _COLUMNS:
        return {"_id": {"$in": []}}  # ids and versions are never lists
    parts = node.path.split(".")
    prefixes = [".".join(parts[:i]) for i in range(1, len(parts))]
    query = {node.path: {"$elemMatch": {"$eq": mongo_value(node.value)}}}
    return {"$and": [query, *({p: _NOT_ARRAY} for p in prefixes)]} if prefixes else query


def compile_query(node: Node | None) -> dict[str, Any]:
    """The MongoDB query document for ``node`` (``{}`` matches everything)."""
    if node is None or isinstance(node, Logical):
        return _compile(node)
    if isinstance(node, Contains):
        return _contains(node)
    return _opaque_arrays(node, _compile(node))


def _compile(node: Node | None) -> dict[str, Any]:
    """``compile_query`` without the list guards (which it adds per field condition)."""
    if node is None:
        return {}
    if isinstance(node, Logical):
        parts = [compile_query(child) for child in node.children]
        parts = [p for p in parts if p]
        if not parts:
            return {}
        return parts[0] if len(parts) == 1 and node.op == "$and" else {node.op: parts}
    if isinstance(node, Exists):
        return {node.path: {"$exists": node.present}}
    if isinstance(node, Member):
        return {node.path: {"$nin" if node.negate else "$in": [mongo_value(v) for v in node.values]}}
    if isinstance(node, Text):
        return _text(node)
    if isinstance(node, Contains):
        return _contains(node)
    assert isinstance(node, Compare)
    if node.op == "$eq":
        return {node.path: mongo_value(node.value)}
    if node.op == "$ne":
        return {node.path: {"$ne": mongo_value(node.value)}}
    return _range(node.path, node.op, node.value)
