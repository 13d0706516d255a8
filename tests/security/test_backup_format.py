from __future__ import annotations

import json
import struct
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fidus_desktop.security.backup_format import (
    MAGIC,
    BackupCorrupt,
    BlobRecord,
    DocumentRecord,
    WrongPassphrase,
    decode_value,
    encode_value,
    read_backup,
    verify_backup,
    write_backup,
)
from fidus_desktop.security.crypto import ScryptParams

PASSPHRASE = "backup passphrase for the office"
INVESTORS = [
    {
        "_id": f"inv-{n}",
        "name": f"Investor {n} — Zürich",
        "commitment": Decimal("1250000.50") + n,
        "fee_rate": Decimal("0.0150"),
        "onboarded": date(2023, 1, 1 + n),
        "updated_at": datetime(2024, 5, 1, 12, 0, 0, 123456 + n, tzinfo=UTC),
        "national_id_token": b"\x00\x01binary" * 3,
        "tags": ["vip", "eu"],
        "version": n,
    }
    for n in range(20)
]
DEALS = [{"ticket": n, "profit": Decimal(n) / 100, "closed": n % 2 == 0, "note": None} for n in range(50)]
BLOBS = [("kyc/inv-1/passport.pdf", b"%PDF-1.7" + bytes(range(256)) * 10), ("empty.bin", b"")]


def write(path: Path, kdf: ScryptParams, **kwargs: Any) -> Path:
    write_backup(
        path,
        PASSPHRASE,
        [("investors", iter(INVESTORS)), ("deals", (deal for deal in DEALS)), ("empty", [])],
        iter(BLOBS),
        kdf=kdf,
        chunk_size=kwargs.pop("chunk_size", 256),
        **kwargs,
    )
    return path


