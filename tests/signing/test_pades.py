"""PAdES signatures made and checked here, and checked again by independent tools (poppler's pdfsig, qpdf)."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
from PIL import Image
from reportlab.pdfgen import canvas

from fidus_desktop.integrations.signing.certificates import (
    CertificateError,
    OfficeCertificate,
    create_self_signed,
    load_pkcs12,
)
from fidus_desktop.integrations.signing.pades import Placement, SigningError, SignRequest, sign_pdf
from fidus_desktop.integrations.signing.validation import ValidationError, validate_pdf
from tests.support.tools import require_tool


def agreement(pages: int = 3) -> bytes:
    buf = io.BytesIO()
    page = canvas.Canvas(buf, pageCompression=0)  # the text stays findable for the tampering test
    for number in range(1, pages + 1):
        page.drawString(72, 720, f"Subscription agreement, page {number}")
        page.showPage()
    page.save()
    return buf.getvalue()


@pytest.fixture(scope="module")
def office() -> OfficeCertificate:
    return create_self_signed("FIDUS Test Office", "Test Fund Management")


def pdfsig(path: Path) -> str:
    return subprocess.run([require_tool("pdfsig", "poppler-utils"), str(path)], capture_output=True, text=True,
                          check=False).stdout


def test_a_signed_pdf_validates_here_and_in_pdfsig_and_qpdf(office: OfficeCertificate, tmp_path: Path) -> None:
    signed = sign_pdf(agreement(), office, SignRequest("Investor", "Ann Smith", reason="Subscription"))
    [report] = validate_pdf(signed, [office.certificate])
    assert report.good
    assert (report.field, report.covers, report.changes_after) == ("Investor", "the whole file",
                                                                  "nothing changed after signing")
    assert "FIDUS Test Office" in report.signer
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)
    assert "Signature Validation: Signature is Valid." in pdfsig(path)
    subprocess.run([require_tool("qpdf", "qpdf"), "--check", str(path)], check=True, capture_output=True)


def test_one_changed_byte_inside_the_signed_range_is_detected(office: OfficeCertificate, tmp_path: Path) -> None:
    signed = bytearray(sign_pdf(agreement(), office, SignRequest("Investor", "Ann Smith")))
    at = signed.index(b"Subscription agreement, page 2")
    signed[at] ^= 0x01
    [report] = validate_pdf(bytes(signed), [office.certificate])
    assert not report.intact
    assert "the signed content was altered" in report.summary()
    path = tmp_path / "tampered.pdf"
    path.write_bytes(signed)
    assert "Digest Mismatch" in pdfsig(path)


def test_a_second_signature_keeps_the_first_valid_and_names_what_followed(office: OfficeCertificate) -> None:
    first = sign_pdf(agreement(), office, SignRequest("Investor", "Ann Smith"))
    both = sign_pdf(first, office, SignRequest("Office", "Maria Rossi", placement=Placement(0, (300, 72, 480, 132))))
    assert both.startswith(first)  # an incremental update
    investor, office_sig = validate_pdf(both, [office.certificate])
    assert investor.good
    assert investor.covers == "the file as it was when signed (later revisions follow)"
    assert investor.changes_after.startswith("form fields filled or signed after signing")
    assert office_sig.good


def test_a_locked_document_refuses_later_changes(office: OfficeCertificate) -> None:
    locked = sign_pdf(agreement(), office, SignRequest("Investor", "Ann Smith", lock=True))
    after = sign_pdf(locked, office, SignRequest("Late", "Someone", placement=Placement(1)))
    first, _ = validate_pdf(after, [office.certificate])
    assert first.intact
    assert not first.changes_allowed
    assert not first.good


def test_a_drawn_signature_is_stamped(office: OfficeCertificate) -> None:
    png = io.BytesIO()
    Image.new("RGBA", (300, 100), (0, 0, 128, 255)).save(png, "PNG")
    signed = sign_pdf(agreement(), office, SignRequest("Investor", "Ann Smith", drawing_png=png.getvalue()))
    assert validate_pdf(signed, [office.certificate])[0].good
    with pytest.raises(SigningError, match="not a readable image"):
        sign_pdf(agreement(), office, SignRequest("Investor", "Ann Smith", drawing_png=b"not an image"))


def test_an_untrusted_certificate_is_reported(office: OfficeCertificate) -> None:
    stranger = create_self_signed("Somebody Else", "Elsewhere")
    [report] = validate_pdf(sign_pdf(agreement(), stranger, SignRequest("X", "Y")), [office.certificate])
    assert report.intact
    assert not report.trusted
    assert "the certificate is not trusted" in report.summary()


def test_bad_input_is_refused_saying_why(office: OfficeCertificate) -> None:
    with pytest.raises(SigningError, match="not a PDF"):
        sign_pdf(b"hello", office, SignRequest("F", "S"))
    with pytest.raises(SigningError, match="Page 9 does not exist; the PDF has 3"):
        sign_pdf(agreement(), office, SignRequest("F", "S", placement=Placement(8)))
    with pytest.raises(ValidationError, match="not a PDF"):
        validate_pdf(b"hello", [])
    assert validate_pdf(agreement(), []) == []


def test_pkcs12_import_and_its_errors(office: OfficeCertificate) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import load_der_private_key

    key = load_der_private_key(office.private_key, None)
    cert = x509.load_der_x509_certificate(office.certificate)
    p12 = pkcs12.serialize_key_and_certificates(b"office", key, cert, None, BestAvailableEncryption(b"s3cret"))
    loaded = load_pkcs12(p12, "s3cret")
    assert loaded.certificate == office.certificate
    assert loaded.fingerprint == office.fingerprint
    assert loaded.self_signed
    with pytest.raises(CertificateError, match="passphrase is wrong"):
        load_pkcs12(p12, "wrong")


def test_a_page_rewritten_after_signing_is_named_in_plain_words(office: OfficeCertificate) -> None:
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    signed = sign_pdf(agreement(), office, SignRequest("Investor", "Ann Smith", placement=None))
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    page = writer.find_page_for_modification(1)[0].get_object()
    page[generic.pdf_name("/Contents")] = writer.add_object(
        generic.StreamObject(stream_data=b"BT /F1 12 Tf 72 700 Td (Amount: 1,000,000 EUR) Tj ET"))
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    [report] = validate_pdf(out.getvalue(), [office.certificate])
    assert report.intact  # the signed bytes are all still there: the change is a later revision
    assert not report.good
    assert report.changes_after == "changed after signing in a way no signature allows: the content of page 2"
