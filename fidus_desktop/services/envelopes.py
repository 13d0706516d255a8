"""Envelopes: agreements sent for signature in the office, signed in turn with the office certificate.

An envelope is a draft while its documents (an agreement template rendered for an investor, or an uploaded
PDF), signers and fields are edited; sending prepares each PDF with every field empty
(``integrations.signing.form_fields``), so later steps only fill fields and sign, which keeps each earlier
signature valid. At each signer's step the office user records how the signer's identity was checked, the
signer's fields are filled and their signature (drawn or typed) is stamped and signed as a PAdES signature
with the office certificate; the last signer's signature locks the documents when they alone sign last.
Completing an envelope makes its certificate of completion (itself signed), files the signed PDFs and the
certificate with the investor's encrypted documents, and, for a subscription agreement, records the
agreement as signed for the investor (``signed_agreements``, read by the compliance readiness gate through
``signed_agreement``).

PDF content is personal data: each version is stored sealed by the ``Vault`` (``signing_files.data``).
Permissions: ``signing.read`` to list and open, ``signing.envelopes`` to create, edit, send and remind,
``signing.sign`` to conduct a signer's step (sign or decline), ``signing.void`` to void. Every change is
audited (entity ``signing_envelope``) with hashes and statuses, never document content.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from fidus_desktop.domain.signing.envelopes import (
    Envelope,
    EnvelopeDocument,
    EnvelopeError,
    EnvelopeKind,
    EnvelopeStatus,
    Event,
    Field,
    FieldKind,
    Signer,
    SignerRole,
    SignerStatus,
    check_can_sign,
    check_field,
    check_ready_to_send,
    check_signer,
    field_text,
    locking_signer,
    status_after_signature,
)
from fidus_desktop.integrations.signing import capture as captures
from fidus_desktop.integrations.signing import form_fields
from fidus_desktop.integrations.signing.pades import SignRequest
from fidus_desktop.reports import agreements, completion_certificate
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ChangeRecorder, Service, ServiceContext, ValidationError
from fidus_desktop.services.documents import DocumentService
from fidus_desktop.services.permissions import allowed, require
from fidus_desktop.services.personal_data import (
    KYC_RETENTION,
    Locked,
    PersonalDataRegistry,
    PersonalField,
    PersonCollection,
    Vault,
    VaultLocked,
)
from fidus_desktop.services.portfolio.funds import FundService
from fidus_desktop.services.portfolio.investors import InvestorService
from fidus_desktop.services.signing import SignedPdf, SigningPermission, SigningService
from fidus_desktop.store.port import Document, Filter, new_id

ENVELOPES = "signing_envelopes"
FILES = "signing_files"
SIGNED_AGREEMENTS = "signed_agreements"
FILE_FIELD = PersonalField(FILES, "data", "blob", "signing.file")
# An investor's envelopes are kept as long as their KYC file; erasure blanks the names and deletes the PDFs.
ENVELOPE_PERSONAL_DATA = PersonalDataRegistry(
    fields=[FILE_FIELD],
    people=[PersonCollection(ENVELOPES, "investor_id", ("title", "signers", "events", "extra"),
                             replace(KYC_RETENTION, owner=("investors", "investor_id")),
                             dependents=((FILES, "envelope_id"),))],
)
MAX_PDF_BYTES = 10 * 1024 * 1024  # a stored value is limited to 12 MB; the sealed copy is slightly larger
ENTITY = "signing_envelope"
IDENTITY_CHECKS = ("ID document seen", "Known client", "Video call with ID document")


@dataclass(frozen=True)
class SignerInput:
    name: str
    email: str
    role: SignerRole | str
    order: int = 1


@dataclass(frozen=True)
class Capture:
    """The signer's signature: drawn strokes (points in the unit square, y down) or a typed name."""

    typed: str = ""
    strokes: tuple[tuple[tuple[float, float], ...], ...] = ()

    def image(self) -> bytes:
        return captures.render_strokes(self.strokes) if self.strokes else captures.render_typed(self.typed)

    def record(self) -> Document:
        """What the envelope keeps: the vector path as drawn (in 1/10,000 of the box: the store keeps no floats),
        or the typed name."""
        if self.strokes:
            return {"kind": "drawn", "strokes": [[[round(x * 10_000), round(y * 10_000)] for x, y in s]
                                                 for s in self.strokes]}
        return {"kind": "typed", "typed": self.typed.strip()}


@dataclass(frozen=True)
class SignedAgreement:
    """A subscription agreement an investor signed (what the readiness gate reads)."""

    investor_id: str
    envelope_id: str
    signed_at: datetime
    document_ids: tuple[str, ...]


@dataclass(frozen=True)
class Reminders:
    """What ``remind`` did: the signers reminded, those e-mailed through the CRM outbox, and why not the others."""

    envelope: Envelope
    reminded: tuple[Signer, ...]
    emailed: tuple[Signer, ...]
    note: str  # "" when every reminded signer was e-mailed

    def message(self) -> str:
        if not self.reminded:
            return "No reminder is due: every pending signer was sent or reminded recently."
        names = ", ".join(s.name for s in self.reminded)
        if not self.note:
            return f"Reminder e-mailed to {names} (queued in the Google outbox)."
        emailed = f" E-mail queued for {', '.join(s.name for s in self.emailed)}." if self.emailed else ""
        return f"Reminder for {names}: {self.note}.{emailed}"


