"""Envelopes: documents sent for signature, their signers in order or in parallel, and the fields each fills.

Rules (why: a signature applied out of turn, or a field left unfilled, would make the signed agreement
worthless):
- An envelope is edited only as a draft. Sending needs at least one document and one signer, and every signer
  needs one signature field in every document they have fields in (at least one in all); fields lie on an
  existing page of their document and belong to a signer of the envelope.
- Signers sign by ``order``: those with the lowest order still pending sign now, in any sequence among them
  (parallel); the next order waits until every one of them has signed.
- A signer fills every required text field of theirs before their signature and ticks every required
  checkbox; dates are the signing day and initials default to the signer's name's.
- Statuses: draft → sent ("out for signature") → partially signed → completed; an open envelope can instead be
  declined by a signer (with a reason), voided by the office (with a reason) or expire on its expiry date.
  Completed, declined, voided and expired envelopes never change again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from fidus_desktop.errors import UserError


class EnvelopeError(UserError, ValueError):
    """A change an envelope's rules refuse (the message says which rule and what to do)."""


class EnvelopeStatus(StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    PARTIALLY_SIGNED = "partially_signed"
    COMPLETED = "completed"
    DECLINED = "declined"
    VOIDED = "voided"
    EXPIRED = "expired"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]

    @property
    def open(self) -> bool:
        """Out for signature: signers may still sign, decline, or the office void it."""
        return self in (EnvelopeStatus.SENT, EnvelopeStatus.PARTIALLY_SIGNED)


STATUS_LABELS = {
    EnvelopeStatus.DRAFT: "Draft", EnvelopeStatus.SENT: "Out for signature",
    EnvelopeStatus.PARTIALLY_SIGNED: "Partially signed", EnvelopeStatus.COMPLETED: "Completed",
    EnvelopeStatus.DECLINED: "Declined", EnvelopeStatus.VOIDED: "Voided", EnvelopeStatus.EXPIRED: "Expired",
}


class EnvelopeKind(StrEnum):
    SUBSCRIPTION_AGREEMENT = "subscription_agreement"
    REDEMPTION_REQUEST = "redemption_request"
    KYC_DECLARATION = "kyc_declaration"
    OTHER = "other"


class SignerRole(StrEnum):
    INVESTOR = "investor"
    OFFICE_SIGNATORY = "office_signatory"
    WITNESS = "witness"


class SignerStatus(StrEnum):
    PENDING = "pending"
    SIGNED = "signed"
    DECLINED = "declined"


class FieldKind(StrEnum):
    SIGNATURE = "signature"
    INITIALS = "initials"
    DATE = "date"
    TEXT = "text"
    CHECKBOX = "checkbox"


MIN_BOX = (24, 12)  # the smallest field, width × height in points: smaller cannot be read or clicked
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Signer:
    key: str  # "s1", "s2" …: names the signer's fields inside the PDF
    name: str
    email: str
    role: SignerRole
    order: int = 1
    status: SignerStatus = SignerStatus.PENDING
    signed_at: datetime | None = None
    identity_check: str = ""  # how the office checked who signed ("ID document seen", "known client")
    workstation: str = ""
    declined_reason: str = ""
    viewed_at: datetime | None = None
    reminded_at: datetime | None = None
    capture_file_id: str = ""  # the signature as captured (drawn strokes or typed name), stored sealed


@dataclass(frozen=True)
class Field:
    field_id: str  # unique in the envelope; also the PDF form field's name
    document: int  # index into the envelope's documents
    signer: str  # the signer's key
    kind: FieldKind
    page: int  # 0-based
    box: tuple[int, int, int, int]  # x1, y1, x2, y2 in PDF points from the page's bottom left
    required: bool = True
    label: str = ""


@dataclass(frozen=True)
class EnvelopeDocument:
    name: str
    pages: int
    page_sizes: tuple[tuple[int, int], ...]  # width × height of each page, in whole points
    sha256_original: str  # as uploaded or rendered from the template
    sha256_current: str  # after the last signature (the original until the first)
    file_id: str  # the current content (stored sealed by the service)


