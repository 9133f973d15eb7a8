"""Screenshots of the main pages for the README, taken on the demo city (`make screenshots`).

Skipped in a normal test run: it seeds the whole demo city and rewrites docs/screenshots/.
`SCREENSHOTS=docs/screenshots pytest tests/browser/test_screenshots.py` (what `make screenshots`
runs) writes the PNGs; commit them when the pages change.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation

from tests.browser.test_unit_workflow import PHONE, browser  # noqa: F401 - shared fixture
from tracker.demo.evidence import PHOTO_NAME
from tracker.imports import services as imports
from tracker.imports.files import template_csv
from tracker.imports.importers import IMPORTERS
from tracker.orgs.models import Role, RoleAssignment
from tracker.work.models import Task

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

TARGET = os.environ.get("SCREENSHOTS", "")
DEMO_PASSWORD = "campaign-demo"
DESKTOP = {"width": 1280, "height": 860}
MAX_BYTES = 300_000


def _bad_import(office) -> int:
    """An uploaded units file with two bad rows, for the report of the import page."""
    with translation.override("zh-hans"):
        header = IMPORTERS["units"].template_header()
    lines = [",".join(["", "东城区某街道", "no-such-parent"] + [""] * (len(header) - 3))]
    lines.append(",".join(["x" * 80, ""] + [""] * (len(header) - 2)))
    data = template_csv(header=header) + "\r\n".join(lines).encode() + b"\r\n"
    return imports.import_job_create(by=office, kind="units", file_name="单位导入.csv", data=data).pk


@pytest.mark.skipif(not TARGET, reason="set SCREENSHOTS=<folder> (make screenshots) to write the README's screenshots")
def test_screenshots_of_the_main_pages(browser, live_server):  # noqa: F811
    call_command("seed_campaign", verbosity=0)
    call_command("seed_demo", verbosity=0)
    target = Path(TARGET)
    target.mkdir(parents=True, exist_ok=True)
    staff_unit = RoleAssignment.objects.get(user__username="staff", role=Role.STAFF).unit
    task = Task.objects.filter(unit=staff_unit, entry_count__gt=0).order_by("-entry_count", "id").first()
    office_user = RoleAssignment.objects.filter(user__username="office").first().user
    job = _bad_import(office_user)

    shots: list[Path] = []

    def shoot(username: str, viewport: dict, pages: list[tuple[str, str]], *, full_page: bool = False):
        context = browser.new_context(viewport=viewport, locale="zh-CN", device_scale_factor=1)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("button.primary")
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        for name, path in pages:
            page.goto(f"{live_server.url}{path}")
            if path == "/dashboard/":
                page.wait_for_function("document.querySelectorAll('canvas[data-chart][data-drawn]').length === 3")
                page.wait_for_timeout(600)  # let Chart.js finish its entry animation
            if name == "phone-review-item":
                page.locator(".entry .evidence").first.scroll_into_view_if_needed()
                page.wait_for_timeout(600)  # let the preview images arrive
            file = target / f"{name}.png"
            page.screenshot(path=str(file), full_page=full_page)
            shots.append(file)
        context.close()

    shoot("staff", PHONE, [("phone-landing-staff", "/"), ("phone-unit", f"/units/{staff_unit.pk}/")])
    shoot("staff", PHONE, [("phone-task", f"/tasks/{task.pk}/")])
    reviewed = Task.objects.filter(entries__evidence__original_name=PHOTO_NAME).order_by("pk").first()
    shoot("guide", PHONE, [("phone-landing-guide", "/"), ("phone-review-item", f"/tasks/{reviewed.pk}/?queue=")])
    shoot("staff", PHONE, [("phone-quick-study", f"/units/{staff_unit.pk}/ledgers/study/new/")])
    shoot(
        "office",
        DESKTOP,
        [
            ("landing-office", "/"),
            ("overview", "/dashboard/"),
            ("matrix", "/dashboard/matrix/"),
            ("ledger-book", f"/units/{staff_unit.pk}/ledgers/"),
            ("import-report", f"/imports/{job}/"),
        ],
    )
    shoot("leader", DESKTOP, [("landing-leadership", "/")])
    for file in shots:
        assert file.stat().st_size < MAX_BYTES, f"{file} is {file.stat().st_size} bytes"
