"""Study records (理论学习): sessions, hours, attendance."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tracker.campaigns.models import Ledger
from tracker.ledgers.models.base import TEXT, LedgerRow
from tracker.ledgers.text import split_names


class StudyKind(models.TextChoices):
    READING_CLASS = "reading_class", _("Reading class")
    CENTRAL_GROUP = "central_group", _("Central study group")
    LECTURE = "lecture", _("Lecture")
    OTHER = "other", _("Other")


class StudyMode(models.TextChoices):
    OFFLINE = "offline", _("Offline")
    ONLINE = "online", _("Online")


class StudySession(LedgerRow):
    """A study session (学习记录): kind, online or offline, date, hours and who attended."""

    kind = models.CharField(_("kind"), max_length=16, choices=StudyKind.choices)
    mode = models.CharField(_("online or offline"), max_length=10, choices=StudyMode.choices)
    topic = models.CharField(_("topic"), max_length=200, validators=TEXT)
    held_on = models.DateField(_("date"))
    hours = models.DecimalField(
        _("hours"),
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("24"))],
    )
    attendance = models.PositiveIntegerField(
        _("attendance"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(100_000)]
    )
    attendees = models.TextField(_("names of attendees"), max_length=4000, blank=True, validators=TEXT)
    # 应到: how many were expected (the roster's count); `attendance` is 实到. Blank on older rows.
    expected = models.PositiveIntegerField(
        _("expected (应到)"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(100_000)]
    )
    # Who gave a talk (交流发言), so "every leader speaks at least once" can be checked.
    speakers = models.TextField(_("who spoke"), max_length=2000, blank=True, validators=TEXT)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    LEDGER = Ledger.STUDY
    DATE_FIELD = "held_on"

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("study session")
        verbose_name_plural = _("study sessions")

    def summary(self) -> str:
        return f"{date_format(self.held_on, 'DATE_FORMAT')} {self.get_kind_display()}：{self.topic}"

    @property
    def attendance_rate(self) -> int | None:
        """参学率 in whole percent (实到 / 应到), or None without an expected number."""
        if not self.expected or self.attendance is None:
            return None
        return round(self.attendance * 100 / self.expected)

    def clean(self) -> None:
        errors: dict = {}
        self._check_past(errors, "held_on")
        names = split_names(self.attendees)
        if self.attendance is None and names:
            self.attendance = len(names)
        if self.attendance is None:
            errors["attendance"] = _("Give the number of attendees or their names.")
        elif self.expected is not None and self.attendance > self.expected:
            errors["attendance"] = _("More attended than were expected; check the expected number.")
        if errors:
            raise ValidationError(errors)
