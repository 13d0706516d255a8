"""A full disk: a clear message, the change rolled back, no "cannot rollback" hiding the cause."""

from __future__ import annotations

from pathlib import Path

import pytest

from fidus_desktop.store.errors import DatabaseUnreachable
from fidus_desktop.store.sqlite import SqliteStore


def test_a_full_database_says_so_and_keeps_what_was_committed(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "full.db")
    notes = store.collection("notes")
    notes.insert({"_id": "kept", "text": "committed before the disk filled"})
    pages = store.connection().execute("PRAGMA page_count").fetchone()[0]
    store.connection().execute(f"PRAGMA max_page_count = {pages + 2}")  # what a full disk looks like to SQLite

    def fill() -> None:
        with store.transaction():
            for n in range(200):
                notes.insert({"_id": f"n{n}", "text": "x" * 4000})

    with pytest.raises(DatabaseUnreachable, match="full") as caught:
        fill()
    assert "cannot rollback" not in str(caught.value)
    assert [d["_id"] for d in notes.find()] == ["kept"]
    store.close()
