"""Funnel and conversion: per stage how many entered, moved on and were won, with the average stay, and the
outcomes as charts (lost by reason, won by source). Figures from ``ProspectService.funnel``."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from fidus_desktop.reports import formatting as fmt
from fidus_desktop.services.crm.prospects import Funnel
from fidus_desktop.ui.background import Runner
from fidus_desktop.ui.common.charts import AllocationChart
from fidus_desktop.ui.common.table_export import TableExport
from fidus_desktop.ui.crm.detail import stay

COLUMNS = ["Stage", "Entered", "Moved on", "Conversion", "Won", "Win rate", "Average time in stage"]
TOOLTIPS = ["", "Prospects ever in the stage (created in it or moved into it)",
            "Of those, later in an open or won stage further on the board", "Moved on / entered",
            "Of those, now in a won stage", "Won / entered",
            "Mean of completed stays; empty while nobody has left the stage yet"]


class FunnelView(QWidget):
    def __init__(self, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("funnel")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("funnelTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        for column, tip in enumerate(TOOLTIPS):
            self.table.horizontalHeaderItem(column).setToolTip(tip)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.lost = AllocationChart("Lost by reason")
        self.won = AllocationChart("Won by source")
        charts = QHBoxLayout()
        charts.addWidget(self.lost)
        charts.addWidget(self.won)
        self.export = TableExport(self.table, "Funnel", runner)
        bar = QHBoxLayout()
        bar.addStretch(1)
        bar.addWidget(self.export.button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addLayout(charts, 2)

    def show_funnel(self, funnel: Funnel) -> None:
        self.table.setRowCount(len(funnel.stages))
        for row, f in enumerate(funnel.stages):
            average = None if f.average_seconds is None else int(f.average_seconds)
            cells = [f.stage, str(f.entered), str(f.advanced), fmt.percent(f.conversion, signed=False, decimals=0),
                     str(f.won), fmt.percent(f.win_rate, signed=False, decimals=0), stay(average)]
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.lost.set_parts([(k, float(v)) for k, v in funnel.lost_by_reason.items()])
        self.won.set_parts([(k, float(v)) for k, v in funnel.won_by_source.items()])
