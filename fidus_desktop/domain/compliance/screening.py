"""Screening names against sanctions and PEP lists: a fast candidate search, then a score that explains itself.

How a name is compared (docs/COMPLIANCE.md has the measured recall and false-alert rates per threshold):

1. Both sides become words (``domain.names``: any script transliterated, case, accents and punctuation folded;
   legal forms dropped from organisations, also written with dots like ``S.A.`` or ``L.L.C.``, and titles from
   people).
2. **Candidates.** Every list word is indexed exactly, by each form with one letter deleted (finds a typo, a
   letter too many or too few) and by a consonant skeleton (finds transliteration variants: Mohammed,
   Muhammad, Mohamed all read ``mhmd``). A list name is a candidate when as many of the query's words hit it
   as the shorter of the two names has words (at most two), so common words alone (``al``, ``mohammed``) do
   not drag in thousands of names.
3. **Name score.** The query's words are paired one to one with the list name's words in any order: equal
   words score 1, an initial matches a word it begins, otherwise rapidfuzz's Jaro-Winkler similarity (which
   favours a shared beginning) counts if it is at least 0.8. The score is 0.8 × the share of the query's
   letters matched + 0.2 × the share of the list name's letters matched, so a dropped middle name costs
   little and a list name that is only part of the query costs more. An organisation named only with generic
   words (``Holding Co``: ``domain.names.GENERIC_ORGANISATION_WORDS``) hits a listed name only if every word
   of that name but its connectives is paired, so it does not hit every listed company containing "holding".
4. **Evidence.** Date of birth (same day +0.05, same year +0.03, one year off 0, further −0.15), country
   (one of the subject's shared +0.02, the entry names only others −0.05), kind (a person against an
   organisation or vessel ×0.6) and a weak alias (×0.9) move the score; each move is listed with the hit.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from rapidfuzz.distance import JaroWinkler

from fidus_desktop.domain.compliance.lists import EntityKind, ListEntry, NameStrength
from fidus_desktop.domain.names import CONNECTIVES, is_generic, name_words

DEFAULT_THRESHOLD = 0.86
WORD_MIN = 0.80  # below this Jaro-Winkler similarity two words do not pair
MAX_BONUS = 0.07  # the most evidence can add: same date of birth and a shared country
_VOWELS = re.compile(r"[aeiouy]")
_SKELETON_MAP = str.maketrans({"q": "k", "c": "k", "z": "s", "v": "f", "w": "f", "j": "y"})


def skeleton(word: str) -> str:
    """The consonant outline of a word: first letter kept, vowels dropped after it, look-alike consonants
    merged, doubles collapsed (``mohammed`` → ``mhmd``, ``muhammad`` → ``mhmd``)."""
    head, tail = word[:1], _VOWELS.sub("", word[1:].replace("ph", "f").replace("kh", "h"))
    out = (head + tail).translate(_SKELETON_MAP)
    return re.sub(r"(.)\1+", r"\1", out)


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))} if len(word) > 3 else set()


@dataclass(frozen=True, slots=True)
class Subject:
    """Who is screened: an investor, a prospect or a name typed by an analyst."""

    name: str
    kind: EntityKind | None = None  # person or organisation; None: unknown
    birth_date: date | int | None = None  # a date, or only the year
    countries: tuple[str, ...] = ()  # ISO 3166 alpha-2: the nationalities (a dual national has two) or incorporation


@dataclass(frozen=True, slots=True)
class WordPair:
    query: str
    listed: str
    similarity: float


@dataclass(frozen=True, slots=True)
class Hit:
    """One list entry that matched, and why."""

    entry: ListEntry
    matched_name: str  # the entry's name (primary or alias) that scored best
    strength: NameStrength
    name_score: float
    score: float
    pairs: tuple[WordPair, ...]
    factors: tuple[str, ...]  # what moved the score from the name score, and by how much

    def explanation(self) -> str:
        words = ", ".join(f"{p.query}~{p.listed} {p.similarity:.2f}" for p in self.pairs)
        moves = "; ".join(self.factors)
        return (f"{self.entry.list_name} {self.entry.entry_id} '{self.matched_name}': name {self.name_score:.2f} "
                f"({words}){'; ' + moves if moves else ''} → {self.score:.2f}")


@dataclass(frozen=True, slots=True)
class _Name:
    entry: int  # index into entries
    text: str
    strength: NameStrength
    words: tuple[str, ...]


def _is_org(kind: EntityKind | None) -> bool:
    return kind is not None and kind is not EntityKind.PERSON


def pair_words(query: Sequence[str], listed: Sequence[str]) -> list[WordPair]:
    """Pair words one to one, best pairs first (any order: names are written surname first or last)."""
    scored = []
    for i, q in enumerate(query):
        for j, t in enumerate(listed):
            if q == t:
                sim = 1.0
            elif len(q) == 1 or len(t) == 1:
                sim = 0.9 if q[0] == t[0] else 0.0  # an initial
            else:
                sim = JaroWinkler.normalized_similarity(q, t)
                if sim < WORD_MIN:
                    continue
            if sim:
                scored.append((sim, i, j))
    used_q: set[int] = set()
    used_t: set[int] = set()
    pairs = []
    for sim, i, j in sorted(scored, key=lambda s: -s[0]):
        if i not in used_q and j not in used_t:
            used_q.add(i)
            used_t.add(j)
            pairs.append(WordPair(query[i], listed[j], sim))
    return pairs


def _weight(word: str) -> int:
    return 1 if len(word) == 1 else len(word)


def name_score(query: Sequence[str], listed: Sequence[str]) -> tuple[float, list[WordPair]]:
    """0..1: how much of each name the pairs cover, weighted by letters (see the module docstring)."""
    if not query or not listed:
        return 0.0, []
    pairs = pair_words(query, listed)
    matched_q = sum(p.similarity * _weight(p.query) for p in pairs)
    matched_t = sum(p.similarity * _weight(p.listed) for p in pairs)
    score = 0.8 * matched_q / sum(map(_weight, query)) + 0.2 * matched_t / sum(map(_weight, listed))
    return min(1.0, score), pairs


def _evidence(subject: Subject, entry: ListEntry) -> list[tuple[str, float]]:
    moves: list[tuple[str, float]] = []
    if subject.birth_date is not None and entry.birth_dates:
        moves.append(_birth_move(subject.birth_date, entry.birth_dates))
    if subject.countries and entry.countries:
        ours = [c.upper() for c in subject.countries]
        shared = [c for c in ours if c in entry.countries]
        if shared:
            moves.append((f"country {', '.join(shared)} shared", 0.02))
        else:
            moves.append((f"country {', '.join(ours)} not among {', '.join(entry.countries)}", -0.05))
    return moves


def _birth_move(born: date | int, listed: Sequence[str]) -> tuple[str, float]:
    year = born if isinstance(born, int) else born.year
    day = born.isoformat() if isinstance(born, date) else None
    if day and day in listed:
        return (f"date of birth {day} listed", 0.05)
    years = {int(d[:4]) for d in listed}
    gap = min(abs(year - y) for y in years)
    if gap == 0:
        return (f"year of birth {year} listed", 0.03)
    if gap == 1:
        return (f"year of birth {year} one year from the list's", 0.0)
    return (f"year of birth {year} {gap} years from the list's", -0.15)


def _covers_listed(listed: Sequence[str], pairs: Sequence[WordPair]) -> bool:
    """Whether every word of a listed name but the connectives inside it ("de", "of") is paired: what a company
    named only with generic words ("Holding Co") needs to hit, so it hits a company listed with that name, not
    every listed company that merely contains those words."""
    paired = {p.listed for p in pairs}
    inner = set(listed[1:-1])  # a connective joins two parts: "des" first in "DES INTERNATIONAL" is a name
    return all(w in paired or (w in CONNECTIVES and w in inner) for w in listed)


class ScreeningIndex:
    """The names of one or more list versions, indexed for candidate search."""

    def __init__(self, entries: Iterable[ListEntry]) -> None:
        self.entries: list[ListEntry] = list(entries)
        self._names: list[_Name] = []
        self._postings: dict[str, list[int]] = defaultdict(list)  # word → name numbers
        self._near: dict[str, set[str]] = defaultdict(set)  # a deletion or a skeleton → list words
        for number, entry in enumerate(self.entries):
            organisation = _is_org(entry.kind)
            for name in entry.names:
                words = tuple(name_words(name.text, organisation=organisation))
                if not words:
                    continue
                index = len(self._names)
                self._names.append(_Name(number, name.text, name.strength, words))
                for word in dict.fromkeys(words):
                    self._postings[word].append(index)
        for word in self._postings:
            for key in (*_deletions(word), "~" + skeleton(word)):
                self._near[key].add(word)

    @property
    def name_count(self) -> int:
        return len(self._names)

    def _similar_words(self, word: str) -> set[str]:
        found = {word} if word in self._postings else set()
        if len(word) < 2:
            return found  # an initial finds nothing by itself
        for key in (word, *_deletions(word), "~" + skeleton(word)):
            found |= self._near.get(key, set())
        found |= {d for d in _deletions(word) if d in self._postings}
        return found

    def _candidates(self, words: Sequence[str], threshold: float) -> list[int]:
        """Names hit by enough of the query's words to possibly reach ``threshold``: their best score is at
        most 0.8 × the share of the query's letters that hit them + 0.2 + the largest evidence bonus."""
        hits: dict[int, int] = defaultdict(int)
        letters: dict[int, int] = defaultdict(int)
        for word in dict.fromkeys(words):
            names: set[int] = set()
            for similar in self._similar_words(word):
                names.update(self._postings[similar])
            weight = _weight(word) * words.count(word)
            for name in names:
                hits[name] += 1
                letters[name] += weight
        searchable = len({w for w in words if len(w) > 1})
        needed = (threshold - 0.2 - MAX_BONUS) / 0.8 * sum(map(_weight, words))
        return [n for n, count in hits.items()
                if count >= min(2, searchable, len(set(self._names[n].words))) and letters[n] >= needed]

    def screen(self, subject: Subject, threshold: float = DEFAULT_THRESHOLD) -> list[Hit]:
        """The entries whose best name scores at least ``threshold``, best first, one hit per entry."""
        query = name_words(subject.name, organisation=_is_org(subject.kind))
        generic = _is_org(subject.kind) and is_generic(query)
        best: dict[int, Hit] = {}
        for number in self._candidates(query, threshold):
            name = self._names[number]
            entry = self.entries[name.entry]
            base, pairs = name_score(query, name.words)
            if generic and not _covers_listed(name.words, pairs):
                continue
            moves = _evidence(subject, entry)
            score = base + sum(change for _, change in moves)
            factors = [f"{what} ({change:+.2f})" for what, change in moves]
            if subject.kind is not None and entry.kind is not EntityKind.UNKNOWN and \
                    _is_org(subject.kind) != _is_org(entry.kind):
                factors.append(f"screened as {subject.kind.value}, listed as {entry.kind.value} (×0.6)")
                score *= 0.6
            if name.strength is NameStrength.WEAK:
                factors.append("a weak alias (×0.9)")
                score *= 0.9
            score = max(0.0, min(1.0, score))
            if score >= threshold and (name.entry not in best or score > best[name.entry].score):
                best[name.entry] = Hit(entry, name.text, name.strength, round(base, 4), round(score, 4),
                                       tuple(pairs), tuple(factors))
        return sorted(best.values(), key=lambda h: (-h.score, h.entry.entry_id))
