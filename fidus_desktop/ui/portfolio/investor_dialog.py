"""One investor: number, name, kind, e-mail and the sealed personal fields, with an audited Reveal per field.

Opened by double-clicking a row of the Portfolio tab's investors table. Sensitive fields show "••••" until
Reveal is clicked; the reveal runs in the worker through ``InvestorService.reveal``, which checks
``personal_data.read`` and writes the ``personal_data.read`` audit entry. A workstation without the data key
shows "🔒 locked — enrol this workstation" and offers no Reveal. The body is a ``QTabWidget`` (``self.tabs``)
so other features can add tabs next to "Details"; "Holdings" (per class, with the investor's own time- and
money-weighted returns) and "Transactions" come from ``statements.investor_overview``.

"End relationship…" (only for roles with ``investors.manage``; the service checks it too) records the last day
of the business relationship through ``InvestorService.end_relationship``. The KYC retention period counts
from it: the record is kept ``privacy.kyc_retention_years`` after it, then a data-protection erasure removes
it. The dialog shows that day and the "erasable from" date ``PersonalDataService.erasable_from`` computes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

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

from fidus_desktop.domain.countries import countries_text
from fidus_desktop.services.changes import INVESTOR
from fidus_desktop.services.compliance.readiness import InvestorReadiness
from fidus_desktop.services.permissions import Permission, allowed
from fidus_desktop.services.personal_data import KYC_RETENTION, Locked
from fidus_desktop.services.portfolio.investors import SENSITIVE_FIELDS, SENSITIVE_LABELS, Investor, InvestorDetails
from fidus_desktop.ui.admin.form_dialog import ServiceFormDialog
from fidus_desktop.ui.common.country_edit import country_edit, nationality_edit
from fidus_desktop.ui.common.editors import DateEdit
from fidus_desktop.ui.compliance.readiness_panel import readiness_tip, readiness_verdict
from fidus_desktop.ui.errors import describe_error
from fidus_desktop.ui.portfolio.documents_panel import DocumentsPanel
from fidus_desktop.ui.portfolio.investor_position import InvestorPositionPages
from fidus_desktop.ui.session import UiSession

HIDDEN = "••••"
NOT_ON_FILE = "—"
NOUNS = {name: label.removeprefix("The ") for name, label in SENSITIVE_LABELS.items()}  # "tax ID", "IBAN"
LABELS = {name: noun[0].upper() + noun[1:] for name, noun in NOUNS.items()}
ONGOING = "ongoing"
KEPT_WHILE_ONGOING = "kept while the relationship lasts"


@dataclass(frozen=True)
class InvestorView:
    """What the dialog shows, read in the worker: the details and the KYC retention that applies."""

    details: InvestorDetails
    retention_years: int
    erasable_from: date | None  # None while the relationship lasts
    readiness: InvestorReadiness | None = None  # None for a role that may not read it (a client)


class InvestorDialog(QDialog):
    """The investor's details; personal fields stay hidden until revealed one at a time."""

    def __init__(self, session: UiSession, investor_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.investor_id = investor_id
        self.details: InvestorDetails | None = None
        self.retention_years: int | None = None
        self.editor: InvestorEditDialog | EndRelationshipDialog | None = None
        self.setObjectName("investorDialog")
        self.setWindowTitle("Investor")
        self.tabs = QTabWidget()
        self.tabs.addTab(self._details_page(), "Details")
        self.position = InvestorPositionPages(session, investor_id, self)
        self.tabs.addTab(self.position.holdings_page, "Holdings")
        self.tabs.addTab(self.position.transactions_page, "Transactions")
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
        self.resize(960, 540)  # the holdings and transactions tables show their columns
        self.load()
        self.position.load()

    def _details_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.fields: dict[str, QLabel] = {}
        for name, label in (("number", "Number"), ("name", "Name"), ("kind", "Kind"), ("email", "E-mail"),
                            ("nationalities", "Nationality"), ("residence_country", "Residence"),
                            ("incorporation_country", "Incorporated in")):
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
        self.fields["readiness"] = QLabel(objectName="readiness_value", wordWrap=True)
        form.addRow("Ready to invest", self.fields["readiness"])
        for name, label in (("relationship_ended_on", "Relationship ended"), ("erasable_from", "Erasable from")):
            self.fields[name] = QLabel(objectName=f"{name}_value")
            form.addRow(label, self.fields[name])
        may_manage = allowed(self.session.actor.role, Permission.INVESTORS_MANAGE)
        self.edit_button = QPushButton("Edit…", objectName="edit")
        self.edit_button.setEnabled(may_manage)
        self.edit_button.clicked.connect(self.open_editor)
        self.end_button = QPushButton("End relationship…", objectName="end_relationship")
        self.end_button.setToolTip("Records the last day; the KYC retention period counts from it.")
        self.end_button.setVisible(may_manage)
        self.end_button.setEnabled(False)  # until the investor is loaded
        self.end_button.clicked.connect(self.open_end_relationship)
        actions = QHBoxLayout()
        actions.addWidget(self.edit_button)
        actions.addWidget(self.end_button)
        actions.addStretch(1)
        form.addRow("", actions)
        return page

    # -- loading ------------------------------------------------------------------------------------
    def load(self) -> None:
        investors, privacy = self.session.services.portfolio.investors, self.session.services.personal_data
        readiness, actor, investor_id = self.session.services.readiness, self.session.actor, self.investor_id
        with_readiness = allowed(actor.role, Permission.INVESTORS_READ)

        def read() -> InvestorView:
            details = investors.details(actor, investor_id)
            ended = details.investor.relationship_ended_on
            return InvestorView(details, privacy.retention_years(KYC_RETENTION),
                                None if ended is None else privacy.erasable_from(KYC_RETENTION, ended),
                                readiness.readiness(actor, investor_id) if with_readiness else None)

        self.session.runner.submit(read, owner=self, key="load", on_done=self._show, on_error=self._failed)

    def _show(self, view: InvestorView) -> None:
        self.details, self.retention_years = view.details, view.retention_years
        details, investor = view.details, view.details.investor
        self.setWindowTitle(f"Investor {investor.number} — {investor.name}")
        for name, text in (("number", investor.number), ("name", investor.name),
                           ("kind", investor.kind.capitalize()), ("email", investor.email or NOT_ON_FILE),
                           ("nationalities", countries_text(investor.nationalities) or NOT_ON_FILE),
                           ("residence_country", countries_text(filter(None, [investor.residence_country]))
                            or NOT_ON_FILE),
                           ("incorporation_country", countries_text(filter(None, [investor.incorporation_country]))
                            or NOT_ON_FILE),
                           ("relationship_ended_on", investor.relationship_ended_on.isoformat()
                            if investor.relationship_ended_on else ONGOING),
                           ("erasable_from", view.erasable_from.isoformat() if view.erasable_from
                            else KEPT_WHILE_ONGOING)):
            self.fields[name].setText(text)
        ready = view.readiness
        self.fields["readiness"].setText("" if ready is None else readiness_verdict(ready) + (
            ": " + "; ".join(ready.readiness.blocking) if ready.readiness.blocking else ""))
        self.fields["readiness"].setToolTip(readiness_tip(ready) or "")
        self.end_button.setEnabled(True)
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
        self.session.runner.submit(lambda: investors.reveal(actor, investor_id, name), owner=self,
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

    def open_end_relationship(self) -> None:
        if self.details is None or self.retention_years is None:
            return
        self.editor = EndRelationshipDialog(self.session, self.details.investor, self.retention_years, self)
        self.editor.accepted.connect(self._edited)
        self.editor.open()

    def _edited(self) -> None:
        self.message.setText("Saved.")
        self.load()


class InvestorEditDialog(ServiceFormDialog):
    """Name, e-mail and personal fields in one audited change. A blank personal field stays as it is;
    "Remove" clears one on file. Problems appear under their field and nothing is saved."""

    changes = frozenset({INVESTOR})

    def __init__(self, session: UiSession, details: InvestorDetails, parent: QWidget | None = None) -> None:
        super().__init__(session, f"Edit investor {details.investor.number}", "Save", parent)
        self.investor: Investor = details.investor
        self.name = self.add_field("name", "Name", QLineEdit(self.investor.name))
        self.email = self.add_field("email", "E-mail", QLineEdit(self.investor.email or ""))
        self.nationalities = self.add_field("nationalities", "Nationality",
                                            nationality_edit(self.investor.nationalities))
        self.nationalities.setEnabled(self.investor.kind == "individual")
        if self.investor.kind == "individual":
            self.country = self.add_field("residence_country", "Residence",
                                          country_edit("residence_country", self.investor.residence_country))
        else:
            self.country = self.add_field("incorporation_country", "Incorporated in",
                                          country_edit("incorporation_country", self.investor.incorporation_country))
        self.personal: dict[str, QLineEdit] = {}
        self.remove: dict[str, QCheckBox] = {}
        for name in SENSITIVE_FIELDS:
            on_file = name in details.sealed
            edit = DateEdit(optional=True) if name == "date_of_birth" else QLineEdit()
            if on_file or name != "date_of_birth":
                edit.setPlaceholderText(f"{HIDDEN} on file: type to replace" if on_file else "not on file")
            self.personal[name] = self.add_field(name, LABELS[name], edit)
            if on_file:
                self.remove[name] = QCheckBox("Remove", objectName=f"{name}_clear")
                self.form.addRow("", self.remove[name])

    def local_problems(self) -> dict[str, str]:
        return {name: f"Type a new {NOUNS[name]} or tick Remove, not both."
                for name, box in self.remove.items() if box.isChecked() and self.personal[name].text().strip()}

    def call(self) -> Investor:
        personal: dict[str, str | None] = {name: edit.iso() if isinstance(edit, DateEdit) else edit.text()
                                           for name, edit in self.personal.items() if edit.text().strip()}
        personal.update({name: None for name, box in self.remove.items() if box.isChecked()})
        email = self.email.text().strip()
        return self.session.services.portfolio.investors.update_investor(
            self.session.actor, self.investor.investor_id, self.investor.version, name=self.name.text(),
            email=email or None, personal=personal, nationalities=self.nationalities.text(),
            **{self.country.objectName(): self.country.text()})


class EndRelationshipDialog(ServiceFormDialog):
    """The last day of the business relationship, with what recording it sets off (KYC retention); OK confirms.
    The service refuses a day in the future, under the field."""

    changes = frozenset({INVESTOR})

    def __init__(self, session: UiSession, investor: Investor, retention_years: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(session, f"End the relationship with {investor.number}", "End relationship", parent)
        self.investor = investor
        self.setMinimumWidth(440)  # the note wraps into a readable paragraph, the date hint shows in full
        note = QLabel(f"The KYC retention period starts on this day: the record of {investor.number} "
                      f"({investor.name}) and its stored documents are kept as identity evidence for "
                      f"{retention_years} years after it, then a data-protection erasure may remove them. "
                      "Nothing is deleted now.")
        note.setObjectName("retention_note")
        note.setWordWrap(True)
        self.form.addRow(note)
        self.ended_on = self.add_field("relationship_ended_on", "Last day", DateEdit(investor.relationship_ended_on))

    def call(self) -> Investor:
        return self.session.services.portfolio.investors.end_relationship(
            self.session.actor, self.investor.investor_id, self.investor.version, self.ended_on.iso())
