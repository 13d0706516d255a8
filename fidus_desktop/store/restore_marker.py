"""The "restore in progress" marker: written before a restore empties a database, removed after its last write.

A database that can only be restored in place (MongoDB: there is no file to stage and rename) carries the
marker while it holds part of a backup, so a crash in the middle leaves a database that every command
refuses to open (``refuse_unfinished``, called by ``store.schema.migrate``) instead of one that looks empty
and invites ``fidus init`` to start over. The marker has its own collection, which restores never drop and
backups never archive.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fidus_desktop.store.errors import RestoreUnfinished
from fidus_desktop.store.port import Document, Store

COLLECTION = "restore_state"
MARKER_ID = "restore"


def unfinished(store: Store) -> Document | None:
    """The marker of an interrupted restore, or None."""
    if COLLECTION not in store.collection_names():
        return None
    return store.collection(COLLECTION).get(MARKER_ID)


def mark(store: Store, backup_name: str, by: str) -> None:
    """Record that a restore of ``backup_name`` starts now (kept if an earlier one was interrupted)."""
    markers = store.collection(COLLECTION)
    if markers.get(MARKER_ID) is None:
        markers.insert({"_id": MARKER_ID, "backup": backup_name, "by": by, "started_at": datetime.now(UTC)})


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
