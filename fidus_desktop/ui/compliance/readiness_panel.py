"""Investment readiness in the investor's KYC file: ready or not and why, the signed agreement, the override.

The facts and the rule are ``ReadinessService``'s (the same that refuses new units); this page shows them and
offers what an officer may do next: record a subscription agreement signed on paper, ask for an override, and,
as a second officer, confirm or revoke it. The buttons follow the permissions and four eyes (the officer who
asked for an override is not offered its confirmation and is told why); the service checks the same again."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from fidus_desktop.services.compliance.permissions import KycPermission
from fidus_desktop.services.compliance.readiness import MIN_REASON, OVERRIDE_MAX_DAYS, InvestorReadiness
from fidus_desktop.services.documents import StoredDocument
from fidus_desktop.services.permissions import allowed
from fidus_desktop.ui.admin.form_dialog import ServiceFormDialog
from fidus_desktop.ui.common.buttons import enable
from fidus_desktop.ui.common.editors import DateEdit
from fidus_desktop.ui.errors import show_error
from fidus_desktop.ui.session import UiSession

READINESS_CHANGES = frozenset({"investor_readiness"})
READY_COLOUR, NOT_READY_COLOUR = "#2e7d32", "#b00020"


def readiness_word(view: InvestorReadiness | None) -> str:
    """"Ready", "Ready (override)" or "Not ready" for a list cell; "" while unknown."""
    if view is None:
        return ""
    if view.ready:
        return "Ready (override)" if view.readiness.overridden else "Ready"
    return "Not ready"


def readiness_verdict(view: InvestorReadiness) -> str:
    if not view.ready:
        return "Not ready to invest"
    return "Ready to invest by override" if view.readiness.overridden else "Ready to invest"


def readiness_tip(view: InvestorReadiness | None) -> str | None:
    """What keeps the investor from investing, one reason a line (or what an override covers)."""
    if view is None:
        return None
    if not view.ready:
        return "Not ready to invest:\n" + "\n".join(f"• {reason}" for reason in view.readiness.blocking)
    if view.readiness.overridden:
        return view.readiness.summary()
    return "Ready to invest: KYC approved and current, no open alert, agreement signed."


def readiness_html(view: InvestorReadiness) -> str:
    """The page's summary: the verdict in colour, the reasons, the agreement and the override."""
    readiness, override = view.readiness, view.readiness.override
    colour = READY_COLOUR if view.ready else NOT_READY_COLOUR
    lines = [f"<span style='color:{colour}'><b>{readiness_verdict(view)}</b></span>"]
    if readiness.blocking:
        lines.append("What keeps the investor from investing:<ul>"
                     + "".join(f"<li>{reason}</li>" for reason in readiness.blocking) + "</ul>")
    elif readiness.overridden:
        lines.append("The override covers: " + "; ".join(readiness.gaps) + ".")
    lines.append(f"Signed subscription agreement received on {view.agreement_received}" if view.agreement_received
                 else "No signed subscription agreement recorded (signed in Signing, or on paper: record it here).")
    if override is not None:
        state = (f"confirmed by {override.confirmed_by}" if override.confirmed_by
                 else "<b>awaits a second officer</b>")
        lines.append(f"Override asked by {override.requested_by} until {override.expires_on}, {state}: "
                     f"{override.reason}")
    return "<br>".join(lines)


class ReadinessPanel(QWidget):
    """The Readiness page of the KYC file; ``show_readiness`` fills it, the actions run in the worker."""

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("readinessPage")
        self.session = session
        self.view: InvestorReadiness | None = None
        self.documents: tuple[StoredDocument, ...] = ()
        self.dialog: ServiceFormDialog | None = None
        self.may_manage = allowed(session.actor.role, KycPermission.MANAGE)
        self.may_approve = allowed(session.actor.role, KycPermission.APPROVE)
        self.summary = QLabel(objectName="readinessSummary", wordWrap=True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons: dict[str, QPushButton] = {}
        bar = QHBoxLayout()
        for name, text, handler in (("agreement", "Record paper a&greement…", self.record_agreement),
                                    ("request", "Re&quest override…", self.request_override),
                                    ("confirm", "Con&firm override", self.confirm_override),
                                    ("revoke", "Re&voke override…", self.revoke_override)):
            button = QPushButton(text, objectName=f"readiness_{name}")
            button.clicked.connect(handler)
            bar.addWidget(button)
            self.buttons[name] = button
        bar.addStretch()
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.summary)
        layout.addStretch()
        self.show_readiness(None)

    def show_readiness(self, view: InvestorReadiness | None, documents: tuple[StoredDocument, ...] = ()) -> None:
        self.view, self.documents = view, documents
        self.summary.setText(readiness_html(view) if view else "")
        self._enable()

    def _enable(self) -> None:
        view = self.view
        override = view.readiness.override if view else None
        pending = view is not None and view.override_pending
        mine = pending and override is not None and override.requested_by == self.session.actor.username
        sanctioned = view is not None and any("sanctions match" in r for r in view.readiness.blocking)
        chosen = "Select an investor first." if view is None else ""
        enable(self.buttons["agreement"], chosen or ("" if self.may_manage else "Your role may not edit KYC files."))
        self.buttons["request"].setEnabled(view is not None and self.may_approve and not view.ready and not pending
                                           and not sanctioned)
        self.buttons["request"].setToolTip(
            "A confirmed sanctions match cannot be overridden." if sanctioned else
            "Ask for an override with a reason and an expiry; a second officer confirms it (four eyes).")
        self.buttons["confirm"].setEnabled(pending and self.may_approve and not mine)
        self.buttons["confirm"].setToolTip(
            "You asked for this override: a second officer confirms it (four eyes)." if mine else
            "Put the override another officer asked for in force (four eyes).")
        enable(self.buttons["revoke"], chosen or ("Your role may not decide overrides." if not self.may_approve else
                                                  "" if override is not None else "No override is in force."))

    def _open(self, dialog: ServiceFormDialog) -> None:
        self.dialog = dialog
        dialog.open()

    def record_agreement(self) -> None:
        if self.view is not None:
            self._open(AgreementDialog(self.session, self.view, self.documents, self))

    def request_override(self) -> None:
        if self.view is not None:
            self._open(OverrideDialog(self.session, self.view, self))

    def revoke_override(self) -> None:
        if self.view is not None:
            self._open(RevokeDialog(self.session, self.view, self))

    def confirm_override(self) -> None:
        if self.view is None:
            return
        readiness, actor, investor_id = self.session.services.readiness, self.session.actor, \
            self.view.investor.investor_id
        self.session.runner.submit(lambda: readiness.confirm_override(actor, investor_id), owner=self,
                                   on_error=lambda exc: show_error(exc, self), changes=READINESS_CHANGES)


