"""A table as a file: CSV (UTF-8, ISO dates, plain decimals) or Excel (numbers as numbers, dates as dates).

Why here and not in the UI: the same writer serves every exported table and could serve the CLI. Files are
written to a temporary name, made readable by their owner only (exports hold investors' names and money)
and then renamed, so a failed export never leaves a half-written file under the chosen name.
Text that a spreadsheet would run as a formula (``=HYPERLINK(...)`` typed as an investor's name) is kept as
text: quoted with ``'`` in CSV (the OWASP advice for CSV injection), typed as a string cell in Excel.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

EXCEL_MAX_ROWS = 1_048_575  # below the header row
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER_TEXT = re.compile(r"^[+-]?[\d,.\s']+%?$")
FORMATS = {"csv": "CSV (*.csv)", "xlsx": "Excel workbook (*.xlsx)"}


@dataclass(frozen=True)
class TableData:
    """Headers and rows of cells: ``Decimal``, ``int``, ``float``, ``date``, ``datetime``, ``str`` or None."""

    title: str
    headers: list[str]
    rows: list[list[Any]]


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if isinstance(value, str) and text.startswith(FORMULA_START) and not NUMBER_TEXT.match(text):
        return "'" + text
    return text


def _write_csv(table: TableData, path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:  # the BOM makes Excel read UTF-8
        writer = csv.writer(handle)
        writer.writerow(table.headers)
        writer.writerows([_csv_cell(v) for v in row] for row in table.rows)


def _excel_value(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone().replace(tzinfo=None)  # Excel has no time zones: the workstation's time
    return value


def _write_xlsx(table: TableData, path: Path) -> None:
    _write_sheets([table], path)


def _write_sheets(tables: Sequence[TableData], path: Path) -> None:
    """One workbook, one sheet per table (named after its title)."""
    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for table in tables:
        if len(table.rows) > EXCEL_MAX_ROWS:
            raise ValueError(f"Excel holds at most {EXCEL_MAX_ROWS:,} rows and this table has {len(table.rows):,}: "
                             "export it to CSV, or narrow the filter first.")
        sheet = book.create_sheet(re.sub(r"[\[\]:*?/\\]", " ", table.title)[:31] or "Table")
        header = []
        for title in table.headers:
            cell = WriteOnlyCell(sheet, title)
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        for row in table.rows:
            cells = []
            for value in row:
                cell = WriteOnlyCell(sheet, _excel_value(value))
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"  # text, never a formula
                elif isinstance(value, datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm:ss"
                elif isinstance(value, date):
                    cell.number_format = "yyyy-mm-dd"
                cells.append(cell)
            sheet.append(cells)
    book.save(path)


def write_table(table: TableData, path: Path) -> None:
    """Write ``table`` as CSV or Excel, chosen by the suffix (``.csv`` / ``.xlsx``); ValueError otherwise."""
    kind = path.suffix.lower().lstrip(".")
    writers = {"csv": _write_csv, "xlsx": _write_xlsx}
    if kind not in writers:
        raise ValueError(f"{path.name}: choose a name ending in .csv or .xlsx.")
    _atomically(path, lambda partial: writers[kind](table, partial))


def write_workbook(tables: Sequence[TableData], path: Path) -> None:
    """Write several tables as one Excel workbook, a sheet each (a report with sections)."""
    _atomically(path, lambda partial: _write_sheets(tables, partial))


def _atomically(path: Path, write: Callable[[Path], None]) -> None:
    partial = path.with_name(f".{path.name}.part")
    try:
        write(partial)
        os.chmod(partial, 0o600)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def with_suffix(path: Path, kind: str) -> Path:
    """The chosen name with the format's extension (a name typed without one gets it)."""
    return path if path.suffix.lower() == f".{kind}" else path.with_name(path.name + f".{kind}")

