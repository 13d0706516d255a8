"""The Signing tab: the envelopes (lazy list with status and text filters, what waits for whom, export), the
selected envelope's signers and events, and its actions (new from a template or a PDF, edit, sign, remind,
void, queue a completed one to Drive, save the current PDF or the certificate of completion); and the
validation panel for any PDF.

Loads and changes run in the background runner through ``EnvelopeService``; buttons follow the role's
permissions and the envelope's status, the service's checks are the ones that count."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableView,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from fidus_desktop.domain.signing.envelopes import Envelope, EnvelopeStatus
from fidus_desktop.errors import UserError
from fidus_desktop.security.private_files import write_private
from fidus_desktop.services.envelopes import EnvelopeFilter, Reminders
from fidus_desktop.services.permissions import allowed
from fidus_desktop.services.personal_data import Locked
from fidus_desktop.services.signing import SigningPermission
from fidus_desktop.ui.common.buttons import enable
from fidus_desktop.ui.common.keys import enter_opens, find_goes_to, refresh_on_f5
from fidus_desktop.ui.common.lazy_table import Column, LazyTableModel
from fidus_desktop.ui.common.table_export import TableExport
from fidus_desktop.ui.errors import show_error
from fidus_desktop.ui.session import UiSession
from fidus_desktop.ui.signing.certificate_panel import CertificatePanel
from fidus_desktop.ui.signing.dialogs import CHANGES, PdfEnvelopeDialog, ReasonDialog, TemplateEnvelopeDialog
from fidus_desktop.ui.signing.editor import EnvelopeEditor
from fidus_desktop.ui.signing.signing_view import SigningView
from fidus_desktop.ui.signing.validation_panel import ValidationPanel

RELOAD_ON = frozenset({"signing_envelope", "signed_agreement", "*"})


def waiting(envelope: Envelope, now: datetime, every: timedelta) -> str:
    """Who the envelope waits for, and whether a reminder is due."""
    names = ", ".join(s.name for s in envelope.waiting_for())
    return f"{names} (reminder due)" if names and envelope.reminders_due(now, every) else names


def columns(now: Callable[[], datetime], every: timedelta) -> list[Column[Envelope]]:
    return [
        Column("Title", lambda e: e.title),
        Column("Status", lambda e: e.status_at(now()).label),
        Column("Waiting for", lambda e: waiting(e, now(), every)),
        Column("Signed", lambda e: f"{sum(s.status.value == 'signed' for s in e.signers)} of {len(e.signers)}"),
        Column("Created", lambda e: f"{e.created_at:%Y-%m-%d}", value=lambda e: e.created_at.date()),
        Column("By", lambda e: e.created_by),
        Column("Expires", lambda e: f"{e.expires_at:%Y-%m-%d}" if e.expires_at else ""),
        Column("Reference", lambda e: e.reference),
    ]


class EnvelopesPanel(QWidget):
    def __init__(self, session: UiSession) -> None:
        super().__init__()
        self.setObjectName("signingEnvelopes")
        self.session = session
        envelopes, actor, role = session.services.envelopes, session.actor, session.actor.role
        self.status = QComboBox(objectName="envelopeStatusFilter")
        self.status.addItem("All statuses", None)
        for status in EnvelopeStatus:
            self.status.addItem(status.label, status)
        self.search = QLineEdit(objectName="envelopeSearch", placeholderText="Search titles")
        self.model: LazyTableModel[Envelope] = LazyTableModel(
            columns(envelopes.now, envelopes.reminder_every), count=lambda where: envelopes.count(actor, where),
            fetch=lambda where, sort, offset, limit, after: envelopes.page(actor, where, offset, limit),
            runner=session.runner, initial_filter=EnvelopeFilter())
        self.table = QTableView(objectName="envelopeTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.export = TableExport(self.table, "Envelopes", session.runner)
        self.count_label = QLabel(objectName="envelopeCount")
        self.detail = QPlainTextEdit(objectName="envelopeDetail", readOnly=True)
        may_edit, may_sign = allowed(role, SigningPermission.ENVELOPES), allowed(role, SigningPermission.SIGN)
        self.buttons: dict[str, QPushButton | QAction] = {
            name: QPushButton(text, objectName=f"envelope_{name}") for name, text in (
                ("template", "New from template…"), ("pdf", "New from PDF…"), ("edit", "Edit…"), ("sign", "Sign…"))}
        self.more = QToolButton(objectName="envelopeMore", text="More")
        self.more.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.more)
        for name, text in (("remind", "Remind the signers"), ("void", "Void…"), ("save", "Save the PDF…"),
                           ("certificate", "Save the certificate of completion…"), ("drive", "Queue to Drive")):
            self.buttons[name] = menu.addAction(text)
            self.buttons[name].setObjectName(f"envelope_{name}")
        self.more.setMenu(menu)
        self.permitted = {"template": may_edit, "pdf": may_edit, "edit": may_edit, "sign": may_sign,
                          "remind": may_edit, "void": allowed(role, SigningPermission.VOID), "save": True,
                          "certificate": True, "drive": allowed(role, "crm.google")}

        filters = QHBoxLayout()
        filters.addWidget(self.status)
        filters.addWidget(self.search, 1)
        filters.addWidget(self.count_label)
        filters.addWidget(self.export.button)
        actions = QHBoxLayout()
        for button in self.buttons.values():
            if isinstance(button, QPushButton):
                actions.addWidget(button)
        actions.addWidget(self.more)
        actions.addStretch(1)
        self.count_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        split = QSplitter()
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([860, 360])
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addLayout(actions)
        layout.addWidget(split, 1)

        self.status.currentIndexChanged.connect(self.reload)
        self.search.textChanged.connect(self.reload)
        self.model.loaded.connect(self._loaded)
        self.model.failed.connect(lambda exc: show_error(exc, self))
        self.table.selectionModel().selectionChanged.connect(self._selected)
        enter_opens(self.table, lambda _: self.open_selected())
        refresh_on_f5(self, self.reload)
        find_goes_to(self, lambda: self.search)
        for name, button in self.buttons.items():
            signal = button.clicked if isinstance(button, QPushButton) else button.triggered
            signal.connect(lambda _=False, n=name: getattr(self, n)())
        session.signals.data_changed.connect(self._changed)  # type: ignore[attr-defined]
        self._selected()
        self.reload()

    # -- loading -----------------------------------------------------------------------------------------
    def _changed(self, name: str) -> None:
        if name in RELOAD_ON:
            self.model.refresh()

    def reload(self) -> None:
        self.model.set_filter(EnvelopeFilter(status=self.status.currentData(), text=self.search.text()))

    def _loaded(self, total: int) -> None:
        due = sum(1 for row in range(self.model.rowCount()) if self.model.row_at(row).waiting_for())
        self.count_label.setText(f"{total:,} envelopes, {due} waiting for a signer")
        self._selected()

    def selected(self) -> Envelope | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows and rows[0].row() < self.model.rowCount() else None

    def _selected(self) -> None:
        envelope = self.selected()
        status = envelope.status_at(self.session.services.envelopes.now()) if envelope else None
        enabled = {
            "template": True, "pdf": True, "edit": status is EnvelopeStatus.DRAFT,
            "sign": status is not None and status.open, "remind": status is not None and status.open,
            "void": status is not None and (status.open or status is EnvelopeStatus.DRAFT),
            "save": envelope is not None and bool(envelope.documents),
            "certificate": status is EnvelopeStatus.COMPLETED,
            "drive": status is EnvelopeStatus.COMPLETED and bool(envelope and envelope.investor_id),
        }
        state = "Select an envelope first." if envelope is None else f"Not possible while the envelope is {status}."
        for name, button in self.buttons.items():
            enable(button, "Your role may not do this." if not self.permitted[name] else
                   "" if enabled[name] else state)
        self.detail.setPlainText(describe(envelope) if envelope else self._nothing_selected())

    def _nothing_selected(self) -> str:
        """What the detail pane says with no envelope selected: how to start one when the list is empty."""
        if self.model.rowCount():
            return "Select an envelope to see its signers and events."
        if self.status.currentData() is not None or self.search.text().strip():
            return "No envelope matches the status and search chosen: choose All statuses or clear the search."
        who = ("Start one with New from template… or New from PDF…" if self.permitted["template"]
               else "A user who may prepare envelopes starts them")
        return ("No envelopes yet. An envelope sends documents to be signed to its signers, in order, and keeps "
                f"each signature, reminder and event; {who}.")

    # -- actions ---------------------------------------------------------------------------------------
    def template(self) -> None:
        self._new(TemplateEnvelopeDialog(self.session, self))

    def pdf(self) -> None:
        self._new(PdfEnvelopeDialog(self.session, self))

    def _new(self, dialog: Any) -> None:
        dialog.finished.connect(lambda _: dialog.result_value is not None and self.edit(dialog.result_value))
        dialog.open()

    def open_selected(self) -> None:
        envelope = self.selected()
        if envelope is None:
            return
        if envelope.status is EnvelopeStatus.DRAFT and self.permitted["edit"]:
            self.edit(envelope)
        elif envelope.documents:  # the signing view; read-only unless the envelope waits for a signer
            SigningView(self.session, envelope, self).open()

    def edit(self, envelope: Envelope | None = None) -> None:
        envelope = envelope or self.selected()
        if envelope is not None:
            editor = EnvelopeEditor(self.session, envelope, self)
            editor.open()

    def sign(self) -> None:
        envelope = self.selected()
        if envelope is not None:
            SigningView(self.session, envelope, self).open()

    def remind(self) -> None:
        envelope, envelopes, actor = self.selected(), self.session.services.envelopes, self.session.actor
        if envelope is None:
            return
        self.session.runner.submit(lambda: envelopes.remind(actor, envelope.envelope_id, envelope.version),
                                   owner=self, changes=CHANGES | {"crm_outbox"}, on_done=self._reminded)

    def _reminded(self, result: Reminders) -> None:
        self.count_label.setText(result.message())

    def drive(self) -> None:
        envelope, envelopes, actor = self.selected(), self.session.services.envelopes, self.session.actor
        if envelope is None:
            return
        self.session.runner.submit(lambda: envelopes.upload_to_drive(actor, envelope.envelope_id), owner=self,
                                   changes=("crm_outbox",), on_done=lambda done: self.count_label.setText(
                                       done.message()))

    def void(self) -> None:
        envelope, envelopes, actor = self.selected(), self.session.services.envelopes, self.session.actor
        if envelope is None:
            return
        ReasonDialog(self.session, "Void the envelope", "Void",
                     lambda reason: envelopes.void(actor, envelope.envelope_id, envelope.version, reason),
                     self).open()

    def choose_target(self, suggested: str) -> Path | None:
        """Ask where to save (a method of its own so tests can answer it)."""
        path, _ = QFileDialog.getSaveFileName(self, "Save as", str(Path.home() / suggested), "PDF files (*.pdf)")
        return Path(path) if path else None

    def save(self) -> None:
        envelope = self.selected()
        if envelope is not None:
            self._save(envelope, certificate=False)

    def certificate(self) -> None:
        envelope = self.selected()
        if envelope is not None:
            self._save(envelope, certificate=True)

    def _save(self, envelope: Envelope, *, certificate: bool) -> None:
        name = f"{'certificate ' if certificate else ''}{envelope.title} {envelope.reference}.pdf"
        target = self.choose_target(name.replace("/", "-").replace("·", "-"))
        if target is None:
            return
        envelopes, actor = self.session.services.envelopes, self.session.actor

        def job() -> int:
            data = (envelopes.certificate(actor, envelope.envelope_id) if certificate
                    else envelopes.document_pdf(actor, envelope.envelope_id, 0))
            if isinstance(data, Locked):
                raise UserError(data.reason)
            write_private(target, data)
            return len(data)

        self.session.runner.submit(job, owner=self, on_done=lambda size: self.count_label.setText(
            f"Saved {target.name} ({size:,} bytes)."))


def describe(envelope: Envelope) -> str:
    """The selected envelope in words: documents with their hashes, signers with what each did, the events."""
    lines = [envelope.title, f"{envelope.status.label} · {envelope.kind.value.replace('_', ' ')} · "
                             f"id {envelope.envelope_id}"]
    if envelope.reason:
        lines.append(f"Reason: {envelope.reason}")
    lines.append("")
    lines += [f"Document {d.name}: {d.pages} pages, SHA-256 {d.sha256_current[:16]}…" for d in envelope.documents]
    waiting = {s.key for s in envelope.waiting_for()}
    lines.append("")
    for signer in envelope.signers:
        state = ("signs now" if signer.key in waiting else
                 f"signed {signer.signed_at:%Y-%m-%d %H:%M} UTC ({signer.identity_check})" if signer.signed_at else
                 f"declined: {signer.declined_reason}" if signer.declined_reason else "waits")
        lines.append(f"{signer.order}. {signer.name} ({signer.role.value.replace('_', ' ')}): {state}")
    lines.append("")
    lines += [f"{e.at:%Y-%m-%d %H:%M} UTC  {e.action} by {e.by}" + (f" ({e.detail})" if e.detail else "")
              for e in envelope.events]
    return "\n".join(lines)


class SigningTab(QTabWidget):
    def __init__(self, session: UiSession) -> None:
        super().__init__()
        self.setObjectName("signingTab")
        self.envelopes: EnvelopesPanel | None = None
        if allowed(session.actor.role, SigningPermission.READ):
            self.envelopes = EnvelopesPanel(session)
            self.addTab(self.envelopes, "Envelopes")
        self.validation = ValidationPanel(session)
        self.addTab(self.validation, "Validate a PDF")
        self.certificate = CertificatePanel(session)
        self.addTab(self.certificate, "Office certificate")


def signing_tab(session: UiSession) -> QWidget:
    return SigningTab(session)
