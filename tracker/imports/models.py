"""An upload of units or people by the office: its checked rows, its progress and its report."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tracker.core.models import TimeStamped

if TYPE_CHECKING:
    from tracker.core.types import AnyUser


class ImportKind(models.TextChoices):
    UNITS = "units", _("Units")
    USERS = "users", _("Users")


class ImportStatus(models.TextChoices):
    CHECKING = "checking", _("Checking")
    INVALID = "invalid", _("Has errors, nothing written")
    READY = "ready", _("Checked, waiting for confirmation")
    QUEUED = "queued", pgettext_lazy("job status", "Queued")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Failed, nothing written")


# A poller keeps asking while the job is in one of these states.
ACTIVE_STATUSES = (ImportStatus.CHECKING, ImportStatus.QUEUED, ImportStatus.RUNNING)


class ImportJobQuerySet(models.QuerySet["ImportJob"]):
    def for_user(self, user: AnyUser) -> ImportJobQuerySet:
        """A job belongs to the person who uploaded it: its report names their rows and new accounts' links."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self if user.is_superuser else self.filter(created_by=user)


def upload_to(instance: ImportJob, filename: str) -> str:
    return f"imports/{timezone.now():%Y/%m/%d}/{filename}"


class ImportJob(TimeStamped):
    """One uploaded file: checked row by row in a background job, written all at once after the office confirms.

    `upload` keeps the file's bytes from the upload until its check has ended (CHECKING); the
    check fills `rows` and `report` and deletes the file. `rows` keeps the parsed cells
    ({"row": Excel row number, "values": {column: text}}), so the job can be run later by a
    worker without the file. `report` holds the row errors (as message
    codes, rendered in the reader's language), the planned and the actual counts.
    """

    kind = models.CharField(_("kind"), max_length=10, choices=ImportKind.choices)
    status = models.CharField(_("status"), max_length=10, choices=ImportStatus.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_jobs", verbose_name=_("uploaded by")
    )
    file_name = models.CharField(_("file name"), max_length=255)
    file_sha256 = models.CharField(max_length=64)
    total = models.PositiveIntegerField(_("rows"), default=0)
    done = models.PositiveIntegerField(_("rows written"), default=0)
    rows = models.JSONField(default=list)
    report = models.JSONField(default=dict)
    upload = models.FileField(upload_to=upload_to, blank=True, max_length=255)
    # The background job that checks the file, then the one that writes the rows (the latest
    # attempt of each); its progress, cancel and retry.
    job = models.ForeignKey("jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.file_name}"

    @property
    def run_ended(self) -> bool:
        """Checking, queued or running, but its background job has ended: cancelled, failed or interrupted."""
        return self.status in ACTIVE_STATUSES and self.job is not None and not self.job.is_active

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES and not self.run_ended

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0
