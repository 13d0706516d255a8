"""EnvelopeService: a subscription agreement from its template, signed in order, each signature valid (here, in
pdfsig, in qpdf), completed into the investor's documents and the signed-agreement record; parallel signers,
decline, void, expiry, reminders, stale versions, who may do what, and the audit trail."""

from __future__ import annotations

import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from fidus_desktop.bootstrap import AppContext
from fidus_desktop.config.secrets import SecretStore
from fidus_desktop.domain.signing.envelopes import Envelope, EnvelopeError, EnvelopeStatus, FieldKind, SignerStatus
from fidus_desktop.integrations.signing.validation import validate_pdf
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.crm.google import GoogleService
from fidus_desktop.services.envelopes import EnvelopeFilter, SignerInput
from fidus_desktop.services.signing import SigningPermission
from tests.signing.envelope_office import BACK, DRAWN, OFFICER, PM, TYPED, EnvelopeOffice, build, subscription
from tests.signing.test_pades import agreement
from tests.support.google import FakeConnector
from tests.support.permission_matrix import assert_permission_matrix
from tests.support.tools import require_tool


@pytest.fixture
def office(app_context: AppContext, admin: Actor, secrets: SecretStore) -> EnvelopeOffice:
    return build(app_context, admin, secrets)


def later(office: EnvelopeOffice, days: int) -> None:
    """Move the services' clock ``days`` ahead."""
    office.envelopes.ctx.clock = lambda: datetime.now(UTC) + timedelta(days=days)
    office.envelopes.ctx.audit.clock = office.envelopes.ctx.clock


def pdf_of(office: EnvelopeOffice, envelope_id: str, index: int = 0) -> bytes:
    data = office.envelopes.document_pdf(PM, envelope_id, index)
    assert isinstance(data, bytes)
    return data


def trust(office: EnvelopeOffice) -> list[bytes]:
    return office.ctx.services.signing.trust_roots()


def envelope_actions(office: EnvelopeOffice) -> list[str]:
    return [d["action"] for d in office.ctx.store.collection("audit").find(sort=[("seq", 1)])
            if d["entity"] in ("signing_envelope", "signed_agreement")]


