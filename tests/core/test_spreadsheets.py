"""Every workbook the app writes keeps people's text inert: no cell is ever a formula.

The files are downloaded through the views and opened with openpyxl, as Excel would read them.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tests.conftest import login
from tests.factories import make_ledger_row
from tracker.core.spreadsheets import csv_field, sheet_title
from tracker.orgs.models import Unit
from tracker.work import services

FORMULAS = ['=HYPERLINK("http://x","点我")', "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1"]


def _hostile_city(city) -> None:
    """Unit A named like a formula, a self-chosen task and ledger rows typed like formulas."""
    Unit.objects.filter(pk=city.unit_a.pk).update(name=FORMULAS[0])
    services.task_create_self_chosen(
        campaign=city.campaign,
        unit=city.unit_a,
        by=city.staff_a,
        measure=city.study,
        title="=1+2",
        due_on=timezone.localdate(),
    )
    make_ledger_row("study", unit=city.unit_a, by=city.staff_a, topic="@cmd|' /C calc'!A0")
    make_ledger_row("topics", unit=city.unit_a, by=city.staff_a, title="-1+cmd")


def _cells(content: bytes):
    workbook = load_workbook(io.BytesIO(content))
    for sheet in workbook.worksheets:
        yield from (cell for row in sheet.iter_rows() for cell in row if cell.value is not None)


def _download(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, url
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize(
    "route, args",
    [
        ("dashboards:matrix_export", lambda c: []),
        ("dashboards:ledger_export", lambda c: []),
        ("ledgers:book_export", lambda c: [c.unit_a.pk]),
        ("ledgers:ledger_export", lambda c: [c.unit_a.pk, "study"]),
        ("ledgers:ledger_export", lambda c: [c.unit_a.pk, "topics"]),
    ],
)
def test_exports_never_write_a_formula(client, city, route, args):
    _hostile_city(city)
    login(client, city.office_city)
    cells = list(_cells(_download(client, reverse(route, args=args(city)))))
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
    hostile = [cell for cell in cells if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@"))]
    assert hostile, "the hostile text should be in the export"
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in hostile)


def test_a1_title_of_every_ledger_sheet_is_text(client, city):
    _hostile_city(city)
    login(client, city.staff_a)
    workbook = load_workbook(io.BytesIO(_download(client, reverse("ledgers:book_export", args=[city.unit_a.pk]))))
    for sheet in workbook.worksheets:
        assert sheet["A1"].data_type == "s" and sheet["A1"].value.startswith(FORMULAS[0]), sheet.title


@pytest.mark.parametrize("kind", ["units", "users"])
def test_import_templates_are_text(client, city, kind):
    login(client, city.office_city)
    for cell in _cells(_download(client, reverse("imports:template", args=[kind, "xlsx"]))):
        assert cell.data_type == "s", cell.coordinate
    text = _download(client, reverse("imports:template", args=[kind, "csv"])).decode("utf-8-sig")
    assert all(not field.startswith(("=", "+", "-", "@")) for field in next(csv.reader(io.StringIO(text))))


@pytest.mark.parametrize("value", FORMULAS)
def test_csv_fields_open_as_text(value):
    assert csv_field(value).startswith("'")
    assert csv_field("东区第一中学") == "东区第一中学" and csv_field(3) == 3


def test_sheet_titles_are_what_excel_accepts():
    assert not set("/:*?[]\\") & set(sheet_title("a/b:c*d?[e]\\f"))
    assert len(sheet_title("x" * 40)) == 31
    assert sheet_title("'=1'") == "=1" and sheet_title("[]") == "Sheet"
