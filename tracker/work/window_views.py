"""A unit's own window in the campaign (S0 l.11 具体到每个单位只有*个月): the office sets it, due dates follow."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from tracker.campaigns.models import Participation
from tracker.campaigns.selectors import current_campaign_or_404
from tracker.core.types import AuthedRequest
from tracker.orgs.access import access_unit
from tracker.work.instantiation import unit_window_set

PAGE = "work/unit_window.html"


class WindowForm(forms.Form):
    starts_on = forms.DateField(
        label=gettext_lazy("Own start"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("Leave empty to follow the batch (or the campaign)."),
    )
    ends_on = forms.DateField(
        label=gettext_lazy("Own end"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("Leave empty to follow the batch (or the campaign)."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def unit_window(request: AuthedRequest, pk: int) -> HttpResponse:
    unit = access_unit(request.user, pk, need="manage")
    campaign = current_campaign_or_404()
    participation = (
        Participation.objects.filter(campaign=campaign, unit=unit).select_related("batch", "campaign").first()
    )
    initial = {"starts_on": participation.starts_on, "ends_on": participation.ends_on} if participation else {}
    form = WindowForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                moved = unit_window_set(
                    campaign=campaign,
                    unit=unit,
                    starts_on=form.cleaned_data["starts_on"],
                    ends_on=form.cleaned_data["ends_on"],
                    by=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Window saved; %(n)d open tasks moved to it.") % {"n": moved})
                return redirect("work:unit_detail", pk=unit.pk)
        status = 422
    window = participation.window() if participation else None
    context = {"unit": unit, "campaign": campaign, "participation": participation, "window": window, "form": form}
    return render(request, PAGE, context, status=status)
