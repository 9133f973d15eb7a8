"""Pages of the template editor: the list with its burden, a template, the form, a change's preview.

Every change goes through a preview (`change_detail`) that says what it does to the units' tasks;
only its confirmation (a POST) queues the apply job, whose progress the same page polls.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tracker.campaigns.models import TaskTemplate
from tracker.campaigns.selectors import current_campaign_or_404
from tracker.campaigns.services import SoftCapMoved, campaign_soft_cap_set
from tracker.core.concurrency import CONFLICT_STATUS, StaleVersion
from tracker.core.history import history_rows
from tracker.core.types import AuthedRequest
from tracker.editor import selectors, services
from tracker.editor.access import access_change, access_template, change_checker, require_editor
from tracker.editor.forms import SoftCapForm, TemplateForm
from tracker.editor.models import ChangeKind, ChangeStatus
from tracker.orgs.access import is_city_office
from tracker.orgs.models import Unit
from tracker.orgs.scope import scope_for

CHANGE_PAGE = "editor/change_detail.html"
RECENT = 20


def _list_page(request: AuthedRequest, *, cap_form: SoftCapForm | None = None, status: int = 200) -> HttpResponse:
    campaign = current_campaign_or_404()
    burden = selectors.template_burden(user=request.user, campaign=campaign)
    changes = selectors.recent_changes(user=request.user).filter(created_by=request.user)[:RECENT]
    cap = campaign.self_chosen_soft_cap
    context = {
        "campaign": campaign,
        "burden": burden,
        "changes": changes,
        "cap_form": cap_form or SoftCapForm(initial={"cap": cap, "seen": cap}),
        "cap_history": selectors.soft_cap_history(campaign=campaign),
        "cap_stale": status == CONFLICT_STATUS,
        "sets_cap": is_city_office(request.user),
    }
    return render(request, "editor/template_list.html", context, status=status)


@require_GET
@login_required
def template_list(request: AuthedRequest) -> HttpResponse:
    require_editor(request.user)
    return _list_page(request)


@require_POST
@login_required
def soft_cap(request: AuthedRequest) -> HttpResponse:
    """The city office sets the campaign's soft cap on self-chosen tasks (S2 l.28 不随意增加"自选动作")."""
    require_editor(request.user)
    if not is_city_office(request.user):
        raise PermissionDenied(_("Only the city office sets the campaign's soft cap."))
    campaign = current_campaign_or_404()
    form = SoftCapForm(request.POST)
    if not form.is_valid():
        return _list_page(request, cap_form=form, status=422)
    try:
        campaign_soft_cap_set(
            campaign=campaign, cap=form.cleaned_data["cap"], seen=form.cleaned_data["seen"], by=request.user
        )
    except SoftCapMoved as exc:
        now = exc.args[0]
        return _list_page(request, cap_form=SoftCapForm(initial={"cap": now, "seen": now}), status=CONFLICT_STATUS)
    return redirect("editor:template_list")


@require_GET
@login_required
def template_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    template = access_template(request.user, pk)
    records = template.history.select_related("history_user").all()
    context = {
        "template": template,
        "categories": list(template.categories.all()),
        "may_change": change_checker(request.user)(template),
        "history": history_rows(records, hidden={"version", "order"}),
        "changes": selectors.recent_changes(user=request.user, template=template)[:RECENT],
    }
    return render(request, "editor/template_detail.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def template_create(request: AuthedRequest) -> HttpResponse:
    require_editor(request.user)
    campaign = current_campaign_or_404()
    owners = Unit.objects.filter(path__in=scope_for(request.user).manage_paths).order_by("path")
    form = TemplateForm(request.POST or None, owners=owners, city=is_city_office(request.user))
    if request.method == "POST" and form.is_valid():
        change = services.change_propose(
            by=request.user,
            campaign=campaign,
            kind=ChangeKind.CREATE,
            data=form.wanted(),
            reason=form.cleaned_data["reason"],
        )
        return redirect(change)
    status = 422 if request.method == "POST" else 200
    return render(request, "editor/template_form.html", {"form": form, "template": None}, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def template_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    template = access_template(request.user, pk, change=True)
    # The form writes the posted values onto its instance while validating: give it its own copy.
    form = TemplateForm(request.POST or None, instance=TaskTemplate.objects.get(pk=template.pk))
    if request.method == "POST" and form.is_valid():
        change = services.change_propose(
            by=request.user,
            campaign=template.campaign,
            kind=ChangeKind.EDIT,
            template=template,
            data=form.wanted(),
            reason=form.cleaned_data["reason"],
            base_version=form.cleaned_data["version"],
        )
        return redirect(change)
    status = 422 if request.method == "POST" else 200
    return render(request, "editor/template_form.html", {"form": form, "template": template}, status=status)


@require_POST
@login_required
def template_retire(request: AuthedRequest, pk: int) -> HttpResponse:
    template = access_template(request.user, pk, change=True)
    version = request.POST.get("version", "")
    change = services.change_propose(
        by=request.user,
        campaign=template.campaign,
        kind=ChangeKind.RETIRE,
        template=template,
        reason=request.POST.get("reason", ""),
        base_version=int(version) if version.isdigit() else template.version,
    )
    return redirect(change)


def _change_page(request: AuthedRequest, change, *, status: int = 200, stale: bool = False) -> HttpResponse:
    context = {"change": change, "stale": stale}
    if change.status in (ChangeStatus.DRAFT, ChangeStatus.FAILED):
        context["effect"] = selectors.change_effect(change=change)
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, f"{CHANGE_PAGE}#job", context, status=status)
    return render(request, CHANGE_PAGE, context, status=status)


@require_GET
@login_required
def change_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    response = _change_page(request, access_change(request.user, pk))
    response["Vary"] = "HX-Request"
    return response


@require_POST
@login_required
def change_confirm(request: AuthedRequest, pk: int) -> HttpResponse:
    change = access_change(request.user, pk)
    try:
        change = services.change_confirm(change=change, by=request.user)
    except StaleVersion:
        return _change_page(request, change, status=CONFLICT_STATUS, stale=True)
    return redirect(change)