def test_a_subscription_agreement_is_signed_in_order_and_completes(office: EnvelopeOffice, tmp_path: Path) -> None:
    envelope = subscription(office)
    assert envelope.status is EnvelopeStatus.DRAFT
    assert [(s.name, s.role.value, s.order) for s in envelope.signers] == [
        ("Ann Smith", "investor", 1), ("Maria Rossi", "office_signatory", 2)]
    # the template's signature block gave each signer a signature and a date box on the last page
    assert sorted((f.signer, f.kind.value) for f in envelope.fields) == [
        ("s1", "date"), ("s1", "signature"), ("s2", "date"), ("s2", "signature")]
    original = envelope.documents[0].sha256_original
    envelope = office.envelopes.send(PM, envelope.envelope_id, envelope.version)
    assert envelope.status is EnvelopeStatus.SENT
    assert [s.key for s in envelope.waiting_for()] == ["s1"]
    with pytest.raises(EnvelopeError, match="not Maria Rossi's turn yet: the envelope waits for Ann Smith"):
        office.envelopes.sign(BACK, envelope.envelope_id, envelope.version, "s2", TYPED, "Known client")

    envelope = office.envelopes.sign(BACK, envelope.envelope_id, envelope.version, "s1", DRAWN, "ID document seen")
    assert envelope.status is EnvelopeStatus.PARTIALLY_SIGNED
    ann = envelope.signer("s1")
    assert (ann.status, ann.identity_check, ann.workstation) == (SignerStatus.SIGNED, "ID document seen", "desk-2")
    [report] = validate_pdf(pdf_of(office, envelope.envelope_id), trust(office))
    assert report.good, report.summary()
    drawn = office.envelopes.capture(PM, envelope.envelope_id, "s1")  # kept as vectors, sealed
    points = [[round(x * 10_000), round(y * 10_000)] for x, y in DRAWN.strokes[0]]
    assert drawn == {"kind": "drawn", "strokes": [points]}
    assert "strokes" not in str(office.ctx.store.collection("signing_envelopes").get(envelope.envelope_id))
    assert office.envelopes.capture(PM, envelope.envelope_id, "s2") is None

    envelope = office.envelopes.sign(PM, envelope.envelope_id, envelope.version, "s2", TYPED, "Known client")
    assert envelope.status is EnvelopeStatus.COMPLETED
    assert office.envelopes.capture(PM, envelope.envelope_id, "s1")["kind"] == "drawn"  # the first is still kept
    assert office.envelopes.capture(PM, envelope.envelope_id, "s2") == {"kind": "typed", "typed": "Ann Smith"}
    signed = pdf_of(office, envelope.envelope_id)
    reports = validate_pdf(signed, trust(office))
    assert [r.field for r in reports] == ["s1-1", "s2-3"]
    assert all(r.good for r in reports), [r.summary() for r in reports]
    assert reports[0].changes_after.startswith("form fields filled or signed after signing")
    assert envelope.documents[0].sha256_original == original != envelope.documents[0].sha256_current

    # independent tools agree: poppler validates both signatures, qpdf finds the file sound
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)
    out = subprocess.run([require_tool("pdfsig", "poppler-utils"), str(path)], capture_output=True, text=True,
                         check=False).stdout
    assert out.count("Signature Validation: Signature is Valid.") == 2
    subprocess.run([require_tool("qpdf", "qpdf"), "--check", str(path)], check=True, capture_output=True)

    # the signed PDF and the certificate are filed with the investor's documents; the agreement is recorded
    names = sorted(d.name for d in office.ctx.services.documents.list_for(office.admin, "investor",
                                                                          office.ann.investor_id))
    assert names == [f"certificate of completion {envelope.reference}.pdf",
                     f"signed subscription_agreement {envelope.reference}.pdf"]
    agreement_record = office.envelopes.signed_agreement(office.ann.investor_id)
    assert agreement_record is not None
    assert agreement_record.envelope_id == envelope.envelope_id
    assert len(agreement_record.document_ids) == 2
    certificate = office.envelopes.certificate(PM, envelope.envelope_id)
    assert isinstance(certificate, bytes)
    [cert_report] = validate_pdf(certificate, trust(office))
    assert cert_report.good
    assert envelope_actions(office) == [
        "signing.envelope_create", "signing.envelope_add_document", "signing.envelope_add_signer",
        "signing.envelope_add_signer", *["signing.envelope_place_field"] * 4, "signing.envelope_edit",
        "signing.envelope_send", "signing.envelope_sign", "signing.envelope_sign", "signing.agreement_signed"]
    assert [e.action for e in envelope.events] == ["created", "sent", "signed", "signed", "completed"]


def test_the_completion_certificate_names_hashes_signers_and_events(office: EnvelopeOffice) -> None:
    from fidus_desktop.reports.completion_certificate import story
    from fidus_desktop.reports.pdf import story_text

    envelope = subscription(office)
    envelope = office.envelopes.send(PM, envelope.envelope_id, envelope.version)
    envelope = office.envelopes.sign(BACK, envelope.envelope_id, envelope.version, "s1", TYPED, "ID document seen")
    envelope = office.envelopes.sign(BACK, envelope.envelope_id, envelope.version, "s2", TYPED, "Known client")
    audit = office.ctx.services.ctx.audit.for_entity("signing_envelope", envelope.envelope_id)
    text = story_text(story(envelope, "Ann Smith", datetime(2026, 1, 1, tzinfo=UTC), audit))
    assert f"{audit[-1]['seq']} | " in text
    assert audit[-1]["hash"][:16] in text
    document = envelope.documents[0]
    for expected in (envelope.envelope_id, document.sha256_original[:32], document.sha256_current[32:],
                     "ID document seen", "desk-2", "ann@example.com", "All times are UTC", "completed"):
        assert expected in text


def test_parallel_signers_sign_in_any_order_and_nobody_locks(office: EnvelopeOffice) -> None:
    envelope = subscription(office, parallel=True)
    envelope = office.envelopes.send(PM, envelope.envelope_id, envelope.version)
    assert {s.key for s in envelope.waiting_for()} == {"s1", "s2"}
    envelope = office.envelopes.sign(BACK, envelope.envelope_id, envelope.version, "s2", TYPED, "Known client")
    envelope = office.envelopes.sign(BACK, envelope.envelope_id, envelope.version, "s1", TYPED, "ID document seen")
    assert envelope.status is EnvelopeStatus.COMPLETED
    assert all(r.good for r in validate_pdf(pdf_of(office, envelope.envelope_id), trust(office)))


