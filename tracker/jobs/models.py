"""A background job: one piece of long work someone started, its progress, its result and its end."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tracker.core.models import TimeStamped

if TYPE_CHECKING:
    from tracker.core.types import AnyUser


class JobStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("job status", "Queued")
    RUNNING = "running", pgettext_lazy("job status", "Running")
    DONE = "done", pgettext_lazy("job status", "Done")
    FAILED = "failed", pgettext_lazy("job status", "Failed")
    CANCELLED = "cancelled", pgettext_lazy("job status", "Cancelled")


# A poller keeps asking while the job is in one of these states; a retry is offered after the others.
ACTIVE_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)
RETRYABLE_STATUSES = (JobStatus.FAILED, JobStatus.CANCELLED)


class JobQuerySet(models.QuerySet["Job"]):
    def for_user(self, user: AnyUser) -> JobQuerySet:
        """A job is its owner's alone: its parameters and its file were made from the owner's scope."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(owner=user)


def result_upload_to(instance: Job, filename: str) -> str:
    return f"jobs/{timezone.now():%Y/%m/%d}/{instance.pk}-{filename}"


class Job(TimeStamped):
    """Long work someone asked for (an export, an import, task generation), run by a Celery worker.

    The worker writes `done`/`total`/`message` as it goes and `heartbeat_at` every few seconds;
    a running job whose heartbeat stopped is marked failed (interrupted) and can be retried, so
    no job stays "running" forever. A result file is kept `JOBS_RESULT_HOURS` and then deleted.
    `error` is written in the owner's language (`language`, taken when the job was asked for).
    """

    kind = models.CharField(_("kind"), max_length=50)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs", verbose_name=_("started by")
    )
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    language = models.CharField(max_length=10, default="zh-hans")
    status = models.CharField(_("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    done = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    message = models.CharField(_("message"), max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)
    interrupted = models.BooleanField(_("interrupted"), default=False)
    cancel_requested = models.BooleanField(_("cancel requested"), default=False)
    outcome = models.JSONField(_("outcome"), default=dict, blank=True)
    result = models.FileField(_("result file"), upload_to=result_upload_to, blank=True, max_length=255)
    result_name = models.CharField(_("file name"), max_length=200, blank=True)
    expires_at = models.DateTimeField(_("download kept until"), null=True, blank=True)
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=1)
    retry_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="retries", verbose_name=_("retry of")
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="job_owner_recent"),
            models.Index(fields=["status", "heartbeat_at"], name="job_status_heartbeat"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def can_retry(self) -> bool:
        return self.status in RETRYABLE_STATUSES

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        return min(100, round(100 * self.done / self.total)) if self.total else 0

    @property
    def has_download(self) -> bool:
        return bool(
            self.status == JobStatus.DONE and self.result and self.expires_at and self.expires_at > timezone.now()
        )

    @property
    def label(self) -> str:
        from tracker.jobs.registry import label_of

        return label_of(self.kind)

    @property
    def is_stale(self) -> bool:
        """Running without a sign of life for longer than JOBS_STALE_SECONDS: its worker is gone."""
        limit = timezone.now() - timedelta(seconds=settings.JOBS_STALE_SECONDS)
        return self.status == JobStatus.RUNNING and (self.heartbeat_at or self.created_at) < limit

    def get_absolute_url(self) -> str:
        return reverse("jobs:detail", args=[self.pk])
