"""The ledgers (台账) every unit keeps: rectification, research, deeds, institutions, study.

Every row belongs to one unit and one campaign and is read through `Model.objects.for_user(user)`.
Rows are never removed: deleting sets `deleted_at`, and the default manager hides such rows;
`all_objects` still sees them. Each row keeps its history (who, when, what) and a `version`
that refuses a save from a page showing an older state.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from tracker.campaigns.models import Campaign
from tracker.core.links import id_url
from tracker.core.models import AliveManager, SoftDeletable, TimeStamped
from tracker.ledgers.text import no_control_characters
from tracker.orgs.models import Unit
from tracker.orgs.querysets import ScopedQuerySet

if TYPE_CHECKING:
    from tracker.ledgers.models.deeds import PracticalDeed
    from tracker.ledgers.models.research import ConversionItem

# Long-term rectification (长期整改) goes on after the campaign ends, "until the problem is solved".
LONG_TERM_HORIZON = timedelta(days=730)
TEXT = [no_control_characters]


def ledger_upload_to(instance: models.Model, filename: str) -> str:
    # The stored name never comes from the user: a random name keeps the extension only.
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"ledgers/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class LedgerQuerySet(ScopedQuerySet):
    unit_path = "unit__"


class LedgerRow(SoftDeletable, TimeStamped):
    """What every ledger row has: its unit and campaign, who recorded it, a version and a soft delete."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+", verbose_name=_("campaign"))
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", verbose_name=_("unit"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    version = models.PositiveIntegerField(default=1)

    # Rows not deleted are what every page, export and count sees.
    objects = AliveManager.from_queryset(LedgerQuerySet)()
    all_objects = LedgerQuerySet.as_manager()

    # The ledger this model keeps, and the date that places a row in a monthly task's period.
    LEDGER: ClassVar[str]
    DATE_FIELD: ClassVar[str] = ""
    # Fields only the workflow services change (close-out), never a form.
    WORKFLOW_FIELDS: ClassVar[tuple[str, ...]] = ()
    # Each concrete ledger declares HistoricalRecords(); django-simple-history adds the manager.
    history: ClassVar[Any]

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.summary()

    def summary(self) -> str:
        raise NotImplementedError

    def get_absolute_url(self) -> str:
        return id_url("ledgers:row_detail", self.pk, self.LEDGER)  # the crowding page lists 500

    @property
    def is_editable(self) -> bool:
        return not self.is_deleted

    def ledger_date(self) -> date:
        """The day the row happened, for monthly task periods and for the task timeline."""
        if self.DATE_FIELD and getattr(self, self.DATE_FIELD):
            return getattr(self, self.DATE_FIELD)
        return timezone.localdate(self.created_at) if self.created_at else timezone.localdate()

    # Date checks against the campaign, shared by the ledgers' clean().
    def _check_past(self, errors: dict, field: str) -> None:
        value = getattr(self, field)
        if value is None or not self.campaign_id:
            return
        if value > timezone.localdate():
            errors[field] = _("The date cannot be in the future.")
        elif value < self.campaign.starts_on:
            errors[field] = _("The date is before the campaign started (%(start)s).") % {
                "start": date_format(self.campaign.starts_on, "SHORT_DATE_FORMAT")
            }

    def _check_deadline(self, errors: dict, field: str, *, horizon: timedelta = LONG_TERM_HORIZON) -> None:
        value = getattr(self, field)
        if value is None or not self.campaign_id:
            return
        last = self.campaign.ends_on + horizon
        if not self.campaign.starts_on <= value <= last:
            errors[field] = _("The date must fall between %(start)s and %(end)s.") % {
                "start": date_format(self.campaign.starts_on, "SHORT_DATE_FORMAT"),
                "end": date_format(last, "SHORT_DATE_FORMAT"),
            }


class ProgressStatus(models.TextChoices):
    PLANNED = "planned", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")


def _percent_validators():
    return [MinValueValidator(0), MaxValueValidator(100)]


def _check_done(row: ConversionItem | PracticalDeed, errors: dict) -> None:
    """A done row says when; a row not done has no done date."""
    if row.status == ProgressStatus.DONE and row.done_on is None:
        errors["done_on"] = _("Say when it was done.")
    elif row.status != ProgressStatus.DONE and row.done_on is not None:
        errors["done_on"] = _("Only a row marked done has a done date.")
    else:
        row._check_past(errors, "done_on")
