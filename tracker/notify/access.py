"""Notification rows through the user's rights: one's own items; the office's outbox deliveries."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from tracker.core.types import User
from tracker.notify.models import Delivery, Item
from tracker.notify.selectors import deliveries_for
from tracker.orgs.scope import scope_for


def access_item(user: User, pk: int) -> Item:
    """Only the recipient sees an item; anyone else's is a 404."""
    return get_object_or_404(Item, pk=pk, recipient=user)


def require_outbox(user: User) -> None:
    """The outbox is the office's page: 403 for anyone else."""
    if not scope_for(user).manages_outbox:
        raise PermissionDenied


def access_delivery(user: User, pk: int) -> Delivery:
    """A delivery to someone in the office's scope (404 outside it)."""
    require_outbox(user)
    delivery = deliveries_for(user=user, status="").filter(pk=pk).first()
    if delivery is None:
        raise Http404
    return delivery
