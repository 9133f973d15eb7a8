"""Ledger pages that only read: file downloads, Excel exports of a ledger or the whole book, crowding."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tracker.campaigns.selectors import current_campaign_or_404
from tracker.core.downloads import uploaded_file_response
from tracker.core.types import AuthedRequest, User
from tracker.ledgers import exports, selectors
from tracker.ledgers.access import access_institution_document, access_rectification_evidence
from tracker.ledgers.crowding import crowding_page, crowding_refresh
from tracker.ledgers.registry import LEDGERS
from tracker.orgs.access import access_unit
from tracker.orgs.scope import scope_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# ------------------------------------------------------------------------------ files


@require_GET
@login_required
def evidence_download(request: AuthedRequest, pk: int) -> FileResponse:
    """Evidence of a rectification item, only here, after the scope check, as a download."""
    evidence = access_rectification_evidence(request.user, pk)
    return uploaded_file_response(evidence.file.open("rb"), filename=evidence.original_name)


@require_GET
@login_required
def document_download(request: AuthedRequest, pk: int) -> FileResponse:
    institution = access_institution_document(request.user, pk)
    return uploaded_file_response(institution.document.open("rb"), filename=institution.document_name or "document")


# ------------------------------------------------------------------------------ exports


def _xlsx(handle, filename: str) -> FileResponse:
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX)


@require_GET
@login_required
def ledger_export(request: AuthedRequest, pk: int, ledger: str) -> FileResponse:
    """One ledger of a unit as an Excel sheet."""
    unit = access_unit(request.user, pk)
    campaign = current_campaign_or_404()
    spec = LEDGERS[ledger]
    rows = selectors.ledger_rows(user=request.user, unit=unit, spec=spec).filter(campaign=campaign)
    handle = exports.workbook_file(unit=unit, sheets=[(spec, rows)])
    return _xlsx(handle, f"{unit.name}-{spec.title}-{timezone.localdate():%Y%m%d}.xlsx")


@require_GET
@login_required
def book_export(request: AuthedRequest, pk: int) -> FileResponse:
    """A unit's whole ledger book: one workbook, one sheet per ledger."""
    unit = access_unit(request.user, pk)
    campaign = current_campaign_or_404()
    sheets = [
        (spec, selectors.ledger_rows(user=request.user, unit=unit, spec=spec).filter(campaign=campaign))
        for spec in LEDGERS.values()
    ]
    handle = exports.workbook_file(unit=unit, sheets=sheets)
    return _xlsx(handle, f"{unit.name}-{_('ledger book')}-{timezone.localdate():%Y%m%d}.xlsx")


# ------------------------------------------------------------------------------ crowding


def crowding_context(*, user: User, campaign) -> dict:
    """What the crowding partial needs (live, or a wide scope's snapshot); the overview dashboard
    can include `ledgers/crowding.html#crowding`."""
    return crowding_page(user=user, campaign=campaign).context(campaign)


@require_GET
@login_required
def crowding(request: AuthedRequest) -> HttpResponse:
    """Crowded research sites (扎堆调研) and duplicated topics in the user's scope, for office and leaders."""
    if not scope_for(request.user).sees_crowding:
        raise PermissionDenied
    campaign = current_campaign_or_404()
    context = {"campaign": campaign, **crowding_context(user=request.user, campaign=campaign)}
    template = "ledgers/crowding.html#crowding" if request.htmx else "ledgers/crowding.html"
    return render(request, template, context)


@require_POST
@login_required
def crowding_refresh_view(request: AuthedRequest) -> HttpResponse:
    """Renew the crowding snapshot of a wide scope now (a background job), then show the page."""
    if not scope_for(request.user).sees_crowding:
        raise PermissionDenied
    crowding_refresh(user=request.user, campaign=current_campaign_or_404())
    return redirect("ledgers:crowding")
