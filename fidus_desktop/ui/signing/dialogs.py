"""Small envelope dialogs: a new envelope from a template or from a PDF, and a reason to void one.

Each runs its one service call in the worker (``ServiceFormDialog``); what the service refuses appears under
the field it is about. The choices (investors, share classes) are loaded in the worker when the dialog opens.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QLineEdit, QPushButton, QSpinBox, QWidget

from fidus_desktop.domain.signing.envelopes import EnvelopeKind
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.envelopes import SignerInput
from fidus_desktop.ui.admin.form_dialog import ServiceFormDialog
from fidus_desktop.ui.common.editors import DateEdit, DecimalEdit
from fidus_desktop.ui.session import UiSession

CHANGES = frozenset({"signing_envelope"})
TEMPLATES = {"subscription_agreement": "Subscription agreement", "redemption_request": "Redemption request",
             "kyc_declaration": "KYC self-declaration"}


def _choices(session: UiSession, owner: QWidget, investors: QComboBox, classes: QComboBox | None = None) -> None:
    """Fill the investor (and share class) choices in the worker."""
    portfolio, actor = session.services.portfolio, session.actor

    def load() -> tuple[list[Any], list[Any]]:
        return (portfolio.investors.page(actor, limit=1000),
                portfolio.funds.list_classes(actor) if classes is not None else [])

    def show(loaded: tuple[list[Any], list[Any]]) -> None:
        for investor in loaded[0]:
            investors.addItem(f"{investor.number} {investor.name}", investor)
        if classes is not None:
            for share_class in loaded[1]:
                classes.addItem(f"{share_class.code} ({share_class.currency})", share_class.class_id)

    session.runner.submit(load, owner=owner, key="choices", on_done=show)


class TemplateEnvelopeDialog(ServiceFormDialog):
    """An agreement rendered from its template for an investor, with the investor and an office signatory (and
    optionally a witness) as signers, in that order."""

    changes = CHANGES

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(session, "New envelope from a template", "Create", parent)
        self.template = self.add_field("template", "Template", QComboBox())
        for key, title in TEMPLATES.items():
            self.template.addItem(title, key)
        self.investor = self.add_field("investor", "Investor", QComboBox())
        self.share_class = self.add_field("class", "Share class", QComboBox())
        self.amount = self.add_field("amount", "Amount", DecimalEdit(places=2, optional=True))
        self.units = self.add_field("units", "Units (redemption)", DecimalEdit(optional=True))
        self.office_signatory = self.add_field("office_signatory", "Office signatory", QLineEdit())
        self.witness = self.add_field("witness", "Witness (optional)", QLineEdit())
        self.expires = self.add_field("expires_on", "Expires on", DateEdit(optional=True))
        self.office_signatory.setText(session.actor.username)
        _choices(session, self, self.investor, self.share_class)

    def local_problems(self) -> dict[str, str]:
        return {} if self.investor.currentData() is not None else {"investor": "Choose the investor."}

    def call(self) -> Any:
        investor = self.investor.currentData()
        signers = [SignerInput(investor.name, investor.email or "", "investor", 1)]
        if self.office_signatory.text().strip():
            signers.append(SignerInput(self.office_signatory.text(), "", "office_signatory", 2))
        if self.witness.text().strip():
            signers.append(SignerInput(self.witness.text(), "", "witness", 3))
        return self.session.services.envelopes.create_from_template(
            self.session.actor, self.template.currentData(), investor.investor_id, signers,
            class_id=self.share_class.currentData(), amount=self.amount.plain() or None,
            units=self.units.plain() or None, expires_on=self.expires.date())


class PdfEnvelopeDialog(ServiceFormDialog):
    """A draft holding an uploaded PDF; its signers and fields are added in the editor."""

    changes = CHANGES

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(session, "New envelope from a PDF", "Create", parent)
        self.title = self.add_field("title", "Title", QLineEdit())
        row = QWidget()
        self.path = QLineEdit(objectName="pdfPath")
        browse = QPushButton("Choose…", objectName="pdfBrowse")
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.path, 1)
        layout.addWidget(browse)
        self.add_field("pdf", "PDF", row)
        self.kind = self.add_field("kind", "Kind", QComboBox())
        for kind in EnvelopeKind:
            self.kind.addItem(kind.value.replace("_", " ").capitalize(), kind.value)
        self.kind.setCurrentIndex(list(EnvelopeKind).index(EnvelopeKind.OTHER))
        self.investor = self.add_field("investor", "Investor", QComboBox())
        self.investor.addItem("— none —", None)
        self.expires = self.add_field("expires_on", "Expires on", DateEdit(optional=True))
        browse.clicked.connect(self._browse)
        _choices(session, self, self.investor)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose the PDF to send", "", "PDF files (*.pdf)")
        if path:
            self.path.setText(path)
            if not self.title.text():
                self.title.setText(Path(path).stem)

    def local_problems(self) -> dict[str, str]:
        return {} if self.path.text().strip() else {"pdf": "Choose the PDF to send."}

    def call(self) -> Any:
        envelopes, actor, path = self.session.services.envelopes, self.session.actor, Path(self.path.text().strip())
        investor = self.investor.currentData()
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ValidationError({"pdf": f"Cannot read {path}: {exc.strerror or exc}."}) from exc
        envelope = envelopes.create(actor, self.title.text(), self.kind.currentData(),
                                    investor.investor_id if investor else None, self.expires.date())
        return envelopes.add_document(actor, envelope.envelope_id, envelope.version, path.name, data)


class ReasonDialog(ServiceFormDialog):
    """Void an envelope, or record a signer's decline: both need a reason."""

    changes = CHANGES

    def __init__(self, session: UiSession, title: str, ok_text: str, action: Any,
                 parent: QWidget | None = None) -> None:
        super().__init__(session, title, ok_text, parent)
        self.action = action
        self.reason = self.add_field("reason", "Reason", QLineEdit())

    def call(self) -> Any:
        return self.action(self.reason.text())


class SignerFields(QWidget):
    """Name, e-mail, role and order of a signer to add (the editor's signer form)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = QLineEdit(objectName="signerName", placeholderText="Name")
        self.email = QLineEdit(objectName="signerEmail", placeholderText="E-mail (optional)")
        self.role = QComboBox(objectName="signerRole")
        for role in ("investor", "office_signatory", "witness"):
            self.role.addItem(role.replace("_", " "), role)
        self.order = QSpinBox(objectName="signerOrder", minimum=1, maximum=20)
        self.order.setToolTip("Signers with the same number sign in parallel; higher numbers wait for lower ones")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.name, self.email, self.role, self.order):
            layout.addWidget(widget)

    def signer(self) -> SignerInput:
        return SignerInput(self.name.text(), self.email.text(), self.role.currentData(), self.order.value())
