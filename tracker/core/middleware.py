"""Language choice: Simplified Chinese unless the user switched to English.

Django's LocaleMiddleware would follow the browser's Accept-Language, and many office PCs
and phones report en-US; the campaign's working language is Chinese, so only an explicit
choice (the language cookie set by the switch in the header) changes it.
"""

from __future__ import annotations

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChosenLanguageMiddleware(LocaleMiddleware):
    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
