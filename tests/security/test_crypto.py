from __future__ import annotations

import base64
from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fidus_desktop.security.crypto import (
    CryptoError,
    DataKey,
    DecryptionError,
    ScryptParams,
    WrappedKey,
    WrongPassphrase,
    blind_index,
    decrypt_blob,
    decrypt_field,
    encrypt_blob,
    encrypt_field,
    field_key_id,
    unwrap_data_key,
    wrap_data_key,
)

KEY = DataKey.generate()
CONTEXT = "investor.national_id"


@given(st.one_of(st.text(), st.binary()))
def test_field_round_trip_keeps_type(value: str | bytes) -> None:
    token = encrypt_field(KEY, value, context=CONTEXT)
    assert decrypt_field(KEY, token, context=CONTEXT) == value
    assert type(decrypt_field(KEY, token, context=CONTEXT)) is type(value)


def test_token_format_names_the_key_and_is_randomised() -> None:
    token = encrypt_field(KEY, "756.1234.5678.97", context=CONTEXT)
    version, key_id, body = token.split(":")
    assert (version, key_id, field_key_id(token)) == ("v1", KEY.key_id, KEY.key_id)
    assert len(base64.urlsafe_b64decode(body)) == 12 + 1 + 16 + 16
    assert "756" not in token
    assert token != encrypt_field(KEY, "756.1234.5678.97", context=CONTEXT)


def test_key_material_never_in_repr() -> None:
    assert KEY.material.hex() not in repr(KEY)
    assert "material" not in repr(KEY)


def test_wrong_context_fails() -> None:
    token = encrypt_field(KEY, "DE89370400440532013000", context="investor.iban")
    with pytest.raises(DecryptionError, match=r"investor\.national_id"):
        decrypt_field(KEY, token, context=CONTEXT)


@pytest.mark.parametrize("position", [0, 5, 20, -1])
def test_tampered_ciphertext_fails(position: int) -> None:
    token = encrypt_field(KEY, "secret value", context=CONTEXT)
    prefix, body = token.rsplit(":", 1)
    raw = bytearray(base64.urlsafe_b64decode(body))
    raw[position] ^= 0x01
    with pytest.raises(DecryptionError, match="altered"):
        decrypt_field(KEY, f"{prefix}:{base64.urlsafe_b64encode(bytes(raw)).decode()}", context=CONTEXT)


def test_token_moved_under_another_key_id_fails() -> None:
    other = DataKey(key_id="other", material=KEY.material)
    token = encrypt_field(KEY, "secret value", context=CONTEXT)
    forged = token.replace(KEY.key_id, "other")
    with pytest.raises(DecryptionError):
        decrypt_field([KEY, other], forged, context=CONTEXT)


def test_wrong_key_with_same_id_fails() -> None:
    impostor = DataKey(key_id=KEY.key_id, material=DataKey.generate().material)
    with pytest.raises(DecryptionError, match="altered"):
        decrypt_field(impostor, encrypt_field(KEY, "x", context=CONTEXT), context=CONTEXT)


def test_rotation_old_tokens_need_the_old_key_and_say_so() -> None:
    old, new = DataKey.generate(), DataKey.generate()
    old_token = encrypt_field(old, "kept", context=CONTEXT)
    assert decrypt_field([new, old], old_token, context=CONTEXT) == "kept"
    assert decrypt_field([new, old], encrypt_field(new, "fresh", context=CONTEXT), context=CONTEXT) == "fresh"
    with pytest.raises(DecryptionError, match=rf"data key '{old.key_id}', which is not loaded"):
        decrypt_field([new], old_token, context=CONTEXT)


@pytest.mark.parametrize("token", ["plain text", "v2:abc:AAAA", "v1:abc", "v1:abc:!!!"])
def test_malformed_tokens_fail_clearly(token: str) -> None:
    with pytest.raises(DecryptionError):
        decrypt_field(DataKey(key_id="abc", material=bytes(32)), token, context=CONTEXT)


def test_data_key_validation() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        DataKey(key_id="k", material=b"short")
    with pytest.raises(ValueError, match="':'"):
        DataKey(key_id="a:b", material=bytes(32))