@dataclass(frozen=True)
class Event:
    at: datetime
    action: str  # created, sent, viewed, signed, declined, voided, expired, reminded, completed
    by: str  # the office user
    signer: str = ""  # the signer's key, when the event is about one
    detail: str = ""


@dataclass(frozen=True)
class Envelope:
    envelope_id: str
    title: str
    kind: EnvelopeKind
    investor_id: str | None
    status: EnvelopeStatus
    documents: tuple[EnvelopeDocument, ...]
    signers: tuple[Signer, ...]
    fields: tuple[Field, ...]
    events: tuple[Event, ...]
    created_by: str
    created_at: datetime
    expires_at: datetime | None = None
    reason: str = ""  # why it was declined or voided
    version: int = 0
    extra: dict[str, str] = field(default_factory=dict)  # template inputs (fund, class, amount …) for the record

    @property
    def reference(self) -> str:
        """The id's random last group (12 hex digits): what lists, file names and commands show. Never a slice
        from the front: ids are time-ordered, so envelopes made close together share their first digits."""
        return self.envelope_id.rsplit("-", 1)[-1]

    def signer(self, key: str) -> Signer:
        for signer in self.signers:
            if signer.key == key:
                return signer
        raise EnvelopeError(f"The envelope has no signer {key}; its signers are "
                            f"{', '.join(f'{s.key} ({s.name})' for s in self.signers) or 'none yet'}.")

    def fields_of(self, signer_key: str) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.signer == signer_key)

    def status_at(self, now: datetime) -> EnvelopeStatus:
        """The status, with an open envelope past its expiry shown as expired."""
        if self.status.open and self.expires_at is not None and now >= self.expires_at:
            return EnvelopeStatus.EXPIRED
        return self.status

    def waiting_for(self) -> tuple[Signer, ...]:
        """The signers whose turn it is (empty unless the envelope is open)."""
        if not self.status.open:
            return ()
        pending = [s for s in self.signers if s.status is SignerStatus.PENDING]
        if not pending:
            return ()
        turn = min(s.order for s in pending)
        return tuple(s for s in pending if s.order == turn)

    def reminders_due(self, now: datetime, every: timedelta) -> tuple[Signer, ...]:
        """Signers whose turn it is and who were neither reminded nor sent the envelope within ``every``."""
        sent = next((e.at for e in reversed(self.events) if e.action == "sent"), self.created_at)
        return tuple(s for s in self.waiting_for() if now - (s.reminded_at or sent) >= every)


def check_signer(signer: Signer) -> Signer:
    problems = []
    name, email = signer.name.strip(), signer.email.strip()
    if not name or len(name) > 120:
        problems.append("a signer needs a name (up to 120 characters)")
    if email and not _EMAIL.match(email):
        problems.append(f"{email!r} is not an e-mail address (name@example.com), or leave it empty")
    if not 1 <= signer.order <= 20:
        problems.append(f"{name or 'the signer'}: the signing order is a number from 1 to 20")
    if problems:
        raise EnvelopeError("; ".join(problems) + ".")
    return replace(signer, name=name, email=email)


def check_field(envelope: Envelope, candidate: Field) -> None:
    """Refuse a field off its document's pages, for an unknown signer, or too small to fill."""
    if not 0 <= candidate.document < len(envelope.documents):
        raise EnvelopeError(f"Field {candidate.field_id} names document {candidate.document + 1}; the envelope has "
                            f"{len(envelope.documents)}.")
    document = envelope.documents[candidate.document]
    if not 0 <= candidate.page < document.pages:
        raise EnvelopeError(f"Field {candidate.field_id} is on page {candidate.page + 1} of {document.name}, "
                            f"which has {document.pages} pages.")
    envelope.signer(candidate.signer)
    x1, y1, x2, y2 = candidate.box
    width, height = document.page_sizes[candidate.page]
    if x2 - x1 < MIN_BOX[0] or y2 - y1 < MIN_BOX[1]:
        raise EnvelopeError(f"Field {candidate.field_id} is too small ({x2 - x1}×{y2 - y1} points); make it at "
                            f"least {MIN_BOX[0]}×{MIN_BOX[1]}.")
    if x1 < 0 or y1 < 0 or x2 > width or y2 > height:
        raise EnvelopeError(f"Field {candidate.field_id} lies outside page {candidate.page + 1} "
                            f"({width:.0f}×{height:.0f} points); move it onto the page.")


