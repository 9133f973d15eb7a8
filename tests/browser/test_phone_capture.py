"""On a 375 × 812 phone in Chromium: a guide sees evidence previews inline and reviews from the
queue; a clerk records a study session and a research visit within the tap budget; an entry's
draft survives a reload, its photo is downscaled, and an upload cut off by the network is retried
with what was typed kept."""

from __future__ import annotations

import io
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from PIL import Image

from tests.browser.test_unit_workflow import PHONE, browser, page_for  # noqa: F401 - shared fixtures
from tests.conftest import wait_for
from tests.work.sample_files import pdf_document, phone_photo
from tests.work.test_review_queue import submit
from tracker.ledgers import services as ledger_services
from tracker.ledgers.models import ResearchVisit, StudySession
from tracker.work import services
from tracker.work.models import Entry, Evidence, Task
from tracker.work.previews import evidence_preview_build

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

TAP_BUDGET = 6
SECONDS_BUDGET = 60


class Taps:
    """Counts what the person touches: every click or tap, and every field they type into."""

    def __init__(self, page):
        self.page = page
        self.count = 0

    def tap(self, selector: str) -> None:
        self.count += 1
        self.page.click(selector)

    def type(self, selector: str, text: str) -> None:
        self.tap(selector)  # focusing the field is a tap; the keyboard is not
        self.page.keyboard.type(text)


def with_evidence(task: Task, by, files) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    entry = services.entry_add(task=task, by=by, text="学习材料", files=[SimpleUploadedFile(n, d) for n, d in files])
    for evidence in entry.evidence.all():
        evidence_preview_build(evidence_id=evidence.pk)


def rows_shown(page) -> int:
    return page.evaluate("document.querySelectorAll('#queue .task-row').length")


def drafts(page) -> int:
    return page.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('ct-draft:')).length")


def loaded_images(page, selector: str) -> int:
    return page.evaluate(
        "(s) => [...document.querySelectorAll(s)].filter(i => i.complete && i.naturalWidth > 0).length", selector
    )


def test_guide_sees_a_photo_and_a_pdf_page_inline_then_reviews(city, page_for, live_server):  # noqa: F811
    now = timezone.now()
    city.unit_a.guidance_groups.get().units.add(city.unit_b)
    first, second = city.unit_a.tasks.all()[:2]
    with_evidence(first, city.staff_a, [("现场照片.jpg", phone_photo(1200, 800)), ("会议纪要.pdf", pdf_document(2))])
    a1, a2 = submit(first, city.staff_a, now - timedelta(days=9)), submit(second, city.staff_a, now - timedelta(days=8))
    submit(city.task_b(), city.staff_b, now - timedelta(days=20))

    guide = page_for("guide")
    guide.goto(f"{live_server.url}/review/")
    guide.select_option("select[name=unit]", str(city.unit_a.pk))
    wait_for(lambda: rows_shown(guide) == 2, what="the filtered queue")
    guide.click(f"#queue a[href^='/tasks/{a1.pk}/']")
    guide.wait_for_selector("img.preview")
    wait_for(lambda: loaded_images(guide, "img.preview") == 3, what="the photo and the PDF's two pages")
    portrait = guide.evaluate(
        "(() => { const i = document.querySelector('img.preview'); return i.naturalHeight > i.naturalWidth; })()"
    )
    assert portrait, "the photo is shown upright (EXIF orientation applied)"
    assert guide.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    guide.reload()  # refresh keeps the page whole
    guide.wait_for_selector("img.preview")
    guide.go_back()  # Back to the filtered queue
    guide.wait_for_url(lambda url: f"unit={city.unit_a.pk}" in url)
    wait_for(lambda: rows_shown(guide) == 2, what="the filtered queue")

    rows = guide.locator("#queue input[name=task]")
    rows.nth(0).check()
    rows.nth(1).check()
    guide.click("text=通过所选任务…")
    guide.fill("#id_note", "材料齐全")
    guide.click("text=通过这 2 项任务")
    guide.wait_for_selector("text=已通过 2 项任务")
    assert set(Task.objects.filter(pk__in=[a1.pk, a2.pk]).values_list("status", flat=True)) == {"done"}


