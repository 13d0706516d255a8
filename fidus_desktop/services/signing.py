"""The office signing certificate, signing PDFs with it and validating any PDF's signatures.

The office has one current signing certificate (created self-signed for a start, or imported from a
PKCS#12 file); a replaced one is kept as retired, so what it signed still validates as trusted. Its private
key is stored only sealed by the ``Vault`` under the data key (``signing_certificates.private_key``, declared
as an encrypted field so key rotation re-encrypts it); a workstation without the data key can validate but
not sign. Imported CA certificates widen the trust list. Creating or importing a certificate and adding a
CA need ``signing.certificate``; signing needs ``signing.sign`` and is audited with the SHA-256 of the PDF
before and after (never its content or file name); validating needs ``signing.verify``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from fidus_desktop.integrations.signing.certificates import (
    CertificateError,
    OfficeCertificate,
    create_self_signed,
    load_pkcs12,
)
from fidus_desktop.integrations.signing.pades import Placement, SignRequest, sign_pdf
from fidus_desktop.integrations.signing.validation import SignatureReport, validate_pdf
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ChangeRecorder, Service, ServiceContext
from fidus_desktop.services.permissions import require
from fidus_desktop.services.personal_data import Locked, PersonalDataRegistry, PersonalField, Vault, VaultLocked
from fidus_desktop.store.port import Document, new_id

CERTIFICATES = "signing_certificates"
TRUSTED = "signing_trusted_cas"
KEY_FIELD = PersonalField(CERTIFICATES, "private_key", "blob", "signing.private_key")
__all__ = ["CertificateInfo", "Placement", "SignRequest", "SignatureReport", "SigningService"]  # front ends use these
SIGNING_PERSONAL_DATA = PersonalDataRegistry(fields=[KEY_FIELD])


class SigningPermission(StrEnum):
    SIGN = "signing.sign"
    VERIFY = "signing.verify"
    CERTIFICATE = "signing.certificate"
    READ = "signing.read"  # list and open envelopes
    ENVELOPES = "signing.envelopes"  # create, edit, send envelopes and remind signers
    VOID = "signing.void"


@dataclass(frozen=True)
class CertificateInfo:
    certificate_id: str
    subject: str
    fingerprint: str
    not_after: datetime
    self_signed: bool
    origin: str  # "self-signed" | "imported"
    created_by: str
    created_at: datetime

    @classmethod
    def from_doc(cls, doc: Document) -> CertificateInfo:
        cert = OfficeCertificate(doc["certificate"], b"")
        return cls(doc["_id"], cert.subject, cert.fingerprint, cert.not_after, cert.self_signed, doc["origin"],
                   doc["created_by"], doc["created_at"])


@dataclass(frozen=True)
class SignedPdf:
    data: bytes
    sha256_before: str
    sha256_after: str
    certificate: CertificateInfo | None  # None: signed with a PKCS#12 given for this one signature
    field: str = ""  # what the audit entry keeps: the signature field, certificate fingerprint, lock
    fingerprint: str = ""
    locked: bool = False


class SigningService(Service):
    def __init__(self, ctx: ServiceContext, vault: Vault) -> None:
        super().__init__(ctx)
        self.vault = vault
        self.certificates = ctx.store.collection(CERTIFICATES)
        self.trusted = ctx.store.collection(TRUSTED)

    def ensure_indexes(self) -> None:
        self.certificates.ensure_index(["status"])
        self.trusted.ensure_index(["fingerprint"], unique=True)

    # -- the office certificate ------------------------------------------------------------------------------
    def office_certificate(self, actor: Actor) -> CertificateInfo | None:
        require(actor, SigningPermission.VERIFY)
        doc = self._current()
        return CertificateInfo.from_doc(doc) if doc else None

    def create_office_certificate(self, actor: Actor, common_name: str, organisation: str) -> CertificateInfo:
        """A new self-signed certificate becomes the office's (the previous one is retired, still trusted)."""
        name = self.required_text(common_name, "common_name", "The certificate's name", max_length=64)
        org = self.required_text(organisation, "organisation", "The organisation", max_length=64)
        return self._install(actor, create_self_signed(name, org, now=self.now()), "self-signed")

    def import_office_certificate(self, actor: Actor, pkcs12: bytes, passphrase: str | None) -> CertificateInfo:
        return self._install(actor, load_pkcs12(pkcs12, passphrase), "imported")

    def _install(self, actor: Actor, certificate: OfficeCertificate, origin: str) -> CertificateInfo:
        require(actor, SigningPermission.CERTIFICATE)
        doc_id = new_id()
        sealed = self.vault.seal_blob(certificate.private_key, KEY_FIELD, doc_id)  # VaultLocked: not enrolled

        def write(rec: ChangeRecorder) -> Document:
            current = self._current()
            if current is not None:
                retired = self.certificates.update(current["_id"], {"status": "retired"},
                                                   expected_version=current["version"])
                rec.record("signing.certificate_retire", "signing_certificate", current["_id"],
                           before=_audit_image(current), after=_audit_image(retired))
            stored = self.certificates.insert({
                "_id": doc_id, "status": "current", "origin": origin, "certificate": certificate.certificate,
                "chain": list(certificate.chain), "private_key": sealed, "fingerprint": certificate.fingerprint,
                "created_by": actor.username, "created_at": self.now()})
            rec.record("signing.certificate_install", "signing_certificate", doc_id, after=_audit_image(stored))
            return stored

        stored = self.change(actor, SigningPermission.CERTIFICATE, write)
        return CertificateInfo.from_doc(stored)

    def trust_ca(self, actor: Actor, data: bytes) -> str:
        """Add a CA certificate (PEM or DER) to the trust list; returns its subject."""
        cert = _load_certificate(data)
        der = cert.public_bytes(serialization.Encoding.DER)
        fingerprint = hashlib.sha256(der).hexdigest().upper()
        subject = cert.subject.rfc4514_string()

        def write(rec: ChangeRecorder) -> None:
            if self.trusted.find_one({"fingerprint": fingerprint}) is None:
                stored = self.trusted.insert({"certificate": der, "fingerprint": fingerprint, "subject": subject,
                                              "added_by": actor.username, "added_at": self.now()})
                rec.record("signing.trust_ca", "signing_trusted_ca", stored["_id"],
                           after={"subject": subject, "fingerprint": fingerprint})

        self.change(actor, SigningPermission.CERTIFICATE, write)
        return subject

    def trust_roots(self) -> list[bytes]:
        """Every office certificate, current and retired, and every trusted CA."""
        return ([d["certificate"] for d in self.certificates.find({}, projection=["certificate"])]
                + [d["certificate"] for d in self.trusted.find({}, projection=["certificate"])])

    # -- signing and validating ------------------------------------------------------------------------------
    def sign(self, actor: Actor, pdf: bytes, request: SignRequest, pkcs12: bytes | None = None,
             pkcs12_passphrase: str | None = None) -> SignedPdf:
        """``pdf`` signed with the office certificate, or with the key and certificate of ``pkcs12`` given for
        this one signature; audited at once."""
        signed = self.sign_unrecorded(actor, pdf, request, pkcs12, pkcs12_passphrase)
        self.change(actor, SigningPermission.SIGN, lambda rec: self.record(rec, signed))
        return signed

    def sign_unrecorded(self, actor: Actor, pdf: bytes, request: SignRequest, pkcs12: bytes | None = None,
                        pkcs12_passphrase: str | None = None) -> SignedPdf:
        """Like ``sign``, but the caller audits it with ``record`` in the transaction that saves the signed PDF,
        so a save refused (a stale envelope) leaves no audit entry for a signature that was never kept. Nothing
        is written here: the slow signing stays outside any transaction."""
        require(actor, SigningPermission.SIGN)
        info = None
        certificate = load_pkcs12(pkcs12, pkcs12_passphrase) if pkcs12 is not None else None
        if certificate is None:
            doc = self._current()
            if doc is None:
                raise CertificateError("The office has no signing certificate yet; an administrator creates or "
                                       "imports one (Signing, or `fidus sign office-certificate create`).")
            key = self.vault.open_blob(doc["private_key"], KEY_FIELD, doc["_id"])
            if isinstance(key, Locked):
                raise VaultLocked("The office's signing key cannot be opened on this workstation: it is not "
                                  "enrolled for the data key. An administrator enrols it under Admin → Keys.")
            certificate = OfficeCertificate(doc["certificate"], key, tuple(doc.get("chain") or ()))
            info = CertificateInfo.from_doc(doc)
        signed = sign_pdf(pdf, certificate, request)
        return SignedPdf(signed, _sha256(pdf), _sha256(signed), info, request.field_name, certificate.fingerprint,
                         request.lock)

    @staticmethod
    def record(rec: ChangeRecorder, signed: SignedPdf) -> None:
        """The audit entry of a signature (hashes, field, certificate; never the content), in the caller's
        transaction."""
        rec.record("signing.sign", "pdf", signed.sha256_before, after={
            "sha256_after": signed.sha256_after, "field": signed.field, "certificate": signed.fingerprint,
            "locked": signed.locked})

    def verify(self, actor: Actor, pdf: bytes) -> list[SignatureReport]:
        require(actor, SigningPermission.VERIFY)
        return validate_pdf(pdf, self.trust_roots())

    def _current(self) -> Document | None:
        return self.certificates.find_one({"status": "current"})


def _audit_image(doc: Document) -> Document:
    """What the audit trail keeps of a certificate: never the sealed key."""
    return {k: v for k, v in doc.items() if k not in ("private_key", "certificate", "chain")}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _load_certificate(data: bytes) -> x509.Certificate:
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError:
        raise CertificateError("The file is not an X.509 certificate (PEM or DER); export the CA certificate "
                               "again, without its key.") from None
