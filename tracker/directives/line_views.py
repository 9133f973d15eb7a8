"""Pages of the two-way line: extension requests, threads (questions, difficulties) and 批示."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tracker.core.concurrency import CONFLICT_STATUS, StaleVersion
from tracker.core.downloads import uploaded_file_response
from tracker.core.forms import attach_errors
from tracker.core.types import AuthedRequest
from tracker.directives import lines, selectors
from tracker.directives.access import (
    access_extension,
    access_instruction,
    access_thread,
    access_thread_file,
    is_leader,
)
from tracker.directives.forms import DecisionForm, ExtensionForm, InstructionForm, MessageForm, ThreadForm
from tracker.directives.models import Addressee, ExtensionRequest, ThreadState
from tracker.directives.views import PAGE_SIZE, form_page
from tracker.ledgers.models import RectificationItem
from tracker.orgs.access import access, access_unit
from tracker.orgs.scope import scope_for
from tracker.work.access import access_task

# --- 延期申请 --------------------------------------------------------------------------------------


@require_GET
@login_required
def extension_list(request: AuthedRequest) -> HttpResponse:
    """Pending requests for those who decide; the unit's own requests for its people."""
    scope = scope_for(request.user)
    pending = selectors.pending_extensions(user=request.user) if scope.reviews_anything else None
    own = (
        ExtensionRequest.objects.filter(task__unit_id__in=sorted(scope.edit_unit_ids))
        .select_related("task__unit", "task__template", "decided_by")
        .order_by("-created_at")[:PAGE_SIZE]
    )
    context = {"pending": pending, "own": own, "form": DecisionForm()}
    return render(request, "directives/extension_list.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def extension_create(request: AuthedRequest, pk: int) -> HttpResponse:
    task = access_task(request.user, pk, "edit")
    form = ExtensionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            lines.extension_request(task=task, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Extension requested; you will be told the decision."))
            return redirect("work:task_detail", pk=pk)
    status = 422 if form.errors else 200
    return form_page(request, form, title=_("Ask for an extension"), status=status, task=task, multipart=False)


@require_POST
@login_required
def extension_decide(request: AuthedRequest, pk: int) -> HttpResponse:
    extension = access_extension(request.user, pk, "review")
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or refuse."))
        return redirect("directives:extension_list")
    data = form.cleaned_data
    try:
        lines.extension_decide(
            request=extension,
            by=request.user,
            approve=data["decision"] == "approve",
            note=data["note"],
            expected_version=data["version"],
        )
    except StaleVersion as stale:
        current = stale.current
        context = {"extension": current, "by": current.decided_by}
        return render(request, "directives/extension_conflict.html", context, status=CONFLICT_STATUS)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("directives:extension_list")
    messages.success(request, _("Decision recorded; the unit is told."))
    return redirect("directives:extension_list")


# --- threads ---------------------------------------------------------------------------------------


@require_GET
@login_required
def thread_list(request: AuthedRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    to = request.GET.get("to", "")
    to = to if to in Addressee.values else ""
    threads = selectors.threads_for(user=request.user, state=state, addressee=to)
    page = Paginator(threads, PAGE_SIZE).get_page(request.GET.get("page"))
    scope = scope_for(request.user)
    context = {
        "page": page,
        "state": state,
        "states": ThreadState.choices,
        "own_units": sorted(scope.edit_unit_ids),
        "to": Addressee(to).label if to else "",
    }
    return render(request, "directives/thread_list.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def thread_create(request: AuthedRequest, pk: int) -> HttpResponse:
    unit = access_unit(request.user, pk)
    scope = scope_for(request.user)
    if not (scope.can_edit(unit) or scope.guides(unit)):
        raise PermissionDenied(_("Only the unit's own staff or its guidance group can raise a question about it."))
    form = ThreadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            thread = lines.thread_open(unit=unit, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Sent."))
            return redirect("directives:thread_detail", pk=thread.pk)
    status = 422 if form.errors else 200
    return form_page(request, form, title=_("Raise a question or difficulty"), status=status, unit=unit)


def _thread_page(request: AuthedRequest, thread, *, status: int = 200, form=None) -> HttpResponse:
    scope = scope_for(request.user)
    may_write = scope.can_edit(thread.unit) or scope.can_review(thread.unit)
    context = {
        "thread": thread,
        "thread_messages": thread.messages.select_related("author").prefetch_related("files"),
        "instructions": thread.instructions.select_related("author"),
        "form": form or MessageForm(initial={"version": thread.version}),
        "may_write": may_write and thread.state != ThreadState.CLOSED,
        "may_forward": scope.can_review(thread.unit) and thread.state != ThreadState.CLOSED,
        "may_instruct": is_leader(scope),
    }
    return render(request, "directives/thread_detail.html", context, status=status)


@require_GET
@login_required
def thread_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _thread_page(request, access_thread(request.user, pk))


@require_POST
@login_required
def thread_post(request: AuthedRequest, pk: int) -> HttpResponse:
    thread = access_thread(request.user, pk)
    scope = scope_for(request.user)
    if not (scope.can_edit(thread.unit) or scope.can_review(thread.unit)):
        raise PermissionDenied(_("Only the unit and those who answer it can write here."))
    form = MessageForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            lines.thread_post(
                thread=thread,
                by=request.user,
                text=form.cleaned_data["text"],
                files=form.cleaned_data["files"],
                expected_version=form.cleaned_data["version"],
            )
        except StaleVersion:
            return _thread_page(request, access_thread(request.user, pk), status=CONFLICT_STATUS, form=form)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            return redirect("directives:thread_detail", pk=pk)
    return _thread_page(request, thread, status=422, form=form)


@require_POST
@login_required
def thread_forward(request: AuthedRequest, pk: int) -> HttpResponse:
    thread = access_thread(request.user, pk, "review")
    try:
        lines.thread_forward(thread=thread, by=request.user, note=request.POST.get("note", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Passed on."))
    return redirect("directives:thread_detail", pk=pk)


@require_POST
@login_required
def thread_close(request: AuthedRequest, pk: int) -> HttpResponse:
    thread = access_thread(request.user, pk)
    try:
        lines.thread_close(thread=thread, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Closed."))
    return redirect("directives:thread_detail", pk=pk)


@require_GET
@login_required
def thread_file(request: AuthedRequest, pk: int) -> FileResponse:
    row = access_thread_file(request.user, pk)
    return uploaded_file_response(row.file.open("rb"), filename=row.original_name)


# --- 批示 ------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def instruction_create(request: AuthedRequest, pk: int) -> HttpResponse:
    """A leader's 批示 on the unit, or (?task= / ?thread=) on one of its tasks or questions."""
    unit = access_unit(request.user, pk)
    if not is_leader(scope_for(request.user)):
        raise PermissionDenied(_("Only members of the leadership group write instructions."))
    params = request.POST if request.method == "POST" else request.GET
    task = thread = problem = None
    if (task_id := params.get("task", "")).isdigit():
        task = access_task(request.user, int(task_id))
    if (thread_id := params.get("thread", "")).isdigit():
        thread = access_thread(request.user, int(thread_id))
    if (problem_id := params.get("problem", "")).isdigit():
        problem = access(RectificationItem.objects.all(), request.user, pk=int(problem_id))
    form = InstructionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            instruction = lines.instruction_write(
                unit=unit, by=request.user, text=form.cleaned_data["text"], task=task, thread=thread, problem=problem
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Instruction sent to the unit."))
            return redirect("directives:instruction_detail", pk=instruction.pk)
    on: object | None = task or thread or problem
    hidden = {"task": task_id, "thread": thread_id, "problem": problem_id}
    context = {"unit": unit, "on": on, "multipart": False, "hidden": hidden}
    status = 422 if form.errors else 200
    return form_page(request, form, title=_("Write an instruction (批示)"), status=status, **context)


@require_GET
@login_required
def instruction_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    instruction = access_instruction(request.user, pk)
    can_ack = scope_for(request.user).can_edit(instruction.unit) and instruction.acknowledged_at is None
    return render(request, "directives/instruction_detail.html", {"instruction": instruction, "can_ack": can_ack})


@require_POST
@login_required
def instruction_acknowledge(request: AuthedRequest, pk: int) -> HttpResponse:
    instruction = access_instruction(request.user, pk, "edit")
    try:
        lines.instruction_acknowledge(instruction=instruction, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Acknowledged (签收)."))
    return redirect("directives:instruction_detail", pk=pk)
