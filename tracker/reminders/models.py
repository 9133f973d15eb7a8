"""Reminders decided for people, the e-mails that carry them, and each person's mail preferences.

A reminder is decided once: a `Notification` row per (recipient, kind, key, date) under a unique
constraint, written in the same transaction that queues the `OutboxMail` carrying it. A sweep
that runs twice, two beats or a redelivered job hit the constraint and queue nothing new; the
outbox row survives a broker outage and is relayed when the worker next looks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tracker.campaigns.models import Campaign
from tracker.core.models import TimeStamped
from tracker.orgs.models import Unit
from tracker.orgs.querysets import ScopedQuerySet
from tracker.work.models import Task

if TYPE_CHECKING:
    from tracker.core.types import AnyUser


class Kind(models.TextChoices):
    DUE_SOON = "due_soon", _("Due soon")
    OVERDUE = "overdue", _("Overdue")
    ESCALATION = "escalation", _("Escalated (督办)")
    DIGEST = "digest", _("Weekly digest")
    URGE = "urge", _("Urged (催办)")


class MailStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to send")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutboxQuerySet(models.QuerySet["OutboxMail"]):
    def for_user(self, user: AnyUser) -> OutboxQuerySet:
        """Mails that concern at least one unit in the user's scope (a mail can list several units)."""
        from tracker.orgs.scope import scope_for

        carried = Notification.objects.filter(batch=OuterRef("batch"), recipient=OuterRef("recipient"))
        return self.filter(Exists(carried.filter(scope_for(user).unit_q("unit__"))))


class OutboxMail(models.Model):
    """One e-mail to one person, rendered in their language when it was decided, waiting to be relayed.

    The relay sends queued rows whose `next_attempt_at` has come, one SMTP attempt at a time under
    a row lock; a failure is recorded and retried later with a doubling delay, and after
    REMINDERS_MAX_ATTEMPTS the mail is `failed` and shown with its error on the office's outbox page.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="outbox_mails",
        verbose_name=_("recipient"),
    )
    to_email = models.EmailField(_("address"))
    language = models.CharField(_("language"), max_length=10)
    subject = models.CharField(_("subject"), max_length=255)
    body_text = models.TextField()
    body_html = models.TextField()
    # Everything one sweep or one urge decided shares a batch; a person gets one mail per batch.
    batch = models.UUIDField(db_index=True)
    status = models.CharField(_("status"), max_length=8, choices=MailStatus.choices, default=MailStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    objects = OutboxQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outgoing mail")
        verbose_name_plural = _("outgoing mails")
        constraints = [
            models.UniqueConstraint(fields=["batch", "recipient"], name="outbox_one_mail_per_batch_recipient"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]

    def __str__(self) -> str:
        return f"{self.to_email} · {self.subject}"

    def reminders(self) -> models.QuerySet[Notification]:
        """The reminders this mail carries: its recipient's rows of the same batch."""
        return Notification.objects.filter(batch=self.batch, recipient_id=self.recipient_id)


class NotificationQuerySet(ScopedQuerySet):
    unit_path = "unit__"


class Notification(models.Model):
    """One reminder for one person: "task 12 is overdue (step of 3 March)" for 张三, decided once.

    `key` names what the reminder is about ("task:12", "unit:7", "c1:digest:unit:7") and `on_date`
    the step of the ladder it belongs to (the due date, the start of an overdue repeat period,
    the escalation day, the digest's week), so a re-run on a later day of the same step adds nothing.
    """

    # Written once and never updated; indexes kept to what the sweep and the outbox read, so that a
    # sweep inserting tens of thousands of rows stays quick (recipient leads the unique index).
    # No foreign-key constraints in the database (db_constraint=False): a province's first sweep
    # writes two million rows, and checking them at commit (12 s per 500,000 rows, measured alone)
    # made its decisions take 144 s instead of 114. Every delete of a user, unit, task or campaign
    # goes through the ORM, whose collector cascades to these rows as before
    # (tests/reminders/test_more_reminders.py); nothing in the app deletes those rows by SQL.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
        db_index=False,
        db_constraint=False,
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    key = models.CharField(_("about"), max_length=80)
    on_date = models.DateField(_("ladder step"))
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("campaign"),
        db_index=False,
        db_constraint=False,
    )
    task = models.ForeignKey(
        Task,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("task"),
        db_constraint=False,
    )
    # The unit the reminder is about (the task's unit, the digest's unit or the office's own unit): scopes the outbox.
    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="+", verbose_name=_("unit"), db_index=False, db_constraint=False
    )
    note = models.TextField(_("note"), blank=True, max_length=1000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    # The mail that carries this reminder is the OutboxMail of the same batch and recipient.
    batch = models.UUIDField()
    created_at = models.DateTimeField(_("decided at"), auto_now_add=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "kind", "key", "on_date"], name="notification_once"),
        ]
        indexes = [
            models.Index(fields=["batch", "recipient"], name="notification_batch"),
            # The unit page lists who urged the unit: a small index over urges only.
            models.Index(
                fields=["unit", "-created_at"], name="notification_unit_urges", condition=models.Q(kind="urge")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.key} · {self.on_date}"


class ReminderPreference(TimeStamped):
    """Whether one person gets the weekly digest (mail language is their core.UserPreference).

    Digests can be switched off; due, overdue, 督办 and 催办 mails cannot.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_preference", verbose_name=_("user")
    )
    receive_digests = models.BooleanField(_("receive the weekly digest"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reminder preference")
        verbose_name_plural = _("reminder preferences")

    def __str__(self) -> str:
        return str(self.user)


class MailSlice(models.Model):
    """A share of one sweep's mails (recipients `first_recipient`…`last_recipient`), composed by a worker.

    A province's first sweep decides two million reminders for over 100,000 people: composing
    their mails in the sweep's one process took minutes. A sweep run as a job commits its
    decisions together with these rows, and each slice is composed and marked done in one
    transaction of its own, on whichever worker takes it. A slice whose worker died is still
    pending; the next sweep (hourly on working days) enqueues it again once it has waited
    REMINDERS_SLICE_RESUME_MINUTES since it was last enqueued (`enqueued_at`), so a slice that is
    merely queued behind others is not enqueued again every hour.
    """

    batch = models.UUIDField()
    day = models.DateField()
    first_recipient = models.PositiveIntegerField()
    last_recipient = models.PositiveIntegerField()
    send_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    enqueued_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    people = models.PositiveIntegerField(default=0)
    mails = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["batch", "first_recipient"], name="mail_slice_once")]
        indexes = [
            models.Index(
                fields=["enqueued_at"], condition=models.Q(done_at__isnull=True), name="mail_slice_pending_since"
            )
        ]

    def __str__(self) -> str:
        return f"{self.batch} {self.first_recipient}–{self.last_recipient}"
