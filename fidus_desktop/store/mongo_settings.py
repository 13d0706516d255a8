"""The MongoDB client and transaction settings that make commits durable, and the URI options they override."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from pymongo.read_concern import ReadConcern
from pymongo.read_preferences import ReadPreference
from pymongo.write_concern import WriteConcern

CLIENT_OPTIONS: dict[str, Any] = {
    "uuidRepresentation": "standard",
    "tz_aware": True,
    "serverSelectionTimeoutMS": 5000,
    "connectTimeoutMS": 5000,
    # A busy server (a large commit, another workstation's index build) is not an unreachable one; a server
    # that is really gone is noticed by server selection (5 s) on the next call.
    "socketTimeoutMS": 120_000,
    "appname": "FIDUS Desktop",
}
TRANSACTION_OPTIONS: dict[str, Any] = {
    "read_concern": ReadConcern("snapshot"),
    "write_concern": WriteConcern("majority"),
    "read_preference": ReadPreference.PRIMARY,
}


def pinned_options(options: str) -> tuple[dict[str, Any], list[str]]:
    """Client keyword arguments that pin durability, and a warning for each URI option they override.

    Every write is acknowledged by a majority of the replica set (an acknowledged change survives a fail-over)
    and every read comes from the primary with majority read concern: a secondary may lag, which would make
    the version checks fail, and a transaction cannot read from one at all. Keyword arguments take precedence
    over URI options in pymongo, so a URI cannot weaken these; ``fidus doctor`` lists what was overridden.
    """
    given = {k.lower(): unquote(v) for k, _, v in (p.partition("=") for p in options.split("&") if p)}
    pinned = {"w": "majority", "readPreference": "primary", "readConcernLevel": "majority"}
    warnings = []
    for name, value in pinned.items():
        asked = given.get(name.lower())
        if asked is not None and asked.lower() != value.lower():
            warnings.append(f"{name}={asked} in the database URI was overridden to {name}={value}")
    for name in ("journal", "j"):
        if given.get(name, "").lower() == "false":
            warnings.append(f"{name}=false in the database URI was overridden (majority writes are journaled)")
    return {**pinned, "journal": True}, warnings
