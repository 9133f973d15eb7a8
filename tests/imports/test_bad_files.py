"""Broken and oversized workbooks get a clear message in the user's language, never a 500.

What is seen at upload (a zip that is no zip, a zip bomb, a giant cell) is refused on the form and
leaves no job; a workbook broken inside is found by the check job, which ends INVALID with the reason."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import login
from tests.imports.sheets import xlsx
from tests.imports.test_imports import upload
from tracker.imports.models import ImportJob, ImportStatus
from tracker.orgs.models import Unit

START = "/imports/"
HX = {"HTTP_HX_REQUEST": "true"}
NOT_A_WORKBOOK = "不是 Excel 或 WPS 能打开的 .xlsx 工作簿"
GOOD = [["east-school-1", "东城区第一小学", "u-East", "单位", "school", "是"]]
SHEET = "xl/worksheets/sheet1.xml"


def rebuilt(change) -> SimpleUploadedFile:
    """A good workbook with its parts passed through `change(name, bytes) -> bytes | None` (None drops it)."""
    source = zipfile.ZipFile(io.BytesIO(xlsx(GOOD).read()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = change(info.filename, source.read(info.filename))
            if data is not None:
                target.writestr(info.filename, data)
    return SimpleUploadedFile("units.xlsx", buffer.getvalue())


def refused(client, file) -> str:
    response = client.post(START, {"kind": "units", "file": file}, **HX)
    html = response.content.decode()
    assert response.status_code == 422, html
    assert not ImportJob.objects.exists()
    return html


@pytest.fixture
def office(client, city):
    login(client, city.office_city)
    return client


def checked_invalid(client, file) -> str:
    """A workbook whose zip directory is sound is taken; its check job ends INVALID with the reason."""
    response = upload(client, file)
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.INVALID and job.rows == [] and not job.upload
    assert not Unit.objects.filter(code="east-school-1").exists()
    html = client.get(response.url).content.decode()
    assert "无法读取该文件" in html
    return html


def test_a_sheet_missing_from_the_zip(office):
    assert NOT_A_WORKBOOK in checked_invalid(office, rebuilt(lambda name, data: None if name == SHEET else data))


def test_xml_cut_off_midway(office):
    cut = rebuilt(lambda name, data: data[: len(data) // 2] if name == SHEET else data)
    assert NOT_A_WORKBOOK in checked_invalid(office, cut)


def test_a_shared_string_index_past_the_end(office):
    def bad_index(name, data):
        if name != SHEET:
            return data
        # openpyxl writes inline strings: make the first one a shared string that does not exist.
        return re.sub(rb't="inlineStr"><is><t>[^<]*</t></is>', b't="s"><v>999</v>', data, count=1)

    assert NOT_A_WORKBOOK in checked_invalid(office, rebuilt(bad_index))


def test_a_truncated_zip(office):
    data = xlsx(GOOD).read()
    assert NOT_A_WORKBOOK in refused(office, SimpleUploadedFile("units.xlsx", data[: len(data) // 3]))


def test_one_giant_cell_is_refused_before_it_is_unpacked(office, settings):
    settings.IMPORT_MAX_UNPACKED_BYTES = 2 * 1024 * 1024
    giant = ("甲" * (1024 * 1024)).encode()  # 3 MB of UTF-8 in one cell, a few kilobytes zipped

    def with_giant_cell(name, data):
        return data.replace(b"east-school-1</t>", b"east-school-1" + giant + b"</t>", 1) if name == SHEET else data

    html = refused(office, rebuilt(with_giant_cell))
    assert "解压后超过" in html and "2.0" in html


def test_a_zip_bomb_is_refused_by_its_declared_size(office, settings):
    settings.IMPORT_MAX_UNPACKED_BYTES = 1024 * 1024
    bomb = rebuilt(lambda name, data: data + b" " * (8 * 1024 * 1024) if name == SHEET else data)
    assert len(bomb.read()) < 100_000
    bomb.seek(0)
    assert "解压后超过" in refused(office, bomb)