@dataclass(frozen=True)
class DriveQueued:
    queued: int  # newly queued in the outbox
    already: int  # queued before (at completion or an earlier "Queue to Drive")

    def message(self) -> str:
        if not self.queued:
            return f"Already queued for the investor's Drive folder ({self.already} documents)."
        return (f"Queued {self.queued} documents for the investor's Drive folder"
                + (f" ({self.already} were queued before)." if self.already else "."))


@dataclass(frozen=True)
class EnvelopeFilter:
    status: EnvelopeStatus | str | None = None
    investor_id: str | None = None
    text: str = ""  # in the title


class EnvelopeService(Service):
    def __init__(self, ctx: ServiceContext, vault: Vault, signing: SigningService, investors: InvestorService,
                 funds: FundService, documents: DocumentService, office_name: str = "FIDUS Fund Management",
                 reminder_days: int = 3, timestamp_url: str | None = None, google: Any = None) -> None:
        """``timestamp_url``: an RFC 3161 server; every envelope signature then embeds its timestamp (PAdES B-T).
        ``google``: the CRM's ``GoogleService``; a completed envelope's PDFs are queued for the investor's Drive
        folder when the user who completes it has connected Google."""
        super().__init__(ctx)
        self.vault, self.signing, self.investors, self.funds = vault, signing, investors, funds
        self.documents = documents
        self.office_name = office_name
        self.reminder_every = timedelta(days=reminder_days)
        self.timestamp_url = timestamp_url
        self.google = google
        self.envelopes = ctx.store.collection(ENVELOPES)
        self.files = ctx.store.collection(FILES)
        self.agreements = ctx.store.collection(SIGNED_AGREEMENTS)

    def ensure_indexes(self) -> None:
        self.envelopes.ensure_index(["status", "created_at"])
        self.envelopes.ensure_index(["investor_id", "created_at"])
        self.files.ensure_index(["envelope_id"])
        self.agreements.ensure_index(["investor_id", "signed_at"])

    # -- reading ---------------------------------------------------------------------------------------------
    def get(self, actor: Actor, envelope_id: str) -> Envelope:
        require(actor, SigningPermission.READ)
        return from_doc(self._doc(envelope_id))

    def find_id(self, actor: Actor, text: str) -> str:
        """The envelope ``text`` names: its whole id, or its reference (the id's last characters, as lists print
        them; at least 6)."""
        require(actor, SigningPermission.READ)
        text = self.required_text(text, "envelope", "The envelope id").lower()
        if self.envelopes.get(text) is not None:
            return text
        found = [d for d in self.envelopes.find({"_id": {"$icontains": text}}, projection=["_id"], limit=50)
                 if str(d["_id"]).endswith(text)] if len(text) >= 6 else []
        if len(found) != 1:
            raise ValidationError({"envelope": f"{'Several envelopes start with' if found else 'There is no envelope'} "
                                               f"{text}; give more of its id (`fidus sign envelopes` lists them)."})
        return str(found[0]["_id"])

    def count(self, actor: Actor, where: EnvelopeFilter = EnvelopeFilter()) -> int:
        require(actor, SigningPermission.READ)
        return self.envelopes.count(self._query(where))

    def page(self, actor: Actor, where: EnvelopeFilter = EnvelopeFilter(), offset: int = 0,
             limit: int | None = None) -> list[Envelope]:
        """Envelopes newest first (the list view's lazy pages)."""
        require(actor, SigningPermission.READ)
        return [from_doc(d) for d in self.envelopes.find(self._query(where), sort=[("created_at", -1), ("_id", 1)],
                                                         skip=offset, limit=limit)]

    def _query(self, where: EnvelopeFilter) -> Filter:
        query: Filter = {"erased_at": None}
        now = self.now()
        status = EnvelopeStatus(_enum(EnvelopeStatus, where.status, "status")) if where.status else None
        if status is EnvelopeStatus.EXPIRED:
            query["$or"] = [{"status": EnvelopeStatus.EXPIRED.value},
                            {"status": {"$in": [EnvelopeStatus.SENT.value, EnvelopeStatus.PARTIALLY_SIGNED.value]},
                             "expires_at": {"$lte": now}}]
        elif status is not None and status.open:
            query["status"] = status.value
            query["$or"] = [{"expires_at": None}, {"expires_at": {"$gt": now}}]
        elif status is not None:
            query["status"] = status.value
        if where.investor_id:
            query["investor_id"] = where.investor_id
        if where.text.strip():
            query["title"] = {"$icontains": where.text.strip()}
        return query

    def document_pdf(self, actor: Actor, envelope_id: str, index: int) -> bytes | Locked:
        """The document as it stands now (prepared, partly or fully signed)."""
        require(actor, SigningPermission.READ)
        envelope = from_doc(self._doc(envelope_id))
        if not 0 <= index < len(envelope.documents):
            raise ValidationError({"document": f"The envelope has {len(envelope.documents)} documents."})
        return self._open_file(envelope.documents[index].file_id)

    def certificate(self, actor: Actor, envelope_id: str) -> bytes | Locked:
        """The signed certificate of completion of a completed envelope."""
        require(actor, SigningPermission.READ)
        doc = self._doc(envelope_id)
        if not doc.get("certificate_file_id"):
            raise EnvelopeError(f"Envelope {envelope_id} is {EnvelopeStatus(doc['status']).label.lower()}: its "
                                "certificate of completion is made when the last signer signs.")
        return self._open_file(doc["certificate_file_id"])

    def capture(self, actor: Actor, envelope_id: str, signer_key: str) -> Document | Locked | None:
        """A signer's signature as captured: ``{"kind": "drawn", "strokes": …}`` (points in 1/10,000 of the box)
        or ``{"kind": "typed", "typed": …}``; None before they signed."""
        require(actor, SigningPermission.READ)
        signer = from_doc(self._doc(envelope_id)).signer(signer_key)
        if not signer.capture_file_id:
            return None
        content = self._open_file(signer.capture_file_id)
        return content if isinstance(content, Locked) else json.loads(content)

    def signed_agreement(self, investor_id: str) -> SignedAgreement | None:
        """The investor's latest signed subscription agreement, or None (for the readiness gate, which checks
        its own permission)."""
        found = self.agreements.find({"investor_id": investor_id}, sort=[("signed_at", -1)], limit=1)
        if not found:
            return None
        doc = found[0]
        return SignedAgreement(doc["investor_id"], doc["envelope_id"], doc["signed_at"], tuple(doc["document_ids"]))

    # -- drafting --------------------------------------------------------------------------------------------
    def create(self, actor: Actor, title: str, kind: EnvelopeKind | str = EnvelopeKind.OTHER,
               investor_id: str | None = None, expires_on: date | None = None) -> Envelope:
        require(actor, SigningPermission.ENVELOPES)
        title = self.required_text(title, "title", "The envelope's title", max_length=160)
        kind = EnvelopeKind(_enum(EnvelopeKind, kind, "kind"))
        if investor_id:
            self.investors.get(actor, investor_id)
        elif kind is not EnvelopeKind.OTHER:
            raise ValidationError({"investor": "A subscription agreement, redemption request or KYC declaration "
                                               "belongs to an investor; choose one."})
        expires_at = None
        if expires_on is not None:
            expires_at = datetime(expires_on.year, expires_on.month, expires_on.day, 23, 59, tzinfo=self.now().tzinfo)
            if expires_at <= self.now():
                raise ValidationError({"expires_on": "The expiry date is in the past; choose a later day."})
        now = self.now()
        doc: Document = {
            "_id": new_id(), "title": title, "kind": kind.value,
            "investor_id": investor_id or None, "status": EnvelopeStatus.DRAFT.value, "documents": [],
            "signers": [], "fields": [], "events": [_event(now, "created", actor)], "created_by": actor.username,
            "created_at": now, "expires_at": expires_at, "reason": "", "extra": {}, "certificate_file_id": None,
        }

        def write(rec: ChangeRecorder) -> Document:
            stored = self.envelopes.insert(doc)
            rec.record("signing.envelope_create", ENTITY, stored["_id"], after=_trail(stored))
            return stored

        stored = self.change(actor, SigningPermission.ENVELOPES, write)
        return from_doc(stored)

    def create_from_template(self, actor: Actor, template: str, investor_id: str, signers: Sequence[SignerInput],
                             *, class_id: str | None = None, amount: Any = None, units: Any = None,
                             expires_on: date | None = None) -> Envelope:
        """An envelope holding the agreement rendered for the investor, its signers, and a signature and date
        field for each signer on the template's signature block (by role: investor, office signatory, witness)."""
        require(actor, SigningPermission.ENVELOPES)
        if template not in agreements.TEMPLATES:
            raise ValidationError({"template": f"No template {template!r}; choose {', '.join(agreements.TEMPLATES)}."})
        investor = self.investors.get(actor, investor_id)
        if not signers:
            raise ValidationError({"signers": "Name at least one signer (the investor, usually)."})
        checked = [check_signer(Signer("", s.name, s.email, _enum(SignerRole, s.role, "role"), s.order))
                   for s in signers]
        share_class = fund = None
        if template != "kyc_declaration":
            if not class_id:
                raise ValidationError({"class": "Choose the share class the agreement is about."})
            share_class = self.funds.get_class(class_id)
            fund = self.funds.get_fund(share_class.fund_id)
        value, count = _positive(amount, "amount"), _positive(units, "units")
        if template == "subscription_agreement" and value is None:
            raise ValidationError({"amount": "A subscription agreement needs the amount subscribed."})
        if template == "redemption_request" and (value is None) == (count is None):
            raise ValidationError({"amount": "A redemption request names either an amount or a number of units."})
        data = agreements.AgreementData(
            template, self.office_name, investor.name, investor.number, investor.kind, investor.email or "",
            fund.name if fund else "", share_class.code if share_class else "", share_class.name if share_class
            else "", share_class.currency if share_class else "", value, count, self.now().date())
        parties = [(s.role.value, f"{s.role.value.replace('_', ' ').capitalize()}: {s.name}") for s in
                   sorted(checked, key=lambda s: s.order)]
        pdf, slots = agreements.render(data, parties)
        title = f"{agreements.TEMPLATES[template]} · {investor.name}"
        envelope = self.create(actor, title, template, investor_id, expires_on)
        envelope = self.add_document(actor, envelope.envelope_id, envelope.version, f"{template}.pdf", pdf)
        for signer in sorted(checked, key=lambda s: s.order):
            envelope = self.add_signer(actor, envelope.envelope_id, envelope.version,
                                       SignerInput(signer.name, signer.email, signer.role, signer.order))
        used: set[int] = set()
        for signer in envelope.signers:
            for index, slot in enumerate(slots):
                if index in used or slot.role != signer.role.value:
                    continue
                if slot.kind == "date" and index - 1 not in used:
                    continue  # a date box goes with the signature box before it
                used.add(index)
                envelope = self.place_field(actor, envelope.envelope_id, envelope.version, 0, signer.key,
                                            FieldKind(slot.kind), slot.page, slot.box,
                                            label=f"{slot.kind.capitalize()} of {signer.name}")
                if slot.kind == "date":
                    break
        extra = {"template": template, "class": share_class.code if share_class else "",
                 "amount": str(value) if value is not None else "", "units": str(count) if count is not None else ""}
        return self._update(actor, envelope, {"extra": extra}, "signing.envelope_edit")

    def add_document(self, actor: Actor, envelope_id: str, version: int, name: str, pdf: bytes) -> Envelope:
        require(actor, SigningPermission.ENVELOPES)
        envelope = self._draft(envelope_id, version)
        name = self.required_text(name, "name", "The document's name", max_length=120)
        if len(pdf) > MAX_PDF_BYTES:
            raise ValidationError({"pdf": f"{name} is {len(pdf) / 1e6:.1f} MB; an envelope takes PDFs up to "
                                          f"{MAX_PDF_BYTES // (1024 * 1024)} MB. Save it smaller or split it."})
        # whole points (the store keeps no floats); refuses what is not a readable, unprotected PDF
        sizes = [(int(w), int(h)) for w, h in form_fields.page_sizes(pdf)]
        file_id = new_id()
        sealed = self._sealed_file(file_id, envelope_id, pdf)
        digest = _sha256(pdf)
        document = EnvelopeDocument(name, len(sizes), tuple(sizes), digest, digest, file_id)

        def write(rec: ChangeRecorder) -> Envelope:
            self.files.insert(sealed)
            updated = self._write(rec, envelope, {"documents": [*_docs(envelope.documents), _document_doc(document)]},
                                  "signing.envelope_add_document", {"document": name, "sha256": digest})
            return updated

        return self.change(actor, SigningPermission.ENVELOPES, write)

    def add_signer(self, actor: Actor, envelope_id: str, version: int, signer: SignerInput) -> Envelope:
        require(actor, SigningPermission.ENVELOPES)
        envelope = self._draft(envelope_id, version)
        number = max((int(s.key[1:]) for s in envelope.signers), default=0) + 1
        added = check_signer(Signer(f"s{number}", signer.name, signer.email, _enum(SignerRole, signer.role, "role"),
                                    signer.order))
        return self._update(actor, envelope, {"signers": [*_signers(envelope.signers), _signer_doc(added)]},
                            "signing.envelope_add_signer", {"signer": added.key, "role": added.role.value})

    def remove_signer(self, actor: Actor, envelope_id: str, version: int, signer_key: str) -> Envelope:
        require(actor, SigningPermission.ENVELOPES)
        envelope = self._draft(envelope_id, version)
        envelope.signer(signer_key)
        return self._update(actor, envelope, {
            "signers": _signers(s for s in envelope.signers if s.key != signer_key),
            "fields": _fields(f for f in envelope.fields if f.signer != signer_key)},
            "signing.envelope_remove_signer", {"signer": signer_key})

    def place_field(self, actor: Actor, envelope_id: str, version: int, document: int, signer_key: str,
                    kind: FieldKind | str, page: int, box: tuple[int, int, int, int], *, required: bool = True,
                    label: str = "") -> Envelope:
        require(actor, SigningPermission.ENVELOPES)
        envelope = self._draft(envelope_id, version)
        number = max((int(f.field_id.split("-")[1]) for f in envelope.fields), default=0) + 1
        placed = Field(f"{signer_key}-{number}", document, signer_key, _enum(FieldKind, kind, "kind"), page,
                       (int(box[0]), int(box[1]), int(box[2]), int(box[3])), required, label.strip()[:80])
        check_field(envelope, placed)
        return self._update(actor, envelope, {"fields": [*_fields(envelope.fields), _field_doc(placed)]},
                            "signing.envelope_place_field", {"field": placed.field_id, "kind": placed.kind.value})

    def remove_field(self, actor: Actor, envelope_id: str, version: int, field_id: str) -> Envelope:
        require(actor, SigningPermission.ENVELOPES)
        envelope = self._draft(envelope_id, version)
        if not any(f.field_id == field_id for f in envelope.fields):
            raise ValidationError({"field": f"The envelope has no field {field_id}."})
        return self._update(actor, envelope, {"fields": _fields(f for f in envelope.fields if f.field_id != field_id)},
                            "signing.envelope_remove_field", {"field": field_id})

    # -- out for signature -----------------------------------------------------------------------------------
    def send(self, actor: Actor, envelope_id: str, version: int) -> Envelope:
        """Prepare every document with its fields and put the envelope out for signature."""
        require(actor, SigningPermission.ENVELOPES)
        envelope = self._current(envelope_id, version)
        check_ready_to_send(envelope)
        locker = locking_signer(envelope.signers)
        prepared, files = [], []
        for index, document in enumerate(envelope.documents):
            original = self._open_unlocked(document.file_id)
            specs = [form_fields.FormField(f.field_id, "signature" if f.kind is FieldKind.SIGNATURE else "text",
                                           f.page, f.box, lock=f.kind is FieldKind.SIGNATURE and f.signer == locker)
                     for f in envelope.fields if f.document == index]
            pdf = form_fields.prepare(original, specs)
            file_id = new_id()
            files.append(self._sealed_file(file_id, envelope_id, pdf))
            prepared.append(replace(document, sha256_current=_sha256(pdf), file_id=file_id))
        now = self.now()

        def write(rec: ChangeRecorder) -> Envelope:
            for file in files:
                self.files.insert(file)
            return self._write(rec, envelope, {
                "status": EnvelopeStatus.SENT.value, "sent_at": now, "documents": _docs(prepared),
                "events": [*_events(envelope.events), _event(now, "sent", actor)]},
                "signing.envelope_send", {"status": EnvelopeStatus.SENT.value})

        return self.change(actor, SigningPermission.ENVELOPES, write)

    def viewed(self, actor: Actor, envelope_id: str, signer_key: str) -> Envelope:
        """The signer opened the documents in the signing view (recorded once per signer)."""
        require(actor, SigningPermission.SIGN)
        envelope = from_doc(self._doc(envelope_id))
        signer = envelope.signer(signer_key)
        if signer.viewed_at is not None or not envelope.status_at(self.now()).open:
            return envelope
        now = self.now()
        signers = [replace(s, viewed_at=now) if s.key == signer_key else s for s in envelope.signers]
        return self._update(actor, envelope, {
            "signers": _signers(signers), "events": [*_events(envelope.events), _event(now, "viewed", actor,
                                                                                       signer_key)]},
            "signing.envelope_view", {"signer": signer_key}, permission=SigningPermission.SIGN)

    def sign(self, actor: Actor, envelope_id: str, version: int, signer_key: str, capture: Capture,
             identity_check: str, values: dict[str, str] | None = None) -> Envelope:
        """The signer's step: fill their fields, stamp and sign every document they have fields in."""
        require(actor, SigningPermission.SIGN)
        envelope = self._current(envelope_id, version)
        values = {k: str(v) for k, v in (values or {}).items()}
        self._expire_if_due(actor, envelope)
        signer = check_can_sign(envelope, signer_key, values, self.now())
        identity = self.required_text(identity_check, "identity_check",
                                      "How the signer's identity was checked", max_length=120)
        image = capture.image()
        now = self.now()
        capture_file = self._sealed_file(new_id(), envelope_id, json.dumps(capture.record()).encode())
        signer = replace(signer, status=SignerStatus.SIGNED, signed_at=now, identity_check=identity,
                         workstation=actor.workstation, capture_file_id=capture_file["_id"])
        signers = [signer if s.key == signer_key else s for s in envelope.signers]
        documents, files, signatures = list(envelope.documents), [], []
        locker = locking_signer(envelope.signers)
        for index, document in enumerate(envelope.documents):
            mine = [f for f in envelope.fields_of(signer_key) if f.document == index]
            if not mine:
                continue
            filled = {f.field_id: text for f in mine if f.kind is not FieldKind.SIGNATURE
                      and (text := field_text(f, values, signer, now)) is not None}
            pdf = form_fields.fill(self._open_unlocked(document.file_id), filled)
            [signature] = [f for f in mine if f.kind is FieldKind.SIGNATURE]
            signed = self.signing.sign_unrecorded(actor, pdf, SignRequest(
                signature.field_id, signer.name, reason=f"{envelope.title} ({signer.role.value.replace('_', ' ')})",
                location=self.office_name, placement=None, drawing_png=image, lock=signer_key == locker,
                timestamp_url=self.timestamp_url))
            signatures.append(signed)
            file_id = new_id()
            files.append(self._sealed_file(file_id, envelope_id, signed.data))
            documents[index] = replace(document, sha256_current=signed.sha256_after, file_id=file_id)
        status = status_after_signature(signers)
        events = [*envelope.events, Event(now, "signed", actor.username, signer_key, f"identity: {identity}")]
        changes: Document = {"signers": _signers(signers), "status": status.value, "documents": _docs(documents)}
        completing = status is EnvelopeStatus.COMPLETED
        if completing:
            events.append(Event(now, "completed", actor.username))
        changes["events"] = _events(events)
        certificate = None
        if completing:
            done = from_doc(self._doc(envelope_id) | changes)
            certificate, certificate_signature = self._certificate(actor, done, now)
            signatures.append(certificate_signature)
            changes["certificate_file_id"] = certificate["_id"]
            changes["completed_at"] = now
        # One transaction: the version is checked first, then the envelope, its files and the audit of each
        # signature are saved together; a step refused as stale leaves no trace (the signatures are discarded).

        def write(rec: ChangeRecorder) -> Envelope:
            self._current(envelope_id, version)
            updated = self._write(rec, envelope, changes, "signing.envelope_sign",
                                  {"signer": signer_key, "identity_check": identity, "status": status.value,
                                   "sha256": [d.sha256_current for d in documents]})
            for file in [*files, capture_file, *([certificate] if certificate is not None else [])]:
                self.files.insert(file)
            for signed in signatures:
                self.signing.record(rec, signed)
            if completing:
                self._file_with_investor(rec, actor, updated, now)
            return updated

        updated = self.change(actor, SigningPermission.SIGN, write)
        if completing:
            self.queue_for_drive(actor, updated)
        return updated

    def queue_for_drive(self, actor: Actor, envelope: Envelope) -> int:
        """Queue the signed PDFs and the certificate for the investor's Drive folder through the CRM outbox, when
        Google is configured and this user connected it and may use it; returns how many are in the outbox (0: not
        connected, which is not an error: the documents are filed with the investor either way)."""
        if not envelope.investor_id or envelope.status is not EnvelopeStatus.COMPLETED or not self._can_email(actor):
            return 0
        return len(self._upload(actor, envelope))

    def upload_to_drive(self, actor: Actor, envelope_id: str) -> DriveQueued:
        """"Queue to Drive" for a completed envelope whose documents were not queued when it completed (its
        completer had not connected Google): queued now under the outbox's natural keys, so nothing twice."""
        require(actor, SigningPermission.READ)
        envelope = from_doc(self._doc(envelope_id))
        if envelope.status is not EnvelopeStatus.COMPLETED:
            raise EnvelopeError(f"The envelope is {envelope.status.label.lower()}; its documents go to Drive once it "
                                "is completed.")
        if not envelope.investor_id:
            raise EnvelopeError("The envelope belongs to no investor, so there is no Drive folder to put it in.")
        if self.google is None or not allowed(actor.role, "crm.google"):
            raise EnvelopeError("Your role may not use Google; someone who may (CRM → Google) can queue it.")
        if not self.google.status(actor).connected:
            raise EnvelopeError("Connect your Google account first (CRM tab → Google, or `fidus google connect`); "
                                "the documents are filed with the investor meanwhile.")
        queued = self._upload(actor, envelope)
        return DriveQueued(sum(1 for new in queued if new), sum(1 for new in queued if not new))

    def _upload(self, actor: Actor, envelope: Envelope) -> list[bool]:
        """Queue each signed PDF and the certificate; per file, whether it was newly queued."""
        assert self.google is not None
        assert envelope.investor_id
        files = [(f"signed {d.name.removesuffix('.pdf')} {envelope.reference}.pdf", d.file_id)
                 for d in envelope.documents]
        certificate = self._doc(envelope.envelope_id).get("certificate_file_id")
        if certificate:
            files.append((f"certificate of completion {envelope.reference}.pdf", certificate))
        return [self.google.upload(actor, envelope.investor_id, name, self._open_unlocked(file_id))[1]
                for name, file_id in files]

    def decline(self, actor: Actor, envelope_id: str, version: int, signer_key: str, reason: str) -> Envelope:
        require(actor, SigningPermission.SIGN)
        envelope = self._current(envelope_id, version)
        self._expire_if_due(actor, envelope)
        signer = envelope.signer(signer_key)
        if signer not in envelope.waiting_for():
            raise EnvelopeError(f"{signer.name} cannot decline now: the envelope is "
                                f"{envelope.status.label.lower()} and waits for "
                                f"{', '.join(s.name for s in envelope.waiting_for()) or 'nobody'}.")
        why = self.required_text(reason, "reason", "The reason for declining", max_length=300)
        now = self.now()
        signers = [replace(s, status=SignerStatus.DECLINED, declined_reason=why) if s.key == signer_key else s
                   for s in envelope.signers]
        return self._update(actor, envelope, {
            "signers": _signers(signers), "status": EnvelopeStatus.DECLINED.value, "reason": why,
            "events": [*_events(envelope.events), _event(now, "declined", actor, signer_key, why)]},
            "signing.envelope_decline", {"signer": signer_key, "reason": why}, permission=SigningPermission.SIGN)

    def void(self, actor: Actor, envelope_id: str, version: int, reason: str) -> Envelope:
        require(actor, SigningPermission.VOID)
        envelope = self._current(envelope_id, version)
        if envelope.status not in (EnvelopeStatus.DRAFT, EnvelopeStatus.SENT, EnvelopeStatus.PARTIALLY_SIGNED):
            raise EnvelopeError(f"The envelope is {envelope.status.label.lower()}; only a draft or an open envelope "
                                "can be voided.")
        why = self.required_text(reason, "reason", "The reason for voiding", max_length=300)
        return self._update(actor, envelope, {
            "status": EnvelopeStatus.VOIDED.value, "reason": why,
            "events": [*_events(envelope.events), _event(self.now(), "voided", actor, detail=why)]},
            "signing.envelope_void", {"reason": why}, permission=SigningPermission.VOID)

    def remind(self, actor: Actor, envelope_id: str, version: int) -> Reminders:
        """Remind every signer whose turn it is and who was not reminded (or sent the envelope) lately: recorded
        (event and audit) and, when ``actor`` has connected Google, an e-mail to each of them queued in the CRM
        outbox in the same transaction (keyed by envelope, signer and reminder number: queued once)."""
        require(actor, SigningPermission.ENVELOPES)
        envelope = self._current(envelope_id, version)
        now = self.now()
        due = envelope.reminders_due(now, self.reminder_every)
        if not due:
            return Reminders(envelope, (), (), "")
        keys = {s.key for s in due}
        signers = [replace(s, reminded_at=now) if s.key in keys else s for s in envelope.signers]
        events = [*envelope.events, *(Event(now, "reminded", actor.username, s.key) for s in due)]
        mail = self._can_email(actor)
        to_mail = tuple(s for s in due if s.email) if mail else ()

        def write(rec: ChangeRecorder) -> Envelope:  # e-mails are queued in the outbox, sent after the commit
            updated = self._write(rec, envelope, {"signers": _signers(signers), "events": _events(events)},
                                  "signing.envelope_remind", {"signers": sorted(keys)})
            for signer in to_mail:
                number = sum(1 for e in events if e.action == "reminded" and e.signer == signer.key)
                self.google.send_notice(actor, f"signing-reminder:{envelope.envelope_id}:{signer.key}:{number}",
                                        signer.email, *self._reminder_text(envelope, signer),
                                        party_id=envelope.investor_id)
            return updated

        updated = self.change(actor, SigningPermission.ENVELOPES, write)
        if not mail:
            note = "recorded; connect Google to e-mail reminders"
        elif len(to_mail) < len(due):
            note = ("recorded; no e-mail address for "
                    + ", ".join(s.name for s in due if s not in to_mail) + " (add one to e-mail them)")
        else:
            note = ""
        return Reminders(updated, due, to_mail, note)

    def _can_email(self, actor: Actor) -> bool:
        """Whether ``actor`` can queue Google e-mail: Google configured, permitted and connected."""
        return (self.google is not None and allowed(actor.role, "crm.google")
                and self.google.status(actor).connected)

    def _reminder_text(self, envelope: Envelope, signer: Signer) -> tuple[str, str]:
        """The reminder's subject and text. Signing happens in the office, so it asks the signer to arrange it."""
        subject = f"Reminder: {envelope.title} awaits your signature"
        expiry = f" It can be signed until {envelope.expires_at:%Y-%m-%d}." if envelope.expires_at else ""
        body = (f"Dear {signer.name},\n\n{envelope.title} is waiting for your signature as "
                f"{signer.role.value.replace('_', ' ')}.{expiry} Please contact us to arrange signing at our "
                f"office.\n\nReference: {envelope.reference}\n\n{self.office_name}\n")
        return subject, body

    def reminders_due(self, actor: Actor) -> list[tuple[Envelope, tuple[Signer, ...]]]:
        require(actor, SigningPermission.READ)
        now = self.now()
        found = []
        for doc in self.envelopes.find({"status": {"$in": [EnvelopeStatus.SENT.value,
                                                             EnvelopeStatus.PARTIALLY_SIGNED.value]}}):
            envelope = from_doc(doc)
            due = envelope.reminders_due(now, self.reminder_every)
            if due and envelope.status_at(now).open:
                found.append((envelope, due))
        return found

    # -- helpers ---------------------------------------------------------------------------------------------
    def _doc(self, envelope_id: str) -> Document:
        envelope_id = self.required_text(envelope_id, "envelope", "The envelope id")
        doc = self.envelopes.get(envelope_id)
        if doc is None:
            raise ValidationError({"envelope": f"There is no envelope {envelope_id}; `fidus sign envelopes` lists "
                                               "them."})
        return doc

    def _current(self, envelope_id: str, version: int) -> Envelope:
        envelope = from_doc(self._doc(envelope_id))
        if envelope.version != version:
            raise EnvelopeError(f"Envelope {envelope_id} was changed by someone else meanwhile (version "
                                f"{envelope.version}, you had {version}); reload it and try again.")
        return envelope

    def _draft(self, envelope_id: str, version: int) -> Envelope:
        envelope = self._current(envelope_id, version)
        if envelope.status is not EnvelopeStatus.DRAFT:
            raise EnvelopeError(f"The envelope is {envelope.status.label.lower()}; only a draft can be edited. "
                                "Void it and create a new one to change it.")
        return envelope

    def _expire_if_due(self, actor: Actor, envelope: Envelope) -> None:
        if envelope.status_at(self.now()) is EnvelopeStatus.EXPIRED and envelope.status.open:
            self.store.atomic(lambda: self._write(ChangeRecorder(self.ctx.audit, actor), envelope, {
                "status": EnvelopeStatus.EXPIRED.value,
                "events": [*_events(envelope.events), _event(self.now(), "expired", actor)]},
                "signing.envelope_expire", {"status": "expired"}))
            raise EnvelopeError(f"The envelope expired on {envelope.expires_at:%Y-%m-%d}; nobody can sign it any "
                                "more. Create a new one.")

    def _update(self, actor: Actor, envelope: Envelope, changes: Document, action: str,
                detail: Document | None = None, permission: SigningPermission = SigningPermission.ENVELOPES,
                ) -> Envelope:
        return self.change(actor, permission, lambda rec: self._write(rec, envelope, changes, action, detail))

    def _write(self, rec: ChangeRecorder, envelope: Envelope, changes: Document, action: str,
               detail: Document | None = None) -> Envelope:
        stored = self.envelopes.update(envelope.envelope_id, changes, expected_version=envelope.version)
        rec.record(action, ENTITY, envelope.envelope_id, before={"status": envelope.status.value},
                   after=_trail(stored) | (detail or {}))
        return from_doc(stored)

    def _sealed_file(self, file_id: str, envelope_id: str, pdf: bytes) -> Document:
        return {"_id": file_id, "envelope_id": envelope_id, "sha256": _sha256(pdf), "size": len(pdf),
                "data": self.vault.seal_blob(pdf, FILE_FIELD, file_id)}  # VaultLocked: nothing written

    def _open_file(self, file_id: str) -> bytes | Locked:
        doc = self.files.get(file_id)
        if doc is None:
            raise ValidationError({"file": f"The envelope's file {file_id} is missing; restore it from a backup."})
        return self.vault.open_blob(doc["data"], FILE_FIELD, file_id)

    def _open_unlocked(self, file_id: str) -> bytes:
        content = self._open_file(file_id)
        if isinstance(content, Locked):
            raise VaultLocked("The envelope's documents cannot be opened on this workstation: it is not enrolled "
                              "for the data key. An administrator enrols it under Admin → Keys.")
        return content

    def _certificate(self, actor: Actor, envelope: Envelope, now: datetime) -> tuple[Document, SignedPdf]:
        """The signed certificate of completion as a sealed file, and its signature for the caller to audit."""
        investor = self.investors.get(actor, envelope.investor_id).name if envelope.investor_id else ""
        pdf = completion_certificate.render(envelope, investor, now, self.office_name,
                                            self.ctx.audit.for_entity(ENTITY, envelope.envelope_id))
        signed = self.signing.sign_unrecorded(actor, pdf, SignRequest("Certificate", self.office_name,
                                                                      reason="Certificate of completion",
                                                                      placement=None, lock=True,
                                                                      timestamp_url=self.timestamp_url))
        return self._sealed_file(new_id(), envelope.envelope_id, signed.data), signed

    def _file_with_investor(self, rec: ChangeRecorder, actor: Actor, envelope: Envelope, now: datetime) -> None:
        if not envelope.investor_id:
            return
        stored = []
        for document in envelope.documents:
            name = f"signed {document.name.removesuffix('.pdf')} {envelope.reference}.pdf"
            stored.append(self.documents.attach_within(rec, actor, "investor", envelope.investor_id, name,
                                                       self._open_unlocked(document.file_id)))
        certificate = self.certificate(actor, envelope.envelope_id)
        assert not isinstance(certificate, Locked)  # just sealed on this workstation
        stored.append(self.documents.attach_within(rec, actor, "investor", envelope.investor_id,
                                                   f"certificate of completion {envelope.reference}.pdf",
                                                   certificate))
        if envelope.kind is EnvelopeKind.SUBSCRIPTION_AGREEMENT:
            record = self.agreements.insert({
                "_id": envelope.envelope_id, "investor_id": envelope.investor_id, "envelope_id": envelope.envelope_id,
                "kind": envelope.kind.value, "signed_at": now, "document_ids": [d.document_id for d in stored]})
            rec.record("signing.agreement_signed", "signed_agreement", record["_id"],
                       after={"investor_id": envelope.investor_id, "signed_at": now})


