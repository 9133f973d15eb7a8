"""The campaign, its measures and the required actions (规定动作) defined once per campaign."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

from django.apps import apps
from django.conf import settings
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
    # 督办 pushed to WeCom, DingTalk and SMS even in quiet hours (nights, days off).
    escalation_ignores_quiet_hours = models.BooleanField(_("push 督办 even in quiet hours"), default=False)
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

    # A closed campaign is a read-only archive: its numbers stay, nothing more is written to it.
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
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

    @property
    def is_closed(self) -> bool:
        return self.closed_on is not None


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


class Window(NamedTuple):
    """A unit's own start and end inside a campaign (S0 l.11: 具体到每个单位只有*个月)."""

    starts_on: date
    ends_on: date


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

    def periods(self, window: Window | None = None) -> list[Period]:
        """The periods this template asks for: one, or one per calendar month of the window.

        The window is a unit's own start and end (its batch's, or overridden for the unit); by
        default the campaign's. Due dates follow it: "30 days after the start" is 30 days after
        the unit's own start, and never outside its window.
        """
        starts_on, ends_on = window or (self.campaign.starts_on, self.campaign.ends_on)
        if self.recurrence == Recurrence.MONTHLY:
            periods = []
            first = starts_on.replace(day=1)
            index = 0
            while first <= ends_on:
                last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
                start = max(first, starts_on)
                end = min(last, ends_on)
                periods.append(Period(index=index, starts_on=start, ends_on=end, due_on=end))
                first = last + timedelta(days=1)
                index += 1
            return periods
        anchor = starts_on if self.due_anchor == DueAnchor.START else ends_on
        due = anchor + timedelta(days=self.due_offset_days)
        due = min(max(due, starts_on), ends_on)
        return [Period(index=0, starts_on=None, ends_on=None, due_on=due)]


class Batch(Bilingual, TimeStamped):
    """One batch (批次) of a campaign (S0 l.12 分两批进行): its own window and its own units."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="batches", verbose_name=_("campaign"))
    code = models.SlugField(_("code"), max_length=40)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["campaign", "order", "starts_on"]
        verbose_name = _("batch")
        verbose_name_plural = _("batches")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "code"], name="batch_code_unique_per_campaign"),
            models.CheckConstraint(name="batch_dates_ordered", condition=Q(ends_on__gte=models.F("starts_on"))),
        ]

    @property
    def window(self) -> Window:
        return Window(self.starts_on, self.ends_on)

    def clean(self) -> None:
        super().clean()
        campaign = self.campaign
        if (
            self.starts_on
            and self.ends_on
            and not (campaign.starts_on <= self.starts_on <= self.ends_on <= campaign.ends_on)
        ):
            raise ValidationError(_("A batch runs inside its campaign's dates."))


class Participation(TimeStamped):
    """A unit taking part in a campaign: in at most one of its batches, with its own window.

    The window is normally the batch's (or the campaign's); `starts_on`/`ends_on` override it
    for this one unit. A campaign without participation rows is run by every participating unit.
    """

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="participations", verbose_name=_("campaign")
    )
    unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.CASCADE, related_name="participations", verbose_name=_("unit")
    )
    batch = models.ForeignKey(
        Batch, on_delete=models.PROTECT, null=True, blank=True, related_name="participations", verbose_name=_("batch")
    )
    starts_on = models.DateField(_("own start"), null=True, blank=True)
    ends_on = models.DateField(_("own end"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        constraints = [
            # "A unit can be in one batch of a campaign."
            models.UniqueConstraint(fields=["campaign", "unit"], name="participation_one_per_campaign_unit"),
        ]

    def window(self) -> Window:
        base = self.batch.window if self.batch is not None else Window(self.campaign.starts_on, self.campaign.ends_on)
        return Window(self.starts_on or base.starts_on, self.ends_on or base.ends_on)


class CampaignChoice(models.Model):
    """The campaign a person last chose in the switcher; their pages show that campaign."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="campaign_choice", verbose_name=_("user")
    )
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+", verbose_name=_("campaign"))

    class Meta:
        verbose_name = _("chosen campaign")
        verbose_name_plural = _("chosen campaigns")

    def __str__(self) -> str:
        return f"{self.user_id} → {self.campaign_id}"
