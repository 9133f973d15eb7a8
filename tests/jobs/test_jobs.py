"""The jobs framework: start, progress, cancel, retry, failure in the owner's language, a worker that
died, downloads kept 24 h and only for their owner, the polled fragment that stops polling."""

from __future__ import annotations

import tempfile
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tests.conftest import login
from tests.factories import make_user
from tracker.jobs import registry, services
from tracker.jobs.models import Job, JobStatus
from tracker.jobs.runner import JobError

CALLS: list[dict] = []


def _count(ctx):
    """Counts to `n`, reporting progress; writes a small file; `fail` raises a message for the owner."""
    n = ctx.params.get("n", 3)
    ctx.progress(0, total=n, message="counting")
    for i in range(1, n + 1):
        if ctx.params.get("cancel_at") == i:
            Job.objects.filter(pk=ctx.job.pk).update(cancel_requested=True)
            ctx._written_at = 0  # the next report goes to the database at once
        ctx.progress(i)
    if ctx.params.get("fail") == "owner":
        raise JobError(_("This is not an .xlsx workbook Excel or WPS can open; check the file."))
    if ctx.params.get("fail") == "bug":
        raise RuntimeError("boom")
    with tempfile.NamedTemporaryFile(suffix=".txt") as handle:
        handle.write(b"counted")
        handle.flush()
        ctx.save_result(name="count.txt", path=handle.name)
    ctx.outcome["counted"] = n
    CALLS.append(dict(ctx.params))


@pytest.fixture
def count_kind():
    registry.register("test_count", _count, label="Count")
    CALLS.clear()
    yield
    registry.unregister("test_count")


@pytest.fixture
def owner(db):
    return make_user(username="jobowner")


