"""The notification centre and the one outbox that carries it to every channel.

An `Item` is one thing one person should know ("task 12 is overdue", "you were urged",
"your submission was returned"), shown under the bell. It names what it is about by a URL and
a key, never by a foreign key to a domain model, so that every app above can notify without
this app knowing it. `(recipient, kind, key, step)` is unique: a sweep run twice, a redelivered
job or a double click decide nothing new.

A `Delivery` is that item on one channel (mail, WeCom, DingTalk, SMS), unique per item and
channel: exactly once per recipient, item, step and channel. Relays claim a row with a
conditional UPDATE (queued → sending, with a claim token and a lease) that commits before the
provider is called, so two relays never both hold it, on PostgreSQL or SQLite alike.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tracker.core.models import TimeStamped
from tracker.notify.kinds import kind_label


class Channel(models.TextChoices):
    MAIL = "mail", _("E-mail")
    WECOM = "wecom", _("WeCom (政务微信)")
    DINGTALK = "dingtalk", _("DingTalk (钉钉)")
    SMS = "sms", _("SMS")


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to send")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Item(models.Model):
    """One notification for one person, shown under the bell until read."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notify_items", verbose_name=_("recipient")
    )
    # What kind of news: due_soon, overdue, escalation, urge, digest, review, notice, assignment …
    kind = models.CharField(_("kind"), max_length=24)
    # What it is about ("task:12", "unit:7", "directive:3") and which step of it ("2026-11-25", "returned:4").
    key = models.CharField(_("about"), max_length=80)
    step = models.CharField(_("step"), max_length=40)
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    urgent = models.BooleanField(_("urgent"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("from"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # How it was first seen: in the app, or through the link in a mail or IM message.
    read_via = models.CharField(_("read via"), max_length=12, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "kind", "key", "step"], name="notify_item_once"),
        ]
        indexes = [
            # The bell: count of one person's unread items, a partial index that stays small.
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notify_item_unread"),
            models.Index(fields=["recipient", "-created_at"], name="notify_item_list"),
            # The issuer of an urge or notice: who has seen it.
            models.Index(fields=["created_by", "kind", "key"], name="notify_item_issued"),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)


class Delivery(models.Model):
    """One item on one channel, waiting to be pushed, sent, or failed with the provider's answer."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("notification"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    # The address when queued (mail address, WeCom/DingTalk user id, mobile); refreshed on resend.
    address = models.CharField(_("address"), max_length=254)
    status = models.CharField(_("status"), max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claim = models.UUIDField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(_("provider's answer"), blank=True)
    created_at = models.DateTimeField(_("queued at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["item", "channel"], name="notify_delivery_once"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="notify_delivery_due")]

    def __str__(self) -> str:
        return f"{self.channel} · {self.address}"


class Profile(TimeStamped):
    """One person's addresses on the IM and SMS channels and the channels they chose.

    Filled by the user import (columns wecom_id, dingtalk_id, mobile) or on the settings page.
    In-app notifications are always on; mail is on unless switched off.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notify_profile", verbose_name=_("user")
    )
    wecom_id = models.CharField(_("WeCom user id"), max_length=64, blank=True)
    dingtalk_id = models.CharField(_("DingTalk user id"), max_length=64, blank=True)
    mobile = models.CharField(_("mobile number"), max_length=20, blank=True)
    via_mail = models.BooleanField(_("by e-mail"), default=True)
    via_wecom = models.BooleanField(_("by WeCom"), default=True)
    via_dingtalk = models.BooleanField(_("by DingTalk"), default=True)
    via_sms = models.BooleanField(_("by SMS"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self) -> str:
        return str(self.user)


class AccessToken(models.Model):
    """A provider's access token, shared by every relay process until it expires."""

    channel = models.CharField(max_length=10, choices=Channel.choices, unique=True)
    token = models.CharField(max_length=512)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.channel} token until {self.expires_at:%H:%M}"
