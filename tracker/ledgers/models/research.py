"""Research ledger (调查研究): topics, visits to sites, reports and the conversion of results."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tracker.campaigns.models import Ledger
from tracker.ledgers.models.base import TEXT, LedgerRow, ProgressStatus, _check_done
from tracker.ledgers.text import normalise_key


class ResearchTopic(LedgerRow):
    """A research topic (调研课题) a leader of the unit takes on."""

    leader_name = models.CharField(_("leader"), max_length=100, validators=TEXT)
    title = models.CharField(_("topic"), max_length=200, validators=TEXT)
    title_key = models.CharField(max_length=200, editable=False, db_index=True)
    description = models.TextField(_("description"), max_length=2000, blank=True, validators=TEXT)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    LEDGER = Ledger.TOPICS

    class Meta:
        ordering = ["leader_name", "id"]
        verbose_name = _("research topic")
        verbose_name_plural = _("research topics")

    def summary(self) -> str:
        return f"{self.title}（{self.leader_name}）"

    def clean(self) -> None:
        self.title_key = normalise_key(self.title)[:200]
        if self.title and not self.title_key:
            raise ValidationError({"title": _("Give the topic a title in words.")})


class ResearchVisit(LedgerRow):
    """A visit to a grassroots site (调研走访): where, when, who led it, who went, announced or not."""

    topic = models.ForeignKey(
        ResearchTopic,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name=_("research topic"),
    )
    site = models.CharField(_("site"), max_length=200, validators=TEXT)
    site_key = models.CharField(max_length=200, editable=False, db_index=True)
    visited_on = models.DateField(_("date"))
    leader_name = models.CharField(_("leading official"), max_length=100, validators=TEXT)
    leader_key = models.CharField(max_length=100, editable=False)
    participants = models.TextField(_("participants"), max_length=1000, blank=True, validators=TEXT)
    unannounced = models.BooleanField(_("unannounced (四不两直)"), default=False)
    findings = models.TextField(_("what was found"), max_length=4000, blank=True, validators=TEXT)
    crowding_confirmed = models.BooleanField(_("saved despite a crowding warning"), default=False, editable=False)
    # Why the visit was saved despite the warning; set by the service with the confirmation, never by a form.
    crowding_reason = models.TextField(
        _("reason for saving despite the crowding warning"), max_length=500, blank=True, editable=False
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])
    LEDGER = Ledger.VISITS
    DATE_FIELD = "visited_on"

    class Meta:
        ordering = ["-visited_on", "-id"]
        verbose_name = _("research visit")
        verbose_name_plural = _("research visits")
        indexes = [models.Index(fields=["campaign", "site_key", "visited_on"], name="visit_site_date")]

    def summary(self) -> str:
        return f"{date_format(self.visited_on, 'DATE_FORMAT')} {self.site}（{self.leader_name}）"

    def clean(self) -> None:
        errors: dict = {}
        self.site_key = normalise_key(self.site)[:200]
        self.leader_key = normalise_key(self.leader_name)[:100]
        if self.site and not self.site_key:
            errors["site"] = _("Name the site in words.")
        self._check_past(errors, "visited_on")
        if self.topic is not None and self.topic.unit_id != self.unit_id:
            errors["topic"] = _("Choose one of the unit's own topics.")
        if errors:
            raise ValidationError(errors)


class ResearchReport(LedgerRow):
    """A research report (调研报告) written after the visits."""

    topic = models.ForeignKey(
        ResearchTopic,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("research topic"),
    )
    title = models.CharField(_("title"), max_length=200, validators=TEXT)
    author_name = models.CharField(_("written by"), max_length=100, blank=True, validators=TEXT)
    completed_on = models.DateField(_("completed on"))
    synopsis = models.TextField(_("main points"), max_length=4000, blank=True, validators=TEXT)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    LEDGER = Ledger.REPORTS
    DATE_FIELD = "completed_on"

    class Meta:
        ordering = ["-completed_on", "-id"]
        verbose_name = _("research report")
        verbose_name_plural = _("research reports")

    def summary(self) -> str:
        return self.title

    def clean(self) -> None:
        errors: dict = {}
        self._check_past(errors, "completed_on")
        if self.topic is not None and self.topic.unit_id != self.unit_id:
            errors["topic"] = _("Choose one of the unit's own topics.")
        if errors:
            raise ValidationError(errors)


class ConversionItem(LedgerRow):
    """One line of the conversion list (调研成果转化运用清单), followed up until done."""

    report = models.ForeignKey(
        ResearchReport,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="conversions",
        verbose_name=_("research report"),
    )
    title = models.CharField(_("measure to put into practice"), max_length=200, validators=TEXT)
    responsible = models.CharField(_("responsible person"), max_length=100, blank=True, validators=TEXT)
    due_on = models.DateField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=12, choices=ProgressStatus.choices, default=ProgressStatus.PLANNED
    )
    follow_up = models.TextField(_("follow-up and return visits"), max_length=4000, blank=True, validators=TEXT)
    done_on = models.DateField(_("done on"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    LEDGER = Ledger.CONVERSION

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("conversion item")
        verbose_name_plural = _("conversion items")

    def summary(self) -> str:
        return self.title

    def clean(self) -> None:
        errors: dict = {}
        self._check_deadline(errors, "due_on")
        _check_done(self, errors)
        if self.report is not None and self.report.unit_id != self.unit_id:
            errors["report"] = _("Choose one of the unit's own reports.")
        if errors:
            raise ValidationError(errors)
