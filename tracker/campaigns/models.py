"""The campaign, its measures and the required actions (规定动作) defined once per campaign."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tracker.core.models import Bilingual, TimeStamped, pick_language
from tracker.orgs.models import Unit, UnitCategory


class SourceCitation(models.Model):
    """Where in the source speeches (seeds/sources/) a requirement comes from."""

    source_file = models.CharField(_("source file"), max_length=100, blank=True)
    source_line = models.PositiveIntegerField(_("source line"), null=True, blank=True)
    source_quote = models.CharField(_("quoted words"), max_length=200, blank=True)

    class Meta:
        abstract = True

    @property
    def citation(self) -> str:
        return f"{self.source_file}:{self.source_line}" if self.source_file else ""


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class Campaign(Bilingual, SourceCitation, TimeStamped):
    """One campaign run (主题教育 / 批次): its dates, general requirement, light thresholds and reminder ladder."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    general_requirement = models.CharField(_("general requirement"), max_length=200, blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    is_active = models.BooleanField(_("active"), default=True)
    yellow_due_workdays = models.PositiveSmallIntegerField(_("yellow when due within (working days)"), default=3)
    stale_days = models.PositiveSmallIntegerField(_("yellow after days without an entry"), default=14)
    # A unit's or measure's light rolls up from its tasks: one late task among fifty is a warning
    # (yellow), not a failing unit; red needs this share of the group's tasks to be red.
    group_red_percent = models.PositiveSmallIntegerField(
        _("a unit or measure is red from this share of red tasks (%)"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    # The reminder ladder (README "Reminders"). "Due soon" is the yellow threshold above, so a reminder
    # says "due soon" exactly when the light turns yellow for its due date.
    reminders_enabled = models.BooleanField(_("send reminders"), default=True)
    overdue_repeat_workdays = models.PositiveSmallIntegerField(
        _("repeat overdue reminders every (working days)"), default=3, validators=[MinValueValidator(1)]
    )
    escalate_after_days = models.PositiveSmallIntegerField(
        _("escalate to unit leader and office after (days overdue)"), default=7, validators=[MinValueValidator(1)]
    )
    digest_weekday = models.PositiveSmallIntegerField(
        _("weekly digest on"), choices=Weekday.choices, default=Weekday.MONDAY
    )
    # Research ledger: two visits to one site closer than this are crowding (扎堆调研).
    research_window_days = models.PositiveSmallIntegerField(
        _("crowded-research window (days)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("Visits to the same site by other units or leaders within this many days raise a warning."),
    )

    # S2 l.28 不随意增加"自选动作": past this many, a unit adding one is reminded (never refused).
    self_chosen_soft_cap = models.PositiveSmallIntegerField(
        _("self-chosen tasks per unit before a reminder"),
        null=True,
        blank=True,
        help_text=_("Empty: no reminder. Units may add more; they see a note once they pass it."),
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        constraints = [
            models.CheckConstraint(name="campaign_dates_ordered", condition=Q(ends_on__gte=models.F("starts_on")))
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def total_days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1

    def days_elapsed(self, today: date) -> int:
        return max(0, min(self.total_days, (today - self.starts_on).days + 1))


class Measure(Bilingual, SourceCitation):
    """One of the five key measures (重点措施) or organisation work (组织实施)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("measure")
        verbose_name_plural = _("measures")

    def __str__(self) -> str:
        return self.name


class DueAnchor(models.TextChoices):
    START = "start", _("after the campaign starts")
    END = "end", _("before/after the campaign ends")


class Recurrence(models.TextChoices):
    NONE = "none", _("once")
    MONTHLY = "monthly", _("every month")


class Ledger(models.TextChoices):
    """The ledgers (台账) a template's progress may be counted from; see tracker/ledgers."""

    STUDY = "study", _("Study sessions")
    RECTIFICATION = "rectification", _("Rectification items")
    TOPICS = "topics", _("Research topics")
    VISITS = "visits", _("Research visits")
    REPORTS = "reports", _("Research reports")
    CONVERSION = "conversion", _("Research conversion list")
    DEEDS = "deeds", _("Practical deeds")
    INSTITUTIONS = "institutions", _("Institutions")


# The model behind each ledger, named by label so this app does not import the ledgers app.
LEDGER_MODELS: dict[str, str] = {
    Ledger.STUDY: "ledgers.StudySession",
    Ledger.RECTIFICATION: "ledgers.RectificationItem",
    Ledger.TOPICS: "ledgers.ResearchTopic",
    Ledger.VISITS: "ledgers.ResearchVisit",
    Ledger.REPORTS: "ledgers.ResearchReport",
    Ledger.CONVERSION: "ledgers.ConversionItem",
    Ledger.DEEDS: "ledgers.PracticalDeed",
    Ledger.INSTITUTIONS: "ledgers.Institution",
}


@dataclass(frozen=True)
class Period:
    index: int
    starts_on: date | None
    ends_on: date | None
    due_on: date


class TaskTemplate(SourceCitation, TimeStamped):
    """A required action (规定动作), defined once and instantiated as a task per unit and period."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="templates", verbose_name=_("campaign")
    )
    code = models.SlugField(_("code"), max_length=60)
    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="templates", verbose_name=_("measure"))
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    description = models.TextField(_("what to do"), blank=True)
    done_criteria = models.TextField(_("what counts as done"), blank=True)
    evidence_expected = models.TextField(_("evidence expected"), blank=True)
    due_anchor = models.CharField(
        _("due relative to"), max_length=10, choices=DueAnchor.choices, default=DueAnchor.START
    )
    due_offset_days = models.IntegerField(_("due offset (days)"), default=30)
    recurrence = models.CharField(_("recurrence"), max_length=10, choices=Recurrence.choices, default=Recurrence.NONE)
    categories = models.ManyToManyField(
        UnitCategory,
        blank=True,
        related_name="templates",
        verbose_name=_("unit categories"),
        help_text=_("Leave empty to apply to every category."),
    )
    weight = models.PositiveSmallIntegerField(
        _("weight"), default=1, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    target_count = models.PositiveSmallIntegerField(_("records needed"), default=1)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    # 一表通: rows of this ledger (matching the filter) count towards the task's progress.
    ledger = models.CharField(
        _("counted from ledger"),
        max_length=20,
        choices=Ledger.choices,
        blank=True,
        help_text=_("Each matching ledger row the unit records counts as one of the records needed."),
    )
    ledger_filter = models.JSONField(
        _("ledger filter"),
        default=dict,
        blank=True,
        help_text=_('Only rows with these field values count, e.g. {"kind": "central_group"}; a list means any of.'),
    )

    # 分类指导 at every level: a district office's own template applies only to its subtree and is
    # read-only to the offices above and beside it; empty means the whole campaign (the city's).
    owner_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owned by"),
        help_text=_("Empty: every unit of the campaign. A unit: only the units of its subtree."),
    )
    # Optimistic lock for the template editor (tracker.core.concurrency).
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["measure__order", "order", "code"]
        verbose_name = _("task template")
        verbose_name_plural = _("task templates")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "code"], name="template_code_unique_per_campaign"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return pick_language(self.title_zh, self.title_en)

    def clean(self) -> None:
        super().clean()
        if not isinstance(self.ledger_filter, dict):
            raise ValidationError({"ledger_filter": _("The ledger filter must be a mapping of field to value.")})
        if self.ledger_filter and not self.ledger:
            raise ValidationError({"ledger_filter": _("A ledger filter needs a ledger.")})
        if not self.ledger:
            return
        model = apps.get_model(LEDGER_MODELS[self.ledger])
        for name, value in self.ledger_filter.items():
            try:
                field = model._meta.get_field(name)
            except FieldDoesNotExist:
                raise ValidationError(
                    {"ledger_filter": _("The ledger has no field %(name)s.") % {"name": name}}
                ) from None
            allowed = {str(choice) for choice, _label in field.choices or []}
            for item in value if isinstance(value, list) else [value]:
                if allowed and str(item) not in allowed:
                    raise ValidationError(
                        {"ledger_filter": _("%(value)s is not a value of %(name)s.") % {"value": item, "name": name}}
                    )

    def periods(self) -> list[Period]:
        """The periods this template asks for: one, or one per calendar month of the campaign."""
        campaign = self.campaign
        if self.recurrence == Recurrence.MONTHLY:
            periods = []
            first = campaign.starts_on.replace(day=1)
            index = 0
            while first <= campaign.ends_on:
                last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
                start = max(first, campaign.starts_on)
                end = min(last, campaign.ends_on)
                periods.append(Period(index=index, starts_on=start, ends_on=end, due_on=end))
                first = last + timedelta(days=1)
                index += 1
            return periods
        anchor = campaign.starts_on if self.due_anchor == DueAnchor.START else campaign.ends_on
        due = anchor + timedelta(days=self.due_offset_days)
        due = min(max(due, campaign.starts_on), campaign.ends_on)
        return [Period(index=0, starts_on=None, ends_on=None, due_on=due)]
