"""Writes of the import feature: upload and check a file, start the job, run it.

Uploading keeps the file and starts a background job (kind "import_check") that calls
`import_check`: the rows are read and checked there, not in the upload's request. Confirming
starts a background job (tracker.jobs, kind "import_run", tracker.imports.jobs) that calls
`import_run`: a dead worker leaves the import "interrupted" with a retry, never "90 %".
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from pathlib import PurePath
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone

from tracker.core.bulk import analyze_after_bulk
from tracker.core.types import User
from tracker.imports.files import FileProblem, precheck, read_sheet
from tracker.imports.importers import IMPORTERS, Importer
from tracker.imports.models import ImportJob, ImportStatus
from tracker.jobs.models import Job
from tracker.jobs.runner import JobCancelled
from tracker.jobs.services import job_start
from tracker.orgs.scope import scope_for

log = logging.getLogger("tracker.imports")

IMPORT_CHECK = "import_check"
IMPORT_RUN = "import_run"
# How many times at most a running import writes its progress (a bar needs no more).
PROGRESS_STEPS = 50


def import_job_create(*, by: User, kind: str, file_name: str, data: bytes) -> ImportJob:
    """Read and check the file at once; the job is READY to run, or INVALID with every bad row listed.

    For scripts and the benchmark; the upload page uses `import_job_upload`, which checks in a job.
    A file that cannot be read at all raises `FileProblem` and leaves no job behind.
    """
    if not scope_for(by).manages_units:
        raise PermissionDenied
    checked = _checked(IMPORTERS[kind](user=by), file_name=file_name, data=data)
    return ImportJob.objects.create(
        kind=kind,
        created_by=by,
        file_name=file_name[:255],
        file_sha256=hashlib.sha256(data).hexdigest(),
        **checked,
    )


def import_job_upload(*, by: User, kind: str, file_name: str, data: bytes) -> ImportJob:
    """Keep the uploaded file and queue its check (kind "import_check"): the job is CHECKING.

    Only what is cheap is looked at here (`precheck`: the file's type, a workbook's zip directory
    and unpacked size, a CSV's encoding); a file refused there raises `FileProblem` and leaves no
    job behind. Reading and checking the rows (seconds for a large file) is the job's work.
    """
    if not scope_for(by).manages_units:
        raise PermissionDenied
    precheck(name=file_name, data=data)
    sha256 = hashlib.sha256(data).hexdigest()
    suffix = PurePath(file_name).suffix.lower()[:10]
    with transaction.atomic():
        job = ImportJob(
            kind=kind, status=ImportStatus.CHECKING, created_by=by, file_name=file_name[:255], file_sha256=sha256
        )
        job.upload.save(f"{sha256[:16]}{suffix}", ContentFile(data), save=False)
        try:
            job.save()
            job.job = job_start(kind=IMPORT_CHECK, owner=by, params={"import": job.pk})
            ImportJob.objects.filter(pk=job.pk).update(job=job.job)
        except BaseException:
            job.upload.storage.delete(job.upload.name or "")
            raise
    return job


def _checked(
    importer: Importer, *, file_name: str, data: bytes, on_rows: Callable[[int], None] | None = None
) -> dict[str, Any]:
    """The fields of a checked job: status READY or INVALID, the rows and the report.

    `on_rows(total)` is called once the file has been read, before the rows are checked."""
    rows = importer.rows_from_sheet(read_sheet(name=file_name, data=data))
    if on_rows is not None:
        on_rows(len(rows))
    problems = importer.check(rows)
    return {
        "status": ImportStatus.INVALID if problems else ImportStatus.READY,
        "total": len(rows),
        "rows": _storable(rows),
        "report": _storable({"problems": [p.as_json() for p in problems], "plan": importer.counts()}),
    }


# A check whose worker died (still CHECKING) or that failed may be run again while its file is kept.
CHECKABLE = (ImportStatus.CHECKING, ImportStatus.FAILED)


def import_check(*, import_id: int, run: Job | None = None, on_rows: Callable[[int], None] | None = None) -> str | None:
    """Read and check the uploaded file; the import becomes READY or INVALID and its file is deleted.

    `run` is the background job doing it, `on_rows(total)` its progress report once the file has
    been read (which raises JobCancelled when the owner cancelled: the import ends FAILED and
    cancelled, nothing read is kept). A file that cannot be read makes the import INVALID with the
    reason (in the uploader's language: the job runs in it). Any other error leaves it FAILED with
    the file kept, so a retry checks it again. Safe to call twice: a checked import is not checked
    again. Returns the status, or None when there was nothing to check.
    """
    now = timezone.now()
    claimed = (
        ImportJob.objects.filter(pk=import_id, status__in=CHECKABLE)
        .exclude(upload="")
        .update(status=ImportStatus.CHECKING, report={}, updated_at=now, **({"job": run} if run else {}))
    )
    if not claimed:
        return None
    job = ImportJob.objects.select_related("created_by").defer("rows").get(pk=import_id)
    importer = IMPORTERS[job.kind](user=job.created_by)

    def rows_read(total: int) -> None:
        ImportJob.objects.filter(pk=import_id).update(total=total, updated_at=timezone.now())
        if on_rows is not None:
            on_rows(total)

    try:
        with job.upload.open("rb") as handle:
            data = handle.read()
        checked = _checked(importer, file_name=job.file_name, data=data, on_rows=rows_read)
    except FileProblem as problem:
        checked = {"status": ImportStatus.INVALID, "total": 0, "rows": [], "report": {"file_problem": str(problem)}}
    except JobCancelled:
        _end_check(job, {"status": ImportStatus.FAILED, "total": 0, "rows": [], "report": {"cancelled": True}})
        raise
    except Exception:
        log.exception("import %s could not be checked", import_id)
        ImportJob.objects.filter(pk=import_id).update(
            status=ImportStatus.FAILED, report={"failure": True}, finished_at=timezone.now(), updated_at=timezone.now()
        )
        return ImportStatus.FAILED
    _end_check(job, checked)
    return str(checked["status"])


def _end_check(job: ImportJob, fields: dict[str, Any]) -> None:
    """Record the check's end and delete the uploaded file: the run reads `rows`, never the file."""
    finished = {"finished_at": timezone.now()} if fields["status"] == ImportStatus.FAILED else {}
    ImportJob.objects.filter(pk=job.pk).update(upload="", updated_at=timezone.now(), **finished, **fields)
    job.upload.storage.delete(job.upload.name or "")


def _storable(value: Any) -> Any:
    """JSON PostgreSQL can keep: jsonb refuses U+0000, which a pasted cell may hold. Such a row is
    already refused for its control character; this only lets the report be saved and shown."""
    return json.loads(json.dumps(value).replace("\\u0000", "\\ufffd"))


def import_job_start(*, job: ImportJob, by: User) -> ImportJob:
    """Queue a checked job once; a second click (or a second tab) finds it already queued."""
    if job.created_by_id != by.pk and not by.is_superuser:
        raise PermissionDenied
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.READY).update(
        status=ImportStatus.QUEUED, updated_at=timezone.now()
    )
    if claimed:
        run = job_start(kind=IMPORT_RUN, owner=job.created_by, params={"import": job.pk}, total=job.total)
        ImportJob.objects.filter(pk=job.pk).update(job=run)
    job.refresh_from_db()
    return job


# An import whose worker died (still RUNNING) or that failed may be run again: it wrote nothing.
RUNNABLE = (ImportStatus.QUEUED, ImportStatus.RUNNING, ImportStatus.FAILED)


def import_run(*, job_id: int, run: Job | None = None, on_row: Callable[[int], None] | None = None) -> str | None:
    """Check the rows again and write them all in one transaction, or nothing at all; returns the status.

    `run` is the background job doing it, `on_row(done)` its progress report (which raises
    JobCancelled when the owner cancelled: the transaction is rolled back and the import is ready
    to start again). Safe to call twice: a finished import is not run again, and the unique
    codes and usernames refuse a second writer of the same rows. Must not be called inside a
    transaction: progress is committed as it goes.
    """
    claimed = ImportJob.objects.filter(pk=job_id, status__in=RUNNABLE).update(
        status=ImportStatus.RUNNING, started_at=timezone.now(), done=0, **({"job": run} if run else {})
    )
    if not claimed:
        return None
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    importer = IMPORTERS[job.kind](user=job.created_by)
    progress = ProgressReporter(job_id=job.pk, total=job.total, on_row=on_row)
    report = dict(job.report)
    try:
        with transaction.atomic():
            # The database may have changed since the upload was checked (another import,
            # the admin): check again inside the transaction that writes.
            problems = importer.check(job.rows)
            if problems:
                raise _StillInvalid([p.as_json() for p in problems])
            counts = _apply(importer, job.rows, progress)
            report["result"] = counts
            report["created_user_ids"] = getattr(importer, "created_user_ids", [])
            _finish(job, ImportStatus.DONE, report, done=job.total)
            if importer.after_commit is not None:
                transaction.on_commit(importer.after_commit)
    except _StillInvalid as invalid:
        report["problems"] = invalid.problems
        _finish(job, ImportStatus.INVALID, report, done=0)
        return ImportStatus.INVALID
    except JobCancelled:
        _finish(job, ImportStatus.READY, report, done=0)
        raise
    except Exception:
        log.exception("import %s failed; nothing was written", job_id)
        report["failure"] = True
        _finish(job, ImportStatus.FAILED, report, done=0)
        return ImportStatus.FAILED
    finally:
        progress.close()
    # Written and committed: fresh planner statistics for what it wrote (outside the try, so this
    # can never mark a written import failed).
    analyze_after_bulk(importer.models, counts["created"] + counts["updated"])
    return ImportStatus.DONE


class _StillInvalid(Exception):
    def __init__(self, problems: list[dict[str, Any]]):
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


def _apply(importer: Importer, rows: list[dict[str, Any]], progress: ProgressReporter) -> dict[str, int]:
    counts = importer.apply_all(rows, progress.report)
    return {key: counts.get(key, 0) for key in ("created", "updated", "unchanged")}


def _finish(job: ImportJob, status: str, report: dict[str, Any], *, done: int) -> None:
    ImportJob.objects.filter(pk=job.pk).update(
        status=status, report=report, done=done, finished_at=timezone.now(), updated_at=timezone.now()
    )


class ProgressReporter:
    """Makes `done` visible to the polling page while the import's own transaction is still open.

    Progress written through the request's connection would only appear at commit, so it goes
    through a second connection in autocommit mode. SQLite allows one writer at a time, so
    there the bar jumps from 0 to 100 % at the end.
    """

    def __init__(self, *, job_id: int, total: int, on_row: Callable[[int], None] | None = None):
        self.job_id = job_id
        self.step = max(1, total // PROGRESS_STEPS)
        self.total = total
        self.on_row = on_row
        self._connection: Any = None
        if connection.vendor == "postgresql":
            self._connection = connections.create_connection(DEFAULT_DB_ALIAS)

    def report(self, done: int) -> None:
        if self.on_row is not None:
            self.on_row(done)
        if self._connection is None or (done % self.step and done != self.total):
            return
        table = self._connection.ops.quote_name(ImportJob._meta.db_table)
        with self._connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET done = %s WHERE id = %s", [done, self.job_id])

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
