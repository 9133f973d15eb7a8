"""Pages of 交办 (issue, board, 签收, reply, review) and of notices (publish, read, receipts)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tracker.campaigns.selectors import current_campaign_or_404
from tracker.core.concurrency import CONFLICT_STATUS, StaleVersion
from tracker.core.downloads import uploaded_file_response
from tracker.core.forms import attach_errors
from tracker.core.types import AuthedRequest
from tracker.directives import selectors, services
from tracker.directives.access import (
    access_assignment,
    access_notice,
    access_target,
    assignments_for,
    notices_for,
    oversees_anything,
    require_issuer,
    require_publisher,
)
from tracker.directives.forms import AssignmentForm, NoticeForm, ReplyForm
from tracker.directives.models import AssignmentFile, AssignmentTarget, NoticeFile
from tracker.orgs.scope import scope_for
from tracker.work.forms import ReviewForm

PAGE_SIZE = 50
FORM_PAGE = "directives/form.html"


def form_page(request: AuthedRequest, form: Any, *, title: str, status: int = 200, **extra: Any) -> HttpResponse:
    """The shared page of a directives form (multipart, one button)."""
    return render(request, FORM_PAGE, {"form": form, "title": title, **extra}, status=status)


@require_GET
@login_required
def assignment_list(request: AuthedRequest) -> HttpResponse:
    scope = scope_for(request.user)
    page = Paginator(selectors.assignment_list(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    mine = AssignmentTarget.objects.filter(unit_id__in=sorted(scope.edit_unit_ids)).select_related(
        "assignment", "task", "unit"
    )
    context = {"page": page, "mine": mine, "can_issue": scope.reviews_anything}
    return render(request, "directives/assignment_list.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def assignment_create(request: AuthedRequest) -> HttpResponse:
    scope = require_issuer(request.user)
    campaign = current_campaign_or_404()
    form = AssignmentForm(request.POST or None, request.FILES or None, scope=scope)
    if request.method == "POST" and form.is_valid():
        units = form.units()
        if not form.errors:
            try:
                assignment = services.assignment_issue(
                    by=request.user,
                    campaign=campaign,
                    units=units,
                    files=form.cleaned_data["files"],
                    **{k: form.cleaned_data[k] for k in ("measure", "title", "text", "due_on")},
                    needs_reply=form.cleaned_data["needs_reply"],
                    needs_evidence=form.cleaned_data["needs_evidence"],
                )
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(request, _("Issued to %(n)d units.") % {"n": len(units)})
                return redirect("directives:assignment_detail", pk=assignment.pk)
    status = 422 if form.errors else 200
    return form_page(request, form, title=_("Issue an assignment (交办)"), status=status)


@require_GET
@login_required
def assignment_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """The board for those who oversee the units; a unit's own people go to their copy."""
    scope = scope_for(request.user)
    if not oversees_anything(scope):
        target = AssignmentTarget.objects.filter(assignment_id=pk, unit_id__in=sorted(scope.edit_unit_ids)).first()
        if target is None:
            raise Http404("assignment")
        return redirect("directives:target_detail", pk=target.pk)
    assignment = access_assignment(request.user, pk)
    state = request.GET.get("state", "")
    board = selectors.assignment_board(
        assignment=assignment, user=request.user, today=timezone.localdate(), state=state
    )
    context = {
        "assignment": assignment,
        "board": board,
        "state": state,
        "states": selectors.STATES,
        "page": Paginator(board.rows, PAGE_SIZE).get_page(request.GET.get("page")),
        "files": assignment.files.all(),
        "can_review": scope.reviews_anything,
    }
    template = "directives/assignment_board.html#board" if request.htmx else "directives/assignment_board.html"
    return render(request, template, context)


@require_POST
@login_required
def assignment_urge(request: AuthedRequest, pk: int) -> HttpResponse:
    require_issuer(request.user)
    assignment = access_assignment(request.user, pk)
    told = services.assignment_urge(assignment=assignment, by=request.user)
    if told is None:
        messages.info(request, _("Nobody is behind: every unit has acknowledged and none is overdue."))
    else:
        messages.success(request, _("Urged. People told: %(n)d.") % {"n": len(told.recipients)})
    return redirect("directives:assignment_detail", pk=pk)


@require_GET
@login_required
def assignment_file(request: AuthedRequest, pk: int) -> FileResponse:
    row = AssignmentFile.objects.filter(pk=pk).first()
    if row is None:
        raise Http404("file")
    scope = scope_for(request.user)
    mine = row.assignment.targets.filter(unit_id__in=sorted(scope.edit_unit_ids)).exists()
    if not mine and not assignments_for(request.user).filter(pk=row.assignment_id).exists():
        raise Http404("file")
    return uploaded_file_response(row.file.open("rb"), filename=row.original_name)


