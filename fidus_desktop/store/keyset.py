"""Keyset ("seek") paging: the page that starts right after the last row of the previous page.

Why: ``skip=N`` makes the database walk and discard N rows, so a page deep in a large table costs more the
deeper it is; a seek starts at the last row's sort key through the index, whatever the depth.

"After the last row" in an order ``(f1, f2, …, id)`` is the ``$or`` of ``f1 > v1``, ``f1 = v1 and f2 > v2``,
…, ``f1 = v1 and … and id > vid``. As one ``$or`` query the planner can only walk the index from ``f1 = v1``
and test every row of a long tie group (a page 20,000 rows into a two-valued ``kind`` cost 140 ms against
20 ms by offset, measured on SQLite), so ``find_after`` runs the alternatives one after another, the deepest
tie first: each is one index range (e.g. ``kind = ? and _id > ?`` on an index ``(kind, _id)``) and, being
disjoint and in sort order, their results concatenate into the page. Only the common filter subset is used,
so both adapters run it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fidus_desktop.store.port import Collection, Document, Filter, Sort


def seek_branches(order: Sort, last: Sequence[Any]) -> list[Filter] | None:
    """The rows after ``last`` in ``order`` as disjoint filters in sort order; None when no cursor can be formed.

    ``order`` is the complete sort and must end with a field unique within the query (``_id``, or an MT5
    ticket within one login), so that "after" is exact even when earlier fields tie. ``last`` holds the last
    row's value of every ``order`` field; a null or boolean value cannot be range-compared (then None).
    """
    if not order or len(last) != len(order) or any(v is None or isinstance(v, bool) for v in last):
        return None
    branches: list[Filter] = []
    for i in reversed(range(len(order))):
        field, direction = order[i]
        ties: Filter = {name: value for (name, _), value in zip(order[:i], last[:i], strict=True)}
        branches.append({**ties, field: {"$gt" if direction == 1 else "$lt": last[i]}})
    return branches


def after(query: Filter, branch: Filter) -> Filter:
    """``query`` narrowed by one seek branch."""
    return {"$and": [query, branch]} if query else branch


def find_after(collection: Collection, query: Filter, order: Sort, last: Sequence[Any], limit: int
               ) -> list[Document] | None:
    """Up to ``limit`` documents matching ``query`` after ``last`` in ``order``; None without a cursor (the caller
    then pages by offset, and says so)."""
    branches = seek_branches(order, last)
    if branches is None:
        return None
    found: list[Document] = []
    for tied, branch in zip(range(len(order) - 1, -1, -1), branches, strict=True):
        # Fields fixed by the branch's equalities are left out of its sort: SQLite then reads the rest of the
        # index in order instead of sorting the whole tie group first.
        found.extend(collection.find(after(query, branch), sort=order[tied:], limit=limit - len(found)))
        if len(found) >= limit:
            break
    return found
