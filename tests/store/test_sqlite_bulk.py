"""Bulk upserts on SQLite insert a chunk per ``json_each`` statement, overlapping with encoding the next chunk."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fidus_desktop.store import sqlite as sqlite_module
from fidus_desktop.store.codec import document_to_json
from fidus_desktop.store.errors import DuplicateKey, InvalidDocument
from fidus_desktop.store.port import new_ids
from fidus_desktop.store.sqlite import SqliteStore
from fidus_desktop.store.sqlite_bulk import BulkInserter, _pieces

from .test_properties import documents


@pytest.fixture
def db(tmp_path: Path) -> Iterator[SqliteStore]:
    store = SqliteStore(tmp_path / "fidus.db")
    yield store
    store.close()


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Three documents a chunk, so a few documents take the background path."""
    monkeypatch.setattr(sqlite_module, "CHUNK_DOCUMENTS", 3)


@settings(max_examples=100, deadline=None)
@given(docs=st.lists(documents, min_size=1, max_size=6))
def test_stored_text_is_byte_for_byte_the_encoders(docs: list[dict[str, Any]]) -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (id TEXT PRIMARY KEY, version INTEGER NOT NULL, doc TEXT NOT NULL)")
    rows = list(zip(new_ids(len(docs)), map(document_to_json, docs), strict=True))
    with BulkInserter(conn, "t", background=False) as inserter:
        inserter.add(rows)
    stored = conn.execute("SELECT id, typeof(id), doc, typeof(doc) FROM t ORDER BY rowid").fetchall()
    assert stored == [(doc_id, "text", text, "text") for doc_id, text in rows]


def test_chunks_on_the_helper_thread_store_every_document_in_order(db: SqliteStore, small_chunks: None) -> None:
    coll = db.collection("deals")
    coll.ensure_index(["login", "ticket"], unique=True)
    docs = [{"login": 1, "ticket": n, "name": f"d{n}"} for n in range(10)]
    result = coll.upsert_many(docs, ("login", "ticket"))
    assert (result.inserted, result.updated, result.unchanged) == (10, 0, 0)
    assert [coll.get(doc_id)["ticket"] for doc_id in result.ids] == list(range(10))
    again = coll.upsert_many([*docs[:5], {"login": 1, "ticket": 7, "name": "changed"}], ("login", "ticket"))
    assert (again.inserted, again.updated, again.unchanged) == (0, 1, 5)


def test_a_bad_document_in_a_later_chunk_leaves_nothing_written(db: SqliteStore, small_chunks: None) -> None:
    coll = db.collection("deals")
    docs: list[dict[str, Any]] = [{"login": 1, "ticket": n} for n in range(8)]
    docs[7]["price"] = 0.5  # a float: refused
    with pytest.raises(InvalidDocument, match="float"):
        coll.upsert_many(docs, ("login", "ticket"))
    assert coll.count({}) == 0


def test_a_key_stored_meanwhile_by_another_workstation_fails_the_whole_batch(
    db: SqliteStore, small_chunks: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    coll = db.collection("deals")
    coll.ensure_index(["login", "ticket"], unique=True)
    coll.insert({"login": 1, "ticket": 6, "by": "the other workstation"})
    # As if it was stored between this workstation's look-up of existing keys and its insert:
    monkeypatch.setattr(sqlite_module.SqliteCollection, "_existing", lambda self, *args: {})
    with pytest.raises(DuplicateKey):
        coll.upsert_many([{"login": 1, "ticket": n} for n in range(8)], ("login", "ticket"))
    assert [d["ticket"] for d in coll.find({})] == [6]  # chunks inserted before the clash were rolled back


def test_ids_of_several_lengths_are_inserted_row_by_row(db: SqliteStore) -> None:
    coll = db.collection("c")
    result = coll.upsert_many([{"_id": "a", "k": 1}, {"_id": "bbbb", "k": 2}, {"k": 3}], ("k",))
    assert result.ids[:2] == ["a", "bbbb"]
    assert sorted(d["k"] for d in coll.find({})) == [1, 2, 3]


def test_large_texts_are_split_across_statements() -> None:
    rows = [("id1", "x" * 6), ("id2", "x" * 6), ("id3", "x" * 20), ("id4", "x")]
    assert [[doc_id for doc_id, _ in piece] for piece in _pieces(rows, limit=12)] == [["id1", "id2"], ["id3"], ["id4"]]
