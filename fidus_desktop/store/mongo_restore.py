"""Restoring a backup into MongoDB so that the database in use stays whole until the backup is loaded whole.

A server has no file to stage and rename (SQLite's way), so the backup is loaded into staged collections of the
same database (``restoring.<name>``: no FIDUS collection name has a dot, so the application and backups never
see them) and then switched in with ``renameCollection``, which the ``readWrite`` role allows:

1. what an earlier, killed restore left is cleared first (an interrupted switch is rolled back, see 4);
2. the backup is loaded and audited in the staged collections while the live ones stay in use: a failed, killed
   or refused load leaves the database exactly as it was (the staged collections are dropped now, or in step 1
   of the next restore);
3. the switch: the restore marker (``store.restore_marker``) is written with the live collections' names, so
   every command refuses to open the database until the switch is over; each live collection is renamed
   ``replaced.<name>``, then each staged one takes its live name; the marker is removed, and only then are the
   replaced collections dropped;
4. a kill during the switch leaves the marker: commands refuse to open the database and say to run the restore
   again, whose step 1 puts the replaced collections back (and drops the staged ones that had already moved),
   so the old data is whole again before anything else happens.

Indexes are not copied: they are created when the application next opens the database (``ensure_indexes``),
as after any restore.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fidus_desktop.store import restore_marker
from fidus_desktop.store.mongo import MongoStore
from fidus_desktop.store.port import Store

T = TypeVar("T")
STAGED, REPLACED = "restoring.", "replaced."


def staged_restore(live: MongoStore, backup: str, by: str, load: Callable[[Store], T]) -> T:
    """Run ``load`` (writes a backup into the store it is given) into staged collections, then switch them in."""
    clear_leftovers(live)
    staged = live.staging(STAGED)
    try:
        result = load(staged)
    except BaseException:
        _drop_all(live, STAGED)  # the live collections were never touched
        raise
    finally:
        staged.close()
    _switch(live, backup, by)
    return result


def clear_leftovers(live: MongoStore) -> None:
    """Undo what a killed restore left: roll an interrupted switch back, drop staged and replaced collections."""
    marker = restore_marker.unfinished(live)
    if marker is not None and "replaced" in marker:
        kept = set(marker["replaced"]) | {restore_marker.COLLECTION}
        for name in live.collection_names():
            if name not in kept:  # a staged collection already switched in, with no old one to return
                live.drop_collection(name)
        for raw in live.raw_names(REPLACED):
            live.rename_raw(raw, raw.removeprefix(REPLACED))
        restore_marker.clear(live)
    _drop_all(live, STAGED)
    _drop_all(live, REPLACED)


def _switch(live: MongoStore, backup: str, by: str) -> None:
    current = [name for name in live.collection_names() if name != restore_marker.COLLECTION]
    restore_marker.mark(live, backup, by, replaced=current)
    for name in current:
        live.rename_raw(name, REPLACED + name)
    for raw in live.raw_names(STAGED):
        live.rename_raw(raw, raw.removeprefix(STAGED))
    restore_marker.clear(live)
    _drop_all(live, REPLACED)


def _drop_all(live: MongoStore, prefix: str) -> None:
    for raw in live.raw_names(prefix):
        live.drop_raw(raw)
