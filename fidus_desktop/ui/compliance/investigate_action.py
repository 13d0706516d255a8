""""Open investigation…" in the context menu of a table of transactions (the Portfolio tab's, an investor's): the
new-investigation form with the selected transaction, whose investors the service links; once opened, the case
is shown in the Compliance tab (``SessionSignals.open_record``).

Only roles that may open cases (``investigations.manage``: compliance officers) get the action; for everyone
else it is not there at all, so nobody outside compliance is prompted about investigations (no tipping off)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QTableView, QWidget

from fidus_desktop.services.compliance.investigations import InvestigationPermission
from fidus_desktop.services.permissions import allowed
from fidus_desktop.ui.compliance.investigation_dialogs import OpenInvestigationDialog
from fidus_desktop.ui.session import UiSession

INVESTIGATION = "investigation"  # the record kind the Compliance tab opens


class OpenInvestigationAction(QAction):
    """The action on ``view``; ``selected_ref()`` gives the selected row's transaction reference (None: none)."""

    def __init__(self, session: UiSession, view: QTableView, selected_ref: Callable[[], str | None],
                 parent: QWidget) -> None:
        super().__init__("Open &investigation…", view, objectName=f"{view.objectName()}Investigate")
        self.session, self.selected_ref, self.form_parent = session, selected_ref, parent
        self.dialog: OpenInvestigationDialog | None = None
        self.setToolTip("Open an investigation about the selected transaction and its investors")
        self.triggered.connect(self.open_form)
        view.addAction(self)  # after Copy and Export in the table's context menu

    def open_form(self) -> None:
        ref = self.selected_ref()
        if ref is None:
            return
        self.dialog = dialog = OpenInvestigationDialog(self.session, self.form_parent, transactions=ref)
        dialog.accepted.connect(lambda: self.session.signals.open_record.emit(INVESTIGATION,
                                                                               dialog.result_value.ref))
        dialog.open()


def add_open_investigation(session: UiSession, view: QTableView, selected_ref: Callable[[], str | None],
                           parent: QWidget) -> OpenInvestigationAction | None:
    """The action on ``view`` for roles that may open investigations; None (no action) for the others."""
    if not allowed(session.actor.role, InvestigationPermission.MANAGE):
        return None
    return OpenInvestigationAction(session, view, selected_ref, parent)
