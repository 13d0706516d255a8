"""Names as matching compares them: any script transliterated to Latin (``anyascii``), case and accents
folded, punctuation dropped, legal-form and title words known.

Shared by sanctions screening and CRM duplicate checks, so "Müller & Söhne GmbH", "MULLER SOHNE" and
"Мюллер" are compared the same way everywhere.
"""

from __future__ import annotations

import re

from anyascii import anyascii
from rapidfuzz.distance import OSA

LEGAL_FORMS = frozenset({
    "ag", "as", "bv", "bhd", "co", "company", "corp", "corporation", "cv", "gmbh", "inc", "incorporated", "jsc",
    "kg", "limited", "llc", "llp", "lp", "ltd", "nv", "oao", "ooo", "oy", "pao", "pjsc", "plc", "pte", "pty",
    "sa", "sae", "sal", "sarl", "sas", "sl", "spa", "srl", "zao",
})
TITLES = frozenset({
    "dr", "doctor", "eng", "engineer", "gen", "general", "haj", "haji", "hajji", "mr", "mrs", "ms", "miss", "prof",
    "professor", "sir", "dame", "lord", "lady", "sheikh", "shaykh", "sheik", "col", "colonel", "capt", "captain",
})
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def folded(text: str | None) -> str:
    """Lower-case ASCII words separated by single spaces (``Jürgen-Müller, GmbH`` → ``jurgen muller gmbh``)."""
    plain = anyascii(text or "").casefold()
    return _NOT_WORD.sub(" ", plain).strip()


def words(text: str | None) -> list[str]:
    return folded(text).split()


def is_legal_form(word: str) -> bool:
    """A legal-form word, also mistyped by one letter when it is long enough to tell (``lmited``, ``cmpany``)."""
    if word in LEGAL_FORMS:
        return True
    return len(word) >= 5 and any(OSA.distance(word, form, score_cutoff=1) <= 1
                                  for form in LEGAL_FORMS if len(form) >= 5)


def name_words(text: str | None, *, organisation: bool) -> list[str]:
    """The words that identify: legal forms dropped from organisations, titles from people (unless nothing
    would be left)."""
    all_words = words(text)
    kept = [w for w in all_words if not (is_legal_form(w) if organisation else w in TITLES)]
    return kept or all_words
