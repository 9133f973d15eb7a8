"""The newcomer's path in a real Chromium on a 375 px phone screen, against a live server.

staff adds an entry with a file and sees it without a reload; staff2 cannot reach the task;
office returns it with a reason; staff sees the reason.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, PDF_BYTES, require_service

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", "test-artifacts"))
PHONE = {"width": 375, "height": 812}

# Playwright's sync API runs an event loop in this thread; the ORM calls made by the test
# itself (fixtures, assertions) are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="module")
def browser():
    require_service("Chromium", Path(CHROMIUM).exists() or bool(shutil.which("chromium")), f"{CHROMIUM} not found")
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page_for(browser, live_server, request):
    pages = []

    def open_as(username: str):
        context = browser.new_context(viewport=PHONE, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("button.primary")
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        pages.append(page)
        return page

    yield open_as
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    if failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for i, page in enumerate(pages):
        if failed:
            page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-{i}.png"), full_page=True)
        page.context.close()


def test_phone_entry_return_and_reason(city, page_for, live_server, tmp_path):
    task = city.task_a()
    task_url = f"{live_server.url}/tasks/{task.pk}/"
    evidence = tmp_path / "签到表.pdf"
    evidence.write_bytes(PDF_BYTES)

    staff = page_for("staff_a")
    staff.goto(task_url)
    assert staff.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling
    staff.evaluate("window.__marker = 'same page'")  # survives only if nothing reloads
    staff.fill("#id_text", "召开理论学习中心组专题学习会，14人参加")
    staff.fill("#id_percent", "100")
    staff.set_input_files("#id_files", str(evidence))
    staff.click("text=保存进展记录")
    staff.wait_for_selector("#entries >> text=召开理论学习中心组专题学习会")
    assert staff.locator("#entries >> text=签到表.pdf").is_visible()
    assert staff.evaluate("window.__marker") == "same page"
    # The change history loads when its box is opened (also in the body the entry swapped in).
    assert staff.locator("details.history ol.history-rows").count() == 0
    staff.click("details.history summary")
    staff.wait_for_selector("details.history ol.history-rows >> text=召开理论学习中心组专题学习会")
    assert staff.evaluate("window.__marker") == "same page"
    staff.click("text=提交办结")
    staff.wait_for_selector(".status-submitted")

    outsider = page_for("staff_b")
    response = outsider.goto(task_url)
    assert response.status == 404

    office = page_for("office_city")
    office.goto(task_url)
    office.fill("#id_reason", "请补充会议纪要")
    office.click("text=退回并说明理由")
    office.wait_for_selector(".status-returned")

    staff.goto(task_url)
    assert staff.locator(".returned >> text=请补充会议纪要").is_visible()
