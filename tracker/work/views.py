"""Pages of the unit workflow: my unit, task page, entries, submit/review, self-chosen tasks."""

from __future__ import annotations

from dataclasses import replace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tracker.campaigns.models import Measure
from tracker.campaigns.selectors import current_campaign_or_404
from tracker.core.concurrency import CONFLICT_STATUS, StaleVersion
from tracker.core.downloads import preview_image_response, uploaded_file_response
from tracker.core.forms import attach_errors
from tracker.core.types import AuthedRequest
from tracker.orgs.access import access_unit
from tracker.orgs.scope import Need, scope_for
from tracker.work import selectors, services
from tracker.work.access import access_entry, access_evidence, access_task
from tracker.work.forms import EntryForm, OwnerForm, ReviewForm, SelfChosenTaskForm, SubmitForm
from tracker.work.holds import entry_hold
from tracker.work.lights import LightRule
from tracker.work.models import Task
from tracker.work.progress import progress_source
from tracker.work.review_views import open_next, queue_query

TASK_PAGE = "work/task_detail.html"
TASK_HISTORY_PAGE = "work/task_history.html"
REVIEW_PAGE_SIZE = 50
UNIT_PAGE = "work/unit_detail.html"
REVIEW_PAGE = "work/review_queue.html"


def _campaign_and_rule():
    campaign = current_campaign_or_404()
    return campaign, LightRule.for_campaign(campaign)


@require_GET
@login_required
def unit_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """The unit's task ledger ("my unit"): tasks grouped by measure, with filters."""
    unit = access_unit(request.user, pk)
    campaign, rule = _campaign_and_rule()
    filters = selectors.TaskFilters.from_query(request.GET)
    tasks = list(selectors.unit_tasks(user=request.user, unit=unit, campaign=campaign, rule=rule, filters=filters))
    context = {
        "unit": unit,
        "campaign": campaign,
        "filters": filters,
        "groups": selectors.group_by_measure(tasks),
        "can_edit": scope_for(request.user).can_edit(unit),
    }
    if request.htmx:
        return render(request, f"{UNIT_PAGE}#task-list", context)
    if filters.active:  # the counts are of every task of the unit, not of the filtered list
        all_tasks = selectors.task_list(user=request.user, campaign=campaign, rule=rule).filter(unit=unit)
        context["counts"] = selectors.task_counts(tasks=all_tasks, rule=rule)
    else:  # the list is every task: counted as read, no second query
        context["counts"] = selectors.TaskCounts.of_tasks(tasks, rule)
    context["days_elapsed"] = campaign.days_elapsed(rule.today)
    context["measures"] = Measure.objects.all()
    context["statuses"] = Task._meta.get_field("status").choices
    return render(request, UNIT_PAGE, context)


def _load_task(request: AuthedRequest, pk: int, need: Need = "view") -> tuple[Task, LightRule]:
    _campaign, rule = _campaign_and_rule()
    return access_task(request.user, pk, need, rule=rule), rule


def _task_context(request: AuthedRequest, task: Task, **forms) -> dict:
    scope = scope_for(request.user)
    can_edit = scope.can_edit(task.unit) and task.is_open
    can_review = scope.can_review(task.unit) and task.status == "submitted"
    entry_rows, event_rows = selectors.task_timeline(task=task)
    entries, events = list(entry_rows), list(event_rows)
    people = selectors.unit_people(unit=task.unit)
    version = {"version": task.version}
    hold = entry_hold(task) if can_edit else None
    return {
        "queue": queue_query(request.POST if request.method == "POST" else request.GET),
        "task": task,
        "source": progress_source(task=task, entries=entries, events=events),
        "entries": entries,
        "events": events,
        "deleted_entries": selectors.deleted_entries(task=task) if can_edit else (),
        "entry_error": forms.get("entry_error"),
        "return_event": selectors.last_return_reason(task=task),
        "can_edit": can_edit,
        "can_lead": scope.can_lead(task.unit),
        "can_review": can_review,
        "entry_hold": hold,
        "entry_form": (forms.get("entry_form") or EntryForm(initial=version)) if can_edit and not hold else None,
        "owner_form": forms.get("owner_form")
        or (OwnerForm(initial={**version, "owner": task.owner_id}, people=people) if can_edit else None),
        "submit_form": (forms.get("submit_form") or SubmitForm(initial=version)) if can_edit else None,
        "review_form": (forms.get("review_form") or ReviewForm(initial=version)) if can_review else None,
        "conflict": forms.get("conflict"),
        "saved": forms.get("saved"),
    }


