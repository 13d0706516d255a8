"""PAdES B-T: with a timestamp server configured, each signature embeds a timestamp token fetched over HTTP (a
local RFC 3161 server answering with pyHanko's reference timestamper, RSA, extended key usage time stamping);
a server that does not answer is refused with what to check."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from asn1crypto import keys, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign.timestamps import DummyTimeStamper

from fidus_desktop.integrations.signing.certificates import create_self_signed
from fidus_desktop.integrations.signing.pades import SigningError, SignRequest, sign_pdf
from fidus_desktop.integrations.signing.validation import validate_pdf
from tests.signing.test_pades import agreement


def tsa_certificate() -> tuple[bytes, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test Timestamp Authority")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30))
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
            .sign(key, hashes.SHA256()))
    return (cert.public_bytes(serialization.Encoding.DER),
            key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()))


@pytest.fixture(scope="module")
def tsa() -> Iterator[tuple[str, bytes]]:
    """An RFC 3161 server on localhost: (its URL, its certificate)."""
    cert_der, key_der = tsa_certificate()
    stamper = DummyTimeStamper(asn1_x509.Certificate.load(cert_der), keys.PrivateKeyInfo.load(key_der))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            request = tsp.TimeStampReq.load(self.rfile.read(int(self.headers["Content-Length"])))
            body = stamper.request_tsa_response(request).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/tsa", cert_der
    server.shutdown()
    server.server_close()


def test_a_configured_timestamp_server_makes_pades_b_t(tsa: tuple[str, bytes]) -> None:
    url, tsa_cert = tsa
    office = create_self_signed("FIDUS Test Office", "Test")
    signed = sign_pdf(agreement(), office, SignRequest("Investor", "Ann Smith", timestamp_url=url))
    [report] = validate_pdf(signed, [office.certificate, tsa_cert])
    assert report.good, report.summary()
    assert report.timestamp is not None
    assert abs(report.timestamp - datetime.now(UTC)) < timedelta(minutes=5)
    [plain] = validate_pdf(sign_pdf(agreement(), office, SignRequest("Investor", "Ann Smith")), [office.certificate])
    assert plain.timestamp is None  # B-B: only the time the signer's computer stated


def test_a_timestamp_server_that_does_not_answer_is_named() -> None:
    office = create_self_signed("FIDUS Test Office", "Test")
    with pytest.raises(SigningError, match=r"timestamp server http://127\.0\.0\.1:9/tsa did not answer"):
        sign_pdf(agreement(), office, SignRequest("Investor", "Ann Smith", timestamp_url="http://127.0.0.1:9/tsa"))
