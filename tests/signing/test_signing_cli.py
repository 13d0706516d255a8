"""``fidus sign``: the office certificate, signing, validation, audit and who may do what."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from fidus_desktop.bootstrap import open_context
from fidus_desktop.integrations.signing.pades import SignRequest
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.permissions import PermissionDenied, Role
from fidus_desktop.services.signing import SigningPermission
from tests.keys_backup import test_cli
from tests.keys_backup.test_cli import run
from tests.signing.test_pades import agreement

db = test_cli.db


@pytest.fixture
def pdf(tmp_path: Path) -> Path:
    path = tmp_path / "agreement.pdf"
    path.write_bytes(agreement())
    return path


def test_create_sign_verify_and_detect_tampering(db: list[str], pdf: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    signed = tmp_path / "signed.pdf"
    code, out = run(db, capsys, "sign", "pdf", str(pdf), "--out", str(signed), "--signer", "Ann Smith")
    assert code == 2
    assert "no signing certificate yet" in out
    code, out = run(db, capsys, "sign", "office-certificate", "create", "--name", "Test Office signing",
                    "--organisation", "Test Fund Management")
    assert code == 0, out
    assert "self-signed" in out
    code, out = run(db, capsys, "sign", "pdf", str(pdf), "--out", str(signed), "--signer", "Ann Smith", "--page", "1",
                    "--reason", "Subscription")
    assert code == 0, out
    if os.name == "posix":
        assert signed.stat().st_mode & 0o077 == 0  # readable by its owner only
    code, out = run(db, capsys, "sign", "verify", str(signed), "--json")
    assert code == 0, out
    report = json.loads(out)
    assert report["valid"] is True
    assert report["signatures"][0]["signer"].endswith("Common Name: Test Office signing")
    tampered = bytearray(signed.read_bytes())
    tampered[tampered.index(b"Subscription agreement, page 3")] ^= 1
    (tmp_path / "tampered.pdf").write_bytes(tampered)
    code, out = run(db, capsys, "sign", "verify", str(tmp_path / "tampered.pdf"))
    assert code == 1
    assert "the signed content was altered" in out


def test_a_replaced_certificate_still_validates_what_it_signed(db: list[str], pdf: Path, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    run(db, capsys, "sign", "office-certificate", "create", "--name", "First", "--organisation", "Office")
    first = tmp_path / "first.pdf"
    assert run(db, capsys, "sign", "pdf", str(pdf), "--out", str(first), "--signer", "Ann")[0] == 0
    run(db, capsys, "sign", "office-certificate", "create", "--name", "Second", "--organisation", "Office")
    code, out = run(db, capsys, "sign", "office-certificate", "show")
    assert code == 0
    assert "Common Name: Second" in out
    assert run(db, capsys, "sign", "verify", str(first))[0] == 0


def test_bad_input_is_refused_with_exit_2(db: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(db, capsys, "sign", "verify", str(tmp_path / "missing.pdf"))
    assert code == 2
    assert "Cannot read" in out
    (tmp_path / "note.txt").write_text("hello")
    code, out = run(db, capsys, "sign", "trust", str(tmp_path / "note.txt"))
    assert code == 2
    assert "not an X.509 certificate" in out
    code, out = run(db, capsys, "sign", "verify", str(tmp_path / "note.txt"))
    assert code == 2
    assert "not a PDF" in out


@pytest.mark.parametrize("role", list(Role))
def test_who_may_sign_verify_and_manage_the_certificate(db: list[str], pdf: Path, role: Role) -> None:
    ctx = open_context(db[1], log_to_file=False)
    try:
        signing = ctx.services.signing
        admin = ctx.services.users.authenticate("alice", test_cli.ADMIN_PASSWORD).actor()
        signing.create_office_certificate(admin, "Office", "Org")
        actor = Actor("u-x", "xavier", role, workstation="test")
        expected = {
            Role.ADMIN: {"sign", "verify", "certificate"},
            Role.PORTFOLIO_MANAGER: {"sign", "verify"},
            Role.BACK_OFFICE: {"sign", "verify"},
            Role.COMPLIANCE_OFFICER: {"verify"},
            Role.CLIENT: set(),
        }[role]
        attempts = {
            "sign": lambda: signing.sign(actor, pdf.read_bytes(), SignRequest("Signature", "Xavier", placement=None)),
            "verify": lambda: signing.verify(actor, pdf.read_bytes()),
            "certificate": lambda: signing.create_office_certificate(actor, "Other", "Org"),
        }
        done = set()
        for name, attempt in attempts.items():
            try:
                attempt()
                done.add(name)
            except PermissionDenied:
                pass
        assert done == expected
        entries = [e for e in ctx.store.collection("audit").find({}) if e.get("action") == "signing.sign"]
        assert len(entries) == ("sign" in expected)
        assert all("agreement" not in json.dumps(e, default=str) for e in entries)  # hashes, never names or content
    finally:
        ctx.close()


def test_permissions_are_declared_once() -> None:
    assert {p.value for p in SigningPermission} == {"signing.sign", "signing.verify", "signing.certificate",
                                                    "signing.read", "signing.envelopes", "signing.void"}


def test_a_pkcs12_for_one_signature_and_trusting_its_issuer(db: list[str], pdf: Path, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import (
        BestAvailableEncryption,
        Encoding,
        load_der_private_key,
        pkcs12,
    )

    from fidus_desktop.integrations.signing.certificates import create_self_signed

    partner = create_self_signed("Partner Bank", "Partner")
    cert = x509.load_der_x509_certificate(partner.certificate)
    key = load_der_private_key(partner.private_key, None)
    (tmp_path / "partner.p12").write_bytes(
        pkcs12.serialize_key_and_certificates(b"p", key, cert, None, BestAvailableEncryption(b"pw")))  # type: ignore[arg-type]
    (tmp_path / "partner.pem").write_bytes(cert.public_bytes(Encoding.PEM))
    monkeypatch.setenv("P12_PASS", "pw")
    signed = tmp_path / "signed.pdf"
    code, out = run(db, capsys, "sign", "pdf", str(pdf), "--out", str(signed), "--signer", "Bank",
                    "--p12", str(tmp_path / "partner.p12"), "--p12-pass-env", "P12_PASS")
    assert code == 0, out
    code, out = run(db, capsys, "sign", "verify", str(signed))
    assert code == 1
    assert "the certificate is not trusted" in out
    assert run(db, capsys, "sign", "trust", str(tmp_path / "partner.pem"))[0] == 0
    assert run(db, capsys, "sign", "verify", str(signed))[0] == 0
