"""Audit seals: proof that an audit entry was written by the application, not appended to the database by hand.

Anyone who can write the database can extend a hash chain (``audit_chain``): the forged entry's hash is as
valid as any other. A seal is HMAC-SHA256 over the entry's chain hash under an *audit seal key*, which is
derived with HKDF from the office data key and so exists only where the data key is (enrolled workstations'
keyrings, memory), never in the database.

An entry carries the seal key's id in ``seal_key`` (inside the hashed body: removing it breaks the chain) and
the HMAC in ``seal`` (outside it, since it is computed over the hash). The seal key has the data key's id, so
after a rotation old entries still name the key that checks them.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from fidus_desktop.security.crypto import DataKey

SEAL_FIELD = "seal"
SEAL_KEY_FIELD = "seal_key"
SEAL_INFO = b"fidus audit seal v1"
SEAL_KEY_BYTES = 32


@dataclass(frozen=True, slots=True)
class SealKey:
    """The HMAC key that seals audit entries, named after the data key it comes from."""

    key_id: str
    material: bytes

    def __repr__(self) -> str:  # never print the key
        return f"SealKey({self.key_id!r})"


def derive_seal_key(data_key: DataKey) -> SealKey:
    """The audit seal key of ``data_key`` (HKDF-SHA256, its own label: distinct from every encryption key)."""
    material = HKDF(algorithm=hashes.SHA256(), length=SEAL_KEY_BYTES, salt=None, info=SEAL_INFO).derive(
        data_key.material
    )
    return SealKey(data_key.key_id, material)


def seal(key: SealKey, chain_hash: str) -> str:
    """The hex HMAC-SHA256 of an entry's chain hash (which already covers ``seq``, ``prev_hash`` and ``seal_key``)."""
    return hmac.new(key.material, chain_hash.encode("ascii"), hashlib.sha256).hexdigest()


def seal_matches(key: SealKey, chain_hash: str, stored: object) -> bool:
    return isinstance(stored, str) and hmac.compare_digest(stored, seal(key, chain_hash))


ROTATED = "keys.rotated"  # the audit action that retires a data key (``after.retired_key_id``)
NOT_BY_APPLICATION = "not written by the application (forged or written by a process without the office key)"
SHOWN = 10  # entry numbers listed in a message; the rest are counted


def _listed(seqs: list[int], has: str) -> str:
    """``entries 3, 4 have …`` / ``entry 3 has …``, at most ``SHOWN`` numbers."""
    text = ", ".join(str(seq) for seq in seqs[:SHOWN])
    more = f" and {len(seqs) - SHOWN} more" if len(seqs) > SHOWN else ""
    return f"entry {text} has {has}" if len(seqs) == 1 else f"entries {text}{more} have {has}"


def _count(number: int) -> str:
    return f"{number} entry" if number == 1 else f"{number} entries"


