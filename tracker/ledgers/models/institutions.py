"""Institutions list (建章立制): rules adopted, revised or repealed."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tracker.campaigns.models import Ledger
from tracker.ledgers.models.base import TEXT, LedgerRow, ledger_upload_to
from tracker.ledgers.models.rectification import RectificationItem


class InstitutionAction(models.TextChoices):
    NEW = "new", _("New")
    REVISED = "revised", _("Revised")
    REPEALED = "repealed", _("Repealed")


class Institution(LedgerRow):
    """A rule (制度) adopted, revised or repealed, linked to the problems it answers."""

    title = models.CharField(_("rule"), max_length=200, validators=TEXT)
    action = models.CharField(_("new, revised or repealed"), max_length=10, choices=InstitutionAction.choices)
    adopted_on = models.DateField(_("adopted on"))
    doc_number = models.CharField(_("document number"), max_length=100, blank=True, validators=TEXT)
    document = models.FileField(_("document"), upload_to=ledger_upload_to, max_length=255, blank=True)
    document_name = models.CharField(_("document file name"), max_length=255, blank=True)
    problems = models.ManyToManyField(
        RectificationItem, blank=True, related_name="institutions", verbose_name=_("problems it answers")
    )

    history = HistoricalRecords(excluded_fields=["updated_at"], m2m_fields=[problems])
    LEDGER = Ledger.INSTITUTIONS
    DATE_FIELD = "adopted_on"

    class Meta:
        ordering = ["-adopted_on", "-id"]
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")

    def summary(self) -> str:
        return self.title

    def clean(self) -> None:
        errors: dict = {}
        self._check_past(errors, "adopted_on")
        if errors:
            raise ValidationError(errors)
