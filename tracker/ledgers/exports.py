"""Excel ledgers in the columns units use: one sheet per ledger, or a unit's whole book.

openpyxl's write-only mode keeps memory flat however many rows there are; rows are read from
the database in chunks, and the finished file is streamed to the browser from a temporary file.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from datetime import date

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from tracker.core.spreadsheets import sheet_title, text_cell
from tracker.ledgers.registry import LedgerSpec
from tracker.orgs.models import Unit

CHUNK = 500
DATE_FORMAT = "yyyy-mm-dd"


def _sheet(workbook: Workbook, spec: LedgerSpec, unit: Unit, rows: QuerySet) -> None:
    sheet = workbook.create_sheet(title=sheet_title(spec.sheet_title))
    sheet.column_dimensions["A"].width = 6
    for index, column in enumerate(spec.columns, start=2):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    bold = Font(bold=True)
    title = text_cell(sheet, f"{unit.name} · {spec.title}")
    title.font = Font(bold=True, size=13)
    sheet.append([title])
    header = []
    for text in [_("No."), *(str(column.header) for column in spec.columns)]:
        cell = text_cell(sheet, text)
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        header.append(cell)
    sheet.append(header)
    iterator = rows.iterator(chunk_size=CHUNK)
    for number, row in enumerate(iterator, start=1):
        sheet.append([number, *(_cell(sheet, column.value(row)) for column in spec.columns)])


def _cell(sheet, value):
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    if isinstance(value, str):
        return text_cell(sheet, value)
    return value


def workbook_file(*, unit: Unit, sheets: Iterable[tuple[LedgerSpec, QuerySet]]):
    """Write the sheets into a temporary .xlsx and return it open at the start, for streaming."""
    workbook = Workbook(write_only=True)
    for spec, rows in sheets:
        _sheet(workbook, spec, unit, rows)
    handle = tempfile.TemporaryFile(suffix=".xlsx")
    workbook.save(handle)
    handle.seek(0)
    return handle
