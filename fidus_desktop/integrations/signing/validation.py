"""Validating every signature of any PDF, in plain words.

For each signature: who signed (the certificate's subject), when they say they signed, whether the signed
bytes are intact, whether the certificate chains to a trusted root (the office certificate plus imported CA
certificates; nothing is fetched from the network), what the signature covers, and what changed after it
(pyHanko's modification analysis: nothing, form filling and later signatures, or changes a signature does
not allow), with any embedded timestamp.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel, SuspiciousModification
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from fidus_desktop.integrations.signing.certificates import asn1_certificate


class ValidationError(ValueError):
    """A file whose signatures cannot be examined (not a PDF, unreadable)."""


COVERAGE = {
    SignatureCoverageLevel.ENTIRE_FILE: "the whole file",
    SignatureCoverageLevel.ENTIRE_REVISION: "the file as it was when signed (later revisions follow)",
    SignatureCoverageLevel.CONTIGUOUS_BLOCK_FROM_START: "only part of the file",
    SignatureCoverageLevel.UNCLEAR: "an unclear part of the file",
}


@dataclass(frozen=True)
class SignatureReport:
    field: str
    signer: str
    signed_at: datetime | None  # as the signer's computer stated it
    timestamp: datetime | None  # from a timestamp authority, when embedded
    intact: bool  # the signed bytes are unchanged
    valid: bool  # the cryptographic signature checks out
    trusted: bool  # the certificate chains to a trusted root
    covers: str
    changes_after: str  # plain words
    changes_allowed: bool

    @property
    def good(self) -> bool:
        return self.intact and self.valid and self.trusted and self.changes_allowed

    def summary(self) -> str:
        problems = [text for ok, text in ((self.intact, "the signed content was altered"),
                                          (self.valid, "the signature does not verify"),
                                          (self.trusted, "the certificate is not trusted"),
                                          (self.changes_allowed, self.changes_after)) if not ok]
        verdict = "valid" if not problems else "NOT valid: " + "; ".join(problems)
        return f"{self.field}: signed by {self.signer}, {verdict}"


def validate_pdf(data: bytes, trust_roots: Iterable[bytes]) -> list[SignatureReport]:
    """One report per signature, in the order they were made (empty for an unsigned PDF)."""
    if not data.startswith(b"%PDF-"):
        raise ValidationError("The file is not a PDF (it does not start with %PDF-).")
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = list(reader.embedded_signatures)
    except (PdfError, ValueError) as exc:
        raise ValidationError(f"The PDF cannot be read ({exc}).") from None
    context = ValidationContext(trust_roots=[asn1_certificate(der) for der in trust_roots], allow_fetching=False)
    reports = []
    for signature in embedded:
        try:
            status = validate_pdf_signature(signature, context)
        except (SignatureValidationError, PdfError, ValueError) as exc:
            reports.append(SignatureReport(signature.field_name, "unknown", None, None, False, False, False,
                                           "nothing that can be checked", f"cannot be validated: {exc}", False))
            continue
        timestamp = status.timestamp_validity.timestamp if status.timestamp_validity else None
        changes, allowed = _changes(status.diff_result, status.modification_level, status.docmdp_ok)
        reports.append(SignatureReport(
            signature.field_name, status.signing_cert.subject.human_friendly, status.signer_reported_dt, timestamp,
            bool(status.intact), bool(status.valid), bool(status.trusted),
            COVERAGE.get(status.coverage, "an unclear part of the file") if status.coverage else
            "an unclear part of the file", changes, allowed))
    return reports


def _changes(diff: object, level: ModificationLevel | None, docmdp_ok: bool | None) -> tuple[str, bool]:
    if isinstance(diff, SuspiciousModification):
        return f"changed after signing in a way no signature allows: {diff}", False
    fields = sorted(getattr(diff, "changed_form_fields", ()) or ())
    if level is None or level is ModificationLevel.NONE:
        return "nothing changed after signing", True
    what = {ModificationLevel.LTA_UPDATES: "validation data added",
            ModificationLevel.FORM_FILLING: "form fields filled or signed",
            ModificationLevel.ANNOTATIONS: "comments added"}.get(level, "other changes")
    text = f"{what} after signing" + (f" ({', '.join(fields)})" if fields else "")
    if docmdp_ok is False:
        return f"{text}, which the document's lock does not allow", False
    return text, True
