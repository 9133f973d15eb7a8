"""Abstract bases shared by the domain apps."""

from __future__ import annotations

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
