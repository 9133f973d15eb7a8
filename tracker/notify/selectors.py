"""Reads of the notification centre: the bell's count, a person's list, who has seen an urge, the outbox."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from tracker.core.types import User
from tracker.notify.kinds import kind_label
from tracker.notify.models import Delivery, DeliveryStatus, Item
from tracker.orgs.models import RoleAssignment
from tracker.orgs.scope import scope_for

FILTERS = ("unread", "all")


def unread_count(*, user: User) -> int:
    """One COUNT on the partial index of unread items."""
    return Item.objects.filter(recipient=user, read_at__isnull=True).count()


def items_for(*, user: User, show: str = "all", kind: str = "") -> QuerySet[Item]:
    items = Item.objects.filter(recipient=user)
    if show == "unread":
        items = items.filter(read_at__isnull=True)
    if kind:
        items = items.filter(kind=kind)
    return items.order_by("-created_at", "-id")


def kinds_for(*, user: User) -> list[tuple[str, str]]:
    """The kinds the user has received, as (kind, label) in the order of their labels."""
    kinds = Item.objects.filter(recipient=user).order_by().values_list("kind", flat=True).distinct()
    return sorted(((kind, kind_label(kind)) for kind in kinds), key=lambda pair: (pair[1], pair[0]))


def seen_by(*, by: User, kind: str, key: str) -> QuerySet[Item]:
    """The issuer's view of an urge or notice: every recipient, when and how they first saw it."""
    return (
        Item.objects.filter(created_by=by, kind=kind, key=key)
        .select_related("recipient")
        .order_by("read_at", "recipient__username")
    )


def deliveries_for(*, user: User, status: str = DeliveryStatus.FAILED) -> QuerySet[Delivery]:
    """The office's view: deliveries to people with a role in a unit of its scope."""
    in_scope = RoleAssignment.objects.filter(scope_for(user).unit_q("unit__"), user=OuterRef("item__recipient"))
    rows = Delivery.objects.filter(Exists(in_scope)).select_related("item", "item__recipient")
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-created_at", "-id")


def sent_by(*, by: User) -> QuerySet[Item]:
    """Items this person issued, newest first, with each recipient's read receipt."""
    return Item.objects.filter(created_by=by).select_related("recipient").order_by("-created_at", "key", "recipient_id")
