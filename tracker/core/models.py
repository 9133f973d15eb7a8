"""Abstract bases shared by the domain apps."""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


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
