"""Whether the signed-in MongoDB user may change the FIDUS collections, from the server's own account of the
user's privileges (``connectionStatus`` with ``showPrivileges``), so that a user whose roles only read opens the
database read-only up front, like a write-protected SQLite file, instead of meeting the server's refusal on
the first write.

The reply lists privileges by resource: ``{"db": D, "collection": C}`` (``D == ""``: every database, ``C == ""``:
every collection of ``D`` except ``system.*``), ``{"cluster": true}`` or ``{"anyResource": true}``, each with its
actions. FIDUS writes with ``insert``, ``update`` and ``remove``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

WRITE_ACTIONS = ("insert", "update", "remove")


def _covers(resource: Mapping[str, Any], database: str, collection: str) -> bool:
    if resource.get("anyResource"):
        return True
    if resource.get("db") not in ("", database) or "collection" not in resource:
        return False
    wanted = resource["collection"]
    return collection == wanted or (wanted == "" and not collection.startswith("system."))


def granted(privileges: Iterable[Mapping[str, Any]], database: str, collection: str) -> set[str]:
    """The actions ``privileges`` grant on ``database.collection``."""
    actions: set[str] = set()
    for privilege in privileges:
        if _covers(privilege.get("resource") or {}, database, collection):
            actions.update(privilege.get("actions") or ())
    return actions


def read_only_reason(status: Mapping[str, Any], database: str, collections: Sequence[str]) -> str | None:
    """Why the user of ``status`` (a ``connectionStatus`` reply with privileges) cannot change ``collections`` of
    ``database``, or None when they can. A connection with no authenticated user is a server without access
    control (or one that will refuse every read as well): the server decides then, as before."""
    auth = status.get("authInfo") or {}
    users = auth.get("authenticatedUsers") or []
    if not users:
        return None
    privileges = auth.get("authenticatedUserPrivileges") or []
    lacking = {name: [a for a in WRITE_ACTIONS if a not in granted(privileges, database, name)]
               for name in collections}
    lacking = {name: actions for name, actions in lacking.items() if actions}
    if not lacking:
        return None
    who = ", ".join(f"{u.get('user')}@{u.get('db')}" for u in users)
    roles = ", ".join(f"{r.get('role')}@{r.get('db')}" for r in auth.get("authenticatedUserRoles") or []) or "none"
    missing = sorted({a for actions in lacking.values() for a in actions})
    where = (f"database {database}" if len(lacking) == len(collections)
             else f"{', '.join(sorted(lacking)[:5])}{' …' if len(lacking) > 5 else ''} in database {database}")
    return f"the MongoDB user {who} (roles: {roles}) may not {', '.join(missing)} in {where}"