def test_a_job_runs_when_its_transaction_commits(owner, count_kind, jobs_inline, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.job_start(kind="test_count", owner=owner, params={"n": 5})
        assert Job.objects.get(pk=job.pk).status == JobStatus.QUEUED
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.done == job.total == 5 and job.percent == 100
    assert job.outcome == {"counted": 5} and job.has_download
    assert job.expires_at - job.finished_at == timedelta(hours=24)
    assert default_storage.open(job.result.name).read() == b"counted"


def test_run_takes_a_queued_job_once(owner, count_kind):
    job = Job.objects.create(kind="test_count", owner=owner, params={"n": 2})
    assert services.job_run(job_id=job.pk).status == JobStatus.DONE
    assert services.job_run(job_id=job.pk) is None  # a redelivered task finds nothing to do
    assert len(CALLS) == 1


def test_a_failure_for_the_owner_is_in_their_language_and_keeps_no_file(owner, count_kind):
    job = Job.objects.create(kind="test_count", owner=owner, params={"fail": "owner"}, language="zh-hans")
    job = services.job_run(job_id=job.pk)
    assert job.status == JobStatus.FAILED and job.error == "这不是 Excel 或 WPS 能打开的 .xlsx 工作簿，请检查文件。"
    assert not job.result and not job.interrupted


def test_a_bug_fails_the_job_with_the_generic_message(owner, count_kind, client):
    job = services.job_run(job_id=Job.objects.create(kind="test_count", owner=owner, params={"fail": "bug"}).pk)
    assert job.status == JobStatus.FAILED and job.error == ""
    login(client, owner)
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "系统管理员" in page and reverse("jobs:retry", args=[job.pk]) in page


def test_retry_is_a_new_attempt_with_the_same_parameters(
    owner, count_kind, jobs_inline, client, django_capture_on_commit_callbacks
):
    failed = services.job_run(
        job_id=Job.objects.create(kind="test_count", owner=owner, params={"n": 2, "fail": "bug"}).pk
    )
    login(client, owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("jobs:retry", args=[failed.pk]))
    retry = Job.objects.exclude(pk=failed.pk).get()
    assert response.url == reverse("jobs:detail", args=[retry.pk])
    assert (retry.params, retry.attempt, retry.retry_of_id) == (failed.params, 2, failed.pk)
    # A job that is done is not retried (a second click finds nothing to retry).
    Job.objects.filter(pk=retry.pk).update(status=JobStatus.DONE)
    client.post(reverse("jobs:retry", args=[retry.pk]))
    assert Job.objects.count() == 2


def test_cancel_a_queued_job_ends_it_at_once(owner, count_kind, client):
    job = Job.objects.create(kind="test_count", owner=owner)
    login(client, owner)
    response = client.post(reverse("jobs:cancel", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 286  # the fragment says "cancelled" and polling stops
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    assert services.job_run(job_id=job.pk) is None and CALLS == []


@pytest.mark.django_db(transaction=True)
def test_cancel_a_running_job_stops_it_at_its_next_report():
    registry.register("test_count", _count, label="Count")
    try:
        owner = make_user(username="runner")
        job = Job.objects.create(kind="test_count", owner=owner, params={"n": 10, "cancel_at": 4})
        job = services.job_run(job_id=job.pk)
    finally:
        registry.unregister("test_count")
    assert job.status == JobStatus.CANCELLED and job.done == 4 and not job.result


def test_a_running_job_without_heartbeat_becomes_interrupted_and_retryable(owner, client):
    stale = timezone.now() - timedelta(minutes=5)
    job = Job.objects.create(kind="test_count", owner=owner, status=JobStatus.RUNNING, done=9, total=10)
    Job.objects.filter(pk=job.pk).update(heartbeat_at=stale)
    fresh = Job.objects.create(kind="test_count", owner=owner, status=JobStatus.RUNNING, heartbeat_at=timezone.now())
    login(client, owner)
    response = client.get(reverse("jobs:detail", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 286  # not "90 %" forever: the poll settles it
    job.refresh_from_db()
    assert (job.status, job.interrupted, job.can_retry) == (JobStatus.FAILED, True, True)
    assert "中断" in response.content.decode()
    assert services.jobs_reap() == 0 and Job.objects.get(pk=fresh.pk).status == JobStatus.RUNNING


def test_a_running_job_polls_every_two_seconds(owner, client):
    job = Job.objects.create(kind="test_count", owner=owner, status=JobStatus.RUNNING, done=3, total=10)
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())
    login(client, owner)
    response = client.get(reverse("jobs:detail", args=[job.pk]), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and 'hx-trigger="every 2s"' in html and 'value="30"' in html
    assert "<html" not in html
    full = client.get(
        reverse("jobs:detail", args=[job.pk]), HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert "<html" in full.content.decode()


def test_download_is_the_owners_only_and_gone_after_24_hours(owner, count_kind, client):
    job = services.job_run(job_id=Job.objects.create(kind="test_count", owner=owner).pk)
    url = reverse("jobs:download", args=[job.pk])
    other = make_user(username="someone")
    login(client, other)
    assert client.get(url).status_code == 404
    assert client.get(reverse("jobs:detail", args=[job.pk])).status_code == 404
    login(client, owner)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"counted"
    assert "attachment" in response["Content-Disposition"]
    name = job.result.name
    assert services.jobs_purge_files(now=timezone.now() + timedelta(hours=23)) == 0
    assert services.jobs_purge_files(now=timezone.now() + timedelta(hours=25)) == 1
    assert not default_storage.exists(name)
    assert client.get(url).status_code == 404
    assert "24" in client.get(reverse("jobs:detail", args=[job.pk])).content.decode()


def test_list_shows_only_my_jobs_in_constant_queries(owner, client, django_assert_num_queries):
    other = make_user(username="someone")
    Job.objects.create(kind="test_count", owner=other)
    login(client, owner)
    for n in (1, 8):
        for _i in range(n):
            Job.objects.create(kind="test_count", owner=owner)
        with django_assert_num_queries(4):  # session, user, scope of the nav, the jobs
            response = client.get(reverse("jobs:list"))
        assert response.content.decode().count(reverse("jobs:list")) >= 1
    assert len(response.context["jobs"]) == 9


def test_an_unknown_kind_is_refused_at_start(owner):
    with pytest.raises(LookupError):
        services.job_start(kind="no_such_kind", owner=owner)
