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
