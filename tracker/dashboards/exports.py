"""Excel exports of the dashboards: the matrix as filtered on screen, and the full task ledger.

openpyxl's write-only mode streams rows into a temporary file instead of building the sheet in
memory, and the rows come from the database through `.iterator()`, so memory stays flat however
many rows there are (100,000 task rows: see the README). Headers are translated msgids, so the
workbook speaks the user's language (Chinese by default); dates are Excel dates and
percentages numbers with a percent format, so the recipient can sort and sum them.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from datetime import date
from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from tracker.campaigns.models import Measure
from tracker.core.spreadsheets import row_cells, sheet_title, text_cell
from tracker.dashboards.selectors import unit_cells
from tracker.work.lights import Light
from tracker.work.models import TaskStatus

DATE_FORMAT = "yyyy-mm-dd"
PERCENT_FORMAT = "0%"
CHUNK = 2000
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


def ledger_workbook(*, tasks: Iterable[Any]) -> IO[bytes]:
    """The task ledger (台账): one row per task, from `dashboards.selectors.ledger_tasks`."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title(_("Task ledger")))
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
    _header(sheet, titles, [28, 14, 40, 8, 12, 12, 10, 8, 8, 12, 8])
    yes = _("yes")
    statuses, lights = _labels(TaskStatus.choices), _labels(Light.choices)
    for task in tasks:
        owner = task.owner.get_full_name() or task.owner.get_username() if task.owner else ""
        sheet.append(
            row_cells(
                sheet,
                [
                    task.unit.name,
                    task.measure.name,
                    task.display_title,
                    yes if task.is_self_chosen else "",
                    owner,
                    _date(sheet, task.due_on),
                    statuses[task.status],
                    lights[task.light],
                    _percent(sheet, task.progress),
                    _date(sheet, task.last_entry_on),
                    task.entry_count,
                ],
            )
        )
    return _save(workbook)
