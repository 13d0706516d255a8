"""NAV entry and correction: a new date is ``navs.set_nav``; a date that has a NAV is ``navs.correct_nav``.

A correction needs a reason (the service refuses without one, under the Reason field) and keeps the old
value in the NAV's correction history; the version read here guards against a colleague's simultaneous edit.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from PySide6.QtWidgets import QLineEdit, QWidget

from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.portfolio.funds import ShareClass
from fidus_desktop.services.portfolio.nav import NavPoint
from fidus_desktop.ui.admin.form_dialog import ServiceFormDialog
from fidus_desktop.ui.portfolio.dialogs import class_combo, today_text
from fidus_desktop.ui.session import UiSession


def _as_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None  # the service explains the format when it is given the text


class NavDialog(ServiceFormDialog):
    def __init__(self, session: UiSession, classes: list[ShareClass], class_id: str | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(session, "Enter or correct a NAV", "Save", parent)
        self.share_class = self.add_field("class_id", "Share class", class_combo(classes, class_id))
        self.nav_date = self.add_field("nav_date", "NAV date", QLineEdit(today_text()))
        self.value = self.add_field("nav_per_unit", "NAV per unit", QLineEdit())
        self.value.setPlaceholderText("128.8754")
        self.reason = self.add_field("reason", "Reason (corrections)", QLineEdit())

    def call(self) -> NavPoint:
        navs, actor = self.session.services.portfolio.navs, self.session.actor
        class_id, text = self.share_class.currentData(), self.value.text().strip()
        day = _as_date(self.nav_date.text())
        existing = navs.nav_on(class_id, day) if day else None
        if existing is None:
            return navs.set_nav(actor, class_id, self.nav_date.text(), text)
        try:
            unchanged = Decimal(text) == existing.nav_per_unit
        except InvalidOperation:
            unchanged = False  # not a number: correct_nav says so under the field
        if unchanged:
            raise ValidationError({"nav_per_unit": f"{existing.nav_date} already has this NAV; nothing to correct."})
        return navs.correct_nav(actor, existing.nav_id, existing.version, text, self.reason.text())
