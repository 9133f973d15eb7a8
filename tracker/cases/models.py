"""Model cases (典型案例, S2 l.27 选树宣传先进典型): tasks and practical deeds held up as examples.

A guide or the office proposes a unit's task (required or self-chosen) or practical deed with a
short citation of why it is exemplary; the office responsible for the unit features it or
declines it. One row per task or deed keeps who proposed it, who decided, when and why.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tracker.campaigns.models import Campaign
from tracker.core.models import TimeStamped
from tracker.ledgers.models import TEXT, PracticalDeed
from tracker.orgs.models import Unit
from tracker.orgs.querysets import ScopedQuerySet
from tracker.work.models import Task


class CaseStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    FEATURED = "featured", _("Featured")
    DECLINED = "declined", _("Declined")


class ModelCaseQuerySet(ScopedQuerySet):
    unit_path = "unit__"


class ModelCase(TimeStamped):
    """A unit's task or practical deed proposed or featured as a model case, with its citation."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+", verbose_name=_("campaign"))
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", verbose_name=_("unit"))
    task = models.OneToOneField(
        Task, on_delete=models.CASCADE, null=True, blank=True, related_name="model_case", verbose_name=_("task")
    )
    deed = models.OneToOneField(
        PracticalDeed,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="model_case",
        verbose_name=_("practical deed"),
    )
    citation = models.CharField(_("why it is a model"), max_length=200, validators=TEXT)
    status = models.CharField(_("status"), max_length=10, choices=CaseStatus.choices, default=CaseStatus.PROPOSED)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("proposed by")
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("note on the decision"), max_length=200, blank=True, validators=TEXT)
    # Optimistic lock: a decision from a page showing an older state is refused (409).
    version = models.PositiveIntegerField(default=1)

    objects = ModelCaseQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["unit__path", "id"]
        verbose_name = _("model case")
        verbose_name_plural = _("model cases")
        constraints = [
            models.CheckConstraint(
                name="model_case_one_subject",
                condition=Q(task__isnull=False, deed__isnull=True) | Q(task__isnull=True, deed__isnull=False),
            ),
        ]
        indexes = [models.Index(fields=["campaign", "status"], name="model_case_campaign_status")]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        if self.task is not None:
            return self.task.display_title
        return self.deed.title if self.deed is not None else ""

    @property
    def kind_label(self) -> str:
        if self.deed_id is not None:
            return str(_("Practical deed"))
        if self.task is not None and self.task.is_self_chosen:
            return str(_("Self-chosen task"))
        return str(_("Required action"))
