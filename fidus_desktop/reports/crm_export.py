"""The CRM export: every prospect as a CSV or Excel table (``ProspectService.export_rows``), its columns named
as in the import file so a spreadsheet round trip needs no renaming. Written owner-only (it holds personal
data) by ``reports.table_file``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fidus_desktop.reports.table_file import TableData, write_table


def prospects_table(rows: Sequence[dict[str, Any]]) -> TableData:
    headers = list(rows[0]) if rows else ["id"]
    return TableData("Prospects", headers, [[row.get(h) for h in headers] for row in rows])


def write_prospects(rows: Sequence[dict[str, Any]], path: Path) -> int:
    """Write the rows to ``path`` (.csv or .xlsx); how many were written."""
    write_table(prospects_table(rows), path)
    return len(rows)
