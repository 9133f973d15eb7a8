"""The import's run is a background job: a dead worker leaves "interrupted" with a retry, never "90 %"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from tests.conftest import login
from tests.imports.sheets import xlsx
from tests.imports.test_imports import GOOD_ROWS, last_job, upload
from tracker.imports import services
from tracker.imports.files import read_sheet
from tracker.imports.importers import IMPORTERS
from tracker.imports.models import ImportJob, ImportStatus
from tracker.jobs import services as job_services
from tracker.jobs.models import Job, JobStatus
from tracker.jobs.runner import JobCancelled
from tracker.orgs.models import Unit


def _confirm(client, job, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:job_run", args=[job.pk]))
    job.refresh_from_db()
    return job


def test_confirming_runs_the_import_as_a_job(client, city, django_capture_on_commit_callbacks):
    login(client, city.office_city)
    upload(client, xlsx(GOOD_ROWS))
    imported = _confirm(client, last_job(), django_capture_on_commit_callbacks)
    run = imported.job
    assert imported.status == ImportStatus.DONE and run.kind == "import_run" and run.params == {"import": imported.pk}
    run.refresh_from_db()
    assert run.status == JobStatus.DONE and run.owner == city.office_city
    # The generic job page links back to the import's report.
    page = client.get(reverse("jobs:detail", args=[run.pk])).content.decode()
    assert reverse("imports:job_detail", args=[imported.pk]) in page


def test_a_dead_import_is_interrupted_then_retried_to_the_end(client, city, monkeypatch):
    login(client, city.office_city)
    upload(client, xlsx(GOOD_ROWS))
    imported = last_job()
    # The click queued the job; the worker took it, wrote 90 % and died (no heartbeat since).
    monkeypatch.setattr("tracker.jobs.services._enqueue", lambda job_id: None)
    client.post(reverse("imports:job_run", args=[imported.pk]))
    imported.refresh_from_db()
    stale = timezone.now() - timedelta(minutes=10)
    Job.objects.filter(pk=imported.job_id).update(status=JobStatus.RUNNING, heartbeat_at=stale)
    ImportJob.objects.filter(pk=imported.pk).update(status=ImportStatus.RUNNING, done=2)
    html = client.get(reverse("imports:job_detail", args=[imported.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "导入已中断" in html and "hx-trigger" not in html  # settled, no longer polling
    assert reverse("jobs:retry", args=[imported.job_id]) in html
    assert not Unit.objects.filter(code="east-edu").exists()
    monkeypatch.undo()
    with pytest.MonkeyPatch.context() as inline:
        inline.setattr(job_services, "_enqueue", lambda job_id: job_services.job_run(job_id=job_id))
        with TestCase.captureOnCommitCallbacks(execute=True):
            response = client.post(reverse("jobs:retry", args=[imported.job_id]))
    assert response.url == reverse("imports:job_detail", args=[imported.pk])
    imported.refresh_from_db()
    assert imported.status == ImportStatus.DONE and imported.job.attempt == 2
    assert Unit.objects.filter(code__in=["east-edu", "east-school-1"]).count() == 2


def test_cancelling_the_run_writes_nothing_and_the_import_can_start_again(city):
    rows = IMPORTERS["units"].rows_from_sheet(read_sheet(name="u.xlsx", data=xlsx(GOOD_ROWS).read()))
    job = ImportJob.objects.create(
        kind="units", status=ImportStatus.QUEUED, created_by=city.office_city, file_name="u.xlsx", total=3, rows=rows
    )

    def cancelled(done):
        if done >= 2:
            raise JobCancelled

    with pytest.raises(JobCancelled):
        services.import_run(job_id=job.pk, on_row=cancelled)
    job.refresh_from_db()
    assert job.status == ImportStatus.READY and job.done == 0
    assert not Unit.objects.filter(code__in=["east-edu", "east-school-1"]).exists()


# --- The check of an upload is a job too ---------------------------------------------------


def _upload_queued(client, file, monkeypatch):
    """Upload with no worker taking the check job: the import stays CHECKING with its file kept."""
    with monkeypatch.context() as no_worker:
        no_worker.setattr(job_services, "_enqueue", lambda job_id: None)
        with TestCase.captureOnCommitCallbacks(execute=True):
            response = client.post("/imports/", {"kind": "units", "file": file})
    return response, last_job()


def test_the_check_job_gives_the_report_the_upload_used_to(client, city, monkeypatch):
    login(client, city.office_city)
    rows = [*GOOD_ROWS, ["east-bad", "", "u-East", "省级", "", ""]]
    # One workbook for both: a workbook saved a second later carries another timestamp, so another hash.
    upload = xlsx(rows)
    data = upload.read()
    upload.seek(0)
    response, checking = _upload_queued(client, upload, monkeypatch)
    assert response.status_code == 302 and response.url == reverse("imports:job_detail", args=[checking.pk])
    assert checking.status == ImportStatus.CHECKING and checking.rows == [] and checking.upload
    assert checking.job.kind == "import_check" and checking.job.params == {"import": checking.pk}
    stored = checking.upload.name
    assert checking.upload.storage.exists(stored)
    html = client.get(response.url).content.decode()
    assert "正在检查" in html and 'hx-trigger="every 1s"' in html
    assert reverse("jobs:cancel", args=[checking.job_id]) in html

    job_services.job_run(job_id=checking.job_id)
    checked = ImportJob.objects.get(pk=checking.pk)
    same = services.import_job_create(by=city.office_city, kind="units", file_name="u.xlsx", data=data)
    assert checked.status == same.status == ImportStatus.INVALID
    assert (checked.report, checked.rows, checked.total) == (same.report, same.rows, same.total)
    assert checked.file_sha256 == same.file_sha256
    assert not checked.upload and not checked.upload.storage.exists(stored)  # the file is not kept
    assert Job.objects.get(pk=checking.job_id).status == JobStatus.DONE
    assert job_services.job_run(job_id=checking.job_id) is None and services.import_check(import_id=checked.pk) is None


def test_a_dead_check_is_interrupted_then_retried_to_ready(client, city, monkeypatch, django_assert_num_queries):
    login(client, city.office_city)
    _response, checking = _upload_queued(client, xlsx(GOOD_ROWS), monkeypatch)
    # The worker took the check and died: no heartbeat since.
    stale = timezone.now() - timedelta(minutes=10)
    Job.objects.filter(pk=checking.job_id).update(status=JobStatus.RUNNING, heartbeat_at=stale)
    page = reverse("imports:job_detail", args=[checking.pk])
    html = client.get(page, HTTP_HX_REQUEST="true").content.decode()
    assert "检查已中断" in html and "hx-trigger" not in html
    assert reverse("jobs:retry", args=[checking.job_id]) in html
    with django_assert_num_queries(4):  # session, user, role assignments, the import with its job
        client.get(page)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("jobs:retry", args=[checking.job_id]))
    assert response.url == page
    checked = ImportJob.objects.select_related("job").get(pk=checking.pk)
    assert checked.status == ImportStatus.READY and checked.job.attempt == 2 and checked.job.kind == "import_check"
    assert checked.report["plan"] == {"created": 3, "updated": 0, "unchanged": 0} and not checked.upload
    assert "将新增 3 条" in client.get(page).content.decode()


def test_a_cancelled_check_ends_failed_without_rows(client, city, monkeypatch):
    login(client, city.office_city)
    _response, checking = _upload_queued(client, xlsx(GOOD_ROWS), monkeypatch)
    stored = checking.upload.name

    def cancelled(total):
        raise JobCancelled

    with pytest.raises(JobCancelled):
        services.import_check(import_id=checking.pk, on_rows=cancelled)
    checking.refresh_from_db()
    assert checking.status == ImportStatus.FAILED and checking.report == {"cancelled": True}
    assert checking.rows == [] and checking.total == 0 and not checking.upload
    assert not checking.upload.storage.exists(stored)
    html = client.get(reverse("imports:job_detail", args=[checking.pk])).content.decode()
    assert "检查已取消" in html and "重试" not in html
    assert not Unit.objects.filter(code="east-edu").exists()


def test_cancelling_a_running_check_job(client, city, monkeypatch):
    """Through the jobs app: the owner's cancel is noticed at the check's progress report."""
    login(client, city.office_city)
    _response, checking = _upload_queued(client, xlsx(GOOD_ROWS), monkeypatch)
    original = job_services.JobContext.progress

    def cancel_on_rows_read(self, done, total=None, message=None):
        if total is not None:
            self.cancelled.set()  # as the heartbeat does when it reads cancel_requested
        return original(self, done, total, message)

    monkeypatch.setattr(job_services.JobContext, "progress", cancel_on_rows_read)
    run = job_services.job_run(job_id=checking.job_id)
    checking.refresh_from_db()
    assert run.status == JobStatus.CANCELLED and checking.status == ImportStatus.FAILED and checking.rows == []


def test_an_unexpected_error_in_the_check_fails_and_a_retry_checks_again(client, city, monkeypatch):
    login(client, city.office_city)
    _response, checking = _upload_queued(client, xlsx(GOOD_ROWS), monkeypatch)
    with monkeypatch.context() as broken:
        broken.setattr(services, "_checked", lambda *a, **k: 1 / 0)
        run = job_services.job_run(job_id=checking.job_id)
    checking.refresh_from_db()
    assert run.status == JobStatus.FAILED and checking.status == ImportStatus.FAILED and checking.upload
    html = client.get(reverse("imports:job_detail", args=[checking.pk])).content.decode()
    assert reverse("jobs:retry", args=[run.pk]) in html
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("jobs:retry", args=[run.pk]))
    checking.refresh_from_db()
    assert checking.status == ImportStatus.READY and checking.total == 3 and not checking.upload
