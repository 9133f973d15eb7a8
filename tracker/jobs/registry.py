"""Kinds of background job, registered by the domain apps; the jobs app knows none of them itself.

How a domain app adds a job kind (exports, imports, task generation, template applies):

1. Write a run function taking a `JobContext` (tracker.jobs.runner)::

       def run_ledger_export(ctx: JobContext) -> None:
           rows = ...                                  # read ctx.params, ctx.owner
           ctx.progress(0, total=count, message=_("Writing rows"))
           for done, row in enumerate(rows, 1):
               ...
               ctx.progress(done)                      # cheap: writes at most once a second;
                                                       # raises JobCancelled when the owner cancelled
           ctx.save_result(name="ledger.xlsx", path=tmp_path)   # the download, kept 24 h
           ctx.outcome["rows"] = count                 # small JSON shown with the result

   Raise `JobError(_("Message for the owner"))` for a failure the owner can act on (the text is
   shown in the owner's language); any other exception fails the job with a generic message and
   is logged. A run function that writes several rows wraps them in `transaction.atomic()`, so a
   cancel or a failure leaves nothing half-written.

2. Register it in the app's `AppConfig.ready`::

       from tracker.jobs import registry
       registry.register("ledger_export", run_ledger_export, label=_("Task ledger export"))

   `detail_url(job)` (optional) names the app's own page for the job's result (an import's
   report); otherwise the generic job page shows progress, error, retry and download.

3. Start it from a service or view: `tracker.jobs.services.job_start(kind=..., owner=user,
   params={...})`. The job is queued when the transaction commits; the page then shows
   `{% include "jobs/job_detail.html#progress" %}` with `job` in the context, which polls every
   2 s until the job ends.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise

if TYPE_CHECKING:
    from tracker.jobs.models import Job
    from tracker.jobs.runner import JobContext


@dataclass(frozen=True)
class JobKind:
    name: str
    run: Callable[[JobContext], None]
    label: str | Promise
    detail_url: Callable[[Job], str] | None = None


_KINDS: dict[str, JobKind] = {}


def register(
    name: str,
    run: Callable[[JobContext], None],
    *,
    label: str | Promise,
    detail_url: Callable[[Job], str] | None = None,
) -> JobKind:
    """Make `name` a kind of job run by `run`; registering the same function again is harmless."""
    existing = _KINDS.get(name)
    if existing is not None and existing.run is not run:
        raise ImproperlyConfigured(f"job kind {name!r} is already registered to {existing.run!r}")
    kind = JobKind(name=name, run=run, label=label, detail_url=detail_url)
    _KINDS[name] = kind
    return kind


def get(name: str) -> JobKind:
    try:
        return _KINDS[name]
    except KeyError:
        raise LookupError(f"no job kind {name!r} is registered") from None


def is_registered(name: str) -> bool:
    return name in _KINDS


def label_of(name: str) -> str:
    kind = _KINDS.get(name)
    return str(kind.label) if kind is not None else name


def unregister(name: str) -> None:
    """For tests that register a kind of their own."""
    _KINDS.pop(name, None)
