"""Pages of the notification centre: the bell, the list, read receipts, channel settings, the outbox."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tracker.core.types import AuthedRequest
from tracker.notify import selectors, services
from tracker.notify.access import access_delivery, access_item, require_outbox
from tracker.notify.forms import ProfileForm
from tracker.notify.models import Channel, DeliveryStatus, Profile

LIST_PAGE = "notify/list.html"
PAGE_SIZE = 30


@require_GET
@login_required
def bell(request: AuthedRequest) -> HttpResponse:
    """The bell's fragment: one COUNT; base.html loads it and refreshes it with htmx."""
    # Rendered without the request's context processors: the bell costs its one COUNT and nothing else.
    return HttpResponse(render_to_string("notify/bell.html", {"unread": selectors.unread_count(user=request.user)}))


@require_GET
@login_required
def item_list(request: AuthedRequest) -> HttpResponse:
    show = request.GET.get("show", "all")
    show = show if show in selectors.FILTERS else "all"
    kind = request.GET.get("kind", "")[:24]
    items = selectors.items_for(user=request.user, show=show, kind=kind)
    context: dict[str, Any] = {
        "page": Paginator(items, PAGE_SIZE).get_page(request.GET.get("page")),
        "show": show,
        "kind": kind,
    }
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, f"{LIST_PAGE}#results", context)
    context["kinds"] = selectors.kinds_for(user=request.user)
    return render(request, LIST_PAGE, context)


def _safe(request: HttpRequest, url: str, fallback: str) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return fallback


@require_POST
@login_required
def item_read(request: AuthedRequest, pk: int) -> HttpResponse:
    """Open an item: mark it read and go to its page (htmx: just mark it)."""
    item = services.item_read(item=access_item(request.user, pk))
    if request.htmx:
        return render(request, f"{LIST_PAGE}#row", {"item": item})
    return redirect(_safe(request, item.url, reverse("notify:list")))


@require_POST
@login_required
def read_all(request: AuthedRequest) -> HttpResponse:
    count = services.items_read_all(user=request.user)
    messages.success(request, _("%(n)d notification(s) marked read.") % {"n": count})
    return redirect("notify:list")


@require_GET
def click(request: HttpRequest, token: str) -> HttpResponse:
    """A link from a mail or IM message: record the click, then the item's page (which asks for login as usual)."""
    item = services.click_record(token=token)
    if item is None:
        return redirect("home")
    return redirect(_safe(request, item.url, reverse("notify:list")))


@require_GET
@login_required
def sent(request: AuthedRequest) -> HttpResponse:
    """What this person sent (urges, notices): who has seen each, and when."""
    kind, key = request.GET.get("kind", ""), request.GET.get("key", "")
    rows = selectors.seen_by(by=request.user, kind=kind, key=key) if key else selectors.sent_by(by=request.user)
    return render(request, "notify/sent.html", {"page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))})


@require_http_methods(["GET", "POST"])
@login_required
def settings_page(request: AuthedRequest) -> HttpResponse:
    profile = Profile.objects.filter(user=request.user).first() or Profile(user=request.user)
    initial = {
        "channels": [c.value for c in Channel if getattr(profile, f"via_{c.value}")],
        "wecom_id": profile.wecom_id,
        "dingtalk_id": profile.dingtalk_id,
        "mobile": profile.mobile,
    }
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.profile_update(
                user=request.user,
                by=request.user,
                channels_on=data["channels"],
                wecom_id=data["wecom_id"],
                dingtalk_id=data["dingtalk_id"],
                mobile=data["mobile"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field, errors)
        else:
            messages.success(request, _("Notification settings saved."))
            return redirect("notify:settings")
    status = 422 if request.method == "POST" else 200
    return render(request, "notify/settings.html", {"form": form}, status=status)


@require_GET
@login_required
def outbox(request: AuthedRequest) -> HttpResponse:
    """Every channel's deliveries (failed by default) with the provider's answer; failed ones can be resent."""
    require_outbox(request.user)
    status = request.GET.get("status", DeliveryStatus.FAILED)
    status = status if status in DeliveryStatus.values else ""
    rows = selectors.deliveries_for(user=request.user, status=status)
    context = {
        "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
        "status": status,
        "statuses": DeliveryStatus.choices,
    }
    return render(request, "notify/outbox.html", context)


@require_POST
@login_required
def resend(request: AuthedRequest, pk: int) -> HttpResponse:
    delivery = access_delivery(request.user, pk)
    try:
        services.delivery_resend(delivery=delivery, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The message is queued again."))
    return redirect(f"{reverse('notify:outbox')}?status={DeliveryStatus.FAILED}")
