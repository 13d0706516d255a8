"""One investor: number, name, kind, e-mail and the sealed personal fields, with an audited Reveal per field.

Opened by double-clicking a row of the Portfolio tab's investors table. Sensitive fields show "••••" until
Reveal is clicked; the reveal runs in the worker through ``InvestorService.reveal``, which checks
``personal_data.read`` and writes the ``personal_data.read`` audit entry. A workstation without the data key
shows "🔒 locked — enrol this workstation" and offers no Reveal. The body is a ``QTabWidget`` (``self.tabs``)
so other features can add tabs next to "Details".
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from fidus_desktop.services.permissions import Permission, allowed
from fidus_desktop.services.personal_data import Locked
from fidus_desktop.services.portfolio.investors import SENSITIVE_FIELDS, SENSITIVE_LABELS, Investor, InvestorDetails
from fidus_desktop.ui.admin.form_dialog import ServiceFormDialog
from fidus_desktop.ui.errors import describe_error
from fidus_desktop.ui.portfolio.documents_panel import DocumentsPanel
from fidus_desktop.ui.session import UiSession

HIDDEN = "••••"
NOT_ON_FILE = "—"
NOUNS = {name: label.removeprefix("The ") for name, label in SENSITIVE_LABELS.items()}  # "tax ID", "IBAN"
LABELS = {name: noun[0].upper() + noun[1:] for name, noun in NOUNS.items()}


class InvestorDialog(QDialog):
    """The investor's details; personal fields stay hidden until revealed one at a time."""

    def __init__(self, session: UiSession, investor_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.investor_id = investor_id
        self.details: InvestorDetails | None = None
        self.editor: InvestorEditDialog | None = None
        self.setObjectName("investorDialog")
        self.setWindowTitle("Investor")
        self.tabs = QTabWidget()
        self.tabs.addTab(self._details_page(), "Details")
        self.tabs.addTab(DocumentsPanel(session, "investor", investor_id), "Documents")
        self.message = QLabel()
        self.message.setObjectName("investorMessage")
        self.message.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.load()

    def _details_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.fields: dict[str, QLabel] = {}
        for name, label in (("number", "Number"), ("name", "Name"), ("kind", "Kind"), ("email", "E-mail")):
            self.fields[name] = QLabel(objectName=f"{name}_value")
            form.addRow(label, self.fields[name])
        self.reveal_buttons: dict[str, QPushButton] = {}
        may_reveal = allowed(self.session.actor.role, Permission.PERSONAL_DATA_READ)
        for name in SENSITIVE_FIELDS:
            self.fields[name] = QLabel(objectName=f"{name}_value")
            button = QPushButton("Reveal", objectName=f"{name}_reveal")
            button.setToolTip("Shows the value; the reading is recorded in the audit log."
                              if may_reveal else "Your role may not read personal data (personal_data.read).")
            button.clicked.connect(lambda _=False, field=name: self.reveal(field))
            button.hide()
            self.reveal_buttons[name] = button
            row = QHBoxLayout()
            row.addWidget(self.fields[name], 1)
            row.addWidget(button)
            form.addRow(LABELS[name], row)
        self.edit_button = QPushButton("Edit…", objectName="edit")
        self.edit_button.setEnabled(allowed(self.session.actor.role, Permission.INVESTORS_MANAGE))
        self.edit_button.clicked.connect(self.open_editor)
        form.addRow("", self.edit_button)
        return page

    # -- loading ------------------------------------------------------------------------------------
    def load(self) -> None:
        investors, actor, investor_id = self.session.services.portfolio.investors, self.session.actor, self.investor_id
        self.session.runner.submit(lambda: investors.details(actor, investor_id), on_done=self._show,
                                   on_error=self._failed)

    def _show(self, details: InvestorDetails) -> None:
        self.details = details
        investor = details.investor
        self.setWindowTitle(f"Investor {investor.number} — {investor.name}")
        for name, text in (("number", investor.number), ("name", investor.name),
                           ("kind", investor.kind.capitalize()), ("email", investor.email or NOT_ON_FILE)):
            self.fields[name].setText(text)
        may_reveal = allowed(self.session.actor.role, Permission.PERSONAL_DATA_READ)
        for name in SENSITIVE_FIELDS:
            on_file, locked = name in details.sealed, details.sealed.get(name)
            self.fields[name].setText(str(locked) if locked else HIDDEN if on_file else NOT_ON_FILE)
            button = self.reveal_buttons[name]
            button.setVisible(on_file and locked is None)
            button.setEnabled(may_reveal)

    def _failed(self, exc: BaseException) -> None:
        self.message.setText(describe_error(exc))

    # -- actions ------------------------------------------------------------------------------------
    def reveal(self, name: str) -> None:
        """Decrypt one field in the worker (the service audits the reading)."""
        investors, actor, investor_id = self.session.services.portfolio.investors, self.session.actor, self.investor_id
        self.reveal_buttons[name].setEnabled(False)
        self.session.runner.submit(lambda: investors.reveal(actor, investor_id, name),
                                   on_done=lambda value: self._revealed(name, value),
                                   on_error=lambda exc: self._reveal_failed(name, exc))

    def _revealed(self, name: str, value: str | Locked | None) -> None:
        self.fields[name].setText(NOT_ON_FILE if value is None else str(value))
        self.fields[name].setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reveal_buttons[name].hide()

    def _reveal_failed(self, name: str, exc: BaseException) -> None:
        self.reveal_buttons[name].setEnabled(True)
        self._failed(exc)

    def open_editor(self) -> None:
        if self.details is None:
            return
        self.editor = InvestorEditDialog(self.session, self.details, self)
        self.editor.accepted.connect(self._edited)
        self.editor.open()

    def _edited(self) -> None:
        self.session.signals.data_changed.emit("investor")
        self.message.setText("Saved.")
        self.load()


class InvestorEditDialog(ServiceFormDialog):
    """Name, e-mail and personal fields in one audited change. A blank personal field stays as it is;
    "Remove" clears one on file. Problems appear under their field and nothing is saved."""

    def __init__(self, session: UiSession, details: InvestorDetails, parent: QWidget | None = None) -> None:
        super().__init__(session, f"Edit investor {details.investor.number}", "Save", parent)
        self.investor: Investor = details.investor
        self.name = self.add_field("name", "Name", QLineEdit(self.investor.name))
        self.email = self.add_field("email", "E-mail", QLineEdit(self.investor.email or ""))
        self.personal: dict[str, QLineEdit] = {}
        self.remove: dict[str, QCheckBox] = {}
        for name in SENSITIVE_FIELDS:
            on_file = name in details.sealed
            edit = QLineEdit()
            edit.setPlaceholderText(f"{HIDDEN} on file: type to replace" if on_file else "not on file")
            if name == "date_of_birth" and not on_file:
                edit.setPlaceholderText("YYYY-MM-DD")
            self.personal[name] = self.add_field(name, LABELS[name], edit)
            if on_file:
                self.remove[name] = QCheckBox("Remove", objectName=f"{name}_clear")
                self.form.addRow("", self.remove[name])

    def local_problems(self) -> dict[str, str]:
        return {name: f"Type a new {NOUNS[name]} or tick Remove, not both."
                for name, box in self.remove.items() if box.isChecked() and self.personal[name].text().strip()}

    def call(self) -> Investor:
        personal: dict[str, str | None] = {name: edit.text() for name, edit in self.personal.items()
                                           if edit.text().strip()}
        personal.update({name: None for name, box in self.remove.items() if box.isChecked()})
        email = self.email.text().strip()
        return self.session.services.portfolio.investors.update_investor(
            self.session.actor, self.investor.investor_id, self.investor.version, name=self.name.text(),
            email=email or None, personal=personal)