def test_required_text_and_checkbox_fields_are_filled_before_signing(office: EnvelopeOffice) -> None:
    envelopes = office.envelopes
    envelope = envelopes.create(PM, "Side letter", investor_id=office.ann.investor_id)
    envelope = envelopes.add_document(PM, envelope.envelope_id, envelope.version, "letter.pdf", agreement(2))
    envelope = envelopes.add_signer(PM, envelope.envelope_id, envelope.version,
                                    SignerInput("Ann Smith", "ann@example.com", "investor"))
    with pytest.raises(EnvelopeError, match="place a signature field for Ann Smith"):
        envelopes.send(PM, envelope.envelope_id, envelope.version)
    with pytest.raises(EnvelopeError, match=r"on page 3 of letter\.pdf, which has 2 pages"):
        envelopes.place_field(PM, envelope.envelope_id, envelope.version, 0, "s1", "signature", 2, (72, 72, 252, 132))
    with pytest.raises(EnvelopeError, match="outside page 1"):
        envelopes.place_field(PM, envelope.envelope_id, envelope.version, 0, "s1", "signature", 0,
                              (500, 72, 700, 132))
    for kind, box, label in (("signature", (72, 72, 252, 132), ""), ("text", (72, 200, 300, 220), "Tax number"),
                             ("checkbox", (72, 240, 100, 260), "Risks read"), ("initials", (400, 72, 450, 100), "")):
        envelope = envelopes.place_field(PM, envelope.envelope_id, envelope.version, 0, "s1", kind, 0, box,
                                         label=label)
    envelope = envelopes.send(PM, envelope.envelope_id, envelope.version)
    with pytest.raises(EnvelopeError, match="has not filled the required fields: Tax number, Risks read"):
        envelopes.sign(BACK, envelope.envelope_id, envelope.version, "s1", TYPED, "Known client")
    values = {f.field_id: ("yes" if f.kind is FieldKind.CHECKBOX else "DE 123") for f in envelope.fields
              if f.kind in (FieldKind.CHECKBOX, FieldKind.TEXT)}
    envelope = envelopes.sign(BACK, envelope.envelope_id, envelope.version, "s1", TYPED, "Known client", values)
    assert envelope.status is EnvelopeStatus.COMPLETED
    signed = pdf_of(office, envelope.envelope_id)
    assert b"DE 123" in signed
    assert b"(AS)" in signed
    assert all(r.good for r in validate_pdf(signed, trust(office)))
    assert office.envelopes.signed_agreement(office.ann.investor_id) is None  # not a subscription agreement


def test_decline_void_and_expiry_end_an_envelope(office: EnvelopeOffice) -> None:
    envelopes = office.envelopes
    declined = envelopes.send(PM, *_ids(subscription(office)))
    with pytest.raises(ValidationError, match="reason for declining is required"):
        envelopes.decline(BACK, declined.envelope_id, declined.version, "s1", " ")
    declined = envelopes.decline(BACK, declined.envelope_id, declined.version, "s1", "wants to reduce the amount")
    assert (declined.status, declined.reason) == (EnvelopeStatus.DECLINED, "wants to reduce the amount")
    with pytest.raises(EnvelopeError, match="declined; nobody can sign it"):
        envelopes.sign(BACK, declined.envelope_id, declined.version, "s1", TYPED, "Known client")
    voided = subscription(office)
    voided = envelopes.void(BACK, voided.envelope_id, voided.version, "wrong class")
    assert voided.status is EnvelopeStatus.VOIDED
    with pytest.raises(EnvelopeError, match="only a draft can be edited"):
        envelopes.add_signer(PM, voided.envelope_id, voided.version, SignerInput("X Y", "", "witness"))
    expiring = envelopes.create_from_template(
        PM, "kyc_declaration", office.ann.investor_id, [SignerInput("Ann Smith", "", "investor")],
        expires_on=date.today() + timedelta(days=1))
    expiring = envelopes.send(PM, expiring.envelope_id, expiring.version)
    later(office, days=3)
    assert envelopes.page(PM, EnvelopeFilter(status=EnvelopeStatus.EXPIRED))[0].envelope_id == expiring.envelope_id
    with pytest.raises(EnvelopeError, match="expired"):
        envelopes.sign(BACK, expiring.envelope_id, expiring.version, "s1", TYPED, "Known client")
    assert envelopes.get(PM, expiring.envelope_id).status is EnvelopeStatus.EXPIRED
    counts = {status: envelopes.count(PM, EnvelopeFilter(status=status)) for status in EnvelopeStatus}
    assert (counts[EnvelopeStatus.DECLINED], counts[EnvelopeStatus.VOIDED], counts[EnvelopeStatus.EXPIRED]) == (
        1, 1, 1)


