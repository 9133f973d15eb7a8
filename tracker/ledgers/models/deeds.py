"""Practical deeds for the people (为民办实事)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tracker.campaigns.models import Ledger
from tracker.ledgers.models.base import TEXT, LedgerRow, ProgressStatus, _check_done, _percent_validators


class DeedArea(models.TextChoices):
    """The five areas of S2 l.20."""

    EMPLOYMENT_INCOME = "employment_income", _("Jobs and incomes")
    SOCIAL_SECURITY = "social_security", _("Social security")
    EDUCATION_HEALTH = "education_health", _("Education and health care")
    CULTURE_SPORT = "culture_sport", _("Culture and sport")
    CHILDCARE_ELDERCARE = "childcare_eldercare", _("Childcare and elderly care")


class PracticalDeed(LedgerRow):
    """A practical deed for the people (为民办实事): the people's satisfaction is the yardstick."""

    title = models.CharField(_("deed"), max_length=200, validators=TEXT)
    area = models.CharField(_("area"), max_length=24, choices=DeedArea.choices)
    target = models.TextField(_("target"), max_length=2000, blank=True, validators=TEXT)
    responsible = models.CharField(_("responsible person"), max_length=100, blank=True, validators=TEXT)
    deadline = models.DateField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=12, choices=ProgressStatus.choices, default=ProgressStatus.PLANNED
    )
    people_served = models.PositiveIntegerField(
        _("people served"), null=True, blank=True, validators=[MaxValueValidator(100_000_000)]
    )
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction (%)"), null=True, blank=True, validators=_percent_validators()
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    LEDGER = Ledger.DEEDS

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = _("practical deed")
        verbose_name_plural = _("practical deeds")
        constraints = [
            models.CheckConstraint(
                name="deed_satisfaction_0_100",
                condition=Q(satisfaction__isnull=True) | Q(satisfaction__gte=0, satisfaction__lte=100),
            ),
        ]

    def summary(self) -> str:
        return self.title

    def clean(self) -> None:
        errors: dict = {}
        self._check_deadline(errors, "deadline")
        _check_done(self, errors)
        if errors:
            raise ValidationError(errors)
