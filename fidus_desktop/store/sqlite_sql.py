"""Compile filter trees (``store.filters``) to SQLite SQL over JSON documents.

A field is read with ``json_extract(doc, '$.path')``; ``_id`` and ``version`` are real columns. The same
expression is used in declared indexes, so SQLite's planner uses them for equality, ranges and sorts.
Type brackets follow MongoDB: numbers only match numbers, text only text, date-times only date-times.
``$contains`` walks the stored list with ``json_each`` (a scan of the matching documents: no index serves it).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from fidus_desktop.store.codec import TAG_RANGES, TAGGED_TEXT, encode_filter_value
from fidus_desktop.store.filters import Compare, Contains, Exists, Logical, Member, Node, Text, bracket

COLUMNS = {"_id": "id", "version": "version"}
_NUMERIC = "IN ('integer','real')"


def field_sql(path: str) -> str:
    """The SQL expression for ``path`` (validated by ``filters.check_path``)."""
    return COLUMNS.get(path) or f"json_extract(doc, '$.{path}')"


def _type_sql(path: str) -> str:
    return f"json_type(doc, '$.{path}')"


def sql_param(value: Any) -> Any:
    """A filter operand as SQLite sees stored values (Decimals compare as doubles: see docs/STORAGE.md)."""
    if type(value) is int or type(value) is str:
        return value  # most operands, and every natural key of a bulk upsert: nothing to convert
    value = encode_filter_value(value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _guard(path: str, kind: str) -> tuple[str, list[Any]]:
    """SQL restricting ``path`` to the type bracket ``kind`` (empty for columns)."""
    if path in COLUMNS:
        return "", []
    x = field_sql(path)
    if kind == "number":
        return f" AND {_type_sql(path)} {_NUMERIC}", []
    if kind in TAG_RANGES:
        # Not a range on x: a second pair of bounds on the indexed expression would let the planner pick the
        # whole tag range instead of the caller's window (a scan of every date-time in the index).
        return f" AND substr({x}, 1, 2) = ?", [TAG_RANGES[kind][0]]
    if kind == "text":
        lo, hi = TAGGED_TEXT
        return f" AND {_type_sql(path)} = 'text' AND NOT ({x} >= ? AND {x} < ?)", [lo, hi]
    return "", []


def _equal(path: str, value: Any) -> tuple[str, list[Any]]:
    x = field_sql(path)
    kind = bracket(value)
    if kind == "null":
        return f"{x} IS NULL", []
    if kind == "bool":
        return f"{_type_sql(path)} = '{'true' if value else 'false'}'", []
    guard, params = _guard(path, kind)
    return f"({x} = ?{guard})", [sql_param(value), *params]


def _member(path: str, values: tuple[Any, ...]) -> tuple[str, list[Any]]:
    """``$in``: one ``IN`` over a JSON array per type bracket. An ``OR`` per value nests one level deeper each,
    and SQLite refuses an expression tree deeper than 1,000, so a lookup of 1,000 ids used to fail."""
    by_kind: dict[str, list[Any]] = {}
    for value in values:
        by_kind.setdefault(bracket(value), []).append(value)
    parts: list[tuple[str, list[Any]]] = []
    for kind, group in by_kind.items():
        if kind in ("null", "bool"):
            parts.extend(_equal(path, value) for value in group)  # at most null, true and false
            continue
        guard, params = _guard(path, kind)
        members = json.dumps([sql_param(value) for value in group])
        parts.append((f"({field_sql(path)} IN (SELECT value FROM json_each(?)){guard})", [members, *params]))
    return "(" + " OR ".join(p for p, _ in parts) + ")", [v for _, ps in parts for v in ps]


def _contains(node: Contains) -> tuple[str, list[Any]]:
    """A list at ``node.path`` with an element equal to the value, in the value's type bracket."""
    if node.path in COLUMNS:
        return "0", []  # ids and versions are never lists
    kind, where = bracket(node.value), f"'$.{node.path}'"
    if kind == "bool":
        element = f"e.type = '{'true' if node.value else 'false'}'"
        params: list[Any] = []
    else:
        types = _NUMERIC if kind == "number" else "= 'text'"  # dates are tagged text, like the operand
        element = f"e.value = ? AND e.type {types}"
        params = [sql_param(node.value)]
    return (f"({_type_sql(node.path)} = 'array' AND EXISTS (SELECT 1 FROM json_each(doc, {where}) AS e "
            f"WHERE {element}))"), params


def _not(sql: str) -> str:
    return f"NOT COALESCE({sql}, 0)"


def compile_node(node: Node | None) -> tuple[str, list[Any]]:
    """SQL ``WHERE`` text and parameters for ``node`` (``1`` for no filter)."""
    if node is None:
        return "1", []
    if isinstance(node, Logical):
        parts = [compile_node(child) for child in node.children]
        if not parts:
            return "1", []
        joiner = " AND " if node.op == "$and" else " OR "
        return "(" + joiner.join(p for p, _ in parts) + ")", [v for _, ps in parts for v in ps]
    if isinstance(node, Exists):
        if node.path in COLUMNS:
            return ("1" if node.present else "0"), []
        return f"{_type_sql(node.path)} IS {'NOT ' if node.present else ''}NULL", []
    if isinstance(node, Member):
        if not node.values:
            return ("1" if node.negate else "0"), []
        sql, params = _member(node.path, node.values)
        return (_not(sql) if node.negate else sql), params
    if isinstance(node, Contains):
        return _contains(node)
    if isinstance(node, Text):
        x = field_sql(node.path)
        guard, params = _guard(node.path, "text")
        if node.op == "$istartswith":
            escaped = node.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            return f"(fidus_fold({x}) LIKE ? ESCAPE '\\'{guard})", [escaped + "%", *params]
        return f"(instr(fidus_fold({x}), ?) > 0{guard})", [node.text, *params]
    assert isinstance(node, Compare)
    if node.op == "$eq":
        return _equal(node.path, node.value)
    if node.op == "$ne":
        sql, params = _equal(node.path, node.value)
        return _not(sql), params
    kind = bracket(node.value)
    op = {"$gt": ">", "$gte": ">=", "$lt": "<", "$lte": "<="}[node.op]
    guard, params = _guard(node.path, kind)
    return f"({field_sql(node.path)} {op} ?{guard})", [sql_param(node.value), *params]


def order_sql(sort: list[tuple[str, int]]) -> str:
    if not sort:
        return ""
    return " ORDER BY " + ", ".join(f"{field_sql(p)} {'ASC' if d == 1 else 'DESC'}" for p, d in sort)
