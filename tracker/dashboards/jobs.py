"""The dashboards' exports as background jobs (tracker.jobs): the task ledger and the matrix.

Registered in DashboardsConfig.ready. Each reads the owner's scope when the worker runs it, in the
owner's language, and leaves the .xlsx as the job's download.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tracker.campaigns.models import Campaign, Measure
from tracker.dashboards import exports, selectors
from tracker.dashboards.selectors import UnitFilters
from tracker.jobs import registry
from tracker.jobs.runner import JobContext, JobError
from tracker.work.lights import LightRule

LEDGER_EXPORT = "ledger_export"
MATRIX_EXPORT = "matrix_export"


def _campaign_and_rule(ctx: JobContext) -> tuple[Campaign, LightRule]:
    campaign = Campaign.objects.filter(pk=int(ctx.params.get("campaign") or 0)).first()
    if campaign is None:
        raise JobError(gettext_lazy("The campaign of this export no longer exists."))
    return campaign, LightRule.for_campaign(campaign)


def file_name(name: str, campaign: Campaign, rule: LightRule) -> str:
    return f"{name}-{campaign.code}-{rule.today:%Y%m%d}.xlsx"


def run_ledger_export(ctx: JobContext) -> None:
    campaign, rule = _campaign_and_rule(ctx)
    tasks = selectors.ledger_tasks(user=ctx.owner, campaign=campaign, rule=rule)
    ctx.progress(0, total=tasks.count(), message=_("Writing the task ledger"))
    with tempfile.TemporaryDirectory(prefix="ledger-") as folder:
        path = Path(folder) / "ledger.xlsx"
        rows = exports.ledger_xlsx(path=path, tasks=tasks, progress=ctx.progress)
        ctx.save_result(name=file_name("ledger", campaign, rule), path=path)
    ctx.outcome["rows"] = rows


def run_matrix_export(ctx: JobContext) -> None:
    campaign, rule = _campaign_and_rule(ctx)
    measures = list(Measure.objects.all())
    filters = UnitFilters.from_query(ctx.params.get("query", {}))
    units = selectors.unit_rollups(user=ctx.owner, campaign=campaign, rule=rule, filters=filters, measures=measures)
    ctx.progress(0, total=units.count(), message=_("Writing the matrix"))

    def counted():
        for done, unit in enumerate(units.iterator(chunk_size=exports.CHUNK), start=1):
            if done % exports.CHUNK == 0:
                ctx.progress(done)
            yield unit

    handle = exports.matrix_workbook(units=counted(), measures=measures)
    with tempfile.NamedTemporaryFile(prefix="matrix-", suffix=".xlsx") as target:
        shutil.copyfileobj(handle, target)
        target.flush()
        ctx.save_result(name=file_name("matrix", campaign, rule), path=target.name)
    handle.close()


def register() -> None:
    registry.register(LEDGER_EXPORT, run_ledger_export, label=gettext_lazy("Task ledger export (Excel)"))
    registry.register(MATRIX_EXPORT, run_matrix_export, label=gettext_lazy("Matrix export (Excel)"))
