"""A prospect's details, its timeline of stage changes (who moved it, when, how long it had stayed, why) and
the sections other parts of the CRM add below them (its activities)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from fidus_desktop.reports import formatting as fmt
from fidus_desktop.services.crm.prospects import Prospect, StageMove
from fidus_desktop.ui.background import Runner
from fidus_desktop.ui.common.table_export import TableExport
from fidus_desktop.ui.crm.cards import expected

HISTORY_COLUMNS = ["When (UTC)", "From", "To", "By", "Time in previous stage", "Reason", "Note"]


def stay(seconds: int | None) -> str:
    if seconds is None:
        return fmt.MISSING
    days, rest = divmod(seconds, 86_400)
    return f"{days} d {rest // 3600} h" if days else f"{rest // 3600} h {rest % 3600 // 60} min"


class ProspectDetailDialog(QDialog):
    def __init__(self, prospect: Prospect, history: list[StageMove], runner: Runner, parent: QWidget | None = None,
                 sections: Sequence[tuple[str, QWidget]] = ()) -> None:
        super().__init__(parent)
        self.setObjectName("prospectDetail")
        self.setWindowTitle(prospect.display_name)
        form = QFormLayout()
        for label, value in [("Kind", prospect.kind), ("Organisation", prospect.organisation),
                             ("E-mail", prospect.email), ("Phone", prospect.phone), ("Country", prospect.country),
                             ("Source", prospect.source), ("Owner", prospect.owner), ("Stage", prospect.stage),
                             ("Expected", expected(prospect)), ("Expected close", fmt.day(prospect.expected_close)),
                             ("Next follow-up", fmt.day(prospect.next_follow_up)),
                             ("Investor", "converted" if prospect.investor_id else "not yet")]:
            form.addRow(label, QLabel(value or fmt.MISSING))
        self.history = QTableWidget(len(history), len(HISTORY_COLUMNS))
        self.history.setObjectName("history")
        self.history.setHorizontalHeaderLabels(HISTORY_COLUMNS)
        self.history.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for row, move in enumerate(history):
            cells = [move.at.strftime("%Y-%m-%d %H:%M"), move.from_stage or "(created)", move.to_stage, move.by,
                     stay(move.seconds_in_previous), move.reason or "", move.note or ""]
            for column, text in enumerate(cells):
                self.history.setItem(row, column, QTableWidgetItem(text))
        self.history.resizeColumnsToContents()
        # How long the prospect stayed in each stage, for a pipeline review kept outside the application.
        self.history_export = TableExport(self.history, f"Stage changes of {prospect.display_name}", runner)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.addButton(self.history_export.button, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        self.pages = QTabWidget()  # the timeline's parts side by side, so a small screen still shows each
        self.pages.setObjectName("detailPages")
        self.pages.addTab(self.history, "Stage changes")
        for title, widget in sections:
            self.pages.addTab(widget, title)
        layout.addWidget(self.pages, 1)
        layout.addWidget(buttons)
        self.resize(820, 560)
