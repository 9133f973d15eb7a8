"""The weekly briefing: its numbers are the overview's, it opens in python-docx and LibreOffice,
its pages are permission-checked, and a real Celery worker builds it."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from docx import Document
from docx.oxml.ns import qn

from tests.conftest import (
    grow_city,
    login,
    require_service,
    require_worker_services,
    rollups_current,
    wait_for,
    waiting_for_review,
)
from tests.factories import TaskFactory, make_ledger_row
from tracker.briefings import document, services
from tracker.briefings.models import BriefingJob, BriefingStatus
from tracker.briefings.selectors import briefing_data
from tracker.cases.services import case_propose
from tracker.dashboards import selectors as dashboards
from tracker.work import services as work
from tracker.work.lights import LightRule

# briefing_data: a roll-up freshness check, the overview's queries (areas: one page, counted by a
# window) plus ranking, red list, model cases and ledgers (crowded sites: the clusters, then their
# latest visits)
QUERIES = 22


def _week():
    today = timezone.localdate()
    return today - timedelta(days=6), today


def _activity(city):
    """A done task in unit A, a featured self-chosen task, an overdue problem and two visits to one site."""
    task = city.task_a()
    work.entry_add(task=task, by=city.staff_a, text="学习会")
    chosen = TaskFactory(campaign=city.campaign, unit=city.unit_a, measure=city.study, title="红色教育基地共建")
    case_propose(by=city.office_city, task=chosen, citation="共建共享，群众认可")
    item = make_ledger_row("rectification", unit=city.unit_a, by=city.staff_a)
    type(item).objects.filter(pk=item.pk).update(deadline=timezone.localdate() - timedelta(days=3))
    make_ledger_row("visits", unit=city.unit_a, by=city.staff_a)
    make_ledger_row("visits", unit=city.unit_b, by=city.staff_b, leader_name="赵处长")


def _build(city, user):
    starts_on, ends_on = _week()
    with translation.override("zh-hans"):
        data = briefing_data(user=user, campaign=city.campaign, starts_on=starts_on, ends_on=ends_on)
        return Document(io.BytesIO(document.build(data)))


def _cells(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def test_docx_numbers_equal_the_overview(city):
    _activity(city)
    doc = _build(city, city.office_city)
    o = dashboards.overview(user=city.office_city, campaign=city.campaign, rule=LightRule.for_campaign(city.campaign))
    c = o.counts
    overall, measures = doc.tables[0], doc.tables[1]
    assert _cells(overall)[1] == [
        str(c.total),
        str(c.done),
        f"{c.percent_done}%",
        str(c.submitted),
        str(c.red),
        str(c.yellow),
        f"{o.clock.percent}%",
    ]
    assert c.total > 0 and c.red > 0  # the "plan" template is overdue everywhere
    assert _cells(measures)[1:] == [
        [m.name, str(m.task_total), str(m.task_done), f"{m.task_percent}%", str(m.task_red), str(m.task_yellow)]
        for m in o.measures
    ]
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "工作简报" in text
    assert "红色教育基地共建" in text and "共建共享，群众认可" in text  # the model case with its citation
    assert "幸福社区" in "\n".join(cell.text for t in doc.tables for row in t.rows for cell in row.cells)  # crowding
    assert len(doc.inline_shapes) == 2  # trend and measures charts


def test_docx_is_a4_with_chinese_fonts_on_the_styles(city):
    doc = _build(city, city.leadership)
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)  # stored in twips
    for name, east_asian in (("Normal", "仿宋"), ("Heading 1", "黑体"), ("Table Grid", "宋体")):
        fonts = doc.styles[name].element.rPr.find(qn("w:rFonts"))
        assert fonts.get(qn("w:eastAsia")) == east_asian
        assert fonts.get(qn("w:eastAsiaTheme")) is None and fonts.get(qn("w:asciiTheme")) is None


def test_office_east_briefing_counts_only_its_district(city):
    doc = _build(city, city.office_east)
    east = dashboards.overview(
        user=city.office_east, campaign=city.campaign, rule=LightRule.for_campaign(city.campaign)
    )
    assert _cells(doc.tables[0])[1][0] == str(east.counts.total) == str(city.unit_a.tasks.count())


def test_libreoffice_converts_the_briefing_to_pdf(city, tmp_path):
    binary = shutil.which("libreoffice") or shutil.which("soffice")
    require_service(
        "LibreOffice", bool(binary), "libreoffice is not installed (apt-get install libreoffice-writer-nogui)"
    )
    _activity(city)
    source = tmp_path / "briefing.docx"
    _build(city, city.office_city).save(source)
    profile = f"-env:UserInstallation=file://{tmp_path}/lo-profile"  # never the user's own profile
    result = subprocess.run(
        [binary, profile, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    pdf = tmp_path / "briefing.pdf"
    assert result.returncode == 0 and pdf.exists(), result.stderr
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 10_000


def test_run_builds_the_file_once(city):
    starts_on, ends_on = _week()
    job = services.briefing_job_create(
        by=city.office_city, campaign=city.campaign, starts_on=starts_on, ends_on=ends_on, language="zh-hans"
    )
    assert services.briefing_job_run(job_id=job.pk) is not None
    job.refresh_from_db()
    assert (job.status, job.progress, job.error) == (BriefingStatus.DONE, 100, "")
    name = job.file.name
    assert services.briefing_job_run(job_id=job.pk) is None  # a redelivered task changes nothing
    job.refresh_from_db()
    assert job.file.name == name and job.status == BriefingStatus.DONE


def test_a_failure_is_recorded_not_left_running(city, monkeypatch):
    starts_on, ends_on = _week()
    job = services.briefing_job_create(
        by=city.office_city, campaign=city.campaign, starts_on=starts_on, ends_on=ends_on, language="zh-hans"
    )

    def broken(data, progress):
        raise ValueError("chart failed")

    monkeypatch.setattr(document, "build", broken)
    assert services.briefing_job_run(job_id=job.pk) is None
    job.refresh_from_db()
    assert job.status == BriefingStatus.FAILED and "chart failed" in job.error and not job.file


def test_pages_ask_poll_and_download(client, city, django_capture_on_commit_callbacks, monkeypatch):
    dispatched = []
    monkeypatch.setattr(services, "_dispatch", dispatched.append)
    login(client, city.office_city)
    starts_on, ends_on = _week()
    bad = client.post(reverse("briefings:start"), {"starts_on": ends_on, "ends_on": starts_on}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 422 and not BriefingJob.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("briefings:start"), {"starts_on": starts_on, "ends_on": ends_on})
    job = BriefingJob.objects.get()
    assert response.status_code == 302 and response.url == job.get_absolute_url()
    assert dispatched == [job.pk]  # enqueued only after the commit, by id

    polling = client.get(job.get_absolute_url(), HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 1s"' in polling.content.decode() and "<html" not in polling.content.decode()
    assert client.get(reverse("briefings:download", args=[job.pk])).status_code == 404  # not ready yet

    services.briefing_job_run(job_id=job.pk)
    done = client.get(job.get_absolute_url(), HTTP_HX_REQUEST="true").content.decode()
    assert "every 1s" not in done and reverse("briefings:download", args=[job.pk]) in done
    download = client.get(reverse("briefings:download", args=[job.pk]))
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment;")
    Document(io.BytesIO(b"".join(download.streaming_content)))

    login(client, city.leadership)  # the same rights, but not the owner
    assert client.get(reverse("briefings:download", args=[job.pk])).status_code == 404


@pytest.mark.parametrize("jobs", [1, 12])
def test_start_page_query_count_is_constant(client, city, django_assert_num_queries, jobs):
    starts_on, ends_on = _week()
    BriefingJob.objects.bulk_create(
        BriefingJob(created_by=city.office_city, campaign=city.campaign, starts_on=starts_on, ends_on=ends_on)
        for _ in range(jobs)
    )
    login(client, city.office_city)
    client.get(reverse("briefings:start"))  # warm the per-request caches outside the count
    with django_assert_num_queries(5):
        response = client.get(reverse("briefings:start"))
    assert response.status_code == 200 and response.content.decode().count("status-queued") == jobs


@pytest.mark.services
def test_a_real_worker_builds_the_briefing(city, celery_worker_process, client):
    require_worker_services()
    celery_worker_process(MEDIA_ROOT=settings.MEDIA_ROOT)  # the worker writes where this process reads
    login(client, city.office_city)
    starts_on, ends_on = _week()
    client.post(reverse("briefings:start"), {"starts_on": starts_on, "ends_on": ends_on})
    job = BriefingJob.objects.get()
    wait_for(lambda: BriefingJob.objects.get(pk=job.pk).status == BriefingStatus.DONE, timeout=120, what="the briefing")
    job.refresh_from_db()
    assert job.progress == 100
    download = client.get(reverse("briefings:download", args=[job.pk]))
    doc = Document(io.BytesIO(b"".join(download.streaming_content)))
    o = dashboards.overview(user=city.office_city, campaign=city.campaign, rule=LightRule.for_campaign(city.campaign))
    assert _cells(doc.tables[0])[1][0] == str(o.counts.total)


def test_ranking_tables_are_the_dashboards_ranking(city):
    grow_city(city, 12)
    doc = _build(city, city.office_city)
    rule = LightRule.for_campaign(city.campaign)
    ranked = [
        [str(u.rank), u.name] for u in dashboards.ranking(user=city.office_city, campaign=city.campaign, rule=rule)
    ]
    top, bottom = doc.tables[2], doc.tables[3]
    assert [row[:2] for row in _cells(top)[1:]] == ranked[:5]
    assert [row[:2] for row in _cells(bottom)[1:]] == ranked[-5:]


@pytest.mark.parametrize("grown", [6, 40])  # past the ranking's top five, so the bottom is read too
def test_briefing_data_query_count_is_constant(city, django_assert_num_queries, grown):
    _activity(city)
    waiting_for_review(city)  # the overview's waiting list has a row: read (an empty one costs no query)
    grow_city(city, grown)
    user = type(city.office_city).objects.get(pk=city.office_city.pk)  # its scope not yet cached
    starts_on, ends_on = _week()
    rollups_current(city)
    with django_assert_num_queries(QUERIES):
        briefing_data(user=user, campaign=city.campaign, starts_on=starts_on, ends_on=ends_on)
