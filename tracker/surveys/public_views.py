"""The public survey page: no login, phone-first, nothing internal on it.

It shows the survey's public title and the unit's name, takes one answer per device (a signed
cookie), a bounded number per address (tracker.surveys.services), and refuses after the end date.
"""

from __future__ import annotations

import secrets

from axes.helpers import get_client_ip_address
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from tracker.surveys.forms import AnswerForm
from tracker.surveys.models import Survey, SurveyResponse
from tracker.surveys.services import Answer, SurveyRefused, keyed_hash, survey_answer

DEVICE_COOKIE = "ct_device"
DEVICE_SALT = "tracker.surveys.device"
TWO_YEARS = 2 * 365 * 24 * 3600
PAGE = "surveys/public.html"


def _device(request: HttpRequest) -> tuple[str, bool]:
    """The device's id from its signed cookie, or a new one (True) to be set on the response."""
    device = request.get_signed_cookie(DEVICE_COOKIE, default="", salt=DEVICE_SALT)
    if device and len(device) == 32:
        return device, False
    return secrets.token_hex(16), True


@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    survey = get_object_or_404(Survey.objects.select_related("unit"), token=token[:32])
    device, new_device = _device(request)
    closed = timezone.localdate() > survey.ends_on
    answered = SurveyResponse.objects.filter(survey=survey, device=keyed_hash(device)).exists()
    form = AnswerForm(request.POST if request.method == "POST" else None, uses_codes=survey.uses_codes)
    status, refusal, thanks = 200, "", False
    if request.method == "POST":
        if not form.is_valid():
            status = 400
        else:
            data = form.cleaned_data
            try:
                survey_answer(
                    survey=survey,
                    answer=Answer(
                        aware=data["aware"],
                        helped=data["helped"],
                        score=data["score"],
                        comment=data["comment"],
                        code=data.get("code", ""),
                    ),
                    device=device,
                    address=get_client_ip_address(request) or "unknown",
                )
                thanks = True
            except SurveyRefused as refused:
                status, refusal = refused.status, refused.message
    context = {
        "title": survey.public_title,
        "unit_name": survey.unit.name,
        "ends_on": survey.ends_on,
        "form": form,
        "closed": closed,
        "answered": answered and not thanks,
        "thanks": thanks,
        "refusal": refusal,
    }
    response = render(request, PAGE, context, status=status)
    if new_device:
        response.set_signed_cookie(
            DEVICE_COOKIE, device, salt=DEVICE_SALT, max_age=TWO_YEARS, httponly=True, samesite="Lax"
        )
    return response
