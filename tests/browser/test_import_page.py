"""The office imports units on a 375 px phone in a real Chromium: bad row reported, fixed, imported.

Every step after the first page load is an htmx swap: the page is never reloaded.
"""

from __future__ import annotations

import pytest

from tests.browser.test_unit_workflow import PHONE, browser, page_for  # noqa: F401  (shared fixtures)
from tests.imports.sheets import xlsx
from tracker.imports.models import ImportJob, ImportStatus
from tracker.orgs.models import Unit

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

GOOD = [
    ["east-edu", "东城区教育局", "u-East", "单位", "机关", "是"],
    ["east-school", "东城区第一小学", "east-edu", "", "中小学", ""],
]
BAD = [*GOOD, ["east-bad", "东城区某单位", "u-West", "", "", ""]]


def save(tmp_path, name, rows):
    path = tmp_path / name
    path.write_bytes(xlsx(rows).read())
    return str(path)


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_phone_import_reports_the_bad_row_then_imports(city, page_for, live_server, tmp_path, jobs_inline):  # noqa: F811
    office = page_for("office_east")  # u-West lies outside East
    office.goto(f"{live_server.url}/imports/")
    assert no_sideways_scroll(office)
    office.evaluate("window.__marker = 'same page'")

    office.check("input[name=kind][value=units]")
    office.set_input_files("#id_file", save(tmp_path, "单位.xlsx", BAD))
    office.click("text=检查文件")
    office.wait_for_selector("#job .problems")
    row = office.locator("#job .problems tbody tr")
    assert row.count() == 1
    assert row.locator("td").all_inner_texts() == [
        "4",
        "上级单位编码",
        "在您的管理范围内和本文件中都没有编码为“u-West”的单位。",
    ]
    assert "未写入任何数据" in office.inner_text("#job")
    assert office.evaluate("window.__marker") == "same page"
    assert office.url.endswith(f"/imports/{ImportJob.objects.latest('id').pk}/")  # pushed: a reload keeps the report
    assert no_sideways_scroll(office)
    assert not Unit.objects.filter(code__startswith="east-").exists()

    office.click("text=上传改正后的文件")
    office.wait_for_selector("#id_file")
    office.evaluate("window.__marker = 'second page'")
    office.check("input[name=kind][value=units]")
    office.set_input_files("#id_file", save(tmp_path, "单位（改）.xlsx", GOOD))
    office.click("text=检查文件")
    office.wait_for_selector("text=将新增 2 条")
    office.click("text=立即导入")
    office.wait_for_selector("#job .status-done")
    assert [t.strip() for t in office.locator("#job .stat .num").all_inner_texts()] == ["2", "0", "0"]
    assert office.evaluate("window.__marker") == "second page"
    assert ImportJob.objects.latest("id").status == ImportStatus.DONE
    assert Unit.objects.get(code="east-school").parent.code == "east-edu"
