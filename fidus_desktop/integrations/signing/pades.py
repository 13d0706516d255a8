"""Signing a PDF: a PAdES baseline signature (B-B; B-T when a timestamp server is given) made by pyHanko as an
incremental update, so the signatures already in the file stay valid.

Each signature goes into a visible field: the signer's drawn signature (a PNG) or their typed name, with the
time, stamped into the box placed on the page. ``lock=True`` (the last signer) adds a lock to the field that
allows no change after it (DocMDP "no changes").
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.layout import AxisAlignment, InnerScaling, Margins, SimpleBoxLayoutRule
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.signers.pdf_signer import PdfSignatureMetadata, PdfSigner
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator.registry import SimpleCertificateStore

from fidus_desktop.errors import UserError
from fidus_desktop.integrations.signing.certificates import OfficeCertificate, asn1_certificate, asn1_private_key


class SigningError(UserError, ValueError):
    """A PDF or a request that cannot be signed (the message says why and what to do)."""


@dataclass(frozen=True)
class Placement:
    """Where the visible signature goes: a page (0-based) and a box in PDF points from the bottom left."""

    page: int = 0
    box: tuple[int, int, int, int] = (72, 72, 252, 132)


@dataclass(frozen=True)
class SignRequest:
    field_name: str
    signer_name: str
    reason: str = ""
    location: str = ""
    placement: Placement | None = Placement()  # None: an invisible signature
    drawing_png: bytes | None = None  # the signer's drawn signature; else the typed name is shown
    lock: bool = False  # no change allowed after this signature
    timestamp_url: str | None = None  # an RFC 3161 server: PAdES B-T instead of B-B


def signer_for(certificate: OfficeCertificate) -> signers.SimpleSigner:
    cert = asn1_certificate(certificate.certificate)
    chain = [asn1_certificate(der) for der in certificate.chain]
    return signers.SimpleSigner(signing_cert=cert, signing_key=asn1_private_key(certificate.private_key),
                                cert_registry=SimpleCertificateStore.from_certs([cert, *chain]))


def sign_pdf(pdf: bytes, certificate: OfficeCertificate, request: SignRequest) -> bytes:
    """``pdf`` with one more signature; the bytes before it are unchanged."""
    if not pdf.startswith(b"%PDF-"):
        raise SigningError("The file is not a PDF (it does not start with %PDF-).")
    if not request.field_name.strip() or not request.signer_name.strip():
        raise SigningError("A signature needs a field name and the signer's name.")
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    except (PdfError, ValueError) as exc:
        raise SigningError(f"The PDF cannot be read ({exc}); save it again from its program and retry.") from None
    if writer.prev.encrypted:
        raise SigningError("The PDF is password-protected; remove the protection before signing.")
    meta = PdfSignatureMetadata(
        field_name=request.field_name, name=request.signer_name, reason=request.reason or None,
        location=request.location or None, subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256",
        use_pades_lta=False, docmdp_permissions=fields.MDPPerm.NO_CHANGES if request.lock else
        fields.MDPPerm.FILL_FORMS)
    spec = None
    if request.placement is not None:
        page_count = int(writer.root["/Pages"]["/Count"])
        if not 0 <= request.placement.page < page_count:
            raise SigningError(f"Page {request.placement.page + 1} does not exist; the PDF has {page_count}.")
        spec = fields.SigFieldSpec(
            request.field_name, on_page=request.placement.page, box=request.placement.box,
            field_mdp_spec=fields.FieldMDPSpec(fields.FieldMDPAction.ALL) if request.lock else None,
            doc_mdp_update_value=fields.MDPPerm.NO_CHANGES if request.lock else None)
    style = _style(request.drawing_png)
    stamper = timestamps.HTTPTimeStamper(request.timestamp_url) if request.timestamp_url else None
    try:
        out = PdfSigner(meta, signer_for(certificate), stamp_style=style, new_field_spec=spec,
                        timestamper=stamper).sign_pdf(writer)
    except TimestampRequestError:
        raise SigningError(f"The timestamp server {request.timestamp_url} did not answer; check the address "
                           "(setting signing.timestamp_url) and the network, or clear it to sign without a "
                           "timestamp.") from None
    except (PdfError, PyHankoSigningError) as exc:
        raise SigningError(f"The PDF could not be signed: {exc}") from None
    return out.getvalue()


def _style(png: bytes | None) -> TextStampStyle:
    """The typed name and time alone; or the drawn signature filling the box, with name and time small beneath."""
    if png is None:
        return TextStampStyle(stamp_text="%(signer)s\n%(ts)s", border_width=0)
    from PIL import Image  # Pillow comes with reportlab

    try:
        image = PdfImage(Image.open(io.BytesIO(png)))
    except OSError:
        raise SigningError("The drawn signature is not a readable image.") from None
    return TextStampStyle(
        stamp_text="%(signer)s, %(ts)s", border_width=0, background=image, background_opacity=1,
        background_layout=SimpleBoxLayoutRule(x_align=AxisAlignment.ALIGN_MID, y_align=AxisAlignment.ALIGN_MAX,
                                              margins=Margins(2, 2, 2, 10),
                                              inner_content_scaling=InnerScaling.SHRINK_TO_FIT),
        text_box_style=TextBoxStyle(font_size=6),
        inner_content_layout=SimpleBoxLayoutRule(x_align=AxisAlignment.ALIGN_MIN, y_align=AxisAlignment.ALIGN_MIN,
                                                 margins=Margins(2, 2, 1, 1)))
