"""The office signing certificate: created self-signed for a start, or imported from a PKCS#12 file.

The key travels as PKCS#8 DER bytes that the services seal with the app's key management before storing; this
module never writes a file. A self-signed certificate proves that the office signed and that nothing changed
since, but a reader trusts it only once told to (Adobe and poppler report "issuer not trusted"); an office
that wants readers to trust its signatures imports a certificate from a qualified or AATL provider.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from fidus_desktop.clock import wall_now
from fidus_desktop.errors import UserError

VALID_YEARS = 5


class CertificateError(UserError, ValueError):
    """A certificate or PKCS#12 file that cannot be used for signing (the message says why)."""


@dataclass(frozen=True)
class OfficeCertificate:
    """A signing certificate, its private key and the certificates of its chain, all DER."""

    certificate: bytes
    private_key: bytes  # PKCS#8 DER: seal it before storing
    chain: tuple[bytes, ...] = ()

    @property
    def subject(self) -> str:
        return asn1_x509.Certificate.load(self.certificate).subject.human_friendly

    @property
    def not_after(self) -> datetime:
        return x509.load_der_x509_certificate(self.certificate).not_valid_after_utc

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the certificate, as Windows and browsers show it."""
        return hashlib.sha256(self.certificate).hexdigest().upper()

    @property
    def self_signed(self) -> bool:
        cert = x509.load_der_x509_certificate(self.certificate)
        return cert.issuer == cert.subject


def create_self_signed(common_name: str, organisation: str, *, now: datetime | None = None,
                       years: int = VALID_YEARS) -> OfficeCertificate:
    """A new EC P-256 key and a self-signed certificate for signing documents (and nothing else)."""
    if not common_name.strip() or not organisation.strip():
        raise CertificateError("A signing certificate needs a name and an organisation.")
    start = (now or wall_now()) - timedelta(minutes=5)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name.strip()),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation.strip())])
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(start)
        .not_valid_after(start + timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_cert_sign=True,
                                     crl_sign=False, key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return OfficeCertificate(cert.public_bytes(serialization.Encoding.DER), _pkcs8(key))


def load_pkcs12(data: bytes, passphrase: str | None) -> OfficeCertificate:
    """The key, certificate and chain of a PKCS#12 (.p12 / .pfx) file."""
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, passphrase.encode() if passphrase else None)
    except ValueError:
        raise CertificateError("The PKCS#12 file could not be opened: the passphrase is wrong or the file is not "
                               "a .p12/.pfx file.") from None
    if key is None or cert is None:
        raise CertificateError("The PKCS#12 file holds no private key with its certificate; export the "
                               "certificate together with its key.")
    if cert.not_valid_after_utc < wall_now():  # as anyone checking the signatures will, on their real clock
        raise CertificateError(f"The certificate expired on {cert.not_valid_after_utc:%Y-%m-%d}; renew it first.")
    return OfficeCertificate(cert.public_bytes(serialization.Encoding.DER), _pkcs8(key),
                             tuple(c.public_bytes(serialization.Encoding.DER) for c in extra or ()))


def _pkcs8(key: object) -> bytes:
    return key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,  # type: ignore[attr-defined]
                             serialization.NoEncryption())


def asn1_certificate(der: bytes) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(der)


def asn1_private_key(der: bytes) -> asn1_keys.PrivateKeyInfo:
    return asn1_keys.PrivateKeyInfo.load(der)
