"""Merge fields in an e-mail's subject and text: ``{first_name}``, ``{expected_amount}`` …

Only plain names in braces are fields (``{{`` is a literal brace); an unknown name is refused with the list of
known ones, so a typo never reaches a prospect as ``{frist_name}``. A field with no value becomes empty text.
"""

from __future__ import annotations

from collections.abc import Mapping
from string import Formatter

FIELDS = ("name", "first_name", "last_name", "organisation", "job_title", "expected_amount", "currency",
          "next_step", "stage", "owner")


class MergeError(ValueError):
    """The text names a field that does not exist, or is not a valid template."""


def fields_used(text: str) -> list[str]:
    try:
        parsed = list(Formatter().parse(text))
    except ValueError as exc:
        raise MergeError(f"The text is not a valid template ({exc}); write a brace as {{{{ or }}}}.") from None
    used = []
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in FIELDS or spec or conversion:
            raise MergeError(f"{{{name}}} is not a merge field; use one of "
                             f"{', '.join('{' + f + '}' for f in FIELDS)} (write a literal brace as {{{{).")
        used.append(name)
    return used


def render(text: str, values: Mapping[str, object]) -> str:
    """``text`` with every field replaced by its value (empty when there is none)."""
    fields_used(text)
    return text.format_map({f: "" if values.get(f) is None else str(values[f]) for f in FIELDS})
