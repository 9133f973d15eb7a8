"""At login, carry the account's preferred language (set by the office's user import) into the session."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from tracker.core.middleware import PREFERRED_LANGUAGE_KEY
from tracker.core.models import UserPreference
from tracker.core.types import User


@receiver(user_logged_in)
def remember_preferred_language(sender, request, user: User, **kwargs) -> None:
    if request is None or not hasattr(request, "session"):
        return
    language = UserPreference.objects.filter(user=user).values_list("language", flat=True).first()
    if language:
        request.session[PREFERRED_LANGUAGE_KEY] = language
