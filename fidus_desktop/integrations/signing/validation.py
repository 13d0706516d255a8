"""Validating every signature of any PDF, in plain words.

For each signature: who signed (the certificate's subject), when they say they signed, whether the signed
bytes are intact, whether the certificate chains to a trusted root (the office certificate plus imported CA
certificates; nothing is fetched from the network), what the signature covers, and what changed after it
(pyHanko's modification analysis: nothing, form filling and later signatures, or changes a signature does
not allow), with any embedded timestamp.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel, SuspiciousModification
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from fidus_desktop.errors import UserError
from fidus_desktop.integrations.signing.certificates import asn1_certificate


class ValidationError(UserError, ValueError):
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
        changes, allowed = _changes(status.diff_result, status.modification_level, status.docmdp_ok,
                                    functools.partial(_pages_changed_after, reader, signature.signed_revision))
        reports.append(SignatureReport(
            signature.field_name, status.signing_cert.subject.human_friendly, status.signer_reported_dt, timestamp,
            bool(status.intact), bool(status.valid), bool(status.trusted),
            COVERAGE.get(status.coverage, "an unclear part of the file") if status.coverage else
            "an unclear part of the file", changes, allowed))
    return reports


def _changes(diff: object, level: ModificationLevel | None, docmdp_ok: bool | None,
             pages: Callable[[], list[int]]) -> tuple[str, bool]:
    if isinstance(diff, SuspiciousModification):
        changed = pages()
        where = (f"the content of page{'s' if len(changed) > 1 else ''} {', '.join(str(p) for p in changed)}"
                 if changed else "parts of the file that are not pages (its structure or metadata)")
        return f"changed after signing in a way no signature allows: {where}", False
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


def _pages_changed_after(reader: PdfFileReader, revision: int) -> list[int]:
    """Page numbers (1-based) whose page object or content streams were rewritten after ``revision``."""
    changed: set[int] = set()
    for later in range(revision + 1, reader.xrefs.total_revisions):
        changed.update(ref.idnum for ref in reader.xrefs.explicit_refs_in_revision(later))
    pages = []
    try:
        for index in range(int(reader.root["/Pages"]["/Count"])):
            page_ref = reader.find_page_for_modification(index)[0]
            page = page_ref.get_object()
            contents = page.get_value_as_reference("/Contents", optional=True) if "/Contents" in page else None
            streams = [contents] if contents is not None else []
            raw = page.raw_get("/Contents") if "/Contents" in page else None
            if isinstance(raw, generic.ArrayObject):
                streams += [item for item in raw if isinstance(item, generic.IndirectObject)]
            if page_ref.idnum in changed or any(ref.idnum in changed for ref in streams):
                pages.append(index + 1)
    except (PdfError, ValueError, KeyError):
        return []
    return pages
