"""Rectification ledger (检视整改): problems, their staged targets, events and evidence."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from tracker.campaigns.models import Ledger
from tracker.ledgers.models.base import LONG_TERM_HORIZON, TEXT, LedgerRow, _percent_validators, ledger_upload_to
from tracker.orgs.querysets import ScopedQuerySet


class RectificationSource(models.TextChoices):
    SELF_INSPECTION = "self_inspection", _("Self-inspection")
    OPINIONS = "opinions", _("Opinions solicited")
    GUIDANCE = "guidance", _("Guidance group feedback")
    SUPERIOR = "superior", _("Assigned by a superior")


class RectificationCategory(models.TextChoices):
    THINKING = "thinking", _("Ideas and understanding")
    ABILITY = "ability", _("Skills and ability")
    RESPONSIBILITY = "responsibility", _("Taking responsibility")
    STYLE = "style", _("Work style")
    INTEGRITY = "integrity", _("Integrity and discipline")
    SERVICE = "service", _("Serving the people")
    OTHER = "other", _("Other")


class RectificationKind(models.TextChoices):
    IMMEDIATE = "immediate", _("Fix at once")
    LONG_TERM = "long_term", _("Long-term, in stages")


class RectificationStatus(models.TextChoices):
    OPEN = "open", _("Being fixed")
    REQUESTED = "requested", _("Close-out requested")
    RETURNED = "returned", _("Returned")
    CLOSED = "closed", _("Closed out")


# The unit can still change an item in these states; a requested item waits for the verifier.
RECTIFICATION_OPEN = (RectificationStatus.OPEN, RectificationStatus.RETURNED)


class RectificationItem(LedgerRow):
    """One problem in the unit's rectification ledger (整改清单): what, why, who fixes it by when.

    An item is closed out (销号) only by a verifier: the unit requests close-out with evidence,
    and the office or the unit's guidance group verifies it or returns it with a reason.
    """

    problem = models.TextField(_("problem"), max_length=2000, validators=TEXT)
    source = models.CharField(_("source"), max_length=20, choices=RectificationSource.choices)
    category = models.CharField(
        pgettext_lazy("rectification problem", "category"), max_length=20, choices=RectificationCategory.choices
    )
    measures = models.TextField(_("rectification measures"), max_length=2000, blank=True, validators=TEXT)
    responsible_leader = models.CharField(_("responsible leader"), max_length=100, blank=True, validators=TEXT)
    deadline = models.DateField(_("deadline"))
    kind = models.CharField(_("kind"), max_length=12, choices=RectificationKind.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=RectificationStatus.choices, default=RectificationStatus.OPEN
    )
    affects_public = models.BooleanField(_("affects the public"), default=False)
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction (%)"), null=True, blank=True, validators=_percent_validators()
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("raised by"),
    )
    closed_on = models.DateField(_("closed out on"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])
    LEDGER = Ledger.RECTIFICATION
    WORKFLOW_FIELDS = ("status", "closed_on", "closed_by", "raised_by")

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = _("rectification item")
        verbose_name_plural = _("rectification items")
        constraints = [
            models.CheckConstraint(
                name="rectification_satisfaction_0_100",
                condition=Q(satisfaction__isnull=True) | Q(satisfaction__gte=0, satisfaction__lte=100),
            ),
            models.CheckConstraint(
                name="rectification_closed_has_date", condition=~Q(status="closed") | Q(closed_on__isnull=False)
            ),
        ]
        indexes = [models.Index(fields=["unit", "campaign", "status"], name="rect_unit_status")]

    def summary(self) -> str:
        return Truncator(self.problem).chars(60)

    @property
    def is_editable(self) -> bool:
        return not self.is_deleted and self.status in RECTIFICATION_OPEN

    def clean(self) -> None:
        errors: dict = {}
        self.problem = (self.problem or "").strip()
        if not self.problem:
            errors["problem"] = _("Describe the problem.")
        horizon = LONG_TERM_HORIZON if self.kind == RectificationKind.LONG_TERM else timedelta(0)
        self._check_deadline(errors, "deadline", horizon=horizon)
        if errors:
            raise ValidationError(errors)


class MilestoneQuerySet(ScopedQuerySet):
    unit_path = "item__unit__"


class RectificationMilestone(models.Model):
    """A staged target of a long-term item (长期整改的阶段目标), with its own date."""

    item = models.ForeignKey(
        RectificationItem, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("item")
    )
    title = models.CharField(_("staged target"), max_length=200, validators=TEXT)
    due_on = models.DateField(_("due date"))
    reached_on = models.DateField(_("reached on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MilestoneQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self) -> str:
        return self.title


class RectificationEventKind(models.TextChoices):
    CREATED = "created", _("recorded")
    RAISED = "raised", _("raised by the guidance group or office")
    MILESTONE = "milestone", _("staged target reached")
    REQUESTED = "requested", _("close-out requested")
    VERIFIED = "verified", _("verified and closed out")
    RETURNED = "returned", _("returned")


class RectificationEvent(models.Model):
    """A step of an item's close-out (requested, verified, returned with a reason), shown on its page."""

    item = models.ForeignKey(RectificationItem, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=12, choices=RectificationEventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("note"), blank=True, max_length=2000)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("rectification event")
        verbose_name_plural = _("rectification events")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.item_id}"


class EvidenceQuerySet(ScopedQuerySet):
    unit_path = "item__unit__"


class RectificationEvidence(models.Model):
    """A file showing a problem was fixed (before/after photos, minutes …)."""

    item = models.ForeignKey(RectificationItem, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(_("file"), upload_to=ledger_upload_to, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    content_type = models.CharField(max_length=100, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("rectification evidence")
        verbose_name_plural = _("rectification evidence")

    def __str__(self) -> str:
        return self.original_name