# -- documents <-> domain ------------------------------------------------------------------------------------
def from_doc(doc: Document) -> Envelope:
    """An envelope; one whose investor was erased keeps its status and hashes, its names blanked."""
    if doc.get("erased_at") is not None:
        doc = doc | {"signers": [], "fields": [], "events": [], "extra": {}}
    return Envelope(
        doc["_id"], doc["title"], EnvelopeKind(doc["kind"]), doc.get("investor_id"), EnvelopeStatus(doc["status"]),
        tuple(EnvelopeDocument(d["name"], d["pages"], tuple((w, h) for w, h in d["page_sizes"]), d["sha256_original"],
                               d["sha256_current"], d["file_id"]) for d in doc["documents"]),
        tuple(Signer(s["key"], s["name"], s["email"], SignerRole(s["role"]), s["order"], SignerStatus(s["status"]),
                     s.get("signed_at"), s.get("identity_check", ""), s.get("workstation", ""),
                     s.get("declined_reason", ""), s.get("viewed_at"), s.get("reminded_at"),
                     s.get("capture_file_id", "")) for s in doc["signers"]),
        tuple(Field(f["field_id"], f["document"], f["signer"], FieldKind(f["kind"]), f["page"],
                    (f["box"][0], f["box"][1], f["box"][2], f["box"][3]), f["required"], f.get("label", ""))
              for f in doc["fields"]),
        tuple(Event(e["at"], e["action"], e["by"], e.get("signer", ""), e.get("detail", "")) for e in doc["events"]),
        doc["created_by"], doc["created_at"], doc.get("expires_at"), doc.get("reason", ""), doc["version"],
        dict(doc.get("extra") or {}))


