"""Change detection for screens that must refresh when data changes, here or on another workstation.

Every change writes an audit entry in its own transaction, and the audit ``seq`` is unique and increasing
across workstations. So the token is simply the last ``seq`` a screen has seen: ``changes_since(token)``
returns the newest ``seq`` and the *topics* (audit ``entity`` names such as ``transaction``, ``nav``,
``fx_rates``, ``investor``) changed after it. Poll it (every few seconds, in a worker) and reload the
tables whose topic appears. ``changes_since(None)`` returns the current token and no topics.
"""

from __future__ import annotations

from fidus_desktop.services.audit import AuditLog

MAX_SCAN = 5000


def changes_since(audit: AuditLog, token: int | None) -> tuple[int, frozenset[str]]:
    """``(new_token, topics)``: the last audit ``seq`` and the entities changed after ``token``.

    A burst longer than ``MAX_SCAN`` entries reports the topic ``*`` (reload everything).
    """
    last = audit.last()
    newest = last["seq"] if last else 0
    if token is None or newest <= token:
        return newest, frozenset()
    docs = audit.entries.find({"seq": {"$gt": token}}, sort=[("seq", 1)], limit=MAX_SCAN,
                              projection=["seq", "entity"])
    topics = {d["entity"] for d in docs}
    if newest - token > MAX_SCAN:
        topics.add("*")
    return newest, frozenset(topics)
