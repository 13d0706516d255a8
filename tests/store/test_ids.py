"""Document ids drawn in bulk are canonical, distinct, time-ordered UUIDs (version 7, RFC 9562)."""

from __future__ import annotations

import time
import uuid
from itertools import islice

from fidus_desktop.store.port import fresh_ids, new_id, new_ids


def test_bulk_ids_are_canonical_version_7_uuids_carrying_the_time() -> None:
    before = time.time_ns() // 1_000_000
    ids = new_ids(5000)
    after = time.time_ns() // 1_000_000
    assert len(set(ids)) == 5000
    for text in [*ids, new_id()]:
        parsed = uuid.UUID(text)
        assert parsed.version == 7
        assert parsed.variant == uuid.RFC_4122
        assert str(parsed) == text
    # 5,000 ids overflow the 4,096-value counter of one millisecond at most twice.
    assert before <= uuid.UUID(ids[0]).int >> 80 <= uuid.UUID(ids[-1]).int >> 80 <= after + 2


def test_ids_increase_across_calls_and_batches() -> None:
    drawn = [*new_ids(3), *islice(fresh_ids(batch=3), 10), new_id(), *new_ids(5000)]
    assert len(set(drawn)) == len(drawn)
    assert drawn == sorted(drawn)