def test_a_stale_version_is_refused_and_nothing_changes(office: EnvelopeOffice) -> None:
    envelope = subscription(office)
    office.envelopes.void(BACK, envelope.envelope_id, envelope.version, "duplicate")
    with pytest.raises(EnvelopeError, match="changed by someone else meanwhile"):
        office.envelopes.send(PM, envelope.envelope_id, envelope.version)
    assert office.envelopes.get(PM, envelope.envelope_id).status is EnvelopeStatus.VOIDED


def test_a_signing_step_refused_as_stale_leaves_no_signature_audit_file_or_change(
    office: EnvelopeOffice, monkeypatch: pytest.MonkeyPatch,
) -> None:
    envelope = office.envelopes.send(PM, *_ids(subscription(office, parallel=True)))
    signing = office.envelopes.signing
    sign = signing.sign_unrecorded

    def meanwhile(*args: object, **kwargs: object) -> object:
        """Another workstation changes the envelope while this one signs (the slow part, outside the lock)."""
        office.envelopes.viewed(BACK, envelope.envelope_id, "s2")
        return sign(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(signing, "sign_unrecorded", meanwhile)
    audit, files = office.ctx.store.collection("audit"), office.ctx.store.collection("signing_files")
    before = (audit.count({"action": "signing.sign"}), files.count())
    with pytest.raises(EnvelopeError, match="changed by someone else meanwhile"):
        office.envelopes.sign(BACK, envelope.envelope_id, envelope.version, "s1", TYPED, "Known client")
    assert (audit.count({"action": "signing.sign"}), files.count()) == before
    after = office.envelopes.get(PM, envelope.envelope_id)
    assert after.signer("s1").status is SignerStatus.PENDING
    assert after.documents == envelope.documents
    monkeypatch.undo()
    signed = office.envelopes.sign(BACK, envelope.envelope_id, after.version, "s1", TYPED, "Known client")
    assert audit.count({"action": "signing.sign"}) == before[0] + 1  # the kept signature is audited, in its save
    [entry] = audit.find({"action": "signing.sign"}, sort=[("seq", -1)], limit=1)
    assert entry["after"]["sha256_after"] == signed.documents[0].sha256_current


def test_reminders_fall_due_for_the_signers_whose_turn_it_is(office: EnvelopeOffice) -> None:
    envelope = office.envelopes.send(PM, *_ids(subscription(office)))
    assert office.envelopes.reminders_due(PM) == []
    later(office, days=4)
    [(due_envelope, due)] = office.envelopes.reminders_due(PM)
    assert [s.key for s in due] == ["s1"]
    reminders = office.envelopes.remind(PM, envelope.envelope_id, due_envelope.version)
    assert [s.key for s in reminders.reminded] == ["s1"]
    assert reminders.envelope.signer("s1").reminded_at is not None
    assert office.envelopes.reminders_due(PM) == []
    # no Google service here: recorded, and the user is told so rather than led to believe it was sent
    assert (reminders.emailed, reminders.note) == ((), "recorded; connect Google to e-mail reminders")
    assert reminders.message() == "Reminder for Ann Smith: recorded; connect Google to e-mail reminders."


def with_google(office: EnvelopeOffice) -> FakeConnector:
    """The envelope service wired to a GoogleService over a fake Google (nobody connected yet)."""
    services = office.ctx.services
    connector = FakeConnector()
    office.envelopes.google = GoogleService(services.ctx, services.crm_outbox, connector,
                                            investors=services.portfolio.investors)
    return connector


def test_reminders_are_e_mailed_through_the_outbox_once_the_user_connected_google(office: EnvelopeOffice) -> None:
    connector = with_google(office)
    outbox = office.ctx.store.collection("crm_outbox")
    signers = [SignerInput("Ann Smith", "ann@example.com", "investor", 1),
               SignerInput("Walter White", "", "witness", 1)]
    envelope = office.envelopes.create_from_template(PM, "kyc_declaration", office.ann.investor_id, signers)
    envelope = office.envelopes.send(PM, *_ids(envelope))
    later(office, days=4)
    first = office.envelopes.remind(BACK, *_ids(envelope))
    assert [s.key for s in first.reminded] == ["s1", "s2"]
    assert first.note == "recorded; connect Google to e-mail reminders"
    assert outbox.count() == 0
    office.envelopes.google.connect(BACK)
    later(office, days=8)
    second = office.envelopes.remind(BACK, *_ids(first.envelope))
    assert [s.name for s in second.emailed] == ["Ann Smith"]  # the witness has no address: said so
    assert second.note == "recorded; no e-mail address for Walter White (add one to e-mail them)"
    [job] = outbox.find({"kind": "gmail.send"})
    assert job["key"] == f"signing-reminder:{envelope.envelope_id}:s1:2"  # envelope, signer, second reminder
    assert (job["payload"]["to"], job["party_id"], job["owner"]) == ("ann@example.com", office.ann.investor_id,
                                                                     "lena")
    assert envelope.reference in job["payload"]["body"]
    assert "Dear Ann Smith" in job["payload"]["body"]
    # the same reminder queued again (a retried call, another workstation) is the job already there
    again, new = office.envelopes.google.send_notice(BACK, job["key"], "ann@example.com", "x", "y")
    assert (again.job_id, new) == (job["_id"], False)
    assert office.envelopes.remind(BACK, *_ids(second.envelope)).reminded == ()  # not due again yet
    assert office.envelopes.google.run_outbox(BACK).done == 1
    assert [m.subject for m in connector.google.sent] == [f"Reminder: {envelope.title} awaits your signature"]
    actions = [d["action"] for d in office.ctx.store.collection("audit").find(sort=[("seq", 1)])]
    assert actions.count("signing.envelope_remind") == 2
    assert "crm.outbox_queue" in actions


def test_a_stale_reminder_queues_no_e_mail(office: EnvelopeOffice) -> None:
    with_google(office)
    office.envelopes.google.connect(BACK)
    envelope = office.envelopes.send(PM, *_ids(subscription(office)))
    later(office, days=4)
    office.envelopes.viewed(BACK, envelope.envelope_id, "s1")  # someone else changed it meanwhile
    with pytest.raises(EnvelopeError, match="changed by someone else"):
        office.envelopes.remind(BACK, *_ids(envelope))
    assert office.ctx.store.collection("crm_outbox").count() == 0


def test_who_may_do_what(office: EnvelopeOffice) -> None:
    envelopes = office.envelopes
    assert_permission_matrix(lambda a: envelopes.create(a, "Letter"), SigningPermission.ENVELOPES,
                             state=lambda: envelopes.envelopes.count())
    draft = envelopes.create(PM, "Letter")
    assert_permission_matrix(lambda a: envelopes.void(a, draft.envelope_id, 99, "x"),  # stale version: no write
                             SigningPermission.VOID)
    assert_permission_matrix(lambda a: envelopes.get(a, draft.envelope_id), SigningPermission.READ)
    assert_permission_matrix(lambda a: envelopes.sign(a, draft.envelope_id, 99, "s1", TYPED, "x"),
                             SigningPermission.SIGN)
    with pytest.raises(Exception, match="may not signing: envelopes"):
        envelopes.create(OFFICER, "Letter")


def test_bad_input_is_refused_with_what_to_fix(office: EnvelopeOffice) -> None:
    envelopes = office.envelopes
    with pytest.raises(ValidationError, match="needs the amount subscribed"):
        envelopes.create_from_template(PM, "subscription_agreement", office.ann.investor_id,
                                       [SignerInput("Ann", "", "investor")], class_id=office.eur.class_id)
    with pytest.raises(ValidationError, match="'lots' is not a number"):
        envelopes.create_from_template(PM, "subscription_agreement", office.ann.investor_id,
                                       [SignerInput("Ann", "", "investor")], class_id=office.eur.class_id,
                                       amount="lots")
    with pytest.raises(ValidationError, match="No template"):
        envelopes.create_from_template(PM, "lease", office.ann.investor_id, [SignerInput("Ann", "", "investor")])
    with pytest.raises(EnvelopeError, match="not an e-mail address"):
        envelopes.create_from_template(PM, "kyc_declaration", office.ann.investor_id,
                                       [SignerInput("Ann", "ann at home", "investor")])
    draft = envelopes.create(PM, "Letter")
    with pytest.raises(Exception, match="not a PDF"):
        envelopes.add_document(PM, draft.envelope_id, draft.version, "letter.pdf", b"hello")
    assert envelopes.envelopes.count() == 1  # only the draft; nothing half-written


def _ids(envelope: Envelope) -> tuple[str, int]:
    return envelope.envelope_id, envelope.version


def test_erasing_the_investor_blanks_their_envelopes_and_deletes_the_pdfs(office: EnvelopeOffice) -> None:
    envelope = subscription(office)
    envelope = office.envelopes.send(PM, envelope.envelope_id, envelope.version)
    investors = office.ctx.services.portfolio.investors
    ann = investors.get(office.admin, office.ann.investor_id)
    investors.end_relationship(office.admin, ann.investor_id, ann.version, date(date.today().year - 6, 1, 31))
    report = office.ctx.services.personal_data.erase_person(office.admin, office.ann.investor_id,
                                                            now=datetime.now(UTC))
    assert ("signing_envelopes", envelope.envelope_id) in report.erased
    erased = office.envelopes.get(PM, envelope.envelope_id)
    assert (erased.signers, erased.events) == ((), ())
    assert "Ann Smith" not in erased.title
    assert office.ctx.store.collection("signing_files").count({"envelope_id": envelope.envelope_id}) == 0
    assert office.envelopes.count(PM) == 0  # an erased envelope leaves the list


def test_a_completed_envelope_is_queued_for_the_investors_drive_folder_when_google_is_connected(
    office: EnvelopeOffice,
) -> None:
    with_google(office)
    outbox = office.ctx.store.collection("crm_outbox")
    envelope = office.envelopes.send(PM, *_ids(subscription(office)))
    envelope = office.envelopes.sign(BACK, envelope.envelope_id, envelope.version, "s1", TYPED, "Known client")
    envelope = office.envelopes.sign(BACK, envelope.envelope_id, envelope.version, "s2", TYPED, "Known client")
    assert outbox.count({"kind": "drive.upload"}) == 0  # lena has not connected Google: filed locally only
    office.envelopes.google.connect(BACK)
    assert office.envelopes.queue_for_drive(BACK, envelope) == 2
    jobs = outbox.find({"kind": "drive.upload"})
    assert sorted(j["summary"] for j in jobs) == [f"Upload certificate of completion {envelope.reference}.pdf",
                                                  f"Upload signed subscription_agreement {envelope.reference}.pdf"]
    assert {j["party_id"] for j in jobs} == {office.ann.investor_id}
    assert office.envelopes.queue_for_drive(BACK, envelope) == 2
    assert outbox.count({"kind": "drive.upload"}) == 2  # queued once: the outbox's natural keys
    assert office.envelopes.queue_for_drive(OFFICER, envelope) == 0  # may not use Google
    second = office.envelopes.send(PM, *_ids(subscription(office, parallel=True)))
    second = office.envelopes.sign(BACK, second.envelope_id, second.version, "s1", TYPED, "Known client")
    office.envelopes.sign(BACK, second.envelope_id, second.version, "s2", TYPED, "Known client")
    assert outbox.count({"kind": "drive.upload"}) == 4  # connected: completing queues them by itself


def test_queue_to_drive_later_for_an_envelope_completed_before_google_was_connected(office: EnvelopeOffice) -> None:
    with_google(office)
    outbox = office.ctx.store.collection("crm_outbox")
    envelope = office.envelopes.send(PM, *_ids(subscription(office, parallel=True)))
    with pytest.raises(EnvelopeError, match="completed"):
        office.envelopes.upload_to_drive(BACK, envelope.envelope_id)
    envelope = office.envelopes.sign(BACK, envelope.envelope_id, envelope.version, "s1", TYPED, "Known client")
    envelope = office.envelopes.sign(BACK, envelope.envelope_id, envelope.version, "s2", TYPED, "Known client")
    with pytest.raises(EnvelopeError, match="Connect your Google account first"):
        office.envelopes.upload_to_drive(BACK, envelope.envelope_id)
    with pytest.raises(EnvelopeError, match="may not use Google"):
        office.envelopes.upload_to_drive(OFFICER, envelope.envelope_id)
    office.envelopes.google.connect(BACK)
    done = office.envelopes.upload_to_drive(BACK, envelope.envelope_id)
    assert (done.queued, done.already) == (2, 0)
    assert done.message() == "Queued 2 documents for the investor's Drive folder."
    assert office.envelopes.upload_to_drive(BACK, envelope.envelope_id).message() == (
        "Already queued for the investor's Drive folder (2 documents).")
    assert outbox.count({"kind": "drive.upload"}) == 2
