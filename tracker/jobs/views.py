"""Pages of the background jobs: the person's list, one job's progress (polled), cancel, retry, download."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseStopPolling, push_url

from tracker.core.downloads import uploaded_file_response
from tracker.core.types import AuthedRequest
from tracker.jobs import registry, selectors, services
from tracker.jobs.access import access_job
from tracker.jobs.models import Job

LIST_PAGE = "jobs/job_list.html"
JOB_PAGE = "jobs/job_detail.html"


@require_GET
@login_required
def job_list(request: AuthedRequest) -> HttpResponse:
    return render(request, LIST_PAGE, {"jobs": selectors.jobs_of(user=request.user)})


def job_fragment(request: AuthedRequest, job: Job) -> HttpResponse:
    """The progress fragment; once the job has ended, htmx is told to stop polling (286)."""
    html = render_to_string(f"{JOB_PAGE}#progress", {"job": job}, request=request)
    return HttpResponse(html) if job.is_active else HttpResponseStopPolling(html)


@require_GET
@login_required
def job_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    job = services.job_reap_if_stale(job=access_job(request.user, pk))
    if request.htmx:
        return job_fragment(request, job)
    kind = _kind(job)
    result_url = kind.detail_url(job) if kind is not None and kind.detail_url else None
    return render(request, JOB_PAGE, {"job": job, "result_url": result_url})


def _kind(job: Job) -> registry.JobKind | None:
    try:
        return registry.get(job.kind)
    except LookupError:
        return None


@require_POST
@login_required
def job_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    job = services.job_cancel(job=access_job(request.user, pk))
    return job_fragment(request, job) if request.htmx else redirect("jobs:detail", pk=job.pk)


@require_POST
@login_required
def job_retry(request: AuthedRequest, pk: int) -> HttpResponse:
    job = services.job_retry(job=access_job(request.user, pk))
    if request.htmx:
        return push_url(job_fragment(request, job), job.get_absolute_url())
    kind = _kind(job)
    # A kind with a page of its own (an import's report) shows the new attempt there.
    return redirect(kind.detail_url(job) if kind is not None and kind.detail_url else job)


@require_GET
@login_required
def job_download(request: AuthedRequest, pk: int) -> FileResponse:
    job = access_job(request.user, pk)
    if not job.has_download:
        raise Http404
    return uploaded_file_response(job.result.open("rb"), filename=job.result_name)
