"""The reminders of one batch under each person's bell and on their IM/SMS channels.

Every recipient of a batch gets one notification item: its subject, a short text and a link,
keyed by the batch, so it is decided exactly when the reminders are. The mail stays the reminder
system's `OutboxMail` (one per batch and person, with the full lists), queued only for people
who have an address and keep mail on (`wants_mail`); notify() is told to skip its own mail
channel, so nobody is mailed one reminder twice. Someone reachable only by WeCom, DingTalk, SMS
or in the app gets the same reminders there. A 督办 is pushed even in quiet hours when its
campaign says so.
"""

from __future__ import annotations

import uuid
from datetime import date

from django.urls import reverse

from tracker.campaigns.models import Campaign
from tracker.core.types import User
from tracker.notify.models import Channel
from tracker.notify.services import Note, addresses, notify_each, profile_of
from tracker.reminders.mail import MailParts, RenderedMail

# The IM card and the bell show the start of the mail's text; the link leads to the rest.
BODY_CHARS = 600


def wants_mail(user: User) -> bool:
    """Whether the reminder mail goes to this person: an address, and mail among their channels."""
    return Channel.MAIL in addresses(user, profile_of(user))


def _kind(parts: MailParts) -> str:
    if parts.urges:
        return "urge"
    if parts.escalated:
        return "escalation"
    if parts.overdue:
        return "overdue"
    if parts.due_soon:
        return "due_soon"
    return "digest"


def _url(parts: MailParts) -> str:
    if len(parts.urges) == 1 and parts.urges[0].task_id:
        return reverse("work:task_detail", args=[parts.urges[0].task_id])
    return reverse("home")


def batch_push(*, batch: uuid.UUID, today: date, mails: list[tuple[User, MailParts, RenderedMail]]) -> None:
    """One notification per person of the batch (call inside the transaction that queues the mails)."""
    if not mails:
        return
    escalation_through = Campaign.objects.filter(is_active=True, escalation_ignores_quiet_hours=True).exists()
    notes = []
    for user, parts, rendered in mails:
        body = rendered.text.split("\n", 2)[-1].strip()
        urger = next((urge.by for urge in parts.urges if urge.by), None)
        notes.append(
            Note(
                recipient=user.pk,
                kind=_kind(parts),
                key=f"reminders:{batch}",
                step=today.isoformat(),
                subject=rendered.subject,
                body=body[:BODY_CHARS] + ("…" if len(body) > BODY_CHARS else ""),
                url=_url(parts),
                urgent=bool(parts.escalated) and escalation_through,
                by=urger.pk if urger else None,
            )
        )
    # One round of statements for the whole slice; the OutboxMail carries the reminder mail.
    notify_each(notes, skip=(Channel.MAIL,))