def test_clerk_records_a_study_session_and_a_visit_within_the_tap_budget(city, page_for, live_server):  # noqa: F811
    today = timezone.localdate()
    for days, attendees in ((14, "张三、李四"), (7, "张三、王五")):
        ledger_services.ledger_row_create(
            ledger="study",
            campaign=city.campaign,
            unit=city.unit_a,
            by=city.staff_a,
            data={
                "kind": "central_group",
                "mode": "offline",
                "topic": "上次学习",
                "held_on": today - timedelta(days=days),
                "hours": Decimal("2.5"),
                "attendees": attendees,
            },
        )
    ledger_services.ledger_row_create(
        ledger="visits",
        campaign=city.campaign,
        unit=city.unit_a,
        by=city.staff_a,
        data={
            "site": "城关街道第一社区",
            "visited_on": today - timedelta(days=40),
            "leader_name": "王书记",
            "participants": "赵六",
        },
    )
    clerk = page_for("staff_a")
    clerk.goto(f"{live_server.url}/")

    taps, started = Taps(clerk), time.monotonic()
    taps.tap("text=记一次学习")
    taps.type("#id_topic", "学习贯彻新思想专题")
    assert clerk.input_value("#id_attendees") == "张三、王五"  # the last session's people
    taps.tap(".chip[data-chip-for=id_attendees]:text('李四')")  # one more, from an earlier session
    taps.tap("form#row-form button.primary")
    clerk.wait_for_selector("text=已记入台账")
    study_taps, study_seconds = taps.count, time.monotonic() - started
    session = StudySession.objects.get(topic="学习贯彻新思想专题")
    assert (session.held_on, session.kind, session.hours, session.attendance) == (
        today,
        "central_group",
        Decimal("2.5"),
        3,
    )

    clerk.goto(f"{live_server.url}/")
    taps, started = Taps(clerk), time.monotonic()
    taps.tap("text=记一次调研走访")
    taps.type("#id_site", "西关村")
    taps.tap(".chip[data-chip-for=id_leader_name]:text('王书记')")
    taps.tap("form#row-form button.primary")
    clerk.wait_for_selector("text=已记入台账")
    visit_taps, visit_seconds = taps.count, time.monotonic() - started
    visit = ResearchVisit.objects.get(site="西关村")
    assert (visit.visited_on, visit.leader_name, visit.participants) == (today, "王书记", "赵六")

    print(f"quick record: study {study_taps} taps {study_seconds:.1f} s; visit {visit_taps} taps {visit_seconds:.1f} s")
    assert study_taps <= TAP_BUDGET and visit_taps <= TAP_BUDGET
    assert study_seconds <= SECONDS_BUDGET and visit_seconds <= SECONDS_BUDGET
    assert clerk.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_entry_draft_survives_a_reload_and_a_failed_upload_is_retried(city, page_for, live_server, tmp_path):  # noqa: F811
    task = city.task_a()
    big = tmp_path / "现场.jpg"
    Image.new("RGB", (3000, 2000), "teal").save(big, "JPEG")
    staff = page_for("staff_a")
    staff.goto(f"{live_server.url}/tasks/{task.pk}/")
    staff.fill("#id_text", "组织支部学习，到会14人")
    wait_for(lambda: drafts(staff), what="the draft to be kept")
    staff.reload()  # as if the tab had been closed
    staff.click("text=恢复草稿")
    assert staff.input_value("#id_text") == "组织支部学习，到会14人"

    staff.set_input_files("#id_files", str(big))
    wait_for(
        lambda: staff.evaluate(
            "() => { const f = document.querySelector('#id_files').files[0];"
            " return f.type === 'image/jpeg' && f.size < 1500000 && !document.querySelector('form[data-preparing]'); }"
        ),
        what="the photo to be downscaled",
    )
    staff.context.set_offline(True)
    staff.click("text=保存进展记录")
    staff.wait_for_selector("[data-upload-failed]:not([hidden])")
    assert staff.input_value("#id_text") == "组织支部学习，到会14人"  # nothing typed is lost
    assert not Entry.objects.exists()
    staff.context.set_offline(False)
    if staff.locator("[data-upload-failed]:not([hidden])").count():
        staff.click("[data-upload-retry]")
    staff.wait_for_selector(".msg.saved")
    entry = Entry.objects.get()
    assert entry.text == "组织支部学习，到会14人"
    stored = Evidence.objects.get()
    with stored.file.open("rb") as handle:
        width, height = Image.open(io.BytesIO(handle.read())).size
    assert width * height <= 2_000_000, "the photo was downscaled on the phone"
    assert not drafts(staff), "the draft is gone once saved"
