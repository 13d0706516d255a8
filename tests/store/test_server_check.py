"""``fidus doctor --deep``: the server proof runs end to end on the strict replica-set double and cleans up."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fidus_desktop.services import server_check
from fidus_desktop.store.errors import InvalidDatabaseUri
from fidus_desktop.store.mongo import MongoStore
from tests.support.mongomock_shim import bson_storage, server_comparisons
from tests.support.strict_mongo import StrictClient


@pytest.mark.slow
def test_the_server_proof_polls_edits_backs_up_restores_and_drops_its_databases(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = StrictClient()
    opened: list[str] = []

    def open_on_the_double(uri: str, *, password_lookup: Any = None, database: str | None = None) -> MongoStore:
        opened.append(database or "")
        return MongoStore(client, database)

    monkeypatch.setattr(server_check, "open_store", open_on_the_double)
    with server_comparisons(), bson_storage():
        findings = server_check.prove_server("mongodb://db.office.local/fidus", tmp_path, deals=100)
    assert [(f.name, f.ok) for f in findings] == [
        ("server", True), ("MT5 poll", True), ("concurrent edit", True), ("backup, restore, audit verify", True),
    ], findings
    assert "MongoDB 7.0.14" in findings[0].detail
    assert "100 synthetic deals stored" in findings[1].detail
    assert "restored beside the old ones and switched in" in findings[3].detail  # renameCollection is allowed
    assert client.calls["rename"] >= 2
    assert opened[0].startswith("fidus_check_")
    assert opened[1] == opened[0] + "_restored"
    assert all(not client.mock[name].list_collection_names() for name in opened)
    assert list(tmp_path.iterdir()) == []
    assert client.open_sessions == 0


def test_the_server_proof_needs_a_mongodb_uri(tmp_path: Path) -> None:
    with pytest.raises(InvalidDatabaseUri, match="proves a MongoDB server"):
        server_check.prove_server("sqlite:///x.db", tmp_path)
