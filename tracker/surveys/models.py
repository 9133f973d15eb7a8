"""The people's verdict (满意度测评): a public QR-code survey on a practical deed or a rectification item.

The public answers without logging in; one answer per device (a signed cookie), a limit per
address, optional one-time codes printed on slips, and an end date keep the count honest. The
unit's own satisfaction figure stays on its ledger row, shown beside the survey as self-reported.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tracker.campaigns.models import Campaign
from tracker.core.models import TimeStamped
from tracker.ledgers.models import TEXT, PracticalDeed, RectificationItem
from tracker.orgs.models import Unit
from tracker.orgs.querysets import ScopedQuerySet


def new_token() -> str:
    return secrets.token_urlsafe(12)


class SurveyQuerySet(ScopedQuerySet):
    unit_path = "unit__"


class Survey(TimeStamped):
    """A public satisfaction survey on one deed or one public-facing rectification item."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", verbose_name=_("unit"))
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    deed = models.OneToOneField(PracticalDeed, on_delete=models.CASCADE, null=True, blank=True, related_name="survey")
    item = models.OneToOneField(
        RectificationItem, on_delete=models.CASCADE, null=True, blank=True, related_name="survey"
    )
    # The public link's secret part: the survey's id never appears on the public page.
    token = models.CharField(max_length=32, unique=True, default=new_token, editable=False)
    public_title = models.CharField(_("title shown to the public"), max_length=200, validators=TEXT)
    ends_on = models.DateField(_("last day for answers"))
    uses_codes = models.BooleanField(_("answers need a one-time code"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = SurveyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("public survey")
        verbose_name_plural = _("public surveys")
        constraints = [
            models.CheckConstraint(
                name="survey_one_subject",
                condition=Q(deed__isnull=False, item__isnull=True) | Q(deed__isnull=True, item__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return self.public_title

    @property
    def subject(self) -> PracticalDeed | RectificationItem:
        subject = self.deed or self.item
        assert subject is not None
        return subject


class SurveyCode(models.Model):
    """A one-time code printed on a slip; it admits one answer."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="codes")
    code = models.CharField(max_length=16)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["survey", "code"], name="survey_code_unique")]

    def __str__(self) -> str:
        return self.code


class Helped(models.TextChoices):
    YES = "yes", _("Yes")
    PARTLY = "partly", _("Partly")
    NO = "no", _("No")


class Score(models.IntegerChoices):
    VERY_SATISFIED = 5, _("Very satisfied")
    SATISFIED = 4, _("Satisfied")
    FAIRLY = 3, _("Fairly satisfied")
    DISSATISFIED = 2, _("Dissatisfied")
    VERY_DISSATISFIED = 1, _("Very dissatisfied")


# An answer of "fairly satisfied" or better counts as satisfied (满意率 = 满意 + 基本满意).
SATISFIED_FROM = Score.FAIRLY


class SurveyResponse(models.Model):
    """One member of the public's answer; `device` and `address` are keyed hashes, never the raw values."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    aware = models.BooleanField(_("knew about it"))
    helped = models.CharField(_("helped"), max_length=8, choices=Helped.choices)
    score = models.PositiveSmallIntegerField(
        _("satisfaction"), choices=Score.choices, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comments"), max_length=500, blank=True, validators=TEXT)
    device = models.CharField(max_length=64)
    address = models.CharField(max_length=64)
    code = models.OneToOneField(SurveyCode, on_delete=models.PROTECT, null=True, blank=True, related_name="response")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "device"], name="survey_one_answer_per_device"),
            models.CheckConstraint(name="survey_score_1_5", condition=Q(score__gte=1, score__lte=5)),
        ]

    def __str__(self) -> str:
        return f"{self.survey_id}: {self.score}"
