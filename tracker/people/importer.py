"""Read a roster sheet: unit code, name, post, on the leadership team (是/否). Checking is the service's."""

from __future__ import annotations

import zipfile
from typing import IO

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from tracker.people.services import RosterLine

MAX_ROWS = 5000
YES = {"是", "yes", "y", "true", "1", "班子成员", "√", "✓"}


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def read_roster(handle: IO[bytes]) -> list[RosterLine]:
    """The roster lines of the first sheet, the first row being the headers."""
    try:
        workbook = load_workbook(handle, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise ValidationError(_("This is not an Excel (.xlsx) file.")) from None
    sheet = workbook.worksheets[0]
    lines: list[RosterLine] = []
    for number, row in enumerate(sheet.iter_rows(min_row=2, max_col=4, values_only=True), start=2):
        cells = [_text(cell) for cell in (*row, None, None, None, None)[:4]]
        if not any(cells):
            continue
        if len(lines) >= MAX_ROWS:
            raise ValidationError(_("At most %(n)d rows per file.") % {"n": MAX_ROWS})
        code, name, post, leader = cells
        if len(name) > 50 or len(post) > 100:
            raise ValidationError(_("Row %(line)d: the name or post is too long.") % {"line": number})
        lines.append(RosterLine(number, code, name, post, leader.casefold() in YES))
    workbook.close()
    return lines
