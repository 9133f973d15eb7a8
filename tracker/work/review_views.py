"""Review pages beyond the single task: the next item after a decision, and batch accept."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from tracker.campaigns.selectors import current_campaign_or_404
from tracker.core.concurrency import CONFLICT_STATUS
from tracker.core.types import AuthedRequest
from tracker.orgs.scope import scope_for
from tracker.work import selectors, services
from tracker.work.forms import BatchAcceptForm
from tracker.work.lights import LightRule
from tracker.work.models import Task

BATCH_PAGE = "work/review_batch.html"


def queue_query(params: QueryDict) -> str | None:
    """The review queue's filters a page was reached with (`queue=`), rebuilt; None when not from the queue."""
    raw = params.get("queue")
    if raw is None:
        return None
    return selectors.ReviewFilters.from_query(QueryDict(raw)).to_query()


def queue_url(query: str) -> str:
    return reverse("work:review_queue") + (f"?{query}" if query else "")


def task_in_queue_url(pk: int, query: str) -> str:
    return reverse("work:task_detail", args=[pk]) + "?" + urlencode({"queue": query})


def _go(request: AuthedRequest, url: str) -> HttpResponse:
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def open_next(request: AuthedRequest, query: str, message: str) -> HttpResponse:
    """After a decision, open the next waiting task of the same filtered queue, or the queue when it is empty."""
    campaign = current_campaign_or_404()
    filters = selectors.ReviewFilters.from_query(QueryDict(query))
    task = selectors.next_in_queue(
        user=request.user, campaign=campaign, rule=LightRule.for_campaign(campaign), filters=filters
    )
    if task is None:
        messages.success(request, _("%(done)s Nothing else is waiting in this queue.") % {"done": message})
        return _go(request, queue_url(query))
    messages.success(request, _("%(done)s The next waiting task is open.") % {"done": message})
    return _go(request, task_in_queue_url(task.pk, query))


def _batch(request: AuthedRequest, params: QueryDict) -> tuple[list[Task], dict[int, int]]:
    """The ticked tasks (`task=<id>:<version>`), all in scope (else 404) and reviewable (else 403)."""
    versions: dict[int, int] = {}
    for value in params.getlist("task"):
        pk, _sep, version = value.partition(":")
        if not (pk.isdigit() and version.isdigit() and len(pk) < 12 and len(version) < 12):
            raise BadRequest("malformed batch item")
        versions[int(pk)] = int(version)
    if len(versions) > selectors.MAX_BATCH:
        raise BadRequest("batch too large")
    tasks = selectors.review_batch(user=request.user, versions=versions)
    if tasks is None:
        raise Http404("a task of the batch is out of scope")
    scope = scope_for(request.user)
    if not all(scope.can_review(task.unit) for task in tasks):
        raise PermissionDenied(_("You may not review every task of this batch."))
    return tasks, versions


def _batch_page(request: AuthedRequest, tasks: list[Task], form: BatchAcceptForm, status: int = 200) -> HttpResponse:
    query = queue_query(request.POST if request.method == "POST" else request.GET) or ""
    context = {"tasks": tasks, "form": form, "queue": query, "queue_url": queue_url(query)}
    return render(request, BATCH_PAGE, context, status=status)


@require_GET
@login_required
def review_batch(request: AuthedRequest) -> HttpResponse:
    """Confirm a batch accept: the ticked tasks (count, titles, units) and the common note."""
    tasks, versions = _batch(request, request.GET)
    if not tasks:
        messages.warning(request, _("Tick the tasks to accept first."))
        return redirect(queue_url(queue_query(request.GET) or ""))
    return _batch_page(request, tasks, BatchAcceptForm(versions=versions))


@require_POST
@login_required
def review_batch_accept(request: AuthedRequest) -> HttpResponse:
    """Accept every task of the confirmed batch through the accept service, all or none."""
    tasks, versions = _batch(request, request.POST)
    form = BatchAcceptForm(request.POST, versions=versions)
    if not form.is_valid():
        return _batch_page(request, tasks, form, status=422)
    try:
        accepted = services.tasks_accept_batch(
            items=[(task, versions[task.pk]) for task in tasks], by=request.user, note=form.cleaned_data["note"]
        )
    except services.BatchStale as stale:
        form.add_error(
            None,
            _(
                "“%(task)s” (%(unit)s) changed after this page was loaded; nothing was accepted. "
                "Go back to the queue and try again."
            )
            % {"task": stale.task.display_title, "unit": stale.task.unit.name},
        )
        return _batch_page(request, tasks, form, status=CONFLICT_STATUS)
    except ValidationError as exc:
        form.add_error(None, exc)
        return _batch_page(request, tasks, form, status=422)
    n = len(accepted)
    messages.success(request, ngettext("%(n)d task accepted.", "%(n)d tasks accepted.", n) % {"n": n})
    return _go(request, queue_url(queue_query(request.POST) or ""))
