"""Request handling shared by every page: language, htmx history restores, query-string hygiene.

Language choice: Simplified Chinese unless the user switched to English.

Django's LocaleMiddleware would follow the browser's Accept-Language, and many office PCs
and phones report en-US; the campaign's working language is Chinese, so only an explicit
choice changes it: the language cookie set by the switch in the header, or else the
preference stored for the account (put in the session at login, see `tracker.core.signals`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.views.defaults import bad_request
from django_htmx.middleware import HtmxDetails
from django_htmx.middleware import HtmxMiddleware as DjangoHtmxMiddleware

from tracker.core.validators import CONTROL_CHARACTERS

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


class PageHtmxDetails(HtmxDetails):
    """`request.htmx`, false for a history restore: on Back the browser needs the whole page, not a fragment.

    htmx (history cache off) refetches the URL on Back with `HX-Request` and
    `HX-History-Restore-Request` and puts the answer in place of the whole body, so every view
    that answers htmx with a partial must answer this request as a plain GET.
    """

    def __bool__(self) -> bool:
        return super().__bool__() and not self.history_restore_request


class HtmxMiddleware(DjangoHtmxMiddleware):
    """django-htmx's middleware with history restores treated as full-page requests.

    Every response varies on `HX-Request`: the same URL answers a fragment to htmx and the page
    to a browser, and a cache (the browser's own, on Back) must never hand one out for the other.
    """

    async_capable = False

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request.htmx = PageHtmxDetails(request)  # type: ignore[attr-defined]
        response = cast(HttpResponseBase, self.get_response(request))  # sync only: async_capable is off
        patch_vary_headers(response, ("HX-Request",))
        return response


class QueryTextMiddleware:
    """A query string with control characters (NUL above all) is a 400, not a crash further down.

    No form or filter accepts such characters, PostgreSQL refuses NUL in any text, and a
    control character in a link is never typed by a person, so the request is refused whole.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        for key, values in request.GET.lists():
            if CONTROL_CHARACTERS.search(key) or any(CONTROL_CHARACTERS.search(value) for value in values):
                # Answered here rather than raised: a scanner's junk is not worth a traceback in the log.
                return bad_request(request, BadRequest("control characters in the query string"))
        return self.get_response(request)
