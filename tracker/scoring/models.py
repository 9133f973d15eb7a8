"""The parameters of the assessment score (考核得分), set by the office for each campaign."""

from __future__ import annotations

from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tracker.campaigns.models import Campaign
from tracker.core.models import TimeStamped


class ScoreSettings(TimeStamped):
    """How a unit's score is weighed (see README "Scoring"): completion, on-time share, late work.

    score = (completion × completion_weight + on-time share × on_time_weight)
            ÷ (completion_weight + on_time_weight) × 100 − late share × late_penalty, within 0–100.
    """

    campaign = models.OneToOneField(
        Campaign, on_delete=models.CASCADE, related_name="score_settings", verbose_name=_("campaign")
    )
    completion_weight = models.PositiveSmallIntegerField(
        _("weight of completion"), default=60, validators=[MaxValueValidator(100)]
    )
    on_time_weight = models.PositiveSmallIntegerField(
        _("weight of the on-time share"), default=40, validators=[MaxValueValidator(100)]
    )
    late_penalty = models.PositiveSmallIntegerField(
        _("points off for returned or overdue work"),
        default=20,
        validators=[MaxValueValidator(100)],
        help_text=_("Taken off in full when all of a unit's tasks are returned or overdue, in part otherwise."),
    )
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("score settings")
        verbose_name_plural = _("score settings")
        constraints = [
            models.CheckConstraint(
                name="score_weights_not_both_zero",
                condition=models.Q(completion_weight__gt=0) | models.Q(on_time_weight__gt=0),
            )
        ]

    def __str__(self) -> str:
        return str(self.campaign)
