"""Excel exports of the dashboards: the matrix as filtered on screen, and the full task ledger.

The ledger (up to 100,000 rows at city scale) streams tuples from a server-side cursor into
XlsxWriter (tracker.core.spreadsheets.StreamingWorkbook); the matrix (one row per unit) uses
openpyxl's write-only mode. Either way memory stays flat however many rows there are. Above
`INLINE_MAX_ROWS` rows an export is a background job (tracker.dashboards.jobs). Headers are translated msgids, so the
workbook speaks the user's language (Chinese by default); dates are Excel dates and
percentages numbers with a percent format, so the recipient can sort and sum them.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import IO, Any

from django.db.models import QuerySet
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from tracker.campaigns.models import Measure
from tracker.core.spreadsheets import (
    DATE,
    NUMBER,
    PERCENT,
    TEXT,
    StreamingWorkbook,
    row_cells,
    sheet_title,
    text_cell,
)
from tracker.dashboards.selectors import unit_cells
from tracker.work.lights import Light
from tracker.work.models import Task, TaskStatus

DATE_FORMAT = "yyyy-mm-dd"
PERCENT_FORMAT = "0%"
CHUNK = 2000
# Exports up to this many rows are answered inline (well under a second); larger ones run as a job.
INLINE_MAX_ROWS = 5000
BOLD = Font(bold=True)


def _header(sheet: WriteOnlyWorksheet, titles: Sequence[str], widths: Sequence[int]) -> None:
    for index, width in enumerate(widths):
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    sheet.freeze_panes = "A2"
    cells = []
    for title in titles:
        cell = text_cell(sheet, str(title))
        cell.font = BOLD
        cells.append(cell)
    sheet.append(cells)


def _percent(sheet: WriteOnlyWorksheet, value: int | None) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=None if value is None else value / 100)
    cell.number_format = PERCENT_FORMAT
    return cell


def _date(sheet: WriteOnlyWorksheet, value: date | None) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = DATE_FORMAT
    return cell


def _light(value: str | None) -> str:
    return str(Light(value).label) if value else ""


def _labels(choices) -> dict[str, str]:
    # Translated once per export: a lazy label resolved 100,000 times costs seconds.
    return {value: str(label) for value, label in choices}


def _save(workbook: Workbook) -> IO[bytes]:
    """The finished workbook in an anonymous temporary file, rewound for streaming."""
    handle = tempfile.TemporaryFile(suffix=".xlsx")
    workbook.save(handle)
    handle.seek(0)
    return handle


def matrix_workbook(*, units: Iterable[Any], measures: Sequence[Measure]) -> IO[bytes]:
    """The matrix rows of `unit_rollups(..., measures=measures)`, in the queryset's order."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title(_("Matrix")))
    titles = [
        _("Rank"),
        _("Unit"),
        _("Parent unit"),
        _("Category"),
        _("Light"),
        _("Completion"),
        _("Done"),
        _("Tasks"),
        _("Red"),
        _("Yellow"),
    ]
    for measure in measures:
        titles += [f"{measure.name} · {_('Completion')}", f"{measure.name} · {_('Light')}"]
    _header(sheet, titles, [6, 28, 18, 14, 8, 10, 8, 8, 8, 8] + [12, 8] * len(measures))
    for unit in units:
        row = [
            unit.rank,
            unit.name,
            unit.parent.name if unit.parent else "",
            unit.category.name if unit.category else "",
            _light(unit.task_light),
            _percent(sheet, unit.task_percent),
            unit.task_done,
            unit.task_total,
            unit.task_red,
            unit.task_yellow,
        ]
        for cell in unit_cells(unit, measures):
            has_tasks = cell.counts.total > 0
            row += [
                _percent(sheet, cell.counts.percent_done if has_tasks else None),
                _light(cell.counts.light) if has_tasks else "",
            ]
        sheet.append(row_cells(sheet, row))
    return _save(workbook)


# The ledger's columns as tuples straight from the database (no model objects: building 100,000
# Task objects was a third of the export's time). Measures and templates come in both languages; one is picked per row.
LEDGER_FIELDS = (
    "unit__name",
    "measure__name_zh",
    "measure__name_en",
    "title",
    "template__title_zh",
    "template__title_en",
    "template__recurrence",
    "period_starts_on",
    "template_id",
    "owner__first_name",
    "owner__last_name",
    "owner__username",
    "due_on",
    "status",
    "light",
    "progress",
    "last_entry_on",
    "entry_count",
)
LEDGER_KINDS = (TEXT, TEXT, TEXT, TEXT, TEXT, DATE, TEXT, TEXT, PERCENT, DATE, NUMBER)


def ledger_xlsx(
    *, path: str | os.PathLike[str], tasks: QuerySet[Task], progress: Callable[[int], None] | None = None
) -> int:
    """Write the task ledger (台账) of `dashboards.selectors.ledger_tasks` to `path`; returns the row count.

    Rows stream from a server-side cursor as tuples into XlsxWriter's constant_memory mode, so
    memory stays flat however many tasks there are. `progress(rows)` is called every CHUNK rows.
    """
    titles = [
        _("Unit"),
        _("Measure"),
        _("Task"),
        _("Self-chosen"),
        _("Owner"),
        _("Due date"),
        _("Status"),
        _("Light"),
        _("Progress"),
        _("Last entry"),
        _("Entry count"),
    ]
    workbook = StreamingWorkbook(path)
    sheet = workbook.sheet(
        _("Task ledger"), header=titles, kinds=LEDGER_KINDS, widths=[28, 14, 40, 8, 12, 12, 10, 8, 8, 12, 8]
    )
    english = (get_language() or "").startswith("en")
    yes = _("yes")
    statuses, lights = _labels(TaskStatus.choices), _labels(Light.choices)
    months: dict[date, str] = {}
    count = 0
    for row in tasks.values_list(*LEDGER_FIELDS).iterator(chunk_size=CHUNK):
        (unit, measure_zh, measure_en, own_title, title_zh, title_en, recurrence, period) = row[:8]
        (template_id, first, last, username, due_on, status, light, percent, last_entry, entries) = row[8:]
        if template_id is None:
            title = own_title
        else:
            title = (title_en or title_zh) if english else title_zh
            if period and recurrence != "none":
                month = months.get(period) or months.setdefault(period, date_format(period, "YEAR_MONTH_FORMAT"))
                title = f"{title}（{month}）"
        sheet.append(
            (
                unit,
                (measure_en or measure_zh) if english else measure_zh,
                title,
                "" if template_id else yes,
                f"{first} {last}".strip() or username or "",
                due_on,
                statuses[status],
                lights[light] if light else "",
                percent,
                last_entry,
                entries,
            )
        )
        count += 1
        if progress is not None and count % CHUNK == 0:
            progress(count)
    workbook.close()
    return count
