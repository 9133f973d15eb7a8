"""交办 on a 375 px phone, against a live server: the office issues it to a category of units with
an attachment, staff acknowledges (签收) and replies, the board shows the reply, the office accepts."""

from __future__ import annotations

import pytest

from tests.browser.test_unit_workflow import PHONE, browser, page_for  # noqa: F401 - shared fixtures
from tests.conftest import PDF_BYTES
from tracker.directives.models import Assignment
from tracker.work.models import TaskStatus

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_issue_acknowledge_reply_accept_on_a_phone(city, page_for, live_server, tmp_path):  # noqa: F811
    attachment = tmp_path / "检查方案.pdf"
    attachment.write_bytes(PDF_BYTES)

    office = page_for("office_city")
    office.goto(f"{live_server.url}/assignments/new/")
    office.fill("#id_title", "专项检查自查")
    office.fill("#id_text", "请对照清单开展自查，并反馈自查报告。")
    office.fill("#id_due_on", (city.campaign.ends_on).isoformat())
    office.check("input[name=mode][value=category]")
    office.select_option("#id_category", str(city.unit_a.category_id))
    office.set_input_files("#id_files", str(attachment))
    office.click("button.primary")
    office.wait_for_url("**/assignments/*/")
    assert "未签收" in office.inner_text("nav.tabs")
    no_sideways_scroll(office)
    assignment = Assignment.objects.get()
    target = assignment.targets.get(unit=city.unit_a)

    staff = page_for("staff_a")
    staff.goto(f"{live_server.url}/")
    staff.click("text=专项检查自查")
    staff.click("#acknowledge")
    staff.wait_for_selector("text=已签收")
    assert staff.is_visible("a:has-text('检查方案.pdf')")
    staff.fill("#id_text", "已完成自查，报告见附件。")
    staff.click("#reply")
    staff.wait_for_selector("text=反馈已提交")
    no_sideways_scroll(staff)

    office.goto(f"{live_server.url}/assignments/{assignment.pk}/?state=replied")
    assert city.unit_a.name in office.inner_text("#board")
    office.click("#board >> text=审核反馈")
    office.click("#accept")
    office.wait_for_url(f"**/assignments/{assignment.pk}/")
    target.task.refresh_from_db()
    assert target.task.status == TaskStatus.DONE
