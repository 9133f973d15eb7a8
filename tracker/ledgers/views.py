"""Pages of the ledgers: a unit's ledger book, row forms and pages, the close-out flow.

Downloads, exports and the crowding page, which only read, are in `read_views.py`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from tracker.campaigns.selectors import current_campaign_or_404
from tracker.core.concurrency import CONFLICT_STATUS, StaleVersion
from tracker.core.forms import attach_errors
from tracker.core.types import AuthedRequest
from tracker.ledgers import selectors, services
from tracker.ledgers.access import (
    access_ledger_row,
    access_milestone,
)
from tracker.ledgers.forms import (
    CloseRequestForm,
    CloseReviewForm,
    DeleteForm,
    LedgerForm,
    MilestoneForm,
    RectificationRaiseForm,
)
from tracker.ledgers.models import Institution, RectificationItem, RectificationStatus
from tracker.ledgers.registry import LEDGERS, LedgerSpec
from tracker.ledgers.remembered import quick_start
from tracker.orgs.access import access_unit
from tracker.orgs.models import Unit
from tracker.orgs.scope import Need, scope_for

BOOK = "ledgers/book.html"
ROW_PAGE = "ledgers/row_detail.html"
FORM_PAGE = "ledgers/row_form.html"


def _unit(request: AuthedRequest, pk: int, need: Need = "view") -> Unit:
    return access_unit(request.user, pk, need)


def _row(request: AuthedRequest, spec: LedgerSpec, pk: int, need: Need = "view"):
    return access_ledger_row(request.user, spec, pk, need)


def _done(request: AuthedRequest, url: str, message: str) -> HttpResponse:
    """After a write: the full page for htmx (the URL changes), PRG for plain browsers."""
    messages.success(request, message)
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


# ------------------------------------------------------------------------------ the book


@require_GET
@login_required
def book(request: AuthedRequest, pk: int) -> HttpResponse:
    """A unit's ledger book: one section per ledger; htmx swaps the section when a tab is chosen."""
    unit = _unit(request, pk)
    campaign = current_campaign_or_404()
    spec = LEDGERS.get(request.GET.get("tab", "")) or next(iter(LEDGERS.values()))
    scope = scope_for(request.user)
    context = {
        "unit": unit,
        "campaign": campaign,
        "spec": spec,
        "rows": selectors.ledger_rows(user=request.user, unit=unit, spec=spec).filter(campaign=campaign),
        "can_edit": scope.can_edit(unit),
        "can_review": scope.can_review(unit),
    }
    counts = selectors.book_counts(unit=unit, campaign=campaign)
    context["tabs"] = [(other, counts[other.slug]) for other in LEDGERS.values()]
    return render(request, f"{BOOK}#section" if request.htmx else BOOK, context)


# ------------------------------------------------------------------------------ create / edit / delete


# The crowding warning names the latest visits to the site; the rest are counted.
NEARBY_SHOWN = 10


def _crowding_warning(form: LedgerForm, context: dict, exc: services.CrowdingNotConfirmed) -> None:
    """Show who else visited the site; a "save anyway" without a reason is refused beside the reason."""
    context["nearby"] = exc.nearby[:NEARBY_SHOWN]
    context["nearby_total"] = len(exc.nearby)
    context["nearby_more"] = max(len(exc.nearby) - NEARBY_SHOWN, 0)
    if exc.reason_missing:
        form.add_error("crowding_reason", _("Give the reason this visit is still needed, then save again."))


def _render_form(request, context: dict, status: int = 200) -> HttpResponse:
    template = f"{FORM_PAGE}#row-form" if request.htmx else FORM_PAGE
    response = render(request, template, context, status=status)
    if request.htmx and context.get("nearby"):
        # The warning is at the top of the form: bring it into view after the swap.
        response["HX-Reswap"] = "outerHTML show:top"
    return response


@require_http_methods(["GET", "POST"])
@login_required
def row_create(request: AuthedRequest, pk: int, ledger: str) -> HttpResponse:
    unit = _unit(request, pk, "edit")
    campaign = current_campaign_or_404()
    spec = LEDGERS[ledger]
    instance = spec.model(unit=unit, campaign=campaign)
    start = quick_start(unit=unit, ledger=ledger)
    form = spec.form(request.POST or None, request.FILES or None, unit=unit, instance=instance, initial=start.initial)
    context = {
        "unit": unit,
        "campaign": campaign,
        "spec": spec,
        "form": form,
        "action": request.path,
        "chips": start.chips,
    }
    if request.method == "POST":
        if form.is_valid():
            try:
                row = services.ledger_row_create(
                    ledger=ledger,
                    campaign=campaign,
                    unit=unit,
                    by=request.user,
                    data=form.model_data(),
                    files=form.cleaned_data.get("files") or [],
                    confirm_crowding=form.cleaned_data.get("confirm_crowding", False),
                    crowding_reason=form.cleaned_data.get("crowding_reason", ""),
                )
            except services.CrowdingNotConfirmed as exc:
                _crowding_warning(form, context, exc)
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                return _done(request, row.get_absolute_url(), _("Saved in the ledger."))
        return _render_form(request, context, status=422)
    return _render_form(request, context)


