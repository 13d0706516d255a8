"""Keyset ("seek") paging: the filter that starts a page right after the last row of the previous page.

Why: ``skip=N`` makes the database walk and discard N rows, so a page 50,000 rows down a table costs several
times the first page; a seek starts at the last row's sort key through the index, whatever the depth.
The filter uses only the common subset (``$or``, equality, ``$gt``/``$lt``/``$gte``/``$lte``), so both
adapters run it; the leading ``$gte``/``$lte`` on the first sort field repeats what the ``$or`` implies so
that the planner can start an index range there instead of testing the ``$or`` on every row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fidus_desktop.store.port import Filter, Sort


def seek_filter(order: Sort, last: Sequence[Any]) -> Filter | None:
    """Rows strictly after ``last`` in ``order``; None when no cursor can be formed (then page by offset).

    ``order`` is the complete sort and must end with a field unique within the query (``_id``, or an MT5
    ticket within one login), so that "after" is exact even when earlier fields tie. ``last`` holds the last
    row's value of every ``order`` field. A null or boolean value cannot be range-compared: None.
    """
    if not order or len(last) != len(order) or any(v is None or isinstance(v, bool) for v in last):
        return None
    alternatives: list[Filter] = []
    for i, (field, direction) in enumerate(order):
        ties: Filter = {name: value for (name, _), value in zip(order[:i], last[:i], strict=True)}
        alternatives.append({**ties, field: {"$gt" if direction == 1 else "$lt": last[i]}})
    first, direction = order[0]
    return {first: {"$gte" if direction == 1 else "$lte": last[0]}, "$or": alternatives}


def after(query: Filter, seek: Filter | None) -> Filter:
    """``query`` narrowed to the rows after the cursor (``query`` itself without one)."""
    if seek is None:
        return query
    return {"$and": [query, seek]} if query else seek