@dataclass
class SealCheck:
    """Checks the seals of entries streamed past it (``watch``), then says what it found (``problem``,
    ``unchecked_reason``, ``summary``).

    ``key_for(key_id)`` gives the seal key this workstation holds for an id, or None; ``known(key_id)`` says whether
    the office has such a key at all (a seal under an id it does not know is wrong, not uncheckable). Entries before
    the first sealed one were written before sealing was enabled; after it, every entry must carry a matching seal.

    A matching seal under a key that a rotation had already retired (an entry after that rotation's ``keys.rotated``
    entry) is noted in ``late`` and warned about, not failed: a workstation not enrolled again since the rotation
    seals that way by design (and any process for up to a minute after the rotation, ``audit_seal_keys.RECHECK``),
    but so could whoever holds a retired, perhaps leaked, key.
    """

    key_for: Callable[[str], SealKey | None]
    known: Callable[[str], bool] = lambda _key_id: True
    first_sealed: int | None = None
    before: int = 0
    sealed: int = 0
    missing: list[int] = field(default_factory=list)
    missing_from: set[str] = field(default_factory=set)  # the workstations those entries name
    wrong: list[int] = field(default_factory=list)
    unchecked: dict[str, int] = field(default_factory=dict)
    retired_at: dict[str, int] = field(default_factory=dict)  # key id -> seq of the entry that retired it
    late: dict[str, list[int]] = field(default_factory=dict)  # key id -> entries sealed with it after that
    late_from: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._keys: dict[str, SealKey | None] = {}

    def watch(self, entries: Iterable[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
        for entry in entries:
            self._check(entry)
            yield entry

    def _key(self, key_id: str) -> SealKey | None:
        if key_id not in self._keys:
            self._keys[key_id] = self.key_for(key_id)
        return self._keys[key_id]

    def _check(self, entry: Mapping[str, Any]) -> None:
        seq, key_id = entry.get("seq"), entry.get(SEAL_KEY_FIELD)
        if not isinstance(seq, int):
            return  # the chain check reports it
        self._note_retirement(seq, entry)
        if key_id is None:
            if self.first_sealed is None and SEAL_FIELD not in entry:
                self.before += 1
            else:
                self.missing.append(seq)
                self.missing_from.add(str(entry.get("workstation")))
            return
        if self.first_sealed is None:
            self.first_sealed = seq
        key = self._key(key_id) if isinstance(key_id, str) else None
        if key is None and isinstance(key_id, str) and self.known(key_id):
            self.unchecked[key_id] = self.unchecked.get(key_id, 0) + 1
        elif key is None or not seal_matches(key, str(entry.get("hash")), entry.get(SEAL_FIELD)):
            self.wrong.append(seq)
        else:
            self.sealed += 1
            if key_id in self.retired_at and seq > self.retired_at[key_id]:
                self.late.setdefault(key_id, []).append(seq)
                self.late_from.add(str(entry.get("workstation")))

    def _note_retirement(self, seq: int, entry: Mapping[str, Any]) -> None:
        after = entry.get("after")
        if entry.get("action") == ROTATED and isinstance(after, Mapping):
            retired = after.get("retired_key_id")
            if isinstance(retired, str):
                self.retired_at.setdefault(retired, seq)

    @property
    def tampered(self) -> list[int]:
        return sorted(self.missing + self.wrong)

    def problem(self) -> str | None:
        """Why the seals fail, or None."""
        parts = [_listed(seqs, has) for seqs, has in ((self.missing, "no audit seal"),
                                                       (self.wrong, "a wrong audit seal")) if seqs]
        if not parts:
            return None
        text = "; ".join(parts)
        text = f"{text[0].upper()}{text[1:]}: {NOT_BY_APPLICATION}."
        if self.missing:
            named = ", ".join(sorted(self.missing_from)[:SHOWN])
            text += (f" The unsealed entries name workstation(s) {named}: if one of them is the office's, "
                     "it writes without the office data key; enrol it.")
        return text

    def late_warning(self) -> str | None:
        """The warning about seals made with a key after its rotation finished, or None."""
        if not self.late:
            return None
        parts = [f"{_listed(seqs, f'a seal under key {key_id}')} although that key was retired at entry "
                 f"{self.retired_at[key_id]} (keys.rotated)" for key_id, seqs in sorted(self.late.items())]
        named = ", ".join(sorted(self.late_from)[:SHOWN])
        text = "; ".join(parts)
        return (f"⚠ Audit seals: {text[0].upper()}{text[1:]}. They name workstation(s) {named}. A workstation not "
                "enrolled again since the rotation seals this way (as any does for up to a minute after it), but so "
                "could anyone holding the retired key: if it was retired because it may have leaked, treat these "
                "entries as suspect. Enrol those workstations again (`fidus key request-enrolment`, or `fidus key "
                "enroll`).")

    def unchecked_reason(self, how_to_enrol: str) -> str | None:
        if not self.unchecked:
            return None
        keys = ", ".join(f"{key_id} ({_count(count)})" for key_id, count in sorted(self.unchecked.items()))
        return (f"The audit seals could not be checked on this workstation: it does not hold the office data key "
                f"they were made with ({keys}). {how_to_enrol}")

    def summary(self, configured: bool, how_to_enable: str) -> str:
        """One line on the state of sealing, for a chain whose seals hold."""
        if self.first_sealed is None:
            if configured:
                return ("Audit seals: no entry is sealed yet (entries are sealed from the first one written by a "
                        "workstation that holds the office data key).")
            return ("Audit seals: not configured. Entries are not sealed, so an entry written into the database "
                    f"directly cannot be told from the application's. {how_to_enable}")
        text = f"Audit seals: {_count(self.sealed)} sealed and checked"
        if self.before:
            text += f"; {_count(self.before)} before sealing (sealed from entry {self.first_sealed})"
        return text + "."
