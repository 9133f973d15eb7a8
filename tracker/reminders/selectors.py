"""Reads for the reminder pages."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count, Q, QuerySet

from tracker.orgs.models import Role
from tracker.orgs.scope import scope_for
from tracker.reminders.models import MailStatus, OutboxMail, ReminderPreference


def sees_outbox(user) -> bool:
    """The outbox is the office's page: it shows mail about every unit of the office's subtree."""
    scope = scope_for(user)
    return scope.is_superuser or Role.OFFICE in scope.roles


def outbox_list(*, user, status: str = "") -> QuerySet[OutboxMail]:
    mails = OutboxMail.objects.for_user(user).select_related("recipient").defer("body_text", "body_html")
    if status:
        mails = mails.filter(status=status)
    return mails.order_by("-created_at", "-pk")


def outbox_counts(*, user) -> dict[str, int]:
    return OutboxMail.objects.for_user(user).aggregate(
        **{status: Count("pk", filter=Q(status=status)) for status in MailStatus.values}
    )


def preference_for(*, user) -> ReminderPreference:
    """The user's saved preference, or the defaults (Chinese, digests on) when they never chose."""
    return ReminderPreference.objects.filter(user=user).first() or ReminderPreference(
        user=user, language=settings.LANGUAGE_CODE, receive_digests=True
    )
