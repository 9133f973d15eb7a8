"""Reads for the reminder pages."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q, QuerySet

from tracker.core.models import UserPreference
from tracker.core.types import User
from tracker.orgs.models import Unit
from tracker.reminders.models import Kind, MailStatus, Notification, OutboxMail, ReminderPreference

# Urges shown on a unit's page, newest first.
URGES_SHOWN = 20


def outbox_list(*, user: User, status: str = "") -> QuerySet[OutboxMail]:
    mails = OutboxMail.objects.for_user(user).select_related("recipient").defer("body_text", "body_html")
    if status:
        mails = mails.filter(status=status)
    return mails.order_by("-created_at", "-pk")


def outbox_counts(*, user: User) -> dict[str, int]:
    return OutboxMail.objects.for_user(user).aggregate(
        **{status: Count("pk", filter=Q(status=status)) for status in MailStatus.values}
    )


@dataclass(frozen=True)
class MailPreference:
    language: str
    receive_digests: bool


def preference_for(*, user: User) -> MailPreference:
    """The user's language and digest choice, or the defaults (Chinese, digests on) when they never chose."""
    language = UserPreference.objects.filter(user=user).values_list("language", flat=True).first()
    digests = ReminderPreference.objects.filter(user=user).values_list("receive_digests", flat=True).first()
    return MailPreference(language=language or settings.LANGUAGE_CODE, receive_digests=digests is not False)


def unit_urges(*, unit: Unit) -> QuerySet[Notification]:
    """The latest urges (催办) about the unit or one of its tasks: who urged whom, when (one query)."""
    return (
        Notification.objects.filter(unit=unit, kind=Kind.URGE)
        .select_related("created_by", "recipient", "task__template")
        .order_by("-created_at", "-id")[:URGES_SHOWN]
    )
