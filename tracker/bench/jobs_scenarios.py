"""Bench scenarios of the background jobs: the full ledger export and the 2,000-row imports.

Each is a `call` scenario that runs the job's own code in this process, as a worker would: the
export through `tracker.jobs.services.job_run`; the imports through `import_job_create` (the
upload's check) and `import_run` (the job's body, with the task generation that follows it),
inside a transaction rolled back at the end, so the dataset is the same for every run.
"""

from __future__ import annotations

from django.db import transaction
from django.test import TestCase

from tracker.bench.scenarios import BenchContext, Scenario, register
from tracker.core.types import User

IMPORT_ROWS = 2000
# The tiny dataset (the bench's own tests) imports a few rows: the same code, in seconds.
TINY_IMPORT_ROWS = 20


def _row_count(ctx: BenchContext) -> int:
    return TINY_IMPORT_ROWS if ctx.dataset.scale == "tiny" else IMPORT_ROWS


def _office(ctx: BenchContext) -> User:
    user = ctx.users.get("office_city")
    assert user is not None, "the bench city has no office user"
    return user


def export_ledger(ctx: BenchContext, i: int) -> int:
    from tracker.jobs.models import Job, JobStatus
    from tracker.jobs.services import job_run

    queued = Job.objects.create(kind="ledger_export", owner=_office(ctx), params={"campaign": ctx.campaign.pk})
    job = job_run(job_id=queued.pk)
    assert job is not None and job.status == JobStatus.DONE, job and job.error
    job.result.delete(save=False)
    job.delete()
    return job.done


def unit_rows(ctx: BenchContext, i: int) -> list[list[str]]:
    header = ["单位编码", "单位名称", "上级单位编码", "层级", "单位类别", "是否参加"]
    parent = ctx.district.code
    return [header] + [
        [f"bench-import-{i}-{n:05d}", f"导入测试单位{i}-{n}", parent, "单位", "school", "是"]
        for n in range(_row_count(ctx))
    ]


def user_rows(ctx: BenchContext, i: int) -> list[list[str]]:
    header = ["用户名", "姓名", "电子邮箱", "角色", "单位编码或巡回指导组", "语言"]
    unit = ctx.unit.code
    return [header] + [[f"bench-import-{i}-{n:05d}", f"导入{n}", "", "staff", unit, ""] for n in range(_row_count(ctx))]


def _csv(rows: list[list[str]]) -> bytes:
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8")


def run_import(ctx: BenchContext, kind: str, rows: list[list[str]]) -> dict:
    from tracker.imports.models import ImportJob, ImportStatus
    from tracker.imports.services import import_job_create, import_run

    with transaction.atomic():
        # Task generation waits for the import's commit; run it at the end of the block instead.
        with TestCase.captureOnCommitCallbacks(execute=True):
            job = import_job_create(by=_office(ctx), kind=kind, file_name=f"{kind}.csv", data=_csv(rows))
            assert job.status == ImportStatus.READY, job.report.get("problems", [])[:3]
            ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.QUEUED)
            status = import_run(job_id=job.pk)
        assert status == ImportStatus.DONE, status
        report = ImportJob.objects.get(pk=job.pk).report["result"]
        transaction.set_rollback(True)
    return report


register(
    Scenario(
        name="job_ledger_export_city",
        call=export_ledger,
        runs=2,
        target_p50_ms=15_000,
        target_peak_mib=300,
        description="the ledger export job of the city office (every task, tuples into XlsxWriter)",
    )
)
register(
    Scenario(
        name="job_import_units_2000",
        call=lambda ctx, i: run_import(ctx, "units", unit_rows(ctx, i)),
        runs=2,
        target_p50_ms=10_000,
        target_peak_mib=300,
        description="check and run an import of 2,000 new schools, with their generated tasks (rolled back)",
    )
)
register(
    Scenario(
        name="job_import_users_2000",
        call=lambda ctx, i: run_import(ctx, "users", user_rows(ctx, i)),
        runs=2,
        target_p50_ms=5_000,
        target_peak_mib=300,
        description="check and run an import of 2,000 new staff accounts (rolled back)",
    )
)
