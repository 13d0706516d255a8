"""How documents become stored text (SQLite) or BSON (MongoDB), losslessly and the same on both.

Date-times are stored as fixed-width UTC ISO text behind a U+0001 'D' tag, dates behind U+0001 'd', so they
sort and compare correctly and keep microseconds on both backends (BSON dates keep only milliseconds).
In SQLite, Decimals are written as JSON numbers (``12.50``, integral ones as ``100E0``) so that SQL
compares them numerically and ``json.loads(parse_float=Decimal)`` gives back the exact Decimal; bytes are
base64 text behind a U+0001 'B' tag. MongoDB keeps Decimals as Decimal128 and bytes as binary.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fidus_desktop.store.errors import InvalidDocument
from fidus_desktop.store.values import (
    INT64_MAX,
    INT64_MIN,
    MAX_BYTES,
    MAX_DECIMAL_DIGITS,
    MAX_DECIMAL_EXPONENT,
    MAX_DEPTH,
    MAX_STRING_CHARS,
    MIN_DECIMAL_EXPONENT,
    check_key,
    check_scalar,
    join,
    to_utc,
    without_reserved,
)

TAG = "\x01"
# Tagged values of one kind live in [lo, hi) of the text order; plain text never starts with U+0001, so
# both adapters bound date/date-time ranges to these and exclude [TAG, "\x02") from text comparisons.
TAG_RANGES = {"datetime": (TAG + "D", TAG + "E"), "date": (TAG + "d", TAG + "e")}
TAGGED_TEXT = (TAG, "\x02")
# A Decimal is first written as the JSON string "\u0000N<digits>\u0000"; both marks (and the quotes) are
# then removed by two plain replacements, leaving a bare JSON number. No stored text can contain U+0000.
_DECIMAL_OPEN, _DECIMAL_CLOSE = '"\\u0000N', '\\u0000"'
MAX_DOCUMENT_CHARS = 15 * 1024 * 1024

# An encoder returns the stored form of a scalar, raising ValueError for a value ``check_scalar`` refuses
# (so the readable message, with the field's path, is only formatted when something is wrong).
Encoder = Callable[[Any], Any]


# isoformat(timespec="microseconds")[:26] + "Z" written out: twice as fast, and every MT5 deal has a time.
_DATETIME_TEXT = TAG + "D%04d-%02d-%02dT%02d:%02d:%02d.%06dZ"


def encode_datetime(value: datetime) -> str:
    offset = value.utcoffset()
    if offset is None:
        raise ValueError(value)  # naive: refused by check_scalar with the field's path
    if offset:
        value = to_utc(value)
    return _DATETIME_TEXT % (
        value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond
    )


def encode_date(value: date) -> str:
    return TAG + "d" + value.isoformat()


def encode_filter_value(value: Any) -> Any:
    """Encode a filter operand the way stored values of the same type are encoded (text tags)."""
    if isinstance(value, datetime):
        return encode_datetime(value)
    if isinstance(value, date):
        return encode_date(value)
    return value


def decode_tagged(text: str) -> Any:
    """Turn a tagged string back into the value it stands for."""
    kind, body = text[1], text[2:]
    if kind == "D":
        return datetime.fromisoformat(body)
    if kind == "d":
        return date.fromisoformat(body)
    if kind == "B":
        return base64.b64decode(body)
    raise InvalidDocument(f"Stored value has an unknown type tag {kind!r}; was the file written by a newer version?")


_KEYS_SEEN: set[str] = set()
_MAX_KEYS_SEEN = 10_000


def _remember_key(key: str) -> None:
    """Field names repeat across documents: check each once (bounded, so odd input cannot grow it forever)."""
    if len(_KEYS_SEEN) < _MAX_KEYS_SEEN:
        _KEYS_SEEN.add(key)


def walk(value: Any, path: str, depth: int, encoders: dict[type, Encoder]) -> Any:
    """Validate ``value`` and return its encoded copy (containers walked, scalars passed to ``encoders``).

    Written as one tight loop because every stored document passes through it (bulk MT5 syncs); the
    readable checks in ``store.values`` run only when the fast test says something may be wrong.
    """
    kind = type(value)
    if kind is dict:
        if depth > MAX_DEPTH:
            raise InvalidDocument(f"The document nests deeper than {MAX_DEPTH} levels at {path}.")
        out = {}
        for key, item in value.items():
            if key not in _KEYS_SEEN:
                _remember_key(check_key(key, path))
            t = type(item)
            if t is str:
                if len(item) > MAX_STRING_CHARS or "\x00" in item or "\x01" in item:
                    check_scalar(item, join(path, key))
                out[key] = item
            elif (t is int and INT64_MIN <= item <= INT64_MAX) or item is None or t is bool:
                out[key] = item
            elif t in encoders:
                try:
                    out[key] = encoders[t](item)
                except ValueError:
                    check_scalar(item, join(path, key))
                    raise
            else:
                out[key] = walk(item, join(path, key), depth + 1, encoders)
        return out
    if kind is list or kind is tuple:
        return [walk(v, join(path, i), depth + 1, encoders) for i, v in enumerate(value)]
    check_scalar(value, path)
    encode = encoders.get(kind)
    return value if encode is None else encode(value)


def check_decimal(value: Decimal) -> Decimal:
    """Raise ValueError unless ``value`` fits Decimal128: finite, at most 34 significant digits, exponent in range."""
    if not value.is_finite():
        raise ValueError(value)
    _, digits, exponent = value.as_tuple()
    if len(digits) > MAX_DECIMAL_DIGITS or not MIN_DECIMAL_EXPONENT <= exponent <= MAX_DECIMAL_EXPONENT:  # type: ignore[operator]
        raise ValueError(value)
    return value


def _decimal_text(value: Decimal) -> str:
    """The JSON number for ``value``; ValueError if it does not fit Decimal128."""
    text = str(value)
    if len(text) > MAX_DECIMAL_DIGITS or "E" in text or not value.is_finite():
        check_decimal(value)  # short plain text has few digits and a small exponent: only others need checking
    if "." not in text and "E" not in text:
        text += "E0"  # so json.loads gives a Decimal back, not an int
    return text


def _decimal_to_json(value: Decimal) -> str:
    return "\x00N" + _decimal_text(value) + "\x00"


def _bytes_to_json(value: bytes) -> str:
    if len(value) > MAX_BYTES:
        raise ValueError(value)
    return TAG + "B" + base64.b64encode(value).decode("ascii")


_JSON_ENCODERS: dict[type, Encoder] = {
    Decimal: _decimal_to_json,
    datetime: encode_datetime,
    date: encode_date,
    bytes: _bytes_to_json,
}


# One encoder for every document: json.dumps with options builds a new JSONEncoder on each call.
_JSON_TEXT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


# What ``json`` writes for text with ``ensure_ascii=False`` (the C function ``_JSON_TEXT`` uses for strings).
_STR_JSON: Callable[[str], str] = json.encoder.encode_basestring
# Tagged scalars in the flat encoder: their stored text, JSON-quoted.
_TAGGED_ENCODERS: dict[type, Encoder] = {datetime: encode_datetime, date: encode_date, bytes: _bytes_to_json}
# '{"login":%s,"ticket":%s,…}' by field names: documents of one collection repeat the same few.
_FLAT_TEMPLATES: dict[tuple[str, ...], str] = {}
_MAX_FLAT_TEMPLATES = 1000


def _flat_template(keys: tuple[str, ...]) -> str | None:
    """The JSON of a flat document with these field names, values left as ``%s``; None if a name is refused."""
    template = _FLAT_TEMPLATES.get(keys)
    if template is None:
        try:
            fields = [_STR_JSON(check_key(key, "")).replace("%", "%%") + ":%s" for key in keys]
        except InvalidDocument:
            return None  # the general path raises it, in field order with any refused value
        template = "{" + ",".join(fields) + "}"
        if len(_FLAT_TEMPLATES) < _MAX_FLAT_TEMPLATES:
            _FLAT_TEMPLATES[keys] = template
    return template


def _flat_json(body: dict[str, Any]) -> str | None:
    """The stored JSON of a document holding only scalars, or None when ``_walked_json`` must encode it.

    The common case (every MT5 deal) written straight to text, without the encoded copy, the JSON encoder
    and the Decimal marks of ``_walked_json``; the output is byte-for-byte the same (tests/store/
    test_codec_fast.py). Anything unusual, including every value that must be refused, goes the general way,
    which raises the readable error.
    """
    template = _flat_template(tuple(body))
    if template is None:
        return None
    values: list[object] = []
    append = values.append
    for item in body.values():
        kind = type(item)
        if kind is str:
            if len(item) > MAX_STRING_CHARS or "\x00" in item or "\x01" in item:
                return None
            append(_STR_JSON(item))
        elif kind is Decimal:
            try:
                append(_decimal_text(item))
            except ValueError:
                return None
        elif kind is int:
            if not INT64_MIN <= item <= INT64_MAX:
                return None
            append(item)  # '%s' writes it as json does
        elif item is None:
            append("null")
        elif kind is bool:
            append("true" if item else "false")
        elif kind in _TAGGED_ENCODERS:
            try:
                append(_STR_JSON(_TAGGED_ENCODERS[kind](item)))
            except ValueError:
                return None
        else:
            return None
    return template % tuple(values)


def _walked_json(body: dict[str, Any]) -> str:
    """The stored JSON of any document: validated and encoded by ``walk``, then written by ``json``."""
    text = _JSON_TEXT(walk(body, "", 0, _JSON_ENCODERS))
    if _DECIMAL_OPEN in text:
        text = text.replace(_DECIMAL_OPEN, "").replace(_DECIMAL_CLOSE, "")
    return text


def document_to_json(doc: dict[str, Any]) -> str:
    """Validated JSON text for SQLite (without ``_id``/``version``, which are columns)."""
    if type(doc) is not dict:
        raise InvalidDocument(f"A document is a dict, not {type(doc).__name__}.")
    body = without_reserved(doc)
    text = _flat_json(body)
    if text is None:
        text = _walked_json(body)
    if len(text) > MAX_DOCUMENT_CHARS:
        raise InvalidDocument(
            f"The document is {len(text) / 1e6:.1f} MB once stored; the limit is {MAX_DOCUMENT_CHARS / 1e6:.0f} MB. "
            "Store large files as separate blobs."
        )
    return text


def _untag(value: Any, decoders: dict[type, Callable[[Any], Any]] | None = None) -> Any:
    kind = type(value)
    if kind is str:
        return decode_tagged(value) if value[:1] == TAG else value
    if kind is dict:
        return {k: _untag(v, decoders) for k, v in value.items()}
    if kind is list:
        return [_untag(v, decoders) for v in value]
    if decoders and kind in decoders:
        return decoders[kind](value)
    return value


def document_from_json(text: str, doc_id: str, version: int) -> dict[str, Any]:
    """The document stored as ``text`` with its ``_id`` and ``version``."""
    doc = json.loads(text, parse_float=Decimal)
    if "\\u0001" in text:
        doc = _untag(doc)
    doc["_id"] = doc_id
    doc["version"] = version
    return doc


def untag(value: Any, decoders: dict[type, Callable[[Any], Any]] | None = None) -> Any:
    """Decode tagged strings anywhere inside ``value`` (MongoDB documents), and other types by ``decoders``."""
    return _untag(value, decoders)