def chunk_offsets(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of each chunk record (length prefix included)."""
    (header_length,) = struct.unpack(">I", data[len(MAGIC) + 1 : len(MAGIC) + 5])
    position, offsets = len(MAGIC) + 5 + header_length, []
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        offsets.append((position, position + 4 + length))
        position += 4 + length
    return offsets


@pytest.fixture
def archive(tmp_path: Path, fast_kdf: ScryptParams) -> Path:
    return write(tmp_path / "office.fidusbak", fast_kdf)


def test_round_trip_yields_the_same_data(archive: Path) -> None:
    records = list(read_backup(archive, PASSPHRASE))
    documents: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        if isinstance(record, DocumentRecord):
            documents.setdefault(record.collection, []).append(record.document)
    assert documents == {"investors": INVESTORS, "deals": DEALS}
    assert [r for r in records if isinstance(r, BlobRecord)] == [BlobRecord(n, d) for n, d in BLOBS]
    restored = documents["investors"][3]
    assert str(restored["fee_rate"]) == "0.0150"
    assert restored["updated_at"].utcoffset() == timedelta(0)


def test_verify_reports_contents(archive: Path) -> None:
    report = verify_backup(archive, PASSPHRASE)
    assert report.collections == {"investors": 20, "deals": 50, "empty": 0}
    assert report.blobs == 2
    assert report.chunks > 10
    assert report.format_version == 1
    assert report.created_at.tzinfo is not None


def test_writer_report_matches_verify(tmp_path: Path, fast_kdf: ScryptParams) -> None:
    written = write_backup(tmp_path / "b", PASSPHRASE, [("deals", DEALS)], kdf=fast_kdf, chunk_size=100)
    assert written == verify_backup(tmp_path / "b", PASSPHRASE)


def test_file_is_encrypted_and_starts_with_magic(archive: Path) -> None:
    data = archive.read_bytes()
    assert data.startswith(b"FIDUSBAK\x01")
    assert b"Investor" not in data
    assert b"PDF" not in data
    assert not archive.with_name(archive.name + ".partial").exists()


def test_wrong_passphrase(archive: Path) -> None:
    with pytest.raises(WrongPassphrase):
        verify_backup(archive, PASSPHRASE + "!")
    with pytest.raises(WrongPassphrase):
        next(read_backup(archive, "nope"))


def test_truncated_after_a_chunk(archive: Path) -> None:
    data = archive.read_bytes()
    offsets = chunk_offsets(data)
    archive.write_bytes(data[: offsets[3][1]])
    with pytest.raises(BackupCorrupt, match="truncated after chunk 4"):
        verify_backup(archive, PASSPHRASE)


def test_truncated_inside_a_chunk(archive: Path) -> None:
    data = archive.read_bytes()
    offsets = chunk_offsets(data)
    archive.write_bytes(data[: offsets[5][0] + 10])
    with pytest.raises(BackupCorrupt, match="truncated after chunk 5"):
        verify_backup(archive, PASSPHRASE)


def test_truncated_after_the_header(archive: Path) -> None:
    data = archive.read_bytes()
    archive.write_bytes(data[: chunk_offsets(data)[0][0]])
    with pytest.raises(BackupCorrupt, match="truncated after the header"):
        verify_backup(archive, PASSPHRASE)


def test_dropping_the_final_chunk_is_truncation(archive: Path) -> None:
    data = archive.read_bytes()
    offsets = chunk_offsets(data)
    archive.write_bytes(data[: offsets[-2][1]])
    with pytest.raises(BackupCorrupt, match=f"truncated after chunk {len(offsets) - 1}"):
        verify_backup(archive, PASSPHRASE)


def test_altered_chunk_is_named(archive: Path) -> None:
    data = bytearray(archive.read_bytes())
    start, end = chunk_offsets(bytes(data))[6]
    data[(start + end) // 2] ^= 0x01
    archive.write_bytes(bytes(data))
    with pytest.raises(BackupCorrupt, match="chunk 7 was altered"):
        verify_backup(archive, PASSPHRASE)


def test_reordered_chunks_are_detected(archive: Path) -> None:
    data = archive.read_bytes()
    offsets = chunk_offsets(data)
    (a_start, a_end), (b_start, b_end) = offsets[2], offsets[3]
    swapped = data[:a_start] + data[b_start:b_end] + data[a_start:a_end] + data[b_end:]
    archive.write_bytes(swapped)
    with pytest.raises(BackupCorrupt, match="chunk 3 was altered"):
        verify_backup(archive, PASSPHRASE)


def test_appended_data_is_detected(archive: Path) -> None:
    data = archive.read_bytes()
    offsets = chunk_offsets(data)
    archive.write_bytes(data + data[offsets[0][0] : offsets[0][1]])
    with pytest.raises(BackupCorrupt, match="after its final chunk"):
        verify_backup(archive, PASSPHRASE)


def test_crafted_kdf_parameters_are_refused(archive: Path) -> None:
    data = archive.read_bytes()
    archive.write_bytes(data.replace(b'"n":16', b'"n":1073741824', 1))
    with pytest.raises(BackupCorrupt, match="header is damaged"):
        verify_backup(archive, PASSPHRASE)


def test_altered_header_is_detected(archive: Path) -> None:
    data = archive.read_bytes()
    archive.write_bytes(data.replace(b'"chunk_size":256', b'"chunk_size":257', 1))
    with pytest.raises(BackupCorrupt, match="chunk 1 was altered"):
        verify_backup(archive, PASSPHRASE)


@pytest.mark.parametrize(
    ("mangle", "fragment"),
    [
        (lambda data: b"NOTABACK" + data[8:], "not a FIDUS backup"),
        (lambda data: data[:8] + b"\x09" + data[9:], "format version 9"),
        (lambda data: data[:11], "truncated inside its header"),
        (lambda data: b"", "not a FIDUS backup"),
    ],
)
def test_damaged_header(archive: Path, mangle: Any, fragment: str) -> None:
    archive.write_bytes(mangle(archive.read_bytes()))
    with pytest.raises(BackupCorrupt, match=fragment):
        verify_backup(archive, PASSPHRASE)


def test_manifest_checksum_mismatch_names_the_collection(
    tmp_path: Path, fast_kdf: ScryptParams, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer that lies in its manifest (e.g. a bug) is caught by the per-collection checksum."""
    from fidus_desktop.security import backup_format

    real = backup_format._Section.summary

    def lying_summary(self: Any) -> dict[str, Any]:
        summary = real(self)
        if summary["count"] == len(DEALS):
            summary["sha256"] = "0" * 64
        return summary

    monkeypatch.setattr(backup_format._Section, "summary", lying_summary)
    path = write(tmp_path / "lying.fidusbak", fast_kdf)
    monkeypatch.setattr(backup_format._Section, "summary", real)
    with pytest.raises(BackupCorrupt, match="Manifest checksum mismatch for collection deals"):
        verify_backup(path, PASSPHRASE)
    records = read_backup(path, PASSPHRASE)
    assert isinstance(next(records), DocumentRecord)
    with pytest.raises(BackupCorrupt, match="checksum mismatch"):
        list(records)


def test_failed_write_leaves_no_file(tmp_path: Path, fast_kdf: ScryptParams) -> None:
    def documents() -> Any:
        yield {"ok": 1}
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        write_backup(tmp_path / "b", PASSPHRASE, [("deals", documents())], kdf=fast_kdf)
    assert list(tmp_path.iterdir()) == []


def test_writer_refuses_bad_input(tmp_path: Path, fast_kdf: ScryptParams) -> None:
    with pytest.raises(ValueError, match="given twice"):
        write_backup(tmp_path / "b", PASSPHRASE, [("a", []), ("a", [])], kdf=fast_kdf)
    with pytest.raises(TypeError, match=r"deals\[0\]\.when"):
        write_backup(tmp_path / "b", PASSPHRASE, [("deals", [{"when": object()}])], kdf=fast_kdf)
    with pytest.raises(ValueError, match="Chunk size"):
        write_backup(tmp_path / "b", PASSPHRASE, [], kdf=fast_kdf, chunk_size=0)


def test_empty_backup_round_trips(tmp_path: Path, fast_kdf: ScryptParams) -> None:
    report = write_backup(tmp_path / "b", PASSPHRASE, [], kdf=fast_kdf)
    assert report.chunks == 1
    assert list(read_backup(tmp_path / "b", PASSPHRASE)) == []


# --- the lossless value codec -----------------------------------------------------------------------

values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False),
        st.text(),
        st.binary(),
        st.decimals(),
        st.dates(),
        st.datetimes(),
        st.datetimes(timezones=st.timezones()),
        st.datetimes(
            timezones=st.builds(
                lambda seconds: timezone(timedelta(seconds=seconds)), st.integers(-86399, 86399)
            )
        ),
    ),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=5).filter(lambda k: not k.startswith("\x01")), inner, max_size=4)
    ),
    max_leaves=12,
)


