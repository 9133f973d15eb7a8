"""Language choice: Simplified Chinese unless the user switched to English.

Django's LocaleMiddleware would follow the browser's Accept-Language, and many office PCs
and phones report en-US; the campaign's working language is Chinese, so only an explicit
choice changes it: the language cookie set by the switch in the header, or else the
preference stored for the account (put in the session at login, see `tracker.core.signals`).
"""

from __future__ import annotations

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

# Where the login signal leaves the account's preferred language for this middleware.
PREFERRED_LANGUAGE_KEY = "tracker_language"


class ChosenLanguageMiddleware(LocaleMiddleware):
    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen is None and hasattr(request, "session"):
            chosen = request.session.get(PREFERRED_LANGUAGE_KEY)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
