"""Text from people written into spreadsheets: always inert text, never a formula.

A unit name or task title that starts with `=`, `+`, `-`, `@`, a tab or a carriage return would
be read by Excel as a formula (formula or "CSV" injection: `=HYPERLINK(...)`, `=cmd|...`). Every
workbook and CSV file the app writes passes its text through this module: xlsx cells are typed
as strings and carry Excel's quote prefix (so even editing the cell keeps it text); CSV fields
get a leading apostrophe, the only marker a CSV reader knows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
# Characters Excel refuses in a sheet's name, which is also at most 31 characters long.
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")


def text_cell(sheet: Worksheet | WriteOnlyWorksheet, value: str) -> Cell:
    """A cell holding `value` as a string, whatever it starts with."""
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    if value.startswith(FORMULA_START):
        cell.quotePrefix = True
    return cell


def row_cells(sheet: Worksheet | WriteOnlyWorksheet, values: Iterable[Any]) -> list[Any]:
    """A row for `sheet.append`: every string becomes a text cell; numbers, dates and cells stay as they are."""
    return [text_cell(sheet, value) if isinstance(value, str) else value for value in values]


def sheet_title(text: str) -> str:
    """A sheet name Excel accepts, from any text."""
    title = SHEET_TITLE_FORBIDDEN.sub(" ", text).strip().strip("'")[:31].strip()
    return title or "Sheet"


def csv_field(value: Any) -> Any:
    """A CSV field that a spreadsheet opens as text: a leading apostrophe before a formula start."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
