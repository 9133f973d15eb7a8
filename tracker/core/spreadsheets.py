"""Text from people written into spreadsheets: always inert text, never a formula.

A unit name or task title that starts with `=`, `+`, `-`, `@`, a tab or a carriage return would
be read by Excel as a formula (formula or "CSV" injection: `=HYPERLINK(...)`, `=cmd|...`). Every
workbook and CSV file the app writes passes its text through this module: xlsx cells are typed
as strings and carry Excel's quote prefix (so even editing the cell keeps it text); CSV fields
get a leading apostrophe, the only marker a CSV reader knows.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
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


# --- Streaming workbooks (XlsxWriter, constant_memory) --------------------------------------------
# For exports of tens of thousands of rows: measured on 100,000 rows × 11 columns, XlsxWriter's
# constant_memory mode took 4.4 s of CPU and 50 MB, openpyxl's write-only mode 8.3 s and 71 MB
# (each row goes to a temporary file as soon as the next one starts). Cells are written by column
# kind, decided once per sheet, so no per-cell type test beyond the formula check on text.

TEXT, NUMBER, DATE, PERCENT = "text", "number", "date", "percent"


class StreamingWorkbook:
    """An .xlsx file at `path`, written sheet by sheet and row by row; `close()` finishes it."""

    def __init__(self, path: str | os.PathLike[str]):
        import xlsxwriter

        # Never turn text into formulas, numbers or links, whatever it looks like.
        options = {"constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False}
        self.book = xlsxwriter.Workbook(str(path), {**options, "strings_to_urls": False})
        self.quoted = self.book.add_format({"quote_prefix": True})
        self.bold = self.book.add_format({"bold": True})
        self.formats = {
            DATE: self.book.add_format({"num_format": "yyyy-mm-dd"}),
            PERCENT: self.book.add_format({"num_format": "0%"}),
        }

    def sheet(
        self, title: str, *, header: Sequence[str], kinds: Sequence[str], widths: Sequence[int]
    ) -> StreamingSheet:
        return StreamingSheet(self, sheet_title(title), header=header, kinds=kinds, widths=widths)

    def close(self) -> None:
        self.book.close()


class StreamingSheet:
    """One sheet: a bold, frozen header row, then `append(values)` with one value per column."""

    def __init__(
        self,
        workbook: StreamingWorkbook,
        title: str,
        *,
        header: Sequence[str],
        kinds: Sequence[str],
        widths: Sequence[int],
    ):
        self.sheet = workbook.book.add_worksheet(title)
        self.workbook = workbook
        for index, width in enumerate(widths):
            self.sheet.set_column(index, index, width)
        self.sheet.freeze_panes(1, 0)
        for index, text in enumerate(header):
            self.sheet.write_string(0, index, str(text), workbook.bold)
        self.row = 1
        self.writers = [self._writer(kind) for kind in kinds]

    def _writer(self, kind: str) -> Any:
        sheet, quoted = self.sheet, self.workbook.quoted
        if kind == TEXT:

            def text(row: int, column: int, value: Any) -> None:
                value = str(value)
                if value:
                    if value.startswith(FORMULA_START):
                        sheet.write_string(row, column, value, quoted)
                    else:
                        sheet.write_string(row, column, value)

            return text
        if kind == PERCENT:
            percent = self.workbook.formats[PERCENT]
            return lambda row, column, value: sheet.write_number(row, column, value / 100, percent)
        if kind == DATE:
            date_format = self.workbook.formats[DATE]
            return lambda row, column, value: sheet.write_datetime(row, column, value, date_format)
        return sheet.write_number

    def append(self, values: Sequence[Any]) -> None:
        row = self.row
        for column, (write, value) in enumerate(zip(self.writers, values, strict=True)):
            if value is not None:
                write(row, column, value)
        self.row = row + 1