class AgreementDialog(ServiceFormDialog):
    """The date a subscription agreement signed on paper was received, optionally with its stored scan."""

    changes = READINESS_CHANGES

    def __init__(self, session: UiSession, view: InvestorReadiness, documents: tuple[StoredDocument, ...],
                 parent: QWidget | None = None) -> None:
        super().__init__(session, f"Signed agreement of {view.investor.name}", "&Record", parent)
        self.view = view
        self.received_on = self.add_field("received_on", "Received on", DateEdit(session.today()))
        self.document = self.add_field("document", "Stored scan", QComboBox())
        self.document.addItem("None", None)
        for doc in documents:
            self.document.addItem(f"{doc.name} (stored {doc.uploaded_at:%Y-%m-%d})", doc.document_id)

    def call(self) -> Any:
        readiness, actor = self.session.services.readiness, self.session.actor
        return readiness.record_agreement(actor, self.view.investor.investor_id, self.received_on.iso(),
                                          self.document.currentData())


def _reason_field(dialog: ServiceFormDialog, hint: str) -> QPlainTextEdit:
    reason = dialog.add_field("reason", "Reason", QPlainTextEdit())
    reason.setPlaceholderText(hint)
    reason.setFixedHeight(dialog.fontMetrics().lineSpacing() * 4)
    return reason


class OverrideDialog(ServiceFormDialog):
    """Ask for an override: the reason and the day it lapses (a second officer puts it in force)."""

    changes = READINESS_CHANGES

    def __init__(self, session: UiSession, view: InvestorReadiness, parent: QWidget | None = None) -> None:
        super().__init__(session, f"Override readiness of {view.investor.name}", "Re&quest override", parent)
        self.view = view
        covers = QLabel("It would cover: " + "; ".join(view.readiness.gaps) + ".", wordWrap=True)
        self.form.addRow("", covers)
        self.reason = _reason_field(self, f"Why the investor may invest before the file is complete "
                                          f"(at least {MIN_REASON} characters; audited)")
        self.expires_on = self.add_field("expires_on", "Lapses on", DateEdit())
        self.expires_on.setToolTip(f"At most {OVERRIDE_MAX_DAYS} days ahead: an override is a bridge, not a status.")

    def local_problems(self) -> dict[str, str]:
        if len(self.reason.toPlainText().strip()) < MIN_REASON:
            return {"reason": f"Say why (at least {MIN_REASON} characters): the override is audited."}
        return {}

    def call(self) -> Any:
        readiness, actor = self.session.services.readiness, self.session.actor
        return readiness.request_override(actor, self.view.investor.investor_id, self.reason.toPlainText(),
                                          self.expires_on.iso())


class RevokeDialog(ServiceFormDialog):
    """End an override (asked or in force) before it lapses, with a reason."""

    changes = READINESS_CHANGES

    def __init__(self, session: UiSession, view: InvestorReadiness, parent: QWidget | None = None) -> None:
        super().__init__(session, f"Revoke the override of {view.investor.name}", "Re&voke", parent)
        self.view = view
        self.reason = _reason_field(self, "Why the override ends now (audited)")

    def local_problems(self) -> dict[str, str]:
        return {} if self.reason.toPlainText().strip() else {"reason": "Say why: the revocation is audited."}

    def call(self) -> Any:
        readiness, actor = self.session.services.readiness, self.session.actor
        return readiness.revoke_override(actor, self.view.investor.investor_id, self.reason.toPlainText())
