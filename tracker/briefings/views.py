"""Pages of the briefings: ask for one, watch its progress, download the file.

For the office and the leadership group. Unit staff get a 404 as on every dashboard page;
guides and unit leaders, who do have dashboards, get a 403. A briefing is its requester's.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import push_url

from tracker.briefings import selectors, services
from tracker.briefings.access import access_briefing_job, require_briefer
from tracker.briefings.forms import BriefingForm
from tracker.briefings.models import BriefingJob, BriefingStatus
from tracker.campaigns.selectors import current_campaign, current_campaign_or_404
from tracker.core.types import AuthedRequest

START_PAGE = "briefings/start.html"
JOB_PAGE = "briefings/job_detail.html"
RECENT = 20
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@require_http_methods(["GET", "POST"])
@login_required
def start(request: AuthedRequest) -> HttpResponse:
    require_briefer(request.user)
    campaign = current_campaign()
    form = BriefingForm(request.POST or None, initial=BriefingForm.last_week())
    if request.method == "POST" and form.is_valid():
        campaign = current_campaign_or_404()
        job = services.briefing_job_create(
            by=request.user,
            campaign=campaign,
            starts_on=form.cleaned_data["starts_on"],
            ends_on=form.cleaned_data["ends_on"],
            language=get_language(),
        )
        if request.htmx:
            response = render(request, f"{JOB_PAGE}#job", {"job": job})
            return push_url(response, job.get_absolute_url())
        return redirect("briefings:job_detail", pk=job.pk)
    status = 422 if request.method == "POST" else 200
    if request.htmx:
        return render(request, f"{START_PAGE}#form", {"form": form}, status=status)
    context = {"form": form, "campaign": campaign, "jobs": selectors.briefing_jobs(user=request.user)[:RECENT]}
    return render(request, START_PAGE, context, status=status)


def _load(request: AuthedRequest, pk: int) -> BriefingJob:
    return access_briefing_job(request.user, pk)


@require_GET
@login_required
def job_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """The job's progress; while it runs, htmx polls this URL for the `job` fragment."""
    job = _load(request, pk)
    return render(request, f"{JOB_PAGE}#job" if request.htmx else JOB_PAGE, {"job": job})


@require_GET
@login_required
def download(request: AuthedRequest, pk: int) -> FileResponse:
    job = _load(request, pk)
    if job.status != BriefingStatus.DONE or not job.file:
        raise Http404
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=job.file_name, content_type=DOCX)