def _document_doc(d: EnvelopeDocument) -> Document:
    return {"name": d.name, "pages": d.pages, "page_sizes": [[w, h] for w, h in d.page_sizes],
            "sha256_original": d.sha256_original, "sha256_current": d.sha256_current, "file_id": d.file_id}


def _docs(documents: Sequence[EnvelopeDocument]) -> list[Document]:
    return [_document_doc(d) for d in documents]


def _signer_doc(s: Signer) -> Document:
    return {"key": s.key, "name": s.name, "email": s.email, "role": s.role.value, "order": s.order,
            "status": s.status.value, "signed_at": s.signed_at, "identity_check": s.identity_check,
            "workstation": s.workstation, "declined_reason": s.declined_reason, "viewed_at": s.viewed_at,
            "reminded_at": s.reminded_at, "capture_file_id": s.capture_file_id}


def _signers(signers: Any) -> list[Document]:
    return [_signer_doc(s) for s in signers]


def _field_doc(f: Field) -> Document:
    return {"field_id": f.field_id, "document": f.document, "signer": f.signer, "kind": f.kind.value,
            "page": f.page, "box": list(f.box), "required": f.required, "label": f.label}


def _fields(fields: Any) -> list[Document]:
    return [_field_doc(f) for f in fields]


def _event(at: datetime, action: str, actor: Actor, signer: str = "", detail: str = "") -> Document:
    return {"at": at, "action": action, "by": actor.username, "signer": signer, "detail": detail}


def _events(events: Sequence[Event]) -> list[Document]:
    return [{"at": e.at, "action": e.action, "by": e.by, "signer": e.signer, "detail": e.detail} for e in events]


def _trail(doc: Document) -> Document:
    """What the audit keeps of an envelope: its status, kind, investor and hashes; no names or content."""
    return {"status": doc["status"], "kind": doc["kind"], "investor_id": doc.get("investor_id"),
            "documents": [d["sha256_current"] for d in doc.get("documents", [])],
            "signers": [f"{s['key']}:{s['status']}" for s in doc.get("signers", [])]}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _enum(kind: Any, value: Any, field: str) -> Any:
    try:
        return kind(value)
    except ValueError:
        raise ValidationError({field: f"{value!r} is not one of {', '.join(m.value for m in kind)}."}) from None


def _positive(value: Any, field: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value).replace(",", ""))
    except InvalidOperation:
        raise ValidationError({field: f"{value!r} is not a number; write it like 250000 or 250000.50."}) from None
    if not number.is_finite() or number <= 0 or number > Decimal("1e12"):
        raise ValidationError({field: f"The {field} must be a positive number below 1,000,000,000,000."})
    return number