@require_http_methods(["GET", "POST"])
@login_required
def row_edit(request: AuthedRequest, ledger: str, pk: int) -> HttpResponse:
    spec = LEDGERS[ledger]
    row = _row(request, spec, pk, "edit")
    if not row.is_editable:
        messages.info(request, _("This row is closed and can no longer be changed."))
        return redirect(row.get_absolute_url())
    form = spec.form(
        request.POST or None, request.FILES or None, unit=row.unit, instance=row, initial={"version": row.version}
    )
    context = {"unit": row.unit, "campaign": row.campaign, "spec": spec, "form": form, "row": row}
    context["action"] = request.path
    if request.method == "POST":
        if form.is_valid():
            try:
                row = services.ledger_row_update(
                    row=row,
                    by=request.user,
                    data=form.model_data(),
                    expected_version=form.cleaned_data["version"] or 0,
                    files=form.cleaned_data.get("files") or [],
                    confirm_crowding=form.cleaned_data.get("confirm_crowding", False),
                    crowding_reason=form.cleaned_data.get("crowding_reason", ""),
                )
            except StaleVersion as exc:
                context["conflict"] = exc.current.history.select_related("history_user").first()
                return _render_form(request, context, status=CONFLICT_STATUS)
            except services.CrowdingNotConfirmed as exc:
                _crowding_warning(form, context, exc)
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                return _done(request, row.get_absolute_url(), _("Changes saved."))
        return _render_form(request, context, status=422)
    return _render_form(request, context)


@require_POST
@login_required
def row_delete(request: AuthedRequest, ledger: str, pk: int) -> HttpResponse:
    spec = LEDGERS[ledger]
    row = _row(request, spec, pk, "edit")
    form = DeleteForm(request.POST)
    if form.is_valid():
        try:
            services.ledger_row_delete(row=row, by=request.user, expected_version=form.cleaned_data["version"])
        except StaleVersion:
            return _render_row(request, spec, row, status=CONFLICT_STATUS, conflict=True)
        except ValidationError as exc:
            return _render_row(request, spec, row, status=422, error=" ".join(exc.messages))
        url = reverse("ledgers:book", args=[row.unit_id]) + f"?tab={spec.slug}"
        return _done(request, url, _("Deleted from the ledger; the history keeps it."))
    return _render_row(request, spec, row, status=422)


# ------------------------------------------------------------------------------ row page


def _row_context(request: AuthedRequest, spec: LedgerSpec, row, **extra) -> dict:
    scope = scope_for(request.user)
    can_edit = scope.can_edit(row.unit) and row.is_editable
    context = {
        "spec": spec,
        "row": row,
        "unit": row.unit,
        "fields": [(column.header, column.value(row)) for column in spec.columns],
        "history": selectors.row_history(row=row),
        "can_edit": can_edit,
        **extra,
    }
    if isinstance(row, RectificationItem):
        context.update(_rectification_context(request, row, scope, can_edit, extra))
    if isinstance(row, Institution):
        context["problems"] = list(row.problems.all())
    return context


def _rectification_context(request, item: RectificationItem, scope, can_edit: bool, forms: dict) -> dict:
    version = {"version": item.version}
    can_review = scope.can_review(item.unit) and item.status == RectificationStatus.REQUESTED
    events = list(item.events.select_related("actor"))
    return_event = next((e for e in events if e.kind == "returned"), None)
    return {
        "milestones": list(item.milestones.all()),
        "files": list(item.files.all()),
        "events": events,
        "return_event": return_event if item.status == RectificationStatus.RETURNED else None,
        "can_review": can_review,
        "milestone_form": forms.get("milestone_form")
        or (MilestoneForm() if can_edit and item.kind == "long_term" else None),
        "close_form": forms.get("close_form")
        or (CloseRequestForm(initial={**version, "satisfaction": item.satisfaction}) if can_edit else None),
        "review_form": forms.get("review_form") or (CloseReviewForm(initial=version) if can_review else None),
    }


