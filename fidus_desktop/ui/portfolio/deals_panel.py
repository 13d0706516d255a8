"""Open deals: pending and approved transactions with who entered and approved them, and the buttons that
finish them — Approve… (a second user: the service enforces the four-eyes rule), Settle… and Cancel… (with a
reason). Approve and Settle first show what settling will book (``dealing.preview``: NAV, units, amounts, fees
settled first) and act only once the user confirms. All service calls run in the worker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fidus_desktop.services.changes import TRANSACTION
from fidus_desktop.services.permissions import Permission, allowed
from fidus_desktop.services.portfolio.dealing import DealPreview, TransactionView
from fidus_desktop.ui.common.buttons import enable
from fidus_desktop.ui.common.table_export import TableExport
from fidus_desktop.ui.errors import describe_error
from fidus_desktop.ui.session import UiSession

COLUMNS = ("Reference", "Kind", "Status", "Class", "Investor", "Dealing date", "Asked", "Entered by", "Approved by")


@dataclass(frozen=True)
class OpenDeal:
    view: TransactionView
    class_code: str
    investor_number: str

    @property
    def asked(self) -> str:
        v = self.view
        if v.amount is not None:
            return f"{v.amount:,} {v.currency}"
        return f"{v.units} units" if v.units is not None else "all units"

    def cells(self) -> tuple[str, ...]:
        v = self.view
        return (v.ref, v.kind, v.status, self.class_code, self.investor_number, str(v.dealing_date), self.asked,
                v.created_by, v.approved_by or "")


class ConfirmDialog(QDialog):
    """What an action will do, with OK/Cancel (non-blocking: opened with ``open()``); an optional reason."""

    def __init__(self, title: str, text: str, ok: str, parent: QWidget, *, reason: bool = False) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        self.text = QLabel(text)
        self.text.setObjectName("confirmText")
        self.text.setWordWrap(True)
        layout.addWidget(self.text)
        self.reason: QLineEdit | None = None
        if reason:
            self.reason = QLineEdit()
            self.reason.setObjectName("reason")
            self.reason.setPlaceholderText("Why it is cancelled (required, kept on the transaction)")
            layout.addWidget(self.reason)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)


class DealsPanel(QWidget):
    """The "Open deals" page of the Portfolio tab; after an action ``tell`` gets what was done (the action's job
    announces the ``transaction`` change, so every screen showing deals reloads, this one included)."""

    def __init__(self, session: UiSession, tell: Callable[[str], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session, self.tell = session, tell
        self.deals: list[OpenDeal] = []
        self.confirm: ConfirmDialog | None = None
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("openDealsTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        layout.addWidget(self.table)
        row = QHBoxLayout()
        self.status = QLabel(" ")
        self.status.setObjectName("openDealsStatus")
        self.status.setWordWrap(True)
        row.addWidget(self.status, 1)
        role = session.actor.role
        self.buttons: dict[str, QPushButton] = {}
        for name, text, permission, slot in (
            ("approve", "Approve…", Permission.DEALING_APPROVE, self.approve),
            ("settle", "Settle…", Permission.DEALING_ENTER, self.settle),
            ("cancel", "Cancel deal…", Permission.DEALING_ENTER, self.cancel),
        ):
            button = QPushButton(text)
            button.setObjectName(f"{name}DealButton")
            button.setProperty("permitted", allowed(role, permission))
            button.clicked.connect(slot)
            row.addWidget(button)
            self.buttons[name] = button
        self.export = TableExport(self.table, "Open deals", session.runner)
        row.addWidget(self.export.button)
        layout.addLayout(row)
        self._selection_changed()

    # -- loading ------------------------------------------------------------------------------------
    def load(self) -> None:
        portfolio, actor = self.session.services.portfolio, self.session.actor

        def work() -> list[OpenDeal]:
            views = portfolio.dealing.open_transactions(actor)
            codes = {c.class_id: c.code for c in portfolio.funds.list_classes(actor)}
            numbers = {i: portfolio.investors.get(actor, i).number for i in {v.investor_id for v in views}}
            return [OpenDeal(v, codes.get(v.class_id, v.class_id), numbers[v.investor_id]) for v in views]

        self.session.runner.submit(work, owner=self, key="load", on_done=self._show,
                                   on_error=lambda exc: self.status.setText(
                                       f"Could not load the open deals: {describe_error(exc)}"))

    def _show(self, deals: list[OpenDeal]) -> None:
        selected = self.selected()
        self.deals = deals
        self.table.setRowCount(len(deals))
        for r, deal in enumerate(deals):
            for c, text in enumerate(deal.cells()):
                self.table.setItem(r, c, QTableWidgetItem(text))
            if selected and deal.view.transaction_id == selected.view.transaction_id:
                self.table.selectRow(r)
        self.status.setText(f"{len(deals)} open deal(s)." if deals else "No pending or approved deals.")
        self._selection_changed()

    def selected(self) -> OpenDeal | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.deals[rows[0].row()] if rows and rows[0].row() < len(self.deals) else None

    def select(self, ref: str) -> None:
        for r, deal in enumerate(self.deals):
            if deal.view.ref == ref:
                self.table.selectRow(r)

    def _selection_changed(self) -> None:
        deal = self.selected()
        status = deal.view.status if deal else None
        for name, when in (("approve", "pending"), ("settle", "approved"), ("cancel", None)):
            button = self.buttons[name]
            enable(button, "Your role may not do this." if not button.property("permitted") else
                   "Select a deal in the list first." if deal is None else
                   f"Only a {when} deal can be {name}d; this one is {status}." if when and status != when else "")

    # -- actions ------------------------------------------------------------------------------------
    def approve(self) -> None:
        self._confirm_with_preview("Approve deal", "Approve", lambda d, v: d.approve(
            self.session.actor, v.transaction_id, v.version), "Approved")

    def settle(self) -> None:
        self._confirm_with_preview("Settle deal", "Settle", lambda d, v: d.settle(
            self.session.actor, v.transaction_id, v.version), "Settled")

    def cancel(self) -> None:
        deal = self.selected()
        if deal is None:
            return
        self.confirm = ConfirmDialog("Cancel deal", f"Cancel {deal.view.kind} {deal.view.ref} of "
                                     f"{deal.investor_number} ({deal.asked} in {deal.class_code})?", "Cancel deal",
                                     self, reason=True)
        self.confirm.accepted.connect(lambda: self._run(deal, lambda d, v: d.cancel(
            self.session.actor, v.transaction_id, v.version,
            self.confirm.reason.text() if self.confirm and self.confirm.reason else ""), "Cancelled"))
        self.confirm.open()

    def _confirm_with_preview(self, title: str, ok: str, action: Callable[[Any, TransactionView], TransactionView],
                              done: str) -> None:
        deal = self.selected()
        if deal is None:
            return
        dealing, actor = self.session.services.portfolio.dealing, self.session.actor

        def ask(preview: DealPreview) -> None:
            entered = f"Entered by {deal.view.created_by}" + (
                f", approved by {deal.view.approved_by}" if deal.view.approved_by else "") + "."
            self.confirm = ConfirmDialog(title, f"{preview.describe()}\n{entered}", ok, self)
            self.confirm.accepted.connect(lambda: self._run(deal, action, done))
            self.confirm.open()

        self.session.runner.submit(lambda: dealing.preview(actor, deal.view.transaction_id), owner=self,
                                   key="preview", on_done=ask,
                                   on_error=lambda exc: self.status.setText(describe_error(exc)))

    def _run(self, deal: OpenDeal, action: Callable[[Any, TransactionView], TransactionView], done: str) -> None:
        dealing = self.session.services.portfolio.dealing

        def finished(view: TransactionView) -> None:
            self.tell(f"{done} {view.kind} {view.ref} of {deal.investor_number} in {deal.class_code}.")

        self.session.runner.submit(lambda: action(dealing, deal.view), owner=self, changes={TRANSACTION},
                                   on_done=finished, on_error=lambda exc: self.status.setText(describe_error(exc)))
