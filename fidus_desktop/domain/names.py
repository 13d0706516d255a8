"""Names as matching compares them: any script transliterated to Latin (``anyascii``), case and accents
folded, punctuation dropped, legal-form and title words known (a legal form also when written with dots,
``S.A.``, ``S.p.A.``, ``L.L.C.``), and the generic words that do not tell one organisation from another.

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
GENERIC_ORGANISATION_WORDS = frozenset({
    "agency", "and", "asset", "assets", "associates", "association", "bank", "banking", "capital", "center",
    "centre", "commercial", "consulting", "construction", "de", "development", "energy", "engineering",
    "enterprise", "enterprises", "est", "establishment", "export", "finance", "financial", "for", "foundation",
    "fund", "funds", "gas", "general", "global", "group", "grupo", "gruppe", "holding", "holdings", "import",
    "industrial", "industries", "industry", "insurance", "international", "intl", "invest", "investment",
    "investments", "logistics", "management", "manufacturing", "marine", "maritime", "media", "network", "of",
    "office", "oil", "partners", "petroleum", "products", "properties", "property", "resources", "securities",
    "service", "services", "shipping", "solutions", "supply", "systems", "technologies", "technology", "the",
    "trade", "trading", "trust", "ventures",
})
"""Words that alone do not identify an organisation: a company named only with them ("Holding Co") says
nothing about which of the listed companies containing them it could be."""
CONNECTIVES = frozenset({"and", "de", "del", "des", "du", "et", "for", "la", "of", "the", "und"})
"""Words that join a name's parts ("Banco Nacional de Cuba"): a name is covered without them."""
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_COMPOUND_FORMS = re.compile(r"\b(?:s a|sa|s) de (?:c v|cv|r l|rl)(?: de (?:c v|cv))?\b")
"""Legal forms of several words, folded: Mexico's ``S.A. de C.V.``, ``S. de R.L. (de C.V.)``."""


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


def _without_legal_forms(found: list[str]) -> list[str]:
    """``found`` without legal-form words. A legal form written with dots (``S.A.``, ``S.p.A.``, ``L.L.C.``)
    folds to single letters (``s a``): a run of single letters ending in one (``x s a``) loses it; a form of
    several words (``S.A. de C.V.``) goes whole."""
    found = _COMPOUND_FORMS.sub(" ", " ".join(found)).split()
    kept: list[str] = []
    i = 0
    while i < len(found):
        if len(found[i]) > 1:
            if not is_legal_form(found[i]):
                kept.append(found[i])
            i += 1
            continue
        end = i
        while end < len(found) and len(found[end]) == 1:
            end += 1
        run = found[i:end]
        form_at = next((k for k in range(len(run) - 1) if "".join(run[k:]) in LEGAL_FORMS), len(run))
        kept.extend(run[:form_at])
        i = end
    return kept


def name_words(text: str | None, *, organisation: bool) -> list[str]:
    """The words that identify: legal forms dropped from organisations, titles from people (unless nothing
    would be left)."""
    all_words = words(text)
    kept = _without_legal_forms(all_words) if organisation else [w for w in all_words if w not in TITLES]
    return kept or all_words


def is_generic(found: list[str] | tuple[str, ...]) -> bool:
    """Whether an organisation's words (``name_words``) are all generic (``GENERIC_ORGANISATION_WORDS``)."""
    return all(w in GENERIC_ORGANISATION_WORDS for w in found)
