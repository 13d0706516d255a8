"""The investigation forms: open a case, add a note or a reason, link investors and transactions, propose an
outcome. Each runs one ``InvestigationService`` call in the worker (``ServiceFormDialog``) and shows the
service's refusal under its field."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPlainTextEdit, QWidget

from fidus_desktop.domain.compliance.investigations import Outcome
from fidus_desktop.services.compliance.investigations import Investigation
from fidus_desktop.ui.admin.form_dialog import ServiceFormDialog
from fidus_desktop.ui.session import UiSession

INVESTIGATION_CHANGES = frozenset({"investigation"})


def refs(text: str) -> list[str]:
    """Investor numbers or transaction references typed with commas, semicolons or spaces between them."""
    return [part for part in re.split(r"[,;\s]+", text.strip()) if part]


def _text_box(dialog: ServiceFormDialog, name: str, label: str, hint: str, lines: int = 4) -> QPlainTextEdit:
    box = dialog.add_field(name, label, QPlainTextEdit())
    box.setPlaceholderText(hint)
    box.setFixedHeight(dialog.fontMetrics().lineSpacing() * lines)
    return box


def _refs_line(dialog: ServiceFormDialog, name: str, label: str, hint: str, value: str = "") -> QLineEdit:
    line = dialog.add_field(name, label, QLineEdit(value))
    line.setPlaceholderText(hint)
    return line


INVESTORS_HINT = "Investor numbers, e.g. INV-00012, INV-00013"
TRANSACTIONS_HINT = "Transaction references, e.g. GLB-000042"


class OpenInvestigationDialog(ServiceFormDialog):
    """A new case about investors and/or transactions (their parties are linked too)."""

    changes = INVESTIGATION_CHANGES

    def __init__(self, session: UiSession, parent: QWidget | None = None, *, investors: str = "",
                 transactions: str = "", alert_id: str | None = None) -> None:
        super().__init__(session, "Open an investigation", "&Open", parent)
        self.alert_id = alert_id
        if alert_id:
            self.form.addRow("From alert", QLabel(f"{alert_id} (its investor is linked)", objectName="fromAlert"))
        self.title = self.add_field("title", "Title", QLineEdit())
        self.summary = _text_box(self, "summary", "What prompted it",
                                 "The facts that raised the suspicion (sealed with the case, not in the audit trail)")
        self.title.setToolTip("Listed in clear in the case list: keep names out of the title")
        self.investors = _refs_line(self, "investor", "Investors", INVESTORS_HINT, investors)
        self.transactions = _refs_line(self, "transaction", "Transactions", TRANSACTIONS_HINT, transactions)
        if transactions:
            self.transactions.setToolTip("The transactions' investors (both parties of a transfer) are linked too")
            self.title.setFocus()

    def call(self) -> Investigation:
        service, actor = self.session.services.investigations, self.session.actor
        return service.open(actor, self.title.text(), self.summary.toPlainText(),
                            investors=refs(self.investors.text()), transactions=refs(self.transactions.text()),
                            alert_id=self.alert_id)


class TextDialog(ServiceFormDialog):
    """One required text (a note, the reason to reopen or send back), then ``action(text)``."""

    changes = INVESTIGATION_CHANGES

    def __init__(self, session: UiSession, title: str, ok_text: str, field: str, label: str, hint: str,
                 action: Callable[[str], Any], parent: QWidget | None = None) -> None:
        super().__init__(session, title, ok_text, parent)
        self.action, self.field, self.label = action, field, label
        self.text = _text_box(self, field, label, hint, lines=6)

    def local_problems(self) -> dict[str, str]:
        return {} if self.text.toPlainText().strip() else {self.field: f"{self.label} is empty: write it first."}

    def call(self) -> Any:
        return self.action(self.text.toPlainText())


class LinkDialog(ServiceFormDialog):
    """Link more investors and transactions to the case."""

    changes = INVESTIGATION_CHANGES

    def __init__(self, session: UiSession, case: Investigation, parent: QWidget | None = None) -> None:
        super().__init__(session, f"Link to {case.ref}", "&Link", parent)
        self.case = case
        self.investors = _refs_line(self, "investor", "Investors", INVESTORS_HINT)
        self.transactions = _refs_line(self, "transaction", "Transactions", TRANSACTIONS_HINT)

    def local_problems(self) -> dict[str, str]:
        if refs(self.investors.text()) or refs(self.transactions.text()):
            return {}
        return {"investor": "Give an investor number or a transaction reference to link."}

    def call(self) -> Investigation:
        service, actor = self.session.services.investigations, self.session.actor
        return service.link(actor, self.case, investors=refs(self.investors.text()),
                            transactions=refs(self.transactions.text()))


class ProposeCloseDialog(ServiceFormDialog):
    """The outcome and why; a second officer confirms it or sends it back."""

    changes = INVESTIGATION_CHANGES

    def __init__(self, session: UiSession, case: Investigation, parent: QWidget | None = None) -> None:
        super().__init__(session, f"Propose closing {case.ref}", "&Propose", parent)
        self.case = case
        self.outcome = self.add_field("outcome", "Outcome", QComboBox())
        for outcome in Outcome:
            self.outcome.addItem(outcome.value.replace("_", " ").capitalize(), outcome.value)
        self.reason = _text_box(self, "reason", "Conclusion", "What was found and why this outcome (in the SAR draft)")

    def call(self) -> Investigation:
        service, actor = self.session.services.investigations, self.session.actor
        return service.propose_close(actor, self.case, self.outcome.currentData(), self.reason.toPlainText())
