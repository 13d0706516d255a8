"""The tamper-evident audit trail: each entry's ``hash`` is SHA-256 over its canonical form, which
includes ``seq`` (1, 2, 3 …) and ``prev_hash`` (the previous entry's hash, ``GENESIS_HASH`` for the first).
Editing, deleting, inserting or reordering entries breaks the chain at the first affected ``seq``.

The canonical form must give the same bytes for the same logical entry whether it was read back from
SQLite or MongoDB, so values are reduced to their meaning: Decimals normalised (``12.50`` == ``12.5``)
behind a type tag, date-times converted to UTC with microseconds, tuples as lists. Floats and naive
date-times are refused: their meaning differs between backends and time zones.

A plain hash chain stops edits in the middle but not someone who rewrites the whole tail; pass known
``(seq, hash)`` anchors (recorded in backups, exports, or another store) to ``verify_chain`` to catch that
and a truncated tail. Nor does it stop someone appending a well-formed entry: an entry written by the
application also carries an audit seal (``audit_seal``), an HMAC over its hash that is kept outside the hash.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Context, Decimal
from typing import Any

from fidus_desktop.errors import UserError
from fidus_desktop.security.audit_seal import SEAL_FIELD, SEAL_KEY_FIELD, SealKey, seal

GENESIS_HASH = "0" * 64
HASH_FIELD = "hash"
SEQ_FIELD = "seq"
PREV_FIELD = "prev_hash"
TAG_PREFIX = "\x01"
UNHASHED = (HASH_FIELD, SEAL_FIELD)
DEFAULT_PRECISION = 28  # decimal's default context precision


class AuditChainError(UserError, ValueError):
    """An audit entry cannot be put in canonical form; the message names the field."""


@dataclass(frozen=True, slots=True)
class ChainVerdict:
    """``ok`` or where and why the chain first breaks; ``checked`` counts entries read up to there.

    ``incomplete``: not broken, but not all of it could be checked here (say why in ``reason``); ``notes``: what
    else the check found worth saying (the state of the audit seals); ``warnings``: what a sound chain holds that
    a person should look at (entries sealed under an already-retired key)."""

    ok: bool
    checked: int
    first_broken_seq: int | None
    reason: str
    incomplete: bool = False
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


def _decimal_text(value: Decimal) -> str:
    if not value.is_finite():
        return str(value)
    # Normalised with as many digits as the value has: the default context (28) would round a longer value, so two
    # different amounts would hash alike and an edit of one into the other would pass (same text as before for
    # every value of up to 28 digits, so existing chains still verify).
    normalised = value.normalize(Context(prec=max(DEFAULT_PRECISION, len(value.as_tuple().digits))))
    return format(normalised if normalised != 0 else Decimal(0), "f")


def _canonical(value: Any, path: str) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return {TAG_PREFIX + "decimal": _decimal_text(value)}
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            raise AuditChainError(f"Audit field {path!r} is a naive date-time; use a timezone-aware one.")
        utc = value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")
        return {TAG_PREFIX + "datetime": utc + "Z"}
    if isinstance(value, date):
        return {TAG_PREFIX + "date": value.isoformat()}
    if isinstance(value, bytes):
        return {TAG_PREFIX + "bytes": base64.b64encode(value).decode("ascii")}
    if isinstance(value, list | tuple):
        return [_canonical(item, f"{path}[{index}]") for index, item in enumerate(value)]
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str) or key.startswith(TAG_PREFIX):
                raise AuditChainError(f"Audit field {path!r} has a key {key!r} that is not a plain string.")
            out[key] = _canonical(item, f"{path}.{key}" if path else key)
        return out
    raise AuditChainError(
        f"Audit field {path!r} holds a {type(value).__name__}; use str, int, bool, Decimal, date, "
        "aware datetime, bytes, list or dict (floats are refused: use Decimal)."
    )


def canonical_bytes(entry: Mapping[str, Any]) -> bytes:
    """Sorted-key, whitespace-free UTF-8 JSON of ``entry`` without its own ``hash`` and ``seal`` (made from it)."""
    for required in (SEQ_FIELD, PREV_FIELD):
        if required not in entry:
            raise AuditChainError(f"An audit entry needs a {required!r} field before it can be hashed.")
    body = _canonical({key: value for key, value in entry.items() if key not in UNHASHED}, "")
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def chain_hash(prev_hash: str, entry: Mapping[str, Any]) -> str:
    """The SHA-256 hex digest that seals ``entry`` after an entry whose hash is ``prev_hash``."""
    return hashlib.sha256(canonical_bytes({**entry, PREV_FIELD: prev_hash})).hexdigest()


def append_entry(
    previous: Mapping[str, Any] | None, entry: Mapping[str, Any], seal_key: SealKey | None = None
) -> dict[str, Any]:
    """``entry`` chained after ``previous`` (None for the first one), with ``seq``, ``prev_hash``, ``hash``, and
    with ``seal_key`` also ``seal_key`` (its id, hashed) and ``seal`` (the HMAC of the hash)."""
    prev_hash = GENESIS_HASH if previous is None else str(previous[HASH_FIELD])
    chained = {
        **entry,
        SEQ_FIELD: 1 if previous is None else int(previous[SEQ_FIELD]) + 1,
        PREV_FIELD: prev_hash,
    }
    if seal_key is not None:
        chained[SEAL_KEY_FIELD] = seal_key.key_id
    chained[HASH_FIELD] = chain_hash(prev_hash, chained)
    if seal_key is not None:
        chained[SEAL_FIELD] = seal(seal_key, chained[HASH_FIELD])
    return chained


def verify_chain(
    entries: Iterable[Mapping[str, Any]],
    *,
    start_seq: int = 1,
    start_prev_hash: str = GENESIS_HASH,
    anchors: Mapping[int, str] | None = None,
) -> ChainVerdict:
    """Check entries in storage order (sorted by ``seq``), streaming; stops at the first break.

    ``start_seq``/``start_prev_hash`` verify a chain that continues an archived part; ``anchors`` maps
    ``seq`` to a hash recorded elsewhere, which must match and must be reached (catches a cut tail).
    """
    expected_seq, prev_hash, checked = start_seq, start_prev_hash, 0
    pending = {seq: digest for seq, digest in (anchors or {}).items() if seq >= start_seq}

    def broken(seq: int, reason: str) -> ChainVerdict:
        return ChainVerdict(ok=False, checked=checked, first_broken_seq=seq, reason=reason)

    for entry in entries:
        seq = entry.get(SEQ_FIELD)
        if type(seq) is not int:
            return broken(expected_seq, f"Entry at position {checked + 1} has no integer seq ({seq!r}).")
        if seq > expected_seq:
            return broken(
                expected_seq, f"Entry {expected_seq} is missing: entry {seq} follows {expected_seq - 1}."
            )
        if seq < expected_seq:
            return broken(
                expected_seq, f"Entry {seq} appears again or out of order where {expected_seq} belongs."
            )
        if entry.get(PREV_FIELD) != prev_hash:
            return broken(seq, f"Entry {seq} does not link to the entry before it (prev_hash differs).")
        try:
            actual = chain_hash(prev_hash, entry)
        except AuditChainError as exc:
            return broken(seq, f"Entry {seq} cannot be hashed: {exc}")
        if entry.get(HASH_FIELD) != actual:
            return broken(seq, f"Entry {seq} was altered: its content does not match its hash.")
        anchored = pending.pop(seq, None)
        if anchored is not None and anchored != actual:
            return broken(seq, f"Entry {seq} does not match the hash recorded for it elsewhere (anchor).")
        checked += 1
        expected_seq, prev_hash = seq + 1, actual
    if pending:
        missing = min(pending)
        return broken(
            missing, f"The chain ends at entry {expected_seq - 1}, but entry {missing} was recorded."
        )
    return ChainVerdict(
        ok=True, checked=checked, first_broken_seq=None, reason=f"{checked} entries verified."
    )
