"""CSV cells that a spreadsheet will not run as formulas (CSV injection, CWE-1236).

Excel and LibreOffice treat a cell starting with ``=``, ``+``, ``-``, ``@`` (and a tab or carriage return
before one) as a formula, so a name typed as ``=HYPERLINK(...)`` into FIDUS would run on the machine of
whoever opens an export. Such cells get a leading apostrophe, which spreadsheets show as text; plain numbers
such as ``-12.50`` stay numbers.
"""

from __future__ import annotations

import re

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def safe_cell(text: str) -> str:
    """``text`` as a CSV cell no spreadsheet evaluates."""
    if text.startswith(_FORMULA_START) and not _NUMBER.match(text):
        return "'" + text
    return text


def safe_row(cells: list[str]) -> list[str]:
    return [safe_cell(cell) for cell in cells]
