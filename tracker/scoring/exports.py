"""The assessment score as .xlsx: one row per unit with every component, cells through core.spreadsheets."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from typing import IO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from tracker.core.spreadsheets import sheet_title, text_cell
from tracker.scoring.models import ScoreSettings
from tracker.scoring.selectors import UnitScore

PERCENT_FORMAT = "0.0%"


def scores_workbook(*, scores: Sequence[UnitScore], settings: ScoreSettings) -> IO[bytes]:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_title(_("Assessment scores")))
    titles = [
        _("Rank"),
        _("Unit"),
        _("Score"),
        _("Completion"),
        _("On-time share"),
        _("Returned or overdue"),
        _("Weight"),
    ]
    sheet.append([text_cell(sheet, str(title)) for title in titles])
    for rank, score in enumerate(scores, start=1):
        cells = [rank, text_cell(sheet, score.unit_name), score.score]
        for share in (score.completion, score.on_time, score.late):
            cell = WriteOnlyCell(sheet, value=round(share, 4))
            cell.number_format = PERCENT_FORMAT
            cells.append(cell)
        cells.append(score.weight)
        sheet.append(cells)
    sheet.append([])
    formula = _(
        "Score = (completion × %(c)s + on-time share × %(t)s) ÷ %(sum)s × 100 − returned or overdue share × %(p)s"
    ) % {
        "c": settings.completion_weight,
        "t": settings.on_time_weight,
        "sum": settings.completion_weight + settings.on_time_weight,
        "p": settings.late_penalty,
    }
    sheet.append([text_cell(sheet, formula)])
    handle = tempfile.TemporaryFile()
    book.save(handle)
    handle.seek(0)
    return handle
