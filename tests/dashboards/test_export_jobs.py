"""Large exports run as background jobs: the request asks, a worker writes, the owner downloads."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook

from tests.conftest import login, require_worker_services, wait_for
from tests.factories import TaskFactory
from tracker.dashboards import exports
from tracker.jobs.models import Job, JobStatus
from tracker.work.models import Task

LEDGER_XLSX = reverse("dashboards:ledger_export")
MATRIX_XLSX = reverse("dashboards:matrix_export")


@pytest.fixture
def every_export_is_large(monkeypatch):
    monkeypatch.setattr(exports, "INLINE_MAX_ROWS", 0)


def _rows(client, job):
    response = client.get(reverse("jobs:download", args=[job.pk]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_a_large_ledger_asks_then_runs_as_a_job(
    client, city, every_export_is_large, jobs_inline, django_capture_on_commit_callbacks
):
    TaskFactory(campaign=city.campaign, unit=city.unit_a, measure=city.study, title="=HYPERLINK(1)")
    login(client, city.office_city)
    page = client.get(LEDGER_XLSX)
    assert page.status_code == 200 and "开始导出" in page.content.decode()
    assert not Job.objects.exists()  # a GET writes nothing
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(LEDGER_XLSX)
    job = Job.objects.get()
    assert response.url == reverse("jobs:detail", args=[job.pk])
    job.refresh_from_db()
    assert (job.kind, job.status, job.owner, job.outcome) == (
        "ledger_export",
        "done",
        city.office_city,
        {"rows": Task.objects.count()},
    )
    assert job.result_name.startswith("ledger-") and job.result_name.endswith(".xlsx")
    rows = _rows(client, job)
    assert rows[0][:3] == ["单位", "重点措施", "任务"] and len(rows) - 1 == Task.objects.count()
    assert ["=HYPERLINK(1)"] == [row[2] for row in rows if str(row[2]).startswith("=")]
    # Another office cannot fetch it, even knowing the number.
    login(client, city.office_east)
    assert client.get(reverse("jobs:download", args=[job.pk])).status_code == 404


def test_the_ledger_job_reads_the_owners_scope(
    client, city, every_export_is_large, jobs_inline, django_capture_on_commit_callbacks
):
    login(client, city.office_east)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(LEDGER_XLSX)
    job = Job.objects.get()
    rows = _rows(client, job)
    assert {row[0] for row in rows[1:]} == {"UnitA"} and len(rows) - 1 == city.unit_a.tasks.count()


def test_a_large_matrix_runs_as_a_job_with_the_filters_on_screen(
    client, city, every_export_is_large, jobs_inline, django_capture_on_commit_callbacks
):
    login(client, city.office_city)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{MATRIX_XLSX}?sort=unit", HTTP_HX_REQUEST="true")
    job = Job.objects.get()
    assert response["HX-Push-Url"] == reverse("jobs:detail", args=[job.pk])
    assert 'hx-trigger="every 2s"' in response.content.decode()  # the queued job's progress, polled
    assert job.params["query"] == {"sort": "unit"}
    rows = _rows(client, job)
    assert [row[1] for row in rows[1:]] == sorted(row[1] for row in rows[1:])


def test_staff_cannot_start_an_export_job(client, city, every_export_is_large):
    login(client, city.staff_a)
    assert client.post(LEDGER_XLSX).status_code == 404
    assert not Job.objects.exists()


def test_a_real_worker_writes_the_ledger(city, celery_worker_process, client, every_export_is_large):
    require_worker_services()
    celery_worker_process(MEDIA_ROOT=settings.MEDIA_ROOT)  # the worker writes where this process reads
    login(client, city.office_city)
    client.post(LEDGER_XLSX)
    job = Job.objects.get()
    wait_for(lambda: not Job.objects.get(pk=job.pk).is_active, timeout=120, what="the export job")
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    assert job.heartbeat_at and job.done == job.total == Task.objects.count()
    assert len(_rows(client, job)) - 1 == Task.objects.count()
    progress = client.get(reverse("jobs:detail", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert progress.status_code == 286 and reverse("jobs:download", args=[job.pk]) in progress.content.decode()
