"""A weekly briefing (工作简报) as a Word file, built by a worker for one person's scope and dates."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tracker.campaigns.models import Campaign
from tracker.core.models import TimeStamped

if TYPE_CHECKING:
    from tracker.core.types import AnyUser


class BriefingStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("job status", "Queued")
    RUNNING = "running", _("Being written")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


ACTIVE_STATUSES = (BriefingStatus.QUEUED, BriefingStatus.RUNNING)


class BriefingJobQuerySet(models.QuerySet["BriefingJob"]):
    def for_user(self, user: AnyUser) -> BriefingJobQuerySet:
        """A briefing belongs to whoever asked for it: it is written from their scope."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self if user.is_superuser else self.filter(created_by=user)


def briefing_upload_to(instance: BriefingJob, filename: str) -> str:
    return f"briefings/{instance.created_at:%Y/%m}/{filename}"


class BriefingJob(TimeStamped):
    """One request for a briefing: the dates it covers, the worker's progress and the finished file.

    The numbers are read from the owner's scope when the worker runs, in `language` (the owner's
    language when they asked), so the file says what the owner's dashboard said at that moment.
    """

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="briefings", verbose_name=_("requested by")
    )
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+", verbose_name=_("campaign"))
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    language = models.CharField(max_length=10, default="zh-hans")
    status = models.CharField(_("status"), max_length=10, choices=BriefingStatus.choices, default=BriefingStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0, validators=[MaxValueValidator(100)])
    file = models.FileField(_("file"), upload_to=briefing_upload_to, blank=True)
    error = models.TextField(_("error"), blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = BriefingJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("briefing")
        verbose_name_plural = _("briefings")
        constraints = [
            models.CheckConstraint(
                name="briefing_dates_ordered", condition=models.Q(ends_on__gte=models.F("starts_on"))
            ),
            models.CheckConstraint(name="briefing_progress_0_100", condition=models.Q(progress__lte=100)),
        ]

    def __str__(self) -> str:
        return f"{self.starts_on}–{self.ends_on}"

    def get_absolute_url(self) -> str:
        return reverse("briefings:job_detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def file_name(self) -> str:
        return f"briefing-{self.campaign.code}-{self.starts_on:%Y%m%d}-{self.ends_on:%Y%m%d}.docx"