def same(left: Any, right: Any) -> bool:
    """Equality that also compares Decimal digits/exponent, NaN, and date-time offsets."""
    if type(left) is not type(right):
        return False
    if isinstance(left, Decimal):
        return left.as_tuple() == right.as_tuple()
    if isinstance(left, datetime):
        return (
            left.replace(tzinfo=None) == right.replace(tzinfo=None) and left.utcoffset() == right.utcoffset()
        )
    if isinstance(left, list):
        return len(left) == len(right) and all(same(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(same(left[k], right[k]) for k in left)
    return left == right


@given(values)
def test_codec_round_trip_is_exact(value: Any) -> None:
    assert same(decode_value(json.dumps(encode_value(value))), value)


def test_codec_examples() -> None:
    value = {
        "amount": Decimal("12.50"),
        "big": Decimal("1E+3"),
        "neg_zero": Decimal("-0.00"),
        "at": datetime(2024, 1, 1, 12, 0, 0, 5, tzinfo=timezone(timedelta(hours=-5))),
        "on": date(2024, 2, 29),
        "raw": b"\x00\xff",
    }
    encoded = encode_value(value)
    assert encoded["amount"] == {"\x01decimal": "12.50"}
    assert encoded["at"] == {"\x01datetime": "2024-01-01T12:00:00.000005-05:00"}
    assert same(decode_value(json.dumps(encoded)), value)


def test_codec_refuses_reserved_keys_and_unknown_tags() -> None:
    with pytest.raises(TypeError, match="plain string keys"):
        encode_value({"\x01decimal": "1"})
    with pytest.raises(TypeError, match="sub-second UTC offset"):
        encode_value(datetime(2024, 1, 1, tzinfo=timezone(timedelta(microseconds=1))))
    with pytest.raises(BackupCorrupt, match="newer version"):
        decode_value('{"\\u0001money": "1"}')
