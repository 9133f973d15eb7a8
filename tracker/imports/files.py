"""Reading an uploaded sheet (.xlsx or .csv) into rows of text, and writing the blank templates.

Chinese Excel saves "CSV" in GB18030 (code page 936), newer versions offer "CSV UTF-8" with a
byte-order mark, and "Unicode text" is UTF-16 with tabs; all of them are accepted here.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from tracker.core.spreadsheets import csv_field, row_cells, sheet_title
from tracker.core.validators import visible_text

MAX_ROWS = 20_000


class FileProblem(Exception):
    """The file as a whole cannot be read; nothing about single rows can be said yet."""

    def __init__(self, message, **params):
        super().__init__(message)
        self.message = message
        self.params = params

    def __str__(self) -> str:
        return str(self.message) % self.params if self.params else str(self.message)


@dataclass(frozen=True)
class Sheet:
    header: list[str]
    # (row number as Excel shows it, cells as text)
    rows: list[tuple[int, list[str]]]


def _file_format(name: str) -> str:
    """ "xlsx" or "csv" from the file's name; any other name is refused with what to do instead."""
    lowered = name.lower()
    if lowered.endswith(".xlsx") or lowered.endswith(".xlsm"):
        return "xlsx"
    if lowered.endswith(".csv") or lowered.endswith(".txt"):
        return "csv"
    if lowered.endswith(".xls") or lowered.endswith(".et"):
        raise FileProblem(_("Old .xls workbooks cannot be read. In Excel or WPS choose “Save as” .xlsx, then upload."))
    raise FileProblem(_("Upload the filled-in template as .xlsx or .csv."))


def precheck(*, name: str, data: bytes) -> None:
    """What can be said of the file at upload without reading its rows (a few milliseconds at the
    size limit): its type, a workbook's zip directory and unpacked size, a CSV's encoding.
    Raises `FileProblem`; whatever passes here is read and checked row by row in a job."""
    if _file_format(name) == "xlsx":
        _check_unpacked_size(data)
    else:
        decode_csv(data)


def read_sheet(*, name: str, data: bytes, max_rows: int = MAX_ROWS) -> Sheet:
    records = _xlsx_records(data) if _file_format(name) == "xlsx" else _csv_records(data)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    for number, cells in records:
        texts = [_text(cell) for cell in cells]
        if not any(texts):
            continue  # blank lines between blocks are common in hand-kept sheets
        if header is None:
            header = texts
            continue
        if len(rows) >= max_rows:
            raise FileProblem(_("The file has more than %(max)s rows; split it into several files."), max=max_rows)
        rows.append((number, texts))
    if header is None or not rows:
        raise FileProblem(_("The file has no data rows below the header row."))
    return Sheet(header=header, rows=rows)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a code typed as a number comes back as 101.0
    return visible_text(str(value).replace("\u3000", " "))


# What a broken workbook raises while it is read: a truncated or corrupt zip, a missing part, XML
# cut off mid-way (lxml's and ElementTree's parse errors are SyntaxErrors), a cell pointing past
# the shared strings, a value of the wrong type.
BROKEN = (zipfile.BadZipFile, zlib.error, EOFError, KeyError, IndexError, ValueError, TypeError, OSError, SyntaxError)


def _unpacked_size(data: bytes) -> int:
    """The workbook's size once unpacked, from the zip's directory; reading never yields more than
    the declared size of a part (zipfile stops there and checks the CRC), so this bounds memory."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return sum(info.file_size for info in archive.infolist())


NOT_A_WORKBOOK = _("This is not an .xlsx workbook Excel or WPS can open; check the file.")


def _check_unpacked_size(data: bytes) -> None:
    try:
        unpacked = _unpacked_size(data)
    except BROKEN as exc:
        raise FileProblem(NOT_A_WORKBOOK) from exc
    limit = settings.IMPORT_MAX_UNPACKED_BYTES
    if unpacked > limit:
        # A zip bomb, or one giant cell: refused before anything is unpacked.
        raise FileProblem(
            _("The workbook unpacks to more than %(limit)s; remove pictures and very long cells, or split it."),
            limit=filesizeformat(limit),
        )


def _xlsx_records(data: bytes):
    from openpyxl import load_workbook

    not_a_workbook = NOT_A_WORKBOOK
    _check_unpacked_size(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except BROKEN as exc:
        raise FileProblem(not_a_workbook) from exc
    try:
        if not workbook.worksheets:
            raise FileProblem(not_a_workbook)
        sheet = workbook.worksheets[0]
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, list(cells)
    except BROKEN as exc:
        raise FileProblem(not_a_workbook) from exc
    finally:
        workbook.close()


def decode_csv(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was in: UTF-8 (with or without BOM), UTF-16, else GB18030."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise FileProblem(_("The CSV file is neither UTF-8 nor GB18030 text; save it again from Excel.")) from exc


def _csv_records(data: bytes):
    text, _encoding = decode_csv(data)
    first_line = text.split("\n", 1)[0]
    delimiter = max(",\t;", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        yield from enumerate(reader, start=1)
    except csv.Error as exc:
        raise FileProblem(_("The CSV file is malformed near line %(line)s."), line=reader.line_num) from exc


def template_xlsx(
    *, title: str, header: Sequence[str], notes: Sequence[tuple[str, str]], choices: dict[int, list[str]]
) -> bytes:
    """A workbook with the header row to fill in, drop-down lists where values are fixed, and a notes sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title(title)
    sheet.append(row_cells(sheet, header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="FDE8E7")
    for index, label in enumerate(header):
        sheet.column_dimensions[_column_letter(index)].width = max(14, min(40, 2 * len(label) + 4))
    sheet.freeze_panes = "A2"
    for index, values in choices.items():
        listed = ",".join(values)
        if len(listed) > 250:  # Excel's limit for an inline list
            continue
        validation = DataValidation(type="list", formula1=f'"{listed}"', allow_blank=True)
        validation.add(f"{_column_letter(index)}2:{_column_letter(index)}{MAX_ROWS + 1}")
        sheet.add_data_validation(validation)
    help_sheet = workbook.create_sheet(sheet_title(str(_("Notes"))))
    help_sheet.column_dimensions["A"].width = 28
    help_sheet.column_dimensions["B"].width = 90
    for column, text in notes:
        help_sheet.append(row_cells(help_sheet, [column, text]))
    help_sheet["A1"].font = Font(bold=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_csv(*, header: Sequence[str]) -> bytes:
    """UTF-8 with a byte-order mark, so Excel shows the Chinese headers instead of mojibake."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([csv_field(text) for text in header])
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)