def check_ready_to_send(envelope: Envelope) -> None:
    if envelope.status is not EnvelopeStatus.DRAFT:
        raise EnvelopeError(f"The envelope is {envelope.status.label.lower()}; only a draft can be sent.")
    problems = []
    if not envelope.documents:
        problems.append("add a document")
    if not envelope.signers:
        problems.append("add a signer")
    for signer in envelope.signers:
        mine = envelope.fields_of(signer.key)
        documents = {f.document for f in mine}
        if not any(f.kind is FieldKind.SIGNATURE for f in mine):
            problems.append(f"place a signature field for {signer.name}")
        for index in sorted(documents):
            count = sum(1 for f in mine if f.document == index and f.kind is FieldKind.SIGNATURE)
            if count != 1:
                problems.append(f"{signer.name} needs exactly one signature field in "
                                f"{envelope.documents[index].name} (has {count})")
    if problems:
        raise EnvelopeError("The envelope cannot be sent yet: " + "; ".join(problems) + ".")


def check_can_sign(envelope: Envelope, signer_key: str, values: dict[str, str], now: datetime) -> Signer:
    """The signer, provided it is their turn and ``values`` fills every required field they must type."""
    status = envelope.status_at(now)
    if not status.open:
        raise EnvelopeError(f"The envelope is {status.label.lower()}; nobody can sign it any more.")
    signer = envelope.signer(signer_key)
    if signer.status is not SignerStatus.PENDING:
        raise EnvelopeError(f"{signer.name} has already {signer.status.value} this envelope.")
    if signer not in envelope.waiting_for():
        waiting = ", ".join(s.name for s in envelope.waiting_for())
        raise EnvelopeError(f"It is not {signer.name}'s turn yet: the envelope waits for {waiting}.")
    missing = []
    for item in envelope.fields_of(signer_key):
        if item.kind is FieldKind.TEXT and item.required and not values.get(item.field_id, "").strip():
            missing.append(item.label or item.field_id)
        if item.kind is FieldKind.CHECKBOX and item.required and values.get(item.field_id) != "yes":
            missing.append(item.label or item.field_id)
    if missing:
        raise EnvelopeError(f"{signer.name} has not filled the required fields: {', '.join(missing)}.")
    unknown = set(values) - {f.field_id for f in envelope.fields_of(signer_key)}
    if unknown:
        raise EnvelopeError(f"{', '.join(sorted(unknown))} are not {signer.name}'s fields.")
    return signer


def status_after_signature(signers: Sequence[Signer]) -> EnvelopeStatus:
    if all(s.status is SignerStatus.SIGNED for s in signers):
        return EnvelopeStatus.COMPLETED
    return EnvelopeStatus.PARTIALLY_SIGNED


def field_text(item: Field, values: dict[str, str], signer: Signer, when: datetime) -> str | None:
    """What a non-signature field shows once its signer signs (None: left empty)."""
    if item.kind is FieldKind.DATE:
        return when.strftime("%Y-%m-%d")
    if item.kind is FieldKind.CHECKBOX:
        return "X" if values.get(item.field_id) == "yes" else None
    if item.kind is FieldKind.INITIALS:
        return values.get(item.field_id, "").strip() or initials(signer.name)
    if item.kind is FieldKind.TEXT:
        return values.get(item.field_id, "").strip() or None
    return None


def initials(name: str) -> str:
    return "".join(part[0].upper() for part in name.split() if part[:1].isalpha())


def locking_signer(signers: Sequence[Signer]) -> str | None:
    """The signer whose signature locks the documents: the only one of the last order (else nobody, since two
    parallel last signers cannot both sign after a lock)."""
    if not signers:
        return None
    last = max(s.order for s in signers)
    final = [s for s in signers if s.order == last]
    return final[0].key if len(final) == 1 else None
