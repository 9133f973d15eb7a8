"""Pages of the reminder system: urge (催办) a task or unit, the office's outbox, mail preferences."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tracker.core.types import AuthedRequest
from tracker.orgs.access import access_unit
from tracker.orgs.models import Unit
from tracker.reminders import selectors, services
from tracker.reminders.access import access_outbox_mail, require_outbox
from tracker.reminders.forms import PreferenceForm, UrgeForm
from tracker.reminders.models import MailStatus
from tracker.work.access import access_task
from tracker.work.models import Task

URGE_PAGE = "reminders/urge.html"
OUTBOX_PAGE = "reminders/outbox.html"
OUTBOX_PAGE_SIZE = 50


def _back(request: AuthedRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


def _urge(
    request: AuthedRequest, *, unit: Unit, task: Task | None, action: str, fallback: str, run: Callable
) -> HttpResponse:
    form = UrgeForm(request.POST)
    context: dict[str, Any] = {
        "form": form,
        "unit": unit,
        "task": task,
        "action": action,
        "next": _back(request, fallback),
    }
    if form.is_valid():
        try:
            result = run(form.cleaned_data["note"])
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            if result.reached:
                message = _("Urged. Recipients reached: %(n)d.") % {"n": result.reached}
            elif result.already:
                message = _("Already urged today; the unit was not reminded again.")
            else:
                message = _("Nobody to urge: the unit has no active staff.")
            if request.htmx:
                return render(request, f"{URGE_PAGE}#urge-result", {**context, "message": message})
            messages.success(request, message)
            return redirect(context["next"])
    template = f"{URGE_PAGE}#urge-form" if request.htmx else URGE_PAGE
    return render(request, template, context, status=422)


@require_POST
@login_required
def task_urge(request: AuthedRequest, pk: int) -> HttpResponse:
    """催办 from the task page: the owner and the unit's staff get a mail with the note."""
    task = access_task(request.user, pk, "review")
    return _urge(
        request,
        unit=task.unit,
        task=task,
        action=reverse("reminders:task_urge", args=[pk]),
        fallback=reverse("work:task_detail", args=[pk]),
        run=lambda note: services.task_urge(task=task, by=request.user, note=note),
    )


@require_http_methods(["GET", "POST"])
@login_required
def unit_urge(request: AuthedRequest, pk: int) -> HttpResponse:
    """催办 a unit as a whole (matrix, unit list, unit page): GET asks to confirm, POST urges.

    Its staff and leaders get its red and due-soon tasks, at most once a day each.
    """
    unit = access_unit(request.user, pk, "review")
    if request.method == "GET":
        fallback = reverse("work:unit_detail", args=[pk])
        target = request.GET.get("next", "")
        safe = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
        context = {
            "form": UrgeForm(),
            "unit": unit,
            "task": None,
            "action": reverse("reminders:unit_urge", args=[pk]),
            "next": target if safe else fallback,
            "urges": selectors.unit_urges(unit=unit),
        }
        return render(request, URGE_PAGE, context)
    return _urge(
        request,
        unit=unit,
        task=None,
        action=reverse("reminders:unit_urge", args=[pk]),
        fallback=reverse("work:unit_detail", args=[pk]),
        run=lambda note: services.unit_urge(unit=unit, by=request.user, note=note),
    )


@require_GET
@login_required
def unit_urges(request: AuthedRequest, pk: int) -> HttpResponse:
    """Who urged the unit, whom, and when (the unit page loads it as a fragment)."""
    unit = access_unit(request.user, pk)
    context = {"unit": unit, "urges": selectors.unit_urges(unit=unit)}
    return render(request, "reminders/unit_urges.html", context)


@require_GET
@login_required
def outbox(request: AuthedRequest) -> HttpResponse:
    """Mail the system queued, sent or gave up on, newest first; failed mail shows its last error."""
    require_outbox(request.user)
    status = request.GET.get("status", "")
    status = status if status in MailStatus.values else ""
    mails = selectors.outbox_list(user=request.user, status=status)
    context: dict[str, Any] = {
        "page": Paginator(mails, OUTBOX_PAGE_SIZE).get_page(request.GET.get("page")),
        "status": status,
        "statuses": MailStatus.choices,
    }
    if request.htmx:
        return render(request, f"{OUTBOX_PAGE}#results", context)
    context["counts"] = selectors.outbox_counts(user=request.user)
    return render(request, OUTBOX_PAGE, context)


@require_POST
@login_required
def outbox_retry(request: AuthedRequest, pk: int) -> HttpResponse:
    mail = access_outbox_mail(request.user, pk)
    try:
        services.outbox_retry(mail=mail, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The mail is queued again."))
    return redirect(f"{reverse('reminders:outbox')}?status={MailStatus.FAILED}")


@require_http_methods(["GET", "POST"])
@login_required
def preferences(request: AuthedRequest) -> HttpResponse:
    """Each person's mail settings: the language of their reminders, and the weekly digest on or off."""
    current = selectors.preference_for(user=request.user)
    initial = {"language": current.language, "receive_digests": current.receive_digests}
    form = PreferenceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.preference_update(user=request.user, **form.cleaned_data)
        messages.success(request, _("Mail settings saved."))
        return redirect("reminders:preferences")
    status = 422 if request.method == "POST" else 200
    return render(request, "reminders/preferences.html", {"form": form}, status=status)
