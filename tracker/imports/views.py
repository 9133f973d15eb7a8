"""Pages of the import: upload (checked in a background job), the report of bad rows, confirm, progress, result."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import push_url

from tracker.core.types import AuthedRequest
from tracker.imports import selectors, services
from tracker.imports.access import access_import_job, require_importer
from tracker.imports.files import FileProblem, template_csv, template_xlsx
from tracker.imports.forms import ImportForm
from tracker.imports.importers import IMPORTERS
from tracker.imports.models import ImportJob, ImportStatus
from tracker.jobs.services import job_reap_if_stale

START_PAGE = "imports/import_start.html"
JOB_PAGE = "imports/job_detail.html"
RECENT_JOBS = 20


@require_http_methods(["GET", "POST"])
@login_required
def import_start(request: AuthedRequest) -> HttpResponse:
    require_importer(request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = services.import_job_upload(
                by=request.user, kind=form.cleaned_data["kind"], file_name=upload.name, data=upload.read()
            )
        except FileProblem as problem:
            form.add_error("file", str(problem))
        else:
            if request.htmx:
                job = _load_job(request, job.pk)  # checking, polled; or checked already by an inline job
                return push_url(_render_job(request, job), reverse("imports:job_detail", args=[job.pk]))
            return redirect("imports:job_detail", pk=job.pk)
    status = 422 if request.method == "POST" else 200
    if request.htmx:
        return render(request, f"{START_PAGE}#upload", {"form": form}, status=status)
    context = {"form": form, "jobs": selectors.import_jobs(user=request.user)[:RECENT_JOBS]}
    return render(request, START_PAGE, context, status=status)


@require_GET
@login_required
def import_template(request: AuthedRequest, kind: str, fmt: str) -> HttpResponse:
    """The blank template, headers in the reader's language (both languages are accepted back)."""
    require_importer(request.user)
    importer = IMPORTERS.get(kind)
    if importer is None or fmt not in ("xlsx", "csv"):
        raise Http404
    filename = f"{kind}-template.{fmt}"
    if fmt == "csv":
        response = HttpResponse(template_csv(header=importer.template_header()), content_type="text/csv")
    else:
        content = template_xlsx(
            title=str(importer.title),
            header=importer.template_header(),
            notes=importer.template_notes(),
            choices=importer.template_choices(),
        )
        response = HttpResponse(
            content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _load_job(request: AuthedRequest, pk: int) -> ImportJob:
    job = access_import_job(request.user, pk)
    if job.job is not None and job.job.is_stale:
        job.job = job_reap_if_stale(job=job.job)  # the poll settles a run whose worker died
    return job


def _render_job(request: AuthedRequest, job: ImportJob, *, status: int = 200) -> HttpResponse:
    context = {"job": job, "problems": [], "links": []}
    if job.status == ImportStatus.INVALID:
        context["problems"] = selectors.job_problems(job=job)
    elif job.status == ImportStatus.DONE:
        context["links"] = selectors.set_password_links(job=job, absolute=request.build_absolute_uri)
    template = f"{JOB_PAGE}#job" if request.htmx else JOB_PAGE
    return render(request, template, context, status=status)


@require_GET
@login_required
def job_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """The report; while the job runs, htmx polls this URL for the progress fragment."""
    return _render_job(request, _load_job(request, pk))


@require_POST
@login_required
def job_run(request: AuthedRequest, pk: int) -> HttpResponse:
    job = services.import_job_start(job=_load_job(request, pk), by=request.user)
    if not request.htmx:
        return redirect("imports:job_detail", pk=job.pk)
    job.refresh_from_db()  # an inline run has finished by now; a queued one shows its progress
    return _render_job(request, job)