def _render_task(request: AuthedRequest, task: Task, *, status: int = 200, **forms) -> HttpResponse:
    template = f"{TASK_PAGE}#task-body" if request.htmx else TASK_PAGE
    return render(request, template, _task_context(request, task, **forms), status=status)


@require_GET
@login_required
def task_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    task, _rule = _load_task(request, pk)
    return _render_task(request, task)


@require_GET
@login_required
def task_history(request: AuthedRequest, pk: int) -> HttpResponse:
    """The task's change history: loaded into the task page when its box is opened, or a page of its own.

    Worked out on request: diffing every record of a busy task was a fifth of its page's time,
    for a box that stays closed on most visits.
    """
    task, _rule = _load_task(request, pk)
    context = {"task": task, "rows": selectors.task_history(task=task)}
    template = f"{TASK_HISTORY_PAGE}#history-rows" if request.htmx else TASK_HISTORY_PAGE
    return render(request, template, context)


def _after_write(request: AuthedRequest, pk: int, message: str) -> HttpResponse:
    """Re-read the task (its light may have changed) and show it; PRG for plain browsers."""
    if not request.htmx:
        messages.success(request, message)
        return redirect("work:task_detail", pk=pk)
    task, _rule = _load_task(request, pk)
    # The swapped page says what was saved, as the full page does with its message after PRG.
    return _render_task(request, task, saved=message)


def _conflict(request: AuthedRequest, pk: int, stale: StaleVersion, **forms) -> HttpResponse:
    """409 with the current task and, on top, every change made since the user's page was loaded.

    What the user typed comes back in its form (`forms`), carrying the current version, so a
    second send after reading the changes goes through.
    """
    task, _rule = _load_task(request, pk)
    changes = selectors.task_changes_since(task=task, version=stale.seen_version)
    for name, form in forms.items():
        data = form.data.copy()
        data["version"] = task.version
        forms[name] = type(form)(data)
    return _render_task(request, task, status=CONFLICT_STATUS, conflict=changes, **forms)


@require_POST
@login_required
def task_entry_add(request: AuthedRequest, pk: int) -> HttpResponse:
    task, _rule = _load_task(request, pk)
    form = EntryForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.entry_add(
                task=task,
                by=request.user,
                text=data["text"],
                occurred_on=data["occurred_on"],
                percent=data["percent"],
                files=data["files"],
                expected_version=data["version"],
            )
        except StaleVersion as stale:
            return _conflict(request, pk, stale, entry_form=form)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            return _after_write(request, pk, _("Entry added."))
    return _render_task(request, task, status=422, entry_form=form)


@require_POST
@login_required
def task_owner(request: AuthedRequest, pk: int) -> HttpResponse:
    task, _rule = _load_task(request, pk)
    form = OwnerForm(request.POST, people=selectors.unit_people(unit=task.unit))
    if not form.is_valid():
        return _render_task(request, task, status=422, owner_form=form)
    try:
        services.task_change_owner(
            task=task, by=request.user, owner=form.cleaned_data["owner"], expected_version=form.cleaned_data["version"]
        )
    except StaleVersion as stale:
        return _conflict(request, pk, stale)
    except ValidationError as exc:
        attach_errors(form, exc)
        return _render_task(request, task, status=422, owner_form=form)
    return _after_write(request, pk, _("Owner changed."))


@require_POST
@login_required
def task_submit(request: AuthedRequest, pk: int) -> HttpResponse:
    task, _rule = _load_task(request, pk)
    form = SubmitForm(request.POST)
    if form.is_valid():
        try:
            services.task_submit(
                task=task,
                by=request.user,
                expected_version=form.cleaned_data["version"],
                note=form.cleaned_data["note"],
            )
        except StaleVersion as stale:
            return _conflict(request, pk, stale, submit_form=form)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            return _after_write(request, pk, _("Submitted for review."))
    return _render_task(request, task, status=422, submit_form=form)


