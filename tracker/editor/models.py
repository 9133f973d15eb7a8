"""A change to a required action (规定动作) as the office proposes it: previewed, then applied by a job.

The change keeps the wanted values of the template (not the template itself), so its effect on the
units' tasks can be shown before anything is written, and the apply job reads exactly what the
office saw. Applied changes stay as the record of who changed what and why.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tracker.campaigns.models import Campaign, TaskTemplate
from tracker.core.models import TimeStamped
from tracker.jobs.models import Job


class ChangeKind(models.TextChoices):
    CREATE = "create", _("New required action")
    EDIT = "edit", _("Change")
    RETIRE = "retire", _("Retire")


class ChangeStatus(models.TextChoices):
    DRAFT = "draft", _("Awaiting confirmation")
    QUEUED = "queued", pgettext_lazy("job status", "Queued")
    RUNNING = "running", _("Being applied")
    DONE = "done", _("Applied")
    FAILED = "failed", _("Failed")


ACTIVE_STATUSES = (ChangeStatus.QUEUED, ChangeStatus.RUNNING)


class TemplateChange(TimeStamped):
    """One proposed change of a template: its wanted fields, why, and the apply job's state."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+", verbose_name=_("campaign"))
    template = models.ForeignKey(
        TaskTemplate,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="changes",
        verbose_name=_("required action"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ChangeKind.choices)
    # The template's field values after the change (categories as ids), as the form cleaned them.
    data = models.JSONField(_("wanted values"), default=dict, blank=True)
    # The template's version the office edited; the apply is refused (409) if it moved on.
    base_version = models.PositiveIntegerField(null=True, blank=True)
    reason = models.CharField(_("reason for the change"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ChangeStatus.choices, default=ChangeStatus.DRAFT)
    # The apply job (tracker.jobs): its progress bar, cancel and retry; the last attempt's.
    job = models.ForeignKey(Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # What the apply did (counts per kind of effect), shown on the change's page.
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("proposed by")
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("template change")
        verbose_name_plural = _("template changes")
        constraints = [
            models.CheckConstraint(
                name="template_change_has_template",
                condition=models.Q(kind="create") | models.Q(template__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("editor:change_detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES
