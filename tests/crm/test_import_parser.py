"""The prospect import's CSV reader refuses anything it cannot read with a message, never a traceback."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.crm.imports import COLUMNS, parse_rows

HEADER = ",".join(("first_name", "last_name", "email")).encode()


@given(st.one_of(st.binary(max_size=200),
                 st.lists(st.sampled_from(["a", ",", '"', "\r", "\n", "\x00", "é", "x" * 50, *COLUMNS]), max_size=30)
                 .map(lambda parts: "".join(parts).encode())))
def test_any_bytes_are_read_or_refused_with_a_message(data: bytes) -> None:
    for candidate in (data, HEADER + b"\n" + data):
        try:
            rows = parse_rows(candidate)
        except ValidationError as exc:
            problems = exc.problems
            rows = []
        else:
            problems = {}
        assert all(isinstance(line, int) and isinstance(row, dict) for line, row in rows)
        assert all(message for message in problems.values())