def _target_page(request: AuthedRequest, target: AssignmentTarget, *, status: int = 200, **forms: Any) -> HttpResponse:
    scope = scope_for(request.user)
    task = target.task
    can_edit = scope.can_edit(target.unit)
    context = {
        "target": target,
        "assignment": target.assignment,
        "task": task,
        "files": target.assignment.files.all(),
        "can_edit": can_edit,
        "reply_form": forms.get("reply_form") or ReplyForm(initial={"version": task.version}),
        "review_form": forms.get("review_form") or ReviewForm(initial={"version": task.version}),
        "can_reply": can_edit and target.acknowledged_at is not None and task.is_open,
        "can_review": scope.can_review(target.unit) and task.status == "submitted",
        "conflict": forms.get("conflict"),
    }
    return render(request, "directives/target_detail.html", context, status=status)


@require_GET
@login_required
def target_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _target_page(request, access_target(request.user, pk))


@require_POST
@login_required
def target_acknowledge(request: AuthedRequest, pk: int) -> HttpResponse:
    target = access_target(request.user, pk, "edit")
    try:
        services.assignment_acknowledge(target=target, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Acknowledged (签收)."))
    # The task page's "请先签收" button comes back to the task; anything else goes to the 交办 page.
    if request.POST.get("next") == reverse("work:task_detail", args=[target.task_id]):
        return redirect("work:task_detail", pk=target.task_id)
    return redirect("directives:target_detail", pk=pk)


@require_POST
@login_required
def target_reply(request: AuthedRequest, pk: int) -> HttpResponse:
    target = access_target(request.user, pk, "edit")
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.assignment_reply(
                target=target,
                by=request.user,
                text=form.cleaned_data["text"],
                files=form.cleaned_data["files"],
                expected_version=form.cleaned_data["version"],
            )
        except StaleVersion:
            target = access_target(request.user, pk)
            return _target_page(request, target, status=CONFLICT_STATUS, reply_form=form, conflict=True)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Reply sent; the issuer will accept it or return it."))
            return redirect("directives:target_detail", pk=pk)
    return _target_page(request, target, status=422, reply_form=form)


@require_POST
@login_required
def target_review(request: AuthedRequest, pk: int) -> HttpResponse:
    """Accept or return a unit's reply, with the task review services."""
    target = access_target(request.user, pk, "review")
    form = ReviewForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.assignment_review(
                target=target,
                by=request.user,
                accept=data["decision"] == "accept",
                reason=data["reason"],
                expected_version=data["version"],
            )
        except StaleVersion:
            target = access_target(request.user, pk)
            return _target_page(request, target, status=CONFLICT_STATUS, review_form=form, conflict=True)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Accepted.") if data["decision"] == "accept" else _("Returned to the unit."))
            return redirect("directives:assignment_detail", pk=target.assignment_id)
    return _target_page(request, target, status=422, review_form=form)


# --- notices ------------------------------------------------------------------------------------


@require_GET
@login_required
def notice_list(request: AuthedRequest) -> HttpResponse:
    notices = selectors.notices_with_unread(user=request.user)
    page = Paginator(notices, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "can_publish": scope_for(request.user).manages_units}
    return render(request, "directives/notice_list.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def notice_create(request: AuthedRequest) -> HttpResponse:
    scope = require_publisher(request.user)
    form = NoticeForm(request.POST or None, request.FILES or None, scope=scope)
    if request.method == "POST" and form.is_valid():
        try:
            notice = services.notice_publish(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Published."))
            return redirect("directives:notice_detail", pk=notice.pk)
    return form_page(request, form, title=_("Publish a notice"), status=422 if form.errors else 200)


@require_GET
@login_required
def notice_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    notice = access_notice(request.user, pk)
    services.notice_read(notice=notice, user=request.user)
    scope = scope_for(request.user)
    receipts = selectors.notice_receipts(notice=notice) if scope.may("view", notice.root) else None
    can_urge = scope.may("manage", notice.root) if scope.manages_units else False
    context = {"notice": notice, "files": notice.files.all(), "receipts": receipts, "can_urge": can_urge}
    return render(request, "directives/notice_detail.html", context)


@require_POST
@login_required
def notice_urge(request: AuthedRequest, pk: int) -> HttpResponse:
    notice = access_notice(request.user, pk)
    told = services.notice_urge(notice=notice, by=request.user)
    if told is None:
        messages.info(request, _("Everyone has read the notice."))
    else:
        messages.success(request, _("Reminded %(n)d people who have not read it.") % {"n": len(told.recipients)})
    return redirect("directives:notice_detail", pk=pk)


@require_GET
@login_required
def notice_file(request: AuthedRequest, pk: int) -> FileResponse:
    row = NoticeFile.objects.filter(pk=pk, notice__in=notices_for(request.user)).first()
    if row is None:
        raise Http404("file")
    return uploaded_file_response(row.file.open("rb"), filename=row.original_name)
