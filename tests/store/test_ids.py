"""Document ids drawn in bulk are canonical, distinct random UUIDs (version 4), like ``uuid.uuid4()``'s."""

from __future__ import annotations

import uuid
from itertools import islice

from fidus_desktop.store.port import fresh_ids, new_id, new_ids


def test_bulk_ids_are_canonical_version_4_uuids() -> None:
    ids = new_ids(5000)
    assert len(set(ids)) == 5000
    for text in [*ids, new_id()]:
        parsed = uuid.UUID(text)
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122
        assert str(parsed) == text


def test_fresh_ids_keep_coming_across_batches() -> None:
    drawn = list(islice(fresh_ids(batch=3), 10))
    assert len(set(drawn)) == 10
    assert all(uuid.UUID(text).version == 4 for text in drawn)
