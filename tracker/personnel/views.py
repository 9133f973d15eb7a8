"""The office's page of people's accounts (one-time set-password links), and the self-service
reset by e-mail for everyone (when mail is configured)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_POST

from tracker.core.types import AuthedRequest
from tracker.orgs.scope import scope_for
from tracker.personnel import selectors, services
from tracker.personnel.access import access_person
from tracker.personnel.forms import MailResetForm

PAGE_SIZE = 50


def _office_only(request: AuthedRequest) -> None:
    if not scope_for(request.user).manages_units:
        raise PermissionDenied


@require_GET
@login_required
def account_list(request: AuthedRequest) -> HttpResponse:
    _office_only(request)
    search = request.GET.get("q", "").strip()[:100]
    rows = selectors.people_page_rows(user=request.user, search=search)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    template = "personnel/account_list.html#results" if request.htmx else "personnel/account_list.html"
    return render(request, template, {"page": page, "search": search})


def _detail(request: AuthedRequest, pk: int, **extra: Any) -> HttpResponse:
    person = access_person(request.user, pk)
    context = {"person": person, "events": selectors.account_events(person=person), **extra}
    response = render(request, "personnel/account_detail.html", context)
    add_never_cache_headers(response)  # a page showing a fresh link is never kept by a browser or proxy
    return response


@require_GET
@login_required
def account_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _detail(request, pk)


@require_POST
@login_required
def account_link(request: AuthedRequest, pk: int) -> HttpResponse:
    # Someone whose account the user does not manage is not found, for offices and others alike.
    person = access_person(request.user, pk)
    link = services.set_password_link_issue(person=person, by=request.user, absolute=request.build_absolute_uri)
    return _detail(request, pk, link=link)


class MailResetView(auth_views.PasswordResetView):
    """Asks for an address; the page says the same whether it is known or not (no enumeration)."""

    form_class = MailResetForm
    template_name = "personnel/reset_request.html"
    success_url = reverse_lazy("password_reset_done")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "by_mail": settings.PASSWORD_RESET_BY_MAIL}

    def post(self, request: Any, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.PASSWORD_RESET_BY_MAIL:
            return self.get(request, *args, **kwargs)
        return super().post(request, *args, **kwargs)


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """Django's set-password page for a one-time link; the new password is recorded as an event."""

    post_reset_login = False

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        services.password_set_record(person=form.user)
        return response
