"""NAV entry and correction: a new date is ``navs.set_nav``; a date that has a NAV is ``navs.correct_nav``.

A correction needs a reason (the service refuses without one, under the Reason field) and keeps the old
value in the NAV's correction history; the version read here guards against a colleague's simultaneous edit.
"Derive from holdings" asks ``nav_derivation`` (in the worker) for the class's NAV from the fund's holdings,
prices, cash and fees owed, fills the value and shows the breakdown; Save then stores it with source
``derived`` (a value typed over it is ``entered``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QWidget

from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.changes import NAV
from fidus_desktop.services.portfolio.funds import ShareClass
from fidus_desktop.services.portfolio.nav import NavPoint
from fidus_desktop.services.portfolio.nav_derivation import NavDerivation
from fidus_desktop.ui.admin.form_dialog import ServiceFormDialog
from fidus_desktop.ui.portfolio.dialogs import class_combo, today_text, typed_date
from fidus_desktop.ui.session import UiSession


class NavDialog(ServiceFormDialog):
    changes = frozenset({NAV})

    def __init__(self, session: UiSession, classes: list[ShareClass], class_id: str | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(session, "Enter or correct a NAV", "Save", parent)
        self.funds = {c.class_id: c.fund_id for c in classes}
        self.derived: tuple[str, date, Decimal] | None = None  # class, date and value the derivation gave
        self.share_class = self.add_field("class_id", "Share class", class_combo(classes, class_id))
        self.nav_date = self.add_field("nav_date", "NAV date", QLineEdit(today_text()))
        self.value = self.add_field("nav_per_unit", "NAV per unit", QLineEdit())
        self.value.setPlaceholderText("128.8754")
        self.derive_button = QPushButton("Derive from holdings")
        self.derive_button.setObjectName("deriveButton")
        self.derive_button.setToolTip("Holdings at their prices + cash − fees owed, split across the fund's "
                                      "classes by their previous NAV (docs/PORTFOLIO.md)")
        self.derive_button.clicked.connect(self.derive)
        self.form.addRow("", self.derive_button)
        self.breakdown = QLabel()
        self.breakdown.setObjectName("derivation")
        self.breakdown.setWordWrap(True)
        self.breakdown.setTextInteractionFlags(self.breakdown.textInteractionFlags()
                                               | Qt.TextInteractionFlag.TextSelectableByMouse)
        self.breakdown.hide()
        self.form.addRow("", self.breakdown)
        self.reason = self.add_field("reason", "Reason (corrections)", QLineEdit())

    def derive(self) -> None:
        """Derive the fund's NAVs in the worker; the selected class's value fills the field."""
        derivation, actor = self.session.services.portfolio.nav_derivation, self.session.actor
        fund_id, day = self.funds[self.share_class.currentData()], self.nav_date.text()
        self.derived = None
        self.show_problems({})
        self.derive_button.setEnabled(False)
        self.session.runner.submit(lambda: derivation.derive_nav(actor, fund_id, day), owner=self, key="derive",
                                   on_done=self._derived,
                                   on_error=self._derive_failed)

    def _derived(self, result: NavDerivation) -> None:
        self.derive_button.setEnabled(True)
        mine = next(c.share for c in result.classes if c.share.class_id == self.share_class.currentData())
        if mine.nav_per_unit is None:
            self.breakdown.setText(result.describe())
        else:
            self.derived = (mine.class_id, result.on, mine.nav_per_unit)
            self.value.setText(str(mine.nav_per_unit))
            self.breakdown.setText(f"{result.describe()}\nCheck the breakdown, then Save to store {mine.code} at "
                                   f"{mine.nav_per_unit} (source: derived).")
        self.breakdown.show()

    def _derive_failed(self, exc: BaseException) -> None:
        self.derive_button.setEnabled(True)
        self.breakdown.hide()
        self._failed(exc)

    def call(self) -> NavPoint:
        navs, actor = self.session.services.portfolio.navs, self.session.actor
        class_id, text = self.share_class.currentData(), self.value.text().strip()
        day = typed_date(self.nav_date.text())
        try:
            value: Decimal | None = Decimal(text)
        except InvalidOperation:
            value = None  # not a number: the service says so under the field
        source = "derived" if self.derived == (class_id, day, value) else "entered"
        existing = navs.nav_on(class_id, day) if day else None
        if existing is None:
            return navs.set_nav(actor, class_id, self.nav_date.text(), text, source)
        if value == existing.nav_per_unit:
            raise ValidationError({"nav_per_unit": f"{existing.nav_date} already has this NAV; nothing to correct."})
        return navs.correct_nav(actor, existing.nav_id, existing.version, text, self.reason.text(), source)