@require_POST
@login_required
def task_review(request: AuthedRequest, pk: int) -> HttpResponse:
    """Accept or return a submitted task (office, or the unit's guidance group)."""
    task, _rule = _load_task(request, pk, "review")
    form = ReviewForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == ReviewForm.ACCEPT:
                services.task_accept(task=task, by=request.user, expected_version=data["version"], note=data["reason"])
                message = _("Task accepted.")
            else:
                services.task_return(
                    task=task, by=request.user, expected_version=data["version"], reason=data["reason"]
                )
                message = _("Task returned to the unit.")
        except StaleVersion as stale:
            return _conflict(request, pk, stale, review_form=form)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            query = queue_query(request.POST)
            if query is not None:
                return open_next(request, query, message)
            return _after_write(request, pk, message)
    return _render_task(request, task, status=422, review_form=form)


def _entry_write(request: AuthedRequest, pk: int, service, message: str) -> HttpResponse:
    entry = access_entry(request.user, pk)
    try:
        service(entry=entry, by=request.user)
    except ValidationError as exc:
        task, _rule = _load_task(request, entry.task_id)
        return _render_task(request, task, status=422, entry_error=exc.messages)
    return _after_write(request, entry.task_id, message)


@require_POST
@login_required
def entry_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    """Soft delete: the entry leaves the log and the counts, and can be restored."""
    return _entry_write(request, pk, services.entry_delete, _("Entry deleted. You can restore it below."))


@require_POST
@login_required
def entry_restore(request: AuthedRequest, pk: int) -> HttpResponse:
    return _entry_write(request, pk, services.entry_restore, _("Entry restored."))


@require_http_methods(["GET", "POST"])
@login_required
def unit_task_create(request: AuthedRequest, pk: int) -> HttpResponse:
    """Add a self-chosen task (自选动作) to the unit."""
    unit = access_unit(request.user, pk, "edit")
    campaign, _rule = _campaign_and_rule()
    form = SelfChosenTaskForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            task = services.task_create_self_chosen(campaign=campaign, unit=unit, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Self-chosen task added."))
            return redirect("work:task_detail", pk=task.pk)
    status = 422 if request.method == "POST" else 200
    context = {
        "unit": unit,
        "campaign": campaign,
        "form": form,
        **selectors.self_chosen_load(unit=unit, campaign=campaign),
    }
    return render(request, "work/task_form.html", context, status=status)


@require_GET
@login_required
def review_queue(request: AuthedRequest) -> HttpResponse:
    """Submissions waiting for this user's review, longest waiting first, filtered and searched."""
    campaign, rule = _campaign_and_rule()
    filters = selectors.ReviewFilters.from_query(request.GET)
    tasks = selectors.review_queue(user=request.user, campaign=campaign, rule=rule, filters=filters)
    page = Paginator(tasks, REVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "campaign": campaign, "filters": filters, "queue": filters.to_query()}
    if request.htmx:
        return render(request, f"{REVIEW_PAGE}#queue", context)
    context["options"] = selectors.review_options(user=request.user, campaign=campaign, filters=filters)
    context["without_unit"] = replace(filters, unit=None).to_query()
    context["measures"] = Measure.objects.all()
    context["waiting_choices"] = selectors.REVIEW_WAITING_WORKDAYS
    return render(request, REVIEW_PAGE, context)


@require_GET
@login_required
def evidence_download(request: AuthedRequest, pk: int) -> FileResponse:
    """Evidence is only ever served here, after the scope check, as a download.

    Attachment + nosniff (SecurityMiddleware) + a sandbox CSP: even a file that slipped past
    the type checks is saved, never rendered or run by the browser in our origin.
    """
    evidence = access_evidence(request.user, pk)
    return uploaded_file_response(evidence.file.open("rb"), filename=evidence.original_name)


@require_GET
@login_required
def evidence_preview(request: AuthedRequest, pk: int, page: int) -> FileResponse:
    """A preview image of an evidence file, behind the same scope check as the file itself."""
    evidence = access_evidence(request.user, pk)
    if page >= evidence.preview_pages:
        raise Http404("no such preview")
    try:
        handle = evidence.file.storage.open(evidence.preview_name(page), "rb")
    except FileNotFoundError as exc:
        raise Http404("preview missing") from exc
    return preview_image_response(handle)