def _render_row(request: AuthedRequest, spec: LedgerSpec, row, *, status: int = 200, **extra) -> HttpResponse:
    template = f"{ROW_PAGE}#row-body" if request.htmx else ROW_PAGE
    return render(request, template, _row_context(request, spec, row, **extra), status=status)


@require_GET
@login_required
def row_detail(request: AuthedRequest, ledger: str, pk: int) -> HttpResponse:
    spec = LEDGERS[ledger]
    return _render_row(request, spec, _row(request, spec, pk))


# ------------------------------------------------------------------------------ rectification workflow


RECT = LEDGERS["rectification"]


def _item(request: AuthedRequest, pk: int, need: Need = "view") -> RectificationItem:
    return _row(request, RECT, pk, need)


def _after_item_write(request: AuthedRequest, pk: int, message: str) -> HttpResponse:
    if not request.htmx:
        messages.success(request, message)
        return redirect("ledgers:row_detail", ledger="rectification", pk=pk)
    return _render_row(request, RECT, _item(request, pk))


def _item_conflict(request: AuthedRequest, pk: int) -> HttpResponse:
    return _render_row(request, RECT, _item(request, pk), status=CONFLICT_STATUS, conflict=True)


@require_http_methods(["GET", "POST"])
@login_required
def rectification_raise(request: AuthedRequest, pk: int) -> HttpResponse:
    """A guide or the office raises a problem on a unit; it lands in the unit's rectification ledger."""
    unit = _unit(request, pk, "review")
    campaign = current_campaign_or_404()
    form = RectificationRaiseForm(
        request.POST or None, unit=unit, instance=RectificationItem(unit=unit, campaign=campaign)
    )
    context = {"unit": unit, "campaign": campaign, "spec": RECT, "form": form, "raising": True}
    context["action"] = request.path
    if request.method == "POST":
        if form.is_valid():
            try:
                item = services.rectification_raise(
                    campaign=campaign, unit=unit, by=request.user, data=form.model_data()
                )
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                return _done(request, item.get_absolute_url(), _("Problem raised; it is now in the unit's ledger."))
        return _render_form(request, context, status=422)
    return _render_form(request, context)


@require_POST
@login_required
def milestone_add(request: AuthedRequest, pk: int) -> HttpResponse:
    item = _item(request, pk, "edit")
    form = MilestoneForm(request.POST)
    if form.is_valid():
        try:
            services.milestone_add(item=item, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            return _after_item_write(request, pk, _("Staged target added."))
    return _render_row(request, RECT, item, status=422, milestone_form=form)


@require_POST
@login_required
def milestone_reach(request: AuthedRequest, pk: int) -> HttpResponse:
    milestone = access_milestone(request.user, pk, "edit")
    try:
        services.milestone_reach(milestone=milestone, by=request.user)
    except ValidationError as exc:
        item = _item(request, milestone.item_id)
        return _render_row(request, RECT, item, status=422, error=" ".join(exc.messages))
    return _after_item_write(request, milestone.item_id, _("Staged target reached."))


@require_POST
@login_required
def close_request(request: AuthedRequest, pk: int) -> HttpResponse:
    """The unit asks for close-out (销号) with evidence."""
    item = _item(request, pk, "edit")
    form = CloseRequestForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.rectification_request_close(
                item=item,
                by=request.user,
                expected_version=data["version"],
                note=data["note"],
                files=data["files"],
                satisfaction=data["satisfaction"],
            )
        except StaleVersion:
            return _item_conflict(request, pk)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            return _after_item_write(request, pk, _("Close-out requested; the verifier has been asked."))
    return _render_row(request, RECT, item, status=422, close_form=form)


@require_POST
@login_required
def close_review(request: AuthedRequest, pk: int) -> HttpResponse:
    """The office or the unit's guidance group verifies the close-out or returns it with a reason."""
    item = _item(request, pk, "review")
    form = CloseReviewForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == CloseReviewForm.VERIFY:
                services.rectification_verify(
                    item=item, by=request.user, expected_version=data["version"], note=data["reason"]
                )
                message = _("Verified: the item is closed out.")
            else:
                services.rectification_return(
                    item=item, by=request.user, expected_version=data["version"], reason=data["reason"]
                )
                message = _("Returned to the unit with your reason.")
        except StaleVersion:
            return _item_conflict(request, pk)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            return _after_item_write(request, pk, message)
    return _render_row(request, RECT, item, status=422, review_form=form)
