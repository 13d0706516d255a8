"""The "restore in progress" marker: written before a restore changes the live collections, removed after.

A MongoDB restore switches staged collections in one by one (``store.mongo_restore``): while it does, the
database carries the marker, with the names of the collections being replaced, so a crash in the middle
leaves a database that every command refuses to open (``refuse_unfinished``, called by
``store.schema.migrate``) and that the next restore rolls back first, instead of a mix of old and new
collections. (Databases restored in place by earlier versions carry a marker without those names.) The
marker has its own collection, which restores never drop and backups never archive.
"""

from __future__ import annotations

from collections.abc import Sequence

from fidus_desktop.clock import wall_now
from fidus_desktop.store.errors import RestoreUnfinished
from fidus_desktop.store.port import Document, Store

COLLECTION = "restore_state"
MARKER_ID = "restore"


def unfinished(store: Store) -> Document | None:
    """The marker of an interrupted restore, or None."""
    if COLLECTION not in store.collection_names():
        return None
    return store.collection(COLLECTION).get(MARKER_ID)


def mark(store: Store, backup_name: str, by: str, *, replaced: Sequence[str]) -> None:
    """Record that a restore of ``backup_name`` starts replacing the collections ``replaced`` now."""
    markers = store.collection(COLLECTION)
    fields = {"backup": backup_name, "by": by, "started_at": wall_now(), "replaced": list(replaced)}
    found = markers.get(MARKER_ID)
    if found is None:
        markers.insert({"_id": MARKER_ID, **fields})
    else:  # left by an interrupted in-place restore of an earlier version
        markers.update(MARKER_ID, fields, expected_version=found["version"])


def clear(store: Store) -> None:
    store.drop_collection(COLLECTION)


def refuse_unfinished(store: Store) -> None:
    """Raise ``RestoreUnfinished`` naming the backup and the command that finishes the restore."""
    marker = unfinished(store)
    if marker is not None:
        started = marker["started_at"]
        raise RestoreUnfinished(
            f"A restore of {marker['backup']} into {store.describe()} started {started:%Y-%m-%d %H:%M} UTC by "
            f"{marker['by']} did not finish, so this database holds only part of that backup and is not opened. "
            f"Finish it with `fidus backup restore {marker['backup']} --into URI --force`, or restore another "
            "backup over it the same way."
        )
