"""Country names as lists write them, as ISO 3166 alpha-2 codes (Babel's CLDR English names plus the
lists' own spellings)."""

from __future__ import annotations

from functools import cache

from babel import Locale

from fidus_desktop.domain.names import folded

# The lists' own spellings that CLDR's English names do not cover.
LIST_SPELLINGS = {
    "burma": "MM", "korea north": "KP", "korea south": "KR", "congo democratic republic of the": "CD",
    "congo republic of the": "CG", "the gambia": "GM", "gambia the": "GM",
    "north macedonia the republic of": "MK", "palestinian": "PS", "possibly palestinian": "PS",
    "russian federation": "RU", "iran islamic republic of": "IR", "syrian arab republic": "SY",
    "cabo verde": "CV", "czech republic": "CZ", "turkey": "TR", "united states of america": "US",
}


@cache
def _codes() -> dict[str, str]:
    names = {folded(name): code for code, name in Locale("en").territories.items()
             if len(code) == 2 and code.isalpha()}
    return {**names, **LIST_SPELLINGS}


def country_code(name: str) -> str | None:
    """``Iran`` → ``IR``; None for a name that is no country (``Region``) or unknown."""
    text = name.strip()
    if len(text) == 2 and text.isalpha():
        return text.upper()
    return _codes().get(folded(text))
