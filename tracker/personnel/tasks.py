"""The self-service reset mail, sent by the worker so the request never waits for SMTP."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

from tracker.core.models import UserPreference
from tracker.personnel.services import set_password_path


@shared_task(soft_time_limit=60, time_limit=90, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def reset_mail_send(user_id: int) -> bool:
    """The link points at SITE_URL, never at the Host the request named (a forged Host would
    otherwise send people's reset links to someone else's server)."""
    person = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if person is None or not person.email:
        return False
    language = UserPreference.objects.filter(user=person).values_list("language", flat=True).first()
    with translation.override(language or settings.LANGUAGE_CODE):
        context = {"person": person, "link": settings.SITE_URL + set_password_path(person)}
        subject = render_to_string("personnel/reset_mail_subject.txt", context).strip()
        body = render_to_string("personnel/reset_mail.txt", context)
    send_mail(subject, body, None, [person.email])
    return True
