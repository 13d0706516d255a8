"""A MongoDB restore loads beside the live collections and switches them in, so a failure or a kill at any step
leaves the old database or the whole new one (``store.mongo_restore``), over the strict replica-set double."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from fidus_desktop.security.backup_format import write_backup
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.audit import AuditLog
from fidus_desktop.services.permissions import Role
from fidus_desktop.services.restore import restore_into
from fidus_desktop.store import restore_marker
from fidus_desktop.store.errors import RestoreUnfinished
from fidus_desktop.store.mongo import MongoStore
from fidus_desktop.store.mongo_restore import clear_leftovers, staged_restore
from fidus_desktop.store.port import Store
from fidus_desktop.store.schema import migrate
from tests.support.cost import CHEAP_KDF
from tests.support.strict_mongo import strict_store

OLD = {"notes": [{"_id": "old", "text": "old data"}], "people": [{"_id": "p1", "name": "Ann"}],
       "only_old": [{"_id": "x", "gone": True}]}
NEW = {"notes": [{"_id": f"n{i}", "text": "restored"} for i in range(3)], "people": [{"_id": "p2", "name": "Bob"}],
       "only_new": [{"_id": "y", "new": True}]}


def fill(store: Store, data: dict[str, list[dict[str, Any]]]) -> None:
    for name, docs in data.items():
        store.collection(name).insert_many(docs)


def contents(store: MongoStore) -> dict[str, list[dict[str, Any]]]:
    names = [n for n in store.collection_names() if n != restore_marker.COLLECTION]
    return {name: sorted(store.collection(name).find(), key=lambda d: d["_id"]) for name in names}


@pytest.fixture
def live() -> Iterator[MongoStore]:
    with strict_store("office") as store:
        fill(store, OLD)
        yield store


def load_new(staged: Store) -> str:
    assert staged.collection_names() == []  # the staged view sees none of the live collections
    fill(staged, NEW)
    return "loaded"


def test_the_live_collections_serve_until_the_backup_is_loaded_whole(live: MongoStore) -> None:
    before = contents(live)

    def load(staged: Store) -> str:
        result = load_new(staged)
        assert contents(live) == before  # still the old database, in use, while the backup loads
        return result

    assert staged_restore(live, "b.fidusbak", "alice", load) == "loaded"
    assert sorted(contents(live)) == ["notes", "only_new", "people"]
    assert [d["_id"] for d in contents(live)["notes"]] == ["n0", "n1", "n2"]
    assert restore_marker.unfinished(live) is None
    assert all("." not in name for name in live.raw_names())  # nothing staged or replaced is left


def test_a_failed_load_leaves_the_database_as_it_was(live: MongoStore) -> None:
    before = contents(live)

    def fails(staged: Store) -> None:
        fill(staged, NEW)
        raise ValueError("the archive changed while it was read")

    with pytest.raises(ValueError, match="archive changed"):
        staged_restore(live, "b.fidusbak", "alice", fails)
    assert contents(live) == before
    assert all("." not in name for name in live.raw_names())


def killing_at(step: int, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make the ``step``-th collection drop or rename (counted from 0) kill the process; returns the log."""
    done: list[str] = []

    def wrap(name: str) -> Callable[..., None]:
        original = getattr(MongoStore, name)

        def dies(self: MongoStore, *args: str) -> None:
            if len(done) == step:
                raise KeyboardInterrupt
            done.append(f"{name}{args}")
            original(self, *args)

        return dies

    monkeypatch.setattr(MongoStore, "rename_raw", wrap("rename_raw"))
    monkeypatch.setattr(MongoStore, "drop_raw", wrap("drop_raw"))
    return done


def test_a_kill_at_any_step_leaves_the_old_database_or_the_whole_new_one(monkeypatch: pytest.MonkeyPatch) -> None:
    outcomes = set()
    step = 0
    while True:
        with strict_store("office") as live:
            fill(live, OLD)
            before = contents(live)
            done = killing_at(step, monkeypatch)
            try:
                staged_restore(live, "b.fidusbak", "alice", load_new)
            except KeyboardInterrupt:
                pass
            else:
                break  # every step has been killed once
            monkeypatch.undo()
            if restore_marker.unfinished(live) is not None:  # killed during the switch: nobody may open it
                with pytest.raises(RestoreUnfinished, match=r"b\.fidusbak.*did not finish.*--force"):
                    restore_marker.refuse_unfinished(live)
            clear_leftovers(live)  # what the next restore does first
            after = contents(live)
            outcome = "old" if after == before else "new"
            if outcome == "new":
                assert sorted(after) == ["notes", "only_new", "people"], (step, done)
                assert len(after["notes"]) == 3
            outcomes.add(outcome)
            assert all("." not in name for name in live.raw_names())
            staged_restore(live, "b.fidusbak", "alice", load_new)  # and then the restore runs whole
            assert [d["_id"] for d in contents(live)["notes"]] == ["n0", "n1", "n2"]
        step += 1
    assert step == 10  # renames of three live and three staged collections, the marker, the three replaced
    assert outcomes == {"old", "new"}


def test_restore_into_a_replica_set_database_that_holds_data(live: MongoStore, tmp_path: Path) -> None:
    migrate(live)
    archive = tmp_path / "office.fidusbak"
    write_backup(archive, "long enough passphrase", [(name, iter([{**d, "version": 1} for d in docs]))
                                                     for name, docs in NEW.items()], kdf=CHEAP_KDF)
    admin = Actor("a", "alice", Role.ADMIN)
    outcome = restore_into(archive, "long enough passphrase", "mongodb://strict/office", actor=admin, force=True,
                           opener=lambda uri: live)
    assert outcome.replaced
    assert sorted(n for n in live.collection_names() if n != "audit") == ["notes", "only_new", "people"]
    entries = list(AuditLog(live, lambda: None).iter_chain())  # type: ignore[arg-type, return-value]
    assert [e["action"] for e in entries] == ["backup.restore"]
    assert entries[0]["after"]["replaced"] == ["meta", "notes", "only_old", "people"]
    assert AuditLog(live, lambda: None).verify().ok  # type: ignore[arg-type, return-value]
