"""Preparing an envelope's PDF for its signers, and filling their fields, so every signature stays valid.

PDF signatures allow form filling and later signatures after them, but not new page content. So, before
anyone signs (``prepare``), every field of the envelope is created as an empty form field: a signature field
for each signature, a text field for initials, dates, text and checkboxes. Each signer's step then fills their
text fields (``fill``: the value and its appearance, as an incremental update) and signs their signature field;
validators report that as "form fields filled or signed after signing", which every signature allows.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields

from fidus_desktop.integrations.signing.pades import SigningError


@dataclass(frozen=True)
class FormField:
    """One field to create: ``signature`` (a PAdES signature goes there) or ``text`` (filled as text)."""

    name: str
    kind: str  # "signature" | "text"
    page: int  # 0-based
    box: tuple[int, int, int, int]  # x1, y1, x2, y2 in PDF points from the bottom left
    lock: bool = False  # signature fields only: nothing may change after this signature


def page_count(pdf: bytes) -> int:
    return int(_writer(pdf).root["/Pages"]["/Count"])


def page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    """Width and height of every page, in points (where a field may go)."""
    writer = _writer(pdf)
    sizes = []
    for index in range(int(writer.root["/Pages"]["/Count"])):
        page = writer.find_page_for_modification(index)[0].get_object()
        x1, y1, x2, y2 = (float(v) for v in page["/MediaBox"])
        sizes.append((x2 - x1, y2 - y1))
    return sizes


def prepare(pdf: bytes, form_fields: Sequence[FormField]) -> bytes:
    """``pdf`` with every field created empty; refused if the PDF is already signed (it could not change)."""
    writer = _writer(pdf)
    if any(True for _ in fields.enumerate_sig_fields(writer.prev, filled_status=True)):
        raise SigningError("The PDF is already signed; an envelope starts from an unsigned PDF (send the "
                           "original, not a signed copy).")
    pages = int(writer.root["/Pages"]["/Count"])
    for spec in form_fields:
        if not 0 <= spec.page < pages:
            raise SigningError(f"Field {spec.name} is on page {spec.page + 1}; the PDF has {pages}.")
        if spec.kind == "signature":
            fields.append_signature_field(writer, fields.SigFieldSpec(
                spec.name, on_page=spec.page, box=spec.box,
                field_mdp_spec=fields.FieldMDPSpec(fields.FieldMDPAction.ALL) if spec.lock else None,
                doc_mdp_update_value=fields.MDPPerm.NO_CHANGES if spec.lock else None))
        else:
            _add_text_field(writer, spec)
    return _written(writer)


def fill(pdf: bytes, values: Mapping[str, str]) -> bytes:
    """``pdf`` with the text fields ``values`` names set (value and appearance), as an incremental update."""
    if not values:
        return pdf
    writer = _writer(pdf)
    found = {}
    for ref in writer.root["/AcroForm"]["/Fields"]:
        obj = ref.get_object()
        if obj.get("/FT") == "/Tx" and str(obj.get("/T")) in values:
            found[str(obj["/T"])] = ref
    missing = sorted(set(values) - set(found))
    if missing:
        raise SigningError(f"The PDF has no field {', '.join(missing)}; it was not prepared by this envelope.")
    for name, ref in found.items():
        field = ref.get_object()
        x1, y1, x2, y2 = (float(v) for v in field["/Rect"])
        field[pdf_name("/V")] = generic.TextStringObject(values[name])
        field[pdf_name("/AP")] = generic.DictionaryObject(
            {pdf_name("/N"): writer.add_object(_appearance(writer, values[name], x2 - x1, y2 - y1))})
        writer.update_container(field)
    return _written(writer)


def _add_text_field(writer: IncrementalPdfFileWriter, spec: FormField) -> None:
    page_ref = writer.find_page_for_modification(spec.page)[0]
    page = page_ref.get_object()
    field = generic.DictionaryObject({
        pdf_name("/Type"): pdf_name("/Annot"), pdf_name("/Subtype"): pdf_name("/Widget"),
        pdf_name("/FT"): pdf_name("/Tx"), pdf_name("/T"): generic.TextStringObject(spec.name),
        pdf_name("/Rect"): generic.ArrayObject(generic.FloatObject(v) for v in spec.box),
        pdf_name("/F"): generic.NumberObject(4), pdf_name("/Ff"): generic.NumberObject(0),
        pdf_name("/DA"): generic.TextStringObject("/Helv 10 Tf 0 g"), pdf_name("/P"): page_ref,
        pdf_name("/V"): generic.TextStringObject(""),
    })
    ref = writer.add_object(field)
    annots = page.get("/Annots")
    if annots is None:
        page[pdf_name("/Annots")] = generic.ArrayObject([ref])
    else:
        annots.get_object().append(ref)
        if isinstance(annots, generic.IndirectObject):
            writer.update_container(annots.get_object())
    writer.update_container(page)
    form = _acroform(writer)
    form["/Fields"].append(ref)
    writer.update_container(form)


def _acroform(writer: IncrementalPdfFileWriter) -> generic.DictionaryObject:
    root = writer.root
    if "/AcroForm" not in root:
        root[pdf_name("/AcroForm")] = writer.add_object(generic.DictionaryObject({
            pdf_name("/Fields"): generic.ArrayObject()}))
        writer.update_root()
    form = root["/AcroForm"]
    if "/DR" not in form:
        form[pdf_name("/DR")] = generic.DictionaryObject({pdf_name("/Font"): generic.DictionaryObject({
            pdf_name("/Helv"): writer.add_object(_helvetica())})})
    return form


def _helvetica() -> generic.DictionaryObject:
    return generic.DictionaryObject({
        pdf_name("/Type"): pdf_name("/Font"), pdf_name("/Subtype"): pdf_name("/Type1"),
        pdf_name("/BaseFont"): pdf_name("/Helvetica"), pdf_name("/Encoding"): pdf_name("/WinAnsiEncoding")})


def _appearance(writer: IncrementalPdfFileWriter, text: str, width: float, height: float) -> generic.StreamObject:
    size = max(6.0, min(11.0, height - 4))
    escaped = text.encode("cp1252", "replace").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    content = b"/Tx BMC q BT /Helv %.1f Tf 0 0 0.45 rg 2 %.1f Td (%s) Tj ET Q EMC" % (
        size, max(1.0, (height - size) / 2 + 1), escaped)
    font = writer.root["/AcroForm"]["/DR"]["/Font"]["/Helv"]
    return generic.StreamObject({
        pdf_name("/Type"): pdf_name("/XObject"), pdf_name("/Subtype"): pdf_name("/Form"),
        pdf_name("/BBox"): generic.ArrayObject([generic.FloatObject(0), generic.FloatObject(0),
                                                generic.FloatObject(width), generic.FloatObject(height)]),
        pdf_name("/Resources"): generic.DictionaryObject({pdf_name("/Font"): generic.DictionaryObject({
            pdf_name("/Helv"): font})}),
    }, stream_data=content)


def _writer(pdf: bytes) -> IncrementalPdfFileWriter:
    if not pdf.startswith(b"%PDF-"):
        raise SigningError("The file is not a PDF (it does not start with %PDF-).")
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    except (PdfError, ValueError) as exc:
        raise SigningError(f"The PDF cannot be read ({exc}); save it again from its program and retry.") from None
    if writer.prev.encrypted:
        raise SigningError("The PDF is password-protected; remove the protection before signing.")
    return writer


def _written(writer: IncrementalPdfFileWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


__all__ = ["FormField", "fill", "page_count", "page_sizes", "prepare"]
