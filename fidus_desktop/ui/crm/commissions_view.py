"""Referral agents' commissions in the CRM tab: every agent's statement for a month or quarter (draft,
pending, approved, paid), its lines, and Prepare / Approve / Mark paid / Save as PDF or CSV.

Statements come from ``AgentService`` in the background runner; Approve and Mark paid are enabled for
``crm.commissions``, Prepare for ``crm.manage``; the service enforces both and the four-eyes rule, and the
view shows its refusal as is.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fidus_desktop.reports import formatting as fmt
from fidus_desktop.reports.commission_statement import rate_text, statement_filename, write_commission_file
from fidus_desktop.services.crm import CrmPermission
from fidus_desktop.services.crm.agents import Agent, CommissionStatement, StatementLine
from fidus_desktop.services.permissions import allowed
from fidus_desktop.ui.admin.form_dialog import ServiceFormDialog
from fidus_desktop.ui.background import show_error
from fidus_desktop.ui.common.lazy_table import RIGHT, Column
from fidus_desktop.ui.common.record_table import RecordTableModel
from fidus_desktop.ui.common.table_export import TableExport
from fidus_desktop.ui.session import UiSession

CHANGES = ("crm_commission",)


def current_quarter(today: date) -> str:
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


def _totals(statement: CommissionStatement) -> str:
    return ", ".join(fmt.amount(m.amount, c, with_code=True) for c, m in sorted(statement.totals.items())) or "—"


STATEMENT_COLUMNS: list[Column[CommissionStatement]] = [
    Column("Agent", lambda s: s.agent.code),
    Column("Name", lambda s: s.agent.name),
    Column("Rate", lambda s: rate_text(s.agent.rate)),
    Column("Payments", lambda s: str(len(s.lines)), align=RIGHT),
    Column("Commission", _totals, align=RIGHT),
    Column("Status", lambda s: s.status.value if s.status else "draft (not prepared)"),
    Column("Prepared by", lambda s: s.prepared_by or ""),
    Column("Approved by", lambda s: s.approved_by or ""),
]
LINE_COLUMNS: list[Column[StatementLine]] = [
    Column("Due", lambda line: fmt.day(line.due_date), value=lambda line: line.due_date),
    Column("Investor", lambda line: line.investor_number),
    Column("Name", lambda line: line.investor_name),
    Column("Product", lambda line: line.product_code),
    Column("Interest", lambda line: fmt.amount(line.interest.amount, line.interest.currency, with_code=True),
           align=RIGHT, value=lambda line: line.interest.amount),
    Column("Rate", lambda line: rate_text(line.rate)),
    Column("Commission", lambda line: fmt.amount(line.commission.amount, line.commission.currency, with_code=True),
           align=RIGHT, value=lambda line: line.commission.amount),
]


class NewAgentDialog(ServiceFormDialog):
    """A referral agent: code, name, contact details and commission rate."""

    changes = frozenset({"crm_agent"})

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(session, "New referral agent", "Add", parent)
        self.edits = {name: self.add_field(name, label, QLineEdit()) for name, label in (
            ("code", "Code (e.g. AG-003)"), ("name", "Name"), ("email", "E-mail"), ("phone", "Phone"),
            ("rate", "Commission rate (default 10 %)"))}

    def call(self) -> Agent:
        values = {name: edit.text() for name, edit in self.edits.items()}
        return self.session.services.crm_agents.add(self.session.actor, values)


def _table(model: RecordTableModel[Any], name: str) -> QTableView:
    table = QTableView()
    table.setObjectName(name)
    table.setModel(model)
    table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


class CommissionsView(QWidget):
    message = Signal(str)

    def __init__(self, session: UiSession, parent: QWidget | None = None,
                 today: date | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("commissions")
        self.session = session
        role = session.actor.role
        self.period = QLineEdit(current_quarter(today or session.today()))
        self.period.setObjectName("period")
        self.period.setToolTip("A quarter (2026-Q1) or a month (2026-03)")
        self.period.setMaximumWidth(120)
        self.period.editingFinished.connect(self.reload)
        self.statements: RecordTableModel[CommissionStatement] = RecordTableModel(STATEMENT_COLUMNS, self)
        self.lines: RecordTableModel[StatementLine] = RecordTableModel(LINE_COLUMNS, self)
        self.table = _table(self.statements, "statements")
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._show_lines())
        self.line_table = _table(self.lines, "statementLines")
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        row.addWidget(QLabel("Period"))
        row.addWidget(self.period)
        self.agent_dialog: NewAgentDialog | None = None
        for name, text, permission, slot in (
                ("newAgent", "New agent…", CrmPermission.MANAGE, self.new_agent),
                ("prepare", "Prepare for approval", CrmPermission.MANAGE, self.prepare),
                ("approve", "Approve", CrmPermission.COMMISSIONS, self.approve),
                ("paid", "Mark paid", CrmPermission.COMMISSIONS, self.mark_paid),
                ("pdf", "Save PDF…", CrmPermission.READ, lambda: self.save("pdf")),
                ("csv", "Save CSV…", CrmPermission.READ, lambda: self.save("csv"))):
            button = QPushButton(text)
            button.setObjectName(name)
            button.setEnabled(allowed(role, permission))
            button.clicked.connect(slot)
            self.buttons[name] = button
            row.addWidget(button)
        row.addStretch(1)
        self.export = TableExport(self.table, "Commission statements", session.runner)
        self.lines_export = TableExport(self.line_table, "Commission lines", session.runner)
        self.export.button.setText("Export &statements")
        self.lines_export.button.setText("Export &lines")
        row.addWidget(self.export.button)
        row.addWidget(self.lines_export.button)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.line_table)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(split, 1)
        session.signals.data_changed.connect(self._data_changed)
        self.reload()

    def _data_changed(self, topic: str) -> None:
        if topic in (*CHANGES, "crm_agent", "investment", "*"):
            self.reload()

    def reload(self) -> None:
        agents, actor, period = self.session.services.crm_agents, self.session.actor, self.period.text()
        self.session.runner.submit(lambda: agents.statements_for(actor, period), owner=self, key="statements",
                                   on_done=self._show, on_error=lambda exc: show_error(exc, self))

    def _show(self, statements: list[CommissionStatement]) -> None:
        chosen = self.selected()
        self.statements.set_records(statements)
        codes = [s.agent.code for s in statements]
        if statements:
            self.table.selectRow(codes.index(chosen.agent.code) if chosen and chosen.agent.code in codes else 0)
        self._show_lines()

    def selected(self) -> CommissionStatement | None:
        rows = self.table.selectionModel().selectedRows()
        return self.statements.record(rows[0].row()) if rows else None

    def _show_lines(self) -> None:
        statement = self.selected()
        self.lines.set_records(list(statement.lines) if statement else [])

    def _step(self, verb: str, call: str) -> None:
        statement = self.selected()
        if statement is None:
            self.message.emit("Select an agent's statement first.")
            return
        agents, actor = self.session.services.crm_agents, self.session.actor
        code, period = statement.agent.code, statement.period.label
        self.session.runner.submit(
            lambda: getattr(agents, call)(actor, code, period), owner=self, changes=CHANGES,
            on_done=lambda s: self.message.emit(f"Commissions {period} of {code} {verb}: {_totals(s)}."),
            on_error=lambda exc: show_error(exc, self))

    def new_agent(self) -> None:
        self.agent_dialog = NewAgentDialog(self.session, self)
        self.agent_dialog.accepted.connect(lambda: self.message.emit(
            f"Agent {self.agent_dialog.result_value.code} added; record the clients they introduce with "
            "“fidus crm agents introduce” or by converting prospects that name their code."))
        self.agent_dialog.accepted.connect(self.reload)
        self.agent_dialog.open()

    def prepare(self) -> None:
        self._step("prepared for approval", "prepare")

    def approve(self) -> None:
        self._step("approved", "approve")

    def mark_paid(self) -> None:
        self._step("marked paid", "mark_paid")

    def choose_path(self, statement: CommissionStatement, kind: str) -> Path | None:
        chosen, _ = QFileDialog.getSaveFileName(self, "Save the commission statement",
                                                statement_filename(statement, kind), f"{kind.upper()} (*.{kind})")
        return Path(chosen) if chosen else None

    def save(self, kind: str) -> None:
        statement = self.selected()
        if statement is None:
            self.message.emit("Select an agent's statement first.")
            return
        path = self.choose_path(statement, kind)
        if path is None:
            return
        self.session.runner.submit(lambda: write_commission_file(statement, path), owner=self,
                                   on_done=lambda _: self.message.emit(f"Saved {path}."),
                                   on_error=lambda exc: show_error(exc, self))
