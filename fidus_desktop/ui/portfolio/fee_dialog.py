"""Record a fee payment: part or all of a class's fees owed to the manager, paid on a date (``fees.pay_fees``).

Why the dialog shows what is owed: the service refuses more than that, so the user sees the limit (charged −
paid on the payment date, loaded in the worker whenever the class changes or the date is a whole date) before
typing an amount.
A repeated reference is the same payment (nothing written); the service's refusals appear under the field.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from fidus_desktop.domain.fees import FeesOwed
from fidus_desktop.services.changes import FEE_PAYMENT
from fidus_desktop.services.portfolio.fees import FeePaymentResult
from fidus_desktop.services.portfolio.funds import ShareClass
from fidus_desktop.ui.admin.form_dialog import ServiceFormDialog
from fidus_desktop.ui.errors import describe_error
from fidus_desktop.ui.portfolio.dialogs import class_combo, today_text, typed_date
from fidus_desktop.ui.session import UiSession


class FeePaymentDialog(ServiceFormDialog):
    changes = frozenset({FEE_PAYMENT})

    def __init__(self, session: UiSession, classes: list[ShareClass], class_id: str | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(session, "Record fee payment", "Record payment", parent)
        self.codes = {c.class_id: c.code for c in classes}
        self.share_class = self.add_field("class_id", "Share class", class_combo(classes, class_id))
        self.paid_on = self.add_field("paid_on", "Paid on", QLineEdit(today_text()))
        self.owed = QLabel()
        self.owed.setObjectName("feesOwed")
        self.owed.setWordWrap(True)
        self.form.addRow("Fees owed", self.owed)
        self.amount = self.add_field("amount", "Amount paid", QLineEdit())
        self.reference = self.add_field("reference", "Reference", QLineEdit())
        self.reference.setPlaceholderText("the bank transfer's reference")
        self.share_class.currentIndexChanged.connect(lambda _: self.load_owed())
        self.paid_on.textChanged.connect(lambda _: self.load_owed())
        self.load_owed()

    def load_owed(self) -> None:
        """Ask (in the worker) what the chosen class owes on the chosen date."""
        fees, actor = self.session.services.portfolio.fees, self.session.actor
        class_id, day = self.share_class.currentData(), self.paid_on.text().strip()
        self.amount.setPlaceholderText("")
        if class_id is None or typed_date(day) is None:
            self.owed.setText("— (give the date as YYYY-MM-DD)")
            return  # still being typed; Record payment explains a date that stays unreadable
        self.owed.setText("…")
        self.session.runner.submit(lambda: (class_id, day, fees.owed(actor, class_id, day)), owner=self,
                                   key="owed", on_done=self._show_owed,
                                   on_error=lambda exc: self.owed.setText(describe_error(exc)))

    def _show_owed(self, loaded: tuple[str, str, FeesOwed]) -> None:
        class_id, day, fees = loaded
        if (class_id, day) != (self.share_class.currentData(), self.paid_on.text().strip()):
            return  # the selection moved on while this was loading
        ccy = fees.owed.currency
        accrued = fees.accrued.amount if fees.accrued is not None else 0
        self.owed.setText(f"{fees.owed.amount:,} {ccy} on {fees.on} (charged {fees.charged.amount:,} + accrued "
                          f"{accrued:,} − paid {fees.paid.amount:,}); payable {fees.payable.amount:,}")
        self.amount.setPlaceholderText(f"at most {fees.payable.amount} {ccy}")

    def call(self) -> FeePaymentResult:
        fees, actor = self.session.services.portfolio.fees, self.session.actor
        return fees.pay_fees(actor, self.share_class.currentData(), self.amount.text(), self.paid_on.text(),
                             self.reference.text())

    def describe(self) -> str:
        """What was recorded, for the tab's message line once the dialog closed."""
        result: FeePaymentResult = self.result_value
        payment = result.payment
        what = "recorded" if result.created else "was already recorded (nothing changed)"
        return (f"Fee payment {payment.number} of {self.codes.get(payment.class_id, '')} {what}: "
                f"{payment.amount:,} {payment.currency} paid on {payment.paid_on}, reference {payment.reference}.")
