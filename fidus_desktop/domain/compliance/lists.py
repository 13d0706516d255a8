"""Sanctions and PEP list entries as every list's parser gives them, and what changed between two imports.

An entry keeps what screening compares (names with their strength, kind, dates of birth, countries) and what
an analyst reads beside a hit (programmes, remarks). ``birth_dates`` are ISO dates or partial dates
(``1962``, ``1962-03``, ``1962-03-12``); a range such as OFAC's "1962 to 1964" is given year by year.
``countries`` are ISO 3166 alpha-2 codes (nationality, citizenship), upper case.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from enum import StrEnum

from fidus_desktop.errors import UserError


class EntityKind(StrEnum):
    PERSON = "person"
    ORGANISATION = "organisation"
    VESSEL = "vessel"
    AIRCRAFT = "aircraft"
    UNKNOWN = "unknown"


class NameStrength(StrEnum):
    PRIMARY = "primary"
    STRONG = "strong"  # an alias that identifies on its own (a.k.a., f.k.a., n.k.a.)
    WEAK = "weak"  # a "low quality" alias: a short or common form that needs other evidence


@dataclass(frozen=True, slots=True)
class EntryName:
    text: str
    strength: NameStrength


@dataclass(frozen=True, slots=True)
class ListEntry:
    list_name: str  # e.g. "ofac-sdn"
    entry_id: str  # the list's own id (OFAC ent_num / uid)
    kind: EntityKind
    names: tuple[EntryName, ...]
    birth_dates: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    programmes: tuple[str, ...] = ()
    remarks: str = ""

    @property
    def primary_name(self) -> str:
        return self.names[0].text

    def fingerprint(self) -> str:
        """A hash of everything the entry says: an import compares it to tell a changed entry."""
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class ListChanges:
    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]

    def summary(self) -> str:
        return f"{len(self.added)} added, {len(self.removed)} removed, {len(self.changed)} changed"


def changes(previous: dict[str, str], current: Iterable[ListEntry]) -> ListChanges:
    """What a new import adds, removes and changes, given the previous version's fingerprints by entry id."""
    now = {entry.entry_id: entry.fingerprint() for entry in current}
    return ListChanges(
        tuple(sorted(set(now) - set(previous))), tuple(sorted(set(previous) - set(now))),
        tuple(sorted(i for i in set(now) & set(previous) if now[i] != previous[i])))


class ListFormatError(UserError, ValueError):
    """A list file that is not what its format should be (the message names the line or element)."""


class ReadCancelled(UserError):
    """Reading a list file stopped because the user cancelled: nothing read is kept."""


CHECK_EVERY = 200
"""Rows or elements read between two looks at the cancel token: the full OFAC file reads 15,000 entries in
well under a second, so a cancel is seen within milliseconds."""


class CancelCheck:
    """What a list reader asks while reading: ``tick()`` after each row or element (the token is asked every
    ``every`` of them), ``now()`` between two chunks of a file; either raises ``ReadCancelled`` once
    ``cancelled()`` says so. Without a token it never raises."""

    def __init__(self, cancelled: Callable[[], bool] | None, every: int = CHECK_EVERY) -> None:
        self.cancelled, self.every, self.read = cancelled, every, 0

    def tick(self) -> None:
        self.read += 1
        if self.read % self.every == 0:
            self.now()

    def now(self) -> None:
        if self.cancelled is not None and self.cancelled():
            raise ReadCancelled(f"Reading the list was cancelled after {self.read} records; nothing was kept.")
