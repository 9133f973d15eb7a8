"""Survey pages of units and the office: open a survey on a row, its QR code and codes, the results."""

from __future__ import annotations

import io

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from openpyxl import Workbook

from tracker.campaigns.selectors import current_campaign_or_404
from tracker.core.forms import attach_errors
from tracker.core.spreadsheets import row_cells
from tracker.core.types import AuthedRequest
from tracker.ledgers.access import access_ledger_row
from tracker.ledgers.registry import LEDGERS
from tracker.orgs.scope import scope_for
from tracker.surveys import selectors, services
from tracker.surveys.access import access_survey
from tracker.surveys.forms import CodesForm, SurveyOpenForm
from tracker.surveys.models import Survey

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def public_url(request: AuthedRequest, survey: Survey) -> str:
    return request.build_absolute_uri(reverse("surveys:public", args=[survey.token]))


@require_http_methods(["GET", "POST"])
@login_required
def survey_open(request: AuthedRequest, ledger: str, pk: int) -> HttpResponse:
    """A deed's or public-facing item's survey: its page if opened, else the form to open it."""
    row = access_ledger_row(request.user, LEDGERS[ledger], pk, "edit")
    existing = Survey.objects.filter(**{"deed" if ledger == "deeds" else "item": row}).first()
    if existing is not None:
        return redirect("surveys:detail", existing.pk)
    form = SurveyOpenForm(request.POST or None, initial={"public_title": str(row)[:200]})
    if request.method == "POST" and form.is_valid():
        try:
            survey = services.survey_open(by=request.user, subject=row, **form.cleaned_data)  # type: ignore[arg-type]
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("The public survey is open. Print or share its QR code."))
            return redirect("surveys:detail", survey.pk)
    status = 422 if form.errors else 200
    return render(request, "surveys/open.html", {"row": row, "form": form}, status=status)


@require_GET
@login_required
def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """The survey's link, QR code, tally and printed codes, for the unit and those who oversee it."""
    survey = access_survey(request.user, pk)
    context = {
        "survey": survey,
        "link": public_url(request, survey),
        "tally": selectors.survey_tally(survey=survey),
        "codes": survey.codes.all() if survey.uses_codes else [],
        "may_edit": scope_for(request.user).may("edit", survey.unit),
        "codes_form": CodesForm(),
    }
    return render(request, "surveys/detail.html", context)


@require_GET
@login_required
def qr_code(request: AuthedRequest, pk: int) -> HttpResponse:
    """The QR code of the public link as SVG, made on the server (no outside service)."""
    survey = access_survey(request.user, pk)
    out = io.BytesIO()
    segno.make(public_url(request, survey), error="m").save(out, kind="svg", scale=8, border=2, xmldecl=False)
    return HttpResponse(out.getvalue(), content_type="image/svg+xml")


@require_POST
@login_required
def codes_issue(request: AuthedRequest, pk: int) -> HttpResponse:
    survey = access_survey(request.user, pk, "edit")
    form = CodesForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("surveys:detail", survey.pk)
    if not survey.uses_codes:
        messages.error(request, _("This survey does not use one-time codes."))
        return redirect("surveys:detail", survey.pk)
    codes = services.survey_codes_issue(survey=survey, by=request.user, count=form.cleaned_data["count"])
    messages.success(request, _("%(n)d codes issued. Print them on slips.") % {"n": len(codes)})
    return redirect("surveys:detail", survey.pk)


def _results(request: AuthedRequest) -> selectors.Results:
    if not scope_for(request.user).sees_dashboards:
        raise Http404
    return selectors.survey_results(user=request.user, campaign=current_campaign_or_404())


@require_GET
@login_required
def results(request: AuthedRequest) -> HttpResponse:
    """Counts and satisfaction per survey, unit, area and measure; the unit's own figure marked self-reported."""
    found = _results(request)
    buckets = [(_("By unit"), found.by_unit), (_("By area"), found.by_area), (_("By measure"), found.by_measure)]
    return render(request, "surveys/results.html", {"results": found, "buckets": buckets})


@require_GET
@login_required
def results_export(request: AuthedRequest) -> FileResponse:
    found = _results(request)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Public surveys"))
    sheet.append(
        row_cells(
            sheet,
            [
                _("Unit"),
                _("Measure"),
                _("Area"),
                _("Survey"),
                _("Answers"),
                _("Satisfaction (%)"),
                _("Mean score (1–5)"),
                _("Self-reported satisfaction (%)"),
                _("Last day for answers"),
            ],
        )
    )
    for row in found.rows:
        sheet.append(
            row_cells(
                sheet,
                [
                    row.survey.unit.name,
                    row.measure,
                    row.area,
                    row.survey.public_title,
                    row.tally.responses,
                    row.tally.satisfaction,
                    row.tally.mean_score,
                    row.self_reported,
                    row.survey.ends_on,
                ],
            )
        )
    handle = io.BytesIO()
    workbook.save(handle)
    handle.seek(0)
    name = f"{_('Public surveys')}-{timezone.localdate():%Y%m%d}.xlsx"
    return FileResponse(handle, as_attachment=True, filename=name, content_type=XLSX)
