"""Abstract bases shared by the domain apps."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class Bilingual(models.Model):
    """A row named in Chinese and English; `name` follows the active UI language."""

    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return pick_language(self.name_zh, self.name_en)


def pick_language(zh: str, en: str) -> str:
    """English text when the UI speaks English and it exists, Chinese otherwise."""
    if en and (get_language() or "").startswith("en"):
        return en
    return zh


class WorkdayOverride(TimeStamped):
    """The office's correction to the working-day calendar for one date.

    chinese-calendar knows the State Council's published years; for a later year, or a local
    arrangement (a make-up Saturday, an extra day off), the office records the date here and
    `tracker.core.workdays` follows it before anything else.
    """

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["date"]
        verbose_name = _("working-day override")
        verbose_name_plural = _("working-day overrides")

    def __str__(self) -> str:
        kind = _("working day") if self.is_workday else _("day off")
        return f"{self.date} · {kind}"


class CalendarYear(TimeStamped):
    """The office has entered this year's holiday arrangement (the State Council's notice).

    Its days are `WorkdayOverride` rows; this row says the year is complete, so the warnings about
    a year the calendar does not know stop, and keeps what was pasted or uploaded.
    """

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.TextField(_("entered from"), blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["year"]
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")

    def __str__(self) -> str:
        return str(self.year)


class UserPreference(models.Model):
    """What a person chose for themselves; for now the UI language they see after logging in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preference", verbose_name=_("user")
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, blank=True)

    class Meta:
        verbose_name = _("user preference")
        verbose_name_plural = _("user preferences")

    def __str__(self) -> str:
        return f"{self.user} · {self.language or '-'}"


class SoftDeleteQuerySet(models.QuerySet):
    def alive(self) -> SoftDeleteQuerySet:
        return self.filter(deleted_at__isnull=True)

    def deleted(self) -> SoftDeleteQuerySet:
        return self.filter(deleted_at__isnull=False)


class AliveManager(models.Manager):
    """The default manager of a SoftDeletable model: deleted rows are out of every list and count."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


class SoftDeletable(models.Model):
    """A row that users delete and may get back: deleting stamps who and when, nothing is removed.

    Give the model `objects = AliveManager.from_queryset(YourQuerySet)()` first (the default
    manager, so related managers, lists and counts skip deleted rows) and
    `all_objects = models.Manager.from_queryset(YourQuerySet)()` for restore and audits.
    Backups use `_base_manager`/SQL, so deleted rows are kept there too.
    """

    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("deleted by"),
    )

    class Meta:
        abstract = True

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None
