"""Export and copy from a table, driven as a user would: the Export button's menu, the context menu, Ctrl+C."""

from __future__ import annotations

import csv
import stat
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QTableView
from pytestqt.qtbot import QtBot

from fidus_desktop.reports import table_file
from fidus_desktop.reports.table_file import TableData, write_table
from fidus_desktop.ui.background import InlineRunner
from fidus_desktop.ui.common.lazy_table import RIGHT, Column
from fidus_desktop.ui.common.record_table import RecordTableModel
from fidus_desktop.ui.common.table_export import TableExport

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@dataclass(frozen=True)
class Row:
    name: str
    day: date
    amount: Decimal


ROWS = [Row("Ann Smith", date(2026, 4, 15), Decimal("25000.50")),
        Row("=HYPERLINK(\"http://x\")", date(2026, 4, 16), Decimal("-1234.56"))]
COLUMNS = [Column("Name", lambda r: r.name),
           Column("Date", lambda r: r.day.strftime("%d/%m/%Y"), value=lambda r: r.day),
           Column("Amount", lambda r: f"{r.amount:,}", align=RIGHT, value=lambda r: r.amount)]


@pytest.fixture
def export(qtbot: QtBot, tmp_path: Path) -> TableExport:
    model = RecordTableModel(COLUMNS)
    model.set_records(ROWS)
    view = QTableView(objectName="rowsTable")
    view.setModel(model)
    qtbot.addWidget(view)
    view.show()
    exporter = TableExport(view, "Investor rows", InlineRunner())
    exporter.choose_path = lambda kind: tmp_path / f"out.{kind}"  # the user's answer to the save dialog
    return exporter


def test_the_export_button_writes_csv_as_shown_with_iso_dates_and_plain_numbers(
        export: TableExport, tmp_path: Path) -> None:
    header = export.view.horizontalHeader()
    header.moveSection(2, 0)  # the user dragged Amount to the front
    messages: list[str] = []
    export.exported.connect(messages.append)
    csv_action = next(a for a in export.button.menu().actions() if "CSV" in a.text())
    csv_action.trigger()
    path = tmp_path / "out.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        assert list(csv.reader(handle)) == [["Amount", "Name", "Date"],
                                            ["25000.50", "Ann Smith", "2026-04-15"],
                                            ["-1234.56", "'=HYPERLINK(\"http://x\")", "2026-04-16"]]
    assert messages == [f"Exported 2 rows to {path}."]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_context_menu_writes_excel_with_numbers_and_dates(export: TableExport, tmp_path: Path) -> None:
    export.view.horizontalHeader().hideSection(0)  # a hidden column is not exported
    assert export.view.contextMenuPolicy() == Qt.ContextMenuPolicy.ActionsContextMenu
    next(a for a in export.view.actions() if "Excel" in a.text()).trigger()
    sheet = load_workbook(tmp_path / "out.xlsx").active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == ["Date", "Amount"]
    assert [r[0].date() for r in rows[1:]] == [date(2026, 4, 15), date(2026, 4, 16)]
    assert [Decimal(str(r[1])) for r in rows[1:]] == [Decimal("25000.50"), Decimal("-1234.56")]
    assert sheet["A2"].number_format == "yyyy-mm-dd"


def test_text_that_looks_like_a_formula_stays_text_in_excel(tmp_path: Path) -> None:
    write_table(TableData("t", ["Name"], [["=1+1"]]), tmp_path / "t.xlsx")
    cell = load_workbook(tmp_path / "t.xlsx").active["A2"]
    assert (cell.value, cell.data_type) == ("=1+1", "s")


def test_ctrl_c_copies_the_selection_as_tab_separated_text(qtbot: QtBot, export: TableExport) -> None:
    export.view.selectAll()
    export.view.setFocus()
    qtbot.keyClick(export.view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == ("Ann Smith\t15/04/2026\t25,000.50\n"
                                                  "=HYPERLINK(\"http://x\")\t16/04/2026\t-1,234.56")


def test_too_many_rows_for_excel_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(table_file, "EXCEL_MAX_ROWS", 1)
    with pytest.raises(ValueError, match="export it to CSV, or narrow the filter"):
        write_table(TableData("t", ["n"], [[1], [2]]), tmp_path / "t.xlsx")
    assert list(tmp_path.iterdir()) == []  # nothing half-written


def test_a_name_without_an_extension_is_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"choose a name ending in \.csv or \.xlsx"):
        write_table(TableData("t", ["n"], []), tmp_path / "t.txt")
