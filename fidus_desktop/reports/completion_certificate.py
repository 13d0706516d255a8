"""The certificate of completion of an envelope: what was signed, by whom, when, how they were identified,
the SHA-256 of every document before and after signing, and the envelope's event log. The service signs it
with the office certificate, so it cannot be altered unnoticed either."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from fidus_desktop.domain.signing.envelopes import Envelope
from fidus_desktop.reports.pdf import Page, figure_table, paragraph, pdf_bytes

TITLE = "Certificate of completion"


def utc(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else "—"


def _hash(hex_digest: str) -> str:
    """A SHA-256 on two lines, so it fits its column."""
    return f"{hex_digest[:32]}\n{hex_digest[32:]}"


def story(envelope: Envelope, investor: str, generated_at: datetime,
          audit: Sequence[Mapping[str, Any]] = ()) -> list[Any]:
    """``audit``: the envelope's audit entries (seq, at, action, actor, workstation, hash), in order."""
    signer_names = {s.key: s.name for s in envelope.signers}
    parts: list[Any] = [
        paragraph(TITLE, "title"),
        paragraph(f"Envelope {envelope.envelope_id} · {envelope.title}"),
        paragraph(f"Status: {envelope.status.label} · investor: {investor or '—'} · created by "
                  f"{envelope.created_by} on {utc(envelope.created_at)} UTC · this certificate made on "
                  f"{utc(generated_at)} UTC. All times are UTC."),
        paragraph("Documents", "h2"),
        figure_table(["Document", "Pages", "SHA-256 before signing", "SHA-256 after signing"],
                     [[d.name, str(d.pages), _hash(d.sha256_original), _hash(d.sha256_current)]
                      for d in envelope.documents],
                     numeric_from=9, widths=[50 * mm, 12 * mm, 54 * mm, 54 * mm]),
        paragraph("Signers", "h2"),
        figure_table(["Order", "Signer", "Role", "Status", "Signed (UTC)", "Identity checked", "Workstation"],
                     [[str(s.order), f"{s.name}\n{s.email}" if s.email else s.name, s.role.value.replace("_", " "),
                       s.status.value + (f": {s.declined_reason}" if s.declined_reason else ""), utc(s.signed_at),
                       s.identity_check or "—", s.workstation or "—"] for s in envelope.signers],
                     numeric_from=9, widths=[10 * mm, 40 * mm, 22 * mm, 16 * mm, 28 * mm, 32 * mm, 22 * mm]),
        paragraph("Event log", "h2"),
        figure_table(["Time (UTC)", "Event", "By", "Signer", "Detail"],
                     [[utc(e.at), e.action, e.by, signer_names.get(e.signer, e.signer), e.detail]
                      for e in envelope.events],
                     numeric_from=9, widths=[30 * mm, 20 * mm, 22 * mm, 30 * mm, 68 * mm]),
    ]
    if audit:
        parts += [
            paragraph("Audit trail", "h2"),
            paragraph("The envelope's entries in the office's audit log up to completion; each entry's hash chains "
                      "it to the one before (`fidus audit verify` checks the chain).", "small"),
            figure_table(["Seq", "Time (UTC)", "Action", "User", "Workstation", "Entry hash"],
                         [[str(e.get("seq", "")), utc(e.get("at")), str(e.get("action", "")).removeprefix("signing."),
                           str(e.get("actor", "")), str(e.get("workstation", "")), str(e.get("hash", ""))[:16]]
                          for e in audit],
                         numeric_from=9, widths=[12 * mm, 30 * mm, 40 * mm, 22 * mm, 28 * mm, 38 * mm]),
        ]
    parts += [
        Spacer(1, 4 * mm),
        paragraph("Each signature in the documents is a PAdES signature made with the office's signing certificate "
                  "as an incremental update; validate them with `fidus sign verify` or any PDF reader. This "
                  "certificate is itself signed.", "small"),
    ]
    return parts


def render(envelope: Envelope, investor: str, generated_at: datetime, office: str,
           audit: Sequence[Mapping[str, Any]] = ()) -> bytes:
    return pdf_bytes(story(envelope, investor, generated_at, audit),
                     Page(office, TITLE, f"Envelope {envelope.envelope_id}"), TITLE)
