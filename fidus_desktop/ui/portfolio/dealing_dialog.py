"""Subscription / redemption entry: the request goes to ``dealing.enter`` in the worker.

The investor is typed by number (``INV-00017``, as on paper forms). What the service refuses appears under
the field it is about (``ValidationError.problems`` keys are the field names); nothing is saved then.
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget

from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.changes import TRANSACTION
from fidus_desktop.services.portfolio.dealing import TransactionRequest, TransactionView
from fidus_desktop.services.portfolio.funds import ShareClass
from fidus_desktop.ui.admin.form_dialog import ServiceFormDialog
from fidus_desktop.ui.portfolio.dialogs import class_combo, today_text
from fidus_desktop.ui.session import UiSession

KINDS = {"Subscription": "subscription", "Redemption": "redemption"}


class DealingDialog(ServiceFormDialog):
    changes = frozenset({TRANSACTION})

    def __init__(self, session: UiSession, classes: list[ShareClass], class_id: str | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(session, "New subscription or redemption", "Enter", parent)
        self.kind = self.add_field("kind", "Kind", QComboBox())
        for label, value in KINDS.items():
            self.kind.addItem(label, value)
        self.share_class = self.add_field("class_id", "Share class", class_combo(classes, class_id))
        self.investor = self.add_field("investor_id", "Investor number", QLineEdit())
        self.investor.setPlaceholderText("INV-00017")
        self.amount = self.add_field("amount", "Amount (class currency)", QLineEdit())
        self.amount.setPlaceholderText("25000.00 — or leave empty and give units")
        self.units = self.add_field("units", "Units (redemption)", QLineEdit())
        self.dates = {name: self.add_field(name, label, QLineEdit(today_text()))
                      for name, label in (("trade_date", "Trade date"), ("dealing_date", "Dealing date"),
                                          ("settlement_date", "Settlement date"))}

    def call(self) -> TransactionView:
        portfolio = self.session.services.portfolio
        number = self.investor.text().strip()
        investor = portfolio.investors.by_number(number) if number else None
        if investor is None:
            raise ValidationError({"investor_id": f"There is no investor {number!r}; type a number such as "
                                                  "INV-00017." if number else "The investor number is required."})
        request = TransactionRequest(
            kind=self.kind.currentData(), class_id=self.share_class.currentData(), investor_id=investor.investor_id,
            trade_date=self.dates["trade_date"].text(), dealing_date=self.dates["dealing_date"].text(),
            settlement_date=self.dates["settlement_date"].text(), amount=self.amount.text().strip() or None,
            units=self.units.text().strip() or None)
        return portfolio.dealing.enter(self.session.actor, request)

    def describe(self) -> str:
        """What was stored and its reference, for the tab's message line once the dialog closed."""
        view: TransactionView = self.result_value
        asked = f"{view.amount:,} {view.currency}" if view.amount is not None else f"{view.units} units"
        return (f"Entered {view.kind} {view.ref} for {self.investor.text().strip()}: {asked} in "
                f"{self.share_class.currentText()}, dealing date {view.dealing_date}, settlement "
                f"{view.settlement_date}; {view.status}, to be approved by a colleague (Open deals).")
