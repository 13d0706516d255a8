"""The CRM dialogs: a new prospect (with the duplicates it matches and a way to go on), and the lost reason."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from fidus_desktop.domain.crm.stages import Stage, StageKind
from fidus_desktop.services.crm.prospects import DuplicatesFound, Prospect
from fidus_desktop.ui.admin.form_dialog import ServiceFormDialog
from fidus_desktop.ui.common.editors import DateEdit, DecimalEdit
from fidus_desktop.ui.session import UiSession

TEXT_FIELDS = [("first_name", "First name"), ("last_name", "Last name"), ("organisation", "Organisation"),
               ("email", "E-mail"), ("phone", "Phone"), ("country", "Country (DE, GB …)"), ("source", "Source"),
               ("owner", "Owner (empty: you)")]


class NewProspectDialog(ServiceFormDialog):
    """Creates a prospect. When it matches existing prospects or investors, the matches are shown and
    "Create it anyway" lets the user keep both (the service refuses otherwise)."""

    changes = frozenset({"crm_prospect"})

    def __init__(self, session: UiSession, stages: list[Stage], parent: QWidget | None = None) -> None:
        super().__init__(session, "New prospect", "Create", parent)
        self.edits = {name: self.add_field(name, label, QLineEdit()) for name, label in TEXT_FIELDS}
        self.amount = self.add_field("expected_amount", "Expected amount", DecimalEdit(places=2, optional=True))
        self.currency = self.add_field("currency", "Currency", QLineEdit())
        self.expected_close = self.add_field("expected_close", "Expected close", DateEdit(optional=True))
        self.next_follow_up = self.add_field("next_follow_up", "Next follow-up", DateEdit(optional=True))
        self.stage = self.add_field("stage", "Stage", QComboBox())
        self.stage.addItems([s.name for s in stages if s.kind is StageKind.OPEN])
        self.allow_duplicates = QCheckBox("Create it anyway (keep both records)")
        self.allow_duplicates.setObjectName("allow_duplicates")
        self.allow_duplicates.hide()
        self.layout().insertWidget(2, self.allow_duplicates)

    def values(self) -> dict[str, Any]:
        return {**{name: edit.text() for name, edit in self.edits.items()}, "stage": self.stage.currentText(),
                "expected_amount": self.amount.plain(), "currency": self.currency.text(),
                "expected_close": self.expected_close.iso(), "next_follow_up": self.next_follow_up.iso()}

    def call(self) -> Prospect:
        values, go_on = self.values(), self.allow_duplicates.isChecked()
        return self.session.services.prospects.create(self.session.actor, values, allow_duplicates=go_on)

    def _failed(self, exc: BaseException) -> None:
        super()._failed(exc)
        if isinstance(exc, DuplicatesFound):
            self.allow_duplicates.show()


class LostReasonDialog(QDialog):
    """Asks why a prospect was lost: one of the pipeline's reasons, and an optional note."""

    def __init__(self, name: str, reasons: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lostReasonDialog")
        self.setWindowTitle(f"Why was {name} lost?")
        self.reason = QComboBox()
        self.reason.setObjectName("reason")
        self.reason.addItems(reasons)
        self.note = QLineEdit()
        self.note.setObjectName("note")
        form = QFormLayout()
        form.addRow("Reason", self.reason)
        form.addRow("Note", self.note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        ok = buttons.addButton("Mark as lost", QDialogButtonBox.ButtonRole.AcceptRole)
        ok.setObjectName("ok")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)


class MergeDialog(QDialog):
    """Chooses which duplicate of a prospect to fold into it (its empty fields filled, history and activities
    moved, the duplicate removed)."""

    def __init__(self, keep: Prospect, duplicates: list[Prospect], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mergeDialog")
        self.setWindowTitle(f"Merge a duplicate into {keep.display_name}")
        self.keep, self.duplicates = keep, duplicates
        self.duplicate = QComboBox()
        self.duplicate.setObjectName("duplicate")
        for prospect in duplicates:
            details = " · ".join(v for v in (prospect.organisation, prospect.email, prospect.phone, prospect.stage)
                                 if v)
            self.duplicate.addItem(f"{prospect.display_name} ({details})", prospect.prospect_id)
        form = QFormLayout()
        form.addRow("Duplicate", self.duplicate)
        note = QLabel(f"{keep.display_name} is kept: its empty fields take the duplicate's values, the "
                      "duplicate's stage changes and activities move to it, and the duplicate is removed.")
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        ok = buttons.addButton("Merge", QDialogButtonBox.ButtonRole.AcceptRole)
        ok.setObjectName("ok")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def chosen(self) -> str:
        return str(self.duplicate.currentData())
