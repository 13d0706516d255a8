"""Duplicate matching keys: the same person or organisation entered twice, however it was typed.

Three keys, each a match on its own (as in Odoo's and Frappe's duplicate checks): the e-mail address (trimmed,
lower case), the phone number in E.164 form (``phonenumbers``, read in the prospect's country when it has no
``+`` prefix), and the person's or organisation's name together with the organisation (accents, case,
punctuation and legal-form words ignored). Services store keyed hashes of these (blind indexes), never the
values, so matching works on sealed personal data.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import phonenumbers

LEGAL_FORMS = frozenset({
    "ag", "bv", "co", "corp", "corporation", "gmbh", "inc", "kg", "limited", "llc", "llp", "ltd", "nv", "oy",
    "plc", "sa", "sarl", "sas", "sl", "spa", "srl",
})
_WORD = re.compile(r"[^\W_]+")


class MatchField:
    EMAIL = "email"
    PHONE = "phone"
    NAME = "name"


def email_key(email: str | None) -> str | None:
    text = (email or "").strip().lower()
    return text or None


def phone_key(phone: str | None, country: str | None = None) -> str | None:
    """E.164 (``+447700900123``) for a number that parses, in ``country`` (ISO 3166 alpha-2) when it has no
    ``+``; None for an empty or unreadable one (it cannot match anything then)."""
    text = (phone or "").strip()
    if not text:
        return None
    try:
        parsed = phonenumbers.parse(text, (country or "").upper() or None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def phone_problem(phone: str, country: str | None) -> str | None:
    """Why ``phone`` is not a usable number, or None (for the form's message)."""
    if not phone.strip() or phone_key(phone, country):
        return None
    if not phone.strip().startswith("+") and not country:
        return f"{phone!r} has no country code; write it as +<country code> <number> or set the country."
    return f"{phone!r} is not a possible phone number; check the digits and the country code."


def folded_words(text: str | None) -> list[str]:
    """Lower-case words without accents or punctuation (``Müller & Söhne`` → ``muller``, ``sohne``)."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return _WORD.findall(plain)


def name_key(display_name: str | None, organisation: str | None) -> str | None:
    """The name and organisation as one key, legal forms dropped; None without a name."""
    name = " ".join(folded_words(display_name))
    if not name:
        return None
    org = " ".join(w for w in folded_words(organisation) if w not in LEGAL_FORMS)
    return f"{name}|{org}"


@dataclass(frozen=True, slots=True)
class MatchKeys:
    email: str | None
    phone: str | None
    name: str | None

    @classmethod
    def of(cls, *, display_name: str | None, organisation: str | None, email: str | None, phone: str | None,
           country: str | None) -> MatchKeys:
        return cls(email_key(email), phone_key(phone, country), name_key(display_name, organisation))

    def items(self) -> list[tuple[str, str]]:
        return [(f, v) for f, v in ((MatchField.EMAIL, self.email), (MatchField.PHONE, self.phone),
                                    (MatchField.NAME, self.name)) if v]


@dataclass(frozen=True, slots=True)
class Candidate:
    """An existing prospect or investor and its keys."""

    kind: str  # "prospect" | "investor"
    record_id: str
    label: str
    keys: MatchKeys


@dataclass(frozen=True, slots=True)
class DuplicateMatch:
    candidate: Candidate
    fields: tuple[str, ...]  # which keys matched: email, phone, name


def find_duplicates(keys: MatchKeys, candidates: Iterable[Candidate], *,
                    exclude: Sequence[str] = ()) -> list[DuplicateMatch]:
    """Every candidate sharing at least one key with ``keys``, most matching keys first."""
    wanted = dict(keys.items())
    found = []
    for candidate in candidates:
        if candidate.record_id in exclude:
            continue
        fields = tuple(f for f, v in candidate.keys.items() if wanted.get(f) == v)
        if fields:
            found.append(DuplicateMatch(candidate, fields))
    return sorted(found, key=lambda m: (-len(m.fields), m.candidate.label))
