"""Merge fields: filled in, unknown ones refused with the list, literal braces kept; a text without fields
comes out unchanged whatever it holds (property)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fidus_desktop.domain.crm.mail_merge import FIELDS, MergeError, fields_used, render


def test_fields_are_filled_and_missing_values_are_empty() -> None:
    assert render("Dear {first_name} {last_name}, {next_step}", {"first_name": "Anna", "last_name": None}) == \
        "Dear Anna , "
    assert fields_used("{name} and {name} at {organisation}") == ["name", "name", "organisation"]


@pytest.mark.parametrize("text", ["{frist_name}", "{name.upper}", "{name!r}", "{name:>10}", "{0}", "{}", "{name"])
def test_anything_but_a_known_plain_field_is_refused(text: str) -> None:
    with pytest.raises(MergeError):
        render(text, {})


def test_the_error_lists_the_fields() -> None:
    with pytest.raises(MergeError) as caught:
        render("{frist_name}", {})
    assert all("{" + f + "}" in str(caught.value) for f in FIELDS)


@given(st.text(alphabet=st.characters(blacklist_characters="{}")))
def test_text_without_braces_is_unchanged(text: str) -> None:
    assert render(text, {"name": "x"}) == text


@given(st.text(alphabet=st.characters(blacklist_characters="{}")), st.sampled_from(FIELDS),
       st.text(max_size=30))
def test_literal_braces_and_values_survive(prefix: str, field: str, value: str) -> None:
    assert render(prefix + "{{" + "{" + field + "}" + "}}", {field: value}) == prefix + "{" + value + "}"