def test_blob_round_trip_and_attacks() -> None:
    document = b"%PDF-1.7 passport scan" * 1000
    blob = encrypt_blob(KEY, document, context="kyc_document/42")
    assert blob.startswith(b"FIDUSBLOB1")
    assert b"passport" not in blob
    assert decrypt_blob(KEY, blob, context="kyc_document/42") == document
    with pytest.raises(DecryptionError, match="another record"):
        decrypt_blob(KEY, blob, context="kyc_document/43")
    with pytest.raises(DecryptionError, match="altered"):
        decrypt_blob(KEY, blob[:-1], context="kyc_document/42")
    tampered = bytearray(blob)
    tampered[len(blob) // 2] ^= 0x80
    with pytest.raises(DecryptionError, match="altered"):
        decrypt_blob(KEY, bytes(tampered), context="kyc_document/42")
    with pytest.raises(DecryptionError, match="not loaded"):
        decrypt_blob(DataKey.generate(), blob, context="kyc_document/42")
    with pytest.raises(DecryptionError, match="FIDUSBLOB1"):
        decrypt_blob(KEY, document, context="kyc_document/42")


def test_wrap_unwrap_and_storage_round_trip(fast_kdf: ScryptParams) -> None:
    wrapped = wrap_data_key(KEY, "office passphrase", kdf=fast_kdf)
    stored = wrapped.to_dict()
    assert all(isinstance(value, str | int) for value in stored.values())
    assert KEY.material.hex() not in str(stored)
    assert unwrap_data_key(WrappedKey.from_dict(stored), "office passphrase") == KEY
    assert wrap_data_key(KEY, "office passphrase", kdf=fast_kdf).salt != wrapped.salt


def test_unwrap_with_wrong_passphrase(fast_kdf: ScryptParams) -> None:
    wrapped = wrap_data_key(KEY, "office passphrase", kdf=fast_kdf)
    with pytest.raises(WrongPassphrase, match=KEY.key_id):
        unwrap_data_key(wrapped, "office passphrasE")


def test_wrapped_key_tampering_is_refused(fast_kdf: ScryptParams) -> None:
    stored = wrap_data_key(KEY, "pw", kdf=fast_kdf).to_dict()
    with pytest.raises(WrongPassphrase):
        unwrap_data_key(WrappedKey.from_dict({**stored, "key_id": "someone-else"}), "pw")
    with pytest.raises(CryptoError, match="incomplete or damaged"):
        WrappedKey.from_dict({key: value for key, value in stored.items() if key != "salt"})
    with pytest.raises(CryptoError, match="Unsupported"):
        WrappedKey.from_dict({**stored, "version": 99})


def test_default_scrypt_parameters() -> None:
    assert ScryptParams() == ScryptParams(n=2**15, r=8, p=1)


@pytest.mark.parametrize(("n", "r", "p"), [(1000, 8, 1), (2**21, 8, 1), (2**10, 0, 1), (2**10, 8, 17)])
def test_scrypt_parameters_read_from_storage_are_bounded(n: int, r: int, p: int) -> None:
    with pytest.raises(ValueError, match="scrypt"):
        ScryptParams(n=n, r=r, p=p)


@pytest.mark.slow
def test_wrap_with_default_parameters() -> None:
    assert unwrap_data_key(wrap_data_key(KEY, "pw"), "pw") == KEY


@pytest.mark.parametrize(
    ("kind", "left", "right"),
    [
        ("iban", "DE89 3704 0044 0532 0130 00", "de89370400440532013000"),
        ("national_id", "756-1234-5678 97", "756123456789 7"),
        ("email", "  Alice@Fidus.Example ", "alice@fidus.example"),
        ("date", date(1980, 2, 29), " 1980-02-29 "),
    ],
)
def test_blind_index_normalises(kind: str, left: str | date, right: str | date) -> None:
    index = blind_index(KEY, left, kind=kind)
    assert index == blind_index(KEY, right, kind=kind)
    assert len(index) == 64
    assert int(index, 16) >= 0


def test_blind_index_depends_on_key_kind_and_value() -> None:
    value = "AB123456"
    index = blind_index(KEY, value, kind="national_id")
    assert index != blind_index(KEY, "AB123457", kind="national_id")
    assert index != blind_index(KEY, value, kind="iban")
    assert index != blind_index(DataKey.generate(), value, kind="national_id")


def test_blind_index_key_is_not_the_encryption_key() -> None:
    import hashlib
    import hmac

    direct = hmac.new(KEY.material, b"email\x00a@b.c", hashlib.sha256).hexdigest()
    assert blind_index(KEY, "a@b.c", kind="email") != direct


def test_blind_index_refuses_unknown_kinds_and_datetimes() -> None:
    with pytest.raises(ValueError, match="use one of iban, national_id, email, date"):
        blind_index(KEY, "x", kind="phone")
    with pytest.raises(ValueError, match="not a datetime"):
        blind_index(KEY, datetime(2024, 1, 1), kind="date")
