"""The import's check and its run as background jobs (tracker.jobs): registered in ImportsConfig.ready."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tracker.imports import services
from tracker.imports.models import ImportStatus
from tracker.jobs import registry
from tracker.jobs.models import Job
from tracker.jobs.runner import JobContext, JobError


def check_import(ctx: JobContext) -> None:
    import_id = int(ctx.params["import"])
    ctx.progress(0, message=_("Reading the file"))

    def rows_read(total: int) -> None:
        ctx.progress(0, total=total, message=_("Checking the rows"))

    status = services.import_check(import_id=import_id, run=ctx.job, on_rows=rows_read)
    if status == ImportStatus.FAILED:
        raise JobError(_("The file could not be checked and nothing was written."))
    ctx.outcome["status"] = status or ""


def run_import(ctx: JobContext) -> None:
    import_id = int(ctx.params["import"])
    ctx.progress(0, message=_("Writing the rows"))
    status = services.import_run(job_id=import_id, run=ctx.job, on_row=ctx.progress)
    if status == ImportStatus.FAILED:
        raise JobError(_("The import failed and nothing was written."))
    ctx.outcome["status"] = status or ""


def import_page(job: Job) -> str:
    return reverse("imports:job_detail", args=[job.params["import"]])


def register() -> None:
    registry.register(services.IMPORT_CHECK, check_import, label=_("Import check"), detail_url=import_page)
    registry.register(services.IMPORT_RUN, run_import, label=_("Import"), detail_url=import_page)
