"""The Signing tab driven by clicks, typing and mouse drags: the envelope list with its filters and the buttons a
role and a status allow; the editor placing a field by dragging on the page and sending; the signing view
where one signer draws and the next types, completing the envelope; the validation panel's plain words."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from fidus_desktop.bootstrap import AppContext
from fidus_desktop.config.secrets import SecretStore
from fidus_desktop.domain.signing.envelopes import Envelope, EnvelopeStatus
from fidus_desktop.services.actor import Actor
from fidus_desktop.ui.background import InlineRunner
from fidus_desktop.ui.session import UiSession
from fidus_desktop.ui.signing.dialogs import ReasonDialog
from fidus_desktop.ui.signing.editor import EnvelopeEditor
from fidus_desktop.ui.signing.signing_view import SigningView
from fidus_desktop.ui.signing.tab import SigningTab
from tests.signing.envelope_office import BACK, OFFICER, PM, TYPED, EnvelopeOffice, build, subscription
from tests.signing.test_pades import agreement


@pytest.fixture
def office(app_context: AppContext, admin: Actor, secrets: SecretStore) -> EnvelopeOffice:
    return build(app_context, admin, secrets)


def session(office: EnvelopeOffice, actor: Actor) -> UiSession:
    return UiSession(office.ctx, actor, InlineRunner())


def tab(qtbot: QtBot, office: EnvelopeOffice, actor: Actor) -> SigningTab:
    widget = SigningTab(session(office, actor))
    qtbot.addWidget(widget)
    widget.resize(1200, 700)
    widget.show()
    return widget


def drag(qtbot: QtBot, widget: QWidget, start: QPoint, end: QPoint) -> None:
    qtbot.mousePress(widget, Qt.MouseButton.LeftButton, pos=start)
    for step in range(1, 6):
        qtbot.mouseMove(widget, start + (end - start) * step / 5)
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=end)


def test_the_list_filters_and_the_buttons_follow_status_and_role(qtbot: QtBot, office: EnvelopeOffice) -> None:
    draft = subscription(office)
    sent = office.envelopes.send(PM, *_ids(subscription(office)))
    window = tab(qtbot, office, PM)
    view = window.envelopes
    assert view is not None
    assert view.model.rowCount() == 2
    assert view.count_label.text() == "2 envelopes, 1 waiting for a signer"
    statuses = {view.model.data(view.model.index(r, 1)) for r in range(2)}
    assert statuses == {"Draft", "Out for signature"}
    view.status.setCurrentIndex(view.status.findData(EnvelopeStatus.SENT))
    assert view.model.rowCount() == 1
    view.table.selectRow(0)
    assert view.selected().envelope_id == sent.envelope_id
    assert "1. Ann Smith (investor): signs now" in view.detail.toPlainText()
    assert view.buttons["sign"].isEnabled()
    assert not view.buttons["edit"].isEnabled()
    assert not view.buttons["void"].isEnabled()  # a portfolio manager may not void
    assert not view.buttons["certificate"].isEnabled()
    view.status.setCurrentIndex(0)
    qtbot.keyClicks(view.search, "nothing like this")
    assert view.model.rowCount() == 0
    view.search.clear()
    assert view.model.rowCount() == 2
    row = next(r for r in range(2) if view.model.row_at(r).envelope_id == draft.envelope_id)
    view.table.selectRow(row)
    assert view.buttons["edit"].isEnabled()

    officer_window = tab(qtbot, office, OFFICER)
    officer = officer_window.envelopes  # reads, never edits or signs
    assert officer is not None
    officer.table.selectRow(0)
    assert not any(officer.buttons[name].isEnabled() for name in ("template", "pdf", "edit", "sign", "void"))


def test_the_editor_places_a_field_by_dragging_and_sends(qtbot: QtBot, office: EnvelopeOffice) -> None:
    envelopes = office.envelopes
    draft = envelopes.create(PM, "Side letter", investor_id=office.ann.investor_id)
    draft = envelopes.add_document(PM, draft.envelope_id, draft.version, "letter.pdf", agreement(2))
    editor = EnvelopeEditor(session(office, PM), draft)
    qtbot.addWidget(editor)
    editor.show()
    qtbot.keyClicks(editor.signer_form.name, "Ann Smith")
    qtbot.keyClicks(editor.signer_form.email, "ann@example.com")
    qtbot.mouseClick(editor.add_signer_button, Qt.MouseButton.LeftButton)
    assert editor.signers.count() == 1
    qtbot.mouseClick(editor.send_button, Qt.MouseButton.LeftButton)
    assert "place a signature field for Ann Smith" in editor.message.text()
    qtbot.mouseClick(editor.preview.next, Qt.MouseButton.LeftButton)
    assert editor.preview.position.text() == "Page 2 of 2"
    qtbot.mouseClick(editor.place_button, Qt.MouseButton.LeftButton)
    page = editor.preview.view
    frame = page.to_pixels((72, 72, 300, 140))
    drag(qtbot, page, frame.topLeft(), frame.bottomRight())
    [placed] = editor.envelope.fields
    assert (placed.kind.value, placed.page, placed.signer) == ("signature", 1, "s1")
    assert all(abs(a - b) <= 3 for a, b in zip(placed.box, (72, 72, 300, 140), strict=True))
    assert not editor.place_button.isChecked()
    editor.field_kind.setCurrentIndex(editor.field_kind.findData("text"))
    qtbot.keyClicks(editor.field_label, "Tax number")
    qtbot.mouseClick(editor.place_button, Qt.MouseButton.LeftButton)
    frame = page.to_pixels((72, 300, 300, 320))
    drag(qtbot, page, frame.topLeft(), frame.bottomRight())
    assert [(f.kind.value, f.label) for f in editor.envelope.fields] == [("signature", ""), ("text", "Tax number")]
    assert editor.fields.item(1).text().startswith("s1-2: Tax number (text) for Ann Smith, page 2")
    qtbot.mouseClick(editor.send_button, Qt.MouseButton.LeftButton)
    assert editor.envelope.status is EnvelopeStatus.SENT
    assert not editor.add_signer_button.isEnabled()  # sent: no more edits


def test_one_signer_draws_the_next_types_and_the_envelope_completes(qtbot: QtBot, office: EnvelopeOffice,
                                                                    tmp_path: Path) -> None:
    sent = office.envelopes.send(PM, *_ids(subscription(office)))
    view = SigningView(session(office, BACK), sent)
    qtbot.addWidget(view)
    view.show()
    assert view.signer.count() == 1  # only the investor signs now
    assert view.step.text().startswith("Field 1 of 2:")
    qtbot.mouseClick(view.sign_button, Qt.MouseButton.LeftButton)
    assert "Draw the signature" in view.message.text()
    pad = view.capture.pad
    drag(qtbot, pad, QPoint(20, pad.height() // 2), QPoint(pad.width() - 20, pad.height() // 3))
    assert len(pad.strokes) == 1
    qtbot.mouseClick(view.sign_button, Qt.MouseButton.LeftButton)
    assert "is required" in view.message.text()  # the identity check is recorded, so it is asked for
    view.identity.setCurrentText("ID document seen")
    qtbot.mouseClick(view.sign_button, Qt.MouseButton.LeftButton)
    assert view.message.text() == "Signed. Next: Maria Rossi."
    assert view.envelope.status is EnvelopeStatus.PARTIALLY_SIGNED
    assert [e.action for e in view.envelope.events] == ["created", "sent", "viewed", "signed", "viewed"]
    qtbot.mouseClick(view.capture.type_choice, Qt.MouseButton.LeftButton)
    assert view.capture.typed.text() == "Maria Rossi"  # prefilled with the signer's name
    assert not view.capture.preview.pixmap().isNull()  # shown in the script font
    view.identity.setCurrentText("Known client")
    qtbot.mouseClick(view.sign_button, Qt.MouseButton.LeftButton)
    assert view.envelope.status is EnvelopeStatus.COMPLETED
    assert not view.sign_button.isEnabled()

    signed = office.envelopes.document_pdf(PM, sent.envelope_id, 0)
    assert isinstance(signed, bytes)
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)
    window = tab(qtbot, office, OFFICER)
    panel = window.validation
    panel.validate(path)
    text = panel.result.toPlainText()
    assert "Every signature is valid" in text
    assert "1. s1-1: valid" in text
    assert "After signing: form fields filled or signed after signing" in text
    tampered = bytearray(signed)
    at = tampered.index(b"Subscription")
    tampered[at] ^= 1
    path.write_bytes(bytes(tampered))
    panel.validate(path)
    assert "Not every signature is valid" in panel.result.toPlainText()
    (tmp_path / "note.pdf").write_bytes(b"hello")
    panel.validate(tmp_path / "note.pdf")
    assert "not a PDF" in panel.result.toPlainText()


def test_a_signer_declines_from_the_signing_view(qtbot: QtBot, office: EnvelopeOffice) -> None:
    sent = office.envelopes.send(PM, *_ids(subscription(office, parallel=True)))
    view = SigningView(session(office, BACK), sent)
    qtbot.addWidget(view)
    view.show()
    assert view.signer.count() == 2  # parallel signers: both may sign now
    view.signer.setCurrentIndex(1)
    qtbot.mouseClick(view.decline_button, Qt.MouseButton.LeftButton)
    [dialog] = view.findChildren(ReasonDialog)
    qtbot.keyClicks(dialog.reason, "Not authorised to sign for the office")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert view.envelope.status is EnvelopeStatus.DECLINED
    assert view.envelope.signer("s2").declined_reason == "Not authorised to sign for the office"
    assert view.signer.count() == 0


def test_a_typed_signature_needs_a_name(qtbot: QtBot, office: EnvelopeOffice) -> None:
    sent = office.envelopes.send(PM, *_ids(subscription(office)))
    view = SigningView(session(office, BACK), sent)
    qtbot.addWidget(view)
    view.show()
    qtbot.mouseClick(view.capture.type_choice, Qt.MouseButton.LeftButton)
    view.capture.typed.clear()
    assert view.capture.capture() is None
    qtbot.keyClicks(view.capture.typed, "Ann Smith")
    assert view.capture.capture() == TYPED


def _ids(envelope: Envelope) -> tuple[str, int]:
    return envelope.envelope_id, envelope.version



def test_the_administrator_creates_the_office_certificate_others_only_read_it(
    qtbot: QtBot, app_context: AppContext, admin: Actor, secrets: SecretStore
) -> None:
    from fidus_desktop.services.keys import KeyService
    from fidus_desktop.ui.signing.certificate_panel import CreateCertificateDialog
    from tests.support.cost import CHEAP_KDF
    from tests.support.keys_office import PASSPHRASE

    KeyService(app_context.services.ctx, secrets, kdf=CHEAP_KDF).init(admin, PASSPHRASE)
    window = SigningTab(UiSession(app_context, admin, InlineRunner()))
    qtbot.addWidget(window)
    window.show()
    panel = window.certificate
    assert "no signing certificate yet" in panel.summary.text()
    qtbot.mouseClick(panel.buttons["create"], Qt.MouseButton.LeftButton)
    [dialog] = panel.findChildren(CreateCertificateDialog)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert "The organisation is required" in dialog.errors["organisation"].text()
    qtbot.keyClicks(dialog.organisation, "Test Fund Management")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert "The office signs as Organization: Test Fund Management" in panel.summary.text()
    assert "Self-signed" in panel.summary.text()
    reader = SigningTab(UiSession(app_context, PM, InlineRunner()))
    qtbot.addWidget(reader)
    assert "Test Fund Management" in reader.certificate.summary.text()
    assert not any(button.isEnabled() for button in reader.certificate.buttons.values())


def test_the_list_says_when_a_reminder_is_due_and_records_it(qtbot: QtBot, office: EnvelopeOffice) -> None:
    from datetime import UTC, datetime, timedelta

    office.envelopes.send(PM, *_ids(subscription(office)))
    office.envelopes.ctx.clock = lambda: datetime.now(UTC) + timedelta(days=4)
    window = tab(qtbot, office, PM)
    view = window.envelopes
    assert view is not None
    assert view.model.data(view.model.index(0, 2)) == "Ann Smith (reminder due)"
    view.table.selectRow(0)
    view.buttons["remind"].trigger()
    assert view.count_label.text() == "Reminder for Ann Smith: recorded; connect Google to e-mail reminders."
    assert view.model.data(view.model.index(0, 2)) == "Ann Smith"  # reloaded: the reminder was announced


def test_queue_to_drive_for_a_completed_envelope_once_google_is_connected(qtbot: QtBot,
                                                                          office: EnvelopeOffice) -> None:
    from tests.signing.test_envelopes import with_google

    with_google(office)
    envelope = office.envelopes.send(PM, *_ids(subscription(office, parallel=True)))
    window = tab(qtbot, office, BACK)
    view = window.envelopes
    assert view is not None
    view.table.selectRow(0)
    assert not view.buttons["drive"].isEnabled()  # out for signature: nothing to upload yet
    envelope = office.envelopes.sign(BACK, envelope.envelope_id, envelope.version, "s1", TYPED, "Known client")
    office.envelopes.sign(BACK, envelope.envelope_id, envelope.version, "s2", TYPED, "Known client")
    view.model.refresh()
    qtbot.waitUntil(lambda: view.model.data(view.model.index(0, 1)) == "Completed")
    view.table.selectRow(0)
    assert view.buttons["drive"].isEnabled()
    view.buttons["drive"].trigger()  # not connected: the service says how to connect; nothing queued
    assert office.ctx.store.collection("crm_outbox").count() == 0
    office.envelopes.google.connect(BACK)
    view.buttons["drive"].trigger()
    assert view.count_label.text() == "Queued 2 documents for the investor's Drive folder."
    assert office.ctx.store.collection("crm_outbox").count({"kind": "drive.upload"}) == 2
    officer_window = tab(qtbot, office, OFFICER)
    officer = officer_window.envelopes
    assert officer is not None
    officer.table.selectRow(0)
    assert not officer.buttons["drive"].isEnabled()  # may not use Google


def test_a_role_that_may_not_sign_opens_an_envelope_read_only(qtbot: QtBot, office: EnvelopeOffice) -> None:
    envelope = office.envelopes.send(PM, *_ids(subscription(office, parallel=True)))
    envelope = office.envelopes.sign(BACK, envelope.envelope_id, envelope.version, "s1", TYPED, "Known client")
    window = tab(qtbot, office, OFFICER)
    view = window.envelopes
    assert view is not None
    view.table.selectRow(0)
    view.open_selected()
    [reader] = view.findChildren(SigningView)
    assert reader.step.text() == "Your role may view this envelope, not conduct signatures."
    assert not reader.sign_button.isEnabled()
    assert reader.preview.position.text() == "Page 1 of 1"
    assert [e.action for e in office.envelopes.get(PM, envelope.envelope_id).events][-1] == "signed"  # no "viewed"


def test_an_empty_list_says_how_to_start_an_envelope(qtbot: QtBot, office: EnvelopeOffice) -> None:
    window = tab(qtbot, office, PM)
    view = window.envelopes
    assert view is not None
    assert view.model.rowCount() == 0
    assert view.detail.toPlainText().startswith("No envelopes yet.")
    assert "New from template…" in view.detail.toPlainText()
    subscription(office)
    view.reload()
    assert view.detail.toPlainText() == "Select an envelope to see its signers and events."
    view.search.setText("no such title")
    assert "No envelope matches the status and search chosen" in view.detail.toPlainText()
